/* textfile: *.prom files in a directory, in the Prometheus text format,
 * with node_exporter's semantics: each file's families are exported with
 * node_textfile_mtime_seconds{file}, and node_textfile_scrape_error is 1
 * when a file could not be used. A file that is malformed (syntax, a
 * timestamp, an invalid name) or inconsistent (a duplicate series, a type
 * or help that contradicts another file) is skipped whole and reported;
 * the rest of the scrape goes on.
 *
 * The directory is listed and its files read and parsed again only when
 * stat() says the directory or one of its .prom files changed (a file
 * replaced by rename, as the textfile convention asks, or rewritten in
 * place); a scrape costs one stat() per file otherwise. Names and series
 * keys are found by hash and each sample's descriptor is resolved once
 * per reading, so that the cost grows with the files' size, not its
 * square; descriptors no longer used are freed at the reading. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "array.h"
#include "collector.h"
#include "desc_cache.h"
#include "dirlist.h"
#include "fileio.h"
#include "hash.h"
#include "log.h"
#include "parse.h"
#include "sort.h"
#include "textfile.h"

#define MAX_FILE_SIZE (64u << 20)
#define NONE SIZE_MAX

static const char *const file_label[] = {"file"};
static const struct metric_desc mtime_desc = {
        "node_textfile_mtime_seconds", "Unixtime mtime of textfiles successfully read.", METRIC_GAUGE, 1, file_label};
static const struct metric_desc error_desc = {"node_textfile_scrape_error",
                                              "1 if there was an error opening or reading a file, 0 otherwise",
                                              METRIC_GAUGE, 0, NULL};

static const struct collector_option textfile_options[] = {
        {"directory", "", "a directory of *.prom files written by other programs; empty: none is read"},
        {NULL, NULL, NULL},
};

/* A family as one file declares it: HELP and TYPE apply to that file's
 * samples only, as when node_exporter parses each file on its own. */
struct tf_family {
        size_t metric; /* its name, by index in metrics */
        size_t help;   /* offset in strings; 0 when the file gave none */
        enum metric_type type;
        bool typed, has_samples;
        size_t file; /* index of the file in the directory listing */
};

/* A metric name across the files of one reading: what the accepted files
 * said of it, and its family in the file being parsed. Never undone when
 * a file is refused (the name stays, with nothing accepted). */
struct tf_metric {
        size_t name;          /* offset in names */
        size_t first, helped; /* the first accepted families with samples and with HELP; NONE */
        size_t file, family;  /* family is its family in file, the one being parsed when it is that one */
};

struct tf_sample {
        size_t family;
        uint8_t suffix;
        unsigned n_labels;
        size_t names[METRIC_MAX_LABELS], values[METRIC_MAX_LABELS]; /* offsets, sorted by name */
        double value;
        /* the series key, for duplicates: the name with its suffix and the
         * non-empty labels, each with a NUL (no value holds one) */
        size_t key, key_len;
        uint64_t key_hash;
        const struct metric_desc *desc; /* set once the whole directory is read */
};

/* Open addressing over (hash, value) pairs; the caller compares keys. */
struct tf_slot {
        uint64_t hash;
        size_t value; /* + 1; 0 for an empty slot */
};
struct tf_index {
        struct tf_slot *slots;
        size_t cap, n; /* cap a power of two, at least twice n */
};

/* A file used, and its mtime. */
struct tf_ok {
        size_t file; /* by index in the listing */
        double mtime;
};

/* A file refused, as it was when it was said so. */
struct tf_warned {
        size_t name; /* offset in warned_names */
        struct file_stamp stamp;
};

struct textfile_state {
        char directory[PATH_MAX];
        char *source; /* a parser's (textfile_parser_new): where its text comes from, for the default HELP */
        struct dirlist files;
        struct buf content;
        struct buf strings; /* offset 0 is "" */
        struct buf names;   /* of metrics */
        struct tf_family *families;
        size_t n_families, cap_families;
        struct tf_metric *metrics;
        size_t n_metrics, cap_metrics;
        struct tf_index metric_index; /* metrics by name */
        struct tf_sample *samples;
        size_t n_samples, cap_samples;
        struct tf_index key_index; /* series keys of the accepted files, by sample */
        size_t *order;             /* scratch: one file's samples sorted by key */
        size_t cap_order;
        struct desc_cache descs;
        char error[256]; /* why the current file is refused */
        unsigned line;

        /* What the last reading found, kept while the stamps hold */
        bool read;
        struct file_stamp dir_stamp;
        struct file_stamp *stamps; /* of each .prom file, by index in the listing */
        size_t cap_stamps;
        bool scrape_error;
        int dir_error;         /* why the directory could not be listed, as logged; 0 when it could */
        unsigned parse_errors; /* files skipped, counted again at each scrape */
        struct tf_ok *ok;      /* the files used */
        size_t n_ok, cap_ok;
        /* the files refused and said so (by name order), this reading's and
         * the last one's: a file is warned of once per change */
        struct tf_warned *warned, *warned_old;
        size_t n_warned, cap_warned, n_warned_old, cap_warned_old;
        struct buf warned_names, warned_names_old;
};

