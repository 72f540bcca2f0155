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
 * place); a scrape costs one stat() per file otherwise. */
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
#include "log.h"
#include "sort.h"

#define MAX_FILE_SIZE (64u << 20)

static const char *const file_label[] = {"file"};
static const struct metric_desc mtime_desc = {
        "node_textfile_mtime_seconds", "Unixtime mtime of textfiles successfully read.", METRIC_GAUGE, 1,
        file_label};
static const struct metric_desc error_desc = {
        "node_textfile_scrape_error", "1 if there was an error opening or reading a file, 0 otherwise", METRIC_GAUGE,
        0, NULL};

static const struct collector_option textfile_options[] = {
        {"directory", "", "a directory of *.prom files written by other programs; empty: none is read"},
        {NULL, NULL, NULL},
};

/* A family as one file declares it: HELP and TYPE apply to that file's
 * samples only, as when node_exporter parses each file on its own. */
struct tf_family {
        size_t name, help; /* offsets in strings; help 0 when the file gave none */
        enum metric_type type;
        bool typed, has_samples;
        size_t file; /* index of the file in the directory listing */
};

struct tf_sample {
        size_t family;
        uint8_t suffix;
        unsigned n_labels;
        size_t names[METRIC_MAX_LABELS], values[METRIC_MAX_LABELS]; /* offsets, sorted by name */
        double value;
        size_t key; /* offset in strings of the series key, for duplicates */
};

struct textfile_state {
        char directory[PATH_MAX];
        struct dirlist files;
        struct buf content;
        struct buf strings; /* offset 0 is "" */
        struct tf_family *families;
        size_t n_families, cap_families;
        struct tf_sample *samples;
        size_t n_samples, cap_samples;
        size_t *keys; /* sorted series keys of the accepted files */
        size_t n_keys, cap_keys;
        struct desc_cache descs;
        char error[256]; /* why the current file is refused */
        unsigned line;

        /* What the last reading found, kept while the stamps hold */
        bool read;
        struct file_stamp dir_stamp;
        struct file_stamp *stamps; /* of each .prom file, by index in the listing */
        size_t cap_stamps;
        bool scrape_error;
        unsigned parse_errors; /* files skipped, counted again at each scrape */
        size_t n_ok;
        size_t ok_files[1024]; /* the files used, by index in the listing */
        double mtimes[1024];
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
        free(s->families);
        free(s->samples);
        free(s->keys);
        free(s->stamps);
        desc_cache_free(&s->descs);
        free(s);
}

static const char *str(const struct textfile_state *s, size_t off) { return s->strings.data + off; }

