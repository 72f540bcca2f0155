/* Push to central collectors (DESIGN.md §6): for each target, a thread
 * that collects every interval and queues the batch on disk, and another
 * that sends the queue in order over Prometheus Remote-Write 1.0 with
 * libcurl. */
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
/* Starts two threads per target (none configured: *ret is NULL). */
int push_start(const struct config *cfg, struct scrape_engine *engine, struct push **ret, struct diag *diag);
/* Stops the threads; what is queued stays on disk for the next start. */
void push_stop(struct push *p);
/* The vigie_push_* series of every target (a scrape engine source). */
int push_metrics(struct metric_set *set, void *userdata);
/* url with the password of its userinfo masked (http://alice:xxxxx@host/),
 * into out (size bytes): what the log and diagnostics show. */
void push_url_redact(const char *url, char *out, size_t size);
/* Whether two absolute URLs have the same scheme, host and port. */
bool push_url_same_origin(const char *a, const char *b);
