/* What a source from outside the agent emits (a plugin's snapshot, an
 * exec program's output) is held to the rules a scrape needs to stay
 * whole: valid names and UTF-8, label values matching the label names,
 * no duplicate series, counters not negative, histograms whose buckets
 * add up, bounded size. A refusal rejects that source's snapshot only.
 * What it meets in the scrape (the families of the built-in collectors
 * and of the other sources) is source_merge's. */
#pragma once

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

/* Appends the canonical key of sample s of family d to keys, as
 * Prometheus tells two series apart: "name{a\1x\2b\1y\2}" and a NUL,
 * label names sorted, an empty value no label; with le_at (an index or
 * UINT32_MAX) that label is left out too. Its offset in keys. */
uint32_t source_series_key(struct buf *keys, const struct metric_set *set, const struct metric_desc *d,
                           const struct metric_sample *s, unsigned le_at);

/* 0 when set keeps the rules, else -EINVAL (or -ENOMEM) and why in why
 * (size bytes), as "family 'x': ...". lim may be NULL. */
int source_check(const struct metric_set *set, const struct source_limits *lim, char *why, size_t size);
