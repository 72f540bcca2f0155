/* Push to central collectors: one thread that collects for every target
 * due, and for each target a thread that queues its batches on disk and
 * another that sends the queue in order over Prometheus Remote-Write 1.0
 * with libcurl. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "diag.h"
#include "metric.h"
#include "scrape.h"

struct push;

/* Checks the [push.target.NAME] sections of cfg; diag says what is wrong. */
int push_check(const struct config *cfg, struct diag *diag);
/* Starts the collection thread and two threads per target (none
 * configured: *ret is NULL). */
int push_start(const struct config *cfg, struct scrape_engine *engine, struct push **ret, struct diag *diag);
/* Stops the threads; what is queued stays on disk for the next start. */
void push_stop(struct push *p);
/* The vigie_push_* series of every target (a scrape engine source). */
int push_metrics(struct metric_set *set, void *userdata);
/* A target as the landing page shows it, read at one moment. */
struct push_target_status {
        const char *name;
        const char *url; /* its password masked */
        uint64_t interval_ms;
        uint64_t queue_bytes, queue_batches, queue_samples;
        uint64_t memory_batches; /* collected, waiting for the disk */
        int64_t oldest_ms;       /* collection time of the oldest queued batch; 0 when empty */
        double last_success;     /* seconds since the epoch the target last acknowledged; 0: never */
        uint64_t dropped;        /* samples given up, every reason */
};
/* Calls fn for each target of p (NULL: none), outside every lock. */
void push_for_each_target(struct push *p, void (*fn)(const struct push_target_status *st, void *userdata),
                          void *userdata);
/* url with the password of its userinfo masked (http://alice:xxxxx@host/),
 * into out (size bytes): what the log and diagnostics show. */
void push_url_redact(const char *url, char *out, size_t size);
/* Whether two absolute URLs have the same scheme, host and port. */
bool push_url_same_origin(const char *a, const char *b);

#define PUSH_REDIRECTS_MAX 5
#define PUSH_BACKOFF_MIN_MS 500
#define PUSH_BACKOFF_MAX_MS 30000

/* A target's ceiling on its sends (max_batches_per_second,
 * max_bytes_per_second; 0: none), which paces the replay of a backlog
 * after an outage so that a fleet coming back at once does not swamp the
 * receiver. */
struct push_pace {
        double batches_per_second;
        uint64_t bytes_per_second;
};

/* When the send after one of len bytes (its body) that started at
 * started_ms may start, on the same clock: 1/batches_per_second later, or
 * later still when len bytes take longer at bytes_per_second. Whatever
 * the answer to it was: a retry is paced too. */
uint64_t push_pace_next_ms(const struct push_pace *pace, uint64_t started_ms, size_t len);

/* The wait before the next try after a failed send: *backoff (0 before
 * the first failure, reset to 0 by a success) doubles from
 * PUSH_BACKOFF_MIN_MS to PUSH_BACKOFF_MAX_MS, and the wait is it jittered
 * from 80% to 120% with rand_r(seed), each agent its own seed, so that a
 * fleet that failed at once does not retry in step. */
uint64_t push_backoff_ms(uint64_t *backoff, unsigned *seed);

enum push_verdict {
        PUSH_DELIVERED,     /* 2xx: the batch is removed from the queue */
        PUSH_RETRY,         /* 5xx, 429, a network error: kept, sent again after a backoff */
        PUSH_FOLLOW,        /* 307 or 308 within the origin: sent again where it points */
        PUSH_MISCONFIGURED, /* another redirect, TLS or URL trouble: kept and retried, logged as an error */
        PUSH_DROP,          /* any other status (4xx): this batch is refused for good, dropped */
};

/* What the sender does after a POST to url: status is the HTTP status, or
 * 0 when libcurl failed with curl_code (a CURLcode); location is where a
 * 3xx points (NULL if nowhere), hops the redirects followed before. For
 * PUSH_MISCONFIGURED after a 3xx, why (why_size bytes) says what is wrong. */
enum push_verdict push_verdict(long status, int curl_code, const char *url, const char *location, unsigned hops,
                               char *why, size_t why_size);