static int textfile_init(_unused_ const struct collector_env *env, const struct config_section *section,
                         struct diag *diag, void **ret_state) {
        const char *dir = config_section_string(section, "directory", "");
        if (dir[0] != '\0' && dir[0] != '/')
                return config_entry_error(section, config_section_get(section, "directory"), diag,
                                          "'%s' is not an absolute path", dir);
        struct textfile_state *s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        if (snprintf(s->directory, sizeof(s->directory), "%s", dir) >= (int) sizeof(s->directory)) {
                free(s);
                return -ENAMETOOLONG;
        }
        *ret_state = s;
        return 0;
}

static void textfile_free(void *state) {
        struct textfile_state *s = state;
        if (!s)
                return;
        dirlist_free(&s->files);
        buf_free(&s->content);
        buf_free(&s->strings);
        buf_free(&s->names);
        free(s->families);
        free(s->metrics);
        free(s->metric_index.slots);
        free(s->samples);
        free(s->key_index.slots);
        free(s->order);
        free(s->stamps);
        free(s->ok);
        free(s->warned);
        free(s->warned_old);
        buf_free(&s->warned_names);
        buf_free(&s->warned_names_old);
        desc_cache_free(&s->descs);
        free(s->source);
        free(s);
}

static const char *str(const struct textfile_state *s, size_t off) {
        return s->strings.data + off;
}

static const char *family_name(const struct textfile_state *s, const struct tf_family *f) {
        return s->names.data + s->metrics[f->metric].name;
}

static size_t put_str(struct textfile_state *s, const char *p, size_t n) {
        size_t off = s->strings.len;
        buf_put(&s->strings, p, n);
        buf_putc(&s->strings, '\0');
        return off;
}

/* The values stored under hash, one per call, from *pos = 0 on. */
static bool index_next(const struct tf_index *x, uint64_t hash, size_t *pos, size_t *ret_value) {
        while (x->cap > 0) {
                const struct tf_slot *sl = &x->slots[(hash + (*pos)++) & (x->cap - 1)];
                if (sl->value == 0)
                        return false;
                if (sl->hash == hash) {
                        *ret_value = sl->value - 1;
                        return true;
                }
        }
        return false;
}

static void index_put(struct tf_slot *slots, size_t cap, struct tf_slot sl) {
        size_t i = sl.hash & (cap - 1);
        while (slots[i].value != 0)
                i = (i + 1) & (cap - 1);
        slots[i] = sl;
}

static int index_add(struct tf_index *x, uint64_t hash, size_t value) {
        if ((x->n + 1) * 2 > x->cap) {
                size_t cap = x->cap ? x->cap * 2 : 64;
                struct tf_slot *slots = calloc(cap, sizeof(*slots));
                if (!slots)
                        return -ENOMEM;
                for (size_t i = 0; i < x->cap; i++)
                        if (x->slots[i].value != 0)
                                index_put(slots, cap, x->slots[i]);
                free(x->slots);
                x->slots = slots;
                x->cap = cap;
        }
        index_put(x->slots, x->cap, (struct tf_slot){hash, value + 1});
        x->n++;
        return 0;
}

static void index_clear(struct tf_index *x) {
        if (x->cap > 0)
                memset(x->slots, 0, x->cap * sizeof(*x->slots));
        x->n = 0;
}

static int refuse(struct textfile_state *s, const char *fmt, ...) _printf_(2, 3);
static int refuse(struct textfile_state *s, const char *fmt, ...) {
        if (s->error[0] == '\0') {
                int n = snprintf(s->error, sizeof(s->error), "line %u: ", s->line);
                va_list ap;
                va_start(ap, fmt);
                (void) vsnprintf(s->error + n, sizeof(s->error) - (size_t) n, fmt, ap);
                va_end(ap);
        }
        return -EINVAL;
}

static bool is_name_char(char c, bool first, bool colon) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (colon && c == ':') ||
               (!first && c >= '0' && c <= '9');
}

static size_t name_len(const char *p, const char *end, bool colon) {
        size_t n = 0;
        while (p + n < end && is_name_char(p[n], n == 0, colon))
                n++;
        return n;
}

static const char *skip_blank(const char *p, const char *end) {
        while (p < end && (*p == ' ' || *p == '\t'))
                p++;
        return p;
}

/* The metric called name[0..n), or NONE. */
static size_t metric_find(const struct textfile_state *s, const char *name, size_t n, uint64_t hash) {
        size_t pos = 0, m;
        while (index_next(&s->metric_index, hash, &pos, &m)) {
                const char *mn = s->names.data + s->metrics[m].name;
                if (memcmp(mn, name, n) == 0 && mn[n] == '\0')
                        return m;
        }
        return NONE;
}

