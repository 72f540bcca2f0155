/* pressure: pressure stall information (PSI) from /proc/pressure/, as
 * node_exporter 1.5: "some" is time waiting, "full" time stalled, in
 * seconds (the kernel counts microseconds). Kernels without PSI: no data.
 * /proc/pressure/irq (Linux 6.1, read by later node_exporter releases)
 * only where the kernel has it. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "collector.h"
#include "fileio.h"
#include "optional_file.h"
#include "parse.h"

static const struct {
        const char *file;
        unsigned slot;    /* which kept-open file: 0 cpu, 1 io, 2 memory, 3 irq */
        const char *kind; /* "some" or "full" */
        struct metric_desc desc;
} pressure_series[] = {
        {"pressure/cpu",
         0,
         "some",
         {"node_pressure_cpu_waiting_seconds_total", "Total time in seconds that processes have waited for CPU time",
          METRIC_COUNTER, 0, NULL}},
        {"pressure/io",
         1,
         "some",
         {"node_pressure_io_waiting_seconds_total",
          "Total time in seconds that processes have waited due to IO congestion", METRIC_COUNTER, 0, NULL}},
        {"pressure/io",
         1,
         "full",
         {"node_pressure_io_stalled_seconds_total",
          "Total time in seconds no process could make progress due to IO congestion", METRIC_COUNTER, 0, NULL}},
        {"pressure/memory",
         2,
         "some",
         {"node_pressure_memory_waiting_seconds_total", "Total time in seconds that processes have waited for memory",
          METRIC_COUNTER, 0, NULL}},
        {"pressure/memory",
         2,
         "full",
         {"node_pressure_memory_stalled_seconds_total",
          "Total time in seconds no process could make progress due to memory congestion", METRIC_COUNTER, 0, NULL}},
        {"pressure/irq",
         3,
         "full",
         {"node_pressure_irq_stalled_seconds_total", "Total time in seconds no process could make progress due to IRQ",
          METRIC_COUNTER, 0, NULL}},
};

struct pressure_state {
        const char *procfs;
        /* cpu, io, memory, irq: irq is missing from kernels built without
         * CONFIG_IRQ_TIME_ACCOUNTING, and is not looked for at every scrape */
        struct optional_file files[4];
        struct buf file;
};

static int pressure_init(const struct collector_env *env, _unused_ const struct config_section *section,
                         _unused_ struct diag *diag, void **ret_state) {
        struct pressure_state *s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        s->procfs = env->procfs;
        *ret_state = s;
        return 0;
}

static void pressure_free(void *state) {
        struct pressure_state *s = state;
        if (s) {
                for (size_t i = 0; i < ELEMENTSOF(s->files); i++)
                        optional_file_close(&s->files[i]);
                buf_free(&s->file);
        }
        free(s);
}

/* The total= of the "kind" line of the file in s->file, in microseconds. */
static int pressure_total(const struct pressure_state *s, const char *kind, unsigned *parse_errors, uint64_t *ret) {
        struct lines lines = lines_of(&s->file, NULL);
        const char *line;
        size_t len;
        while (lines_next(&lines, &line, &len)) {
                struct field f[5];
                int n = split_fields(line, len, f, 5); /* f[0] is there when -E2BIG too */
                if (n == 0 || f[0].n != 4 || memcmp(f[0].s, kind, 4) != 0)
                        continue;
                if (n != 5 || f[4].n < 7 || memcmp(f[4].s, "total=", 6) != 0 ||
                    parse_u64(f[4].s + 6, f[4].n - 6, ret) < 0) {
                        (*parse_errors)++;
                        return -EINVAL;
                }
                return 0;
        }
        return -ENOENT;
}

static int pressure_collect(void *state, struct collect_ctx *ctx) {
        struct pressure_state *s = state;
        const char *loaded = NULL;
        int loaded_r = 0;
        unsigned found = 0;
        for (size_t i = 0; i < ELEMENTSOF(pressure_series); i++) {
                /* io and memory give two series each: read their file once */
                if (!loaded || strcmp(loaded, pressure_series[i].file) != 0) {
                        loaded = pressure_series[i].file;
                        loaded_r = optional_file_read(&s->files[pressure_series[i].slot], s->procfs, loaded, true,
                                                      FILE_MAX_SMALL, &s->file);
                }
                if (loaded_r == -ENOENT)
                        continue;
                /* a read that failed otherwise (no memory, EIO) fails the
                 * collector: a scrape never serves the other files' series
                 * as if they were all there is */
                if (loaded_r < 0)
                        return loaded_r;
                uint64_t usec;
                if (pressure_total(s, pressure_series[i].kind, &ctx->parse_errors, &usec) < 0)
                        continue;
                (void) metric_set_family(ctx->set, &pressure_series[i].desc);
                (void) metric_set_sample0(ctx->set, (double) usec / 1e6);
                found++;
        }
        if (found == 0)
                return loaded_r < 0 ? loaded_r : -EINVAL;
        return ctx->set->error;
}

const struct collector pressure_collector = {
        .name = "pressure",
        .help = "Pressure stall information, from /proc/pressure",
        .default_enabled = true,
        .init = pressure_init,
        .collect = pressure_collect,
        .free = pressure_free,
};
