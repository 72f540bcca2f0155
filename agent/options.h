/* The command line. Flags are kept apart from the config so that a reload
 * (SIGHUP) re-reads the file and applies the same flags on top again.
 * Every flag but the few below is a row of the settings table. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "config.h"
#include "diag.h"

struct options {
        const char *config_path;
        bool help, version, check_config, once;

        /* settings given as flags, in order: settings[] index and value */
        struct option_value {
                size_t setting;
                const char *value; /* into argv, or a literal */
        } * values;
        size_t n_values, cap_values;

        signed char collector_enabled[COLLECTORS_MAX]; /* -1: not given */

        /* --collector.NAME.KEY[=VALUE] flags, in order: NAME, KEY (dashes
         * made underscores) and VALUE, each an allocated string */
        char **collector_options;
        size_t n_collector_options, cap_collector_options; /* triples; cap in strings */

        /* node_exporter flags accepted without effect, to log once started */
        char **warnings;
        size_t n_warnings, cap_warnings;
};

/* Parses argv; on a bad flag, diag holds the message (exit code 2). */
int options_parse(int argc, char **argv, struct options *ret, struct diag *diag);
void options_free(struct options *o);
/* Puts the flags that were given over cfg. A value options_parse took can
 * still fail (a --web.config.file changed since): diag says so. */
int options_apply(const struct options *o, struct config *cfg, struct diag *diag);
void options_print_help(FILE *f, const char *argv0);
/* What a flag's value is called in --help and the man page (" N",
 * " DURATION"; "" for a boolean), by enum setting_type. */
const char *options_value_name(enum setting_type t);
