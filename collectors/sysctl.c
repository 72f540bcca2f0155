/* sysctl (off by default, as in node_exporter 1.5): the kernel settings
 * under /proc/sys that [collector.sysctl] include (numbers) and
 * include_info (text) name, as node_exporter 1.5 reports them:
 * node_sysctl_<name> for one number, with an index label for several,
 * node_sysctl_<name>_<key> for several mapped to keys ("name:key1,key2"),
 * and node_sysctl_info{index,name,value} for each word of a text one. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "collector.h"
#include "optional_file.h"
#include "parse.h"

static const struct collector_option sysctl_options[] = {
        {"include", "", "sysctls read as numbers, blank-separated (a repeated flag adds one): NAME or NAME:KEY1,KEY2",
         true},
        {"include_info", "", "sysctls read as text, blank-separated (a repeated flag adds one)", true},
        {NULL, NULL, NULL, false},
};

static const char *const index_labels[] = {"index"};
static const char *const info_labels[] = {"index", "name", "value"};
static const struct metric_desc info_desc = {"node_sysctl_info", "sysctl info", METRIC_GAUGE, 3, info_labels};

/* the most values a sysctl holds that are reported (net.ipv4.tcp_rmem has 3) */
#define SYSCTL_VALUES_MAX 64

struct sysctl_item {
        char *name; /* as given: "net.ipv4.tcp_rmem" */
        char *rel;  /* under procfs: "sys/net/ipv4/tcp_rmem" */
        bool numeric;
        size_t n_keys;
        struct metric_desc single, indexed; /* numeric only */
        struct metric_desc *mapped;         /* n_keys of them */
        struct optional_file file;
};

struct sysctl_state {
        const char *procfs;
        struct sysctl_item *items;
        size_t n_items, cap_items;
        struct buf text;
};

static void sysctl_item_free(struct sysctl_item *it) {
        for (size_t k = 0; k < it->n_keys; k++) {
                free((char *) it->mapped[k].name);
                free((char *) it->mapped[k].help);
        }
        free(it->mapped);
        free((char *) it->single.name);
        free((char *) it->single.help);
        optional_file_close(&it->file);
        free(it->name);
        free(it->rel);
}

static void sysctl_free(void *state) {
        struct sysctl_state *s = state;
        if (!s)
                return;
        for (size_t i = 0; i < s->n_items; i++)
                sysctl_item_free(&s->items[i]);
        free(s->items);
        buf_free(&s->text);
        free(s);
}

/* node_exporter's metric name of a sysctl: every character but letters,
 * digits and '_' made '_' */
static char *sysctl_metric_name(const char *name, const char *key) {
        char *out = NULL;
        if (asprintf(&out, "node_sysctl_%s%s%s", name, key ? "_" : "", key ? key : "") < 0)
                return NULL;
        for (char *p = out + strlen("node_sysctl_"), *end = key ? p + strlen(name) : p + strlen(p); p < end; p++)
                if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9')))
                        *p = '_';
        return out;
}

/* One NAME or NAME:KEY1,KEY2 of the lists. */
static int sysctl_add(struct sysctl_state *s, const struct config_section *section, const char *option,
                      const char *spec, size_t len, bool numeric, struct diag *diag) {
        const struct config_entry *entry = config_section_get(section, option);
        const char *colon = memchr(spec, ':', len);
        size_t name_len = colon ? (size_t) (colon - spec) : len;
        if (name_len == 0)
                return config_entry_error(section, entry, diag, "'%.*s': no sysctl name", (int) len, spec);
        if (colon && !numeric)
                return config_entry_error(section, entry, diag, "'%.*s': a text sysctl maps to no keys", (int) len,
                                          spec);
        if (array_reserve((void **) &s->items, &s->cap_items, s->n_items + 1, sizeof(*s->items)) < 0)
                return -ENOMEM;
        struct sysctl_item *it = &s->items[s->n_items++];
        *it = (struct sysctl_item){.numeric = numeric};
        it->name = strndup(spec, name_len);
        if (!it->name || asprintf(&it->rel, "sys/%s", it->name) < 0) {
                it->rel = NULL;
                return -ENOMEM;
        }
        for (char *p = it->rel; *p; p++)
                if (*p == '.')
                        *p = '/';
        if (!numeric)
                return 0;
        char *name = sysctl_metric_name(it->name, NULL), *help = NULL;
        if (!name || asprintf(&help, "sysctl %s", it->name) < 0) {
                free(name);
                return -ENOMEM;
        }
        it->single = (struct metric_desc){name, help, METRIC_UNTYPED, 0, NULL};
        it->indexed = (struct metric_desc){name, help, METRIC_UNTYPED, 1, index_labels};
        if (!colon)
                return 0;
        const char *keys = colon + 1, *end = spec + len;
        size_t n = 1;
        for (const char *p = keys; p < end; p++)
                n += *p == ',';
        it->mapped = calloc(n, sizeof(*it->mapped));
        if (!it->mapped)
                return -ENOMEM;
        for (const char *p = keys; p <= end; it->n_keys++) {
                const char *comma = memchr(p, ',', (size_t) (end - p));
                const char *stop = comma ? comma : end;
                _cleanup_free_ char *key = strndup(p, (size_t) (stop - p));
                if (!key)
                        return -ENOMEM;
                char *mname = sysctl_metric_name(it->name, key), *mhelp = NULL;
                if (!mname || asprintf(&mhelp, "sysctl %s, field %zu", it->name, it->n_keys) < 0) {
                        free(mname);
                        return -ENOMEM;
                }
                it->mapped[it->n_keys] = (struct metric_desc){mname, mhelp, METRIC_UNTYPED, 0, NULL};
                if (!metric_name_valid(mname)) {
                        it->n_keys++;
                        return config_entry_error(section, entry, diag, "'%.*s': key '%s' makes no metric name",
                                                  (int) len, spec, key);
                }
                p = stop + 1;
        }
        return 0;
}

