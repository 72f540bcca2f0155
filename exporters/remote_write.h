/* Prometheus Remote-Write 1.0 encoding: a metric set becomes a snappy-
 * compressed prometheus.WriteRequest, one sample per series at one
 * timestamp, with the identity and external labels of the push. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "metric.h"

/* Labels added to every pushed series: instance, job and the configured
 * external labels, as name/value pairs. A series that has a label of the
 * same name already keeps its own (no name is ever sent twice: Prometheus
 * answers 500 to that, which a sender would retry forever). */
struct rw_labels {
        const char **names, **values;
        size_t n;
};

/* Replaces out with the compressed WriteRequest; *ret_samples gets the
 * number of samples in it. 0 or a negative errno. */
int remote_write_encode(const struct metric_set *set, const struct rw_labels *extra, int64_t timestamp_ms,
                        struct buf *out, size_t *ret_samples);

/* Decodes a compressed WriteRequest back to its sample count, checking it
 * whole (for tests and for the queue's own checks). */
int remote_write_count(const void *data, size_t len, size_t *ret_samples);
