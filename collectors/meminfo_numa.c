/* meminfo_numa (off by default, as in node_exporter 1.5): each NUMA
 * node's memory from /sys/devices/system/node/nodeN/meminfo as
 * node_memory_numa_<Field>{node} (kB made bytes, without node_memory's
 * _bytes suffix, as node_exporter names them) and its allocation counters
 * from nodeN/numastat as node_memory_numa_<counter>_total{node}. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collector.h"
#include "desc_cache.h"
#include "dirlist.h"
#include "meminfo_key.h"
#include "optional_file.h"
#include "sysfs_attr.h"

static const char *const node_label[] = {"node"};

struct meminfo_numa_state {
        char dir[PATH_MAX]; /* sysfs/devices/system/node */
        uint64_t missing_until_ns;
        struct dirlist nodes;
        struct buf file;
        struct desc_cache descs;
};

static int meminfo_numa_init(const struct collector_env *env, _unused_ const struct config_section *section,
                             _unused_ struct diag *diag, void **ret_state) {
        struct meminfo_numa_state *s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        if (path_join(s->dir, sizeof(s->dir), env->sysfs, "devices/system/node") < 0) {
                free(s);
                return -ENAMETOOLONG;
        }
        *ret_state = s;
        return 0;
}

static void meminfo_numa_free(void *state) {
        struct meminfo_numa_state *s = state;
        if (!s)
                return;
        dirlist_free(&s->nodes);
        buf_free(&s->file);
        desc_cache_free(&s->descs);
        free(s);
}

/* One sample of node_memory_numa_<key><suffix>{node}. */
static int meminfo_numa_sample(struct meminfo_numa_state *s, struct collect_ctx *ctx, struct metric_mark mark,
                               const char *key, const char *suffix, enum metric_type type, double v, const char *node) {
        char name[128], help[160];
        (void) snprintf(name, sizeof(name), "node_memory_numa_%s%s", key, suffix);
        (void) snprintf(help, sizeof(help), "Memory information field %s%s.", key, suffix);
        const struct metric_desc *desc = desc_cache_get(&s->descs, name, help, type, 1, node_label);
        if (!desc)
                return -ENOMEM;
        if (metric_set_has_family_since(ctx->set, mark, desc)) {
                ctx->parse_errors++;
                return 0;
        }
        (void) metric_set_family(ctx->set, desc);
        (void) metric_set_sample1(ctx->set, v, node);
        return 0;
}

/* node/file's lines into *ret: 1, 0 if it cannot be read, -ENOMEM. */
static int meminfo_numa_lines(struct meminfo_numa_state *s, const char *node, const char *file, struct collect_ctx *ctx,
                              struct lines *ret) {
        char rel[NAME_MAX + 16];
        (void) snprintf(rel, sizeof(rel), "%s/%s", node, file);
        int r = read_file_at(s->dir, rel, FILE_MAX_SMALL, &s->file);
        if (r < 0)
                return r == -ENOMEM ? r : 0;
        *ret = lines_of(&s->file, &ctx->parse_errors);
        return 1;
}

/* nodeN/meminfo: "Node 0 Active(anon):  171896 kB", labelled by the
 * node's number. A line naming another node than the directory's is
 * garbage, since that node's own file gives its series: taken, it would
 * make them twice; so the label is the directory's number, which every
 * line taken repeats. */
static int meminfo_numa_meminfo(struct meminfo_numa_state *s, const char *node, const char *number,
                                struct collect_ctx *ctx) {
        struct lines lines;
        int r = meminfo_numa_lines(s, node, "meminfo", ctx, &lines);
        if (r <= 0)
                return r;
        struct metric_mark mark = metric_set_mark(ctx->set);
        const char *line;
        size_t len;
        while (lines_next(&lines, &line, &len)) {
                struct field f[6];
                int n = split_fields(line, len, f, ELEMENTSOF(f));
                if (n == 0)
                        continue;
                char key[64];
                uint64_t v;
                bool kb = n == 5 && FIELD_EQ(f[4], "kB");
                if ((n != 4 && !kb) || !FIELD_EQ(f[0], "Node") || f[1].n != strlen(number) ||
                    memcmp(f[1].s, number, f[1].n) != 0 || !meminfo_key(f[2], key, sizeof(key)) ||
                    parse_u64_field(f[3], &v) < 0) {
                        ctx->parse_errors++;
                        continue;
                }
                r = meminfo_numa_sample(s, ctx, mark, key, "", METRIC_GAUGE, kb ? (double) v * 1024 : (double) v,
                                        number);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* nodeN/numastat: "numa_hit 123456", labelled by N. */
static int meminfo_numa_numastat(struct meminfo_numa_state *s, const char *node, const char *number,
                                 struct collect_ctx *ctx) {
        struct lines lines;
        int r = meminfo_numa_lines(s, node, "numastat", ctx, &lines);
        if (r <= 0)
                return r;
        struct metric_mark mark = metric_set_mark(ctx->set);
        const char *line;
        size_t len;
        while (lines_next(&lines, &line, &len)) {
                struct field f[3];
                int n = split_fields(line, len, f, ELEMENTSOF(f));
                if (n == 0)
                        continue;
                char key[64];
                uint64_t v;
                if (n != 2 || f[0].n >= sizeof(key) || parse_u64_field(f[1], &v) < 0) {
                        ctx->parse_errors++;
                        continue;
                }
                memcpy(key, f[0].s, f[0].n);
                key[f[0].n] = '\0';
                char name[128];
                (void) snprintf(name, sizeof(name), "node_memory_numa_%s_total", key);
                if (!metric_name_valid(name)) {
                        ctx->parse_errors++;
                        continue;
                }
                r = meminfo_numa_sample(s, ctx, mark, key, "_total", METRIC_COUNTER, (double) v, number);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int meminfo_numa_collect(void *state, struct collect_ctx *ctx) {
        struct meminfo_numa_state *s = state;
        int r = optional_dirlist_read(&s->missing_until_ns, &s->nodes, s->dir);
        if (r < 0)
                return r;
        for (size_t i = 0; i < s->nodes.n; i++) {
                const char *node = dirlist_name(&s->nodes, i);
                const char *number = sysfs_numbered_name(node, "node", 0);
                if (!number)
                        continue; /* online, possible, has_cpu... */
                r = meminfo_numa_meminfo(s, node, number, ctx);
                if (r < 0)
                        return r;
                r = meminfo_numa_numastat(s, node, number, ctx);
                if (r < 0)
                        return r;
        }
        return ctx->set->error;
}

const struct collector meminfo_numa_collector = {
        .name = "meminfo_numa",
        .help = "Each NUMA node's memory and allocation counters, from /sys/devices/system/node (off by default)",
        .default_enabled = false,
        .init = meminfo_numa_init,
        .collect = meminfo_numa_collect,
        .free = meminfo_numa_free,
};
