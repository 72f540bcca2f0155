/* Config: embedded defaults and the INI loader. libinih does the syntax;
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

#include "collector.h"
#include "fileio.h"
#include "listen.h"
#include "metric.h"
#include "parse.h"
#include "registry.h"

enum key_type { K_BOOL, K_UINT, K_DURATION_S, K_PATH, K_TELEMETRY, K_LISTEN, K_LOG_LEVEL, K_LOG_TARGET,
                K_DURATION_MS, K_SIZE, K_STRING };

struct key_def {
        const char *section;
        const char *key;
        enum key_type type;
        size_t offset;
        unsigned min, max; /* K_UINT and K_DURATION_S */
};

#define OFF(f) offsetof(struct config, f)
static const struct key_def key_defs[] = {
        {"log", "level", K_LOG_LEVEL, OFF(log_level), 0, 0},
        {"log", "target", K_LOG_TARGET, OFF(log_target), 0, 0},
        {"web", "listen_address", K_LISTEN, 0, 0, 0},
        {"web", "telemetry_path", K_TELEMETRY, OFF(telemetry_path), 0, 0},
        {"web", "max_requests", K_UINT, OFF(max_requests), 1, 10000},
        {"web", "connection_timeout", K_DURATION_S, OFF(connection_timeout_s), 1, 3600},
        {"web", "systemd_socket", K_BOOL, OFF(systemd_socket), 0, 0},
        {"web", "disable_exporter_metrics", K_BOOL, OFF(disable_exporter_metrics), 0, 0},
        {"paths", "procfs", K_PATH, OFF(procfs), 0, 0},
        {"paths", "sysfs", K_PATH, OFF(sysfs), 0, 0},
        {"paths", "rootfs", K_PATH, OFF(rootfs), 0, 0},
        {"paths", "udev_data", K_PATH, OFF(udev_data), 0, 0},
        {"collectors", "disable_defaults", K_BOOL, OFF(disable_defaults), 0, 0},
        {"push", "interval", K_DURATION_MS, OFF(push_interval_ms), 1000, 86400000},
        {"push", "queue_dir", K_PATH, OFF(push_queue_dir), 0, 0},
        {"push", "queue_max_bytes", K_SIZE, OFF(push_queue_max_bytes), 0, 0},
        {"push", "fsync", K_BOOL, OFF(push_fsync), 0, 0},
        {"push", "queue_memory_batches", K_UINT, OFF(push_queue_memory_batches), 1, 100000},
        {"push", "instance", K_STRING, OFF(push_instance), 0, 0},
        {"push", "job", K_STRING, OFF(push_job), 0, 0},
};
#undef OFF

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
        } units[] = {{"", 1}, {"B", 1}, {"k", 1000}, {"K", 1000}, {"KiB", 1024}, {"M", 1000000}, {"MiB", 1 << 20},
                     {"G", 1000000000}, {"GiB", 1 << 30}, {"kB", 1000}, {"MB", 1000000}, {"GB", 1000000000}};
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

int config_init_defaults(struct config *cfg) {
        *cfg = (struct config){
                .log_level = LOG_LEVEL_INFO,
                .log_target = LOG_TARGET_AUTO,
                .max_requests = 40,
                .connection_timeout_s = 90, /* longer than Prometheus's usual intervals: keep-alive survives */
                .push_interval_ms = 15000,
                .push_queue_max_bytes = 256u << 20,
                .push_fsync = true,
                .push_queue_memory_batches = 64,
        };
        memset(cfg->collector_enabled, -1, sizeof(cfg->collector_enabled));
        if (listen_add(cfg, ":9100") < 0 || strdup_into(&cfg->telemetry_path, "/metrics") < 0 ||
            strdup_into(&cfg->procfs, "/proc") < 0 || strdup_into(&cfg->sysfs, "/sys") < 0 ||
            strdup_into(&cfg->rootfs, "/") < 0 || strdup_into(&cfg->udev_data, "/run/udev/data") < 0 ||
            strdup_into(&cfg->push_queue_dir, "/var/lib/vigie/queue") < 0 || strdup_into(&cfg->push_job, "vigie") < 0) {
                config_free(cfg);
                return -ENOMEM;
        }
        return 0;
}

