/* cgroups (off by default, as in node_exporter 1.5): each cgroup
 * controller's number of cgroups and whether it is enabled, from
 * /proc/cgroups, as node_cgroups_cgroups{subsys_name} and
 * node_cgroups_enabled{subsys_name}. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "collector.h"
#include "optional_file.h"
#include "parse.h"

static const char *const subsys_label[] = {"subsys_name"};
/* node_exporter 1.5 gives both the same help */
static const struct metric_desc cgroups_desc = {"node_cgroups_cgroups", "Current cgroup number of the subsystem.",
                                                METRIC_GAUGE, 1, subsys_label};
static const struct metric_desc enabled_desc = {"node_cgroups_enabled", "Current cgroup number of the subsystem.",
                                                METRIC_GAUGE, 1, subsys_label};

#define CGROUPS_NAME_MAX 64

struct cgroups_row {
        char name[CGROUPS_NAME_MAX];
        uint64_t cgroups, enabled;
};

struct cgroups_state {
        const char *procfs;
        struct optional_file file_src;
        struct buf file;
        struct cgroups_row *rows;
        size_t n_rows, cap_rows;
};

static int cgroups_init(const struct collector_env *env, _unused_ const struct config_section *section,
                        _unused_ struct diag *diag, void **ret_state) {
        struct cgroups_state *s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        s->procfs = env->procfs;
        *ret_state = s;
        return 0;
}

static void cgroups_free(void *state) {
        struct cgroups_state *s = state;
        if (!s)
                return;
        optional_file_close(&s->file_src);
        buf_free(&s->file);
        free(s->rows);
        free(s);
}

static bool cgroups_listed(const struct cgroups_state *s, const char *name) {
        for (size_t i = 0; i < s->n_rows; i++)
                if (strcmp(s->rows[i].name, name) == 0)
                        return true;
        return false;
}

static int cgroups_collect(void *state, struct collect_ctx *ctx) {
        struct cgroups_state *s = state;
        int r = optional_file_read(&s->file_src, s->procfs, "cgroups", false, FILE_MAX_SMALL, &s->file);
        if (r < 0)
                return r;
        s->n_rows = 0;
        struct lines lines = lines_of(&s->file, &ctx->parse_errors);
        const char *line;
        size_t len;
        while (lines_next(&lines, &line, &len)) {
                /* "#subsys_name	hierarchy	num_cgroups	enabled", then "memory	4	174	1" */
                if (len > 0 && line[0] == '#')
                        continue;
                struct field f[5];
                int n = split_fields(line, len, f, ELEMENTSOF(f));
                if (n == 0)
                        continue;
                if (array_reserve((void **) &s->rows, &s->cap_rows, s->n_rows + 1, sizeof(*s->rows)) < 0)
                        return -ENOMEM;
                struct cgroups_row *row = &s->rows[s->n_rows];
                uint64_t hierarchy;
                bool ok = n == 4 && f[0].n < sizeof(row->name) && !memchr(f[0].s, '\0', f[0].n) &&
                          parse_u64_field(f[1], &hierarchy) == 0 && parse_u64_field(f[2], &row->cgroups) == 0 &&
                          parse_u64_field(f[3], &row->enabled) == 0;
                if (ok) {
                        memcpy(row->name, f[0].s, f[0].n);
                        row->name[f[0].n] = '\0';
                        ok = !cgroups_listed(s, row->name);
                }
                if (!ok) {
                        ctx->parse_errors++;
                        continue;
                }
                s->n_rows++;
        }
        if (s->n_rows > 0) {
                (void) metric_set_family(ctx->set, &cgroups_desc);
                for (size_t i = 0; i < s->n_rows; i++)
                        (void) metric_set_sample1(ctx->set, (double) s->rows[i].cgroups, s->rows[i].name);
                (void) metric_set_family(ctx->set, &enabled_desc);
                for (size_t i = 0; i < s->n_rows; i++)
                        (void) metric_set_sample1(ctx->set, (double) s->rows[i].enabled, s->rows[i].name);
        }
        return ctx->set->error;
}

const struct collector cgroups_collector = {
        .name = "cgroups",
        .help = "Each cgroup controller's number of cgroups and whether it is enabled, from /proc/cgroups (off by "
                "default)",
        .default_enabled = false,
        .init = cgroups_init,
        .collect = cgroups_collect,
        .free = cgroups_free,
};
