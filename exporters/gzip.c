/* gzip encoding through ISA-L's igzip. The exposition is much the same
 * text from one scrape to the next, so the Huffman codes built from one
 * body's symbol counts fit the next ones too: igzip's level 0 with such a
 * table (refreshed every TABLE_BODIES bodies) gives level 1's size at
 * level 0's speed. On this agent's 36 kB exposition (tests/bench/bench_gzip.c,
 * tests/bench/RESULTS.md): about 45 us, against 57 us for level 1 and
 * 200 us or more for zlib's fastest level, for a body 5% smaller than
 * zlib's. CPU per scrape is what this agent saves, and gzip was the
 * largest part of it. */
#include "gzip.h"

#include <errno.h>
#include <isa-l/igzip_lib.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* How many bodies one table serves before it is made again from the body
 * at hand: making it costs about three compressions, and the symbols of an
 * exposition drift only as interfaces, mounts or values change. Every
 * symbol has a code in the table, so any body compresses with it; only
 * its size depends on the table being recent. */
#define TABLE_BODIES 128

struct gzip_state {
        struct isal_zstream zs;
        struct isal_hufftables table;
        struct isal_huff_histogram hist; /* kept: making a table allocates nothing */
        unsigned table_uses;             /* bodies compressed since the table was made */
};

static void make_table(struct gzip_state *s, const void *in, size_t len) {
        memset(&s->hist, 0, sizeof(s->hist));
        isal_update_histogram((uint8_t *) (uintptr_t) in, (int) len, &s->hist);
        /* every literal, length and distance gets a code, present or not */
        if (isal_create_hufftables(&s->table, &s->hist) != 0) {
                /* cannot happen with a full histogram; igzip's own table then */
                isal_deflate_stateless_init(&s->zs);
                s->table = *s->zs.hufftables;
        }
        s->table_uses = 0;
}

/* One stateless compression into out's capacity; STATELESS_OVERFLOW when
 * the body does not fit. */
static int compress_into(struct gzip_state *s, const void *in, size_t len, struct buf *out) {
        isal_deflate_stateless_init(&s->zs);
        s->zs.level = 0;
        s->zs.hufftables = &s->table;
        s->zs.gzip_flag = IGZIP_GZIP;
        s->zs.next_in = (uint8_t *) (uintptr_t) in;
        s->zs.avail_in = (uint32_t) len;
        s->zs.next_out = (uint8_t *) out->data;
        s->zs.avail_out = (uint32_t) (out->cap - 1);
        s->zs.end_of_stream = 1;
        s->zs.flush = NO_FLUSH;
        return isal_deflate_stateless(&s->zs);
}

int gzip_compress(struct gzip_encoder *g, const void *in, size_t len, struct buf *out) {
        if (len > UINT32_MAX / 2)
                return -E2BIG;
        if (!g->s) {
                /* zeroed: igzip reads its hash table before it wrote all of it
                 * (and checks every candidate match), which valgrind reports
                 * when the table starts uninitialised */
                g->s = calloc(1, sizeof(*g->s));
                if (!g->s)
                        return -ENOMEM;
                g->s->table_uses = TABLE_BODIES;
        }
        if (g->s->table_uses++ >= TABLE_BODIES)
                make_table(g->s, in, len);
        buf_reset(out);
        /* room for about the last body (the exposition changes little from
         * one scrape to the next); room for anything if that overflows:
         * stored blocks cost 5 bytes in 64 kB, the gzip wrapper 18 */
        int r = buf_reserve_slack(out, g->last_len + ISAL_DEF_MAX_HDR_SIZE + 1024);
        if (r < 0)
                return r;
        r = compress_into(g->s, in, len, out);
        if (r == STATELESS_OVERFLOW) {
                r = buf_reserve(out, len + len / 64 + ISAL_DEF_MAX_HDR_SIZE + 1024);
                if (r < 0)
                        return r;
                r = compress_into(g->s, in, len, out);
        }
        if (r != COMP_OK)
                return -ENOBUFS;
        out->len = g->s->zs.total_out;
        out->data[out->len] = '\0';
        g->last_len = out->len;
        return 0;
}

void gzip_encoder_free(struct gzip_encoder *g) {
        free(g->s);
        *g = (struct gzip_encoder){0};
}

bool gzip_accepted(const char *h) {
        if (!h)
                return false;
        /* A comma-separated list of "coding[;q=x]". An explicit gzip entry
         * decides; otherwise "*" does (RFC 9110 12.5.3). */
        double gzip_q = -1, star_q = -1;
        while (*h) {
                h += strspn(h, " \t,");
                size_t n = strcspn(h, ",;");
                size_t tok = n;
                while (tok > 0 && (h[tok - 1] == ' ' || h[tok - 1] == '\t'))
                        tok--;
                const char *p = h + n;
                double q = 1;
                if (*p == ';') {
                        p++;
                        p += strspn(p, " \t");
                        if ((p[0] == 'q' || p[0] == 'Q') && p[1] == '=')
                                q = strtod(p + 2, NULL);
                        p += strcspn(p, ",");
                }
                if (tok == 4 && strncasecmp(h, "gzip", 4) == 0)
                        gzip_q = q;
                else if (tok == 1 && h[0] == '*')
                        star_q = q;
                h = p;
        }
        return gzip_q >= 0 ? gzip_q > 0 : star_q > 0;
}
