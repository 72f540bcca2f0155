/* Scrape engine. Collectors run one after the other in the scraping
 * thread; each one's outcome and duration become node_scrape_collector_*
 * series, and a failing collector's partial output is rolled back so that
 * a scrape never shows half a family. Background collectors refresh on
 * the generation's scheduler instead, and the scrape copies the snapshot
 * each one published last. */
#include "scrape.h"

#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "alloc_failures.h"
#include "clock.h"
#include "collector.h"
#include "fileio.h"
#include "log.h"
#include "macro.h"
#include "plugin.h"
#include "registry.h"
#include "scheduler.h"
#include "self_metrics.h"
#include "source_merge.h"

static const char *const collector_label[] = {"collector"};
const struct metric_desc collector_duration_desc = {"node_scrape_collector_duration_seconds",
                                                    "node_exporter: Duration of a collector scrape.", METRIC_GAUGE, 1,
                                                    collector_label};
const struct metric_desc collector_success_desc = {"node_scrape_collector_success",
                                                   "node_exporter: Whether a collector succeeded.", METRIC_GAUGE, 1,
                                                   collector_label};
static const struct metric_desc parse_errors_desc = {
        "vigie_collector_parse_errors_total",
        "Lines (or, for textfile, files) that a collector skipped because they did not parse, or read cut short.",
        METRIC_COUNTER, 1, collector_label};

static const struct metric_desc last_refresh_desc = {
        "vigie_collector_last_refresh_timestamp_seconds",
        "When a background collector last refreshed its series successfully, in seconds since the epoch.", METRIC_GAUGE,
        1, collector_label};

/* How long configure waits for the first refreshes of background
 * collectors, so that the first scrape (--once, or right after a reload)
 * has their series; and how long stopping them waits for a refresh in
 * progress before leaving it to finish on its own. */
#define FIRST_REFRESH_WAIT_MS 1000
#define STOP_GRACE_MS 1000

/* A background collector: its state, what its refresh builds, and the
 * snapshot scrapes copy. The scheduler owns it once added, and frees it
 * when the refresh in progress (if any) is over. */
struct background {
        const struct collector *desc;
        void *state;
        struct scrape_cache cache;  /* its own: refreshes run beside scrapes */
        struct metric_set building; /* the refresh's alone */
        uint64_t period_ms, max_age_ms;
        bool auto_max_age;    /* three times the last delay asked */
        pthread_mutex_t lock; /* held to swap or copy what follows, never across collect */
        struct metric_set published;
        bool finished; /* a refresh has finished */
        int last_result;
        double last_duration;
        unsigned long long parse_errors;
        uint64_t finished_ns; /* CLOCK_MONOTONIC, when published was made */
        uint64_t max_age_ns;  /* as of then; 0: no bound */
        double last_success;  /* seconds since the epoch; 0: none yet */
};

struct collector_instance {
        const struct collector *desc;
        void *state;                    /* a synchronous collector's */
        struct background *bg;          /* a background one's */
        struct background *sampler;     /* a synchronous one's with .sample: it owns the state */
        double last_success;            /* bg: as of the last scrape */
        unsigned long long left_out;    /* bg: series the scrapes left out (source_merge) */
        size_t families_end;            /* its families in the last collection end here */
        struct collector_status status; /* the engine lock's */
        struct collector_status shown;  /* status_lock's: as of the last finished collection */
};

/* What one configuration built: the collectors and the paths they read,
 * owned together so that a reload swaps them in one step. */
struct generation {
        struct collector_env env;
        char *paths[4];
        struct collector_instance *instances;
        size_t n, n_background;
        bool exporter_metrics;
        struct scrape_cache cache;   /* this generation's paths */
        struct scheduler *scheduler; /* NULL without background work */
        char *plugin_dir;
};

