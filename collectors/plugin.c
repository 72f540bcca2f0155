/* Plugins (include/vigie-plugin.h): each [plugin.NAME] section loads one
 * shared object from the plugin directory and makes it a background
 * collector named plugin.NAME, with the node_scrape_collector_* series of
 * any other. Each instance has a thread of its own that loads the object
 * and runs its init, every collect and its free; the engine's scheduler
 * only asks that thread for a collect and waits for it up to the
 * deadline, so a scrape never runs plugin code and never waits on it.
 *
 * A collect past its deadline gets the plugin's interrupt() and publishes
 * nothing; the engine serves the last snapshot until it is older than its
 * bound. Ticks that fall while a collect runs are skipped and counted.
 * Failures back off (doubling, capped); three overruns in a row, or a
 * collect that does not return within two intervals past its deadline,
 * quarantine the instance until the next reload. What a collect emitted
 * is checked (source_check.h) before it is published, and meets the
 * other collectors' families in each scrape (source_merge.h). */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "collector.h"
#include "log.h"
#include "macro.h"
#include "plugin.h"
#include "plugin_host.h"
#include "source_check.h"

#define DEFAULT_INTERVAL_MS 15000
#define QUARANTINE_OVERRUNS 3
#define BACKOFF_MAX_MS UINT64_C(600000) /* 10 min */
/* what one snapshot may hold */
#define MAX_FAMILIES 2000
#define MAX_SERIES 50000
#define MAX_BYTES (16u << 20)

enum plugin_phase {
        PHASE_LOADING,     /* its thread loads it and runs init */
        PHASE_READY,       /* collects when asked */
        PHASE_FAILED,      /* it did not load or init: error and why say so */
        PHASE_QUARANTINED, /* overran too often: never asked again */
};

struct plugin_instance {
        char *file; /* the shared object's path */
        uint64_t interval_ms, timeout_ms;
        struct vigie_host_ctx ctx; /* its thread's during a collect, the worker's between */
        struct vigie_plugin plugin;
        void *plugin_state;

        pthread_t thread;
        pthread_mutex_t lock; /* guards what follows */
        pthread_cond_t cond;  /* CLOCK_MONOTONIC */
        enum plugin_phase phase;
        bool asked;    /* a collect is asked of the thread */
        bool busy;     /* the thread is in plugin code (load, init or collect) */
        bool done;     /* the collect asked last has returned */
        bool stopping; /* free was called */
        bool detached; /* and the thread, still busy, frees the instance when it is done */
        int result;    /* of the collect done */
        int error;     /* PHASE_FAILED's */
        char why[512];

        /* the worker's alone (one refresh at a time) */
        unsigned long long ticks_skipped, overruns, rejected;
        unsigned consecutive_overruns, failures;
        bool failing; /* the last refresh failed: logged once */
        char version[64];
};

static const char *const plugin_label[] = {"plugin"};
static const char *const info_labels[] = {"plugin", "file", "name", "version"};
static const struct metric_desc up_desc = {"vigie_plugin_up",
                                           "1 while a plugin is loaded, initialised and not quarantined.", METRIC_GAUGE,
                                           1, plugin_label};
static const struct metric_desc quarantined_desc = {
        "vigie_plugin_quarantined", "1 once a plugin overran its deadline too often; it runs again after a reload.",
        METRIC_GAUGE, 1, plugin_label};
static const struct metric_desc skipped_desc = {"vigie_plugin_ticks_skipped_total",
                                                "Ticks that came while the plugin's collect still ran, skipped.",
                                                METRIC_COUNTER, 1, plugin_label};
static const struct metric_desc overruns_desc = {
        "vigie_plugin_overruns_total", "Collects that ran past their deadline; nothing of them was published.",
        METRIC_COUNTER, 1, plugin_label};
static const struct metric_desc rejected_desc = {
        "vigie_plugin_rejected_total",
        "Snapshots refused because what the plugin emitted broke a rule (names, UTF-8, duplicates, caps).",
        METRIC_COUNTER, 1, plugin_label};
static const struct metric_desc info_desc = {"vigie_plugin_info", "The shared object a plugin instance loaded.",
                                             METRIC_GAUGE, 4, info_labels};

/* --- the instance's thread --- */

static void instance_destroy(struct plugin_instance *p) {
        plugin_ctx_free(&p->ctx);
        free(p->file);
        (void) pthread_mutex_destroy(&p->lock);
        (void) pthread_cond_destroy(&p->cond);
        free(p);
}

