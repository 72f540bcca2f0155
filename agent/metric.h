/* The metric model (cmetrics-like): a family is {name, help, type, label
 * names}, declared once as a const descriptor; samples give label values
 * by position. A metric_set is what one scrape collected; it is reused
 * from scrape to scrape so that steady state allocates nothing. Encoders
 * (text for /metrics, protobuf for pushes) read it; only metric.c writes. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

enum metric_type { METRIC_GAUGE, METRIC_COUNTER, METRIC_UNTYPED, METRIC_HISTOGRAM, METRIC_SUMMARY };

/* What follows the family name in a sample's name: histograms and summaries
 * (from textfiles) have _bucket, _sum and _count series. */
enum metric_suffix { METRIC_SUFFIX_NONE, METRIC_SUFFIX_BUCKET, METRIC_SUFFIX_SUM, METRIC_SUFFIX_COUNT };

#define METRIC_MAX_LABELS 20

struct metric_desc {
        const char *name;
        const char *help;
        enum metric_type type;
        unsigned n_labels;
        const char *const *labels; /* n_labels label names */
};

/* A descriptor that is not static (desc_cache) may be freed once no set
 * being read points at it, and its address then reused for another one.
 * Whoever remembers descriptors by address from one set to the next (the
 * text encoder) forgets them when this count moves; it moves at each such
 * free, which is rare (a textfile family gone, a reload). A descriptor
 * changed in place (dmi's, whose labels are the attributes found) is one
 * retired too: its owner calls this. */
void metric_desc_retired(void);
uint64_t metric_desc_generation(void);

/* One family entry of a set: its samples are samples[first .. first+count). */
struct metric_family {
        const struct metric_desc *desc;
        uint32_t first;
        uint32_t count;
};

struct metric_sample {
        double value;
        uint32_t labels; /* offset in strings: desc->n_labels NUL-terminated values */
        uint8_t suffix;  /* enum metric_suffix */
};

struct metric_set {
        struct metric_family *families;
        size_t n_families, cap_families;
        struct metric_sample *samples;
        size_t n_samples, cap_samples;
        struct buf strings;
        int error; /* sticky: -ENOMEM, or -EINVAL for a sample with no family */
};

/* Where a set stood, to undo what a failing collector added. */
struct metric_mark {
        size_t n_families, n_samples, strings_len;
};

void metric_set_reset(struct metric_set *set);
void metric_set_free(struct metric_set *set);

/* Starts a family; the descriptor must outlive the set's use. */
int metric_set_family(struct metric_set *set, const struct metric_desc *desc);
/* Appends a sample to the family started last; values has desc->n_labels entries. */
int metric_set_sample(struct metric_set *set, double value, const char *const *values);
/* The same, for a _bucket, _sum or _count series of a histogram or summary. */
int metric_set_sample_suffix(struct metric_set *set, double value, const char *const *values,
                             enum metric_suffix suffix);
int metric_set_sample0(struct metric_set *set, double value);
int metric_set_sample1(struct metric_set *set, double value, const char *v1);
int metric_set_sample2(struct metric_set *set, double value, const char *v1, const char *v2);

/* Appends every family and sample of src to dst (a background collector's
 * snapshot into a scrape's set). A warm dst allocates nothing. 0 or
 * -ENOMEM, sticky in dst. */
int metric_set_append(struct metric_set *dst, const struct metric_set *src);

struct metric_mark metric_set_mark(const struct metric_set *set);
void metric_set_rollback(struct metric_set *set, struct metric_mark mark);
/* Whether desc has a family entry added since mark: a collector whose
 * file lists a name twice would otherwise give a duplicate series. */
bool metric_set_has_family_since(const struct metric_set *set, struct metric_mark mark, const struct metric_desc *desc);

/* The label values of a sample, one after the other. */
static inline const char *metric_sample_labels(const struct metric_set *set, const struct metric_sample *s) {
        return set->strings.data + s->labels;
}

bool metric_name_valid(const char *name);
bool metric_label_name_valid(const char *name);

/* "gauge", "counter"...: the word of a # TYPE line */
const char *metric_type_name(enum metric_type type);
const char *metric_suffix_name(enum metric_suffix suffix);