struct scrape_engine {
        pthread_mutex_t lock;
        /* Held only to copy statuses, so that the landing page never waits
         * on a running collection; taken inside lock, never around it. */
        pthread_mutex_t status_lock;
        struct generation *gen;  /* swapped under both locks */
        size_t heap_free_low;    /* the heap's free bytes at their lowest since the last trim */
        uint64_t heap_looked_ns; /* CLOCK_MONOTONIC of the last look at the heap, 0 before it */
        struct metric_set set;
        struct self_metrics self;
        bool self_ok;
        struct source_merge merge; /* what outside sources add, checked in the scrape */
        struct scrape_source {
                int (*fn)(struct metric_set *set, void *userdata);
                void *userdata;
        } sources[SCRAPE_SOURCES_MAX];
        struct scrape_observer {
                void (*fn)(const struct metric_set *set, void *userdata);
                void *userdata;
        } observer;
};

static void background_free(void *userdata) {
        struct background *b = userdata;
        b->desc->free(b->state);
        scrape_cache_free(&b->cache);
        metric_set_free(&b->building);
        metric_set_free(&b->published);
        (void) pthread_mutex_destroy(&b->lock);
        free(b);
}

/* What a collect call that returned r amounts to: a failure too when the
 * set it wrote into holds an allocation error, or when an allocation of
 * this thread failed since failures_before, whatever the collector made
 * of it. */
static int collect_result(int r, const struct metric_set *set, unsigned long failures_before) {
        if (r >= 0 && set->error < 0)
                r = set->error;
        if (r >= 0 && alloc_failures() != failures_before)
                r = -ENOMEM;
        return r;
}

/* The scheduler's run: one refresh, published whole. */
static uint64_t background_refresh(void *userdata, bool fd_ready) {
        struct background *b = userdata;
        (void) fd_ready; /* the collector reads its descriptor without blocking either way */
        metric_set_reset(&b->building);
        scrape_cache_next(&b->cache);
        struct collect_ctx ctx = {.set = &b->building, .cache = &b->cache, .next_refresh_ms = b->period_ms};
        uint64_t t0 = clock_ns(CLOCK_MONOTONIC);
        unsigned long failures = alloc_failures(), faults = fileio_read_faults();
        int r = b->desc->collect(b->state, &ctx);
        uint64_t t1 = clock_ns(CLOCK_MONOTONIC);
        ctx.parse_errors += (unsigned) (fileio_read_faults() - faults);
        r = collect_result(r, &b->building, failures);
        if (r < 0 && (!ctx.keep_on_failure || b->building.error < 0))
                metric_set_reset(&b->building);
        if (b->auto_max_age)
                b->max_age_ms = ctx.next_refresh_ms * 3;

        (void) pthread_mutex_lock(&b->lock);
        struct metric_set old = b->published;
        b->published = b->building;
        b->building = old;
        b->finished = true;
        b->last_result = r < 0 ? r : 0;
        b->last_duration = (double) (t1 - t0) / 1e9;
        b->parse_errors += ctx.parse_errors;
        b->finished_ns = t1;
        b->max_age_ns = b->max_age_ms * 1000000u;
        if (r >= 0)
                b->last_success = (double) clock_ns(CLOCK_REALTIME) / 1e9;
        (void) pthread_mutex_unlock(&b->lock);
        return ctx.next_refresh_ms;
}

/* The scheduler's run for a synchronous collector's sample. The read
 * faults it meets are counted on the scheduler's thread: kept in
 * parse_errors for the next scrape to add to the collector's. */
static uint64_t sampler_run(void *userdata, bool fd_ready) {
        struct background *b = userdata;
        (void) fd_ready;
        unsigned long faults = fileio_read_faults();
        uint64_t next = b->desc->sample(b->state);
        faults = fileio_read_faults() - faults;
        if (faults > 0) {
                (void) pthread_mutex_lock(&b->lock);
                b->parse_errors += faults;
                (void) pthread_mutex_unlock(&b->lock);
        }
        return next;
}

/* The read faults a sampler met since the last scrape, taken. */
static unsigned sampler_faults(struct background *b) {
        (void) pthread_mutex_lock(&b->lock);
        unsigned n = (unsigned) b->parse_errors;
        b->parse_errors = 0;
        (void) pthread_mutex_unlock(&b->lock);
        return n;
}