/* This file's family called name[0..n), created (untyped) if new. */
static int find_family(struct textfile_state *s, const char *name, size_t n, size_t file, size_t *ret) {
        uint64_t hash = hash_fnv1a(HASH_FNV1A_INIT, name, n);
        size_t m = metric_find(s, name, n, hash);
        if (m != NONE && s->metrics[m].file == file) {
                *ret = s->metrics[m].family;
                return 0;
        }
        if (array_reserve((void **) &s->families, &s->cap_families, s->n_families + 1, sizeof(*s->families)) < 0)
                return -ENOMEM;
        if (m == NONE) {
                if (array_reserve((void **) &s->metrics, &s->cap_metrics, s->n_metrics + 1, sizeof(*s->metrics)) < 0 ||
                    index_add(&s->metric_index, hash, s->n_metrics) < 0)
                        return -ENOMEM;
                m = s->n_metrics++;
                s->metrics[m] = (struct tf_metric){.name = s->names.len, .first = NONE, .helped = NONE};
                buf_put(&s->names, name, n);
                buf_putc(&s->names, '\0');
                if (s->names.error < 0)
                        return s->names.error;
        }
        s->metrics[m].file = file;
        s->metrics[m].family = s->n_families;
        s->families[s->n_families] = (struct tf_family){.metric = m, .type = METRIC_UNTYPED, .file = file};
        *ret = s->n_families++;
        return 0;
}

static int parse_type(const char *p, size_t n, enum metric_type *ret) {
        static const struct {
                const char *name;
                enum metric_type type;
        } types[] = {{"counter", METRIC_COUNTER},
                     {"gauge", METRIC_GAUGE},
                     {"untyped", METRIC_UNTYPED},
                     {"histogram", METRIC_HISTOGRAM},
                     {"summary", METRIC_SUMMARY}};
        for (size_t i = 0; i < ELEMENTSOF(types); i++)
                if (strlen(types[i].name) == n && memcmp(types[i].name, p, n) == 0) {
                        *ret = types[i].type;
                        return 0;
                }
        return -EINVAL;
}

/* "# HELP name text" and "# TYPE name type"; other comments are ignored. */
static int parse_comment(struct textfile_state *s, const char *p, const char *end, size_t file) {
        p = skip_blank(p + 1, end);
        bool help = end - p > 4 && memcmp(p, "HELP", 4) == 0 && (p[4] == ' ' || p[4] == '\t');
        bool type = end - p > 4 && memcmp(p, "TYPE", 4) == 0 && (p[4] == ' ' || p[4] == '\t');
        if (!help && !type)
                return 0;
        p = skip_blank(p + 4, end);
        size_t n = name_len(p, end, true);
        if (n == 0)
                return refuse(s, "%s without a valid metric name", help ? "HELP" : "TYPE");
        size_t fi;
        int r = find_family(s, p, n, file, &fi);
        if (r < 0)
                return r;
        struct tf_family *f = &s->families[fi];
        const char *q = skip_blank(p + n, end);
        if (help) {
                if (f->help)
                        return refuse(s, "second HELP for %.*s", (int) n, p);
                /* unescape \\ and \n */
                size_t off = s->strings.len;
                for (; q < end; q++) {
                        if (*q == '\\' && q + 1 < end && (q[1] == '\\' || q[1] == 'n')) {
                                buf_putc(&s->strings, q[1] == 'n' ? '\n' : '\\');
                                q++;
                        } else
                                buf_putc(&s->strings, *q);
                }
                buf_putc(&s->strings, '\0');
                f->help = off;
                return 0;
        }
        size_t tn = 0;
        while (q + tn < end && q[tn] != ' ' && q[tn] != '\t')
                tn++;
        enum metric_type t;
        if (parse_type(q, tn, &t) < 0 || skip_blank(q + tn, end) != end)
                return refuse(s, "unknown TYPE '%.*s'", (int) tn, q);
        if (f->typed)
                return refuse(s, "second TYPE for %.*s", (int) n, p);
        if (f->has_samples)
                return refuse(s, "TYPE for %.*s after its samples", (int) n, p);
        f->type = t;
        f->typed = true;
        return 0;
}

/* Which family a sample name belongs to: name itself, or the histogram or
 * summary it is the _bucket, _sum or _count of. */
static int resolve_family(struct textfile_state *s, const char *name, size_t n, size_t file, size_t *ret_family,
                          uint8_t *ret_suffix) {
        static const struct {
                const char *suffix;
                uint8_t id;
        } suffixes[] = {
                {"_bucket", METRIC_SUFFIX_BUCKET}, {"_sum", METRIC_SUFFIX_SUM}, {"_count", METRIC_SUFFIX_COUNT}};
        for (size_t k = 0; k < ELEMENTSOF(suffixes); k++) {
                size_t sl = strlen(suffixes[k].suffix);
                if (n <= sl || memcmp(name + n - sl, suffixes[k].suffix, sl) != 0)
                        continue;
                size_t m = metric_find(s, name, n - sl, hash_fnv1a(HASH_FNV1A_INIT, name, n - sl));
                if (m == NONE || s->metrics[m].file != file)
                        continue;
                const struct tf_family *f = &s->families[s->metrics[m].family];
                bool histogram = f->type == METRIC_HISTOGRAM, summary = f->type == METRIC_SUMMARY;
                if (histogram || (summary && suffixes[k].id != METRIC_SUFFIX_BUCKET)) {
                        *ret_family = s->metrics[m].family;
                        *ret_suffix = suffixes[k].id;
                        return 0;
                }
        }
        *ret_suffix = METRIC_SUFFIX_NONE;
        return find_family(s, name, n, file, ret_family);
}

