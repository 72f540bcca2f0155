/* softnet: the packets each CPU's network softirq handled, from
 * /proc/net/softnet_stat, as node_exporter 1.5: processed, dropped and
 * times_squeezed, the first three of the line's hex columns. The cpu
 * label is the line's position, as there (the kernel prints one line per
 * online CPU). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "array.h"
#include "collector.h"
#include "optional_file.h"
#include "parse.h"
#include "parse_hex.h"

static const char *const cpu_label[] = {"cpu"};
static const struct metric_desc softnet_descs[] = {
        {"node_softnet_processed_total", "Number of processed packets", METRIC_COUNTER, 1, cpu_label},
        {"node_softnet_dropped_total", "Number of dropped packets", METRIC_COUNTER, 1, cpu_label},
        {"node_softnet_times_squeezed_total", "Number of times processing packets ran out of quota", METRIC_COUNTER, 1,
         cpu_label},
};
#define N_VALUES ELEMENTSOF(softnet_descs)
#define MIN_COLUMNS 9 /* as node_exporter's parser; Linux 2.6.36 on prints at least ten */

struct softnet_row {
        uint32_t cpu; /* the line's position */
        uint64_t values[N_VALUES];
};

struct softnet_state {
        const char *procfs;
        struct optional_file softnet_file;
        struct buf file;
        struct softnet_row *rows;
        size_t n_rows, cap_rows;
        /* "0\0" "1\0" ...: the cpu label values, made once for as many
         * lines as the file ever had */
        struct buf cpu_names;
        size_t *cpu_offs, n_cpu_names, cap_cpu_names;
};

static int softnet_init(const struct collector_env *env, _unused_ const struct config_section *section,
                        _unused_ struct diag *diag, void **ret_state) {
        struct softnet_state *s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        s->procfs = env->procfs;
        *ret_state = s;
        return 0;
}

static void softnet_free(void *state) {
        struct softnet_state *s = state;
        if (!s)
                return;
        optional_file_close(&s->softnet_file);
        buf_free(&s->file);
        buf_free(&s->cpu_names);
        free(s->rows);
        free(s->cpu_offs);
        free(s);
}

/* The label value of line position cpu. */
static const char *softnet_cpu_name(struct softnet_state *s, size_t cpu) {
        while (s->n_cpu_names <= cpu) {
                if (array_reserve((void **) &s->cpu_offs, &s->cap_cpu_names, s->n_cpu_names + 1, sizeof(*s->cpu_offs)) <
                    0)
                        return NULL;
                char num[16];
                int len = snprintf(num, sizeof(num), "%zu", s->n_cpu_names);
                s->cpu_offs[s->n_cpu_names++] = s->cpu_names.len;
                buf_put(&s->cpu_names, num, (size_t) len + 1);
        }
        if (s->cpu_names.error < 0) {
                /* out of memory: the names are made again next time */
                buf_reset(&s->cpu_names);
                s->n_cpu_names = 0;
                return NULL;
        }
        return s->cpu_names.data + s->cpu_offs[cpu];
}

static int softnet_collect(void *state, struct collect_ctx *ctx) {
        struct softnet_state *s = state;
        /* a line of at most 13 words of 8 hex digits a CPU */
        int r = optional_file_read_records(&s->softnet_file, s->procfs, "net/softnet_stat", 256, FILE_MAX_TABLE,
                                           &s->file);
        if (r < 0)
                return r;
        struct lines lines = lines_of(&s->file, &ctx->parse_errors);
        const char *line;
        size_t len, position = 0;
        s->n_rows = 0;
        while (lines_next(&lines, &line, &len)) {
                struct field f[MIN_COLUMNS];
                uint64_t v[N_VALUES];
                int n = split_fields(line, len, f, MIN_COLUMNS); /* newer kernels print more */
                if (n == 0)
                        continue;
                size_t cpu = position++;
                bool ok = n == -E2BIG || n == MIN_COLUMNS;
                for (size_t i = 0; i < N_VALUES && ok; i++)
                        ok = f[i].n <= 8 && parse_hex_u64_field(f[i], &v[i]) == 0;
                if (!ok) {
                        ctx->parse_errors++;
                        continue;
                }
                if (array_reserve((void **) &s->rows, &s->cap_rows, s->n_rows + 1, sizeof(*s->rows)) < 0)
                        return -ENOMEM;
                struct softnet_row *row = &s->rows[s->n_rows++];
                row->cpu = (uint32_t) cpu;
                for (size_t i = 0; i < N_VALUES; i++)
                        row->values[i] = v[i];
        }
        if (s->n_rows == 0)
                return -EINVAL;
        for (size_t i = 0; i < N_VALUES; i++) {
                (void) metric_set_family(ctx->set, &softnet_descs[i]);
                for (size_t k = 0; k < s->n_rows; k++) {
                        const char *cpu = softnet_cpu_name(s, s->rows[k].cpu);
                        if (!cpu)
                                return -ENOMEM;
                        (void) metric_set_sample1(ctx->set, (double) s->rows[k].values[i], cpu);
                }
        }
        return ctx->set->error;
}

const struct collector softnet_collector = {
        .name = "softnet",
        .help = "Packets processed, dropped and squeezed per CPU, from /proc/net/softnet_stat",
        .default_enabled = true,
        .init = softnet_init,
        .collect = softnet_collect,
        .free = softnet_free,
};
