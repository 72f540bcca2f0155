/* The Prometheus text exposition format 0.0.4. Families come out sorted by
 * name (as node_exporter's do), and entries of one name from several
 * places are merged under a single HELP/TYPE. */
#pragma once

#include "buf.h"
#include "metric.h"

#define PROM_TEXT_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

/* Scratch space reused from one encoding to the next. */
struct prom_encoder {
        size_t *order;
        size_t cap;
        /* the descriptors of the last set, in collection order: a set with
         * the same ones (every steady-state scrape) reuses the order */
        const struct metric_desc **last;
        size_t n_last;
        size_t last_len; /* bytes the last set took, reserved up front */
};

/* Appends the exposition of set to out; 0 or -ENOMEM. */
int prom_text_encode(struct prom_encoder *enc, const struct metric_set *set, struct buf *out);
void prom_encoder_free(struct prom_encoder *enc);

/* The pieces, exposed for tests. */
void prom_put_value(struct buf *out, double v);
void prom_put_label_value(struct buf *out, const char *s);
void prom_put_help(struct buf *out, const char *s);
