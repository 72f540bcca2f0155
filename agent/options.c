/* Command-line parsing with getopt_long. Every setting with a flag in the
 * settings table is a flag here, under node_exporter's name where it has
 * one, so that a migration keeps its unit files; both "--flag value" and
 * "--flag=value" work, as with kingpin. node_exporter's flags for what
 * vigie has not are accepted with a warning: exit code 2 would leave the
 * host unmonitored (RestartPreventExitStatus=2). */
#include "options.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "collector.h"
#include "registry.h"
#include "settings.h"

enum {
        OPT_VERSION = 0x100,
        OPT_CHECK_CONFIG,
        OPT_ONCE,
        OPT_SETTING = 0x1000,      /* + settings[] index */
        OPT_COLLECTOR = 0x2000,    /* + registry index */
        OPT_NO_COLLECTOR = 0x3000, /* + registry index */
};

static const struct option fixed_options[] = {
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, OPT_VERSION},
        {"config", required_argument, NULL, 'c'},
        {"check-config", no_argument, NULL, OPT_CHECK_CONFIG},
        {"once", no_argument, NULL, OPT_ONCE},
        /* node_exporter's (kingpin's) longer help and man page: this help */
        {"help-long", no_argument, NULL, 'h'},
        {"help-man", no_argument, NULL, 'h'},
};

const char *options_value_name(enum setting_type t) {
        switch (t) {
        case SETTING_BOOL: return "";
        case SETTING_UINT: return " N";
        case SETTING_DURATION_S:
        case SETTING_DURATION_MS: return " DURATION";
        case SETTING_PATH:
        case SETTING_QUEUE_DIR: return " DIR";
        case SETTING_TELEMETRY: return " PATH";
        case SETTING_LISTEN: return " ADDR";
        case SETTING_LOG_LEVEL: return " LEVEL";
        case SETTING_LOG_TARGET: return " TARGET";
        case SETTING_LOG_FORMAT: return " FORMAT";
        case SETTING_SIZE: return " SIZE";
        case SETTING_LABEL: return " NAME=VALUE";
        case SETTING_PUSH_URL: return " URL";
        default: return " VALUE";
        }
}

/* "      LEFT    HELP" and, below, "(default DEF; WHERE)" */
static void print_row(FILE *f, const char *left, const char *help, const char *def, const char *where) {
        int n = fprintf(f, "      %s", left);
        if (n >= 37) /* no room for the space before the help */
                fprintf(f, "\n%37s", "");
        else
                fprintf(f, "%*s", 37 - n, "");
        fprintf(f, "%s\n", help);
        if ((def && def[0]) || where) {
                bool quote = def && strpbrk(def, " ^$|()\\");
                fprintf(f, "%37s(", "");
                if (def && def[0])
                        fprintf(f, quote ? "default \"%s\"%s" : "default %s%s", def, where ? "; " : "");
                fprintf(f, "%s)\n", where ? where : "");
        }
}

void options_print_help(FILE *f, const char *argv0) {
        fprintf(f,
                "Usage: %s [OPTION]...\n"
                "Collects host metrics and serves them to Prometheus (node_exporter compatible).\n"
                "\n"
                "  -h, --help                       show this help and exit\n"
                "      --version                    show the version and exit\n"
                "  -c, --config FILE                read FILE (INI) on top of the embedded defaults\n"
                "      --check-config               validate the configuration, print the effective settings\n"
                "                                   and where each comes from, and exit (0 when valid, 2 if not)\n"
                "      --once                       collect once, print the exposition on stdout and exit\n"
                "\n"
                "Settings: a flag, or the [section] key in the config file (flags win):\n",
                argv0);
        char left[160], where[160];
        for (size_t i = 0; i < settings_count; i++) {
                const struct setting *s = &settings[i];
                if (s->flag)
                        (void) snprintf(left, sizeof(left), "--%s%s", s->flag, options_value_name(s->type));
                else
                        (void) snprintf(left, sizeof(left), "[%s] %s", s->section, s->key);
                (void) snprintf(where, sizeof(where), "[%s] %s", s->section, s->key);
                print_row(f, left, s->help, s->def, s->flag ? where : NULL);
        }
        fprintf(f, "\nCollectors: --collector.NAME turns one on, --no-collector.NAME off ([collectors] NAME =\n"
                   "true or false); [default] ones run unless turned off. Their options are flags too, or\n"
                   "keys of [collector.NAME] (dashes for underscores; --no-collector.NAME.OPTION sets a\n"
                   "boolean to false):\n");
        for (size_t i = 0; i < registry_count; i++) {
                const struct collector *c = registry_collectors[i];
                fprintf(f, "  %-16s %-9s %s\n", c->name, c->default_enabled ? "[default]" : "", c->help);
                for (const struct collector_option *o = c->options; o && o->key; o++) {
                        int n = snprintf(left, sizeof(left), "--collector.%s.%s", c->name, o->key);
                        for (int k = n - (int) strlen(o->key); k < n && k >= 0; k++)
                                if (left[k] == '_')
                                        left[k] = '-';
                        print_row(f, left, o->help, o->def, NULL);
                }
        }
        fprintf(f, "\nnode_exporter's flags for collectors vigie does not have are accepted with a warning.\n"
                   "SIGHUP re-reads the config file.\n");
}

