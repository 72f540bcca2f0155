/* loadavg: node_load1, node_load5 and node_load15 from /proc/loadavg. */
#include <errno.h>
#include <stdlib.h>

#include "collector.h"
#include "fileio.h"
#include "parse.h"

static const struct metric_desc load_descs[] = {
        {"node_load1", "1m load average.", METRIC_GAUGE, 0, NULL},
        {"node_load5", "5m load average.", METRIC_GAUGE, 0, NULL},
        {"node_load15", "15m load average.", METRIC_GAUGE, 0, NULL},
};

struct loadavg_state {
        const char *procfs;
        struct kernel_file loadavg_file;
        struct buf file;
};

static int loadavg_init(const struct collector_env *env, _unused_ const struct config_section *section,
                        _unused_ struct diag *diag, void **ret_state) {
        struct loadavg_state *s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        s->procfs = env->procfs;
        *ret_state = s;
        return 0;
}

static void loadavg_free(void *state) {
        struct loadavg_state *s = state;
        if (s) {
                kernel_file_close(&s->loadavg_file);
                buf_free(&s->file);
        }
        free(s);
}

/* "0.52" as a double, strictly: digits, one dot, digits. */
static int parse_load(struct field f, double *ret) {
        uint64_t whole = 0, frac = 0;
        double scale = 1;
        size_t dot = 0;
        while (dot < f.n && f.s[dot] != '.')
                dot++;
        if (parse_u64(f.s, dot, &whole) < 0)
                return -EINVAL;
        if (dot < f.n) {
                size_t digits = f.n - dot - 1;
                if (digits == 0 || digits > 6 || parse_u64(f.s + dot + 1, digits, &frac) < 0)
                        return -EINVAL;
                for (size_t i = 0; i < digits; i++)
                        scale *= 10;
        }
        *ret = (double) whole + (double) frac / scale;
        return 0;
}

static int loadavg_collect(void *state, struct collect_ctx *ctx) {
        struct loadavg_state *s = state;
        int r = kernel_file_read_one_piece(&s->loadavg_file, s->procfs, "loadavg", FILE_MAX_SMALL, &s->file);
        if (r < 0)
                return r;
        struct lines lines = lines_of(&s->file, NULL);
        const char *line;
        size_t len;
        struct field f[5];
        double load[3];
        /* "0.00 0.01 0.05 1/123 4567": one complete line of five fields */
        if (!lines_next(&lines, &line, &len) || split_fields(line, len, f, 5) != 5 || parse_load(f[0], &load[0]) < 0 ||
            parse_load(f[1], &load[1]) < 0 || parse_load(f[2], &load[2]) < 0) {
                ctx->parse_errors++;
                return -EINVAL;
        }
        for (size_t i = 0; i < 3; i++) {
                (void) metric_set_family(ctx->set, &load_descs[i]);
                (void) metric_set_sample0(ctx->set, load[i]);
        }
        return ctx->set->error;
}

const struct collector loadavg_collector = {
        .name = "loadavg",
        .help = "Load averages, from /proc/loadavg",
        .default_enabled = true,
        .init = loadavg_init,
        .collect = loadavg_collect,
        .free = loadavg_free,
};
