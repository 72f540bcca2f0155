/* source_merge: outside sources' families checked in the scrape
 * (source_merge.h). A check walks the entries it is given; only when the
 * set's descriptors differ from the last collection's does it look names
 * up, in a table of the entries before; and only a family that joins
 * another of its name costs a comparison of series, each scrape, since
 * label values change without the descriptors changing. */
#include "source_merge.h"

#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "hash.h"
#include "log.h"
#include "source_check.h"

enum {
        VERDICT_AGENT, /* not checked: the agent's own */
        VERDICT_OWN,   /* a name of its own */
        VERDICT_JOIN,  /* the name, type and help of an earlier entry: its series less theirs */
        VERDICT_CLASH, /* the name of an earlier entry with another type or help: left out */
};

#define NONE UINT32_MAX

void source_merge_free(struct source_merge *m) {
        free(m->entries);
        free(m->slots);
        free(m->marks);
        free(m->seen);
        free(m->reserved);
        buf_free(&m->keys);
        buf_free(&m->said);
        buf_free(&m->saying);
        *m = (struct source_merge){0};
}

void source_merge_begin(struct source_merge *m) {
        m->checked = 0;
        m->n_marks = 0;
        struct buf b = m->said;
        m->said = m->saying;
        m->saying = b;
        buf_reset(&m->saying);
        m->said_hint = 0;
}

void source_merge_mark(struct source_merge *m, const struct metric_set *set, const char *source) {
        if (!m)
                return;
        /* a mark that cannot be kept leaves the agent's own families checked
         * as the source before: wrong names in a log line at worst */
        if (array_reserve((void **) &m->marks, &m->cap_marks, m->n_marks + 1, sizeof(*m->marks)) == 0)
                m->marks[m->n_marks++] = (struct source_merge_mark){set->n_families, source};
}

/* The slot of name: its last entry's, or the empty one where it goes. */
static uint32_t *slot_of(struct source_merge *m, const char *name) {
        size_t i = hash_fnv1a(HASH_FNV1A_INIT, name, strlen(name)) & (m->n_slots - 1);
        while (m->slots[i] && strcmp(m->entries[m->slots[i] - 1].desc->name, name) != 0)
                i = (i + 1) & (m->n_slots - 1);
        return &m->slots[i];
}

static bool reserved_name(const struct source_merge *m, const char *name) {
        for (size_t k = 0; k < m->n_reserved; k++)
                if (strcmp(m->reserved[k]->name, name) == 0)
                        return true;
        return false;
}

/* Makes slots index entries[0, n) once more, in room for need; -ENOMEM. */
static int slots_rebuild(struct source_merge *m, size_t n, size_t need) {
        size_t want = m->n_slots ? m->n_slots : 64;
        while (want < 2 * need)
                want *= 2;
        if (want != m->n_slots) {
                uint32_t *slots = calloc(want, sizeof(*slots));
                if (!slots)
                        return -1;
                free(m->slots);
                m->slots = slots;
                m->n_slots = want;
        } else
                memset(m->slots, 0, m->n_slots * sizeof(*m->slots));
        for (size_t i = 0; i < n; i++)
                if (m->entries[i].verdict != VERDICT_CLASH)
                        *slot_of(m, m->entries[i].desc->name) = (uint32_t) i + 1;
        m->hashed = n;
        return 0;
}

/* Entry i anew: its verdict against the entries before it. */
static void entry_judge(struct source_merge *m, size_t i, const struct metric_desc *d, const char *source) {
        uint32_t *slot = slot_of(m, d->name);
        struct source_merge_entry *e = &m->entries[i];
        *e = (struct source_merge_entry){.desc = d, .source = source, .earlier = NONE, .verdict = VERDICT_OWN};
        if (source && reserved_name(m, d->name)) {
                e->verdict = VERDICT_CLASH; /* the agent's own, whatever its help */
                m->hashed = i + 1;
                return;
        }
        if (*slot) {
                e->earlier = *slot - 1;
                /* the first entry of the name is the one kept: compared with it */
                uint32_t first = e->earlier;
                while (m->entries[first].earlier != NONE)
                        first = m->entries[first].earlier;
                const struct metric_desc *f = m->entries[first].desc;
                e->verdict = VERDICT_JOIN;
                if (source && (f->type != d->type || strcmp(f->help, d->help) != 0)) {
                        e->verdict = VERDICT_CLASH;
                        e->earlier = first;
                }
        }
        if (!source && e->verdict != VERDICT_CLASH)
                e->verdict = VERDICT_AGENT;
        if (e->verdict != VERDICT_CLASH)
                *slot = (uint32_t) i + 1;
        m->hashed = i + 1;
}

/* Brings entries up to set's families [0, to), the marks saying whose
 * those from from on are; false when the verdicts could not be made. */
