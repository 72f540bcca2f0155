/* What a source from outside the agent emits (a plugin's snapshot, an
 * exec program's output) is held to the rules a scrape needs to stay
 * whole: valid names and UTF-8, label values matching the label names,
 * no duplicate series, counters not negative, histograms whose buckets
 * add up, bounded size, and no family that another source (a built-in
 * collector, an earlier plugin) already has with another type or help.
 * A refusal rejects that source's snapshot only. */
#pragma once

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "metric.h"

/* Caps per snapshot; 0: no cap. */
struct source_limits {
        size_t max_families;
        size_t max_series;
        size_t max_bytes; /* names, help, label names and values */
};

/* The families of the last scrape, with who emitted each: what a source's
 * families are compared with. The engine updates it after a collection
 * whose families changed; sources read it from their own threads. */
struct family_index_entry {
        uint32_t name, help, owner; /* offsets in strings */
        enum metric_type type;
};

struct family_index {
        pthread_mutex_t lock;
        unsigned refs; /* the engine's and each source's: a source may outlive the engine's generation */
        struct family_index_entry *entries;
        size_t n, cap;
        struct buf strings;
        const struct metric_desc **last; /* the descriptors it was made from, to see a change */
        size_t n_last, cap_last;
        uint64_t desc_generation;
};

/* A new index with one reference; NULL on ENOMEM. */
struct family_index *family_index_new(void);
struct family_index *family_index_ref(struct family_index *x);
/* Drops a reference, freeing it with the last; NULL is fine. */
void family_index_unref(struct family_index *x);
/* Remembers the families of set; owner(i) names the source of family i.
 * Cheap when they are those of the last call. */
void family_index_update(struct family_index *x, const struct metric_set *set,
                         const char *(*owner)(size_t family, void *userdata), void *userdata);

/* Appends the canonical key of sample s of family d to keys, as
 * Prometheus tells two series apart: "name{a\1x\2b\1y\2}" and a NUL,
 * label names sorted, an empty value no label; with le_at (an index or
 * UINT32_MAX) that label is left out too. Its offset in keys. */
uint32_t source_series_key(struct buf *keys, const struct metric_set *set, const struct metric_desc *d,
                           const struct metric_sample *s, unsigned le_at);

/* 0 when source's set keeps the rules, else -EINVAL (or -ENOMEM) and why
 * in why (size bytes), as "family 'x': ...". lim and known may be NULL. */
int source_check(const struct metric_set *set, const struct source_limits *lim, struct family_index *known,
                 const char *source, char *why, size_t size);
