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
