/* source_check: the rules a snapshot from outside the agent must keep
 * before it is published (source_check.h). It runs once per refresh of a
 * source, on the source's own thread, never in a scrape. Series and
 * histogram groups are compared by a canonical key, "name{a=x,b=y}" with
 * the label names sorted and empty values left out, as Prometheus tells
 * two series apart. */
#include "source_check.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "macro.h"
#include "parse.h"
#include "sort.h"

static int refuse(char *why, size_t size, const char *fmt, ...) _printf_(3, 4);
static int refuse(char *why, size_t size, const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        (void) vsnprintf(why, size, fmt, ap);
        va_end(ap);
        return -EINVAL;
}

/* A series (or, with skip_le, a histogram's group): its canonical key at
 * key in the checker's strings. */
struct series {
        uint32_t key;
        uint8_t suffix;
        double le; /* buckets only */
        double value;
};

struct checker {
        const struct metric_set *set;
        struct buf keys;
        struct series *series;
        size_t n, cap;
};

uint32_t source_series_key(struct buf *keys, const struct metric_set *set, const struct metric_desc *d,
                           const struct metric_sample *s, unsigned le_at) {
        const char *names[METRIC_MAX_LABELS], *values[METRIC_MAX_LABELS];
        unsigned n = 0;
        const char *v = metric_sample_labels(set, s);
        for (unsigned l = 0; l < d->n_labels; l++, v += strlen(v) + 1) {
                if (*v == '\0' || l == le_at)
                        continue;
                unsigned k = n++;
                while (k > 0 && strcmp(names[k - 1], d->labels[l]) > 0) {
                        names[k] = names[k - 1];
                        values[k] = values[k - 1];
                        k--;
                }
                names[k] = d->labels[l];
                values[k] = v;
        }
        uint32_t at = (uint32_t) keys->len;
        buf_puts(keys, d->name);
        buf_putc(keys, '{');
        for (unsigned k = 0; k < n; k++) {
                buf_puts(keys, names[k]);
                buf_putc(keys, '\x01'); /* no label value holds a byte below a space unescaped... */
                buf_puts(keys, values[k]);
                buf_putc(keys, '\x02'); /* ...but these two keep "a=b,c" and "a=b\x02c" apart anyway */
        }
        buf_putc(keys, '}');
        buf_putc(keys, '\0');
        return at;
}

static int series_cmp(const void *a, const void *b, void *ctx) {
        const struct checker *c = ctx;
        const struct series *x = a, *y = b;
        int r = strcmp(c->keys.data + x->key, c->keys.data + y->key);
        if (r != 0)
                return r;
        if (x->suffix != y->suffix)
                return x->suffix < y->suffix ? -1 : 1;
        return x->le < y->le ? -1 : x->le > y->le;
}

static int add_series(struct checker *c, uint32_t key, uint8_t suffix, double le, double value) {
        if (array_reserve((void **) &c->series, &c->cap, c->n + 1, sizeof(*c->series)) < 0)
                return -ENOMEM;
        c->series[c->n++] = (struct series){.key = key, .suffix = suffix, .le = le, .value = value};
        return 0;
}

/* name{a="x",b="y"}, as the key reads to a person */
static const char *display_key(const struct checker *c, uint32_t key, char *out, size_t size) {
        size_t n = 0;
        bool first = true;
        for (const char *p = c->keys.data + key; *p && n + 4 < size; p++) {
                if (*p == '\x01') {
                        out[n++] = '=';
                        out[n++] = '"';
                } else if (*p == '\x02') {
                        out[n++] = '"';
                        first = false;
                } else {
                        if (!first && p[-1] == '\x02' && *p != '}')
                                out[n++] = ',';
                        out[n++] = *p;
                }
        }
        out[n] = '\0';
        return out;
}

static unsigned le_index(const struct metric_desc *d) {
        for (unsigned l = 0; l < d->n_labels; l++)
                if (strcmp(d->labels[l], "le") == 0)
                        return l;
        return UINT32_MAX;
}

/* One family entry's names, labels and values. */
static int check_family(struct checker *c, const struct metric_family *f, size_t *bytes, char *why, size_t size) {
        const struct metric_set *set = c->set;
        const struct metric_desc *d = f->desc;
        if (!metric_name_valid(d->name))
                return refuse(why, size, "'%.100s' is not a valid metric name", d->name);
        if (!utf8_valid(d->help))
                return refuse(why, size, "family '%s': its help is not valid UTF-8", d->name);
        if (d->n_labels > METRIC_MAX_LABELS)
                return refuse(why, size, "family '%s': more than %d labels", d->name, METRIC_MAX_LABELS);
        *bytes += strlen(d->name) + strlen(d->help);
        for (unsigned l = 0; l < d->n_labels; l++) {
                if (!metric_label_name_valid(d->labels[l]))
                        return refuse(why, size, "family '%s': '%.100s' is not a valid label name (nor one of __)",
                                      d->name, d->labels[l]);
                for (unsigned k = 0; k < l; k++)
                        if (strcmp(d->labels[k], d->labels[l]) == 0)
                                return refuse(why, size, "family '%s': label '%s' given twice", d->name, d->labels[l]);
                *bytes += strlen(d->labels[l]);
        }
        unsigned le = d->type == METRIC_HISTOGRAM ? le_index(d) : UINT32_MAX;
        for (uint32_t k = 0; k < f->count; k++) {
                const struct metric_sample *s = &set->samples[f->first + k];
                const char *v = metric_sample_labels(set, s);
                for (unsigned l = 0; l < d->n_labels; l++, v += strlen(v) + 1)
                        if (!utf8_valid(v))
                                return refuse(why, size, "family '%s': a value of label '%s' is not valid UTF-8",
                                              d->name, d->labels[l]);
                bool histogram_part = d->type == METRIC_HISTOGRAM && s->suffix != METRIC_SUFFIX_SUM;
                if ((d->type == METRIC_COUNTER || histogram_part) && !(s->value >= 0))
                        return refuse(why, size, "family '%s': a %s of %g", d->name,
                                      d->type == METRIC_COUNTER ? "counter" : "bucket or count", s->value);
                if (s->suffix == METRIC_SUFFIX_BUCKET && d->type == METRIC_HISTOGRAM) {
                        const char *lv = metric_sample_labels(set, s);
                        for (unsigned l = 0; l < le && l < d->n_labels; l++)
                                lv += strlen(lv) + 1;
                        double bound;
                        if (le == UINT32_MAX || parse_prom_value(lv, strlen(lv), &bound) < 0 || isnan(bound))
                                return refuse(why, size, "family '%s': a bucket without a numeric le label", d->name);
                        uint32_t key = source_series_key(&c->keys, set, d, s, le);
                        if (add_series(c, key, METRIC_SUFFIX_BUCKET, bound, s->value) < 0)
                                return -ENOMEM;
                } else {
                        uint32_t key = source_series_key(&c->keys, set, d, s, UINT32_MAX);
                        if (add_series(c, key, s->suffix, 0, s->value) < 0)
                                return -ENOMEM;
                }
        }
        return 0;
}

