/* gzip encoding through libdeflate rather than zlib: whole-buffer
 * compression is what a scrape needs, and on a 36 kB exposition libdeflate
 * at level 1 takes about half of zlib's CPU at its level 1 for a smaller
 * result (tests/bench/RESULTS.md). Level 1: metrics text compresses about
 * as well as at higher levels for a fraction of the CPU, and CPU is what
 * this agent saves. */
#include "gzip.h"

#include <errno.h>
#include <libdeflate.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int gzip_compress(struct gzip_encoder *g, const void *in, size_t len, struct buf *out) {
        if (!g->c) {
                g->c = libdeflate_alloc_compressor(1);
                if (!g->c)
                        return -ENOMEM;
        }
        buf_reset(out);
        int r = buf_reserve_slack(out, libdeflate_gzip_compress_bound(g->c, len));
        if (r < 0)
                return r;
        /* never 0 with room for the bound */
        size_t n = libdeflate_gzip_compress(g->c, in, len, out->data, out->cap - 1);
        if (n == 0)
                return -ENOBUFS;
        out->len = n;
        out->data[n] = '\0';
        return 0;
}

void gzip_encoder_free(struct gzip_encoder *g) {
        libdeflate_free_compressor(g->c); /* accepts NULL */
        g->c = NULL;
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
