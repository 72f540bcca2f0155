/* What the tests hold every collector's output to (metric_set_validate).
 * Kept out of the agent, which never calls it: a scrape would pay for its
 * allocations and sort. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

/* "name{a=x,b=y}" with the labels sorted and empty ones left out: two
 * samples are the same series exactly when their keys are equal. */
static char *series_key(const struct metric_set *set, const struct metric_desc *d, const struct metric_sample *s) {
        const char *names[METRIC_MAX_LABELS], *values[METRIC_MAX_LABELS];
        unsigned n = 0;
        const char *v = metric_sample_labels(set, s);
        for (unsigned l = 0; l < d->n_labels && l < METRIC_MAX_LABELS; l++, v += strlen(v) + 1) {
                if (*v == '\0')
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
        struct buf b = {0};
        buf_puts(&b, d->name);
        buf_puts(&b, metric_suffix_name(s->suffix));
        buf_putc(&b, '{');
        for (unsigned k = 0; k < n; k++)
                buf_printf(&b, "%s%s=\"%s\"", k ? "," : "", names[k], values[k]);
        buf_putc(&b, '}');
        return b.error < 0 ? (buf_free(&b), NULL) : b.data;
}

static int key_cmp(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

static bool labels_unique(const struct metric_desc *d) {
        for (unsigned i = 0; i < d->n_labels; i++)
                for (unsigned j = 0; j < i; j++)
                        if (strcmp(d->labels[i], d->labels[j]) == 0)
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
                if (d->n_labels > METRIC_MAX_LABELS || !labels_unique(d)) {
                        buf_printf(err, "%s: too many or repeated label names", d->name);
                        return -EINVAL;
                }
                for (unsigned l = 0; l < d->n_labels; l++)
                        if (!metric_label_name_valid(d->labels[l])) {
                                buf_printf(err, "%s: invalid label name '%s'", d->name, d->labels[l]);
                                return -EINVAL;
                        }
                for (size_t j = 0; j < i; j++) {
                        const struct metric_desc *e = set->families[j].desc;
                        if (strcmp(d->name, e->name) == 0 && (d->type != e->type || strcmp(d->help, e->help) != 0)) {
                                buf_printf(err, "%s: declared twice with a different type or help", d->name);
                                return -EINVAL;
                        }
                }
        }

        char **keys = calloc(set->n_samples ? set->n_samples : 1, sizeof(*keys));
        if (!keys)
                return -ENOMEM;
        size_t n = 0;
        int r = 0;
        for (size_t i = 0; i < set->n_families && r == 0; i++) {
                const struct metric_family *f = &set->families[i];
                for (uint32_t k = 0; k < f->count && r == 0; k++)
                        if (!(keys[n++] = series_key(set, f->desc, &set->samples[f->first + k])))
                                r = -ENOMEM;
        }
        if (r == 0) {
                qsort(keys, n, sizeof(*keys), key_cmp);
                for (size_t i = 1; i < n; i++)
                        if (strcmp(keys[i - 1], keys[i]) == 0) {
                                buf_printf(err, "duplicate series %s", keys[i]);
                                r = -EINVAL;
                                break;
                        }
        }
        for (size_t i = 0; i < n; i++)
                free(keys[i]);
        free(keys);
        return r;
}
