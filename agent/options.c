/* Command-line parsing with getopt_long. The flags are node_exporter's
 * where it has one, so that a migration keeps its unit files; both
 * "--flag value" and "--flag=value" work, as with kingpin. */
#include "options.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "listen.h"
#include "parse.h"
#include "log.h"
#include "metric.h"
#include "registry.h"

enum {
        OPT_VERSION = 0x100,
        OPT_CHECK_CONFIG,
        OPT_ONCE,
        OPT_LISTEN,
        OPT_TELEMETRY,
        OPT_MAX_REQUESTS,
        OPT_SYSTEMD_SOCKET,
        OPT_DISABLE_EXPORTER_METRICS,
        OPT_PROCFS,
        OPT_SYSFS,
        OPT_ROOTFS,
        OPT_UDEV,
        OPT_DISABLE_DEFAULTS,
        OPT_LOG_LEVEL,
        OPT_LOG_TARGET,
        OPT_PUSH_URL,
        OPT_PUSH_INTERVAL,
        OPT_PUSH_QUEUE_DIR,
        OPT_PUSH_LABEL,
        OPT_COLLECTOR = 0x1000,    /* + registry index */
        OPT_NO_COLLECTOR = 0x2000, /* + registry index */
};

static const struct option fixed_options[] = {
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, OPT_VERSION},
        {"config", required_argument, NULL, 'c'},
        {"check-config", no_argument, NULL, OPT_CHECK_CONFIG},
        {"once", no_argument, NULL, OPT_ONCE},
        {"web.listen-address", required_argument, NULL, OPT_LISTEN},
        {"web.telemetry-path", required_argument, NULL, OPT_TELEMETRY},
        {"web.max-requests", required_argument, NULL, OPT_MAX_REQUESTS},
        {"web.systemd-socket", no_argument, NULL, OPT_SYSTEMD_SOCKET},
        {"web.disable-exporter-metrics", no_argument, NULL, OPT_DISABLE_EXPORTER_METRICS},
        {"path.procfs", required_argument, NULL, OPT_PROCFS},
        {"path.sysfs", required_argument, NULL, OPT_SYSFS},
        {"path.rootfs", required_argument, NULL, OPT_ROOTFS},
        {"path.udev.data", required_argument, NULL, OPT_UDEV},
        {"collector.disable-defaults", no_argument, NULL, OPT_DISABLE_DEFAULTS},
        {"log.level", required_argument, NULL, OPT_LOG_LEVEL},
        {"log.target", required_argument, NULL, OPT_LOG_TARGET},
        {"push.url", required_argument, NULL, OPT_PUSH_URL},
        {"push.interval", required_argument, NULL, OPT_PUSH_INTERVAL},
        {"push.queue-dir", required_argument, NULL, OPT_PUSH_QUEUE_DIR},
        {"push.label", required_argument, NULL, OPT_PUSH_LABEL},
};

void options_print_help(FILE *f, const char *argv0) {
        fprintf(f,
                "Usage: %s [OPTION]...\n"
                "Collects host metrics and serves them to Prometheus (node_exporter compatible).\n"
                "\n"
                "  -h, --help                      show this help and exit\n"
                "      --version                   show the version and exit\n"
                "  -c, --config FILE               read FILE (INI) on top of the embedded defaults\n"
                "      --check-config              validate the configuration and exit (0 when valid, 2 if not)\n"
                "      --once                      collect once, print the exposition on stdout and exit\n"
                "      --web.listen-address ADDR   host:port, [ipv6]:port or :port to listen on (repeatable;\n"
                "                                  default :9100)\n"
                "      --web.telemetry-path PATH   path of the metrics (default /metrics)\n"
                "      --web.max-requests N        most connections served at once (default 40)\n"
                "      --web.systemd-socket        require listening sockets from systemd socket activation\n"
                "                                  (they are used whenever systemd passes some)\n"
                "      --web.disable-exporter-metrics  leave out process_* and vigie_build_info\n"
                "      --path.procfs DIR           procfs mount point (default /proc)\n"
                "      --path.sysfs DIR            sysfs mount point (default /sys)\n"
                "      --path.rootfs DIR           root filesystem mount point (default /)\n"
                "      --path.udev.data DIR        udev data path (default /run/udev/data)\n"
                "      --collector.NAME            enable collector NAME\n"
                "      --no-collector.NAME         disable collector NAME\n"
                "      --collector.disable-defaults  disable every collector not enabled explicitly\n"
                "      --collector.NAME.OPTION[=VALUE]  set OPTION of collector NAME, as KEY in its\n"
                "                                  [collector.NAME] section (dashes for underscores;\n"
                "                                  --no-collector.NAME.OPTION sets a boolean to false)\n"
                "      --push.url URL              push every sample to this Prometheus Remote-Write\n"
                "                                  endpoint (repeatable, one target each)\n"
                "      --push.interval DURATION    how often to collect and push (default 15s)\n"
                "      --push.queue-dir DIR        where batches wait until acknowledged\n"
                "                                  (default /var/lib/vigie/queue)\n"
                "      --push.label NAME=VALUE     an external label on every pushed series (repeatable)\n"
                "      --log.level LEVEL           error, warn, info (default) or debug\n"
                "      --log.target TARGET         auto (default: the journal under systemd, else stderr),\n"
                "                                  stderr or journal\n"
                "\n"
                "Collectors:\n",
                argv0);
        for (size_t i = 0; i < registry_count; i++)
                fprintf(f, "  %-10s %-9s %s\n", registry_collectors[i]->name,
                        registry_collectors[i]->default_enabled ? "[default]" : "", registry_collectors[i]->help);
        fprintf(f, "\nFlags override the config file. SIGHUP re-reads the config file.\n");
}

