/* Scrape engine. Collectors run one after the other in the scraping
 * thread; each one's outcome and duration become node_scrape_collector_*
 * series, and a failing collector's partial output is rolled back so that
 * a scrape never shows half a family. */
#include "scrape.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "collector.h"
#include "log.h"
#include "registry.h"
#include "self_metrics.h"

static const char *const collector_label[] = {"collector"};
static const struct metric_desc duration_desc = {
        "node_scrape_collector_duration_seconds", "node_exporter: Duration of a collector scrape.", METRIC_GAUGE,
        1, collector_label};
static const struct metric_desc success_desc = {
        "node_scrape_collector_success", "node_exporter: Whether a collector succeeded.", METRIC_GAUGE, 1,
        collector_label};
static const struct metric_desc parse_errors_desc = {
        "vigie_collector_parse_errors_total",
        "Lines (or, for textfile, files) that a collector skipped because they did not parse.", METRIC_COUNTER, 1,
        collector_label};

struct collector_instance {
        const struct collector *desc;
        void *state;
        struct collector_status status; /* the engine lock's */
        struct collector_status shown;  /* status_lock's: as of the last finished collection */
};

/* What one configuration built: the collectors and the paths they read,
 * owned together so that a reload swaps them in one step. */
struct generation {
        struct collector_env env;
        char *paths[4];
        struct collector_instance *instances;
        size_t n;
        bool exporter_metrics;
        struct shared_files files; /* this generation's paths */
};

struct scrape_engine {
        pthread_mutex_t lock;
        /* Held only to copy statuses, so that the landing page never waits
         * on a running collection; taken inside lock, never around it. */
        pthread_mutex_t status_lock;
        struct generation *gen; /* swapped under both locks */
        struct metric_set set;
        struct self_metrics self;
        bool self_ok;
        int (*source)(struct metric_set *set, void *userdata);
        void *source_data;
};

static void generation_free(struct generation *g) {
        if (!g)
                return;
        shared_files_free(&g->files);
        for (size_t i = 0; i < g->n; i++)
                if (g->instances[i].desc)
                        g->instances[i].desc->free(g->instances[i].state);
        free(g->instances);
        for (size_t i = 0; i < ELEMENTSOF(g->paths); i++)
                free(g->paths[i]);
        free(g);
}

static int generation_new(const struct config *cfg, struct diag *diag, struct generation **ret) {
        struct generation *g = calloc(1, sizeof(*g));
        if (!g)
                return -ENOMEM;
        g->exporter_metrics = !cfg->disable_exporter_metrics;
        const char *src[] = {cfg->procfs, cfg->sysfs, cfg->rootfs, cfg->udev_data};
        for (size_t i = 0; i < ELEMENTSOF(src); i++)
                if (!(g->paths[i] = strdup(src[i]))) {
                        generation_free(g);
                        return -ENOMEM;
                }
        g->env = (struct collector_env){g->paths[0], g->paths[1], g->paths[2], g->paths[3]};
        g->instances = calloc(registry_count, sizeof(*g->instances));
        if (!g->instances) {
                generation_free(g);
                return -ENOMEM;
        }
        for (size_t i = 0; i < registry_count; i++) {
                if (!config_collector_enabled(cfg, i))
                        continue;
                const struct collector *c = registry_collectors[i];
                struct collector_instance *inst = &g->instances[g->n];
                int r = c->init(&g->env, config_collector_section(cfg, c->name), diag, &inst->state);
                if (r < 0) {
                        if (diag->msg[0] == '\0')
                                (void) diag_set(diag, "collector %s: cannot start: %s", c->name, strerror(-r));
                        generation_free(g);
                        return r;
                }
                inst->desc = c;
                inst->status = (struct collector_status){.name = c->name, .help = c->help};
                inst->shown = inst->status;
                g->n++;
        }
        *ret = g;
        return 0;
}

int scrape_engine_new(struct scrape_engine **ret) {
        struct scrape_engine *e = calloc(1, sizeof(*e));
        if (!e)
                return -ENOMEM;
        (void) pthread_mutex_init(&e->lock, NULL);
        (void) pthread_mutex_init(&e->status_lock, NULL);
        int r = self_metrics_init(&e->self);
        if (r < 0)
                log_errno(LOG_LEVEL_WARN, r, "cannot read the agent's own /proc/self/stat; process_* metrics left out");
        e->self_ok = r >= 0;
        *ret = e;
        return 0;
}

void scrape_engine_free(struct scrape_engine *e) {
        if (!e)
                return;
        generation_free(e->gen);
        metric_set_free(&e->set);
        self_metrics_free(&e->self);
        (void) pthread_mutex_destroy(&e->lock);
        (void) pthread_mutex_destroy(&e->status_lock);
        free(e);
}

int scrape_engine_configure(struct scrape_engine *e, const struct config *cfg, struct diag *diag) {
        struct generation *g = NULL;
        int r = generation_new(cfg, diag, &g);
        if (r < 0)
                return r;
        (void) pthread_mutex_lock(&e->lock);
        (void) pthread_mutex_lock(&e->status_lock);
        struct generation *old = e->gen;
        e->gen = g;
        (void) pthread_mutex_unlock(&e->status_lock);
        (void) pthread_mutex_unlock(&e->lock);
        generation_free(old);
        return 0;
}