/* The long options: the fixed ones, the table's flags, and a pair per collector. */
static int build_long_options(struct option **ret, char ***ret_names) {
        size_t nfixed = ELEMENTSOF(fixed_options), n = nfixed + settings_count + 2 * registry_count;
        struct option *opts = calloc(n + 1, sizeof(*opts));
        char **names = calloc(2 * registry_count + 1, sizeof(*names));
        if (!opts || !names) {
                free(opts);
                free(names);
                return -ENOMEM;
        }
        memcpy(opts, fixed_options, sizeof(fixed_options));
        size_t k = nfixed;
        for (size_t i = 0; i < settings_count; i++)
                if (settings[i].flag)
                        opts[k++] = (struct option){settings[i].flag,
                                                    settings[i].type == SETTING_BOOL ? no_argument : required_argument,
                                                    NULL, OPT_SETTING + (int) i};
        for (size_t i = 0; i < registry_count; i++) {
                const char *name = registry_collectors[i]->name;
                if (asprintf(&names[2 * i], "collector.%s", name) < 0 ||
                    asprintf(&names[2 * i + 1], "no-collector.%s", name) < 0) {
                        names[2 * i] = names[2 * i + 1] = NULL;
                        for (size_t j = 0; j < 2 * i; j++)
                                free(names[j]);
                        free(names);
                        free(opts);
                        return -ENOMEM;
                }
                opts[k++] = (struct option){names[2 * i], no_argument, NULL, OPT_COLLECTOR + (int) i};
                opts[k++] = (struct option){names[2 * i + 1], no_argument, NULL, OPT_NO_COLLECTOR + (int) i};
        }
        *ret = opts;
        *ret_names = names;
        return 0;
}

static void free_names(char **names) {
        for (size_t k = 0; names && names[k]; k++)
                free(names[k]);
        free(names);
}

static int warn(struct options *o, const char *fmt, ...) _printf_(2, 3);
static int warn(struct options *o, const char *fmt, ...) {
        if (array_reserve((void **) &o->warnings, &o->cap_warnings, o->n_warnings + 1, sizeof(*o->warnings)) < 0)
                return -ENOMEM;
        char **p = o->warnings;
        va_list ap;
        va_start(ap, fmt);
        int r = vasprintf(&p[o->n_warnings], fmt, ap);
        va_end(ap);
        if (r < 0)
                return -ENOMEM;
        o->n_warnings++;
        return 0;
}

static int parse_one(struct options *o, struct config *scratch, int c, const char *arg, struct diag *diag) {
        switch (c) {
        case 'h': o->help = true; return 0;
        case OPT_VERSION: o->version = true; return 0;
        case 'c': o->config_path = arg; return 0;
        case OPT_CHECK_CONFIG: o->check_config = true; return 0;
        case OPT_ONCE: o->once = true; return 0;
        default: break;
        }
        if (c >= OPT_COLLECTOR && c < OPT_COLLECTOR + (int) registry_count) {
                o->collector_enabled[c - OPT_COLLECTOR] = 1;
                return 0;
        }
        if (c >= OPT_NO_COLLECTOR && c < OPT_NO_COLLECTOR + (int) registry_count) {
                o->collector_enabled[c - OPT_NO_COLLECTOR] = 0;
                return 0;
        }
        size_t idx = (size_t) (c - OPT_SETTING);
        const char *value = settings[idx].type == SETTING_BOOL ? "true" : arg;
        /* checked where it will be applied: the same code, the same words */
        char err[600];
        int r = config_set(scratch, idx, value, CONFIG_FROM_FLAG, err, sizeof(err));
        if (r == -EINVAL)
                return diag_set(diag, "--%s: %s", settings[idx].flag, err);
        if (r < 0)
                return r;
        if (array_reserve((void **) &o->values, &o->cap_values, o->n_values + 1, sizeof(*o->values)) < 0)
                return -ENOMEM;
        o->values[o->n_values++] = (struct option_value){idx, value};
        return 0;
}