static int sysctl_add_list(struct sysctl_state *s, const struct config_section *section, const char *option,
                           bool numeric, struct diag *diag) {
        const char *list = config_section_string(section, option, "");
        for (const char *p = list; *p;) {
                p += strspn(p, " \t");
                size_t n = strcspn(p, " \t");
                if (n > 0) {
                        int r = sysctl_add(s, section, option, p, n, numeric, diag);
                        if (r < 0)
                                return r;
                }
                p += n;
        }
        return 0;
}

/* The metric name of sample k of a numeric sysctl: each mapped key's, or
 * the one name of an unmapped one (k 0). */
static const char *sysctl_series_name(const struct sysctl_item *it, size_t k) {
        return it->n_keys > 0 ? it->mapped[k].name : it->single.name;
}

/* Two sysctls that would make the same series (one named twice, or
 * "a.b" and "a_b", which make one metric name) are refused. */
static int sysctl_check_unique(const struct sysctl_state *s, const struct config_section *section, struct diag *diag) {
        for (size_t i = 0; i < s->n_items; i++)
                for (size_t j = 0; j <= i; j++) {
                        const struct sysctl_item *a = &s->items[i], *b = &s->items[j];
                        if (a->numeric != b->numeric)
                                continue;
                        const char *option = a->numeric ? "include" : "include_info";
                        const struct config_entry *e = config_section_get(section, option);
                        if (!a->numeric) {
                                if (i != j && strcmp(a->name, b->name) == 0)
                                        return config_entry_error(section, e, diag, "sysctl %s named twice", a->name);
                                continue;
                        }
                        for (size_t k = 0; k < (a->n_keys ? a->n_keys : 1); k++)
                                for (size_t l = 0; l < (b->n_keys ? b->n_keys : 1) && (i != j || l < k); l++)
                                        if (strcmp(sysctl_series_name(a, k), sysctl_series_name(b, l)) == 0)
                                                return config_entry_error(section, e, diag, "sysctl %s: %s made twice",
                                                                          a->name, sysctl_series_name(a, k));
                }
        return 0;
}

static int sysctl_init(const struct collector_env *env, const struct config_section *section, struct diag *diag,
                       void **ret_state) {
        struct sysctl_state *s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        s->procfs = env->procfs;
        int r = sysctl_add_list(s, section, "include", true, diag);
        if (r >= 0)
                r = sysctl_add_list(s, section, "include_info", false, diag);
        if (r >= 0)
                r = sysctl_check_unique(s, section, diag);
        if (r < 0) {
                sysctl_free(s);
                return r;
        }
        *ret_state = s;
        return 0;
}

/* A decimal int64, as node_exporter reads sysctl numbers. */
static int sysctl_parse_i64(struct field f, double *ret) {
        bool neg = f.n > 0 && f.s[0] == '-';
        uint64_t v;
        if (parse_u64(f.s + neg, f.n - neg, &v) < 0 || v > (uint64_t) INT64_MAX + neg)
                return -EINVAL;
        *ret = neg ? -(double) v : (double) v;
        return 0;
}

