/* meminfo: /proc/meminfo as node_memory_<Field>_bytes (kB fields) or
 * node_memory_<Field> (counts such as HugePages_Total), as node_exporter.
 * "Active(anon)" becomes "Active_anon". */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "collector.h"
#include "desc_cache.h"
#include "fileio.h"
#include "meminfo_key.h"
#include "parse.h"

/* The descriptor of the k-th line, kept from the last scrape: the file
 * lists the same fields in the same order every time, so a scrape finds
 * its descriptors by comparing a few bytes, without formatting names. */
struct meminfo_line {
        char field[64]; /* "Active(anon):" as read */
        bool kb;
        const struct metric_desc *desc;
};

struct meminfo_state {
        const char *procfs;
        struct kernel_file meminfo_file;
        struct buf file;
        struct desc_cache descs;
        struct meminfo_line *lines;
        size_t cap_lines;
};

static int meminfo_init(const struct collector_env *env, _unused_ const struct config_section *section,
                        _unused_ struct diag *diag, void **ret_state) {
        struct meminfo_state *s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        s->procfs = env->procfs;
        *ret_state = s;
        return 0;
}

static void meminfo_free(void *state) {
        struct meminfo_state *s = state;
        if (!s)
                return;
        kernel_file_close(&s->meminfo_file);
        buf_free(&s->file);
        desc_cache_free(&s->descs);
        free(s->lines);
        free(s);
}

static int meminfo_collect(void *state, struct collect_ctx *ctx) {
        struct meminfo_state *s = state;
        int r = kernel_file_read_one_piece(&s->meminfo_file, s->procfs, "meminfo", FILE_MAX_SMALL, &s->file);
        if (r < 0)
                return r;

        struct lines lines = lines_of(&s->file, &ctx->parse_errors);
        const char *line;
        size_t len, k = 0;
        unsigned emitted = 0;
        struct metric_mark first = metric_set_mark(ctx->set);
        while (lines_next(&lines, &line, &len)) {
                struct field f[3];
                int n = split_fields(line, len, f, 3);
                if (n == 0)
                        continue;
                uint64_t v;
                bool kb = n == 3 && FIELD_EQ(f[2], "kB");
                if ((n != 2 && !kb) || parse_u64_field(f[1], &v) < 0) {
                        ctx->parse_errors++;
                        continue;
                }
                if (array_reserve((void **) &s->lines, &s->cap_lines, k + 1, sizeof(*s->lines)) < 0)
                        return -ENOMEM;
                struct meminfo_line *ml = &s->lines[k];
                if (!ml->desc || ml->kb != kb || f[0].n >= sizeof(ml->field) || strlen(ml->field) != f[0].n ||
                    memcmp(ml->field, f[0].s, f[0].n) != 0) {
                        char key[96], name[128], help[160];
                        if (f[0].n >= sizeof(ml->field) || !meminfo_key(f[0], key, sizeof(key))) {
                                ctx->parse_errors++;
                                continue;
                        }
                        (void) snprintf(name, sizeof(name), "node_memory_%s%s", key, kb ? "_bytes" : "");
                        (void) snprintf(help, sizeof(help), "Memory information field %s%s.", key, kb ? "_bytes" : "");
                        ml->desc = desc_cache_get(&s->descs, name, help, METRIC_GAUGE, 0, NULL);
                        if (!ml->desc)
                                return -ENOMEM;
                        memcpy(ml->field, f[0].s, f[0].n);
                        ml->field[f[0].n] = '\0';
                        ml->kb = kb;
                }
                /* a field listed twice would be a duplicate series */
                if (metric_set_has_family_since(ctx->set, first, ml->desc)) {
                        ctx->parse_errors++;
                        continue;
                }
                k++;
                (void) metric_set_family(ctx->set, ml->desc);
                (void) metric_set_sample0(ctx->set, kb ? (double) v * 1024 : (double) v);
                emitted++;
        }
        if (emitted == 0)
                return -EINVAL;
        return ctx->set->error;
}

const struct collector meminfo_collector = {
        .name = "meminfo",
        .help = "Memory statistics, from /proc/meminfo",
        .default_enabled = true,
        .init = meminfo_init,
        .collect = meminfo_collect,
        .free = meminfo_free,
};