void config_free(struct config *cfg) {
        listen_clear(cfg);
        free(cfg->listen_addresses);
        free(cfg->path);
        free(cfg->telemetry_path);
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
        for (size_t i = 0; i < cfg->n_push_targets; i++) {
                struct config_section *s = &cfg->push_targets[i];
                for (size_t k = 0; k < s->n_entries; k++) {
                        free(s->entries[k].key);
                        free(s->entries[k].value);
                }
                free(s->entries);
                free(s->name);
        }
        free(cfg->push_targets);
        for (size_t i = 0; i < cfg->n_sections; i++) {
                struct config_section *s = &cfg->sections[i];
                for (size_t k = 0; k < s->n_entries; k++) {
                        free(s->entries[k].key);
                        free(s->entries[k].value);
                }
                free(s->entries);
                free(s->name);
        }
        free(cfg->sections);
        *cfg = (struct config){0};
}

bool config_collector_enabled(const struct config *cfg, size_t idx) {
        if (cfg->collector_enabled[idx] >= 0)
                return cfg->collector_enabled[idx];
        return !cfg->disable_defaults && registry_collectors[idx]->default_enabled;
}

const struct config_section *config_collector_section(const struct config *cfg, const char *name) {
        for (size_t i = 0; i < cfg->n_sections; i++)
                if (strcmp(cfg->sections[i].name, name) == 0)
                        return &cfg->sections[i];
        return NULL;
}

const struct config_entry *config_section_get(const struct config_section *s, const char *key) {
        for (size_t i = 0; s && i < s->n_entries; i++)
                if (strcmp(s->entries[i].key, key) == 0)
                        return &s->entries[i];
        return NULL;
}

int config_entry_error(const struct config_section *s, const struct config_entry *e, struct diag *diag,
                       const char *fmt, ...) {
        char msg[400];
        va_list ap;
        va_start(ap, fmt);
        (void) vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        if (e->line == 0) {
                /* flags are written with dashes: device_exclude came from --collector.X.device-exclude */
                char flag[128];
                (void) snprintf(flag, sizeof(flag), "%s", e->key);
                for (char *p = flag; *p; p++)
                        if (*p == '_')
                                *p = '-';
                return diag_set(diag, "--collector.%s.%s: %s", s->name, flag, msg);
        }
        return diag_at(diag, s->file, e->line, "[collector.%s] %s: %s", s->name, e->key, msg);
}

int config_section_bool(const struct config_section *s, const char *key, bool def, bool *ret, struct diag *diag) {
        const struct config_entry *e = config_section_get(s, key);
        if (!e) {
                *ret = def;
                return 0;
        }
        if (parse_bool(e->value, ret) < 0)
                return config_entry_error(s, e, diag, "'%s' is not a boolean (true or false)", e->value);
        return 0;
}

const char *config_section_string(const struct config_section *s, const char *key, const char *def) {
        const struct config_entry *e = config_section_get(s, key);
        return e ? e->value : def;
}

int config_section_duration_ms(const struct config_section *s, const char *key, uint64_t def, uint64_t min,
                               uint64_t max, uint64_t *ret, struct diag *diag) {
        const struct config_entry *e = config_section_get(s, key);
        if (!e) {
                *ret = def;
                return 0;
        }
        uint64_t ms;
        if (parse_duration_ms(e->value, &ms) < 0 || ms < min || ms > max)
                return config_entry_error(s, e, diag, "'%s' is not a duration from %llums to %llums (e.g. 500ms, 2s)",
                                          e->value, (unsigned long long) min, (unsigned long long) max);
        *ret = ms;
        return 0;
}

int config_check_telemetry_path(const char *path) {
        if (path[0] != '/' || strcmp(path, "/") == 0 || strncmp(path, "/-/", 3) == 0 ||
            strpbrk(path, " ?#\t\n") != NULL)
                return -EINVAL;
        return 0;
}

