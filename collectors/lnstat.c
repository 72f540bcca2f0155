/* lnstat (off by default, as in node_exporter 1.5): the network caches'
 * per-CPU counters of every file of /proc/net/stat (arp_cache,
 * ndisc_cache, rt_cache, nf_conntrack...), as
 * node_lnstat_<column>_total{subsystem,cpu}: subsystem the file's name,
 * cpu the line's position after the header line. Columns alike in two
 * files are one family. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "collector.h"
#include "desc_cache.h"
#include "dirlist.h"
#include "fileio.h"
#include "optional_file.h"
#include "parse.h"
#include "parse_hex.h"
#include "sort.h"

/* in the order node_exporter writes them */
static const char *const lnstat_labels[] = {"cpu", "subsystem"};

/* the most columns a file has that is read (rt_cache has 17) */
#define LNSTAT_COLUMNS_MAX 64

/* one value of one column of one file, on the cpu-th line */
struct lnstat_value {
        size_t column; /* its name's offset in names */
        size_t file;   /* in the listing */
        unsigned cpu;
        uint64_t v;
};

struct lnstat_state {
        const char *procfs;
        char dir[4096];
        uint64_t missing_until_ns;
        struct dirlist files;
        struct buf file, names;
        struct lnstat_value *values;
        size_t n_values, cap_values;
        struct desc_cache descs;
};

static int lnstat_init(const struct collector_env *env, _unused_ const struct config_section *section,
                       _unused_ struct diag *diag, void **ret_state) {
        struct lnstat_state *s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        s->procfs = env->procfs;
        if (path_join(s->dir, sizeof(s->dir), env->procfs, "net/stat") < 0) {
                free(s);
                return -ENAMETOOLONG;
        }
        *ret_state = s;
        return 0;
}

static void lnstat_free(void *state) {
        struct lnstat_state *s = state;
        if (!s)
                return;
        dirlist_free(&s->files);
        buf_free(&s->file);
        buf_free(&s->names);
        free(s->values);
        desc_cache_free(&s->descs);
        free(s);
}

/* The header line's columns into names: false if one repeats or makes no
 * metric name. */
static bool lnstat_columns(struct lnstat_state *s, const struct field *f, int n, size_t *offsets) {
        for (int i = 0; i < n; i++) {
                char name[128];
                if (f[i].n > 64)
                        return false;
                (void) snprintf(name, sizeof(name), "node_lnstat_%.*s_total", (int) f[i].n, f[i].s);
                if (!metric_name_valid(name))
                        return false;
                for (int j = 0; j < i; j++)
                        if (f[j].n == f[i].n && memcmp(f[j].s, f[i].s, f[i].n) == 0)
                                return false;
                offsets[i] = s->names.len;
                buf_put(&s->names, f[i].s, f[i].n);
                buf_put(&s->names, "", 1);
        }
        return true;
}

/* One file: a header line, then a line of hex counters per CPU. */
static int lnstat_read_file(struct lnstat_state *s, size_t file, unsigned *parse_errors) {
        char rel[512];
        (void) snprintf(rel, sizeof(rel), "net/stat/%s", dirlist_name(&s->files, file));
        int r = read_file_at(s->procfs, rel, FILE_MAX_SMALL, &s->file);
        if (r < 0)
                return r;
        struct lines lines = lines_of(&s->file, parse_errors);
        const char *line;
        size_t len;
        struct field f[LNSTAT_COLUMNS_MAX];
        size_t columns[LNSTAT_COLUMNS_MAX];
        int n_columns = -1;
        unsigned cpu = 0;
        while (lines_next(&lines, &line, &len)) {
                int n = split_fields(line, len, f, ELEMENTSOF(f));
                if (n == 0)
                        continue;
                if (n_columns < 0) {
                        /* a header that does not read: the whole file left out */
                        if (n < 0 || !lnstat_columns(s, f, n, columns))
                                return -EINVAL;
                        n_columns = n;
                        continue;
                }
                uint64_t v[LNSTAT_COLUMNS_MAX];
                bool ok = n == n_columns;
                for (int i = 0; ok && i < n; i++)
                        ok = parse_hex_u64_field(f[i], &v[i]) == 0;
                if (!ok) {
                        (*parse_errors)++;
                        continue;
                }
                if (array_reserve((void **) &s->values, &s->cap_values, s->n_values + (size_t) n, sizeof(*s->values)) <
                    0)
                        return -ENOMEM;
                for (int i = 0; i < n; i++)
                        s->values[s->n_values++] = (struct lnstat_value){columns[i], file, cpu, v[i]};
                cpu++;
        }
        return 0;
}

static int lnstat_value_cmp(const void *a, const void *b, void *ctx) {
        const struct lnstat_state *s = ctx;
        const struct lnstat_value *x = a, *y = b;
        int c = strcmp(s->names.data + x->column, s->names.data + y->column);
        if (c == 0)
                c = (x->file > y->file) - (x->file < y->file);
        return c ? c : (x->cpu > y->cpu) - (x->cpu < y->cpu);
}

static int lnstat_collect(void *state, struct collect_ctx *ctx) {
        struct lnstat_state *s = state;
        int r = optional_dirlist_read(&s->missing_until_ns, &s->files, s->dir);
        if (r < 0)
                return r;
        s->n_values = 0;
        buf_reset(&s->names);
        for (size_t i = 0; i < s->files.n; i++) {
                r = lnstat_read_file(s, i, &ctx->parse_errors);
                if (r == -ENOMEM)
                        return r;
                if (r == -EINVAL)
                        ctx->parse_errors++;
                /* else gone since the listing, or not a file: passed over */
        }
        if (s->names.error < 0)
                return -ENOMEM;

        sort_r(s->values, s->n_values, sizeof(*s->values), lnstat_value_cmp, s);
        for (size_t i = 0; i < s->n_values; i++) {
                const struct lnstat_value *v = &s->values[i];
                const char *column = s->names.data + v->column;
                if (i == 0 || strcmp(column, s->names.data + s->values[i - 1].column) != 0) {
                        char name[128];
                        (void) snprintf(name, sizeof(name), "node_lnstat_%s_total", column);
                        const struct metric_desc *d = desc_cache_get(&s->descs, name, "linux network cache stats",
                                                                     METRIC_COUNTER, 2, lnstat_labels);
                        if (!d)
                                return -ENOMEM;
                        (void) metric_set_family(ctx->set, d);
                }
                char cpu[12];
                (void) snprintf(cpu, sizeof(cpu), "%u", v->cpu);
                (void) metric_set_sample2(ctx->set, (double) v->v, cpu, dirlist_name(&s->files, v->file));
        }
        return ctx->set->error;
}

const struct collector lnstat_collector = {
        .name = "lnstat",
        .help = "Network caches' per-CPU counters, from /proc/net/stat (off by default)",
        .default_enabled = false,
        .init = lnstat_init,
        .collect = lnstat_collect,
        .free = lnstat_free,
};
