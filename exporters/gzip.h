/* gzip for /metrics responses (Prometheus always sends Accept-Encoding:
 * gzip), through libdeflate with one compressor reused across responses. */
#pragma once

#include <stdbool.h>

#include "buf.h"

struct libdeflate_compressor;

struct gzip_encoder {
        struct libdeflate_compressor *c; /* made at the first response */
};

/* Replaces out with the gzip member of in[0..len); 0 or a negative errno. */
int gzip_compress(struct gzip_encoder *g, const void *in, size_t len, struct buf *out);
void gzip_encoder_free(struct gzip_encoder *g);

/* Whether an Accept-Encoding header value accepts gzip (q > 0). */
bool gzip_accepted(const char *accept_encoding);
