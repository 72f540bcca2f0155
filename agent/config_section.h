/* A config file's section as a collector, a push target or a probe reads
 * it: [collector.NAME], [push.target.NAME] or [probe.NAME], its keys and
 * values with where each came from, and the typed getters that say
 * file:line (or the flag) when a value is bad. All a collector needs of
 * the configuration. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"

struct config_entry {
        char *key;
        char *value;
        unsigned line; /* 0: from a flag (--collector.NAME.KEY, --push.url, --push.label) */
};

/* A [collector.NAME] or [push.target.NAME] section, handed as it is to the
 * collector's init or the push exporter. */
struct config_section {
        char *name;       /* the collector's, the target's or the probe's name */
        const char *kind; /* "collector", "push.target" or "probe": [KIND.NAME] in messages */
        const char *file; /* the config file, for diagnostics */
        unsigned line;    /* of its [header]; 0: made by a flag */
        struct config_entry *entries;
        size_t n_entries, cap_entries;
};

/* A deep copy of src (its file is not copied: it names the config file,
 * which outlives no reload; file is left NULL). 0 or -ENOMEM. */
int config_section_copy(struct config_section *dst, const struct config_section *src);
/* Appends key = value (from line; 0: a flag), copied. 0 or -ENOMEM. */
int config_section_add(struct config_section *s, const char *key, const char *value, unsigned line);
/* Frees what a section holds; NULL is fine. */
void config_section_clear(struct config_section *s);
/* The entry for key in a collector's section, or NULL (section may be NULL). */
const struct config_entry *config_section_get(const struct config_section *s, const char *key);
/* Typed getters with a default; a bad value is a diag naming file:line or
 * the flag it came from. */
int config_section_bool(const struct config_section *s, const char *key, bool def, bool *ret, struct diag *diag);
/* The string, or def; never NULL unless def is. */
const char *config_section_string(const struct config_section *s, const char *key, const char *def);
int config_section_duration_ms(const struct config_section *s, const char *key, uint64_t def, uint64_t min,
                               uint64_t max, uint64_t *ret, struct diag *diag);
/* A size in bytes (1MiB, 500k, 4096) from min to max. */
int config_section_size(const struct config_section *s, const char *key, uint64_t def, uint64_t min, uint64_t max,
                        uint64_t *ret, struct diag *diag);
/* A real number from min to max (NaN and infinities refused). */
int config_section_double(const struct config_section *s, const char *key, double def, double min, double max,
                          double *ret, struct diag *diag);
/* A diag about entry e of s: "file:line: [collector.X] key: ..." or
 * "--collector.X.key: ...". Returns -EINVAL. */
int config_entry_error(const struct config_section *s, const struct config_entry *e, struct diag *diag, const char *fmt,
                       ...) _printf_(4, 5);
