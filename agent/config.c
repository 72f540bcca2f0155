/* Config: the values of the settings table (settings.c): each row's
 * default, then the INI file, then the flags, all through config_set; and
 * --check-config's listing of them. libinih does the file's syntax;
 * its handler gets no line number, so the file, read whole (and bounded),
 * is fed through a reader that counts lines (and refuses lines too long
 * for inih to see whole). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "array.h"
#include "collector.h"
#include "fileio.h"
#include "listen.h"
#include "metric.h"
#include "parse.h"
#include "registry.h"
#include "web_config.h"

static int strdup_into(char **dst, const char *src) {
        char *p = strdup(src);
        if (!p)
                return -ENOMEM;
        free(*dst);
        *dst = p;
        return 0;
}

static int listen_add(struct config *cfg, const char *addr) {
        char **p = reallocarray(cfg->listen_addresses, cfg->n_listen_addresses + 1, sizeof(*p));
        if (!p)
                return -ENOMEM;
        cfg->listen_addresses = p;
        if (!(p[cfg->n_listen_addresses] = strdup(addr)))
                return -ENOMEM;
        cfg->n_listen_addresses++;
        return 0;
}

static void listen_clear(struct config *cfg) {
        for (size_t i = 0; i < cfg->n_listen_addresses; i++)
                free(cfg->listen_addresses[i]);
        cfg->n_listen_addresses = 0;
}

int parse_size(const char *s, uint64_t *ret) {
        static const struct {
                const char *suffix;
                uint64_t factor;
        } units[] = {{"", 1},          {"B", 1},       {"k", 1000},      {"K", 1000},
                     {"KiB", 1024},    {"M", 1000000}, {"MiB", 1 << 20}, {"G", 1000000000},
                     {"GiB", 1 << 30}, {"kB", 1000},   {"MB", 1000000},  {"GB", 1000000000}};
        size_t digits = strspn(s, "0123456789");
        uint64_t v;
        if (digits == 0 || parse_u64(s, digits, &v) < 0)
                return -EINVAL;
        for (size_t i = 0; i < ELEMENTSOF(units); i++)
                if (strcmp(s + digits, units[i].suffix) == 0) {
                        if (v > UINT64_MAX / units[i].factor)
                                return -ERANGE;
                        *ret = v * units[i].factor;
                        return 0;
                }
        return -EINVAL;
}

static bool is_field_type(enum setting_type t) {
        return t != SETTING_LABEL && t != SETTING_PUSH_URL && t != SETTING_TARGET_KEY && t != SETTING_PROBE_KEY &&
               t != SETTING_PLUGIN_KEY && t != SETTING_EXEC_KEY;
}

int config_init_defaults(struct config *cfg) {
        *cfg = (struct config){0};
        memset(cfg->collector_enabled, -1, sizeof(cfg->collector_enabled));
        for (size_t i = 0; i < settings_count; i++) {
                char err[200];
                if (!is_field_type(settings[i].type) || !settings[i].def[0])
                        continue;
                int r = config_set(cfg, i, settings[i].def, 0, err, sizeof(err));
                if (r < 0) {
                        config_free(cfg);
                        return r;
                }
        }
        return 0;
}

static void sections_free(struct config_section *sections, size_t n) {
        for (size_t i = 0; i < n; i++)
                config_section_clear(&sections[i]);
        free(sections);
}

void config_free(struct config *cfg) {
        listen_clear(cfg);
        free(cfg->listen_addresses);
        free(cfg->path);
        free(cfg->telemetry_path);
        free(cfg->web_config_file);
        free(cfg->procfs);
        free(cfg->sysfs);
        free(cfg->rootfs);
        free(cfg->udev_data);
        free(cfg->push_queue_dir);
        free(cfg->push_instance);
        free(cfg->push_job);
        for (size_t i = 0; i < cfg->n_push_labels; i++) {
                free(cfg->push_labels[i].key);
                free(cfg->push_labels[i].value);
        }
        free(cfg->push_labels);
        sections_free(cfg->push_targets, cfg->n_push_targets);
        sections_free(cfg->sections, cfg->n_sections);
        sections_free(cfg->probes, cfg->n_probes);
        sections_free(cfg->plugins, cfg->n_plugins);
        free(cfg->plugin_dir);
        sections_free(cfg->execs, cfg->n_execs);
        *cfg = (struct config){0};
}

bool config_collector_enabled(const struct config *cfg, size_t idx) {
        if (cfg->collector_enabled[idx] >= 0)
                return cfg->collector_enabled[idx];
        return !cfg->disable_defaults && registry_collectors[idx]->default_enabled;
}

const struct config_section *config_collector_section(const struct config *cfg, const char *name) {
        if (strncmp(name, "plugin.", 7) == 0) {
                for (size_t i = 0; i < cfg->n_plugins; i++)
                        if (strcmp(cfg->plugins[i].name, name + 7) == 0)
                                return &cfg->plugins[i];
                return NULL;
        }
        for (size_t i = 0; i < cfg->n_sections; i++)
                if (strcmp(cfg->sections[i].name, name) == 0)
                        return &cfg->sections[i];
        return NULL;
}

int config_check_telemetry_path(const char *path) {
        if (path[0] != '/' || strcmp(path, "/") == 0 || strncmp(path, "/-/", 3) == 0 ||
            strpbrk(path, " ?#\t\n") != NULL)
                return -EINVAL;
        return 0;
}

/* --web.config.file is read whole here, so that a bad one is refused
 * with the config; the HTTP server reads it again when it starts and at
 * each reload (the file may change without the config changing). */
