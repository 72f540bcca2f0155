/* Metric sets: flat arrays and one string arena, all reused across scrapes. */
#include "metric.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int grow(void **array, size_t *cap, size_t need, size_t elem) {
        if (need <= *cap)
                return 0;
        size_t n = *cap ? *cap * 2 : 16;
        while (n < need)
                n *= 2;
        void *p = reallocarray(*array, n, elem);
        if (!p)
                return -ENOMEM;
        *array = p;
        *cap = n;
        return 0;
}

void metric_set_reset(struct metric_set *set) {
        set->n_families = 0;
        set->n_samples = 0;
        set->error = 0;
        buf_reset(&set->strings);
}

void metric_set_free(struct metric_set *set) {
        free(set->families);
        free(set->samples);
        buf_free(&set->strings);
        *set = (struct metric_set){0};
}

int metric_set_family(struct metric_set *set, const struct metric_desc *desc) {
        if (set->error < 0)
                return set->error;
        if (grow((void **) &set->families, &set->cap_families, set->n_families + 1, sizeof(*set->families)) < 0)
                return (set->error = -ENOMEM);
        set->families[set->n_families++] = (struct metric_family){
                .desc = desc,
                .first = (uint32_t) set->n_samples,
                .count = 0,
        };
        return 0;
}

int metric_set_sample(struct metric_set *set, double value, const char *const *values) {
        if (set->error < 0)
                return set->error;
        if (set->n_families == 0)
                return (set->error = -EINVAL);
        struct metric_family *f = &set->families[set->n_families - 1];
        if (f->desc->n_labels > 0 && !values)
                return (set->error = -EINVAL);
        if (grow((void **) &set->samples, &set->cap_samples, set->n_samples + 1, sizeof(*set->samples)) < 0)
                return (set->error = -ENOMEM);
        /* The arena is never empty once a sample exists, so offset 0 is valid
         * for a family without labels too. */
        size_t off = set->strings.len;
        for (unsigned i = 0; i < f->desc->n_labels; i++)
                buf_put(&set->strings, values[i], strlen(values[i]) + 1);
        if (f->desc->n_labels == 0)
                (void) buf_reserve(&set->strings, 0);
        if (set->strings.error < 0 || off > UINT32_MAX)
                return (set->error = -ENOMEM);
        set->samples[set->n_samples++] = (struct metric_sample){.value = value, .labels = (uint32_t) off};
        f->count++;
        return 0;
}

/* The fixed-arity helpers check their count: a wrong one is a bug in a
 * collector, caught as a set error rather than a read past the array. */
static int sample_n(struct metric_set *set, double value, const char *const *values, unsigned n) {
        if (set->error >= 0 && set->n_families > 0 && set->families[set->n_families - 1].desc->n_labels != n)
                return (set->error = -EINVAL);
        return metric_set_sample(set, value, values);
}

int metric_set_sample0(struct metric_set *set, double value) { return sample_n(set, value, NULL, 0); }

int metric_set_sample1(struct metric_set *set, double value, const char *v1) {
        const char *v[] = {v1};
        return sample_n(set, value, v, 1);
}

int metric_set_sample2(struct metric_set *set, double value, const char *v1, const char *v2) {
        const char *v[] = {v1, v2};
        return sample_n(set, value, v, 2);
}

struct metric_mark metric_set_mark(const struct metric_set *set) {
        return (struct metric_mark){set->n_families, set->n_samples, set->strings.len};
}

void metric_set_rollback(struct metric_set *set, struct metric_mark mark) {
        set->n_families = mark.n_families;
        set->n_samples = mark.n_samples;
        set->strings.len = mark.strings_len;
        if (set->strings.data)
                set->strings.data[mark.strings_len] = '\0';
}

static bool name_valid(const char *s, bool colon) {
        if (!s || !*s)
                return false;
        for (const char *p = s; *p; p++) {
                char c = *p;
                bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (colon && c == ':') ||
                          (p != s && c >= '0' && c <= '9');
                if (!ok)
                        return false;
        }
        return true;
}

bool metric_name_valid(const char *name) { return name_valid(name, true); }

bool metric_label_name_valid(const char *name) {
        return name_valid(name, false) && strncmp(name, "__", 2) != 0;
}

/* --- validation, for tests --- */

struct series_ref {
        const struct metric_set *set;
        const char *name;
        unsigned n_labels;
        const char *labels;
};

static int series_cmp(const void *a, const void *b) {
        const struct series_ref *x = a, *y = b;
        int c = strcmp(x->name, y->name);
        if (c != 0)
                return c;
        const char *p = x->labels, *q = y->labels;
        for (unsigned i = 0; i < x->n_labels; i++) {
                c = strcmp(p, q);
                if (c != 0)
                        return c;
                p += strlen(p) + 1;
                q += strlen(q) + 1;
        }
        return 0;
}

static bool same_shape(const struct metric_desc *a, const struct metric_desc *b) {
        if (a->type != b->type || a->n_labels != b->n_labels || strcmp(a->help, b->help) != 0)
                return false;
        for (unsigned i = 0; i < a->n_labels; i++)
                if (strcmp(a->labels[i], b->labels[i]) != 0)
                        return false;
        return true;
}

int metric_set_validate(const struct metric_set *set, struct buf *err) {
        if (set->error < 0) {
                buf_printf(err, "metric set error %d", set->error);
                return -EINVAL;
        }
        for (size_t i = 0; i < set->n_families; i++) {
                const struct metric_desc *d = set->families[i].desc;
                if (!metric_name_valid(d->name)) {
                        buf_printf(err, "invalid metric name '%s'", d->name);
                        return -EINVAL;
                }
                if (d->n_labels > METRIC_MAX_LABELS) {
                        buf_printf(err, "%s: too many labels", d->name);
                        return -EINVAL;
                }
                for (unsigned l = 0; l < d->n_labels; l++)
                        if (!metric_label_name_valid(d->labels[l])) {
                                buf_printf(err, "%s: invalid label name '%s'", d->name, d->labels[l]);
                                return -EINVAL;
                        }
                for (size_t j = 0; j < i; j++) {
                        const struct metric_desc *e = set->families[j].desc;
                        if (strcmp(d->name, e->name) == 0 && !same_shape(d, e)) {
                                buf_printf(err, "%s: declared twice with different type, help or labels", d->name);
                                return -EINVAL;
                        }
                }
        }

        struct series_ref *refs = calloc(set->n_samples ? set->n_samples : 1, sizeof(*refs));
        if (!refs)
                return -ENOMEM;
        size_t n = 0;
        for (size_t i = 0; i < set->n_families; i++) {
                const struct metric_family *f = &set->families[i];
                for (uint32_t k = 0; k < f->count; k++) {
                        const struct metric_sample *s = &set->samples[f->first + k];
                        refs[n++] = (struct series_ref){set, f->desc->name, f->desc->n_labels,
                                                        metric_sample_labels(set, s)};
                }
        }
        qsort(refs, n, sizeof(*refs), series_cmp);
        int r = 0;
        for (size_t i = 1; i < n; i++)
                if (series_cmp(&refs[i - 1], &refs[i]) == 0) {
                        buf_printf(err, "duplicate series of %s", refs[i].name);
                        const char *p = refs[i].labels;
                        for (unsigned l = 0; l < refs[i].n_labels; l++, p += strlen(p) + 1)
                                buf_printf(err, " %s", p);
                        r = -EINVAL;
                        break;
                }
        free(refs);
        return r;
}