static int parse_sample(struct textfile_state *s, const char *p, const char *end, size_t file) {
        size_t n = name_len(p, end, true);
        if (n == 0)
                return refuse(s, "not a metric name");
        struct tf_sample smp = {0};
        int r = resolve_family(s, p, n, file, &smp.family, &smp.suffix);
        if (r < 0)
                return r;
        p += n;
        if (p < end && *p == '{') {
                p = skip_blank(p + 1, end);
                while (p < end && *p != '}') {
                        size_t ln = name_len(p, end, false);
                        if (ln == 0 || (ln >= 2 && p[0] == '_' && p[1] == '_'))
                                return refuse(s, "invalid label name");
                        if (smp.n_labels == METRIC_MAX_LABELS)
                                return refuse(s, "more than %d labels", METRIC_MAX_LABELS);
                        size_t lname = put_str(s, p, ln);
                        p = skip_blank(p + ln, end);
                        if (p >= end || *p != '=')
                                return refuse(s, "expected '=' after a label name");
                        p = skip_blank(p + 1, end);
                        if (p >= end || *p != '"')
                                return refuse(s, "expected '\"' to open a label value");
                        size_t lval = s->strings.len;
                        for (p++; p < end && *p != '"'; p++) {
                                if (*p == '\\') {
                                        if (p + 1 >= end || !strchr("\\\"n", p[1]))
                                                return refuse(s, "invalid escape in a label value");
                                        buf_putc(&s->strings, p[1] == 'n' ? '\n' : p[1]);
                                        p++;
                                } else
                                        buf_putc(&s->strings, *p);
                        }
                        buf_putc(&s->strings, '\0');
                        if (p >= end)
                                return refuse(s, "unterminated label value");
                        /* as node_exporter: exposed, invalid bytes would all read
                         * U+FFFD, and two values one series */
                        if (s->strings.error == 0 && !utf8_valid(str(s, lval)))
                                return refuse(s, "label value of %s is not valid UTF-8", str(s, lname));
                        /* keep the labels sorted by name; the same name twice is an error */
                        unsigned k = smp.n_labels++;
                        while (k > 0 && strcmp(str(s, smp.names[k - 1]), str(s, lname)) > 0) {
                                smp.names[k] = smp.names[k - 1];
                                smp.values[k] = smp.values[k - 1];
                                k--;
                        }
                        if (k > 0 && strcmp(str(s, smp.names[k - 1]), str(s, lname)) == 0)
                                return refuse(s, "label %s given twice", str(s, lname));
                        smp.names[k] = lname;
                        smp.values[k] = lval;
                        p = skip_blank(p + 1, end);
                        if (p < end && *p == ',')
                                p = skip_blank(p + 1, end);
                        else if (p < end && *p != '}')
                                return refuse(s, "expected ',' or '}' after a label");
                }
                if (p >= end)
                        return refuse(s, "unterminated label set");
                p++;
        }
        if (p >= end || (*p != ' ' && *p != '\t'))
                return refuse(s, "expected a value after the metric");
        p = skip_blank(p, end);
        size_t vn = 0;
        while (p + vn < end && p[vn] != ' ' && p[vn] != '\t')
                vn++;
        if (parse_prom_value(p, vn, &smp.value) < 0)
                return refuse(s, "'%.*s' is not a value", (int) vn, p);
        p = skip_blank(p + vn, end);
        if (p != end)
                return refuse(s, "client-side timestamps are not supported");

        /* the series key: family, suffix and the non-empty labels,
         * appended from the buffer itself, which buf_put allows
         * (buf_printf's arguments would dangle once it grows) */
        smp.key = s->strings.len;
        const char *fname = family_name(s, &s->families[smp.family]);
        buf_put(&s->strings, fname, strlen(fname));
        buf_puts(&s->strings, metric_suffix_name(smp.suffix));
        buf_putc(&s->strings, '\0');
        for (unsigned l = 0; l < smp.n_labels && s->strings.error == 0; l++)
                if (*str(s, smp.values[l])) {
                        buf_put(&s->strings, str(s, smp.names[l]), strlen(str(s, smp.names[l])) + 1);
                        buf_put(&s->strings, str(s, smp.values[l]), strlen(str(s, smp.values[l])) + 1);
                }
        if (s->strings.error < 0)
                return s->strings.error;
        smp.key_len = s->strings.len - smp.key;
        smp.key_hash = hash_fnv1a(HASH_FNV1A_INIT, str(s, smp.key), smp.key_len);
        buf_putc(&s->strings, '\0');
        if (array_reserve((void **) &s->samples, &s->cap_samples, s->n_samples + 1, sizeof(*s->samples)) < 0)
                return -ENOMEM;
        s->samples[s->n_samples++] = smp;
        s->families[smp.family].has_samples = true;
        return s->strings.error;
}

