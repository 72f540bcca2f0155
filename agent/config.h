/* The agent's configuration: embedded defaults, then an INI file read with
 * libinih, then command-line flags on top (options.c). Every error names
 * file:line and key; a config that fails to load changes nothing. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "config_section.h"
#include "registry.h"
#include "diag.h"
#include "log.h"
#include "settings.h"

#define COLLECTORS_MAX REGISTRY_MAX
#define CONFIG_PLUGINS_MAX 64
/* What a config file may hold: the shipped one is 3 KB, and the longest
 * line a person writes is a regex of a few hundred bytes. A file or line
 * past these is refused with its name (and line), not read until memory
 * runs out (--config /dev/zero). */
#define CONFIG_FILE_MAX (1u << 20)
#define CONFIG_LINE_MAX (64u << 10)

/* Where a value came from: 0 the embedded default, else its line in the
 * config file, or CONFIG_FROM_FLAG. */
#define CONFIG_FROM_FLAG UINT32_MAX

struct config {
        char *path; /* NULL while only the embedded defaults are in force */

        enum log_level log_level;
        enum log_target log_target;
        enum log_format log_format;

        char **listen_addresses;
        size_t n_listen_addresses;
        char *telemetry_path;
        unsigned max_requests;
        unsigned connection_timeout_s;
        unsigned max_requests_per_client; /* 0: no limit */
        unsigned header_timeout_s;
        bool systemd_socket;
        bool disable_exporter_metrics;
        char *web_config_file; /* NULL: none */

        char *procfs;
        char *sysfs;
        char *rootfs;
        char *udev_data;

        bool disable_defaults;
        signed char collector_enabled[COLLECTORS_MAX]; /* -1: the collector's default */
        unsigned collector_line[COLLECTORS_MAX];       /* where each switch came from */

        struct config_section *sections;
        size_t n_sections, cap_sections;

        /* [push]: defaults for every target; [push.target.NAME]: one each */
        uint64_t push_interval_ms;
        char *push_queue_dir;
        uint64_t push_queue_max_bytes;
        bool push_fsync;
        unsigned push_queue_memory_batches; /* collected, waiting in memory for the disk queue */
        char *push_instance;                /* NULL: the host name */
        char *push_job;
        struct config_entry *push_labels; /* external labels: key = name, value */
        size_t n_push_labels;
        struct config_section *push_targets; /* name = the target's name */
        size_t n_push_targets, cap_push_targets;

        /* [probe.NAME]: one each, read by the probe collector */
        struct config_section *probes;
        size_t n_probes, cap_probes;
        /* [exec.NAME]: one each, read by the exec collector */
        struct config_section *execs;
        size_t n_execs, cap_execs;

        /* [plugins] and [plugin.NAME]: one collector each */
        char *plugin_dir;
        struct config_section *plugins;
        size_t n_plugins, cap_plugins;

        unsigned setting_line[SETTINGS_MAX]; /* where each settings[] row's value came from */
};

/* Fills cfg with the embedded defaults. 0 or -ENOMEM. */
int config_init_defaults(struct config *cfg);
/* Reads path on top of the defaults in cfg. On error diag says file:line. */
int config_load(struct config *cfg, const char *path, struct diag *diag);
void config_free(struct config *cfg);

/* Whether collector number idx of the registry runs. */
bool config_collector_enabled(const struct config *cfg, size_t idx);
const struct config_section *config_collector_section(const struct config *cfg, const char *name);

/* Sets settings[idx] to value, which came from line (or CONFIG_FROM_FLAG).
 * A bad value: -EINVAL and what is wrong with it in err (size bytes), as
 * "'VALUE' is not ...". Otherwise 0 or -ENOMEM. */
int config_set(struct config *cfg, size_t idx, const char *value, unsigned line, char *err, size_t size);
/* Writes the effective settings as INI. For a person: with where each one
 * came from, secrets as "(secret)" and URLs through redact_url (may be
 * NULL); else everything as it is, to compare two configs. */
void config_write(const struct config *cfg, FILE *f, bool for_person,
                  void (*redact_url)(const char *url, char *out, size_t size));
/* The keys of collector name's section, ", "-separated, in out. */
void config_collector_keys(const char *name, char *out, size_t size);
/* Sets key = value in [collector.name] (a flag over the file; a repeatable
 * option's flag given again adds value to those of the flags before). 0
 * or -ENOMEM. */
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
