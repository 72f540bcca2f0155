/* filefd: open file handles of the whole system, node_filefd_allocated and
 * node_filefd_maximum, from /proc/sys/fs/file-nr as node_exporter 1.5
 * (its middle number, free handles, is always 0 since Linux 2.6). */
#include <errno.h>
#include <stdlib.h>

#include "collector.h"
#include "optional_file.h"
#include "parse.h"

static const struct metric_desc allocated_desc = {"node_filefd_allocated", "File descriptor statistics: allocated.",
                                                  METRIC_GAUGE, 0, NULL};
static const struct metric_desc maximum_desc = {"node_filefd_maximum", "File descriptor statistics: maximum.",
                                                METRIC_GAUGE, 0, NULL};

struct filefd_state {
        const char *procfs;
        struct optional_file file_nr;
        struct buf file;
};

static int filefd_init(const struct collector_env *env, _unused_ const struct config_section *section,
                       _unused_ struct diag *diag, void **ret_state) {
        struct filefd_state *s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        s->procfs = env->procfs;
        *ret_state = s;
        return 0;
}

static void filefd_free(void *state) {
        struct filefd_state *s = state;
        if (!s)
                return;
        optional_file_close(&s->file_nr);
        buf_free(&s->file);
        free(s);
}

static int filefd_collect(void *state, struct collect_ctx *ctx) {
        struct filefd_state *s = state;
        int r = optional_file_read(&s->file_nr, s->procfs, "sys/fs/file-nr", true, FILE_MAX_SMALL, &s->file);
        if (r < 0)
                return r;
        struct lines lines = lines_of(&s->file, NULL);
        const char *line;
        size_t len;
        struct field f[4];
        uint64_t allocated, unused, maximum;
        /* "768\t0\t2466170": one line of three numbers */
        if (!lines_next(&lines, &line, &len) || split_fields(line, len, f, 3) != 3 ||
            parse_u64_field(f[0], &allocated) < 0 || parse_u64_field(f[1], &unused) < 0 ||
            parse_u64_field(f[2], &maximum) < 0) {
                ctx->parse_errors++;
                return -EINVAL;
        }
        (void) metric_set_family(ctx->set, &allocated_desc);
        (void) metric_set_sample0(ctx->set, (double) allocated);
        (void) metric_set_family(ctx->set, &maximum_desc);
        (void) metric_set_sample0(ctx->set, (double) maximum);
        return ctx->set->error;
}

const struct collector filefd_collector = {
        .name = "filefd",
        .help = "Allocated and maximum file handles, from /proc/sys/fs/file-nr",
        .default_enabled = true,
        .init = filefd_init,
        .collect = filefd_collect,
        .free = filefd_free,
};
