/* A config section's entries and their typed getters. */
#include "config_section.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "config.h"
#include "parse.h"
#include "settings.h"

const struct config_entry *config_section_get(const struct config_section *s, const char *key) {
        for (size_t i = 0; s && i < s->n_entries; i++)
                if (strcmp(s->entries[i].key, key) == 0)
                        return &s->entries[i];
        return NULL;
}

int config_section_add(struct config_section *s, const char *key, const char *value, unsigned line) {
        if (array_reserve((void **) &s->entries, &s->cap_entries, s->n_entries + 1, sizeof(*s->entries)) < 0)
                return -ENOMEM;
        struct config_entry *p = s->entries;
        p[s->n_entries] = (struct config_entry){.key = strdup(key), .value = strdup(value), .line = line};
        if (!p[s->n_entries].key || !p[s->n_entries].value) {
                free(p[s->n_entries].key);
                free(p[s->n_entries].value);
                return -ENOMEM;
        }
        s->n_entries++;
        return 0;
}

void config_section_clear(struct config_section *s) {
        if (!s)
                return;
        for (size_t k = 0; k < s->n_entries; k++) {
                free(s->entries[k].key);
                free(s->entries[k].value);
        }
        free(s->entries);
        free(s->name);
        *s = (struct config_section){0};
}

int config_section_copy(struct config_section *dst, const struct config_section *src) {
        *dst = (struct config_section){.kind = src->kind, .line = src->line};
        int r = (dst->name = strdup(src->name)) ? 0 : -ENOMEM;
        for (size_t k = 0; k < src->n_entries && r >= 0; k++)
                r = config_section_add(dst, src->entries[k].key, src->entries[k].value, src->entries[k].line);
        if (r < 0)
                config_section_clear(dst);
        return r;
}

int config_entry_error(const struct config_section *s, const struct config_entry *e, struct diag *diag, const char *fmt,
                       ...) {
        char msg[400];
        va_list ap;
        va_start(ap, fmt);
        (void) vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        bool target = s->kind && strcmp(s->kind, "push.target") == 0;
        if (e->line == 0 && target)
                return diag_set(diag, "--push.url: %s", msg);
        if (e->line == 0) {
                /* flags are written with dashes: device_exclude came from --collector.X.device-exclude */
                char flag[128];
                (void) snprintf(flag, sizeof(flag), "%s", e->key);
                for (char *p = flag; *p; p++)
                        if (*p == '_')
                                *p = '-';
                return diag_set(diag, "--collector.%s.%s: %s", s->name, flag, msg);
        }
        return diag_at(diag, s->file, e->line, "[%s.%s] %s: %s", s->kind ? s->kind : "collector", s->name, e->key, msg);
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
        if (parse_duration_ms(e->value, &ms) < 0 || ms < min || ms > max) {
                char lo[32], hi[32];
                settings_format_duration(min, lo, sizeof(lo));
                settings_format_duration(max, hi, sizeof(hi));
                return config_entry_error(s, e, diag, "'%s' is not a duration from %s to %s (e.g. 500ms, 2s)", e->value,
                                          lo, hi);
        }
        *ret = ms;
        return 0;
}

int config_section_size(const struct config_section *s, const char *key, uint64_t def, uint64_t min, uint64_t max,
                        uint64_t *ret, struct diag *diag) {
        const struct config_entry *e = config_section_get(s, key);
        if (!e) {
                *ret = def;
                return 0;
        }
        uint64_t v;
        if (parse_size(e->value, &v) < 0 || v < min || v > max)
                return config_entry_error(s, e, diag, "'%s' is not a size from %llu to %llu bytes (e.g. 1MiB, 500k)",
                                          e->value, (unsigned long long) min, (unsigned long long) max);
        *ret = v;
        return 0;
}

int config_section_double(const struct config_section *s, const char *key, double def, double min, double max,
                          double *ret, struct diag *diag) {
        const struct config_entry *e = config_section_get(s, key);
        if (!e) {
                *ret = def;
                return 0;
        }
        char *end;
        errno = 0;
        double v = strtod(e->value, &end);
        if (errno != 0 || end == e->value || *end != '\0' || !(v >= min && v <= max))
                return config_entry_error(s, e, diag, "'%s' is not a number from %g to %g", e->value, min, max);
        *ret = v;
        return 0;
}