static int web_config_check(const char *path, char *err, size_t size) {
        struct web_config wc;
        struct diag diag = {0};
        int r = web_config_load(path, &wc, &diag);
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                (void) snprintf(err, size, "%s", diag.msg);
                return -EINVAL;
        }
        web_config_free(&wc);
        return 0;
}

static bool from_file(unsigned line) {
        return line > 0 && line != CONFIG_FROM_FLAG;
}

/* Where a value was set, for --check-config: "default", "FILE:LINE" or the flag. */
static void describe_origin(const struct config *cfg, unsigned line, const char *flag, char *out, size_t size) {
        if (line == 0)
                (void) snprintf(out, size, "default");
        else if (line == CONFIG_FROM_FLAG)
                (void) snprintf(out, size, "flag --%s", flag);
        else
                (void) snprintf(out, size, "%s:%u", cfg->path ? cfg->path : "?", line);
}

static int label_set(struct config *cfg, const char *name_value, unsigned line, char *err, size_t size) {
        const char *eq = strchr(name_value, '=');
        char name[128];
        if (!eq || (size_t) (eq - name_value) >= sizeof(name)) {
                (void) snprintf(err, size, "'%s' is not NAME=VALUE", name_value);
                return -EINVAL;
        }
        memcpy(name, name_value, (size_t) (eq - name_value));
        name[eq - name_value] = '\0';
        if (!metric_label_name_valid(name)) {
                (void) snprintf(err, size, "'%s' is not a label name", name);
                return -EINVAL;
        }
        int r = config_add_push_label(cfg, name, eq + 1);
        if (r >= 0)
                for (size_t i = 0; i < cfg->n_push_labels; i++)
                        if (strcmp(cfg->push_labels[i].key, name) == 0)
                                cfg->push_labels[i].line = line == CONFIG_FROM_FLAG ? 0 : line;
        return r;
}

int config_set(struct config *cfg, size_t idx, const char *value, unsigned line, char *err, size_t size) {
        const struct setting *d = &settings[idx];
        void *field = (char *) cfg + d->offset;
        char what[160];
        int r = 0;
        settings_describe(d, what, sizeof(what));
        err[0] = '\0';
        switch (d->type) {
        case SETTING_BOOL:
                if (parse_bool(value, field) < 0)
                        (void) snprintf(err, size, "'%s' is not a boolean (true or false)", value);
                break;
        case SETTING_UINT: {
                unsigned u;
                if (parse_uint_range(value, (unsigned) d->min, (unsigned) d->max, &u) < 0)
                        (void) snprintf(err, size, "'%s' is not %s", value, what);
                else
                        *(unsigned *) field = u;
                break;
        }
        case SETTING_DURATION_S:
        case SETTING_DURATION_MS: {
                uint64_t ms;
                if (parse_duration_ms(value, &ms) < 0 || ms < d->min || ms > d->max ||
                    (d->type == SETTING_DURATION_S && ms % 1000 != 0))
                        (void) snprintf(err, size, "'%s' is not %s", value, what);
                else if (d->type == SETTING_DURATION_S)
                        *(unsigned *) field = (unsigned) (ms / 1000);
                else
                        *(uint64_t *) field = ms;
                break;
        }
        case SETTING_PATH:
        case SETTING_QUEUE_DIR:
                /* node_exporter takes a relative --path.* from where it starts;
                 * made absolute here, it stays right across a reload */
                if (d->type == SETTING_PATH && value[0] && value[0] != '/' && line == CONFIG_FROM_FLAG) {
                        char cwd[4096];
                        _cleanup_free_ char *abs = NULL;
                        if (!getcwd(cwd, sizeof(cwd)) || asprintf(&abs, "%s/%s", cwd, value) < 0)
                                return -ENOMEM;
                        r = strdup_into(field, abs);
                } else if (value[0] != '/')
                        (void) snprintf(err, size, "'%s' is not an absolute path", value);
                else
                        r = strdup_into(field, value);
                break;
        case SETTING_TELEMETRY:
                if (config_check_telemetry_path(value) < 0)
                        (void) snprintf(err, size,
                                        "'%s' is not a usable path (it starts with /, is not / and not under /-/)",
                                        value);
                else
                        r = strdup_into(field, value);
                break;
        case SETTING_LISTEN: {
                char host[256], port[8];
                if (listen_address_parse(value, host, sizeof(host), port, sizeof(port)) < 0) {
                        (void) snprintf(err, size, "'%s' is not host:port, [ipv6]:port or :port", value);
                        break;
                }
                /* the file's addresses replace the default, the flags' the file's */
                unsigned was = cfg->setting_line[idx];
                if (was == 0 || from_file(was) != from_file(line))
                        listen_clear(cfg);
                r = listen_add(cfg, value);
                break;
        }
        case SETTING_LOG_LEVEL:
                if (log_level_from_string(value, field) < 0)
                        (void) snprintf(err, size, "'%s' is not one of error, warn, info, debug", value);
                break;
        case SETTING_LOG_TARGET:
                if (log_target_from_string(value, field) < 0)
                        (void) snprintf(err, size, "'%s' is not one of auto, stderr, journal", value);
                break;
        case SETTING_LOG_FORMAT:
                if (log_format_from_string(value, field) < 0)
                        (void) snprintf(err, size, "'%s' is not one of logfmt, json", value);
                break;
        case SETTING_SIZE: {
                uint64_t v;
                if (parse_size(value, &v) < 0 || v < 65536)
                        (void) snprintf(err, size, "'%s' is not a size of at least 64KiB (e.g. 256MiB, 1G)", value);
                else
                        *(uint64_t *) field = v;
                break;
        }
        case SETTING_STRING:
                if (value[0] == '\0')
                        (void) snprintf(err, size, "empty");
                else
                        r = strdup_into(field, value);
                break;
        case SETTING_WEB_CONFIG:
                r = web_config_check(value, err, size);
                if (r >= 0)
                        r = strdup_into(field, value);
                break;
        case SETTING_LABEL: r = label_set(cfg, value, line, err, size); break;
        case SETTING_PUSH_URL:
                /* a URL with userinfo may hold a password: not repeated */
                if (strncmp(value, "http://", 7) != 0 && strncmp(value, "https://", 8) != 0)
                        (void) snprintf(err, size,
                                        strchr(value, '@') ? "not an http:// or https:// URL"
                                                           : "'%s' is not an http:// or https:// URL",
                                        value);
                else
                        r = config_add_push_url(cfg, value);
                break;
        case SETTING_TARGET_KEY: (void) snprintf(err, size, "set in a [push.target.NAME] section"); break;
        case SETTING_PROBE_KEY: (void) snprintf(err, size, "set in a [probe.NAME] section"); break;
        case SETTING_PLUGIN_KEY: (void) snprintf(err, size, "set in a [plugin.NAME] section"); break;
        case SETTING_EXEC_KEY: (void) snprintf(err, size, "set in an [exec.NAME] section"); break;
        }
        if (err[0])
                return -EINVAL;
        if (r < 0)
                return r == -EINVAL ? r : -ENOMEM;
        cfg->setting_line[idx] = line;
        return 0;
}