static bool entries_update(struct source_merge *m, const struct metric_set *set, size_t from, size_t to) {
        uint64_t generation = metric_desc_generation();
        if (generation != m->desc_generation) {
                m->n = m->checked = 0;
                m->desc_generation = generation;
        }
        size_t mark = 0;
        const char *source = NULL;
        size_t i = m->checked;
        for (; i < to; i++) {
                while (i >= from && mark < m->n_marks && m->marks[mark].family <= i)
                        source = m->marks[mark++].source;
                if (i >= m->n || m->entries[i].desc != set->families[i].desc || m->entries[i].source != source)
                        break;
        }
        if (i < to) {
                /* a change at i: what follows is judged anew, by name */
                if (array_reserve((void **) &m->entries, &m->cap, to, sizeof(*m->entries)) < 0 ||
                    ((i < m->hashed || to * 2 > m->n_slots) && slots_rebuild(m, i, to) < 0)) {
                        m->n = m->checked = m->hashed = 0;
                        return false;
                }
                for (; i < to; i++) {
                        while (i >= from && mark < m->n_marks && m->marks[mark].family <= i)
                                source = m->marks[mark++].source;
                        entry_judge(m, i, set->families[i].desc, i >= from ? source : NULL);
                }
                m->n = to;
        }
        m->checked = to;
        return true;
}

/* Says once, while it lasts, that source's family name was left out. */
static void say(struct source_merge *m, char kind, const struct source_merge_entry *e, size_t n_series,
                const char *(*owner)(size_t family, void *userdata), void *userdata) {
        size_t at = m->saying.len;
        buf_putc(&m->saying, kind);
        buf_puts(&m->saying, e->source);
        buf_putc(&m->saying, '\0');
        buf_puts(&m->saying, e->desc->name);
        buf_putc(&m->saying, '\0');
        size_t len = m->saying.len - at;
        if (m->saying.error < 0)
                return; /* said again next time rather than never */
        /* the last collection's come in the same order: tried where the
         * last one found ended first */
        const char *rec = m->saying.data + at;
        if (m->said_hint + len <= m->said.len && memcmp(m->said.data + m->said_hint, rec, len) == 0) {
                m->said_hint += len;
                return;
        }
        for (size_t p = 0; p + len <= m->said.len;) {
                if (memcmp(m->said.data + p, rec, len) == 0) {
                        m->said_hint = p + len;
                        return;
                }
                p += strlen(m->said.data + p) + 1;
                p += strlen(m->said.data + p) + 1;
        }
        if (e->earlier == NONE) {
                log_warn("%s: family %s is one of the agent's own: it is left out of the scrape and counted in "
                         "vigie_collector_parse_errors_total",
                         e->source, e->desc->name);
                return;
        }
        const struct source_merge_entry *first = &m->entries[e->earlier];
        while (first->earlier != NONE)
                first = &m->entries[first->earlier];
        const char *who = first->source ? first->source : owner((size_t) (first - m->entries), userdata);
        if (kind == 'c')
                log_warn("%s: family %s is %s's already, with another %s: it is left out of the scrape and "
                         "counted in vigie_collector_parse_errors_total",
                         e->source, e->desc->name, who, first->desc->type != e->desc->type ? "type" : "help");
        else
                log_warn("%s: %zu series of family %s are %s's already: left out of the scrape and counted in "
                         "vigie_collector_parse_errors_total",
                         e->source, n_series, e->desc->name, who);
}

/* The reserved names have just changed (the first collection, say): what
 * the sources of this one served of them is left out now, the samples
 * after moved down. Not counted: the counts are in the set already; the
 * next collections count it. */
static void drop_reserved(struct source_merge *m, struct metric_set *set, size_t from) {
        size_t checked = m->checked < from ? m->checked : from;
        bool moving = false;
        uint32_t w = 0;
        for (size_t i = 0; i < set->n_families; i++) {
                struct metric_family *f = &set->families[i];
                struct source_merge_entry *e = &m->entries[i];
                bool drop = i < checked && e->source && e->verdict != VERDICT_CLASH && f->count > 0 &&
                            reserved_name(m, f->desc->name);
                if (drop && !moving) {
                        moving = true;
                        w = f->first;
                }
                if (!moving)
                        continue;
                uint32_t first = f->first;
                f->first = w;
                if (drop) {
                        e->verdict = VERDICT_CLASH;
                        e->earlier = NONE;
                        say(m, 'c', e, f->count, NULL, NULL);
                        f->count = 0;
                        continue;
                }
                memmove(&set->samples[w], &set->samples[first], f->count * sizeof(*set->samples));
                w += f->count;
        }
        if (moving)
                set->n_samples = w;
}

