/* Descriptor cache: a list searched from the last hit, one allocation per
 * descriptor holding its strings. */
#include "desc_cache.h"

#include <stdlib.h>
#include <string.h>

#include "array.h"

static bool desc_matches(const struct metric_desc *d, const char *name, const char *help, enum metric_type type,
                         unsigned n_labels, const char *const *labels) {
        if (d->type != type || d->n_labels != n_labels || strcmp(d->name, name) != 0 || strcmp(d->help, help) != 0)
                return false;
        for (unsigned i = 0; i < n_labels; i++)
                if (strcmp(d->labels[i], labels[i]) != 0)
                        return false;
        return true;
}

static struct metric_desc *desc_new(const char *name, const char *help, enum metric_type type, unsigned n_labels,
                                    const char *const *labels) {
        size_t size = sizeof(struct metric_desc) + n_labels * sizeof(char *) + strlen(name) + strlen(help) + 2;
        for (unsigned i = 0; i < n_labels; i++)
                size += strlen(labels[i]) + 1;
        struct metric_desc *d = malloc(size);
        if (!d)
                return NULL;
        const char **names = (const char **) (d + 1);
        char *p = (char *) (names + n_labels);
        *d = (struct metric_desc){.type = type, .n_labels = n_labels, .labels = names};
        d->name = strcpy(p, name);
        p += strlen(name) + 1;
        d->help = strcpy(p, help);
        p += strlen(help) + 1;
        for (unsigned i = 0; i < n_labels; i++) {
                names[i] = strcpy(p, labels[i]);
                p += strlen(labels[i]) + 1;
        }
        return d;
}

const struct metric_desc *desc_cache_get(struct desc_cache *c, const char *name, const char *help,
                                         enum metric_type type, unsigned n_labels, const char *const *labels) {
        for (size_t k = 0; k < c->n; k++) {
                size_t i = (c->hint + k) % c->n;
                if (desc_matches(c->items[i], name, help, type, n_labels, labels)) {
                        c->hint = i + 1;
                        return c->items[i];
                }
        }
        if (array_reserve((void **) &c->items, &c->cap, c->n + 1, sizeof(*c->items)) < 0)
                return NULL;
        struct metric_desc *d = desc_new(name, help, type, n_labels, labels);
        if (!d)
                return NULL;
        c->items[c->n++] = d;
        c->hint = c->n;
        return d;
}

void desc_cache_free(struct desc_cache *c) {
        for (size_t i = 0; i < c->n; i++)
                free(c->items[i]);
        free(c->items);
        *c = (struct desc_cache){0};
}