static int build_long_options(struct option **ret, char ***ret_names) {
        size_t nfixed = ELEMENTSOF(fixed_options), n = nfixed + 2 * registry_count;
        struct option *opts = calloc(n + 1, sizeof(*opts));
        char **names = calloc(2 * registry_count + 1, sizeof(*names));
        if (!opts || !names) {
                free(opts);
                free(names);
                return -ENOMEM;
        }
        memcpy(opts, fixed_options, sizeof(fixed_options));
        for (size_t i = 0; i < registry_count; i++) {
                const char *name = registry_collectors[i]->name;
                if (asprintf(&names[2 * i], "collector.%s", name) < 0 ||
                    asprintf(&names[2 * i + 1], "no-collector.%s", name) < 0) {
                        for (size_t k = 0; k < 2 * registry_count; k++)
                                free(names[k]);
                        free(names);
                        free(opts);
                        return -ENOMEM;
                }
                opts[nfixed + 2 * i] = (struct option){names[2 * i], no_argument, NULL, OPT_COLLECTOR + (int) i};
                opts[nfixed + 2 * i + 1] =
                        (struct option){names[2 * i + 1], no_argument, NULL, OPT_NO_COLLECTOR + (int) i};
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

/* Appends an argument (kept in argv) to a repeatable flag's list. */
static int args_append(const char ***list, size_t *n, const char *arg) {
        const char **p = reallocarray(*list, *n + 1, sizeof(*p));
        if (!p)
                return -ENOMEM;
        *list = p;
        p[(*n)++] = arg;
        return 0;
}

static int parse_one(struct options *o, int c, const char *arg, struct diag *diag) {
        char host[256], port[8];
        unsigned u;
        switch (c) {
        case 'h':
                o->help = true;
                return 0;
        case OPT_VERSION:
                o->version = true;
                return 0;
        case 'c':
                o->config_path = arg;
                return 0;
        case OPT_CHECK_CONFIG:
                o->check_config = true;
                return 0;
        case OPT_ONCE:
                o->once = true;
                return 0;
        case OPT_LISTEN: {
                if (listen_address_parse(arg, host, sizeof(host), port, sizeof(port)) < 0)
                        return diag_set(diag, "--web.listen-address: '%s' is not host:port, [ipv6]:port or :port", arg);
                return args_append(&o->listen_addresses, &o->n_listen_addresses, arg);
        }
        case OPT_TELEMETRY:
                if (config_check_telemetry_path(arg) < 0)
                        return diag_set(diag, "--web.telemetry-path: '%s' is not a usable path (it starts with /, "
                                              "is not / and not under /-/)", arg);
                o->telemetry_path = arg;
                return 0;
        case OPT_MAX_REQUESTS:
                if (parse_uint_range(arg, 1, 10000, &u) < 0)
                        return diag_set(diag, "--web.max-requests: '%s' is not a whole number from 1 to 10000", arg);
                o->max_requests = u;
                return 0;
        case OPT_SYSTEMD_SOCKET:
                o->systemd_socket = true;
                return 0;
        case OPT_DISABLE_EXPORTER_METRICS:
                o->disable_exporter_metrics = true;
                return 0;
        case OPT_PROCFS:
        case OPT_SYSFS:
        case OPT_ROOTFS:
        case OPT_UDEV: {
                static const char *const names[] = {"procfs", "sysfs", "rootfs", "udev.data"};
                if (arg[0] != '/')
                        return diag_set(diag, "--path.%s: '%s' is not an absolute path", names[c - OPT_PROCFS], arg);
                const char **dst[] = {&o->procfs, &o->sysfs, &o->rootfs, &o->udev_data};
                *dst[c - OPT_PROCFS] = arg;
                return 0;
        }
        case OPT_DISABLE_DEFAULTS:
                o->disable_defaults = true;
                return 0;
        case OPT_PUSH_URL: {
                /* a URL with userinfo may hold a password: not repeated */
                if ((strncmp(arg, "http://", 7) != 0 && strncmp(arg, "https://", 8) != 0) && strchr(arg, '@'))
                        return diag_set(diag, "--push.url: not an http:// or https:// URL");
                if (strncmp(arg, "http://", 7) != 0 && strncmp(arg, "https://", 8) != 0)
                        return diag_set(diag, "--push.url: '%s' is not an http:// or https:// URL", arg);
                return args_append(&o->push_urls, &o->n_push_urls, arg);
        }
        case OPT_PUSH_INTERVAL: {
                uint64_t ms;
                if (parse_duration_ms(arg, &ms) < 0 || ms < 1000 || ms > 86400000)
                        return diag_set(diag, "--push.interval: '%s' is not a duration from 1s to 24h", arg);
                o->push_interval_ms = ms;
                return 0;
        }
        case OPT_PUSH_QUEUE_DIR:
                if (arg[0] != '/')
                        return diag_set(diag, "--push.queue-dir: '%s' is not an absolute path", arg);
                o->push_queue_dir = arg;
                return 0;
        case OPT_PUSH_LABEL: {
                const char *eq = strchr(arg, '=');
                char name[128];
                if (!eq || (size_t) (eq - arg) >= sizeof(name))
                        return diag_set(diag, "--push.label: '%s' is not NAME=VALUE", arg);
                memcpy(name, arg, (size_t) (eq - arg));
                name[eq - arg] = '\0';
                if (!metric_label_name_valid(name))
                        return diag_set(diag, "--push.label: '%s' is not a label name", name);
                return args_append(&o->push_labels, &o->n_push_labels, arg);
        }
        case OPT_LOG_LEVEL: {
                enum log_level l;
                if (log_level_from_string(arg, &l) < 0)
                        return diag_set(diag, "--log.level: '%s' is not one of error, warn, info, debug", arg);
                o->log_level = (int) l;
                return 0;
        }
        case OPT_LOG_TARGET: {
                enum log_target t;
                if (log_target_from_string(arg, &t) < 0)
                        return diag_set(diag, "--log.target: '%s' is not one of auto, stderr, journal", arg);
                o->log_target = (int) t;
                return 0;
        }
        default:
                if (c >= OPT_COLLECTOR && c < OPT_COLLECTOR + (int) registry_count) {
                        o->collector_enabled[c - OPT_COLLECTOR] = 1;
                        return 0;
                }
                if (c >= OPT_NO_COLLECTOR && c < OPT_NO_COLLECTOR + (int) registry_count) {
                        o->collector_enabled[c - OPT_NO_COLLECTOR] = 0;
                        return 0;
                }
                return diag_set(diag, "unknown option; see --help");
        }
}

/* Takes "--collector.NAME.KEY[=VALUE]" and "--no-collector.NAME.KEY" out
 * of argv before getopt sees it (their names are open-ended). A flag with
 * no "=" takes the next argument as its value unless that is another flag,
 * and is then a boolean set to true, as with node_exporter's kingpin. */
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
                if (!dot) {
                        argv[out++] = argv[i];
                        continue;
                }
                const char *eq = strchr(dot, '=');
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
                if (registry_find(name) < 0)
                        return diag_set(diag, "unknown option '%.*s'; no collector '%s'", (int) (eq ? eq - a : (long) strlen(a)),
                                        a, name);
                if (!config_collector_accepts(name, key))
                        return diag_set(diag, "unknown option '%.*s'; see the [collector.%s] keys in the README",
                                        (int) (eq ? eq - a : (long) strlen(a)), a, name);
                char **p = reallocarray(o->collector_options, o->n_collector_options * 3 + 3, sizeof(*p));
                if (!p)
                        return -ENOMEM;
                o->collector_options = p;
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

int options_parse(int argc, char **argv, struct options *ret, struct diag *diag) {
        struct options o = {.log_level = -1, .log_target = -1};
        memset(o.collector_enabled, -1, sizeof(o.collector_enabled));

        /* a copy of argv, so that taking flags out leaves the caller's alone */
        char **args = calloc((size_t) argc + 1, sizeof(*args));
        if (!args)
                return -ENOMEM;
        memcpy(args, argv, (size_t) argc * sizeof(*args));
        int r = take_collector_options(&argc, args, &o, diag);
        if (r < 0) {
                free(args);
                options_free(&o);
                return r;
        }
        argv = args;
        struct option *longopts = NULL;
        char **names = NULL;
        r = build_long_options(&longopts, &names);
        if (r < 0) {
                free(args);
                options_free(&o);
                return r;
        }

        optind = 0; /* reset getopt, so that tests can parse several times */
        opterr = 0; /* our own messages, through diag */
        for (;;) {
                int c = getopt_long(argc, argv, ":hc:", longopts, NULL);
                if (c == -1)
                        break;
                if (c == '?' || c == ':') {
                        const char *arg = argv[optind - 1];
                        if (c == ':')
                                r = diag_set(diag, "%s: needs a value", arg);
                        else
                                r = diag_set(diag, "unknown option '%s'; see --help", arg);
                        break;
                }
                r = parse_one(&o, c, optarg, diag);
                if (r < 0)
                        break;
        }
        if (r >= 0 && optind < argc)
                r = diag_set(diag, "unexpected argument '%s'; see --help", argv[optind]);
        free(longopts);
        free_names(names);
        free(args);
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
        o->collector_options = NULL;
        o->n_collector_options = 0;
        free(o->push_urls);
        free(o->push_labels);
        o->push_urls = o->push_labels = NULL;
        free(o->listen_addresses);
        o->listen_addresses = NULL;
        o->n_listen_addresses = 0;
}

static int replace(char **dst, const char *src) {
        if (!src)
                return 0;
        char *p = strdup(src);
        if (!p)
                return -ENOMEM;
        free(*dst);
        *dst = p;
        return 0;
}

int options_apply(const struct options *o, struct config *cfg) {
        if (o->n_listen_addresses > 0) {
                char **p = calloc(o->n_listen_addresses, sizeof(*p));
                if (!p)
                        return -ENOMEM;
                for (size_t i = 0; i < o->n_listen_addresses; i++)
                        if (!(p[i] = strdup(o->listen_addresses[i]))) {
                                for (size_t k = 0; k < i; k++)
                                        free(p[k]);
                                free(p);
                                return -ENOMEM;
                        }
                for (size_t i = 0; i < cfg->n_listen_addresses; i++)
                        free(cfg->listen_addresses[i]);
                free(cfg->listen_addresses);
                cfg->listen_addresses = p;
                cfg->n_listen_addresses = o->n_listen_addresses;
        }
        if (replace(&cfg->telemetry_path, o->telemetry_path) < 0 || replace(&cfg->procfs, o->procfs) < 0 ||
            replace(&cfg->sysfs, o->sysfs) < 0 || replace(&cfg->rootfs, o->rootfs) < 0 ||
            replace(&cfg->udev_data, o->udev_data) < 0)
                return -ENOMEM;
        if (o->max_requests)
                cfg->max_requests = o->max_requests;
        if (o->systemd_socket)
                cfg->systemd_socket = true;
        if (o->disable_exporter_metrics)
                cfg->disable_exporter_metrics = true;
        if (o->disable_defaults)
                cfg->disable_defaults = true;
        for (size_t i = 0; i < registry_count; i++)
                if (o->collector_enabled[i] >= 0)
                        cfg->collector_enabled[i] = o->collector_enabled[i];
        for (size_t i = 0; i < o->n_collector_options; i++)
                if (config_set_collector_option(cfg, o->collector_options[3 * i], o->collector_options[3 * i + 1],
                                                o->collector_options[3 * i + 2]) < 0)
                        return -ENOMEM;
        for (size_t i = 0; i < o->n_push_urls; i++)
                if (config_add_push_url(cfg, o->push_urls[i]) < 0)
                        return -ENOMEM;
        for (size_t i = 0; i < o->n_push_labels; i++) {
                const char *eq = strchr(o->push_labels[i], '=');
                char name[128];
                memcpy(name, o->push_labels[i], (size_t) (eq - o->push_labels[i]));
                name[eq - o->push_labels[i]] = '\0';
                if (config_add_push_label(cfg, name, eq + 1) < 0)
                        return -ENOMEM;
        }
        if (o->push_interval_ms)
                cfg->push_interval_ms = o->push_interval_ms;
        if (replace(&cfg->push_queue_dir, o->push_queue_dir) < 0)
                return -ENOMEM;
        if (o->log_level >= 0)
                cfg->log_level = (enum log_level) o->log_level;
        if (o->log_target >= 0)
                cfg->log_target = (enum log_target) o->log_target;
        return 0;
}