static void *instance_main(void *arg) {
        struct plugin_instance *p = arg;
        char why[sizeof(p->why)] = "";
        int r = plugin_load(p->file, &plugin_host_table, &p->ctx, &p->plugin, why, sizeof(why));
        if (r >= 0 && (r = p->plugin.init(&p->ctx, &plugin_host_table, &p->plugin_state)) < 0)
                (void) snprintf(why, sizeof(why), "plugin %s (%s %s): init failed: %s", p->ctx.name, p->plugin.name,
                                p->plugin.version, r > -4096 ? strerror(-r) : "not an errno");
        if (r < 0)
                log_error("%s; [plugin.%s] is left out, the agent goes on", why, p->ctx.name);
        else
                log_info("plugin %s: %s %s loaded from %s", p->ctx.name, p->plugin.name, p->plugin.version, p->file);
        (void) pthread_mutex_lock(&p->lock);
        p->busy = false;
        p->phase = r < 0 ? PHASE_FAILED : PHASE_READY;
        p->error = r;
        (void) snprintf(p->why, sizeof(p->why), "%s", why);
        (void) pthread_cond_broadcast(&p->cond);
        for (;;) {
                while (!p->asked && !p->stopping)
                        (void) pthread_cond_wait(&p->cond, &p->lock);
                if (p->stopping)
                        break;
                p->asked = false;
                p->busy = true;
                (void) pthread_mutex_unlock(&p->lock);
                plugin_ctx_begin(&p->ctx);
                r = plugin_ctx_end(&p->ctx, p->plugin.collect(p->plugin_state, &p->ctx));
                (void) pthread_mutex_lock(&p->lock);
                p->busy = false;
                p->done = true;
                p->result = r;
                (void) pthread_cond_broadcast(&p->cond);
        }
        bool ready = p->phase != PHASE_FAILED, detached = p->detached;
        (void) pthread_mutex_unlock(&p->lock);
        if (ready)
                p->plugin.free(p->plugin_state);
        if (detached)
                instance_destroy(p);
        return NULL;
}

/* --- the collector --- */

static void plugin_free(void *state) {
        struct plugin_instance *p = state;
        if (!p)
                return;
        (void) pthread_mutex_lock(&p->lock);
        p->stopping = true;
        /* a collect that never returned keeps its thread: that thread
         * frees the instance if it ever comes back */
        p->detached = p->busy;
        (void) pthread_cond_broadcast(&p->cond);
        bool detached = p->detached;
        (void) pthread_mutex_unlock(&p->lock);
        if (detached) {
                log_warn("plugin %s: still in its collect as it is stopped; its thread is left to it", p->ctx.name);
                (void) pthread_detach(p->thread);
                return;
        }
        (void) pthread_join(p->thread, NULL);
        instance_destroy(p);
}

/* The file key: a name in the plugin directory, no path of its own. */
static int plugin_path(const struct collector_env *env, const struct config_section *s, char **ret, struct diag *diag) {
        const struct config_entry *e = config_section_get(s, "file");
        if (!e)
                return diag_at(diag, s->file, s->line, "[plugin.%s]: no file (the plugin's .so, in %s)", s->name,
                               env->plugin_dir);
        if (e->value[0] == '\0' || strchr(e->value, '/') || strcmp(e->value, "..") == 0)
                return config_entry_error(s, e, diag, "'%s' is not a file name (plugins load from %s only)", e->value,
                                          env->plugin_dir);
        return asprintf(ret, "%s/%s", env->plugin_dir, e->value) < 0 ? -ENOMEM : 0;
}

/* Spawned with every signal blocked: signals are main's. */
static int spawn(struct plugin_instance *p) {
        sigset_t all, old;
        (void) sigfillset(&all);
        (void) pthread_sigmask(SIG_BLOCK, &all, &old);
        int r = -pthread_create(&p->thread, NULL, instance_main, p);
        (void) pthread_sigmask(SIG_SETMASK, &old, NULL);
        return r;
}