/* --- loading --- */

struct loader {
        struct config *cfg;
        const char *file;
        struct buf text; /* the whole file; its lines are cut in place */
        char *pos;       /* the next line */
        unsigned line;
        unsigned error_line; /* of the first error found by the handler or the reader */
        struct diag *diag;
        char **long_values; /* values of lines too long for inih, by number */
        size_t n_long_values, cap_long_values;
};

/* A push target's, a probe's or a program's name: it becomes a label value and a file name. */
static bool push_target_name_valid(const char *name) {
        return *name &&
               strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") == strlen(name);
}

static struct config_section *push_target_get(struct config *cfg, const char *name, unsigned line);
static struct config_section *probe_get(struct config *cfg, const char *name, unsigned line);
static struct config_section *plugin_get(struct config *cfg, const char *name, unsigned line);
static struct config_section *exec_get(struct config *cfg, const char *name, unsigned line);

/* Debian builds libinih with 200-byte lines, short for a regex. The reader
 * reads whole lines itself; a longer "key = value" reaches inih as
 * "key = \001N" and the handler puts value N back, a longer comment as an
 * empty line. Only a section header or key that long is an error. */
#define LONG_VALUE_MARK '\001'

static char *strip_inline_comment(char *v) {
        for (char *p = v; *p; p++)
                if (*p == ';' && p > v && (p[-1] == ' ' || p[-1] == '\t')) {
                        *p = '\0';
                        break;
                }
        size_t n = strlen(v);
        while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t' || v[n - 1] == '\r' || v[n - 1] == '\n'))
                v[--n] = '\0';
        return v;
}

static int fail(struct loader *l, const char *fmt, ...) _printf_(2, 3);
static int fail(struct loader *l, const char *fmt, ...) {
        if (l->error_line == 0) {
                char msg[400];
                va_list ap;
                va_start(ap, fmt);
                (void) vsnprintf(msg, sizeof(msg), fmt, ap);
                va_end(ap);
                l->error_line = l->line;
                (void) diag_at(l->diag, l->file, l->line, "%s", msg);
        }
        return 0; /* inih: go on, the first error is kept */
}

