/* gzip for /metrics responses (Prometheus always sends Accept-Encoding:
 * gzip), through ISA-L's igzip with one state reused across responses. */
#pragma once

#include <stdbool.h>

#include "buf.h"

struct gzip_state;

struct gzip_encoder {
        struct gzip_state *s; /* made at the first response */
        size_t last_len;      /* the last body's size: the next one's first guess */
};

/* Replaces out with the gzip member of in[0..len); 0 or a negative errno. */
int gzip_compress(struct gzip_encoder *g, const void *in, size_t len, struct buf *out);
void gzip_encoder_free(struct gzip_encoder *g);

/* Whether an Accept-Encoding header value accepts gzip (q > 0). */
bool gzip_accepted(const char *accept_encoding);
