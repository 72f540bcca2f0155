/* gzip encoding. Level 1: metrics text compresses about as well as at
 * level 6 for a fraction of the CPU, and CPU is what this agent saves. */
#include "gzip.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int gzip_compress(struct gzip_encoder *g, const void *in, size_t len, struct buf *out) {
        if (!g->ready) {
                /* 15 + 16: a gzip wrapper rather than zlib's */
                if (deflateInit2(&g->zs, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
                        return -ENOMEM;
                g->ready = true;
        } else if (deflateReset(&g->zs) != Z_OK)
                return -EINVAL;

        buf_reset(out);
        if (len > UINT32_MAX)
                return -E2BIG;
        int r = buf_reserve_slack(out, deflateBound(&g->zs, (uLong) len));
        if (r < 0)
                return r;
        g->zs.next_in = (Bytef *) (uintptr_t) in;
        g->zs.avail_in = (uInt) len;
        g->zs.next_out = (Bytef *) out->data;
        g->zs.avail_out = (uInt) (out->cap - 1);
        if (deflate(&g->zs, Z_FINISH) != Z_STREAM_END)
                return -EINVAL;
        out->len = g->zs.total_out;
        return 0;
}

void gzip_encoder_free(struct gzip_encoder *g) {
        if (g->ready)
                (void) deflateEnd(&g->zs);
        g->ready = false;
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
