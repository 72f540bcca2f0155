/* vmstat: /proc/vmstat's counters as node_vmstat_<field>, untyped, as
 * node_exporter 1.5, for the fields matching [collector.vmstat] fields
 * (node_exporter's --collector.vmstat.fields; by default page faults,
 * paging, swapping and OOM kills). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "collector.h"
#include "desc_cache.h"
#include "fileio.h"
#include "filter.h"
#include "parse.h"

#define VMSTAT_DEFAULT_FIELDS "^(oom_kill|pgpg|pswp|pg.*fault).*"

static const struct collector_option vmstat_options[] = {
        {"fields", VMSTAT_DEFAULT_FIELDS, "the /proc/vmstat fields exported as node_vmstat_<field>"},
        {NULL, NULL, NULL},
};

/* The k-th line of the last scrape: the kernel lists the same fields in
 * the same order every time, so a scrape compares the name and reuses
 * what the filter said and the family, without formatting a name. */
struct vmstat_line {
        char field[64];                 /* as read */
        size_t field_len;               /* 0 when not yet known */
        const struct metric_desc *desc; /* NULL: filtered out */
};

struct vmstat_state {
        const char *procfs;
        struct filter fields;
        struct kernel_file vmstat_file;
        struct buf file;
        struct desc_cache descs;
        struct vmstat_line *lines;
        size_t cap_lines;
};

static int vmstat_init(const struct collector_env *env, const struct config_section *section, struct diag *diag,
                       void **ret_state) {
        struct vmstat_state *s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        int r = filter_from_config(&s->fields, section, "fields", VMSTAT_DEFAULT_FIELDS, NULL, NULL, diag);
        if (r < 0) {
                free(s);
                return r;
        }
        s->procfs = env->procfs;
        *ret_state = s;
        return 0;
}

static void vmstat_free(void *state) {
        struct vmstat_state *s = state;
        if (!s)
                return;
        filter_free(&s->fields);
        kernel_file_close(&s->vmstat_file);
        buf_free(&s->file);
        desc_cache_free(&s->descs);
        free(s->lines);
        free(s);
}

/* What the k-th line's field is for: its filter answer and family. */
static int vmstat_line_build(struct vmstat_state *s, struct vmstat_line *l, struct field f) {
        char name[96], help[128];
        l->field_len = 0;
        l->desc = NULL;
        memcpy(l->field, f.s, f.n);
        l->field[f.n] = '\0';
        (void) snprintf(name, sizeof(name), "node_vmstat_%s", l->field);
        if (!metric_name_valid(name))
                return -EINVAL;
        if (filter_pass(&s->fields, l->field)) {
                (void) snprintf(help, sizeof(help), "/proc/vmstat information field %s.", l->field);
                if (!(l->desc = desc_cache_get(&s->descs, name, help, METRIC_UNTYPED, 0, NULL)))
                        return -ENOMEM;
        }
        l->field_len = f.n;
        return 0;
}

static int vmstat_collect(void *state, struct collect_ctx *ctx) {
        struct vmstat_state *s = state;
        /* a line a counter: a name, a space, at most 20 digits */
        int r = kernel_file_read_records(&s->vmstat_file, s->procfs, "vmstat", 128, FILE_MAX_SMALL, &s->file);
        if (r < 0)
                return r;

        struct lines lines = lines_of(&s->file, &ctx->parse_errors);
        const char *line;
        size_t len, k = 0;
        struct metric_mark first = metric_set_mark(ctx->set);
        while (lines_next(&lines, &line, &len)) {
                struct field f[2];
                int n = split_fields(line, len, f, 2);
                if (n == 0)
                        continue;
                /* "pgfault 76544560" */
                if (n != 2 || f[0].n >= sizeof(s->lines->field)) {
                        ctx->parse_errors++;
                        continue;
                }
                if (array_reserve((void **) &s->lines, &s->cap_lines, k + 1, sizeof(*s->lines)) < 0)
                        return -ENOMEM;
                struct vmstat_line *l = &s->lines[k];
                if (l->field_len != f[0].n || memcmp(l->field, f[0].s, f[0].n) != 0) {
                        r = vmstat_line_build(s, l, f[0]);
                        if (r == -ENOMEM)
                                return r;
                        if (r < 0) {
                                ctx->parse_errors++;
                                continue;
                        }
                }
                k++;
                /* the value of a field left out is not read, as other
                 * collectors ignore the keys they do not export */
                if (!l->desc)
                        continue;
                uint64_t v;
                /* a field listed twice would be a duplicate series */
                if (metric_set_has_family_since(ctx->set, first, l->desc) || parse_u64_field(f[1], &v) < 0) {
                        ctx->parse_errors++;
                        continue;
                }
                (void) metric_set_family(ctx->set, l->desc);
                (void) metric_set_sample0(ctx->set, (double) v);
        }
        if (k == 0)
                return -EINVAL;
        return ctx->set->error;
}

const struct collector vmstat_collector = {
        .name = "vmstat",
        .help = "Virtual memory statistics (paging, swapping, page faults, OOM kills), from /proc/vmstat",
        .default_enabled = true,
        .options = vmstat_options,
        .init = vmstat_init,
        .collect = vmstat_collect,
        .free = vmstat_free,
};
