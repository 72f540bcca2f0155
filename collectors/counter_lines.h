/* Kernel files of counters on lines led by a key: /proc/net/rpc/nfs and
 * nfsd (the kernel's svc_seq_show and nfsd_show: "net 18628 0 18628 6",
 * "proc3 22 1 4084749 ...") and XFS's stats ("extent_alloc 2 0 0 0"),
 * which the nfs, nfsd and xfs collectors read alike, and the families
 * node_exporter 1.5 makes of them. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "metric.h"

#define COUNTER_LINE_MAX_VALUES 64 /* the most values a kind of line names */

enum counter_line_shape {
        SHAPE_FIXED,    /* exactly n values */
        SHAPE_AT_LEAST, /* n values or more, the first n read ("th 8 0 0.000 ...") */
        SHAPE_COUNTED,  /* a count, then as many values: the first n read, those past the count 0 */
};

struct counter_line_kind {
        const char *key;
        enum counter_line_shape shape;
        unsigned n;
        unsigned min_count; /* SHAPE_COUNTED: a smaller count is garbage */
};

/* What one kind of line said in the last reading. */
struct counter_line {
        bool present; /* the line was there, valid or not */
        bool valid;
        uint64_t values[COUNTER_LINE_MAX_VALUES];
};

/* Samples of one family from values [first, first + n) of a line. With
 * names, each value is a sample whose first label is names[k] (a NULL
 * name is a value left out) and whose second, if the family has one, is
 * label; without, value first alone, labelled label if the family has a
 * label. The device given to counter_lines_emit, if any, is the last label
 * of every family. */
struct counter_output {
        const struct metric_desc *desc;
        unsigned line, first, n;
        const char *const *names;
        const char *label;
};

/* The method names of node_exporter 1.5 for NFSv2's 18 and NFSv3's 22
 * procedures, in the kernel's order (nfs and nfsd alike). */
extern const char *const nfs_v2_names[18];
extern const char *const nfs_v3_names[22];

/* Reads text into lines[i] for each kinds[i]. A known line that is
 * malformed (a value not a number, another count of values) or repeated
 * is counted in *parse_errors and left out, as are all absent lines of a
 * text whose last line was cut; lines of other keys are ignored, as the
 * kernel may add some. */
void counter_lines_parse(const struct buf *text, const struct counter_line_kind *kinds, size_t n_kinds,
                         struct counter_line *lines, unsigned *parse_errors);
/* The families of outputs, labelled device too unless it is NULL: a
 * value of an absent line reads 0, as node_exporter's zeroed structures
 * do; one of a malformed line is left out. */
int counter_lines_emit(struct metric_set *set, const struct counter_output *outputs, size_t n_outputs,
                       const struct counter_line *lines, const char *device);
