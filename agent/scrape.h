/* The scrape engine: runs the enabled collectors into one metric set,
 * adds the per-collector meta-metrics and the agent's own metrics, and
 * hands the set to a consumer (the text encoder for /metrics, later the
 * push queue) while it holds the engine's lock. */
#pragma once

#include <stdbool.h>

#include "config.h"
#include "diag.h"
#include "metric.h"

struct collector;

struct scrape_engine;

int scrape_engine_new(struct scrape_engine **ret);
void scrape_engine_free(struct scrape_engine *e);

/* Builds the collectors cfg enables (calling their init) and swaps them in.
 * On error (a bad [collector.X] value, say) the running set is unchanged
 * and diag says why. The engine keeps no pointer into cfg. New background
 * collectors' first refreshes are waited for, a second at most, so that
 * the next scrape has their series; the old ones are stopped. */
int scrape_engine_configure(struct scrape_engine *e, const struct config *cfg, struct diag *diag);
/* The same with the given collectors (every one runs, in this order but
 * for the outside ones, which run last) rather than the registry's that
 * cfg enables: for tests, which hand the engine fake collectors. */
int scrape_engine_configure_collectors(struct scrape_engine *e, const struct config *cfg,
                                       const struct collector *const *collectors, size_t n, struct diag *diag);

/* Who adds series of their own to every collection, after the
 * collectors, in this order. */
enum scrape_source_slot {
        SCRAPE_SOURCE_HTTP, /* the HTTP server's limits and refusals */
        SCRAPE_SOURCE_PUSH, /* the push targets' own metrics */
        SCRAPE_SOURCES_MAX,
};
/* Sets the source in slot; fn NULL removes it. */
void scrape_engine_set_source(struct scrape_engine *e, enum scrape_source_slot slot,
                              int (*fn)(struct metric_set *set, void *userdata), void *userdata);

/* Sets the observer: after each collection (a scrape's or a push's)
 * whose set is whole, fn(set, userdata) sees it, under the engine lock
 * and before the consumer. It must be quick and must not call the engine
 * (the landing page copies a few figures out of it, under a lock of its
 * own). fn NULL removes it; once this returns, the old one runs no more. */
void scrape_engine_set_observer(struct scrape_engine *e, void (*fn)(const struct metric_set *set, void *userdata),
                                void *userdata);

/* Collects once and calls consume(set, userdata) under the engine lock;
 * returns what consume returned. */
int scrape_engine_collect(struct scrape_engine *e, int (*consume)(const struct metric_set *set, void *userdata),
                          void *userdata);
/* Returns once no collection runs (the one running, if any, has ended). */
void scrape_engine_wait_idle(struct scrape_engine *e);

struct collector_status {
        const char *name;
        const char *help;
        bool ran;        /* collected at least once */
        int last_result; /* 0 or a negative errno */
        double last_duration;
        unsigned long long parse_errors;
};

/* Calls fn for each enabled collector, in run order, with its status as of
 * the last finished collection; a running collection does not hold it. */
void scrape_engine_for_each_status(struct scrape_engine *e,
                                   void (*fn)(const struct collector_status *st, void *userdata), void *userdata);
size_t scrape_engine_count(struct scrape_engine *e);
