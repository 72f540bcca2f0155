/* schedstat: per-CPU scheduler statistics from /proc/schedstat, as
 * node_exporter 1.5: the time the CPU ran tasks, the time tasks waited
 * for it, and the timeslices it ran (the 7th, 8th and 9th numbers of a
 * "cpuN" line). Kernels built without CONFIG_SCHEDSTATS have no file. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "collector.h"
#include "optional_file.h"
#include "parse.h"

static const char *const cpu_label[] = {"cpu"};
static const struct metric_desc schedstat_descs[] = {
        {"node_schedstat_running_seconds_total", "Number of seconds CPU spent running a process.", METRIC_COUNTER, 1,
         cpu_label},
        {"node_schedstat_waiting_seconds_total", "Number of seconds spent by processing waiting for this CPU.",
         METRIC_COUNTER, 1, cpu_label},
        {"node_schedstat_timeslices_total", "Number of timeslices executed by CPU.", METRIC_COUNTER, 1, cpu_label},
};
#define CPU_NUMBERS 9 /* after "cpuN" since schedstat version 15; more are let be, as upstream */

struct schedstat_row {
        char cpu[12]; /* "17" */
        double values[ELEMENTSOF(schedstat_descs)];
};

struct schedstat_state {
        const char *procfs;
        struct optional_file schedstat_file;
        struct buf file;
        struct schedstat_row *rows;
        size_t n_rows, cap_rows;
};

static int schedstat_init(const struct collector_env *env, _unused_ const struct config_section *section,
                          _unused_ struct diag *diag, void **ret_state) {
        struct schedstat_state *s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        s->procfs = env->procfs;
        *ret_state = s;
        return 0;
}

static void schedstat_free(void *state) {
        struct schedstat_state *s = state;
        if (!s)
                return;
        optional_file_close(&s->schedstat_file);
        buf_free(&s->file);
        free(s->rows);
        free(s);
}

static int schedstat_collect(void *state, struct collect_ctx *ctx) {
        struct schedstat_state *s = state;
        int r = optional_file_read(&s->schedstat_file, s->procfs, "schedstat", false, FILE_MAX_TABLE, &s->file);
        if (r < 0)
                return r;
        struct lines lines = lines_of(&s->file, &ctx->parse_errors);
        const char *line;
        size_t len;
        uint64_t last_cpu = 0;
        s->n_rows = 0;
        while (lines_next(&lines, &line, &len)) {
                struct field f[CPU_NUMBERS + 1];
                int n = split_fields(line, len, f, CPU_NUMBERS + 1);
                /* version, timestamp and domainN lines are not read */
                if (n == 0 || f[0].n < 3 || memcmp(f[0].s, "cpu", 3) != 0)
                        continue;
                uint64_t cpu, v[CPU_NUMBERS];
                bool ok = (n == -E2BIG || n == CPU_NUMBERS + 1) && f[0].n - 3 < sizeof(s->rows->cpu) &&
                          parse_u64(f[0].s + 3, f[0].n - 3, &cpu) == 0;
                for (size_t i = 0; i < CPU_NUMBERS && ok; i++)
                        ok = parse_u64_field(f[i + 1], &v[i]) == 0;
                /* the kernel lists CPUs in increasing order: one that is
                 * not is listed twice, or garbage */
                ok = ok && (s->n_rows == 0 || cpu > last_cpu);
                if (!ok) {
                        ctx->parse_errors++;
                        continue;
                }
                if (array_reserve((void **) &s->rows, &s->cap_rows, s->n_rows + 1, sizeof(*s->rows)) < 0)
                        return -ENOMEM;
                struct schedstat_row *row = &s->rows[s->n_rows++];
                last_cpu = cpu;
                memcpy(row->cpu, f[0].s + 3, f[0].n - 3);
                row->cpu[f[0].n - 3] = '\0';
                row->values[0] = (double) v[6] / 1e9;
                row->values[1] = (double) v[7] / 1e9;
                row->values[2] = (double) v[8];
        }
        if (s->n_rows == 0)
                return -EINVAL;
        for (size_t i = 0; i < ELEMENTSOF(schedstat_descs); i++) {
                (void) metric_set_family(ctx->set, &schedstat_descs[i]);
                for (size_t k = 0; k < s->n_rows; k++)
                        (void) metric_set_sample1(ctx->set, s->rows[k].values[i], s->rows[k].cpu);
        }
        return ctx->set->error;
}

const struct collector schedstat_collector = {
        .name = "schedstat",
        .help = "Time each CPU ran tasks and tasks waited for it, from /proc/schedstat",
        .default_enabled = true,
        .init = schedstat_init,
        .collect = schedstat_collect,
        .free = schedstat_free,
};