static int plugin_init(const struct collector_env *env, const struct config_section *section, struct diag *diag,
                       void **ret_state) {
        if (!section || !env->plugin_dir)
                return diag_set(diag, "a plugin needs its [plugin.NAME] section");
        struct plugin_instance *p = calloc(1, sizeof(*p));
        if (!p)
                return -ENOMEM;
        (void) pthread_mutex_init(&p->lock, NULL);
        clock_cond_init_monotonic(&p->cond);
        int r = plugin_path(env, section, &p->file, diag);
        if (r >= 0)
                r = config_section_duration_ms(section, "interval", DEFAULT_INTERVAL_MS, 1000, 86400000,
                                               &p->interval_ms, diag);
        if (r >= 0)
                r = config_section_duration_ms(section, "timeout", p->interval_ms, 10, 10 * p->interval_ms,
                                               &p->timeout_ms, diag);
        /* its own keys reach it through config_get, the host's as well */
        if (r >= 0)
                r = plugin_ctx_init(&p->ctx, section->name, section, MAX_SERIES);
        if (r >= 0) {
                p->busy = true; /* loading */
                if ((r = spawn(p)) < 0)
                        (void) diag_set(diag, "[plugin.%s]: cannot start its thread: %s", section->name, strerror(-r));
        }
        if (r < 0) {
                instance_destroy(p);
                return r;
        }
        *ret_state = p;
        return 0;
}

static int plugin_schedule(void *state, struct collector_schedule *ret) {
        struct plugin_instance *p = state;
        ret->period_ms = p->interval_ms;
        /* a collect may take its whole timeout: its snapshot is stale once
         * two more ticks have gone by without a new one */
        ret->max_age_ms = p->timeout_ms + 2 * p->interval_ms;
        return 0;
}

static uint64_t ms_to_ns(uint64_t ms) {
        return ms * 1000000u;
}

static void wait_until(struct plugin_instance *p, uint64_t deadline_ns) {
        struct timespec ts = monotonic_at_ns(deadline_ns);
        while (!p->done && clock_ns(CLOCK_MONOTONIC) < deadline_ns)
                (void) pthread_cond_timedwait(&p->cond, &p->lock, &ts);
}

static void emit_status(struct plugin_instance *p, struct metric_set *set, enum plugin_phase phase) {
        const char *name = p->ctx.name;
        (void) metric_set_family(set, &up_desc);
        (void) metric_set_sample1(set, phase == PHASE_READY, name);
        (void) metric_set_family(set, &quarantined_desc);
        (void) metric_set_sample1(set, phase == PHASE_QUARANTINED, name);
        (void) metric_set_family(set, &skipped_desc);
        (void) metric_set_sample1(set, (double) p->ticks_skipped, name);
        (void) metric_set_family(set, &overruns_desc);
        (void) metric_set_sample1(set, (double) p->overruns, name);
        (void) metric_set_family(set, &rejected_desc);
        (void) metric_set_sample1(set, (double) p->rejected, name);
        if (phase == PHASE_READY || phase == PHASE_QUARANTINED) {
                const char *values[] = {name, p->file, p->plugin.name, p->plugin.version};
                (void) metric_set_family(set, &info_desc);
                (void) metric_set_sample(set, 1, values);
        }
}

/* One line when the instance starts failing, and one when it recovers. */
static int note_failure(struct plugin_instance *p, int r, const char *what, const char *why) {
        if (!p->failing)
                log_warn("plugin %s: %s: %s; nothing of it is published", p->ctx.name, what, why);
        p->failing = true;
        p->failures++;
        return r;
}

/* The delay to the next tick of the interval's grid, counting the ticks
 * that fell while the collect ran (started at t0) as skipped; after
 * failures, a backoff doubling up to BACKOFF_MAX_MS. */
static uint64_t next_tick(struct plugin_instance *p, uint64_t t0, uint64_t t1) {
        uint64_t elapsed_ms = (t1 - t0) / 1000000u;
        p->ticks_skipped += elapsed_ms / p->interval_ms;
        uint64_t delay = p->interval_ms - elapsed_ms % p->interval_ms;
        if (p->failures > 1) {
                uint64_t backoff = p->interval_ms;
                for (unsigned i = 1; i < p->failures && backoff < BACKOFF_MAX_MS; i++)
                        backoff *= 2;
                if (backoff > BACKOFF_MAX_MS)
                        backoff = BACKOFF_MAX_MS;
                if (backoff > delay)
                        delay = backoff;
        }
        return delay;
}

/* The scheduler's refresh, on one of its workers: asks the instance's
 * thread for a collect and waits for it up to the deadline (and, after
 * interrupt(), up to two intervals more); a collect that returned 0 in
 * time and keeps the rules is copied in. Its status series are published
 * whatever the outcome (keep_on_failure). */