static char *loader_read_line(char *str, int num, void *stream) {
        struct loader *l = stream;
        char *end = l->text.data + l->text.len;
        if (l->pos >= end)
                return NULL;
        char *physical = l->pos; /* the line as read, any length */
        char *nl = memchr(physical, '\n', (size_t) (end - physical));
        size_t n = (size_t) ((nl ? nl : end) - physical);
        l->pos = nl ? nl + 1 : end;
        l->line++;
        physical[n] = '\0'; /* in place of its '\n' */
        str[0] = '\0';
        if (strlen(physical) != n) {
                (void) fail(l, "a NUL byte: not a text file");
                return str;
        }
        if (n > CONFIG_LINE_MAX) {
                (void) fail(l, "line longer than %u bytes", CONFIG_LINE_MAX);
                return str;
        }
        /* inih tells nothing of a section with no key: a [push.target.X]
         * left without its url is known from its header */
        char *h = physical + strspn(physical, " \t");
        bool target = strncmp(h, "[push.target.", 13) == 0, probe = strncmp(h, "[probe.", 7) == 0;
        bool plugin = strncmp(h, "[plugin.", 8) == 0, exec = strncmp(h, "[exec.", 6) == 0;
        if (target || probe || plugin || exec) {
                size_t at = target ? 13 : probe ? 7 : plugin ? 8 : 6, hl = strcspn(h + at, "]");
                _cleanup_free_ char *name = strndup(h + at, hl);
                if (!name)
                        (void) fail(l, "out of memory");
                else if (h[at + hl] == ']' && push_target_name_valid(name) &&
                         !(target   ? push_target_get(l->cfg, name, l->line)
                           : probe  ? probe_get(l->cfg, name, l->line)
                           : plugin ? plugin_get(l->cfg, name, l->line)
                                    : exec_get(l->cfg, name, l->line)))
                        (void) fail(l, "out of memory");
        }
        if (n + 1 < (size_t) num - 1) {
                memcpy(str, physical, n);
                memcpy(str + n, "\n", 2);
                return str;
        }
        char *p = physical + strspn(physical, " \t");
        char *eq = strchr(p, '=');
        if (*p == ';' || *p == '#')
                return str;
        if (*p == '[' || !eq || eq - p > num / 2) {
                (void) fail(l, "line too long for a section header or key");
                return str;
        }
        bool room = array_reserve((void **) &l->long_values, &l->cap_long_values, l->n_long_values + 1,
                                  sizeof(*l->long_values)) == 0;
        char *value = room ? strdup(strip_inline_comment(eq + 1 + strspn(eq + 1, " \t"))) : NULL;
        if (!value) {
                (void) fail(l, "out of memory");
                return str;
        }
        l->long_values[l->n_long_values] = value;
        (void) snprintf(str, (size_t) num, "%.*s= %c%zu\n", (int) (eq - p), p, LONG_VALUE_MARK, l->n_long_values++);
        return str;
}

static int set_collector_switch(struct loader *l, const char *name, const char *value) {
        int idx = registry_find(name);
        if (idx < 0)
                return fail(l, "[collectors] %s: no such collector", name);
        if (l->cfg->collector_line[idx])
                return fail(l, "[collectors] %s: given twice (first on line %u)", name, l->cfg->collector_line[idx]);
        bool on;
        if (parse_bool(value, &on) < 0)
                return fail(l, "[collectors] %s: '%s' is not a boolean (true or false)", name, value);
        l->cfg->collector_line[idx] = l->line;
        l->cfg->collector_enabled[idx] = on;
        return 1;
}

/* The keys of collector c's options into keys (at most max), their
 * defaults into defs. */
static size_t collector_keys(const struct collector *c, const char **keys, const char **defs, size_t max) {
        size_t n = 0;
        for (const struct collector_option *o = c->options; o && o->key && n < max; o++, n++) {
                keys[n] = o->key;
                defs[n] = o->def;
        }
        return n;
}

bool config_collector_accepts(const char *name, const char *key) {
        int idx = registry_find(name);
        const char *keys[32], *defs[32];
        size_t n = idx < 0 ? 0 : collector_keys(registry_collectors[idx], keys, defs, ELEMENTSOF(keys));
        for (size_t i = 0; i < n; i++)
                if (strcmp(keys[i], key) == 0)
                        return true;
        return false;
}

static void join(const char *const *words, size_t n, char *out, size_t size) {
        size_t len = 0;
        out[0] = '\0';
        for (size_t i = 0; i < n && len < size; i++)
                len += (size_t) snprintf(out + len, size - len, "%s%s", i ? ", " : "", words[i]);
}

void config_collector_keys(const char *name, char *out, size_t size) {
        int idx = registry_find(name);
        const char *keys[32], *defs[32];
        size_t n = idx < 0 ? 0 : collector_keys(registry_collectors[idx], keys, defs, ELEMENTSOF(keys));
        join(keys, n, out, size);
}

/* "unknown key; did you mean K? (WHO has A, B, C)" for key among keys */
static int fail_unknown_key(struct loader *l, const char *section, const char *key, const char *who,
                            const char *const *keys, size_t n) {
        char list[600];
        join(keys, n, list, sizeof(list));
        const char *close = settings_closest(key, keys, n);
        if (close)
                return fail(l, "[%s] %s: unknown key; did you mean %s? (%s has %s)", section, key, close, who, list);
        return fail(l, "[%s] %s: unknown key (%s has %s)", section, key, who, list);
}

static struct config_section *section_get(struct config_section **sections, size_t *n, size_t *cap, const char *kind,
                                          const char *name, const char *file, unsigned line) {
        for (size_t i = 0; i < *n; i++)
                if (strcmp((*sections)[i].name, name) == 0)
                        return &(*sections)[i];
        if (array_reserve((void **) sections, cap, *n + 1, sizeof(**sections)) < 0)
                return NULL;
        struct config_section *s = &(*sections)[*n];
        *s = (struct config_section){.name = strdup(name), .kind = kind, .file = file, .line = line};
        if (!s->name)
                return NULL;
        (*n)++;
        return s;
}

/* Finds or adds [collector.name] and sets key in it; an existing entry
 * (from the file, when a flag overrides it) is replaced. line 0: a flag. */
