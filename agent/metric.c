/* Metric sets: flat arrays and one string arena, all reused across scrapes. */
#include "metric.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"

/* Process-wide, as addresses are: a descriptor freed by one collector may
 * come back as another collector's. Atomic: encoders run on the HTTP
 * server's threads and the sender's. */
static uint64_t desc_generation;

void metric_desc_retired(void) {
        (void) __atomic_add_fetch(&desc_generation, 1, __ATOMIC_RELAXED);
}

uint64_t metric_desc_generation(void) {
        return __atomic_load_n(&desc_generation, __ATOMIC_RELAXED);
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
        if (array_reserve((void **) &set->families, &set->cap_families, set->n_families + 1, sizeof(*set->families)) <
            0)
                return (set->error = -ENOMEM);
        set->families[set->n_families++] = (struct metric_family){
                .desc = desc,
                .first = (uint32_t) set->n_samples,
                .count = 0,
        };
        return 0;
}

int metric_set_sample(struct metric_set *set, double value, const char *const *values) {
        return metric_set_sample_suffix(set, value, values, METRIC_SUFFIX_NONE);
}

const char *metric_type_name(enum metric_type type) {
        static const char *const names[] = {
                [METRIC_GAUGE] = "gauge",         [METRIC_COUNTER] = "counter", [METRIC_UNTYPED] = "untyped",
                [METRIC_HISTOGRAM] = "histogram", [METRIC_SUMMARY] = "summary",
        };
        return names[type];
}

const char *metric_suffix_name(enum metric_suffix suffix) {
        static const char *const names[] = {"", "_bucket", "_sum", "_count"};
        return names[suffix];
}

int metric_set_sample_suffix(struct metric_set *set, double value, const char *const *values,
                             enum metric_suffix suffix) {
        if (set->error < 0)
                return set->error;
        if (set->n_families == 0)
                return (set->error = -EINVAL);
        struct metric_family *f = &set->families[set->n_families - 1];
        if (f->desc->n_labels > 0 && !values)
                return (set->error = -EINVAL);
        if (array_reserve((void **) &set->samples, &set->cap_samples, set->n_samples + 1, sizeof(*set->samples)) < 0)
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
        set->samples[set->n_samples++] =
                (struct metric_sample){.value = value, .labels = (uint32_t) off, .suffix = (uint8_t) suffix};
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

int metric_set_sample0(struct metric_set *set, double value) {
        return sample_n(set, value, NULL, 0);
}

int metric_set_sample1(struct metric_set *set, double value, const char *v1) {
        const char *v[] = {v1};
        return sample_n(set, value, v, 1);
}

int metric_set_sample2(struct metric_set *set, double value, const char *v1, const char *v2) {
        const char *v[] = {v1, v2};
        return sample_n(set, value, v, 2);
}

int metric_set_append(struct metric_set *dst, const struct metric_set *src) {
        if (dst->error < 0)
                return dst->error;
        if (src->n_families == 0)
                return 0;
        if (array_reserve((void **) &dst->families, &dst->cap_families, dst->n_families + src->n_families,
                          sizeof(*dst->families)) < 0 ||
            array_reserve((void **) &dst->samples, &dst->cap_samples, dst->n_samples + src->n_samples,
                          sizeof(*dst->samples)) < 0)
                return (dst->error = -ENOMEM);
        /* label values move by the length of the arena they join; the
         * arena stays non-empty, as metric_set_sample_suffix keeps it */
        size_t off = dst->strings.len;
        buf_put(&dst->strings, src->strings.data ? src->strings.data : "", src->strings.len);
        if (dst->strings.error < 0 || dst->strings.len > UINT32_MAX || dst->n_samples + src->n_samples > UINT32_MAX)
                return (dst->error = -ENOMEM);
        for (size_t i = 0; i < src->n_families; i++) {
                struct metric_family f = src->families[i];
                f.first += (uint32_t) dst->n_samples;
                dst->families[dst->n_families++] = f;
        }
        for (size_t i = 0; i < src->n_samples; i++) {
                struct metric_sample s = src->samples[i];
                s.labels += (uint32_t) off;
                dst->samples[dst->n_samples++] = s;
        }
        return 0;
}

struct metric_mark metric_set_mark(const struct metric_set *set) {
        return (struct metric_mark){set->n_families, set->n_samples, set->strings.len};
}

bool metric_set_has_family_since(const struct metric_set *set, struct metric_mark mark,
                                 const struct metric_desc *desc) {
        for (size_t i = mark.n_families; i < set->n_families; i++)
                if (set->families[i].desc == desc)
                        return true;
        return false;
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

bool metric_name_valid(const char *name) {
        return name_valid(name, true);
}

bool metric_label_name_valid(const char *name) {
        return name_valid(name, false) && strncmp(name, "__", 2) != 0;
}

/* --- validation, for tests --- */
