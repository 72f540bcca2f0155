/* What a source from outside the agent adds to a scrape (a plugin's
 * snapshot, an exec program's output) meets the families already in the
 * set there, in the scrape itself: the engine copies such sources after
 * every built-in collector, so the built-ins win. A family whose name is
 * there with another type or help is left out whole; one with the same
 * name, type and help joins it, less the series it has already. So no
 * scrape, the first one included, serves a series twice or a name with
 * two types, whatever the sources print. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "metric.h"

/* One family entry of the set as last checked, and what it came to. */
struct source_merge_entry {
        const struct metric_desc *desc;
        const char *source; /* NULL: the agent's own (a built-in, exec's status) */
        uint32_t earlier;   /* the entry before it with its name (a clash: the first one); UINT32_MAX: none */
        uint8_t verdict;
};

struct source_merge_mark {
        size_t family;
        const char *source;
};

/* The verdicts are kept from one collection to the next, with the set's
 * descriptors they were made from: a scrape whose families are those of
 * the last one compares pointers, and hashes names only after a change.
 * Steady state allocates nothing. */
struct source_merge {
        struct source_merge_entry *entries;
        size_t n, cap;
        size_t checked;  /* this collection's entries found as they were */
        size_t hashed;   /* slots index entries[0, hashed) */
        uint32_t *slots; /* open addressing by name: the index + 1 of its last entry; 0 for none */
        size_t n_slots;  /* a power of two, at least twice hashed */
        uint64_t desc_generation;
        struct source_merge_mark *marks; /* this check's */
        size_t n_marks, cap_marks;
        /* the series of a joining family's name so far */
        struct buf keys;
        struct source_merge_seen {
                uint64_t hash;
                uint32_t key; /* offset in keys; UINT32_MAX: an empty slot */
        } * seen;
        size_t n_seen;
        /* what was left out in this collection and the last, to say it once */
        struct buf said, saying;
        size_t said_hint;
        /* the agent's own families, which come after the sources */
        const struct metric_desc **reserved;
        size_t n_reserved, cap_reserved;
};

void source_merge_free(struct source_merge *m);
/* At the start of a collection. */
void source_merge_begin(struct source_merge *m);
/* The families that set gets from here on come from source, until the
 * next mark (NULL: the agent's own again) or the end of the check. */
void source_merge_mark(struct source_merge *m, const struct metric_set *set, const char *source);
/* Checks families[from, n_families) of set, as marked, against those
 * before them, in place: a clash keeps its entry with no samples. Returns
 * how many series it left out. owner(i) names who added entry i, for the
 * log line that says it once. */
/* At a collection's end: set->families[from, n_families) are the agent's
 * own that come after the collectors (the engine's rows per collector,
 * process_*...). An outside source's family of one of their names is left
 * out whole: they come after it, so they cannot be compared series by
 * series, and they are the agent's. Known from the first collection's
 * end, they are left out of it then. */
void source_merge_reserve(struct source_merge *m, struct metric_set *set, size_t from);
size_t source_merge_check(struct source_merge *m, struct metric_set *set, size_t from,
                          const char *(*owner)(size_t family, void *userdata), void *userdata);