void source_merge_reserve(struct source_merge *m, struct metric_set *set, size_t from) {
        size_t n = set->n_families - from;
        bool same = n == m->n_reserved;
        for (size_t i = 0; same && i < n; i++)
                same = m->reserved[i] == set->families[from + i].desc;
        if (same || set->error < 0)
                return;
        if (array_reserve((void **) &m->reserved, &m->cap_reserved, n, sizeof(*m->reserved)) < 0)
                return; /* those of before, a collection more */
        for (size_t i = 0; i < n; i++)
                m->reserved[i] = set->families[from + i].desc;
        m->n_reserved = n;
        drop_reserved(m, set, from);
        m->n = 0; /* the verdicts made without them are judged anew */
}

/* Whether sample s of family d is among the seen series, which it joins
 * when it is not; -1 on ENOMEM. */
static int seen_test(struct source_merge *m, const struct metric_set *set, const struct metric_desc *d,
                     const struct metric_sample *s) {
        size_t keys_len = m->keys.len;
        uint32_t key = source_series_key(&m->keys, set, d, s, UINT32_MAX);
        m->keys.len--; /* its NUL: the suffix tells name_sum from name{} too */
        buf_putc(&m->keys, (char) ('0' + s->suffix));
        buf_putc(&m->keys, '\0');
        if (m->keys.error < 0 || m->keys.len > UINT32_MAX)
                return -1;
        uint64_t h = hash_fnv1a(HASH_FNV1A_INIT, m->keys.data + key, m->keys.len - 1 - key);
        size_t mask = m->n_seen - 1;
        for (size_t i = h & mask;; i = (i + 1) & mask) {
                struct source_merge_seen *x = &m->seen[i];
                if (x->key == NONE) {
                        *x = (struct source_merge_seen){h, key};
                        return 0;
                }
                if (x->hash == h && strcmp(m->keys.data + x->key, m->keys.data + key) == 0) {
                        m->keys.len = keys_len;
                        return 1;
                }
        }
}

/* The seen series: those of the entries before e with its name. -1 on
 * ENOMEM. */
static int seen_fill(struct source_merge *m, const struct metric_set *set, const struct source_merge_entry *e,
                     uint32_t count) {
        size_t total = count;
        for (uint32_t j = e->earlier; j != NONE; j = m->entries[j].earlier)
                total += set->families[j].count;
        size_t want = m->n_seen ? m->n_seen : 64;
        while (want < 2 * total)
                want *= 2;
        if (want != m->n_seen) {
                struct source_merge_seen *seen = malloc(want * sizeof(*seen));
                if (!seen)
                        return -1;
                free(m->seen);
                m->seen = seen;
                m->n_seen = want;
        }
        memset(m->seen, 0xff, m->n_seen * sizeof(*m->seen)); /* every key NONE */
        buf_reset(&m->keys);
        for (uint32_t j = e->earlier; j != NONE; j = m->entries[j].earlier) {
                const struct metric_family *f = &set->families[j];
                for (uint32_t k = 0; k < f->count; k++)
                        if (seen_test(m, set, f->desc, &set->samples[f->first + k]) < 0)
                                return -1;
        }
        return 0;
}

size_t source_merge_check(struct source_merge *m, struct metric_set *set, size_t from,
                          const char *(*owner)(size_t family, void *userdata), void *userdata) {
        size_t to = set->n_families, left_out = 0;
        bool ok = set->error == 0 && entries_update(m, set, from, to);
        m->n_marks = 0;
        bool any = false;
        for (size_t i = from; ok && i < to && !any; i++)
                any = m->entries[i].verdict >= VERDICT_JOIN;
        if (!any)
                return 0;
        /* each family's samples moved down over those left out before it */
        uint32_t w = set->families[from].first;
        for (size_t i = from; i < to; i++) {
                struct metric_family *f = &set->families[i];
                const struct source_merge_entry *e = &m->entries[i];
                uint32_t first = f->first, count = f->count, kept = 0;
                f->first = w;
                if (e->verdict == VERDICT_CLASH) {
                        if (count > 0)
                                say(m, 'c', e, count, owner, userdata);
                        left_out += count;
                        f->count = 0;
                        continue;
                }
                /* out of memory, the series are kept: a duplicate rather than a hole */
                bool join = e->verdict == VERDICT_JOIN && count > 0 && seen_fill(m, set, e, count) == 0;
                for (uint32_t k = 0; k < count; k++) {
                        const struct metric_sample *s = &set->samples[first + k];
                        if (join && seen_test(m, set, f->desc, s) == 1)
                                continue;
                        set->samples[w++] = *s;
                        kept++;
                }
                f->count = kept;
                if (kept < count) {
                        say(m, 'd', e, count - kept, owner, userdata);
                        left_out += count - kept;
                }
        }
        set->n_samples = w;
        return left_out;
}