/* After sorting: no series twice, and each histogram's buckets growing
 * up to +Inf, which equals its _count. */
static int check_series(struct checker *c, const struct metric_set *set, char *why, size_t size) {
        char shown[256];
        sort_r(c->series, c->n, sizeof(*c->series), series_cmp, c);
        for (size_t i = 0; i < c->n; i++) {
                const struct series *s = &c->series[i], *prev = i > 0 ? &c->series[i - 1] : NULL;
                bool same_group = prev && strcmp(c->keys.data + prev->key, c->keys.data + s->key) == 0;
                if (same_group && series_cmp(prev, s, c) == 0)
                        return refuse(why, size, "duplicate series %s%s", display_key(c, s->key, shown, sizeof(shown)),
                                      s->suffix == METRIC_SUFFIX_BUCKET ? " (a bucket)" : "");
                if (s->suffix != METRIC_SUFFIX_BUCKET)
                        continue;
                if (same_group && prev->suffix == METRIC_SUFFIX_BUCKET && s->value < prev->value)
                        return refuse(why, size, "histogram %s: bucket le=%g holds less than le=%g",
                                      display_key(c, s->key, shown, sizeof(shown)), s->le, prev->le);
                const struct series *next = i + 1 < c->n ? &c->series[i + 1] : NULL;
                bool last = !next || next->suffix != METRIC_SUFFIX_BUCKET ||
                            strcmp(c->keys.data + next->key, c->keys.data + s->key) != 0;
                if (!last)
                        continue;
                if (!isinf(s->le))
                        return refuse(why, size, "histogram %s: no le=\"+Inf\" bucket",
                                      display_key(c, s->key, shown, sizeof(shown)));
                /* its _count sorts after its buckets and its _sum */
                const struct series *count = next;
                if (count && count->suffix == METRIC_SUFFIX_SUM && count + 1 < c->series + c->n)
                        count++;
                if (!count || count->suffix != METRIC_SUFFIX_COUNT ||
                    strcmp(c->keys.data + count->key, c->keys.data + s->key) != 0 || count->value != s->value)
                        return refuse(why, size, "histogram %s: the +Inf bucket (%g) is not its _count",
                                      display_key(c, s->key, shown, sizeof(shown)), s->value);
        }
        (void) set;
        return 0;
}

int source_check(const struct metric_set *set, const struct source_limits *lim, char *why, size_t size) {
        if (set->error < 0)
                return refuse(why, size, "out of memory while it was built");
        if (lim && lim->max_families && set->n_families > lim->max_families)
                return refuse(why, size, "%zu family entries, more than the %zu allowed", set->n_families,
                              lim->max_families);
        if (lim && lim->max_series && set->n_samples > lim->max_series)
                return refuse(why, size, "%zu series, more than the %zu allowed", set->n_samples, lim->max_series);
        struct checker c = {.set = set};
        size_t bytes = set->strings.len;
        int r = 0;
        for (size_t i = 0; i < set->n_families && r == 0; i++) {
                const struct metric_desc *d = set->families[i].desc;
                r = check_family(&c, &set->families[i], &bytes, why, size);
                for (size_t j = 0; j < i && r == 0; j++) {
                        const struct metric_desc *e = set->families[j].desc;
                        if (strcmp(e->name, d->name) == 0 && (e->type != d->type || strcmp(e->help, d->help) != 0))
                                r = refuse(why, size, "family '%s' declared twice with another %s", d->name,
                                           e->type != d->type ? "type" : "help");
                }
        }
        if (r == 0 && lim && lim->max_bytes && bytes > lim->max_bytes)
                r = refuse(why, size, "%zu bytes of names and values, more than the %zu allowed", bytes,
                           lim->max_bytes);
        if (r == 0 && c.keys.error < 0)
                r = -ENOMEM;
        if (r == 0)
                r = check_series(&c, set, why, size);
        if (r == -ENOMEM)
                (void) snprintf(why, size, "out of memory while checking it");
        buf_free(&c.keys);
        free(c.series);
        return r;
}
