/* buddyinfo (off by default, as in node_exporter 1.5): the free blocks of
 * each order of each memory zone, from /proc/buddyinfo, as
 * node_buddyinfo_blocks{node,zone,size}, size being the order. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "collector.h"
#include "optional_file.h"
#include "parse.h"

static const char *const buddyinfo_labels[] = {"node", "zone", "size"};
static const struct metric_desc blocks_desc = {"node_buddyinfo_blocks", "Count of free blocks according to size.",
                                               METRIC_GAUGE, 3, buddyinfo_labels};

/* the kernel's MAX_ORDER is 11 on most machines, more on some */
#define BUDDY_ORDERS_MAX 64
#define BUDDY_NAME_MAX 32

struct buddy_zone {
        char node[BUDDY_NAME_MAX], zone[BUDDY_NAME_MAX];
};

struct buddyinfo_state {
        const char *procfs;
        struct optional_file file_src;
        struct buf file;
        struct buddy_zone *zones; /* this scrape's, to leave a repeat out */
        size_t n_zones, cap_zones;
};

static int buddyinfo_init(const struct collector_env *env, _unused_ const struct config_section *section,
                          _unused_ struct diag *diag, void **ret_state) {
        struct buddyinfo_state *s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        s->procfs = env->procfs;
        *ret_state = s;
        return 0;
}

static void buddyinfo_free(void *state) {
        struct buddyinfo_state *s = state;
        if (!s)
                return;
        optional_file_close(&s->file_src);
        buf_free(&s->file);
        free(s->zones);
        free(s);
}

/* f without the trailing comma the kernel writes after the node: false if
 * it does not fit. */
static bool buddyinfo_name(struct field f, char out[BUDDY_NAME_MAX]) {
        if (f.n > 0 && f.s[f.n - 1] == ',')
                f.n--;
        if (f.n == 0 || f.n >= BUDDY_NAME_MAX)
                return false;
        memcpy(out, f.s, f.n);
        out[f.n] = '\0';
        return true;
}

static bool buddyinfo_listed(const struct buddyinfo_state *s, const struct buddy_zone *z) {
        for (size_t i = 0; i < s->n_zones; i++)
                if (strcmp(s->zones[i].node, z->node) == 0 && strcmp(s->zones[i].zone, z->zone) == 0)
                        return true;
        return false;
}

static int buddyinfo_collect(void *state, struct collect_ctx *ctx) {
        struct buddyinfo_state *s = state;
        int r = optional_file_read(&s->file_src, s->procfs, "buddyinfo", false, FILE_MAX_SMALL, &s->file);
        if (r < 0)
                return r;
        struct lines lines = lines_of(&s->file, &ctx->parse_errors);
        const char *line;
        size_t len;
        int orders = -1; /* every zone has as many orders, as node_exporter checks */
        s->n_zones = 0;
        (void) metric_set_family(ctx->set, &blocks_desc);
        while (lines_next(&lines, &line, &len)) {
                /* "Node 0, zone   Normal   4381   1093 ..." */
                struct field f[4 + BUDDY_ORDERS_MAX];
                int n = split_fields(line, len, f, ELEMENTSOF(f));
                if (n == 0)
                        continue;
                if (array_reserve((void **) &s->zones, &s->cap_zones, s->n_zones + 1, sizeof(*s->zones)) < 0)
                        return -ENOMEM;
                struct buddy_zone *z = &s->zones[s->n_zones];
                uint64_t v[BUDDY_ORDERS_MAX];
                bool ok = n > 4 && FIELD_EQ(f[0], "Node") && FIELD_EQ(f[2], "zone") && buddyinfo_name(f[1], z->node) &&
                          buddyinfo_name(f[3], z->zone) && (orders < 0 || n - 4 == orders) && !buddyinfo_listed(s, z);
                for (int i = 4; ok && i < n; i++)
                        ok = parse_u64_field(f[i], &v[i - 4]) == 0;
                if (!ok) {
                        ctx->parse_errors++;
                        continue;
                }
                orders = n - 4;
                s->n_zones++;
                for (int i = 0; i < orders; i++) {
                        char size[12]; /* any int */
                        (void) snprintf(size, sizeof(size), "%d", i);
                        const char *values[] = {z->node, z->zone, size};
                        (void) metric_set_sample(ctx->set, (double) v[i], values);
                }
        }
        return ctx->set->error;
}

const struct collector buddyinfo_collector = {
        .name = "buddyinfo",
        .help = "Free memory blocks of each order per zone, from /proc/buddyinfo (off by default)",
        .default_enabled = false,
        .init = buddyinfo_init,
        .collect = buddyinfo_collect,
        .free = buddyinfo_free,
};
