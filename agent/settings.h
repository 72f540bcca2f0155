/* Every setting of the agent, declared once: its [section] and key in the
 * config file, its flag (node_exporter's where it has one), its type,
 * range, default and help. The loader, the flags, --help, --check-config
 * and the tests that hold packaging/vigie.conf and the README to it all
 * read this table; a collector declares its own keys in its descriptor. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum setting_type {
        SETTING_BOOL,
        SETTING_UINT,        /* min..max */
        SETTING_DURATION_S,  /* whole seconds; min and max in ms */
        SETTING_DURATION_MS, /* min and max in ms */
        SETTING_PATH,        /* absolute; a flag's relative path is made absolute */
        SETTING_QUEUE_DIR,   /* absolute, in the file and in flags */
        SETTING_TELEMETRY,
        SETTING_LISTEN,    /* repeatable: the file's replace the default, the flags' the file's */
        SETTING_LOG_LEVEL, /* enum log_level */
        SETTING_LOG_TARGET,
        SETTING_LOG_FORMAT,
        SETTING_SIZE,       /* bytes, at least 64KiB */
        SETTING_STRING,     /* not empty */
        SETTING_LABEL,      /* [push] label.NAME = VALUE, --push.label NAME=VALUE */
        SETTING_WEB_CONFIG, /* node_exporter's --web.config.file */
        SETTING_PUSH_URL,   /* --push.url adds a target */
        SETTING_TARGET_KEY, /* a [push.target.NAME] key, read by the push exporter */
        SETTING_PROBE_KEY,  /* a [probe.NAME] key, read by the probe collector */
        SETTING_PLUGIN_KEY, /* a [plugin.NAME] key of the host's; the plugin's own keys are its own */
        SETTING_EXEC_KEY,   /* an [exec.NAME] key, read by the exec collector */
};

#define SETTING_SECRET 1u    /* never shown: --check-config prints "(secret)" */
#define SETTING_UNLIMITED 2u /* 0 means no limit */

struct setting {
        const char *section; /* "push.target.NAME" for a target's keys */
        const char *key;     /* "label.NAME", "header.NAME": a key per name */
        const char *flag;    /* without the dashes; NULL: only in the file */
        enum setting_type type;
        unsigned flags;
        size_t offset;     /* of its field in struct config; unused by TARGET_KEY */
        uint64_t min, max; /* UINT: the range; durations: in ms */
        const char *def;   /* as written in the file; "" for none */
        const char *help;
};

extern const struct setting settings[];
extern const size_t settings_count;

#define SETTINGS_MAX 64

/* The index of [section] key (a target's section is "push.target.X"),
 * or -ENOENT. */
int settings_find(const char *section, const char *key);
int settings_find_flag(const char *flag);
/* Whether section is one of the table's (or a push target's). */
bool settings_section_known(const char *section);

/* "1s", "24h", "1m30s", "500ms": what a person writes. */
void settings_format_duration(uint64_t ms, char *out, size_t size);
/* What a value of setting s is, for messages: "a whole number from 1 to
 * 10000", "a duration from 1s to 24h (e.g. 15s, 1m)". */
void settings_describe(const struct setting *s, char *out, size_t size);
/* The candidate closest to word, counting '-' and '_' as the same; NULL
 * when none is within two edits (or is word itself). */
const char *settings_closest(const char *word, const char *const *candidates, size_t n);

/* node_exporter 1.5's collectors, for flags that name one vigie has not. */
bool settings_node_exporter_collector(const char *name);
/* node_exporter's name for a collector option, put onto vigie's: 0 and
 * *ret_name, *ret_key (NULL: accepted, no effect in vigie, and *ret_why
 * what to use instead, or NULL), or -ENOENT. */
int settings_node_exporter_option(const char *name, const char *key, const char **ret_name, const char **ret_key,
                                  const char **ret_why);