/* name{a="x",b="y"} for a message, cut to what fits. */
static const char *series_text(const struct textfile_state *s, const struct tf_sample *smp, char *out, size_t size) {
        int n = snprintf(out, size, "%s%s{", family_name(s, &s->families[smp->family]),
                         metric_suffix_name(smp->suffix));
        for (unsigned l = 0; l < smp->n_labels && n >= 0 && (size_t) n < size; l++)
                if (*str(s, smp->values[l]))
                        n += snprintf(out + n, size - (size_t) n, "%s%s=\"%s\"", out[n - 1] == '{' ? "" : ",",
                                      str(s, smp->names[l]), str(s, smp->values[l]));
        if (n >= 0 && (size_t) n < size)
                (void) snprintf(out + n, size - (size_t) n, "}");
        return out;
}

static bool same_key(const struct textfile_state *s, const struct tf_sample *a, const struct tf_sample *b) {
        return a->key_hash == b->key_hash && a->key_len == b->key_len &&
               memcmp(str(s, a->key), str(s, b->key), a->key_len) == 0;
}

static int key_cmp(const void *a, const void *b, void *ctx) {
        const struct textfile_state *s = ctx;
        const struct tf_sample *x = &s->samples[*(const size_t *) a], *y = &s->samples[*(const size_t *) b];
        int c = memcmp(str(s, x->key), str(s, y->key), x->key_len < y->key_len ? x->key_len : y->key_len);
        return c ? c : (x->key_len > y->key_len) - (x->key_len < y->key_len);
}

/* The samples [first, n) must be series of their own: not in an accepted
 * file, and not twice in this one; -EINVAL otherwise. */
static int check_keys(struct textfile_state *s, size_t first) {
        char text[128];
        for (size_t i = first; i < s->n_samples; i++) {
                const struct tf_sample *smp = &s->samples[i];
                size_t pos = 0, k;
                while (index_next(&s->key_index, smp->key_hash, &pos, &k))
                        if (same_key(s, &s->samples[k], smp))
                                return refuse(s, "series %s is also in another file",
                                              series_text(s, smp, text, sizeof(text)));
        }
        /* within the file: its samples sorted by key, neighbours compared */
        size_t add = s->n_samples - first;
        if (array_reserve((void **) &s->order, &s->cap_order, add, sizeof(*s->order)) < 0)
                return -ENOMEM;
        for (size_t i = 0; i < add; i++)
                s->order[i] = first + i;
        sort_r(s->order, add, sizeof(*s->order), key_cmp, s);
        for (size_t i = 1; i < add; i++)
                if (same_key(s, &s->samples[s->order[i - 1]], &s->samples[s->order[i]]))
                        return refuse(s, "duplicate series %s",
                                      series_text(s, &s->samples[s->order[i]], text, sizeof(text)));
        return 0;
}

/* A family with samples in this file and in an earlier one must have the
 * same type, and the same help where both files give one. The accepted
 * files agree with one another: the first family of a name and the first
 * with HELP stand for them all. */
static int check_other_files(struct textfile_state *s, size_t first_family) {
        for (size_t i = first_family; i < s->n_families; i++) {
                const struct tf_family *g = &s->families[i];
                const struct tf_metric *m = &s->metrics[g->metric];
                if (!g->has_samples || m->first == NONE)
                        continue;
                const struct tf_family *h = &s->families[m->first];
                if (g->type != h->type)
                        return refuse(s, "%s has another TYPE in %s", family_name(s, g),
                                      dirlist_name(&s->files, h->file));
                h = m->helped != NONE ? &s->families[m->helped] : NULL;
                if (g->help && h && strcmp(str(s, g->help), str(s, h->help)) != 0)
                        return refuse(s, "%s has another HELP in %s", family_name(s, g),
                                      dirlist_name(&s->files, h->file));
        }
        return 0;
}

/* Takes in the families [first_family, n) and samples [first_sample, n)
 * of a file found good. */
static int accept_file(struct textfile_state *s, size_t first_family, size_t first_sample) {
        for (size_t i = first_family; i < s->n_families; i++) {
                const struct tf_family *g = &s->families[i];
                struct tf_metric *m = &s->metrics[g->metric];
                if (!g->has_samples)
                        continue;
                if (m->first == NONE)
                        m->first = i;
                if (g->help && m->helped == NONE)
                        m->helped = i;
        }
        for (size_t i = first_sample; i < s->n_samples; i++)
                if (index_add(&s->key_index, s->samples[i].key_hash, i) < 0)
                        return -ENOMEM;
        return 0;
}