/* --- loading --- */

struct loader {
        struct config *cfg;
        const char *file;
        struct buf text; /* the whole file; its lines are cut in place */
        char *pos;       /* the next line */
        unsigned line;
        unsigned key_lines[ELEMENTSOF(key_defs)];
        unsigned collector_lines[COLLECTORS_MAX];
        bool listen_from_file;
        unsigned error_line; /* of the first error found by the handler or the reader */
        struct diag *diag;
        char **long_values;  /* values of lines too long for inih, by number */
        size_t n_long_values;
};

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
        char **v = reallocarray(l->long_values, l->n_long_values + 1, sizeof(*v));
        char *value = v ? strdup(strip_inline_comment(eq + 1 + strspn(eq + 1, " \t"))) : NULL;
        if (v)
                l->long_values = v;
        if (!value) {
                (void) fail(l, "out of memory");
                return str;
        }
        l->long_values[l->n_long_values] = value;
        (void) snprintf(str, (size_t) num, "%.*s= %c%zu\n", (int) (eq - p), p, LONG_VALUE_MARK, l->n_long_values++);
        return str;
}

static int set_known_key(struct loader *l, size_t k, const char *value) {
        const struct key_def *d = &key_defs[k];
        void *field = (char *) l->cfg + d->offset;
        int r = 0;
        switch (d->type) {
        case K_BOOL:
                if (parse_bool(value, field) < 0)
                        return fail(l, "[%s] %s: '%s' is not a boolean (true or false)", d->section, d->key, value);
                break;
        case K_UINT:
                if (parse_uint_range(value, d->min, d->max, field) < 0)
                        return fail(l, "[%s] %s: '%s' is not a whole number from %u to %u", d->section, d->key,
                                    value, d->min, d->max);
                break;
        case K_DURATION_S: {
                uint64_t ms;
                if (parse_duration_ms(value, &ms) < 0 || ms % 1000 != 0 || ms / 1000 < d->min || ms / 1000 > d->max)
                        return fail(l, "[%s] %s: '%s' is not a duration in whole seconds from %us to %us (e.g. 10s, 1m)",
                                    d->section, d->key, value, d->min, d->max);
                *(unsigned *) field = (unsigned) (ms / 1000);
                break;
        }
        case K_PATH:
                if (value[0] != '/')
                        return fail(l, "[%s] %s: '%s' is not an absolute path", d->section, d->key, value);
                r = strdup_into(field, value);
                break;
        case K_TELEMETRY:
                if (config_check_telemetry_path(value) < 0)
                        return fail(l, "[%s] %s: '%s' is not a usable path (it starts with /, is not / and not under /-/)",
                                    d->section, d->key, value);
                r = strdup_into(field, value);
                break;
        case K_LISTEN: {
                char host[256], port[8];
                if (listen_address_parse(value, host, sizeof(host), port, sizeof(port)) < 0)
                        return fail(l, "[%s] %s: '%s' is not host:port, [ipv6]:port or :port", d->section, d->key,
                                    value);
                if (!l->listen_from_file) {
                        listen_clear(l->cfg); /* the file's addresses replace the default */
                        l->listen_from_file = true;
                }
                r = listen_add(l->cfg, value);
                break;
        }
        case K_LOG_LEVEL:
                if (log_level_from_string(value, field) < 0)
                        return fail(l, "[%s] %s: '%s' is not one of error, warn, info, debug", d->section, d->key,
                                    value);
                break;
        case K_LOG_TARGET:
                if (log_target_from_string(value, field) < 0)
                        return fail(l, "[%s] %s: '%s' is not one of auto, stderr, journal", d->section, d->key, value);
                break;
        case K_DURATION_MS: {
                uint64_t ms;
                if (parse_duration_ms(value, &ms) < 0 || ms < d->min || ms > d->max)
                        return fail(l, "[%s] %s: '%s' is not a duration from %ums to %ums (e.g. 15s, 1m)", d->section,
                                    d->key, value, d->min, d->max);
                *(uint64_t *) field = ms;
                break;
        }
        case K_SIZE:
                if (parse_size(value, field) < 0 || *(uint64_t *) field < 65536)
                        return fail(l, "[%s] %s: '%s' is not a size of at least 64KiB (e.g. 256MiB, 1G)", d->section,
                                    d->key, value);
                break;
        case K_STRING:
                if (value[0] == '\0')
                        return fail(l, "[%s] %s: empty", d->section, d->key);
                r = strdup_into(field, value);
                break;
        }
        if (r < 0)
                return fail(l, "out of memory");
        return 1;
}

