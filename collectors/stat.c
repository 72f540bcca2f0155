/* stat: the system-wide counters of /proc/stat, as node_exporter's stat
 * collector: boot time, context switches, forks, interrupts, and the
 * running and blocked process counts. */
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
};

static int stat_init(const struct collector_env *env, _unused_ const struct config_section *section,
                     _unused_ struct diag *diag, void **ret_state) {
        struct stat_state *s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        s->procfs = env->procfs;
        *ret_state = s;
        return 0;
}

static void stat_free(void *state) {
        struct stat_state *s = state;
        if (!s)
                return;
        free(s);
}

static int stat_collect(void *state, struct collect_ctx *ctx) {
        struct stat_state *s = state;
        const struct buf *file; /* /proc/stat, which cpu reads in the same scrape */
        int r = scrape_cache_file(ctx->cache, s->procfs, "stat", true, FILE_MAX_PROC_STAT, &file);
        if (r < 0)
                return r;

        uint64_t values[ELEMENTSOF(stat_keys)];
        bool found[ELEMENTSOF(stat_keys)] = {false};
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
        if (!any)
                return -EINVAL;
        return ctx->set->error;
}

const struct collector stat_collector = {
        .name = "stat",
        .help = "Boot time, context switches, forks, interrupts and process counts, from /proc/stat",
        .default_enabled = true,
        .init = stat_init,
        .collect = stat_collect,
        .free = stat_free,
};