/* Parses one file's text; on any error everything it added is undone
 * (but the names it brought, which nothing accepted refers to). */
static int textfile_parse(struct textfile_state *s, const char *text, size_t len, size_t file) {
        size_t n_families = s->n_families, n_samples = s->n_samples, n_strings = s->strings.len;
        s->error[0] = '\0';
        s->line = 0;
        int r = 0;
        const char *pos = text, *end = pos + len;
        if (memchr(pos, '\0', len))
                r = refuse(s, "NUL byte in the file");
        while (r >= 0 && pos < end) {
                const char *nl = memchr(pos, '\n', (size_t) (end - pos));
                const char *le = nl ? nl : end, *p = skip_blank(pos, le);
                s->line++;
                if (p < le && *p == '#')
                        r = parse_comment(s, p, le, file);
                else if (p < le)
                        r = parse_sample(s, p, le, file);
                pos = nl ? nl + 1 : end;
        }
        if (r >= 0)
                r = check_other_files(s, n_families);
        if (r >= 0)
                r = check_keys(s, n_samples);
        if (r >= 0 && s->strings.error < 0)
                r = s->strings.error;
        if (r >= 0)
                return accept_file(s, n_families, n_samples);
        s->n_families = n_families;
        s->n_samples = n_samples;
        s->strings.len = n_strings;
        s->strings.error = 0;
        return r;
}

static const char *file_kind(mode_t mode) {
        switch (mode & S_IFMT) {
        case S_IFDIR: return "a directory";
        case S_IFIFO: return "a FIFO";
        case S_IFCHR:
        case S_IFBLK: return "a device";
        case S_IFSOCK: return "a socket";
        default: return "not a regular file";
        }
}

/* Reads path into s->content; a negative errno, with s->error saying why.
 * Only a regular file is opened (a FIFO would block, a device may do
 * anything); O_NONBLOCK covers one swapped in between. */
static int textfile_read(struct textfile_state *s, const char *path, double *ret_mtime) {
        struct stat st;
        int r = 0;
        _cleanup_close_ int fd = -1;
        if (stat(path, &st) < 0)
                r = -errno;
        else if (!S_ISREG(st.st_mode))
                r = -EINVAL;
        else if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)) < 0 || fstat(fd, &st) < 0)
                r = -errno;
        else if (!S_ISREG(st.st_mode))
                r = -EINVAL;
        else if (st.st_size > MAX_FILE_SIZE)
                r = -EFBIG;
        if (r == -EINVAL)
                (void) snprintf(s->error, sizeof(s->error), "not a regular file (%s)", file_kind(st.st_mode));
        else if (r < 0)
                (void) snprintf(s->error, sizeof(s->error), "%s", strerror(-r));
        if (r < 0)
                return r;
        /* room for the file as it stands, read in one go; past
         * MAX_FILE_SIZE (one still being written, say) it is refused */
        buf_reset(&s->content);
        if (buf_reserve(&s->content, (size_t) st.st_size + 1) < 0)
                return -ENOMEM;
        r = read_fd(fd, MAX_FILE_SIZE, &s->content);
        if (r < 0 && r != -ENOMEM)
                (void) snprintf(s->error, sizeof(s->error), "%s", strerror(-r));
        if (r < 0)
                return r;
        *ret_mtime = (double) st.st_mtim.tv_sec;
        return 0;
}

static bool is_prom_file(const char *name) {
        size_t len = strlen(name);
        return len >= 6 && strcmp(name + len - 5, ".prom") == 0 && name[0] != '.';
}

/* Whether the directory and its .prom files are as the last reading saw
 * them (every stamp is looked at: a file changed makes them all be read). */
static bool textfile_unchanged(struct textfile_state *s) {
        if (!s->read || !file_stamp_unchanged(&s->dir_stamp, s->directory, "."))
                return false;
        for (size_t i = 0; i < s->files.n; i++) {
                const char *name = dirlist_name(&s->files, i);
                if (is_prom_file(name) && !file_stamp_unchanged(&s->stamps[i], s->directory, name))
                        return false;
        }
        return true;
}

static bool same_file(const struct file_stamp *a, const struct file_stamp *b) {
        return a->err == b->err && a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
               a->mtime.tv_sec == b->mtime.tv_sec && a->mtime.tv_nsec == b->mtime.tv_nsec &&
               a->ctime.tv_sec == b->ctime.tv_sec && a->ctime.tv_nsec == b->ctime.tv_nsec;
}

/* Says that file i is skipped and why (s->error): a warning the first
 * time, at debug while it stays as it was. The last reading's refusals
 * are in name order, as the listing: *cursor walks them once. */
