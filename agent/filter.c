/* Name filters on top of regcomp(3). */
#include "filter.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "macro.h"

/* Rewrites the RE2 classes \d \D \s \S \w \W into POSIX bracket forms. */
static char *re2_to_posix(const char *re) {
        size_t len = strlen(re);
        char *out = malloc(len * 12 + 1);
        if (!out)
                return NULL;
        char *o = out;
        bool in_bracket = false;
        for (const char *p = re; *p; p++) {
                if (*p == '\\' && p[1]) {
                        const char *cls = NULL;
                        bool neg = false;
                        switch (p[1]) {
                        case 'd': cls = "0-9"; break;
                        case 'D':
                                cls = "0-9";
                                neg = true;
                                break;
                        case 's': cls = "[:space:]"; break;
                        case 'S':
                                cls = "[:space:]";
                                neg = true;
                                break;
                        case 'w': cls = "[:alnum:]_"; break;
                        case 'W':
                                cls = "[:alnum:]_";
                                neg = true;
                                break;
                        default: break;
                        }
                        if (cls && in_bracket && !neg) {
                                o = stpcpy(o, cls);
                                p++;
                                continue;
                        }
                        if (cls && !in_bracket) {
                                o += sprintf(o, "[%s%s]", neg ? "^" : "", cls);
                                p++;
                                continue;
                        }
                        *o++ = *p++;
                        *o++ = *p;
                        continue;
                }
                if (*p == '[' && !in_bracket) {
                        in_bracket = true;
                        *o++ = *p;
                        /* a ']' right after '[' or '[^' is a literal */
                        if (p[1] == '^')
                                *o++ = *++p;
                        if (p[1] == ']')
                                *o++ = *++p;
                        continue;
                }
                if (*p == ']' && in_bracket)
                        in_bracket = false;
                *o++ = *p;
        }
        *o = '\0';
        return out;
}

/* REG_EXTENDED | REG_NOSUB; on a bad pattern err (size bytes) says which. */
static int compile(regex_t *re, const char *posix, const char *what, const char *given, char *err, size_t size) {
        int r = regcomp(re, posix, REG_EXTENDED | REG_NOSUB);
        if (r == 0)
                return 0;
        if (err) {
                char msg[128];
                (void) regerror(r, re, msg, sizeof(msg));
                (void) snprintf(err, size, "%s pattern '%s': %s", what, given, msg);
        }
        return r == REG_ESPACE ? -ENOMEM : -EINVAL;
}

/* Both patterns compiled, or neither. */
static int compile_both(const struct filter *f, regex_t *include, regex_t *exclude, const char *given_include,
                        const char *given_exclude, char *err, size_t size) {
        int r = f->include_re ? compile(include, f->include_re, "include", given_include, err, size) : 0;
        if (r < 0)
                return r;
        if (f->exclude_re && (r = compile(exclude, f->exclude_re, "exclude", given_exclude, err, size)) < 0) {
                if (f->include_re)
                        regfree(include);
                return r;
        }
        return 0;
}

static void free_both(const struct filter *f, regex_t *include, regex_t *exclude) {
        if (f->include_re)
                regfree(include);
        if (f->exclude_re)
                regfree(exclude);
}

static int set_pattern(char **ret_posix, const char *pattern) {
        if (!pattern || !*pattern)
                return 0;
        *ret_posix = re2_to_posix(pattern);
        return *ret_posix ? 0 : -ENOMEM;
}

int filter_init(struct filter *f, const char *include, const char *exclude, char *err, size_t size) {
        *f = (struct filter){0};
        int r = set_pattern(&f->include_re, include);
        if (r >= 0)
                r = set_pattern(&f->exclude_re, exclude);
        /* compiled once here to refuse a bad pattern at start */
        regex_t inc, exc;
        if (r >= 0 && (r = compile_both(f, &inc, &exc, include, exclude, err, size)) >= 0)
                free_both(f, &inc, &exc);
        if (r < 0)
                filter_free(f);
        return r;
}

/* On a miss only: regcomp costs about 0.1 ms for the longest default
 * pattern (netstat's), paid once per name. Without memory to compile,
 * it answers as a failed regexec does (no match). */