/* "unknown option '--collector.cpu.gust'; did you mean --collector.cpu.guest? (...)" */
static int unknown_collector_option(const char *flag, int flag_len, const char *name, const char *key,
                                    struct diag *diag) {
        const struct collector *c = registry_collectors[registry_find(name)];
        const char *keys[32];
        size_t n = 0;
        for (const struct collector_option *opt = c->options; opt && opt->key && n < ELEMENTSOF(keys); opt++)
                keys[n++] = opt->key;
        if (n == 0)
                return diag_set(diag, "unknown option '%.*s'; the %s collector has no options", flag_len, flag, name);
        char list[600];
        config_collector_keys(name, list, sizeof(list));
        const char *close = settings_closest(key, keys, n);
        if (!close)
                return diag_set(diag, "unknown option '%.*s'; the %s collector has %s", flag_len, flag, name, list);
        char spelled[128];
        (void) snprintf(spelled, sizeof(spelled), "%s", close);
        for (char *p = spelled; *p; p++)
                if (*p == '_')
                        *p = '-';
        return diag_set(diag, "unknown option '%.*s'; did you mean --collector.%s.%s? (the %s collector has %s)",
                        flag_len, flag, name, spelled, name, list);
}

/* Takes "--collector.NAME.KEY[=VALUE]" and "--no-collector.NAME.KEY" out
 * of argv before getopt sees it (their names are open-ended), and so
 * "--[no-]collector.NAME" for node_exporter's collectors vigie has not,
 * and node_exporter's --runtime.gomaxprocs. A
 * flag with no "=" takes the next argument as its value unless that is
 * another flag, and is then a boolean set to true, as with kingpin. */
static int take_collector_options(int *argc, char **argv, struct options *o, struct diag *diag) {
        int out = 1;
        for (int i = 1; i < *argc; i++) {
                const char *a = argv[i];
                bool neg = strncmp(a, "--no-collector.", 15) == 0;
                const char *rest = neg ? a + 15 : strncmp(a, "--collector.", 12) == 0 ? a + 12 : NULL;
                const char *dot = rest ? strchr(rest, '.') : NULL;
                if (strcmp(a, "--") == 0) {
                        while (i < *argc)
                                argv[out++] = argv[i++];
                        break;
                }
                if (rest && !dot && !strchr(rest, '=') && registry_find(rest) < 0 &&
                    settings_node_exporter_collector(rest)) {
                        if (warn(o, "%s: vigie has no %s collector; ignored", a, rest) < 0)
                                return -ENOMEM;
                        continue;
                }
                /* node_exporter's Go runtime flag, in many of its unit files */
                if (strncmp(a, "--runtime.gomaxprocs", 20) == 0 && (a[20] == '\0' || a[20] == '=')) {
                        if (!a[20] && i + 1 < *argc && strncmp(argv[i + 1], "--", 2) != 0)
                                i++;
                        if (warn(o, "--runtime.gomaxprocs: node_exporter's Go runtime setting has no effect in vigie; "
                                    "ignored") < 0)
                                return -ENOMEM;
                        continue;
                }
                if (!dot) {
                        argv[out++] = argv[i];
                        continue;
                }
                const char *eq = strchr(dot, '=');
                int flag_len = eq ? (int) (eq - a) : (int) strlen(a);
                _cleanup_free_ char *name = strndup(rest, (size_t) (dot - rest));
                _cleanup_free_ char *key = strndup(dot + 1, eq ? (size_t) (eq - dot - 1) : strlen(dot + 1));
                const char *value;
                if (neg)
                        value = "false";
                else if (eq)
                        value = eq + 1;
                else if (i + 1 < *argc && strncmp(argv[i + 1], "--", 2) != 0)
                        value = argv[++i];
                else
                        value = "true";
                if (!name || !key)
                        return -ENOMEM;
                if (neg && eq)
                        return diag_set(diag, "%s: a --no- flag takes no value", a);
                for (char *p = key; *p; p++)
                        if (*p == '-')
                                *p = '_';
                const char *vigie_name, *vigie_key, *why;
                if (settings_node_exporter_option(name, key, &vigie_name, &vigie_key, &why) >= 0) {
                        if (!vigie_key) {
                                if (warn(o, "%.*s: node_exporter's option has no effect in vigie; ignored%s%s",
                                         flag_len, a, why ? ": " : "", why ? why : "") < 0)
                                        return -ENOMEM;
                                continue;
                        }
                        char *n2 = strdup(vigie_name), *k2 = strdup(vigie_key);
                        free(name);
                        free(key);
                        name = n2;
                        key = k2;
                        if (!name || !key)
                                return -ENOMEM;
                }
                if (registry_find(name) < 0) {
                        if (!settings_node_exporter_collector(name))
                                return diag_set(diag, "unknown option '%.*s'; no collector '%s'", flag_len, a, name);
                        if (warn(o, "%.*s: vigie has no %s collector; ignored", flag_len, a, name) < 0)
                                return -ENOMEM;
                        continue;
                }
                if (!config_collector_accepts(name, key))
                        return unknown_collector_option(a, flag_len, name, key, diag);
                if (array_reserve((void **) &o->collector_options, &o->cap_collector_options,
                                  o->n_collector_options * 3 + 3, sizeof(*o->collector_options)) < 0)
                        return -ENOMEM;
                char **p = o->collector_options;
                p[o->n_collector_options * 3] = TAKE_PTR(name);
                p[o->n_collector_options * 3 + 1] = TAKE_PTR(key);
                p[o->n_collector_options * 3 + 2] = strdup(value);
                o->n_collector_options++;
                if (!p[o->n_collector_options * 3 - 1])
                        return -ENOMEM;
        }
        argv[out] = NULL;
        *argc = out;
        return 0;
}