static void textfile_skipped(struct textfile_state *s, size_t i, const char *path, size_t *cursor) {
        const char *name = dirlist_name(&s->files, i);
        bool told = false;
        for (; *cursor < s->n_warned_old; (*cursor)++) {
                const struct tf_warned *w = &s->warned_old[*cursor];
                int c = strcmp(s->warned_names_old.data + w->name, name);
                if (c > 0)
                        break;
                if (c == 0) {
                        told = same_file(&w->stamp, &s->stamps[i]);
                        break;
                }
        }
        log_msg(told ? LOG_LEVEL_DEBUG : LOG_LEVEL_WARN, "textfile: %s skipped: %s", path, s->error);
        /* without memory for the record, the file is warned of again next time */
        if (array_reserve((void **) &s->warned, &s->cap_warned, s->n_warned + 1, sizeof(*s->warned)) < 0)
                return;
        size_t off = s->warned_names.len;
        buf_put(&s->warned_names, name, strlen(name) + 1);
        if (s->warned_names.error == 0)
                s->warned[s->n_warned++] = (struct tf_warned){.name = off, .stamp = s->stamps[i]};
}

/* The descriptor of each sample, once the whole directory is read: a
 * name's help is the first file's HELP, else where it was read. */
static int textfile_resolve(struct textfile_state *s) {
        const struct tf_sample *prev = NULL;
        char help[PATH_MAX + 32];
        for (size_t i = 0; s->samples && i < s->n_samples; prev = &s->samples[i++]) {
                struct tf_sample *smp = &s->samples[i];
                const char *names[METRIC_MAX_LABELS];
                bool same = prev && prev->family == smp->family && prev->n_labels == smp->n_labels;
                for (unsigned l = 0; l < smp->n_labels; l++) {
                        names[l] = str(s, smp->names[l]);
                        same = same && prev && strcmp(names[l], str(s, prev->names[l])) == 0;
                }
                if (same) {
                        smp->desc = prev->desc;
                        continue;
                }
                const struct tf_family *f = &s->families[smp->family];
                const struct tf_metric *m = &s->metrics[f->metric];
                const char *h = help;
                if (m->helped != NONE)
                        h = str(s, s->families[m->helped].help);
                else if (s->source)
                        (void) snprintf(help, sizeof(help), "Metric read from %s", s->source);
                else
                        (void) snprintf(help, sizeof(help), "Metric read from %s/%s", s->directory,
                                        dirlist_name(&s->files, s->families[m->first].file));
                smp->desc = desc_cache_get(&s->descs, family_name(s, f), h, f->type, smp->n_labels, names);
                if (!smp->desc)
                        return -ENOMEM;
        }
        return 0;
}

/* Forgets the families and samples of the last reading. */
static void textfile_forget(struct textfile_state *s) {
        buf_reset(&s->strings);
        buf_putc(&s->strings, '\0');
        buf_reset(&s->names);
        s->n_families = s->n_samples = s->n_metrics = 0;
        index_clear(&s->metric_index);
        index_clear(&s->key_index);
}

/* Appends the samples read, a family entry for each run of samples of
 * one descriptor. */
static void textfile_emit(const struct textfile_state *s, struct metric_set *set) {
        const struct metric_desc *d = NULL;
        for (size_t i = 0; i < s->n_samples; i++) {
                const struct tf_sample *smp = &s->samples[i];
                const char *values[METRIC_MAX_LABELS];
                for (unsigned l = 0; l < smp->n_labels; l++)
                        values[l] = str(s, smp->values[l]);
                if (smp->desc != d)
                        (void) metric_set_family(set, d = smp->desc);
                (void) metric_set_sample_suffix(set, smp->value, values, smp->suffix);
        }
}

/* Lists the directory, reads and parses its .prom files; each stamp is
 * taken before what it covers is read, so that a change made meanwhile is
 * seen at the next scrape. Then the descriptors no sample uses any more
 * are freed. Returns 0 or -ENOMEM. */
