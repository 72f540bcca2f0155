/* stat: the system-wide counters of /proc/stat, as node_exporter's stat
 * collector: boot time, context switches, forks, interrupts, and the
 * running and blocked process counts; with the softirq option (its
 * --collector.stat.softirq, off by default), the softirqs raised per
 * vector, from the softirq line. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "collector.h"
#include "fileio.h"
#include "parse.h"

static const struct metric_desc boot_time_desc = {"node_boot_time_seconds", "Node boot time, in unixtime.",
                                                  METRIC_GAUGE, 0, NULL};
static const struct metric_desc context_switches_desc = {"node_context_switches_total",
                                                         "Total number of context switches.", METRIC_COUNTER, 0, NULL};
static const struct metric_desc forks_desc = {"node_forks_total", "Total number of forks.", METRIC_COUNTER, 0, NULL};
static const struct metric_desc intr_desc = {"node_intr_total", "Total number of interrupts serviced.", METRIC_COUNTER,
                                             0, NULL};
static const struct metric_desc procs_blocked_desc = {
        "node_procs_blocked", "Number of processes blocked waiting for I/O to complete.", METRIC_GAUGE, 0, NULL};
static const struct metric_desc procs_running_desc = {"node_procs_running", "Number of processes in runnable state.",
                                                      METRIC_GAUGE, 0, NULL};

static const char *const vector_labels[] = {"vector"};
static const struct metric_desc softirqs_desc = {"node_softirqs_total", "Number of softirq calls.", METRIC_COUNTER, 1,
                                                 vector_labels};

/* The softirq line: its total, then one column per vector, in the
 * kernel's order (softirq_to_name[]); node_exporter 1.5 names
 * IRQ_POLL block_iopoll, and a kernel that appends a vector adds a
 * column it does not read. */
enum { SOFTIRQ_VECTORS = 10 };
static const char *const vector_names[SOFTIRQ_VECTORS] = {
        "hi", "timer", "net_tx", "net_rx", "block", "block_iopoll", "tasklet", "sched", "hrtimer", "rcu",
};
/* the vectors in the order of their names, as node_exporter sorts them */
static const unsigned char vector_order[SOFTIRQ_VECTORS] = {4, 5, 0, 8, 3, 2, 9, 7, 6, 1};

/* The /proc/stat key of each family; for intr only the first number, the
 * total, counts (the rest is one column per interrupt line). */
static const struct {
        const char *key;
        size_t key_len;
        const struct metric_desc *desc;
        bool more_columns; /* the line goes on after the value */
} stat_keys[] = {
        {"btime", 5, &boot_time_desc, false},
        {"ctxt", 4, &context_switches_desc, false},
        {"processes", 9, &forks_desc, false},
        {"intr", 4, &intr_desc, true},
        {"procs_blocked", 13, &procs_blocked_desc, false},
        {"procs_running", 13, &procs_running_desc, false},
};

struct stat_state {
        const char *procfs;
        bool softirq;
};

static const struct collector_option stat_options[] = {
        {"softirq", "false", "node_softirqs_total{vector}, the softirqs raised per vector"},
        {NULL, NULL, NULL},
};

static int stat_init(const struct collector_env *env, const struct config_section *section, struct diag *diag,
                     void **ret_state) {
        bool softirq;
        int r = config_section_bool(section, "softirq", false, &softirq, diag);
        if (r < 0)
                return r;
        struct stat_state *s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        s->procfs = env->procfs;
        s->softirq = softirq;
        *ret_state = s;
        return 0;
}

static void stat_free(void *state) {
        struct stat_state *s = state;
        if (!s)
                return;
        free(s);
}

/* The softirq line's vectors into v; false (the line to be counted as
 * garbage) unless it has the total and every vector, all numbers. */
static bool stat_parse_softirq(const char *line, size_t len, uint64_t v[SOFTIRQ_VECTORS]) {
        struct field f[2 + SOFTIRQ_VECTORS];
        if (!split_leading_fields(line, len, f, ELEMENTSOF(f)))
                return false;
        for (size_t i = 0; i < SOFTIRQ_VECTORS; i++)
                if (parse_u64_field(f[2 + i], &v[i]) < 0)
                        return false;
        uint64_t total;
        return parse_u64_field(f[1], &total) == 0;
}

static int stat_collect(void *state, struct collect_ctx *ctx) {
        struct stat_state *s = state;
        const struct buf *file; /* /proc/stat, which cpu reads in the same scrape */
        int r = scrape_cache_file(ctx->cache, s->procfs, "stat", true, FILE_MAX_PROC_STAT, &file);
        if (r < 0)
                return r;

        uint64_t values[ELEMENTSOF(stat_keys)];
        bool found[ELEMENTSOF(stat_keys)] = {false};
        uint64_t vectors[SOFTIRQ_VECTORS];
        bool found_vectors = false;
        struct lines lines = lines_of(file, &ctx->parse_errors);
        const char *line;
        size_t len;
        while (lines_next(&lines, &line, &len)) {
                struct field f[2];
                /* intr has hundreds of columns: only its first two fields matter */
                int n = split_fields(line, len, f, 2);
                if (n == 0)
                        continue;
                bool more = n == -E2BIG; /* f[0] and f[1] are there */
                if (s->softirq && field_eq(f[0], "softirq", 7)) {
                        if (!found_vectors && stat_parse_softirq(line, len, vectors))
                                found_vectors = true;
                        else
                                ctx->parse_errors++;
                        continue;
                }
                for (size_t k = 0; k < ELEMENTSOF(stat_keys); k++) {
                        if (!field_eq(f[0], stat_keys[k].key, stat_keys[k].key_len))
                                continue;
                        bool ok = (n == 2 || (more && stat_keys[k].more_columns)) && !found[k] &&
                                  parse_u64_field(f[1], &values[k]) == 0;
                        if (ok)
                                found[k] = true;
                        else
                                ctx->parse_errors++;
                        break;
                }
        }

        bool any = false;
        for (size_t k = 0; k < ELEMENTSOF(stat_keys); k++) {
                if (!found[k])
                        continue;
                any = true;
                (void) metric_set_family(ctx->set, stat_keys[k].desc);
                (void) metric_set_sample0(ctx->set, (double) values[k]);
        }
        if (found_vectors) {
                any = true;
                (void) metric_set_family(ctx->set, &softirqs_desc);
                for (size_t i = 0; i < SOFTIRQ_VECTORS; i++)
                        (void) metric_set_sample1(ctx->set, (double) vectors[vector_order[i]],
                                                  vector_names[vector_order[i]]);
        }
        if (!any)
                return -EINVAL;
        return ctx->set->error;
}

const struct collector stat_collector = {
        .name = "stat",
        .help = "Boot time, context switches, forks, interrupts, process counts (and softirqs), from /proc/stat",
        .default_enabled = true,
        .options = stat_options,
        .init = stat_init,
        .collect = stat_collect,
        .free = stat_free,
};
