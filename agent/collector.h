/* The collector contract (DESIGN.md §2). A collector is one const
 * descriptor in its own file under collectors/, listed once in
 * registry.c. Its state comes from init and is owned by the registry, so
 * two instances can coexist and tests need no globals. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "config_section.h"
#include "diag.h"
#include "fileio.h"
#include "metric.h"
#include "scrape_cache.h"

struct scheduler;
struct source_merge;

/* Where a collector reads from. Every read goes through these roots. */
struct collector_env {
        const char *procfs;
        const char *sysfs;
        const char *rootfs;
        const char *udev_data;
        /* During init only (NULL or 0 in tests that give none): the
         * [probe.NAME] and [exec.NAME] sections, and the engine's
         * scheduler for work that is not one snapshot. A collector adds
         * tasks to it (each probe, each program on its own clock,
         * scheduler_add) and the engine releases them, before the
         * collector's free, whenever it stops them. */
        const struct config_section *probes;
        size_t n_probes;
        struct scheduler *scheduler;
        /* Where plugins are loaded from ([plugins] directory); NULL in
         * tests that give none. It outlives init. */
        const char *plugin_dir;
        const struct config_section *execs;
        size_t n_execs;
};

/* What one collect call gets and gives back besides its samples. */
struct collect_ctx {
        struct metric_set *set;
        unsigned parse_errors;      /* lines the collector skipped as garbage */
        struct scrape_cache *cache; /* what collectors of one scrape read alike, read once */
        /* Background collectors only: the delay before the next refresh,
         * preset to the schedule's period; one that computes its own
         * period sets it (0: none but its descriptor's). */
        uint64_t next_refresh_ms;
        /* Background collectors only: what collect added is published even
         * when it fails (a collector's own status series, which say why;
         * it leaves the rest out itself). */
        bool keep_on_failure;
        /* An outside collector's (exec): where it says whose output the
         * families it adds next are (source_merge_mark); NULL for none. */
        struct source_merge *merge;
};

/* How a background collector is refreshed: on a period, when a
 * descriptor is readable, or both. */
struct collector_schedule {
        uint64_t period_ms;  /* the delay after a refresh before the next one; 0: on fd only */
        int fd;              /* -1, or the collector's own descriptor, left open until free */
        uint64_t max_age_ms; /* a snapshot older than this is dropped; 0: three periods (none on fd only) */
};

/* One key of a [collector.NAME] section (--collector.NAME.KEY, dashes for
 * underscores), for --help, --check-config and the tests that hold the
 * README and packaging/vigie.conf to it. init reads the value itself. */
struct collector_option {
        const char *key;
        const char *def; /* as written in the file; "" for none */
        const char *help;
        /* A list of blank-separated values, and its flag repeatable as
         * node_exporter's: each flag after the first that overrides the
         * file adds its value to the list. */
        bool repeatable;
};

/* node_scrape_collector_duration_seconds{collector} and _success, which
 * the engine writes for each collector; a collector whose sources run
 * apart (each program of exec) adds rows of its own, collector="exec.NAME". */
extern const struct metric_desc collector_duration_desc;
extern const struct metric_desc collector_success_desc;

struct collector {
        const char *name;
        const char *help; /* one line, for --help and the landing page */
        bool default_enabled;
        /* Keys accepted in the [collector.NAME] config section, ending
         * with {NULL}; or NULL for none. */
        const struct collector_option *options;
        /* What it serves comes from outside the agent (plugins, exec's
         * programs): it runs after every other collector, and its families
         * are checked against theirs in each scrape (source_merge.h). */
        bool outside;

        /* Reads its own section (may be NULL) and returns private state.
         * Cheap: no blocking I/O. Bad values: diag_at() with the key's line. */
        int (*init)(const struct collector_env *env, const struct config_section *section, struct diag *diag,
                    void **ret_state);
        /* Appends families and samples to ctx->set; 0 or a negative errno.
         * A missing file is "no data" (return -ENOENT), never a crash. */
        int (*collect)(void *state, struct collect_ctx *ctx);
        void (*free)(void *state);

        /* Optional: makes the collector a background one. Called once
         * after init, it fills ret (fd preset to -1). collect then runs on
         * the engine's scheduler, not in the scrape: at once, then as ret
         * and next_refresh_ms say, one refresh at a time, on a thread of
         * its own while it blocks, into a private set that the engine
         * publishes whole when collect returns (an empty one if it
         * failed). Scrapes copy the last published set. The descriptors
         * its families use must live as long as the state (static or a
         * desc_cache), since a scrape reads a snapshot while the next
         * refresh runs. */
        int (*schedule)(void *state, struct collector_schedule *ret);

        /* Optional, for a synchronous collector (no schedule) whose sources
         * must also be read between scrapes: counters that wrap, which a
         * scrape every hour would miss. It runs on the engine's scheduler,
         * never in a scrape: at once after init, then after the delay in ms
         * it returns (0: not again, so that a host whose sources do not
         * wrap wakes up for nothing). collect and sample may run at the
         * same time: the state guards what both touch. */
        uint64_t (*sample)(void *state);

        /* Optional, NULL-ended: the families it serves where they depend
         * on the host or the configuration (D-Bus, [probe.NAME] sections,
         * a textfile directory...), which no fixture tree shows, for
         * vigie-collectors(7). */
        const struct metric_desc *const *host_families;
};