static int section_set(struct config *cfg, const char *name, const char *key, const char *value, unsigned line) {
        struct config_section *s =
                section_get(&cfg->sections, &cfg->n_sections, &cfg->cap_sections, "collector", name, cfg->path, line);
        if (!s)
                return -ENOMEM;
        struct config_entry *e = (struct config_entry *) config_section_get(s, key);
        if (!e)
                return config_section_add(s, key, value, line);
        char *v = strdup(value);
        if (!v)
                return -ENOMEM;
        free(e->value);
        e->value = v;
        e->line = line;
        return 0;
}

static bool collector_option_repeatable(const char *name, const char *key) {
        int idx = registry_find(name);
        for (const struct collector_option *o = idx < 0 ? NULL : registry_collectors[idx]->options; o && o->key; o++)
                if (strcmp(o->key, key) == 0)
                        return o->repeatable;
        return false;
}

int config_set_collector_option(struct config *cfg, const char *name, const char *key, const char *value) {
        const struct config_entry *e = config_section_get(config_collector_section(cfg, name), key);
        if (!e || e->line != 0 || !collector_option_repeatable(name, key))
                return section_set(cfg, name, key, value, 0);
        /* a repeated flag: one more value of the list */
        _cleanup_free_ char *list = NULL;
        if (asprintf(&list, "%s %s", e->value, value) < 0)
                return -ENOMEM;
        return section_set(cfg, name, key, list, 0);
}

static int set_collector_option(struct loader *l, const char *name, const char *key, const char *value) {
        int idx = registry_find(name);
        if (idx < 0)
                return fail(l, "[collector.%s]: no such collector", name);
        if (!config_collector_accepts(name, key)) {
                const char *keys[32], *defs[32];
                size_t n = collector_keys(registry_collectors[idx], keys, defs, ELEMENTSOF(keys));
                char section[128], who[128];
                (void) snprintf(section, sizeof(section), "collector.%s", name);
                (void) snprintf(who, sizeof(who), "the %s collector", name);
                if (n == 0)
                        return fail(l, "[%s] %s: unknown key (the %s collector has no options)", section, key, name);
                return fail_unknown_key(l, section, key, who, keys, n);
        }
        const struct config_entry *e = config_section_get(config_collector_section(l->cfg, name), key);
        if (e)
                return fail(l, "[collector.%s] %s: given twice (first on line %u)", name, key, e->line);
        if (section_set(l->cfg, name, key, value, l->line) < 0)
                return fail(l, "out of memory");
        return 1;
}

static struct config_section *push_target_get(struct config *cfg, const char *name, unsigned line) {
        return section_get(&cfg->push_targets, &cfg->n_push_targets, &cfg->cap_push_targets, "push.target", name,
                           cfg->path, line);
}

static struct config_section *probe_get(struct config *cfg, const char *name, unsigned line) {
        return section_get(&cfg->probes, &cfg->n_probes, &cfg->cap_probes, "probe", name, cfg->path, line);
}

static struct config_section *plugin_get(struct config *cfg, const char *name, unsigned line) {
        const struct config_section *known = NULL;
        for (size_t i = 0; i < cfg->n_plugins && !known; i++)
                if (strcmp(cfg->plugins[i].name, name) == 0)
                        known = &cfg->plugins[i];
        if (!known && cfg->n_plugins >= CONFIG_PLUGINS_MAX)
                return NULL;
        return section_get(&cfg->plugins, &cfg->n_plugins, &cfg->cap_plugins, "plugin", name, cfg->path, line);
}

/* key = value in [plugin.NAME]: the host's keys are the table's, every
 * other one is the plugin's own; each given once. */
static int plugin_section_set(struct loader *l, const char *section, const char *name, const char *key,
                              const char *value) {
        struct config_section *s = plugin_get(l->cfg, name, l->line);
        if (!s)
                return fail(l,
                            l->cfg->n_plugins >= CONFIG_PLUGINS_MAX ? "[%s]: more than %d plugins"
                                                                    : "[%s]: out of memory",
                            section, CONFIG_PLUGINS_MAX);
        const struct config_entry *e = config_section_get(s, key);
        if (e)
                return fail(l, "[%s] %s: given twice (first on line %u)", section, key, e->line);
        return config_section_add(s, key, value, l->line) < 0 ? fail(l, "out of memory") : 1;
}

static struct config_section *exec_get(struct config *cfg, const char *name, unsigned line) {
        return section_get(&cfg->execs, &cfg->n_execs, &cfg->cap_execs, "exec", name, cfg->path, line);
}

/* The keys settings[] has for section, for messages. */
static size_t section_keys(const char *section, const char **keys, size_t max) {
        size_t n = 0;
        for (size_t i = 0; i < settings_count && n < max; i++)
                if (strcmp(settings[i].section, section) == 0)
                        keys[n++] = settings[i].key;
        return n;
}

/* key = value in [push.target.NAME], [probe.NAME] or [exec.NAME]: known
 * to the table, given once; its value is for the push exporter, the probe
 * collector or the exec collector. */