static int set_collector_switch(struct loader *l, const char *name, const char *value) {
        int idx = registry_find(name);
        if (idx < 0)
                return fail(l, "[collectors] %s: no such collector", name);
        if (l->collector_lines[idx])
                return fail(l, "[collectors] %s: given twice (first on line %u)", name, l->collector_lines[idx]);
        bool on;
        if (parse_bool(value, &on) < 0)
                return fail(l, "[collectors] %s: '%s' is not a boolean (true or false)", name, value);
        l->collector_lines[idx] = l->line;
        l->cfg->collector_enabled[idx] = on;
        return 1;
}

bool config_collector_accepts(const char *name, const char *key) {
        int idx = registry_find(name);
        if (idx < 0)
                return false;
        for (const char *const *k = registry_collectors[idx]->config_keys; k && *k; k++)
                if (strcmp(*k, key) == 0)
                        return true;
        return false;
}

/* Finds or adds [collector.name] and sets key in it; an existing entry
 * (from the file, when a flag overrides it) is replaced. line 0: a flag. */
static int section_set(struct config *cfg, const char *name, const char *key, const char *value, unsigned line) {
        struct config_section *s = (struct config_section *) config_collector_section(cfg, name);
        if (!s) {
                struct config_section *p = reallocarray(cfg->sections, cfg->n_sections + 1, sizeof(*p));
                if (!p)
                        return -ENOMEM;
                cfg->sections = p;
                s = &p[cfg->n_sections];
                *s = (struct config_section){.name = strdup(name), .file = cfg->path};
                if (!s->name)
                        return -ENOMEM;
                cfg->n_sections++;
        }
        char *v = strdup(value);
        if (!v)
                return -ENOMEM;
        struct config_entry *e = (struct config_entry *) config_section_get(s, key);
        if (e) {
                free(e->value);
                e->value = v;
                e->line = line;
                return 0;
        }
        struct config_entry *p = reallocarray(s->entries, s->n_entries + 1, sizeof(*p));
        if (!p) {
                free(v);
                return -ENOMEM;
        }
        s->entries = p;
        p[s->n_entries] = (struct config_entry){.key = strdup(key), .value = v, .line = line};
        if (!p[s->n_entries].key) {
                free(v);
                return -ENOMEM;
        }
        s->n_entries++;
        return 0;
}

int config_set_collector_option(struct config *cfg, const char *name, const char *key, const char *value) {
        return section_set(cfg, name, key, value, 0);
}

static int set_collector_option(struct loader *l, const char *name, const char *key, const char *value) {
        int idx = registry_find(name);
        if (idx < 0)
                return fail(l, "[collector.%s]: no such collector", name);
        const struct collector *c = registry_collectors[idx];
        if (!config_collector_accepts(name, key))
                return fail(l, "[collector.%s] %s: unknown key (the %s collector has %s)", name, key, name,
                            c->config_keys ? "other keys" : "no options");
        const struct config_entry *e = config_section_get(config_collector_section(l->cfg, name), key);
        if (e)
                return fail(l, "[collector.%s] %s: given twice (first on line %u)", name, key, e->line);
        if (section_set(l->cfg, name, key, value, l->line) < 0)
                return fail(l, "out of memory");
        return 1;
}

static const char *const push_target_keys[] = {"url", "interval", "bearer_token", "bearer_token_file", "username",
                                               "password", "password_file", "ca_file", "cert_file", "key_file",
                                               "insecure_skip_verify", "timeout", NULL};

