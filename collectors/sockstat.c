/* sockstat: socket counts and memory per protocol, from /proc/net/sockstat
 * and /proc/net/sockstat6, as node_exporter 1.5: node_sockstat_sockets_used
 * and node_sockstat_<PROTOCOL>_<key> for each of inuse, orphan, tw, alloc,
 * mem and memory a line has (inuse always), plus <PROTOCOL>_mem_bytes, mem
 * counted in bytes rather than pages. A kernel without IPv6 has no
 * sockstat6: the IPv4 file alone is exported. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "array.h"
#include "collector.h"
#include "desc_cache.h"
#include "parse.h"
#include "scrape_cache.h"

#define MAX_PAIRS 8 /* key/value pairs on a line; the kernel prints at most five */
#define MAX_OUT 7   /* the known keys and mem_bytes */

static const struct metric_desc sockets_used_desc = {"node_sockstat_sockets_used", "Number of IPv4 sockets in use.",
                                                     METRIC_GAUGE, 0, NULL};

/* the keys node_exporter exports, in its order */
static const char *const sockstat_keys[] = {"inuse", "orphan", "tw", "alloc", "mem", "memory"};

enum { VALUE_ZERO = -1, VALUE_MEM_BYTES = -2 };

/* What a line of the last scrape gave, kept with its protocol and key
 * names: the kernel prints the same lines every time, so a scrape
 * compares them and formats no family name. */
struct sockstat_line {
        char skeleton[160]; /* "TCP\0inuse\0orphan\0...": the line without its values */
        size_t skeleton_len;
        bool bad;     /* a key listed twice: skipped and counted at every scrape */
        bool sockets; /* the "sockets: used N" line */
        unsigned n_out;
        const struct metric_desc *descs[MAX_OUT];
        int values[MAX_OUT]; /* the field giving each value, or VALUE_* */
        int mem_at;          /* the field of mem, for mem_bytes */
};

struct sockstat_state {
        const char *procfs;
        double page_size;
        struct desc_cache descs;
        struct sockstat_line *lines;
        size_t cap_lines;
};

static int sockstat_init(const struct collector_env *env, _unused_ const struct config_section *section,
                         _unused_ struct diag *diag, void **ret_state) {
        struct sockstat_state *s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        s->procfs = env->procfs;
        s->page_size = (double) sysconf(_SC_PAGESIZE);
        *ret_state = s;
        return 0;
}

static void sockstat_free(void *state) {
        struct sockstat_state *s = state;
        if (!s)
                return;
        desc_cache_free(&s->descs);
        free(s->lines);
        free(s);
}

static bool protocol_valid(struct field f) {
        if (f.n < 2 || f.s[f.n - 1] != ':')
                return false;
        for (size_t i = 0; i + 1 < f.n; i++) {
                char c = f.s[i];
                if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'))
                        return false;
        }
        return true;
}

/* The families of a line whose protocol and keys are new. */
static int sockstat_line_build(struct sockstat_state *s, struct sockstat_line *l, const struct field *f, size_t n) {
        l->n_out = 0;
        l->bad = false;
        l->mem_at = VALUE_ZERO;
        struct field proto = {f[0].s, f[0].n - 1};
        l->sockets = FIELD_EQ(proto, "sockets");
        if (l->sockets) {
                l->descs[0] = &sockets_used_desc;
                l->values[0] = VALUE_ZERO;
                for (size_t p = 1; p < n; p += 2)
                        if (FIELD_EQ(f[p], "used")) {
                                l->bad |= l->values[0] != VALUE_ZERO;
                                l->values[0] = (int) (p + 1);
                        }
                l->n_out = 1;
                return 0;
        }
        for (size_t k = 0; k < ELEMENTSOF(sockstat_keys); k++) {
                int value = VALUE_ZERO;
                for (size_t p = 1; p < n; p += 2)
                        if (field_eq(f[p], sockstat_keys[k], strlen(sockstat_keys[k]))) {
                                l->bad |= value != VALUE_ZERO;
                                value = (int) (p + 1);
                        }
                if (value == VALUE_ZERO && k > 0)
                        continue; /* inuse is always there, 0 when the line lacks it */
                if (k == 4)
                        l->mem_at = value;
                char name[128], help[160];
                (void) snprintf(name, sizeof(name), "node_sockstat_%.*s_%s", (int) proto.n, proto.s, sockstat_keys[k]);
                (void) snprintf(help, sizeof(help), "Number of %.*s sockets in state %s.", (int) proto.n, proto.s,
                                sockstat_keys[k]);
                l->values[l->n_out] = value;
                if (!(l->descs[l->n_out++] = desc_cache_get(&s->descs, name, help, METRIC_GAUGE, 0, NULL)))
                        return -ENOMEM;
        }
        if (l->mem_at >= 0) {
                char name[128], help[160];
                (void) snprintf(name, sizeof(name), "node_sockstat_%.*s_mem_bytes", (int) proto.n, proto.s);
                (void) snprintf(help, sizeof(help), "Number of %.*s sockets in state mem_bytes.", (int) proto.n,
                                proto.s);
                l->values[l->n_out] = VALUE_MEM_BYTES;
                if (!(l->descs[l->n_out++] = desc_cache_get(&s->descs, name, help, METRIC_GAUGE, 0, NULL)))
                        return -ENOMEM;
        }
        return 0;
}

