/* udp_queues: the bytes waiting in the send and receive queues of every
 * UDP socket, summed, from /proc/net/udp and /proc/net/udp6, as
 * node_exporter 1.5: node_udp_queues{ip="v4"|"v6",queue="tx"|"rx"}. A
 * kernel without IPv6 has no udp6: the v4 series alone.
 *
 * Each of the two files walks the whole UDP hash table (16,384 slots or
 * more, most of them empty) at every read: 6% of a scrape's CPU with the
 * 45 default collectors on a small VM. When /proc/net/sockstat says the
 * family has no socket in use ("UDP: inuse 0"; the count the kernel keeps
 * as it hashes and unhashes a socket, the very sockets the file lists),
 * the sums are 0 without the walk. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "collector.h"
#include "optional_file.h"
#include "parse.h"
#include "parse_hex.h"
#include "scrape_cache.h"

static const char *const udp_labels[] = {"ip", "queue"};
static const struct metric_desc udp_queues_desc = {
        "node_udp_queues", "Number of allocated memory in the kernel for UDP datagrams in bytes.", METRIC_GAUGE, 2,
        udp_labels};

struct udp_queues_state {
        const char *procfs;
        struct optional_file files[2]; /* udp, udp6 */
        struct buf file;
};

static int udp_queues_init(const struct collector_env *env, _unused_ const struct config_section *section,
                           _unused_ struct diag *diag, void **ret_state) {
        struct udp_queues_state *s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        s->procfs = env->procfs;
        *ret_state = s;
        return 0;
}

static void udp_queues_free(void *state) {
        struct udp_queues_state *s = state;
        if (!s)
                return;
        for (size_t i = 0; i < ELEMENTSOF(s->files); i++)
                optional_file_close(&s->files[i]);
        buf_free(&s->file);
        free(s);
}

/* "A:B" as two hex numbers; a_digits, when not 0, is the length A must have. */
static bool hex_pair(struct field f, size_t a_digits, uint64_t *a, uint64_t *b) {
        const char *colon = memchr(f.s, ':', f.n);
        if (!colon)
                return false;
        size_t an = (size_t) (colon - f.s);
        if (a_digits != 0 && an != a_digits)
                return false;
        /* an address is wider than 64 bits: its digits are checked in pieces */
        for (size_t i = 0; i < an; i += 16)
                if (parse_hex_u64(f.s + i, an - i < 16 ? an - i : 16, a) < 0)
                        return false;
        return parse_hex_u64(colon + 1, f.n - an - 1, b) == 0;
}

/* The summed queues of one file in s->file. */
static void udp_queues_sum(struct udp_queues_state *s, struct collect_ctx *ctx, bool ipv6, uint64_t *tx, uint64_t *rx) {
        struct lines lines = lines_of(&s->file, &ctx->parse_errors);
        const char *line;
        size_t len;
        size_t addr_digits = ipv6 ? 32 : 8;
        *tx = *rx = 0;
        /* "sl local_address rem_address st tx_queue rx_queue ...": the header */
        if (!lines_next(&lines, &line, &len))
                return;
        while (lines_next(&lines, &line, &len)) {
                /* "0: 00000000:0044 00000000:0000 07 00000000:00000000 00:00000000 00000000 0 0 12345 2 ..." */
                struct field f[10];
                uint64_t sl, st, t = 0, r = 0, uid, inode, x, y;
                /* and the columns past inode */
                bool ok = split_leading_fields(line, len, f, 10) && f[0].n >= 2 && f[0].s[f[0].n - 1] == ':' &&
                          parse_u64(f[0].s, f[0].n - 1, &sl) == 0 && hex_pair(f[1], addr_digits, &x, &y) &&
                          hex_pair(f[2], addr_digits, &x, &y) && parse_hex_u64_field(f[3], &st) == 0 &&
                          hex_pair(f[4], 0, &t, &r) && parse_u64_field(f[7], &uid) == 0 &&
                          parse_u64_field(f[9], &inode) == 0;
                if (!ok) {
                        ctx->parse_errors++;
                        continue;
                }
                *tx += t;
                *rx += r;
        }
}

/* Whether sockstat says family i has no UDP socket in use, once its udp
 * file has been found (a host without IPv6 lacks both). Any doubt (no
 * sockstat, no such line, a line that does not parse): read the table.
 * The sockstat files come through the scrape cache, read once for this
 * and the sockstat collector. */
static bool udp_queues_none_in_use(struct udp_queues_state *s, struct collect_ctx *ctx, size_t i) {
        static const char *const rels[] = {"net/sockstat", "net/sockstat6"};
        static const char *const keys[] = {"UDP:", "UDP6:"};
        const struct buf *file;
        if (!s->files[i].kf.open || scrape_cache_file(ctx->cache, s->procfs, rels[i], true, FILE_MAX_SMALL, &file) < 0)
                return false;
        struct lines lines = lines_of(file, NULL);
        const char *line;
        size_t len;
        while (lines_next(&lines, &line, &len)) {
                /* "UDP: inuse 3 mem 1" */
                struct field f[3];
                uint64_t inuse;
                if (split_leading_fields(line, len, f, 3) && field_eq(f[0], keys[i], strlen(keys[i])))
                        return field_eq(f[1], "inuse", 5) && parse_u64_field(f[2], &inuse) == 0 && inuse == 0;
        }
        return false;
}

static int udp_queues_collect(void *state, struct collect_ctx *ctx) {
        struct udp_queues_state *s = state;
        static const char *const rels[] = {"net/udp", "net/udp6"};
        static const char *const ips[] = {"v4", "v6"};
        int result = -ENOENT;
        for (size_t i = 0; i < ELEMENTSOF(rels); i++) {
                /* a line a socket: 128 bytes in net/udp (padded), about 210
                 * at most in net/udp6 */
                uint64_t tx = 0, rx = 0;
                bool none = udp_queues_none_in_use(s, ctx, i);
                int r = none ? 0
                             : optional_file_read_records(&s->files[i], s->procfs, rels[i], 256, FILE_MAX_TABLE,
                                                          &s->file);
                if (r == -ENOENT)
                        continue;
                if (r < 0)
                        return r;
                if (!none)
                        udp_queues_sum(s, ctx, i == 1, &tx, &rx);
                if (result < 0)
                        (void) metric_set_family(ctx->set, &udp_queues_desc);
                (void) metric_set_sample2(ctx->set, (double) rx, ips[i], "rx");
                (void) metric_set_sample2(ctx->set, (double) tx, ips[i], "tx");
                result = 0;
        }
        if (result < 0)
                return result;
        return ctx->set->error;
}

const struct collector udp_queues_collector = {
        .name = "udp_queues",
        .help = "Bytes queued in UDP sockets, from /proc/net/udp and udp6",
        .default_enabled = true,
        .init = udp_queues_init,
        .collect = udp_queues_collect,
        .free = udp_queues_free,
};