static struct config_section *push_target_get(struct config *cfg, const char *name, bool create) {
        for (size_t i = 0; i < cfg->n_push_targets; i++)
                if (strcmp(cfg->push_targets[i].name, name) == 0)
                        return &cfg->push_targets[i];
        if (!create)
                return NULL;
        struct config_section *p = reallocarray(cfg->push_targets, cfg->n_push_targets + 1, sizeof(*p));
        if (!p)
                return NULL;
        cfg->push_targets = p;
        struct config_section *s = &p[cfg->n_push_targets];
        *s = (struct config_section){.name = strdup(name), .file = cfg->path};
        if (!s->name)
                return NULL;
        cfg->n_push_targets++;
        return s;
}

static int entry_add(struct config_section *s, const char *key, const char *value, unsigned line) {
        struct config_entry *p = reallocarray(s->entries, s->n_entries + 1, sizeof(*p));
        if (!p)
                return -ENOMEM;
        s->entries = p;
        p[s->n_entries] = (struct config_entry){.key = strdup(key), .value = strdup(value), .line = line};
        if (!p[s->n_entries].key || !p[s->n_entries].value) {
                free(p[s->n_entries].key);
                free(p[s->n_entries].value);
                return -ENOMEM;
        }
        s->n_entries++;
        return 0;
}

static int push_target_set(struct loader *l, const char *name, const char *key, const char *value) {
        bool known = strncmp(key, "header.", 7) == 0 && key[7];
        for (const char *const *k = push_target_keys; *k && !known; k++)
                known = strcmp(*k, key) == 0;
        if (!known)
                return fail(l, "[push.target.%s] %s: unknown key", name, key);
        struct config_section *s = push_target_get(l->cfg, name, true);
        if (!s)
                return fail(l, "out of memory");
        const struct config_entry *e = config_section_get(s, key);
        if (e)
                return fail(l, "[push.target.%s] %s: given twice (first on line %u)", name, key, e->line);
        return entry_add(s, key, value, l->line) < 0 ? fail(l, "out of memory") : 1;
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
        struct config_section *s = push_target_get(cfg, name, true);
        return s ? entry_add(s, "url", url, 0) : -ENOMEM;
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
        if (strcmp(section, "push") == 0 && strncmp(key, "label.", 6) == 0) {
                if (!metric_label_name_valid(key + 6))
                        return fail(l, "[push] %s: '%s' is not a label name", key, key + 6);
                for (size_t i = 0; i < l->cfg->n_push_labels; i++)
                        if (strcmp(l->cfg->push_labels[i].key, key + 6) == 0)
                                return fail(l, "[push] %s: given twice", key);
                return config_add_push_label(l->cfg, key + 6, value) < 0 ? fail(l, "out of memory") : 1;
        }
        if (strncmp(section, "push.target.", 12) == 0) {
                const char *name = section + 12;
                if (!*name || strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") != strlen(name))
                        return fail(l, "[%s]: a target name is letters, digits, '-' and '_'", section);
                return push_target_set(l, name, key, value);
        }

        bool section_known = false;
        for (size_t k = 0; k < ELEMENTSOF(key_defs); k++) {
                if (strcmp(key_defs[k].section, section) != 0)
                        continue;
                section_known = true;
                if (strcmp(key_defs[k].key, key) != 0)
                        continue;
                if (l->key_lines[k] && key_defs[k].type != K_LISTEN)
                        return fail(l, "[%s] %s: given twice (first on line %u)", section, key, l->key_lines[k]);
                l->key_lines[k] = l->line;
                return set_known_key(l, k, value);
        }
        if (strcmp(section, "collectors") == 0)
                return set_collector_switch(l, key, value);
        if (!section_known)
                return fail(l, "[%s]: unknown section (known: [log], [web], [paths], [collectors], "
                               "[collector.NAME], [push], [push.target.NAME])", section);
        return fail(l, "[%s] %s: unknown key", section, key);
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
        return 0;
}