/* One line when a collector starts failing or recovers, not one per scrape. */
static void log_transition(struct collector_status *st, int r, unsigned parse_errors) {
        /* a source this host does not have (no hwmon on a VM) is no data, not a fault */
        if (r == -ENOENT && (!st->ran || st->last_result != r))
                log_errno(LOG_LEVEL_INFO, r, "collector %s has no data on this host", st->name);
        else if (r < 0 && (!st->ran || st->last_result >= 0))
                log_errno(LOG_LEVEL_WARN, r, "collector %s failed; its series are left out until it recovers",
                          st->name);
        else if (r >= 0 && st->ran && st->last_result < 0)
                log_info("collector %s recovered", st->name);
        if (parse_errors > 0 && st->parse_errors == 0)
                log_warn("collector %s skipped %u line(s) it could not parse; counted in "
                         "vigie_collector_parse_errors_total",
                         st->name, parse_errors);
}

static void collect_all(struct scrape_engine *e) {
        struct generation *g = e->gen;
        struct metric_set *set = &e->set;
        metric_set_reset(set);
        shared_files_next_scrape(&g->files);

        for (size_t i = 0; i < g->n; i++) {
                struct collector_instance *inst = &g->instances[i];
                struct collect_ctx ctx = {.set = set, .files = &g->files};
                struct metric_mark mark = metric_set_mark(set);
                /* in whole nanoseconds, so that durations print as short
                 * decimals (0.000076337, not 7.6336998972692527e-05) */
                uint64_t t0 = clock_ns(CLOCK_MONOTONIC);
                int r = inst->desc->collect(inst->state, &ctx);
                double dt = (double) (clock_ns(CLOCK_MONOTONIC) - t0) / 1e9;
                if (r < 0) {
                        metric_set_rollback(set, mark);
                        set->error = 0;
                }
                log_transition(&inst->status, r, ctx.parse_errors);
                inst->status.ran = true;
                inst->status.last_result = r < 0 ? r : 0;
                inst->status.last_duration = dt;
                inst->status.parse_errors += ctx.parse_errors;
        }

        (void) metric_set_family(set, &duration_desc);
        for (size_t i = 0; i < g->n; i++)
                (void) metric_set_sample1(set, g->instances[i].status.last_duration, g->instances[i].desc->name);
        (void) metric_set_family(set, &success_desc);
        for (size_t i = 0; i < g->n; i++)
                (void) metric_set_sample1(set, g->instances[i].status.last_result >= 0, g->instances[i].desc->name);
        (void) metric_set_family(set, &parse_errors_desc);
        for (size_t i = 0; i < g->n; i++)
                (void) metric_set_sample1(set, (double) g->instances[i].status.parse_errors, g->instances[i].desc->name);
        (void) pthread_mutex_lock(&e->status_lock);
        for (size_t i = 0; i < g->n; i++)
                g->instances[i].shown = g->instances[i].status;
        (void) pthread_mutex_unlock(&e->status_lock);

        if (g->exporter_metrics) {
                if (e->self_ok) {
                        struct metric_mark mark = metric_set_mark(set);
                        if (self_metrics_collect(&e->self, set) < 0)
                                metric_set_rollback(set, mark);
                }
                (void) self_metrics_build_info(set);
        }
        if (e->source) {
                struct metric_mark mark = metric_set_mark(set);
                if (e->source(set, e->source_data) < 0) {
                        metric_set_rollback(set, mark);
                        set->error = 0;
                }
        }
}

void scrape_engine_set_source(struct scrape_engine *e, int (*fn)(struct metric_set *set, void *userdata),
                              void *userdata) {
        (void) pthread_mutex_lock(&e->lock);
        e->source = fn;
        e->source_data = userdata;
        (void) pthread_mutex_unlock(&e->lock);
}

int scrape_engine_collect(struct scrape_engine *e, int (*consume)(const struct metric_set *set, void *userdata),
                          void *userdata) {
        (void) pthread_mutex_lock(&e->lock);
        int r = -EINVAL;
        if (e->gen) {
                collect_all(e);
                r = e->set.error < 0 ? e->set.error : consume(&e->set, userdata);
        }
        (void) pthread_mutex_unlock(&e->lock);
        return r;
}

void scrape_engine_for_each_status(struct scrape_engine *e, void (*fn)(const struct collector_status *st, void *userdata),
                                   void *userdata) {
        (void) pthread_mutex_lock(&e->status_lock);
        for (size_t i = 0; e->gen && i < e->gen->n; i++)
                fn(&e->gen->instances[i].shown, userdata);
        (void) pthread_mutex_unlock(&e->status_lock);
}

size_t scrape_engine_count(struct scrape_engine *e) {
        (void) pthread_mutex_lock(&e->lock);
        size_t n = e->gen ? e->gen->n : 0;
        (void) pthread_mutex_unlock(&e->lock);
        return n;
}
