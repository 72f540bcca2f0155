/* slabinfo (off by default, as in node_exporter 1.5): each kernel slab
 * cache's objects, from /proc/slabinfo (version 2.1, root's alone to
 * read), as node_slabinfo_*{slab}, for the caches that [collector.slabinfo]
 * slabs_include and slabs_exclude keep (node_exporter's later
 * --collector.slabinfo.slabs-include and slabs-exclude; 1.5 reads every
 * cache). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "collector.h"
#include "filter.h"
#include "optional_file.h"
#include "parse.h"
#include "sort.h"

static const struct collector_option slabinfo_options[] = {
        {"slabs_include", "", "the slab caches reported (a pattern); empty: all"},
        {"slabs_exclude", "", "the slab caches left out (a pattern)"},
        {NULL, NULL, NULL, false},
};

static const char *const slab_labels[] = {"slab"};
#define SLAB_GAUGE(name, help)                                                                                         \
        { "node_slabinfo_" name, help, METRIC_GAUGE, 1, slab_labels }
/* the columns of a cache's line that node_exporter reports, in its order */
enum { ACTIVE_OBJS, NUM_OBJS, OBJSIZE, OBJPERSLAB, PAGESPERSLAB, N_SLAB_VALUES };
static const struct metric_desc slab_descs[N_SLAB_VALUES] = {
        SLAB_GAUGE("active_objects", "The number of objects that are currently active (i.e., in use)."),
        SLAB_GAUGE("objects",
                   "The total number of allocated objects (i.e., objects that are both in use and not in use)."),
        SLAB_GAUGE("object_size_bytes", "The size of objects in this slab, in bytes."),
        SLAB_GAUGE("objects_per_slab", "The number of objects stored in each slab."),
        SLAB_GAUGE("pages_per_slab", "The number of pages allocated for each slab."),
};

/* "name <active_objs> <num_objs> <objsize> <objperslab> <pagesperslab> :
 * tunables <limit> <batchcount> <sharedfactor> : slabdata <active_slabs>
 * <num_slabs> <sharedavail>" */
#define SLAB_FIELDS 16

struct slab_row {
        size_t name; /* in names */
        size_t line; /* its place in the file, to keep the first of a name listed twice */
        uint64_t v[N_SLAB_VALUES];
};

struct slabinfo_state {
        const char *procfs;
        struct filter filter;
        struct optional_file file_src;
        struct buf file, names;
        struct slab_row *rows;
        size_t n_rows, cap_rows;
};

static int slabinfo_init(const struct collector_env *env, const struct config_section *section, struct diag *diag,
                         void **ret_state) {
        struct slabinfo_state *s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        int r = filter_from_config(&s->filter, section, "slabs_include", NULL, "slabs_exclude", NULL, diag);
        if (r < 0) {
                free(s);
                return r;
        }
        s->procfs = env->procfs;
        *ret_state = s;
        return 0;
}

static void slabinfo_free(void *state) {
        struct slabinfo_state *s = state;
        if (!s)
                return;
        filter_free(&s->filter);
        optional_file_close(&s->file_src);
        buf_free(&s->file);
        buf_free(&s->names);
        free(s->rows);
        free(s);
}

static int slab_row_cmp(const void *a, const void *b, void *ctx) {
        const struct buf *names = ctx;
        const struct slab_row *x = a, *y = b;
        int c = strcmp(names->data + x->name, names->data + y->name);
        return c ? c : (x->line > y->line) - (x->line < y->line);
}

/* One cache's line into a row (its name in names); false if it does not
 * read: another count of fields, a column that is not a number. */
static bool slabinfo_line(struct slabinfo_state *s, const char *line, size_t len, struct slab_row *row) {
        struct field f[SLAB_FIELDS];
        if (split_fields(line, len, f, ELEMENTSOF(f)) != SLAB_FIELDS)
                return false;
        /* every number, as node_exporter reads them, though it reports five */
        static const unsigned numbers[] = {1, 2, 3, 4, 5, 8, 9, 10, 13, 14, 15};
        for (size_t i = 0; i < ELEMENTSOF(numbers); i++) {
                uint64_t v;
                if (parse_u64_field(f[numbers[i]], &v) < 0 || v > INT64_MAX)
                        return false;
                if (numbers[i] <= N_SLAB_VALUES)
                        row->v[numbers[i] - 1] = v;
        }
        row->name = s->names.len;
        buf_put(&s->names, f[0].s, f[0].n);
        buf_put(&s->names, "", 1);
        return true;
}

static int slabinfo_collect(void *state, struct collect_ctx *ctx) {
        struct slabinfo_state *s = state;
        int r = optional_file_read(&s->file_src, s->procfs, "slabinfo", false, FILE_MAX_TABLE, &s->file);
        if (r < 0)
                return r;
        s->n_rows = 0;
        buf_reset(&s->names);
        struct lines lines = lines_of(&s->file, &ctx->parse_errors);
        const char *line;
        size_t len;
        for (size_t n = 0; lines_next(&lines, &line, &len); n++) {
                /* the version line and the header, as node_exporter tells them */
                if (memmem(line, len, "slabinfo -", 10) || memmem(line, len, "# name", 6))
                        continue;
                if (array_reserve((void **) &s->rows, &s->cap_rows, s->n_rows + 1, sizeof(*s->rows)) < 0)
                        return -ENOMEM;
                struct slab_row *row = &s->rows[s->n_rows];
                row->line = n;
                if (!slabinfo_line(s, line, len, row)) {
                        ctx->parse_errors++;
                        continue;
                }
                s->n_rows++;
        }
        if (s->names.error < 0)
                return -ENOMEM;
        /* by name, a name listed twice once (its first line), the others counted */
        sort_r(s->rows, s->n_rows, sizeof(*s->rows), slab_row_cmp, &s->names);
        size_t out = 0;
        for (size_t i = 0; i < s->n_rows; i++) {
                const char *name = s->names.data + s->rows[i].name;
                if (out > 0 && strcmp(s->names.data + s->rows[out - 1].name, name) == 0) {
                        ctx->parse_errors++;
                        continue;
                }
                if (filter_pass(&s->filter, name))
                        s->rows[out++] = s->rows[i];
        }
        s->n_rows = out;
        for (size_t k = 0; k < N_SLAB_VALUES; k++) {
                (void) metric_set_family(ctx->set, &slab_descs[k]);
                for (size_t i = 0; i < s->n_rows; i++)
                        (void) metric_set_sample1(ctx->set, (double) s->rows[i].v[k], s->names.data + s->rows[i].name);
        }
        return ctx->set->error;
}

const struct collector slabinfo_collector = {
        .name = "slabinfo",
        .help = "Kernel slab caches' objects, from /proc/slabinfo (off by default)",
        .default_enabled = false,
        .options = slabinfo_options,
        .init = slabinfo_init,
        .collect = slabinfo_collect,
        .free = slabinfo_free,
};
