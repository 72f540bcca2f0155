/* Descriptors for families whose names or label names come from the data
 * (meminfo keys, hwmon sensor types, textfile families). Each descriptor is
 * allocated once and kept at a stable address, so a metric set can point
 * at it and a steady-state scrape finds it again without allocating. A
 * cache whose data comes and goes (textfile families) sweeps what it no
 * longer uses. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "metric.h"

struct desc_cache_item {
        struct metric_desc *desc;
        uint64_t hash;
        bool used; /* returned since the last sweep */
};

struct desc_cache {
        struct desc_cache_item *items;
        size_t n, cap;
        size_t *slots;  /* open addressing by hash: index + 1 in items, 0 for none */
        size_t n_slots; /* a power of two, at least twice n */
        size_t hint;    /* where the last lookup ended: data comes in the same order every scrape */
};

/* The descriptor with exactly these fields, created on first use; NULL on
 * ENOMEM. The strings are copied. */
const struct metric_desc *desc_cache_get(struct desc_cache *c, const char *name, const char *help,
                                         enum metric_type type, unsigned n_labels, const char *const *labels);
/* Frees the descriptors no desc_cache_get returned since the last sweep;
 * how many. A metric set that points at one must not be read again. */
size_t desc_cache_sweep(struct desc_cache *c);
void desc_cache_free(struct desc_cache *c);
