/* The disk queue of a push target: each batch is written (and fsync'd,
 * unless configured otherwise) before it is sent, and removed only once
 * the central collector acknowledged it. A kill -9 or a reboot loses
 * nothing; past the byte budget the oldest batches go first, counted. A
 * record whose checksum does not match (a power cut, a bad disk) is
 * skipped and counted, and the rest is delivered. One thread may append
 * while another peeks and pops; push_queue_stats may be called from any
 * thread and never waits on the disk. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "buf.h"

struct diag;
struct push_queue;

struct push_queue_stats {
        uint64_t bytes, records, samples;
        int64_t oldest_ms;               /* timestamp of the oldest queued batch; 0 when empty */
        uint64_t dropped_budget_samples; /* oldest batches dropped to stay in the budget */
        uint64_t dropped_write_samples;  /* batches that could not be written (disk full) */
        uint64_t corrupt_records;        /* damaged records skipped (a segment shorter than its
                                          * acknowledged part counts as one) */
        uint64_t corrupt_bytes;          /* bytes skipped with them: damage that wiped a record's
                                          * header takes that record too, uncounted above */
};

/* Opens (makes) the queue in dir, which must belong to the effective user
 * and not be writable by group or others; its files are never followed
 * through symbolic links. With diag set, a refusal says why there. */
int push_queue_open_diag(const char *dir, uint64_t max_bytes, bool fsync_each, struct diag *diag,
                         struct push_queue **ret);
int push_queue_open(const char *dir, uint64_t max_bytes, bool fsync_each, struct push_queue **ret);
void push_queue_close(struct push_queue *q);

/* Appends one batch (n_samples samples, collected at ts_ms). */
int push_queue_append(struct push_queue *q, const void *data, size_t len, uint32_t n_samples, int64_t ts_ms);
/* The oldest batch, into out: 0, or -ENOENT when the queue is empty. */
int push_queue_peek(struct push_queue *q, struct buf *out, uint32_t *ret_samples, int64_t *ret_ts_ms);
/* Removes the batch peek returned. */
int push_queue_pop(struct push_queue *q);
void push_queue_stats(struct push_queue *q, struct push_queue_stats *ret);
/* For a stop, from any thread: acknowledgements (pop) no longer wait for
 * fsync, so that a stop waits for the fsync in flight at most; a power cut
 * right after may resend what they acknowledged. Appends stay durable. */
void push_queue_hurry(struct push_queue *q);