/* Hands a synchronous collector's sample to g's scheduler, which frees
 * the state when it lets the task go (a sample may still be running when
 * the generation goes); on error the collector is freed. */
static int sampler_add(struct generation *g, const struct collector *c, void *state, struct background **ret) {
        struct background *b = calloc(1, sizeof(*b));
        if (!b) {
                c->free(state);
                return -ENOMEM;
        }
        *b = (struct background){.desc = c, .state = state};
        (void) pthread_mutex_init(&b->lock, NULL);
        int r = scheduler_add(g->scheduler, c->name, -1, sampler_run, background_free, b);
        if (r < 0) {
                background_free(b);
                return r;
        }
        *ret = b;
        return 0;
}

/* Hands a started background collector to g's scheduler; on error the
 * collector is freed. */
static int background_add(struct generation *g, const struct collector *c, void *state, struct diag *diag,
                          struct background **ret) {
        struct collector_schedule sched = {.fd = -1};
        int r = c->schedule(state, &sched);
        if (r >= 0 && sched.period_ms == 0 && sched.fd < 0)
                r = -EINVAL;
        struct background *b = r < 0 ? NULL : calloc(1, sizeof(*b));
        if (!b) {
                c->free(state);
                if (r >= 0)
                        r = -ENOMEM;
                else if (diag->msg[0] == '\0')
                        (void) diag_set(diag, "collector %s: no schedule: %s", c->name, strerror(-r));
                return r;
        }
        *b = (struct background){
                .desc = c,
                .state = state,
                .period_ms = sched.period_ms,
                .max_age_ms = sched.max_age_ms,
                .auto_max_age = sched.max_age_ms == 0,
                .last_result = -EAGAIN,
        };
        (void) pthread_mutex_init(&b->lock, NULL);
        if ((r = scheduler_add(g->scheduler, c->name, sched.fd, background_refresh, background_free, b)) < 0) {
                background_free(b);
                return r;
        }
        *ret = b;
        return 0;
}

static void generation_free(struct generation *g) {
        if (!g)
                return;
        scheduler_free(g->scheduler, STOP_GRACE_MS); /* frees the background collectors and stops the probes */
        scrape_cache_free(&g->cache);
        for (size_t i = 0; i < g->n; i++)
                if (g->instances[i].desc && !g->instances[i].bg && !g->instances[i].sampler)
                        g->instances[i].desc->free(g->instances[i].state);
        free(g->instances);
        for (size_t i = 0; i < ELEMENTSOF(g->paths); i++)
                free(g->paths[i]);
        free(g->plugin_dir);
        free(g);
}