/* "unknown option '--web.listen-adress'; did you mean --web.listen-address?" */
static int unknown_option(const char *arg, const struct option *longopts, struct diag *diag) {
        const char *names[256];
        size_t n = 0;
        for (const struct option *p = longopts; p->name && n < ELEMENTSOF(names); p++)
                names[n++] = p->name;
        char word[256];
        (void) snprintf(word, sizeof(word), "%s", arg + strspn(arg, "-"));
        word[strcspn(word, "=")] = '\0';
        const char *close = settings_closest(word, names, n);
        if (close)
                return diag_set(diag, "unknown option '%s'; did you mean --%s?", arg, close);
        return diag_set(diag, "unknown option '%s'; see --help", arg);
}

int options_parse(int argc, char **argv, struct options *ret, struct diag *diag) {
        struct options o = {0};
        memset(o.collector_enabled, -1, sizeof(o.collector_enabled));
        struct config scratch;
        int r = config_init_defaults(&scratch);
        if (r < 0)
                return r;

        /* a copy of argv, so that taking flags out leaves the caller's alone */
        char **args = calloc((size_t) argc + 1, sizeof(*args));
        struct option *longopts = NULL;
        char **names = NULL;
        if (!args)
                r = -ENOMEM;
        else {
                memcpy(args, argv, (size_t) argc * sizeof(*args));
                r = take_collector_options(&argc, args, &o, diag);
        }
        if (r >= 0)
                r = build_long_options(&longopts, &names);
        optind = 0; /* reset getopt, so that tests can parse several times */
        opterr = 0; /* our own messages, through diag */
        while (r >= 0) {
                int c = getopt_long(argc, args, ":hc:", longopts, NULL);
                if (c == -1)
                        break;
                if (c == '?' || c == ':') {
                        const char *arg = args[optind - 1];
                        if (c == ':')
                                r = diag_set(diag, "%s: needs a value", arg);
                        else
                                r = unknown_option(arg, longopts, diag);
                        break;
                }
                r = parse_one(&o, &scratch, c, optarg, diag);
        }
        if (r >= 0 && optind < argc)
                r = diag_set(diag, "unexpected argument '%s'; see --help", args[optind]);
        free(longopts);
        free_names(names);
        free(args);
        config_free(&scratch);
        if (r < 0) {
                options_free(&o);
                return r;
        }
        *ret = o;
        return 0;
}

void options_free(struct options *o) {
        for (size_t i = 0; i < o->n_collector_options * 3; i++)
                free(o->collector_options[i]);
        free(o->collector_options);
        for (size_t i = 0; i < o->n_warnings; i++)
                free(o->warnings[i]);
        free(o->warnings);
        free(o->values);
        *o = (struct options){0};
}

int options_apply(const struct options *o, struct config *cfg, struct diag *diag) {
        char err[600];
        for (size_t i = 0; i < o->n_values; i++) {
                const struct option_value *v = &o->values[i];
                int r = config_set(cfg, v->setting, v->value, CONFIG_FROM_FLAG, err, sizeof(err));
                /* a file named by a flag (--web.config.file) may have changed since */
                if (r == -EINVAL)
                        return diag_set(diag, "--%s: %s", settings[v->setting].flag, err);
                if (r < 0)
                        return diag_set(diag, "out of memory"), r;
        }
        for (size_t i = 0; i < registry_count; i++)
                if (o->collector_enabled[i] >= 0) {
                        cfg->collector_enabled[i] = o->collector_enabled[i];
                        cfg->collector_line[i] = CONFIG_FROM_FLAG;
                }
        for (size_t i = 0; i < o->n_collector_options; i++)
                if (config_set_collector_option(cfg, o->collector_options[3 * i], o->collector_options[3 * i + 1],
                                                o->collector_options[3 * i + 2]) < 0)
                        return diag_set(diag, "out of memory"), -ENOMEM;
        return 0;
}
