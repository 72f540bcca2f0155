/* The agent's configuration: embedded defaults, then an INI file read with
 * libinih, then command-line flags on top (options.c). Every error names
 * file:line and key; a config that fails to load changes nothing. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "log.h"

#define COLLECTORS_MAX 64
/* What a config file may hold: the shipped one is 3 KB, and the longest
 * line a person writes is a regex of a few hundred bytes. A file or line
 * past these is refused with its name (and line), not read until memory
 * runs out (--config /dev/zero). */
#define CONFIG_FILE_MAX (1u << 20)
#define CONFIG_LINE_MAX (64u << 10)

struct config_entry {
        char *key;
        char *value;
        unsigned line; /* 0: from a --collector.NAME.KEY flag */
};

/* A [collector.NAME] section, handed as it is to that collector's init. */
struct config_section {
        char *name;       /* the collector's name */
        const char *file; /* the config file, for diagnostics */
        struct config_entry *entries;
        size_t n_entries;
};

struct config {
        char *path; /* NULL while only the embedded defaults are in force */

        enum log_level log_level;
        enum log_target log_target;

        char **listen_addresses;
        size_t n_listen_addresses;
        char *telemetry_path;
        unsigned max_requests;
        unsigned connection_timeout_s;
        bool systemd_socket;
        bool disable_exporter_metrics;

        char *procfs;
        char *sysfs;
        char *rootfs;
        char *udev_data;

        bool disable_defaults;
        signed char collector_enabled[COLLECTORS_MAX]; /* -1: the collector's default */

        struct config_section *sections;
        size_t n_sections;

        /* [push]: defaults for every target; [push.target.NAME]: one each */
        uint64_t push_interval_ms;
        char *push_queue_dir;
        uint64_t push_queue_max_bytes;
        bool push_fsync;
        unsigned push_queue_memory_batches; /* collected, waiting in memory for the disk queue */
        char *push_instance; /* NULL: the host name */
        char *push_job;
        struct config_entry *push_labels; /* external labels: key = name, value */
        size_t n_push_labels;
        struct config_section *push_targets; /* name = the target's name */
        size_t n_push_targets;
};

/* Fills cfg with the embedded defaults. 0 or -ENOMEM. */
int config_init_defaults(struct config *cfg);
/* Reads path on top of the defaults in cfg. On error diag says file:line. */
int config_load(struct config *cfg, const char *path, struct diag *diag);
void config_free(struct config *cfg);

/* Whether collector number idx of the registry runs. */
bool config_collector_enabled(const struct config *cfg, size_t idx);
const struct config_section *config_collector_section(const struct config *cfg, const char *name);

/* The entry for key in a collector's section, or NULL (section may be NULL). */
const struct config_entry *config_section_get(const struct config_section *s, const char *key);
/* Typed getters with a default; a bad value is a diag naming file:line or
 * the flag it came from. */
int config_section_bool(const struct config_section *s, const char *key, bool def, bool *ret, struct diag *diag);
/* The string, or def; never NULL unless def is. */
const char *config_section_string(const struct config_section *s, const char *key, const char *def);
int config_section_duration_ms(const struct config_section *s, const char *key, uint64_t def, uint64_t min,
                               uint64_t max, uint64_t *ret, struct diag *diag);
/* A diag about entry e of s: "file:line: [collector.X] key: ..." or
 * "--collector.X.key: ...". Returns -EINVAL. */
int config_entry_error(const struct config_section *s, const struct config_entry *e, struct diag *diag,
                       const char *fmt, ...) _printf_(4, 5);
/* Sets key = value in [collector.name] (a flag over the file). 0 or -ENOMEM. */
int config_set_collector_option(struct config *cfg, const char *name, const char *key, const char *value);
/* Whether the collector accepts key in its section. */
bool config_collector_accepts(const char *name, const char *key);

/* Adds an external label or a push target from a flag (over the file). */
int config_add_push_label(struct config *cfg, const char *name, const char *value);
int config_add_push_url(struct config *cfg, const char *url);
/* Parses "256MiB", "1G", "500k", "1048576" into bytes. */
int parse_size(const char *s, uint64_t *ret);

/* Checks a telemetry path as given in a config or a flag. */
int config_check_telemetry_path(const char *path);
