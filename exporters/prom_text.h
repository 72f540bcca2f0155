/* The Prometheus text exposition format 0.0.4. Families come out sorted by
 * name (as node_exporter's do), and entries of one name from several
 * places are merged under a single HELP/TYPE. */
#pragma once

#include "buf.h"
#include "metric.h"

#define PROM_TEXT_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

/* The text the last encoding wrote before the value of its j-th sample
 * ("name{label=\"value\"} ", after the family's HELP and TYPE lines for
 * the first sample of a name), and what it was made from. */
struct prom_prefix {
        const struct metric_desc *desc;
        const char *help;            /* the descriptor's then, where header */
        uint32_t text, text_len;     /* in prom_encoder.prefix_text */
        uint32_t labels, labels_len; /* the raw label values, in prom_encoder.prefix_labels */
        uint32_t n_labels;           /* the descriptor's then: one changed in place is not the same series */
        uint8_t suffix;
        uint8_t type; /* the descriptor's then, where header */
        bool header;  /* text starts with the HELP and TYPE lines */
};

/* Scratch space reused from one encoding to the next. */
struct prom_encoder {
        size_t *order;
        size_t cap;
        /* the descriptors of the last set, in collection order: a set with
         * the same ones (every steady-state scrape) reuses the order */
        const struct metric_desc **last;
        size_t n_last, cap_last;
        uint64_t desc_generation; /* metric_desc_generation() when last and prefixes were made */
        size_t last_len;          /* bytes the last set took, reserved up front */
        /* A series seen again at the same place copies its text from here
         * rather than escaping its labels anew: one scrape's series are
         * the last one's, but for their values. */
        struct prom_prefix *prefixes;
        size_t n_prefixes, cap_prefixes;
        struct buf prefix_text, prefix_labels;
        struct buf spare_text, spare_labels; /* where the two are compacted */
};

/* Appends the exposition of set to out; 0 or -ENOMEM. */
int prom_text_encode(struct prom_encoder *enc, const struct metric_set *set, struct buf *out);
void prom_encoder_free(struct prom_encoder *enc);

/* The pieces, exposed for tests. */
void prom_put_value(struct buf *out, double v);
void prom_put_label_value(struct buf *out, const char *s);
void prom_put_help(struct buf *out, const char *s);