static bool filter_match(const struct filter *f, const char *name) {
        regex_t inc, exc;
        if (compile_both(f, &inc, &exc, NULL, NULL, NULL, 0) < 0)
                return !f->include_re;
        bool pass = !(f->include_re && regexec(&inc, name, 0, NULL, 0) != 0) &&
                    !(f->exclude_re && regexec(&exc, name, 0, NULL, 0) == 0);
        free_both(f, &inc, &exc);
        return pass;
}

/* Beyond this many names (a host making containers all day), the memo
 * starts again empty rather than growing. */
#define MEMO_MAX_SLOTS 8192

static struct filter_memo_slot *memo_slot(struct filter_memo *m, uint64_t hash, const char *name, size_t len) {
        for (size_t i = hash & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
                struct filter_memo_slot *e = &m->slots[i];
                if (!e->used || (e->hash == hash && e->len == len && memcmp(m->names.data + e->off, name, len) == 0))
                        return e;
        }
}

/* Room for one more name: doubles the table, or empties it at its most. */
static int memo_make_room(struct filter_memo *m) {
        if (m->cap > 0 && (m->n + 1) * 4 <= m->cap * 3)
                return 0;
        if (m->cap >= MEMO_MAX_SLOTS) {
                memset(m->slots, 0, m->cap * sizeof(*m->slots));
                m->n = 0;
                buf_reset(&m->names);
                return 0;
        }
        size_t cap = m->cap ? m->cap * 2 : 64;
        struct filter_memo_slot *slots = calloc(cap, sizeof(*slots));
        if (!slots)
                return -ENOMEM;
        struct filter_memo old = *m;
        m->slots = slots;
        m->cap = cap;
        for (size_t i = 0; i < old.cap; i++) {
                if (!old.slots[i].used)
                        continue;
                size_t j = old.slots[i].hash & (cap - 1);
                while (slots[j].used)
                        j = (j + 1) & (cap - 1);
                slots[j] = old.slots[i];
        }
        free(old.slots);
        return 0;
}

bool filter_pass(struct filter *f, const char *name) {
        if (!f->include_re && !f->exclude_re)
                return true;
        struct filter_memo *m = &f->memo;
        size_t len = strlen(name);
        uint64_t hash = hash_fnv1a(HASH_FNV1A_INIT, name, len);
        if (m->cap > 0) {
                struct filter_memo_slot *e = memo_slot(m, hash, name, len);
                if (e->used)
                        return e->pass;
        }
        bool pass = filter_match(f, name);
        /* without memory for the memo, the answer is still right */
        if (len < UINT32_MAX && memo_make_room(m) == 0) {
                size_t off = m->names.len;
                buf_put(&m->names, name, len);
                if (m->names.error == 0 && off <= UINT32_MAX) {
                        *memo_slot(m, hash, name, len) = (struct filter_memo_slot){
                                .hash = hash, .off = (uint32_t) off, .len = (uint32_t) len, .used = true, .pass = pass};
                        m->n++;
                } else {
                        m->names.error = 0;
                        m->names.len = off;
                }
        }
        return pass;
}

void filter_free(struct filter *f) {
        free(f->include_re);
        free(f->exclude_re);
        free(f->memo.slots);
        buf_free(&f->memo.names);
        *f = (struct filter){0};
}

int filter_from_config(struct filter *f, const struct config_section *s, const char *include_key,
                       const char *default_include, const char *exclude_key, const char *default_exclude,
                       struct diag *diag) {
        const char *inc = include_key ? config_section_string(s, include_key, default_include) : default_include;
        /* an explicit include replaces the default exclude (node_exporter
         * 1.5 refuses the pair; later versions do this) */
        if (include_key && config_section_get(s, include_key))
                default_exclude = NULL;
        const char *exc = exclude_key ? config_section_string(s, exclude_key, default_exclude) : default_exclude;
        char err[256];
        int r = filter_init(f, inc, exc, err, sizeof(err));
        if (r != -EINVAL)
                return r;
        const char *key = strncmp(err, "include", 7) == 0 ? include_key : exclude_key;
        const struct config_entry *e = key ? config_section_get(s, key) : NULL;
        if (e)
                return config_entry_error(s, e, diag, "%s", err);
        return diag_set(diag, "built-in %s", err);
}