/* The lines of one file; *k counts the lines of both files. */
static int sockstat_parse(struct sockstat_state *s, struct collect_ctx *ctx, const struct buf *file, bool ipv6,
                          struct metric_mark first, size_t *k) {
        struct lines lines = lines_of(file, &ctx->parse_errors);
        const char *line;
        size_t len;
        while (lines_next(&lines, &line, &len)) {
                struct field f[2 * MAX_PAIRS + 1];
                int r_split = split_fields(line, len, f, 2 * MAX_PAIRS + 1);
                if (r_split == 0)
                        continue;
                /* "TCP: inuse 4 orphan 0 tw 0 alloc 4 mem 128"; more pairs than
                 * MAX_PAIRS (-E2BIG) is garbage */
                size_t n = r_split < 0 ? 0 : (size_t) r_split;
                uint64_t v[2 * MAX_PAIRS + 1];
                bool ok = n >= 3 && n % 2 == 1 && protocol_valid(f[0]);
                for (size_t p = 2; p < n && ok; p += 2)
                        ok = parse_u64_field(f[p], &v[p]) == 0;
                char skeleton[160];
                size_t sk = 0;
                for (size_t p = 0; p < n && ok; p += p == 0 ? 1 : 2) {
                        size_t w = p == 0 ? f[0].n - 1 : f[p].n;
                        ok = sk + w + 1 <= sizeof(skeleton);
                        if (ok) {
                                memcpy(skeleton + sk, f[p].s, w);
                                skeleton[sk + w] = '\0';
                                sk += w + 1;
                        }
                }
                if (!ok) {
                        ctx->parse_errors++;
                        continue;
                }
                if (array_reserve((void **) &s->lines, &s->cap_lines, *k + 1, sizeof(*s->lines)) < 0)
                        return -ENOMEM;
                struct sockstat_line *l = &s->lines[(*k)++];
                if (l->skeleton_len != sk || memcmp(l->skeleton, skeleton, sk) != 0) {
                        l->skeleton_len = 0;
                        int r = sockstat_line_build(s, l, f, n);
                        if (r < 0)
                                return r;
                        memcpy(l->skeleton, skeleton, sk);
                        l->skeleton_len = sk;
                }
                if (l->sockets && ipv6)
                        continue; /* node_exporter reads sockets_used from the IPv4 file only */
                /* a protocol listed twice would be duplicate series */
                if (l->bad || metric_set_has_family_since(ctx->set, first, l->descs[0])) {
                        ctx->parse_errors++;
                        continue;
                }
                for (unsigned o = 0; o < l->n_out; o++) {
                        int at = l->values[o];
                        double value = at >= 0                 ? (double) v[at]
                                       : at == VALUE_MEM_BYTES ? (double) v[l->mem_at] * s->page_size
                                                               : 0;
                        (void) metric_set_family(ctx->set, l->descs[o]);
                        (void) metric_set_sample0(ctx->set, value);
                }
        }
        return 0;
}

static int sockstat_collect(void *state, struct collect_ctx *ctx) {
        struct sockstat_state *s = state;
        static const char *const rels[] = {"net/sockstat", "net/sockstat6"};
        struct metric_mark first = metric_set_mark(ctx->set);
        size_t k = 0;
        int result = -ENOENT;
        for (size_t i = 0; i < ELEMENTSOF(rels); i++) {
                /* read through the scrape cache: udp_queues reads them too */
                const struct buf *file;
                int r = scrape_cache_file(ctx->cache, s->procfs, rels[i], true, FILE_MAX_SMALL, &file);
                if (r == -ENOENT)
                        continue;
                if (r < 0 || (r = sockstat_parse(s, ctx, file, i == 1, first, &k)) < 0)
                        return r;
                result = 0;
        }
        if (result < 0)
                return result;
        return ctx->set->error;
}

const struct collector sockstat_collector = {
        .name = "sockstat",
        .help = "Sockets in use and their memory per protocol, from /proc/net/sockstat and sockstat6",
        .default_enabled = true,
        .init = sockstat_init,
        .collect = sockstat_collect,
        .free = sockstat_free,
};
