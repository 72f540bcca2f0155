/* Descriptor cache: an array of descriptors, each one allocation holding
 * its strings, indexed by a hash of all its fields; the entry after the
 * last hit is tried first, since scrapes ask in the same order. */
#include "desc_cache.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "hash.h"

static bool desc_matches(const struct metric_desc *d, const char *name, const char *help, enum metric_type type,
                         unsigned n_labels, const char *const *labels) {
        if (d->type != type || d->n_labels != n_labels || strcmp(d->name, name) != 0 || strcmp(d->help, help) != 0)
                return false;
        for (unsigned i = 0; i < n_labels; i++)
                if (strcmp(d->labels[i], labels[i]) != 0)
                        return false;
        return true;
}

/* Every field, with its NUL, so that ("ab", "c") and ("a", "bc") differ. */
static uint64_t desc_hash(const char *name, const char *help, enum metric_type type, unsigned n_labels,
                          const char *const *labels) {
        uint64_t h = hash_fnv1a(HASH_FNV1A_INIT, name, strlen(name) + 1);
        h = hash_fnv1a(h, help, strlen(help) + 1);
        unsigned char t = (unsigned char) type;
        h = hash_fnv1a(h, &t, 1);
        for (unsigned i = 0; i < n_labels; i++)
                h = hash_fnv1a(h, labels[i], strlen(labels[i]) + 1);
        return h;
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

static void slot_insert(size_t *slots, size_t n_slots, uint64_t hash, size_t item) {
        size_t i = hash & (n_slots - 1);
        while (slots[i])
                i = (i + 1) & (n_slots - 1);
        slots[i] = item + 1;
}

/* Indexes items[0, n) anew in n_slots slots (a power of two). */
static int slots_rebuild(struct desc_cache *c, size_t n_slots) {
        if (n_slots != c->n_slots) {
                size_t *slots = calloc(n_slots, sizeof(*slots));
                if (!slots)
                        return -ENOMEM;
                free(c->slots);
                c->slots = slots;
                c->n_slots = n_slots;
        } else if (n_slots > 0)
                memset(c->slots, 0, n_slots * sizeof(*c->slots));
        for (size_t i = 0; i < c->n; i++)
                slot_insert(c->slots, c->n_slots, c->items[i].hash, i);
        return 0;
}

static const struct metric_desc *item_use(struct desc_cache *c, size_t i) {
        c->items[i].used = true;
        c->hint = i + 1;
        return c->items[i].desc;
}

const struct metric_desc *desc_cache_get(struct desc_cache *c, const char *name, const char *help,
                                         enum metric_type type, unsigned n_labels, const char *const *labels) {
        if (c->hint < c->n && desc_matches(c->items[c->hint].desc, name, help, type, n_labels, labels))
                return item_use(c, c->hint);
        uint64_t hash = desc_hash(name, help, type, n_labels, labels);
        for (size_t i = c->n_slots ? hash & (c->n_slots - 1) : 0; c->n_slots && c->slots[i];
             i = (i + 1) & (c->n_slots - 1)) {
                const struct desc_cache_item *it = &c->items[c->slots[i] - 1];
                if (it->hash == hash && desc_matches(it->desc, name, help, type, n_labels, labels))
                        return item_use(c, c->slots[i] - 1);
        }
        if (array_reserve((void **) &c->items, &c->cap, c->n + 1, sizeof(*c->items)) < 0)
                return NULL;
        if ((c->n + 1) * 2 > c->n_slots && slots_rebuild(c, c->n_slots ? c->n_slots * 2 : 64) < 0)
                return NULL;
        struct metric_desc *d = desc_new(name, help, type, n_labels, labels);
        if (!d)
                return NULL;
        c->items[c->n] = (struct desc_cache_item){.desc = d, .hash = hash};
        slot_insert(c->slots, c->n_slots, hash, c->n);
        return item_use(c, c->n++);
}

size_t desc_cache_sweep(struct desc_cache *c) {
        size_t kept = 0;
        for (size_t i = 0; i < c->n; i++) {
                if (!c->items[i].used) {
                        free(c->items[i].desc);
                        continue;
                }
                c->items[i].used = false;
                c->items[kept++] = c->items[i];
        }
        size_t freed = c->n - kept;
        c->n = kept;
        c->hint = 0;
        if (freed > 0) {
                metric_desc_retired();
                /* the same number of slots: no allocation, so no failure */
                (void) slots_rebuild(c, c->n_slots);
        }
        return freed;
}

void desc_cache_free(struct desc_cache *c) {
        for (size_t i = 0; i < c->n; i++)
                free(c->items[i].desc);
        if (c->n > 0)
                metric_desc_retired();
        free(c->items);
        free(c->slots);
        *c = (struct desc_cache){0};
}
