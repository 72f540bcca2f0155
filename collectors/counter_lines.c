/* The parser and family maker of the nfs, nfsd and xfs collectors
 * (counter_lines.h). */
#include "counter_lines.h"

#include <string.h>

#include "macro.h"
#include "parse.h"

/* 1 key, 1 count, and room for the 76 NFSv4 operations of Linux 6 with
 * many more to come */
#define COUNTER_LINE_MAX_FIELDS 160

const char *const nfs_v2_names[18] = {"Null", "GetAttr", "SetAttr", "Root",   "Lookup",  "ReadLink",
                                      "Read", "WrCache", "Write",   "Create", "Remove",  "Rename",
                                      "Link", "SymLink", "MkDir",   "RmDir",  "ReadDir", "FsStat"};
const char *const nfs_v3_names[22] = {"Null",   "GetAttr", "SetAttr",  "Lookup", "Access",  "ReadLink",
                                      "Read",   "Write",   "Create",   "MkDir",  "SymLink", "MkNod",
                                      "Remove", "RmDir",   "Rename",   "Link",   "ReadDir", "ReadDirPlus",
                                      "FsStat", "FsInfo",  "PathConf", "Commit"};

/* The values of a line of kind k in f[1, n): false when malformed. */
static bool counter_line_read(const struct counter_line_kind *k, const struct field *f, size_t n,
                              struct counter_line *l) {
        size_t n_values = n - 1, skip = 0, take;
        uint64_t count = 0;
        switch (k->shape) {
        case SHAPE_FIXED:
                if (n_values != k->n)
                        return false;
                take = k->n;
                break;
        case SHAPE_AT_LEAST:
                if (n_values < k->n)
                        return false;
                take = k->n;
                n_values = k->n; /* the rest are not integers ("0.000") */
                break;
        default:
                if (n_values < 1 || parse_u64_field(f[1], &count) < 0 || count != n_values - 1 || count < k->min_count)
                        return false;
                skip = 1;
                take = count < k->n ? (size_t) count : k->n;
                break;
        }
        if (skip + take > n_values)
                return false; /* never so by the cases above; said for the analyzers */
        uint64_t v[COUNTER_LINE_MAX_FIELDS];
        for (size_t i = skip; i < n_values; i++)
                if (parse_u64_field(f[1 + i], &v[i]) < 0)
                        return false;
        memset(l->values, 0, sizeof(l->values));
        for (size_t i = 0; i < take; i++)
                /* cppcheck-suppress uninitvar ; [skip, skip + take) was parsed above */
                l->values[i] = v[skip + i];
        return true;
}

void counter_lines_parse(const struct buf *text, const struct counter_line_kind *kinds, size_t n_kinds,
                         struct counter_line *lines, unsigned *parse_errors) {
        for (size_t i = 0; i < n_kinds; i++)
                lines[i].present = lines[i].valid = false;
        unsigned errors_before = *parse_errors;
        struct lines it = lines_of(text, parse_errors);
        bool cut = *parse_errors != errors_before;
        const char *line;
        size_t len;
        while (lines_next(&it, &line, &len)) {
                struct field f[COUNTER_LINE_MAX_FIELDS];
                int n = split_fields(line, len, f, COUNTER_LINE_MAX_FIELDS);
                if (n == 0)
                        continue;
                size_t i = 0;
                while (i < n_kinds && !field_eq(f[0], kinds[i].key, strlen(kinds[i].key)))
                        i++;
                if (i == n_kinds)
                        continue;
                struct counter_line *l = &lines[i];
                /* a repeated line leaves the first as it was */
                bool ok = !l->present && n > 0 && counter_line_read(&kinds[i], f, (size_t) n, l);
                if (!ok)
                        (*parse_errors)++;
                l->valid |= ok;
                l->present = true;
        }
        /* a file cut short says nothing of the lines past the cut: they
         * are left out, not read as 0 */
        for (size_t i = 0; i < n_kinds && cut; i++)
                lines[i].present = true;
}

int counter_lines_emit(struct metric_set *set, const struct counter_output *outputs, size_t n_outputs,
                       const struct counter_line *lines, const char *device) {
        for (size_t o = 0; o < n_outputs; o++) {
                const struct counter_output *out = &outputs[o];
                const struct counter_line *l = &lines[out->line];
                if (l->present && !l->valid)
                        continue;
                (void) metric_set_family(set, out->desc);
                for (size_t k = 0; k < (out->names ? out->n : 1); k++) {
                        double v = l->present ? (double) l->values[out->first + k] : 0;
                        const char *labels[3];
                        size_t n_labels = 0;
                        if (out->names) {
                                if (!out->names[k])
                                        continue;
                                labels[n_labels++] = out->names[k];
                        }
                        if (out->label)
                                labels[n_labels++] = out->label;
                        if (device)
                                labels[n_labels++] = device;
                        (void) metric_set_sample(set, v, labels);
                }
        }
        return set->error;
}
