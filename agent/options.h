/* The command line. Flags are kept apart from the config so that a reload
 * (SIGHUP) re-reads the file and applies the same flags on top again. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "diag.h"

struct options {
        const char *config_path;
        bool help, version, check_config, once;

        const char **listen_addresses; /* points into argv */
        size_t n_listen_addresses;
        const char *telemetry_path;
        unsigned max_requests;          /* 0: not given */
        bool systemd_socket;
        bool disable_exporter_metrics;

        const char *procfs, *sysfs, *rootfs, *udev_data;

        bool disable_defaults;
        signed char collector_enabled[COLLECTORS_MAX]; /* -1: not given */

        /* --collector.NAME.KEY[=VALUE] flags, in order: NAME, KEY (dashes
         * made underscores) and VALUE, each an allocated string */
        char **collector_options;
        size_t n_collector_options; /* triples */

        const char **push_urls; /* points into argv */
        size_t n_push_urls;
        const char **push_labels; /* "NAME=VALUE", into argv */
        size_t n_push_labels;
        uint64_t push_interval_ms; /* 0: not given */
        const char *push_queue_dir;

        int log_level;  /* -1: not given, else enum log_level */
        int log_target; /* -1: not given, else enum log_target */
};

/* Parses argv; on a bad flag, diag holds the message (exit code 2). */
int options_parse(int argc, char **argv, struct options *ret, struct diag *diag);
void options_free(struct options *o);
/* Puts the flags that were given over cfg. */
int options_apply(const struct options *o, struct config *cfg);
void options_print_help(FILE *f, const char *argv0);