static size_t put_str(struct textfile_state *s, const char *p, size_t n) {
        size_t off = s->strings.len;
        buf_put(&s->strings, p, n);
        buf_putc(&s->strings, '\0');
        return off;
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

/* This file's family called name[0..n), created (untyped) if new. */
static int find_family(struct textfile_state *s, const char *name, size_t n, size_t file, size_t *ret) {
        for (size_t i = s->n_families; i-- > 0 && s->families[i].file == file;)
                if (strlen(str(s, s->families[i].name)) == n && memcmp(str(s, s->families[i].name), name, n) == 0) {
                        *ret = i;
                        return 0;
                }
        if (array_reserve((void **) &s->families, &s->cap_families, s->n_families + 1, sizeof(*s->families)) < 0)
                return -ENOMEM;
        s->families[s->n_families] =
                (struct tf_family){.name = put_str(s, name, n), .type = METRIC_UNTYPED, .file = file};
        *ret = s->n_families++;
        return 0;
}

static int parse_type(const char *p, size_t n, enum metric_type *ret) {
        static const struct {
                const char *name;
                enum metric_type type;
        } types[] = {{"counter", METRIC_COUNTER}, {"gauge", METRIC_GAUGE}, {"untyped", METRIC_UNTYPED},
                     {"histogram", METRIC_HISTOGRAM}, {"summary", METRIC_SUMMARY}};
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

static int parse_value(const char *p, size_t n, double *ret) {
        char tmp[64];
        if (n == 0 || n >= sizeof(tmp))
                return -EINVAL;
        memcpy(tmp, p, n);
        tmp[n] = '\0';
        if (strcmp(tmp, "+Inf") == 0 || strcmp(tmp, "Inf") == 0) {
                *ret = INFINITY;
                return 0;
        }
        if (strcmp(tmp, "-Inf") == 0) {
                *ret = -INFINITY;
                return 0;
        }
        if (strcmp(tmp, "NaN") == 0) {
                *ret = NAN;
                return 0;
        }
        /* no hex floats, no "inf"/"nan" spellings strtod would take */
        for (size_t i = 0; i < n; i++)
                if (!strchr("0123456789+-.eE", tmp[i]))
                        return -EINVAL;
        char *e;
        errno = 0;
        *ret = strtod(tmp, &e);
        return errno == 0 && *e == '\0' ? 0 : -EINVAL;
}

/* Which family a sample name belongs to: name itself, or the histogram or
 * summary it is the _bucket, _sum or _count of. */
static int resolve_family(struct textfile_state *s, const char *name, size_t n, size_t file, size_t *ret_family,
                          uint8_t *ret_suffix) {
        static const struct {
                const char *suffix;
                uint8_t id;
        } suffixes[] = {{"_bucket", METRIC_SUFFIX_BUCKET}, {"_sum", METRIC_SUFFIX_SUM}, {"_count", METRIC_SUFFIX_COUNT}};
        for (size_t k = 0; k < ELEMENTSOF(suffixes); k++) {
                size_t sl = strlen(suffixes[k].suffix);
                if (n <= sl || memcmp(name + n - sl, suffixes[k].suffix, sl) != 0)
                        continue;
                for (size_t i = s->n_families; i-- > 0 && s->families[i].file == file;) {
                        const struct tf_family *f = &s->families[i];
                        const char *fn = str(s, f->name);
                        bool histogram = f->type == METRIC_HISTOGRAM, summary = f->type == METRIC_SUMMARY;
                        if ((histogram || (summary && suffixes[k].id != METRIC_SUFFIX_BUCKET)) &&
                            strlen(fn) == n - sl && memcmp(fn, name, n - sl) == 0) {
                                *ret_family = i;
                                *ret_suffix = suffixes[k].id;
                                return 0;
                        }
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
        if (parse_value(p, vn, &smp.value) < 0)
                return refuse(s, "'%.*s' is not a value", (int) vn, p);
        p = skip_blank(p + vn, end);
        if (p != end)
                return refuse(s, "client-side timestamps are not supported");

        /* the series key: family, suffix and the non-empty labels */
        smp.key = s->strings.len;
        buf_printf(&s->strings, "%s%s{", str(s, s->families[smp.family].name), metric_suffix_name(smp.suffix));
        for (unsigned l = 0; l < smp.n_labels; l++)
                if (*str(s, smp.values[l]))
                        buf_printf(&s->strings, "%s=\"%s\",", str(s, smp.names[l]), str(s, smp.values[l]));
        buf_put(&s->strings, "}", 2);
        if (array_reserve((void **) &s->samples, &s->cap_samples, s->n_samples + 1, sizeof(*s->samples)) < 0)
                return -ENOMEM;
        s->samples[s->n_samples++] = smp;
        s->families[smp.family].has_samples = true;
        return s->strings.error;
}

static int key_cmp(const void *a, const void *b, void *ctx) {
        const struct textfile_state *s = ctx;
        return strcmp(s->strings.data + *(const size_t *) a, s->strings.data + *(const size_t *) b);
}

static const size_t *find_key(const struct textfile_state *s, const size_t *key) {
        return bsearch_r(key, s->keys, s->n_keys, sizeof(*s->keys), key_cmp, (void *) s);
}

/* Adds the keys of samples [first, n) to the sorted key list; -EINVAL if
 * one is already there (or twice in the file). */
static int merge_keys(struct textfile_state *s, size_t first) {
        size_t add = s->n_samples - first;
        if (s->n_keys + add > s->cap_keys) {
                size_t cap = s->cap_keys ? s->cap_keys : 64;
                while (cap < s->n_keys + add)
                        cap *= 2;
                size_t *k = reallocarray(s->keys, cap, sizeof(*k));
                if (!k)
                        return -ENOMEM;
                s->keys = k;
                s->cap_keys = cap;
        }
        for (size_t i = first; i < s->n_samples; i++)
                if (find_key(s, &s->samples[i].key))
                        return refuse(s, "series %s is also in another file", str(s, s->samples[i].key));
        /* duplicates within the file: sort its keys on their own first, so
         * that a refusal leaves the accepted keys as they were */
        size_t n0 = s->n_keys;
        for (size_t i = first; i < s->n_samples; i++)
                s->keys[n0 + i - first] = s->samples[i].key;
        sort_r(s->keys + n0, add, sizeof(size_t), key_cmp, s);
        for (size_t i = n0 + 1; i < n0 + add; i++)
                if (key_cmp(&s->keys[i - 1], &s->keys[i], s) == 0)
                        return refuse(s, "duplicate series %s", str(s, s->keys[i]));
        s->n_keys = n0 + add;
        sort_r(s->keys, s->n_keys, sizeof(size_t), key_cmp, s);
        return 0;
}

/* A family with samples in this file and in an earlier one must have the
 * same type, and the same help where both files give one. */
static int check_other_files(struct textfile_state *s, size_t first_family) {
        for (size_t i = first_family; i < s->n_families; i++) {
                const struct tf_family *g = &s->families[i];
                if (!g->has_samples)
                        continue;
                for (size_t j = 0; j < first_family; j++) {
                        const struct tf_family *h = &s->families[j];
                        if (!h->has_samples || strcmp(str(s, g->name), str(s, h->name)) != 0)
                                continue;
                        if (g->type != h->type)
                                return refuse(s, "%s has another TYPE in %s", str(s, g->name),
                                              dirlist_name(&s->files, h->file));
                        if (g->help && h->help && strcmp(str(s, g->help), str(s, h->help)) != 0)
                                return refuse(s, "%s has another HELP in %s", str(s, g->name),
                                              dirlist_name(&s->files, h->file));
                }
        }
        return 0;
}

/* Parses one file; on any error everything it added is undone. */
static int textfile_parse(struct textfile_state *s, size_t file) {
        size_t n_families = s->n_families, n_samples = s->n_samples, n_strings = s->strings.len;
        s->error[0] = '\0';
        s->line = 0;
        int r = 0;
        const char *pos = s->content.data, *end = pos + s->content.len;
        if (memchr(pos, '\0', s->content.len))
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
                r = merge_keys(s, n_samples);
        if (r >= 0 && s->strings.error < 0)
                r = s->strings.error;
        if (r < 0) {
                s->n_families = n_families;
                s->n_samples = n_samples;
                s->strings.len = n_strings;
                s->strings.error = 0;
        }
        return r;
}

static int textfile_read(struct textfile_state *s, const char *path, double *ret_mtime) {
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        struct stat st;
        if (fd < 0 || fstat(fd, &st) < 0)
                return -errno;
        if (!S_ISREG(st.st_mode))
                return -EISDIR;
        if (st.st_size > MAX_FILE_SIZE)
                return -EFBIG;
        buf_reset(&s->content);
        if (buf_reserve(&s->content, (size_t) st.st_size + 1) < 0)
                return -ENOMEM;
        for (;;) {
                if (s->content.len >= s->content.cap - 1 && buf_reserve(&s->content, 4096) < 0)
                        return -ENOMEM;
                ssize_t n = read(fd, s->content.data + s->content.len, s->content.cap - s->content.len - 1);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return -errno;
                if (n == 0)
                        break;
                s->content.len += (size_t) n;
                if (s->content.len > MAX_FILE_SIZE)
                        return -EFBIG;
        }
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

/* Lists the directory, reads and parses its .prom files; each stamp is
 * taken before what it covers is read, so that a change made meanwhile is
 * seen at the next scrape. Returns 0 or -ENOMEM. */
static int textfile_read_all(struct textfile_state *s) {
        buf_reset(&s->strings);
        buf_putc(&s->strings, '\0');
        s->n_families = s->n_samples = s->n_keys = 0;
        s->scrape_error = false;
        s->parse_errors = 0;
        s->n_ok = 0;
        s->read = true;

        (void) file_stamp_unchanged(&s->dir_stamp, s->directory, ".");
        int r = dirlist_read(&s->files, s->directory);
        if (r >= 0 && array_reserve((void **) &s->stamps, &s->cap_stamps, s->files.n, sizeof(*s->stamps)) < 0)
                return -ENOMEM;
        if (r < 0) {
                log_errno(LOG_LEVEL_DEBUG, r, "textfile: cannot read directory %s", s->directory);
                s->scrape_error = true;
                s->files.n = 0; /* a listing cut short has no stamps */
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
                if (fr >= 0)
                        fr = textfile_read(s, path, &mtime);
                if (fr >= 0 && s->n_ok == ELEMENTSOF(s->ok_files))
                        fr = -E2BIG;
                if (fr < 0) {
                        log_errno(LOG_LEVEL_DEBUG, fr, "textfile: cannot read %s", path);
                        s->scrape_error = true;
                        continue;
                }
                fr = textfile_parse(s, i);
                if (fr == -ENOMEM)
                        return fr;
                if (fr < 0) {
                        /* logged once per change of the file while it stays
                         * broken, at debug: node_textfile_scrape_error and the
                         * parse error count say it at every scrape */
                        log_debug("textfile: %s skipped: %s", path, s->error);
                        s->parse_errors++;
                        s->scrape_error = true;
                        continue;
                }
                s->ok_files[s->n_ok] = i;
                s->mtimes[s->n_ok++] = mtime;
        }
        return 0;
}

static int textfile_collect(void *state, struct collect_ctx *ctx) {
        struct textfile_state *s = state;
        if (s->directory[0] == '\0')
                return 0; /* no directory configured: nothing to read, as node_exporter */
        if (!textfile_unchanged(s)) {
                int r = textfile_read_all(s);
                if (r < 0) {
                        s->read = false;
                        return r;
                }
        }
        ctx->parse_errors += s->parse_errors; /* as when the files were read at every scrape */

        for (size_t i = 0; i < s->n_samples; i++) {
                const struct tf_sample *smp = &s->samples[i];
                const struct tf_family *f = &s->families[smp->family];
                /* one help per name: the first file's HELP, else where it was read */
                const struct tf_family *first = NULL, *helped = NULL;
                for (size_t k = 0; k < s->n_families && !helped; k++) {
                        const struct tf_family *g = &s->families[k];
                        if (!g->has_samples || strcmp(str(s, g->name), str(s, f->name)) != 0)
                                continue;
                        if (!first)
                                first = g;
                        if (g->help)
                                helped = g;
                }
                char help[PATH_MAX + 32];
                const char *h = helped ? str(s, helped->help) : help;
                if (!helped)
                        (void) snprintf(help, sizeof(help), "Metric read from %s/%s", s->directory,
                                        dirlist_name(&s->files, first ? first->file : f->file));
                const char *names[METRIC_MAX_LABELS], *values[METRIC_MAX_LABELS];
                for (unsigned l = 0; l < smp->n_labels; l++) {
                        names[l] = str(s, smp->names[l]);
                        values[l] = str(s, smp->values[l]);
                }
                const struct metric_desc *d =
                        desc_cache_get(&s->descs, str(s, f->name), h, f->type, smp->n_labels, names);
                if (!d)
                        return -ENOMEM;
                (void) metric_set_family(ctx->set, d);
                (void) metric_set_sample_suffix(ctx->set, smp->value, values, smp->suffix);
        }
        if (s->n_ok > 0) {
                (void) metric_set_family(ctx->set, &mtime_desc);
                for (size_t i = 0; i < s->n_ok; i++) {
                        char path[PATH_MAX];
                        if (path_join(path, sizeof(path), s->directory, dirlist_name(&s->files, s->ok_files[i])) == 0)
                                (void) metric_set_sample1(ctx->set, s->mtimes[i], path);
                }
        }
        (void) metric_set_family(ctx->set, &error_desc);
        (void) metric_set_sample0(ctx->set, s->scrape_error);
        return ctx->set->error;
}

const struct collector textfile_collector = {
        .name = "textfile",
        .help = "Metrics written by other programs as *.prom files in [collector.textfile] directory",
        .default_enabled = true,
        .options = textfile_options,
        .init = textfile_init,
        .collect = textfile_collect,
        .free = textfile_free,
};
