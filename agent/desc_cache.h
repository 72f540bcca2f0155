/* Descriptors for families whose names or label names come from the data
 * (meminfo keys, hwmon sensor types, textfile families). Each descriptor is
 * allocated once and kept at a stable address, so a metric set can point
 * at it and a steady-state scrape finds it again without allocating. */
#pragma once

#include <stddef.h>

#include "metric.h"

struct desc_cache {
        struct metric_desc **items;
        size_t n, cap;
        size_t hint; /* where the last lookup ended: data comes in the same order every scrape */
};

/* The descriptor with exactly these fields, created on first use; NULL on
 * ENOMEM. The strings are copied. */
const struct metric_desc *desc_cache_get(struct desc_cache *c, const char *name, const char *help,
                                         enum metric_type type, unsigned n_labels, const char *const *labels);
void desc_cache_free(struct desc_cache *c);