static int generation_new(const struct config *cfg, const struct collector *const *collectors, size_t n,
                          struct diag *diag, struct generation **ret) {
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
        if (cfg->plugin_dir && !(g->plugin_dir = strdup(cfg->plugin_dir))) {
                generation_free(g);
                return -ENOMEM;
        }
        g->env.plugin_dir = g->plugin_dir;
        g->instances = calloc(n ? n : 1, sizeof(*g->instances));
        if (!g->instances || scheduler_new(&g->scheduler) < 0) {
                generation_free(g);
                return -ENOMEM;
        }
        /* what only init may read: the config goes when configure returns */
        g->env.probes = cfg->probes;
        g->env.n_probes = cfg->n_probes;
        g->env.execs = cfg->execs;
        g->env.n_execs = cfg->n_execs;
        g->env.scheduler = g->scheduler;
        /* outside sources last, whatever the order asked: the built-ins'
         * families are in the set when theirs are checked, and win */
        for (size_t k = 0; k < 2 * n; k++) {
                const struct collector *c = collectors[k % n];
                if (c->outside != (k >= n))
                        continue;
                struct collector_instance *inst = &g->instances[g->n];
                int r = c->init(&g->env, config_collector_section(cfg, c->name), diag, &inst->state);
                if (r >= 0 && c->schedule && (r = background_add(g, c, TAKE_PTR(inst->state), diag, &inst->bg)) >= 0)
                        g->n_background++;
                else if (r >= 0 && c->sample)
                        r = sampler_add(g, c, inst->state, &inst->sampler);
                if (r < 0) {
                        if (diag->msg[0] == '\0')
                                (void) diag_set(diag, "collector %s: cannot start: %s", c->name, strerror(-r));
                        generation_free(g);
                        return r;
                }
                inst->desc = c;
                inst->status = (struct collector_status){.name = c->name, .help = c->help};
                if (inst->bg)
                        inst->status.last_result = -EAGAIN; /* no refresh yet */
                inst->shown = inst->status;
                g->n++;
        }
        g->env.probes = NULL;
        g->env.n_probes = 0;
        g->env.execs = NULL;
        g->env.n_execs = 0;
        g->env.scheduler = NULL;
        if (scheduler_count(g->scheduler) == 0) { /* nothing in the background: no thread, no wake-up */
                scheduler_free(g->scheduler, 0);
                g->scheduler = NULL;
        }
        if (g->scheduler) {
                int r = scheduler_start(g->scheduler);
                if (r < 0) {
                        (void) diag_set(diag, "cannot start the background collectors' scheduler: %s", strerror(-r));
                        generation_free(g);
                        return r;
                }
                scheduler_wait_first_runs(g->scheduler, FIRST_REFRESH_WAIT_MS);
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
        source_merge_free(&e->merge);
        self_metrics_free(&e->self);
        (void) pthread_mutex_destroy(&e->lock);
        (void) pthread_mutex_destroy(&e->status_lock);
        free(e);
}

int scrape_engine_configure(struct scrape_engine *e, const struct config *cfg, struct diag *diag) {
        const struct collector *enabled[REGISTRY_MAX + CONFIG_PLUGINS_MAX];
        size_t n = 0;
        for (size_t i = 0; i < registry_count; i++)
                if (config_collector_enabled(cfg, i))
                        enabled[n++] = registry_collectors[i];
        /* each [plugin.NAME] section is a collector of its own, after the built-in ones */
        for (size_t i = 0; i < cfg->n_plugins && n < ELEMENTSOF(enabled); i++)
                if (!(enabled[n++] = plugin_collector_named(cfg->plugins[i].name)))
                        return -ENOMEM;
        return scrape_engine_configure_collectors(e, cfg, enabled, n, diag);
}

int scrape_engine_configure_collectors(struct scrape_engine *e, const struct config *cfg,
                                       const struct collector *const *collectors, size_t n, struct diag *diag) {
        struct generation *g = NULL;
        int r = generation_new(cfg, collectors, n, diag, &g);
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
        if (r == -ETIME && (!st->ran || st->last_result != r))
                log_warn("collector %s has not finished a refresh within its bound; its last snapshot is dropped "
                         "until it does",
                         st->name);
        /* a source this host does not have (no hwmon on a VM) is no data, not a fault */
        else if (r == -ENOENT && (!st->ran || st->last_result != r))
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

/* Copies what a background collector published last, unless it is older
 * than its bound (-ETIME); its status is that of its last refresh. */
static void serve_snapshot(struct collector_instance *inst, struct metric_set *set) {
        struct background *b = inst->bg;
        (void) pthread_mutex_lock(&b->lock);
        int r = b->last_result;
        if (b->finished && b->max_age_ns > 0 && clock_ns(CLOCK_MONOTONIC) - b->finished_ns > b->max_age_ns)
                r = -ETIME;
        /* a failed refresh published only what its collector keeps then */
        if (r != -ETIME)
                (void) metric_set_append(set, &b->published);
        bool finished = b->finished;
        double duration = b->last_duration;
        unsigned long long parse_errors = b->parse_errors + inst->left_out;
        inst->last_success = b->last_success;
        (void) pthread_mutex_unlock(&b->lock);
        if (!finished)
                return; /* its first refresh is still running: nothing to say yet */
        log_transition(&inst->status, r, (unsigned) (parse_errors - inst->status.parse_errors));
        inst->status.ran = true;
        inst->status.last_result = r;
        inst->status.last_duration = duration;
        inst->status.parse_errors = parse_errors;
}

/* Who added family i of the collection going on, for a line that names
 * the source a family clashes with: an earlier collector, or the current
 * one (exec's own families, before its programs'). */
struct family_adder {
        const struct generation *g;
        size_t current;
};

static const char *family_adder(size_t family, void *userdata) {
        const struct family_adder *fa = userdata;
        size_t i = 0;
        while (i < fa->current && family >= fa->g->instances[i].families_end)
                i++;
        return fa->g->instances[i].desc->name;
}

/* What an outside collector added since from, checked against what is
 * in the set before it; how many series were left out. */
static unsigned long long merge_outside(struct scrape_engine *e, size_t i, size_t from) {
        struct family_adder fa = {e->gen, i};
        return source_merge_check(&e->merge, &e->set, from, family_adder, &fa);
}

static void collect_all(struct scrape_engine *e) {
        struct generation *g = e->gen;
        struct metric_set *set = &e->set;
        metric_set_reset(set);
        scrape_cache_next(&g->cache);
        source_merge_begin(&e->merge);

        for (size_t i = 0; i < g->n; i++) {
                struct collector_instance *inst = &g->instances[i];
                size_t from = set->n_families;
                if (inst->bg) {
                        if (inst->desc->outside)
                                source_merge_mark(&e->merge, set, inst->desc->name);
                        serve_snapshot(inst, set);
                        if (inst->desc->outside) {
                                unsigned long long n = merge_outside(e, i, from);
                                inst->left_out += n;
                                inst->status.parse_errors += n;
                        }
                        inst->families_end = set->n_families;
                        continue;
                }
                struct collect_ctx ctx = {
                        .set = set, .cache = &g->cache, .merge = inst->desc->outside ? &e->merge : NULL};
                struct metric_mark mark = metric_set_mark(set);
                /* in whole nanoseconds, so that durations print as short
                 * decimals (0.000076337, not 7.6336998972692527e-05) */
                uint64_t t0 = clock_ns(CLOCK_MONOTONIC);
                unsigned long failures = alloc_failures(), faults = fileio_read_faults();
                int r = collect_result(inst->desc->collect(inst->state, &ctx), set, failures);
                double dt = (double) (clock_ns(CLOCK_MONOTONIC) - t0) / 1e9;
                /* files cut short or failing half-way: what they held was
                 * skipped, here or in the collector's samples between scrapes */
                ctx.parse_errors += (unsigned) (fileio_read_faults() - faults);
                if (inst->sampler)
                        ctx.parse_errors += sampler_faults(inst->sampler);
                if (r < 0) {
                        metric_set_rollback(set, mark);
                        set->error = 0;
                }
                log_transition(&inst->status, r, ctx.parse_errors);
                inst->status.ran = true;
                inst->status.last_result = r < 0 ? r : 0;
                inst->status.last_duration = dt;
                inst->status.parse_errors += ctx.parse_errors;
                if (inst->desc->outside)
                        inst->status.parse_errors += merge_outside(e, i, from);
                inst->families_end = set->n_families;
        }

        size_t agent_from = set->n_families;
        (void) metric_set_family(set, &collector_duration_desc);
        for (size_t i = 0; i < g->n; i++)
                (void) metric_set_sample1(set, g->instances[i].status.last_duration, g->instances[i].desc->name);
        (void) metric_set_family(set, &collector_success_desc);
        for (size_t i = 0; i < g->n; i++)
                (void) metric_set_sample1(set, g->instances[i].status.last_result >= 0, g->instances[i].desc->name);
        (void) metric_set_family(set, &parse_errors_desc);
        for (size_t i = 0; i < g->n; i++)
                (void) metric_set_sample1(set, (double) g->instances[i].status.parse_errors,
                                          g->instances[i].desc->name);
        if (g->n_background > 0) {
                (void) metric_set_family(set, &last_refresh_desc);
                for (size_t i = 0; i < g->n; i++)
                        if (g->instances[i].last_success > 0)
                                (void) metric_set_sample1(set, g->instances[i].last_success,
                                                          g->instances[i].desc->name);
        }
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
        for (size_t i = 0; i < SCRAPE_SOURCES_MAX; i++) {
                const struct scrape_source *src = &e->sources[i];
                if (!src->fn)
                        continue;
                struct metric_mark mark = metric_set_mark(set);
                if (src->fn(set, src->userdata) < 0) {
                        metric_set_rollback(set, mark);
                        set->error = 0;
                }
        }
        source_merge_reserve(&e->merge, set, agent_from);
}

void scrape_engine_set_source(struct scrape_engine *e, enum scrape_source_slot slot,
                              int (*fn)(struct metric_set *set, void *userdata), void *userdata) {
        (void) pthread_mutex_lock(&e->lock);
        e->sources[slot] = (struct scrape_source){fn, userdata};
        (void) pthread_mutex_unlock(&e->lock);
}

void scrape_engine_set_observer(struct scrape_engine *e, void (*fn)(const struct metric_set *set, void *userdata),
                                void *userdata) {
        (void) pthread_mutex_lock(&e->lock);
        e->observer = (struct scrape_observer){fn, userdata};
        (void) pthread_mutex_unlock(&e->lock);
}

/* What the heap frees stays resident where it lies between chunks in use
 * (glibc gives back only the top): the first scrapes free what sized the
 * buffers (the filters' compiled patterns among it), a burst of
 * connections frees its buffers when it ends. Once HEAP_GIVE_BACK more
 * bytes lie free than at the lowest since the last trim, malloc_trim
 * returns their pages. Steady state allocates nothing, so this trims
 * only after such a change; the look costs a walk of the free lists
 * (about 5 us, under 1% of a scrape), so it is taken at most once in
 * HEAP_LOOK_NS: every scrape at Prometheus's pace, once a second under a
 * scraper that asks a thousand times a second. */
#define HEAP_GIVE_BACK ((size_t) 64 * 1024)
#define HEAP_LOOK_NS ((uint64_t) 1000000000)

static void heap_give_back(struct scrape_engine *e) {
        uint64_t now = clock_ns(CLOCK_MONOTONIC);
        if (e->heap_looked_ns != 0 && now - e->heap_looked_ns < HEAP_LOOK_NS)
                return;
        e->heap_looked_ns = now;
        struct mallinfo2 mi = mallinfo2();
        if (mi.fordblks < e->heap_free_low || e->heap_free_low == 0)
                e->heap_free_low = mi.fordblks;
        else if (mi.fordblks - e->heap_free_low >= HEAP_GIVE_BACK) {
                (void) malloc_trim(0);
                e->heap_free_low = mi.fordblks;
        }
}

int scrape_engine_collect(struct scrape_engine *e, int (*consume)(const struct metric_set *set, void *userdata),
                          void *userdata) {
        (void) pthread_mutex_lock(&e->lock);
        int r = -EINVAL;
        if (e->gen) {
                collect_all(e);
                if (e->set.error < 0)
                        r = e->set.error;
                else {
                        if (e->observer.fn)
                                e->observer.fn(&e->set, e->observer.userdata);
                        r = consume(&e->set, userdata);
                }
                heap_give_back(e);
        }
        (void) pthread_mutex_unlock(&e->lock);
        return r;
}

void scrape_engine_wait_idle(struct scrape_engine *e) {
        (void) pthread_mutex_lock(&e->lock);
        (void) pthread_mutex_unlock(&e->lock);
}

void scrape_engine_for_each_status(struct scrape_engine *e,
                                   void (*fn)(const struct collector_status *st, void *userdata), void *userdata) {
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