static int named_section_set(struct loader *l, const char *section, const char *name, const char *key,
                             const char *value) {
        bool probe = strncmp(section, "probe.", 6) == 0, exec = strncmp(section, "exec.", 5) == 0;
        if (settings_find(section, key) < 0) {
                const char *keys[SETTINGS_MAX];
                const char *pattern = probe ? "probe.NAME" : exec ? "exec.NAME" : "push.target.NAME";
                char who[64];
                size_t n = section_keys(pattern, keys, ELEMENTSOF(keys));
                (void) snprintf(who, sizeof(who), "[%s]", pattern);
                return fail_unknown_key(l, section, key, who, keys, n);
        }
        struct config_section *s = probe  ? probe_get(l->cfg, name, l->line)
                                   : exec ? exec_get(l->cfg, name, l->line)
                                          : push_target_get(l->cfg, name, l->line);
        if (!s)
                return fail(l, "out of memory");
        const struct config_entry *e = config_section_get(s, key);
        if (e)
                return fail(l, "[%s] %s: given twice (first on line %u)", section, key, e->line);
        return config_section_add(s, key, value, l->line) < 0 ? fail(l, "out of memory") : 1;
}

int config_add_push_label(struct config *cfg, const char *name, const char *value) {
        for (size_t i = 0; i < cfg->n_push_labels; i++)
                if (strcmp(cfg->push_labels[i].key, name) == 0) {
                        char *v = strdup(value);
                        if (!v)
                                return -ENOMEM;
                        free(cfg->push_labels[i].value);
                        cfg->push_labels[i].value = v;
                        return 0;
                }
        struct config_entry *p = reallocarray(cfg->push_labels, cfg->n_push_labels + 1, sizeof(*p));
        if (!p)
                return -ENOMEM;
        cfg->push_labels = p;
        p[cfg->n_push_labels] = (struct config_entry){.key = strdup(name), .value = strdup(value)};
        if (!p[cfg->n_push_labels].key || !p[cfg->n_push_labels].value)
                return -ENOMEM;
        cfg->n_push_labels++;
        return 0;
}

int config_add_push_url(struct config *cfg, const char *url) {
        char name[32];
        (void) snprintf(name, sizeof(name), "url%zu", cfg->n_push_targets + 1);
        struct config_section *s = push_target_get(cfg, name, 0);
        return s ? config_section_add(s, "url", url, 0) : -ENOMEM;
}

static int loader_handle(void *user, const char *section, const char *key, const char *value) {
        struct loader *l = user;
        if (value[0] == LONG_VALUE_MARK) {
                size_t i = strtoul(value + 1, NULL, 10);
                value = i < l->n_long_values ? l->long_values[i] : "";
        }
        if (section[0] == '\0')
                return fail(l, "%s: key outside of any [section]", key);
        if (strncmp(section, "collector.", 10) == 0)
                return set_collector_option(l, section + 10, key, value);
        if (strncmp(section, "push.target.", 12) == 0) {
                if (!push_target_name_valid(section + 12))
                        return fail(l, "[%s]: a target name is letters, digits, '-' and '_'", section);
                return named_section_set(l, section, section + 12, key, value);
        }
        if (strncmp(section, "plugin.", 7) == 0) {
                if (!push_target_name_valid(section + 7))
                        return fail(l, "[%s]: a plugin name is letters, digits, '-' and '_'", section);
                return plugin_section_set(l, section, section + 7, key, value);
        }
        if (strncmp(section, "probe.", 6) == 0) {
                if (!push_target_name_valid(section + 6))
                        return fail(l, "[%s]: a probe name is letters, digits, '-' and '_'", section);
                return named_section_set(l, section, section + 6, key, value);
        }
        if (strncmp(section, "exec.", 5) == 0) {
                if (!push_target_name_valid(section + 5))
                        return fail(l, "[%s]: a program name is letters, digits, '-' and '_'", section);
                return named_section_set(l, section, section + 5, key, value);
        }
        int idx = settings_find(section, key);
        if (idx < 0 && strcmp(section, "collectors") == 0)
                return set_collector_switch(l, key, value);
        if (idx < 0 && !settings_section_known(section))
                return fail(l,
                            "[%s]: unknown section (known: [log], [web], [paths], [collectors], "
                            "[collector.NAME], [push], [push.target.NAME], [probe.NAME], [plugins], [plugin.NAME], "
                            "[exec.NAME])",
                            section);
        if (idx < 0) {
                const char *keys[SETTINGS_MAX];
                char who[64];
                size_t n = section_keys(section, keys, ELEMENTSOF(keys));
                (void) snprintf(who, sizeof(who), "[%s]", section);
                return fail_unknown_key(l, section, key, who, keys, n);
        }
        const struct setting *d = &settings[idx];
        char err[600];
        _cleanup_free_ char *label = NULL;
        if (d->type == SETTING_LABEL) {
                for (size_t i = 0; i < l->cfg->n_push_labels; i++)
                        if (strcmp(l->cfg->push_labels[i].key, key + 6) == 0)
                                return fail(l, "[%s] %s: given twice (first on line %u)", section, key,
                                            l->cfg->push_labels[i].line);
                if (asprintf(&label, "%s=%s", key + 6, value) < 0)
                        return fail(l, "out of memory");
                value = label;
        } else if (from_file(l->cfg->setting_line[idx]) && d->type != SETTING_LISTEN)
                return fail(l, "[%s] %s: given twice (first on line %u)", section, key, l->cfg->setting_line[idx]);
        int r = config_set(l->cfg, (size_t) idx, value, l->line, err, sizeof(err));
        if (r == -EINVAL)
                return fail(l, "[%s] %s: %s", section, key, err);
        return r < 0 ? fail(l, "out of memory") : 1;
}