static int textfile_read_all(struct textfile_state *s) {
        textfile_forget(s);
        s->scrape_error = false;
        s->parse_errors = 0;
        s->n_ok = 0;
        s->read = true;
        /* this reading's refusals start empty; the last one's are kept to compare */
        struct tf_warned *w = s->warned_old;
        s->warned_old = s->warned;
        s->warned = w;
        size_t cap = s->cap_warned_old;
        s->cap_warned_old = s->cap_warned;
        s->cap_warned = cap;
        s->n_warned_old = s->n_warned;
        s->n_warned = 0;
        struct buf b = s->warned_names_old;
        s->warned_names_old = s->warned_names;
        s->warned_names = b;
        buf_reset(&s->warned_names);
        size_t cursor = 0;

        (void) file_stamp_unchanged(&s->dir_stamp, s->directory, ".");
        int r = dirlist_read(&s->files, s->directory);
        if (r == -ENOMEM)
                return r; /* not the directory's fault: nothing said, tried again next scrape */
        if (r >= 0 && array_reserve((void **) &s->stamps, &s->cap_stamps, s->files.n, sizeof(*s->stamps)) < 0)
                return -ENOMEM;
        if (r < 0) {
                /* said once while it lasts, at error as node_exporter does:
                 * a cron job's metrics missing is worth a look */
                if (r != s->dir_error)
                        log_errno(
                                LOG_LEVEL_ERROR, r,
                                "textfile: cannot read the directory %s; node_textfile_scrape_error is 1 until it can "
                                "be read",
                                s->directory);
                s->dir_error = r;
                s->scrape_error = true;
                s->files.n = 0; /* a listing cut short has no stamps */
        } else if (s->dir_error != 0) {
                log_info("textfile: the directory %s can be read again", s->directory);
                s->dir_error = 0;
        }
        for (size_t i = 0; i < s->files.n; i++) {
                const char *name = dirlist_name(&s->files, i);
                if (!is_prom_file(name))
                        continue;
                s->stamps[i] = (struct file_stamp){0};
                (void) file_stamp_unchanged(&s->stamps[i], s->directory, name);
                char path[PATH_MAX];
                double mtime = 0;
                int fr = path_join(path, sizeof(path), s->directory, name);
                if (fr < 0) {
                        (void) snprintf(s->error, sizeof(s->error), "%s", strerror(-fr));
                        (void) snprintf(path, sizeof(path), "%s", name);
                } else
                        fr = textfile_read(s, path, &mtime);
                if (fr == -ENOMEM)
                        return fr;
                if (fr < 0) {
                        textfile_skipped(s, i, path, &cursor);
                        s->scrape_error = true;
                        continue;
                }
                fr = textfile_parse(s, s->content.data, s->content.len, i);
                if (fr == -ENOMEM)
                        return fr;
                if (fr < 0) {
                        textfile_skipped(s, i, path, &cursor);
                        s->parse_errors++;
                        s->scrape_error = true;
                        continue;
                }
                if (array_reserve((void **) &s->ok, &s->cap_ok, s->n_ok + 1, sizeof(*s->ok)) < 0)
                        return -ENOMEM;
                s->ok[s->n_ok++] = (struct tf_ok){i, mtime};
        }
        if ((r = textfile_resolve(s)) == 0)
                (void) desc_cache_sweep(&s->descs);
        return r;
}

static int textfile_collect(void *state, struct collect_ctx *ctx) {
        struct textfile_state *s = state;
        /* no directory configured: nothing to read, and no error, as node_exporter says */
        if (s->directory[0] != '\0' && !textfile_unchanged(s)) {
                int r = textfile_read_all(s);
                if (r < 0) {
                        s->read = false;
                        return r;
                }
        }
        ctx->parse_errors += s->parse_errors; /* as when the files were read at every scrape */
        textfile_emit(s, ctx->set);
        if (s->n_ok > 0) {
                (void) metric_set_family(ctx->set, &mtime_desc);
                for (size_t i = 0; i < s->n_ok; i++) {
                        char path[PATH_MAX];
                        if (path_join(path, sizeof(path), s->directory, dirlist_name(&s->files, s->ok[i].file)) == 0)
                                (void) metric_set_sample1(ctx->set, s->ok[i].mtime, path);
                }
        }
        (void) metric_set_family(ctx->set, &error_desc);
        (void) metric_set_sample0(ctx->set, s->scrape_error);
        return ctx->set->error;
}

/* for vigie-collectors(7): what the fixture trees do not show */
static const struct metric_desc *const textfile_families[] = {&mtime_desc, &error_desc, NULL};

const struct collector textfile_collector = {
        .name = "textfile",
        .help = "Metrics written by other programs as *.prom files in [collector.textfile] directory",
        .default_enabled = true,
        .options = textfile_options,
        .init = textfile_init,
        .collect = textfile_collect,
        .free = textfile_free,
        .host_families = textfile_families,
};

/* --- the parser alone, for text that is no file of the directory --- */

int textfile_parser_new(const char *source, struct textfile_state **ret) {
        struct textfile_state *s = calloc(1, sizeof(*s));
        if (!s || !(s->source = strdup(source))) {
                free(s);
                return -ENOMEM;
        }
        *ret = s;
        return 0;
}

void textfile_parser_free(struct textfile_state *s) {
        textfile_free(s);
}

int textfile_parse_text(struct textfile_state *s, const char *text, size_t len, struct metric_set *set, char *err,
                        size_t err_size) {
        textfile_forget(s);
        int r = textfile_parse(s, text, len, 0);
        if (r == -EINVAL)
                (void) snprintf(err, err_size, "%s", s->error);
        if (r >= 0)
                r = textfile_resolve(s);
        if (r < 0)
                return r;
        struct metric_mark mark = metric_set_mark(set);
        textfile_emit(s, set);
        if (set->error < 0) {
                r = set->error;
                metric_set_rollback(set, mark);
                set->error = 0;
        }
        return r;
}

size_t textfile_parser_sweep(struct textfile_state *s) {
        return desc_cache_sweep(&s->descs);
}