static int plugin_collect(void *state, struct collect_ctx *ctx) {
        struct plugin_instance *p = state;
        ctx->keep_on_failure = true;
        uint64_t t0 = clock_ns(CLOCK_MONOTONIC);
        (void) pthread_mutex_lock(&p->lock);
        if (p->phase == PHASE_LOADING) {
                /* its first refresh: init may take up to a timeout */
                uint64_t until = t0 + ms_to_ns(p->timeout_ms);
                struct timespec ts = monotonic_at_ns(until);
                while (p->phase == PHASE_LOADING && clock_ns(CLOCK_MONOTONIC) < until)
                        (void) pthread_cond_timedwait(&p->cond, &p->lock, &ts);
        }
        enum plugin_phase phase = p->phase;
        if (phase != PHASE_READY) {
                int r = phase == PHASE_FAILED ? p->error : phase == PHASE_QUARANTINED ? -ETIMEDOUT : -EAGAIN;
                (void) pthread_mutex_unlock(&p->lock);
                emit_status(p, ctx->set, phase);
                ctx->next_refresh_ms = p->interval_ms;
                return r;
        }
        p->done = false;
        p->asked = true;
        (void) pthread_cond_broadcast(&p->cond);
        wait_until(p, t0 + ms_to_ns(p->timeout_ms));
        bool overran = !p->done;
        if (overran) {
                (void) pthread_mutex_unlock(&p->lock);
                if (p->plugin.interrupt)
                        p->plugin.interrupt(p->plugin_state);
                (void) pthread_mutex_lock(&p->lock);
                wait_until(p, t0 + ms_to_ns(p->timeout_ms + 2 * p->interval_ms));
        }
        bool returned = p->done;
        int r = p->result;
        if (overran && (!returned || ++p->consecutive_overruns >= QUARANTINE_OVERRUNS))
                p->phase = PHASE_QUARANTINED;
        phase = p->phase;
        (void) pthread_mutex_unlock(&p->lock);
        uint64_t t1 = clock_ns(CLOCK_MONOTONIC);

        char why[sizeof(p->ctx.why) + 64];
        if (overran) {
                p->overruns++;
                if (phase == PHASE_QUARANTINED)
                        log_error("plugin %s: quarantined: %s; it is not called again until a reload", p->ctx.name,
                                  returned ? "three collects in a row ran past their deadline"
                                           : "its collect has not returned two intervals past its deadline");
                r = note_failure(p, -ETIMEDOUT, "collect ran past its deadline", "interrupted");
        } else if (r < 0) {
                p->consecutive_overruns = 0;
                r = note_failure(p, r, "collect failed", p->ctx.why);
        } else {
                p->consecutive_overruns = 0;
                struct source_limits lim = {MAX_FAMILIES, MAX_SERIES, MAX_BYTES};
                r = source_check(&p->ctx.staging, &lim, why, sizeof(why));
                if (r < 0) {
                        p->rejected++;
                        r = note_failure(p, r, "snapshot refused", why);
                } else if ((r = metric_set_append(ctx->set, &p->ctx.staging)) >= 0) {
                        if (p->failing)
                                log_info("plugin %s: recovered", p->ctx.name);
                        p->failing = false;
                        p->failures = 0;
                }
        }
        emit_status(p, ctx->set, phase);
        ctx->next_refresh_ms = next_tick(p, t0, t1);
        return r;
}

const struct collector plugin_collector = {
        .name = "plugin",
        .help = "a plugin instance of a [plugin.NAME] section (include/vigie-plugin.h)",
        .default_enabled = true,
        .outside = true,
        .init = plugin_init,
        .collect = plugin_collect,
        .free = plugin_free,
        .schedule = plugin_schedule,
};

/* One descriptor per instance name, so that its collector label is
 * plugin.NAME; kept for the process's life, as an abandoned refresh may
 * release its instance after the generation that made it is gone. */
static pthread_mutex_t named_lock = PTHREAD_MUTEX_INITIALIZER;
static struct named_plugin {
        struct collector desc;
        struct named_plugin *next;
} * named;

const struct collector *plugin_collector_named(const char *name) {
        (void) pthread_mutex_lock(&named_lock);
        struct named_plugin *n = named;
        char full[160];
        (void) snprintf(full, sizeof(full), "plugin.%s", name);
        while (n && strcmp(n->desc.name, full) != 0)
                n = n->next;
        if (!n && (n = calloc(1, sizeof(*n)))) {
                n->desc = plugin_collector;
                if ((n->desc.name = strdup(full))) {
                        n->next = named;
                        named = n;
                } else {
                        free(n);
                        n = NULL;
                }
        }
        (void) pthread_mutex_unlock(&named_lock);
        return n ? &n->desc : NULL;
}