int config_load(struct config *cfg, const char *path, struct diag *diag) {
        int r = strdup_into(&cfg->path, path);
        if (r < 0)
                return r;
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return diag_set(diag, "%s: cannot open: %s", path, strerror(errno));

        struct loader l = {.cfg = cfg, .file = cfg->path, .diag = diag};
        r = read_fd(fd, CONFIG_FILE_MAX, &l.text);
        if (r < 0) {
                buf_free(&l.text);
                if (r == -EFBIG)
                        return diag_set(diag, "%s: more than %u MiB: too large for a configuration file", path,
                                        CONFIG_FILE_MAX >> 20);
                return diag_set(diag, "%s: cannot read: %s", path, strerror(-r));
        }
        l.pos = l.text.data;
        int line = ini_parse_stream(loader_read_line, &l, loader_handle, &l);
        buf_free(&l.text);
        for (size_t i = 0; i < l.n_long_values; i++)
                free(l.long_values[i]);
        free(l.long_values);
        /* inih reports the first line it could not parse; the handler and
         * the reader record their own. The earlier one is the first error. */
        if (line > 0 && (l.error_line == 0 || (unsigned) line < l.error_line)) {
                diag->msg[0] = '\0';
                return diag_at(diag, path, (unsigned) line,
                               "syntax error: expected [section], key = value, or a comment (; or #)");
        }
        if (l.error_line > 0)
                return -EINVAL;
        if (line < 0)
                return diag_set(diag, "%s: cannot read: %s", path, line == -1 ? "cannot open" : "out of memory");
        /* a target without a url would push nothing, without a word */
        for (size_t i = 0; i < cfg->n_push_targets; i++)
                if (cfg->push_targets[i].line > 0 && !config_section_get(&cfg->push_targets[i], "url"))
                        return diag_at(diag, path, cfg->push_targets[i].line,
                                       "[push.target.%s]: no url (this target would push nothing)",
                                       cfg->push_targets[i].name);
        return 0;
}

/* --- writing the effective settings --- */

static void format_size(uint64_t v, char *out, size_t size) {
        static const struct {
                const char *suffix;
                uint64_t factor;
        } units[] = {{"GiB", 1u << 30}, {"MiB", 1u << 20}, {"KiB", 1u << 10}};
        for (size_t i = 0; i < ELEMENTSOF(units); i++)
                if (v >= units[i].factor && v % units[i].factor == 0) {
                        (void) snprintf(out, size, "%llu%s", (unsigned long long) (v / units[i].factor),
                                        units[i].suffix);
                        return;
                }
        (void) snprintf(out, size, "%llu", (unsigned long long) v);
}

static void format_value(const struct config *cfg, const struct setting *d, char *out, size_t size) {
        const void *field = (const char *) cfg + d->offset;
        switch (d->type) {
        case SETTING_BOOL: (void) snprintf(out, size, "%s", *(const bool *) field ? "true" : "false"); return;
        case SETTING_UINT: (void) snprintf(out, size, "%u", *(const unsigned *) field); return;
        case SETTING_DURATION_S: settings_format_duration(*(const unsigned *) field * 1000ull, out, size); return;
        case SETTING_DURATION_MS: settings_format_duration(*(const uint64_t *) field, out, size); return;
        case SETTING_SIZE: format_size(*(const uint64_t *) field, out, size); return;
        case SETTING_LOG_LEVEL: (void) snprintf(out, size, "%s", log_level_to_string(cfg->log_level)); return;
        case SETTING_LOG_TARGET: (void) snprintf(out, size, "%s", log_target_to_string(cfg->log_target)); return;
        case SETTING_LOG_FORMAT: (void) snprintf(out, size, "%s", log_format_to_string(cfg->log_format)); return;
        case SETTING_PATH:
        case SETTING_QUEUE_DIR:
        case SETTING_TELEMETRY:
        case SETTING_STRING:
        case SETTING_WEB_CONFIG: {
                const char *v = *(char *const *) field;
                (void) snprintf(out, size, "%s", v ? v : "");
                return;
        }
        default: out[0] = '\0'; return;
        }
}

static void write_line(FILE *f, bool for_person, const char *key, const char *value, const char *origin) {
        if (!for_person) {
                fprintf(f, "%s = %s\n", key, value);
                return;
        }
        int n = fprintf(f, "%s = %s", key, value);
        fprintf(f, "%*s ; %s\n", n < 40 ? 40 - n : 0, "", origin);
}

/* A header value may be a credential (Authorization, X-Api-Key...). */
static bool header_is_secret(const char *name) {
        static const char *const words[] = {"auth", "token", "key", "secret", "cookie", "pass"};
        for (size_t i = 0; i < ELEMENTSOF(words); i++)
                if (strcasestr(name, words[i]))
                        return true;
        return false;
}