/* The words of text, as Go's strings.Fields splits them; -E2BIG past max. */
static int sysctl_words(const struct buf *text, struct field *out, size_t max) {
        size_t n = 0;
        for (const char *p = text->data, *end = p + text->len; p < end;) {
                while (p < end && (*p == ' ' || *p == '\t' || *p == '\n'))
                        p++;
                const char *w = p;
                while (p < end && *p != ' ' && *p != '\t' && *p != '\n')
                        p++;
                if (p == w)
                        break;
                if (n == max)
                        return -E2BIG;
                out[n++] = (struct field){w, (size_t) (p - w)};
        }
        return (int) n;
}

/* One sysctl's samples (a text one's in the info family begun before);
 * -EINVAL for one that does not read as asked (not numbers, another count
 * of values than keys), where node_exporter fails the collector. */
static int sysctl_read(struct sysctl_state *s, struct sysctl_item *it, struct metric_set *set) {
        int r = optional_file_read(&it->file, s->procfs, it->rel, true, FILE_MAX_SMALL, &s->text);
        if (r < 0)
                return r;
        struct field words[SYSCTL_VALUES_MAX];
        int n = sysctl_words(&s->text, words, ELEMENTSOF(words));
        if (n <= 0)
                return -EINVAL;
        if (!it->numeric) {
                for (int i = 0; i < n; i++) {
                        char index[12], value[256];
                        if (words[i].n >= sizeof(value))
                                return -EINVAL;
                        memcpy(value, words[i].s, words[i].n);
                        value[words[i].n] = '\0';
                        if (!utf8_valid(value))
                                return -EINVAL;
                        (void) snprintf(index, sizeof(index), "%d", i);
                        const char *values[] = {index, it->name, value};
                        (void) metric_set_sample(set, 1, values);
                }
                return 0;
        }
        double v[SYSCTL_VALUES_MAX];
        for (int i = 0; i < n; i++)
                if (sysctl_parse_i64(words[i], &v[i]) < 0)
                        return -EINVAL;
        /* as node_exporter: keys for several values, as many as they */
        if (it->n_keys > 0 && (n == 1 || (size_t) n != it->n_keys))
                return -EINVAL;
        if (it->n_keys > 0) {
                for (size_t k = 0; k < it->n_keys; k++) {
                        (void) metric_set_family(set, &it->mapped[k]);
                        (void) metric_set_sample0(set, v[k]);
                }
        } else if (n == 1) {
                (void) metric_set_family(set, &it->single);
                (void) metric_set_sample0(set, v[0]);
        } else {
                (void) metric_set_family(set, &it->indexed);
                for (int i = 0; i < n; i++) {
                        char index[12];
                        (void) snprintf(index, sizeof(index), "%d", i);
                        (void) metric_set_sample1(set, v[i], index);
                }
        }
        return 0;
}

static int sysctl_collect(void *state, struct collect_ctx *ctx) {
        struct sysctl_state *s = state;
        bool info_family = false;
        size_t read = 0, missing = 0;
        /* the numbers first, then every text one's words in the one info family */
        for (int numeric = 1; numeric >= 0; numeric--)
                for (size_t i = 0; i < s->n_items; i++) {
                        struct sysctl_item *it = &s->items[i];
                        if (it->numeric != numeric)
                                continue;
                        struct metric_mark mark = metric_set_mark(ctx->set);
                        bool family_here = !numeric && !info_family;
                        if (family_here)
                                (void) metric_set_family(ctx->set, &info_desc);
                        info_family = info_family || !numeric;
                        int r = sysctl_read(s, it, ctx->set);
                        if (r == -ENOMEM)
                                return r;
                        if (r >= 0) {
                                read++;
                                continue;
                        }
                        /* one that is missing or does not read costs only itself, and is
                         * counted (a fault is, by fileio) */
                        metric_set_rollback(ctx->set, mark);
                        info_family = info_family && !family_here;
                        ctx->parse_errors += !fileio_fault_counted(r);
                        missing += r == -ENOENT;
                }
        /* none there at all (no /proc/sys under --path.procfs): no data */
        if (read == 0 && missing > 0 && missing == s->n_items)
                return -ENOENT;
        return ctx->set->error;
}

const struct collector sysctl_collector = {
        .name = "sysctl",
        .help = "Kernel settings under /proc/sys named by include and include_info (off by default)",
        .default_enabled = false,
        .options = sysctl_options,
        .init = sysctl_init,
        .collect = sysctl_collect,
        .free = sysctl_free,
};