/* A [push.target.NAME], [probe.NAME], [plugin.NAME] or [exec.NAME] section as it was given. */
static void write_named_section(const struct config *cfg, const struct config_section *s, FILE *f, bool for_person,
                                void (*redact_url)(const char *url, char *out, size_t size)) {
        char section[160];
        (void) snprintf(section, sizeof(section), "%s.%s", s->kind, s->name);
        fprintf(f, "\n[%s]\n", section);
        for (size_t k = 0; k < s->n_entries; k++) {
                const struct config_entry *e = &s->entries[k];
                char value[2048], origin[300];
                int idx = settings_find(section, e->key);
                /* a plugin's own keys are not the table's: judged by their names */
                bool plugin_key = idx < 0 && strcmp(s->kind, "plugin") == 0;
                bool secret = (idx >= 0 && settings[idx].flags & SETTING_SECRET) ||
                              (strncmp(e->key, "header.", 7) == 0 && header_is_secret(e->key + 7)) ||
                              (plugin_key && header_is_secret(e->key));
                if (for_person && secret)
                        (void) snprintf(value, sizeof(value), "(secret)");
                else if (for_person && (strcmp(e->key, "url") == 0 || strcmp(e->key, "target") == 0) && redact_url)
                        redact_url(e->value, value, sizeof(value));
                else
                        (void) snprintf(value, sizeof(value), "%s", e->value);
                describe_origin(cfg, e->line ? e->line : CONFIG_FROM_FLAG, "push.url", origin, sizeof(origin));
                write_line(f, for_person, e->key, value, origin);
        }
}

void config_write(const struct config *cfg, FILE *f, bool for_person,
                  void (*redact_url)(const char *url, char *out, size_t size)) {
        const char *section = "";
        char value[2048], origin[300], key[160];
        for (size_t i = 0; i < settings_count; i++) {
                const struct setting *d = &settings[i];
                if (d->type == SETTING_PUSH_URL || d->type == SETTING_TARGET_KEY || d->type == SETTING_PROBE_KEY ||
                    d->type == SETTING_PLUGIN_KEY || d->type == SETTING_EXEC_KEY)
                        continue;
                if (strcmp(section, d->section) != 0) {
                        section = d->section;
                        fprintf(f, "%s[%s]\n", i ? "\n" : "", section);
                }
                describe_origin(cfg, cfg->setting_line[i], d->flag, origin, sizeof(origin));
                if (d->type == SETTING_LISTEN) {
                        for (size_t k = 0; k < cfg->n_listen_addresses; k++)
                                write_line(f, for_person, d->key, cfg->listen_addresses[k], origin);
                        continue;
                }
                if (d->type == SETTING_LABEL) {
                        for (size_t k = 0; k < cfg->n_push_labels; k++) {
                                const struct config_entry *e = &cfg->push_labels[k];
                                (void) snprintf(key, sizeof(key), "label.%s", e->key);
                                describe_origin(cfg, e->line ? e->line : CONFIG_FROM_FLAG, d->flag, origin,
                                                sizeof(origin));
                                write_line(f, for_person, key, e->value, origin);
                        }
                        continue;
                }
                format_value(cfg, d, value, sizeof(value));
                write_line(f, for_person, d->key, value, origin);
                if (strcmp(d->section, "collectors") == 0)
                        for (size_t k = 0; k < registry_count; k++) {
                                unsigned line = cfg->collector_line[k];
                                (void) snprintf(key, sizeof(key), "%scollector.%s",
                                                cfg->collector_enabled[k] == 0 ? "no-" : "",
                                                registry_collectors[k]->name);
                                describe_origin(cfg, line, key, origin, sizeof(origin));
                                write_line(f, for_person, registry_collectors[k]->name,
                                           config_collector_enabled(cfg, k) ? "true" : "false", origin);
                        }
        }
        for (size_t i = 0; i < cfg->n_push_targets; i++)
                write_named_section(cfg, &cfg->push_targets[i], f, for_person, redact_url);
        for (size_t i = 0; i < cfg->n_probes; i++)
                write_named_section(cfg, &cfg->probes[i], f, for_person, redact_url);
        for (size_t i = 0; i < cfg->n_plugins; i++)
                write_named_section(cfg, &cfg->plugins[i], f, for_person, redact_url);
        for (size_t i = 0; i < cfg->n_execs; i++)
                write_named_section(cfg, &cfg->execs[i], f, for_person, redact_url);
        for (size_t i = 0; i < registry_count; i++) {
                const struct collector *c = registry_collectors[i];
                const char *keys[32], *defs[32];
                size_t n = collector_keys(c, keys, defs, ELEMENTSOF(keys));
                const struct config_section *s = config_collector_section(cfg, c->name);
                if (n == 0)
                        continue;
                fprintf(f, "\n[collector.%s]\n", c->name);
                for (size_t k = 0; k < n; k++) {
                        const struct config_entry *e = config_section_get(s, keys[k]);
                        char flag[160];
                        (void) snprintf(flag, sizeof(flag), "collector.%s.%s", c->name, keys[k]);
                        for (char *p = flag + strlen("collector.") + strlen(c->name); *p; p++)
                                if (*p == '_')
                                        *p = '-';
                        describe_origin(cfg, e ? (e->line ? e->line : CONFIG_FROM_FLAG) : 0, flag, origin,
                                        sizeof(origin));
                        write_line(f, for_person, keys[k],
                                   e         ? e->value
                                   : defs[k] ? defs[k]
                                             : "(the collector's)",
                                   origin);
                }
        }
}
