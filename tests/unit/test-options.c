/* agent/options.c: command-line flags parsed and applied over the file,
 * node_exporter's names, and the exact message for each mistake. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"
#include "harness.h"
#include "options.h"
#include "registry.h"
#include "scrape.h"

static void test_flags(_unused_ void **state) {
        struct options o;
        struct diag diag = {0};
        const char *args[] = {"--web.listen-address=127.0.0.1:9200",
                              "--web.listen-address",
                              "[::1]:9200",
                              "--web.telemetry-path",
                              "/x",
                              "--path.procfs=/host/proc",
                              "--collector.disable-defaults",
                              "--collector.stat",
                              "--no-collector.cpu",
                              "--log.level",
                              "warn",
                              "--web.max-requests=3",
                              NULL};
        assert_int_equal(parse_flags(args, &o, &diag), 0);

        /* flags win over the file */
        struct config cfg;
        char msg[600];
        assert_int_equal(load_config("[web]\nlisten_address = :9999\nmax_requests = 9\n[collectors]\ncpu = true\n"
                                     "[log]\nlevel = debug\n",
                                     &cfg, msg, sizeof(msg)),
                         0);
        assert_int_equal(options_apply(&o, &cfg, &diag), 0);
        assert_int_equal(cfg.n_listen_addresses, 2);
        assert_string_equal(cfg.listen_addresses[0], "127.0.0.1:9200");
        assert_string_equal(cfg.listen_addresses[1], "[::1]:9200");
        assert_string_equal(cfg.telemetry_path, "/x");
        assert_string_equal(cfg.procfs, "/host/proc");
        assert_int_equal(cfg.max_requests, 3);
        assert_int_equal(cfg.log_level, LOG_LEVEL_WARN);
        assert_false(config_collector_enabled(&cfg, (size_t) registry_find("cpu")));
        assert_true(config_collector_enabled(&cfg, (size_t) registry_find("stat")));
        config_free(&cfg);
        options_free(&o);

        /* disable-defaults alone leaves nothing on */
        const char *none[] = {"--collector.disable-defaults", NULL};
        assert_int_equal(parse_flags(none, &o, &diag), 0);
        assert_int_equal(config_init_defaults(&cfg), 0);
        assert_int_equal(options_apply(&o, &cfg, &diag), 0);
        for (size_t i = 0; i < registry_count; i++)
                assert_false(config_collector_enabled(&cfg, i));
        config_free(&cfg);
        options_free(&o);
}

static void test_collector_option_flags(_unused_ void **state) {
        struct options o;
        struct diag diag = {0};
        struct config cfg;
        char msg[600];

        /* a flag overrides the file's value; --no- makes false */
        const char *args[] = {"--collector.cpu.guest=false", "--once", NULL};
        assert_int_equal(parse_flags(args, &o, &diag), 0);
        assert_true(o.once);
        assert_int_equal(load_config("[collector.cpu]\nguest = true\n", &cfg, msg, sizeof(msg)), 0);
        assert_int_equal(options_apply(&o, &cfg, &diag), 0);
        const struct config_entry *e = config_section_get(config_collector_section(&cfg, "cpu"), "guest");
        assert_string_equal(e->value, "false");
        assert_int_equal(e->line, 0);
        config_free(&cfg);
        options_free(&o);

        const char *neg[] = {"--no-collector.cpu.guest", NULL};
        assert_int_equal(parse_flags(neg, &o, &diag), 0);
        assert_int_equal(config_init_defaults(&cfg), 0);
        assert_int_equal(options_apply(&o, &cfg, &diag), 0);
        assert_string_equal(config_section_get(config_collector_section(&cfg, "cpu"), "guest")->value, "false");
        config_free(&cfg);
        options_free(&o);

        /* "--flag value" with a separate value, and a bare flag as true */
        const char *sep[] = {"--collector.cpu.guest", "no", NULL};
        assert_int_equal(parse_flags(sep, &o, &diag), 0);
        assert_string_equal(o.collector_options[2], "no");
        options_free(&o);
        const char *bare[] = {"--collector.cpu.guest", "--once", NULL};
        assert_int_equal(parse_flags(bare, &o, &diag), 0);
        assert_string_equal(o.collector_options[2], "true");
        assert_true(o.once);
        options_free(&o);

        /* a repeatable flag given twice (node_exporter's
         * --collector.perf.tracepoint) keeps both values; another one, the last */
        const char *rep[] = {"--collector.perf.tracepoint=sched:sched_switch",
                             "--collector.cpu.guest=true",
                             "--collector.perf.tracepoint",
                             "syscalls:sys_enter_read",
                             "--collector.cpu.guest=false",
                             NULL};
        assert_int_equal(parse_flags(rep, &o, &diag), 0);
        assert_int_equal(config_init_defaults(&cfg), 0);
        assert_int_equal(options_apply(&o, &cfg, &diag), 0);
        assert_string_equal(config_section_get(config_collector_section(&cfg, "perf"), "tracepoint")->value,
                            "sched:sched_switch syscalls:sys_enter_read");
        assert_string_equal(config_section_get(config_collector_section(&cfg, "cpu"), "guest")->value, "false");
        config_free(&cfg);
        options_free(&o);

        /* a bad value from a flag is reported as the flag */
        const char *bad[] = {"--collector.cpu.guest=maybe", NULL};
        assert_int_equal(parse_flags(bad, &o, &diag), 0);
        assert_int_equal(config_init_defaults(&cfg), 0);
        assert_int_equal(options_apply(&o, &cfg, &diag), 0);
        struct scrape_engine *eng;
        assert_int_equal(scrape_engine_new(&eng), 0);
        assert_int_equal(scrape_engine_configure(eng, &cfg, &diag), -EINVAL);
        assert_string_equal(diag.msg, "--collector.cpu.guest: 'maybe' is not a boolean (true or false)");
        scrape_engine_free(eng);
        config_free(&cfg);
        options_free(&o);
}

struct flag_case {
        const char *args[4];
        const char *msg;
};

static const struct flag_case flag_errors[] = {
        {{"--bogus", NULL}, "unknown option '--bogus'; see --help"},
        {{"--web.listen-adress=:9100", NULL},
         "unknown option '--web.listen-adress=:9100'; did you mean --web.listen-address?"},
        {{"--collector.bogus", NULL}, "unknown option '--collector.bogus'; see --help"},
        {{"--web.listen-address", NULL}, "--web.listen-address: needs a value"},
        {{"--web.listen-address=9100", NULL}, "--web.listen-address: '9100' is not host:port, [ipv6]:port or :port"},
        {{"--web.max-requests=10001", NULL},
         "--web.max-requests: '10001' is not a whole number from 0 (no limit) to 10000"},
        {{"--path.procfs=", NULL}, "--path.procfs: '' is not an absolute path"},
        {{"--log.level=loud", NULL}, "--log.level: 'loud' is not one of error, warn, info, debug"},
        {{"--log.format=xml", NULL}, "--log.format: 'xml' is not one of logfmt, json"},
        {{"--web.telemetry-path=/", NULL},
         "--web.telemetry-path: '/' is not a usable path (it starts with /, is not / and not under /-/)"},
        {{"extra", NULL}, "unexpected argument 'extra'; see --help"},
        {{"--once=yes", NULL}, "unknown option '--once=yes'; see --help"},
        {{"--push.url=ftp://x", NULL}, "--push.url: 'ftp://x' is not an http:// or https:// URL"},
        {{"--push.url=ftp://user:pw@x", NULL}, "--push.url: not an http:// or https:// URL"},
        {{"--push.interval=100ms", NULL}, "--push.interval: '100ms' is not a duration from 1s to 24h (e.g. 15s, 1m)"},
        {{"--push.label=site", NULL}, "--push.label: 'site' is not NAME=VALUE"},
        {{"--push.label=__x=1", NULL}, "--push.label: '__x' is not a label name"},
        {{"--push.queue-dir=q", NULL}, "--push.queue-dir: 'q' is not an absolute path"},
        {{"--collector.cpu.gust=1", NULL},
         "unknown option '--collector.cpu.gust'; did you mean --collector.cpu.guest? (the cpu collector has guest, "
         "info, info_flags_include, "
         "info_bugs_include)"},
        {{"--collector.filesystem.mount-point-exclude=^/x", NULL},
         "unknown option '--collector.filesystem.mount-point-exclude'; did you mean "
         "--collector.filesystem.mount-points-exclude? (the filesystem collector has mount_points_include, "
         "mount_points_exclude, fs_types_include, fs_types_exclude, mount_timeout)"},
        {{"--collector.loadavg.x=1", NULL},
         "unknown option '--collector.loadavg.x'; the loadavg collector has no options"},
        {{"--collector.nope.x=1", NULL}, "unknown option '--collector.nope.x'; no collector 'nope'"},
        {{"--no-collector.cpu.guest=1", NULL}, "--no-collector.cpu.guest=1: a --no- flag takes no value"},
        {{"--web.config.file=/nonexistent/web.yml", NULL},
         "--web.config.file: cannot open '/nonexistent/web.yml': No such file or directory"},
};

static void test_flag_error(void **state) {
        const struct flag_case *c = *state;
        struct options o;
        struct diag diag = {0};
        assert_int_equal(parse_flags(c->args, &o, &diag), -EINVAL);
        assert_string_equal(diag.msg, c->msg);
}

/* node_exporter's flags for collectors vigie has not: a warning, not exit 2 */
static void test_node_exporter_collectors_accepted(_unused_ void **state) {
        struct options o;
        struct config cfg;
        /* runit and supervisord: node_exporter collectors vigie will not have */
        const char *args[] = {"--no-collector.runit",
                              "--collector.supervisord",
                              "--collector.ntp.server=127.0.0.1",
                              "--collector.filesystem.stat-workers=4",
                              "--collector.systemd.enable-restarts-metrics",
                              "--runtime.gomaxprocs",
                              "2",
                              "--collector.wifi.fixtures=/x",
                              "--collector.netclass_rtnl.with-stats",
                              NULL};
        parse_apply_flags(args, &o, &cfg);
        assert_int_equal(o.n_warnings, 8);
        assert_string_equal(o.warnings[0], "--no-collector.runit: vigie has no runit collector; ignored");
        assert_string_equal(o.warnings[1], "--collector.supervisord: vigie has no supervisord collector; ignored");
        assert_string_equal(o.warnings[2], "--collector.ntp.server: vigie has no ntp collector; ignored");
        assert_string_equal(o.warnings[3],
                            "--collector.filesystem.stat-workers: node_exporter's option has no effect in vigie; "
                            "ignored");
        assert_string_equal(o.warnings[4],
                            "--collector.systemd.enable-restarts-metrics: node_exporter's option has no effect in "
                            "vigie; ignored");
        assert_string_equal(o.warnings[5],
                            "--runtime.gomaxprocs: node_exporter's Go runtime setting has no effect in vigie; ignored");
        assert_string_equal(o.warnings[6],
                            "--collector.wifi.fixtures: node_exporter's option has no effect in vigie; ignored");
        assert_string_equal(o.warnings[7], "--collector.netclass_rtnl.with-stats: node_exporter's option has no effect "
                                           "in vigie; ignored: netdev serves these counters, under the same names with "
                                           "--collector.netdev.enable-detailed-metrics");
        options_free(&o);
        config_free(&cfg);
}

/* node_exporter's names and 1.5's deprecated aliases land on vigie's keys */
static void test_node_exporter_option_names(_unused_ void **state) {
        static const struct {
                const char *arg, *collector, *key;
        } table[] = {
                {"--collector.powersupply.ignored-supplies=^BAT", "powersupplyclass", "ignored_supplies"},
                {"--collector.filesystem.ignored-mount-points=^/x", "filesystem", "mount_points_exclude"},
                {"--collector.filesystem.ignored-fs-types=^x$", "filesystem", "fs_types_exclude"},
                {"--collector.diskstats.ignored-devices=^x$", "diskstats", "device_exclude"},
                {"--collector.netdev.device-blacklist=^x$", "netdev", "device_exclude"},
                {"--collector.netdev.device-whitelist=^x$", "netdev", "device_include"},
                {"--collector.systemd.unit-whitelist=^x$", "systemd", "unit_include"},
                {"--collector.systemd.unit-blacklist=^x$", "systemd", "unit_exclude"},
                {"--collector.bcache.priorityStats=true", "bcache", "priority_stats"},
        };
        for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
                struct options o;
                struct config cfg;
                const char *args[] = {table[i].arg, NULL};
                parse_apply_flags(args, &o, &cfg);
                const struct config_entry *e =
                        config_section_get(config_collector_section(&cfg, table[i].collector), table[i].key);
                if (!e)
                        fail_msg("%s: no [collector.%s] %s", table[i].arg, table[i].collector, table[i].key);
                assert_string_equal(e->value, strchr(table[i].arg, '=') + 1);
                assert_int_equal(o.n_warnings, 0);
                options_free(&o);
                config_free(&cfg);
        }
}

/* A repeatable option's flag, given again, adds its value to the list, as
 * node_exporter's repeatable flags do (--collector.sysctl.include); a
 * flag of another option given twice keeps the last. */
static void test_repeated_flags(_unused_ void **state) {
        struct options o;
        struct config cfg;
        const char *args[] = {"--collector.sysctl.include=vm.swappiness",
                              "--collector.sysctl.include",
                              "net.ipv4.ip_local_port_range:min,max",
                              "--collector.sysctl.include-info=kernel.ostype",
                              "--collector.ipvs.backend-labels=proto",
                              "--collector.ipvs.backend-labels=local_port",
                              NULL};
        parse_apply_flags(args, &o, &cfg);
        const struct config_section *sec = config_collector_section(&cfg, "sysctl");
        assert_string_equal(config_section_get(sec, "include")->value,
                            "vm.swappiness net.ipv4.ip_local_port_range:min,max");
        assert_string_equal(config_section_get(sec, "include_info")->value, "kernel.ostype");
        assert_string_equal(config_section_get(config_collector_section(&cfg, "ipvs"), "backend_labels")->value,
                            "local_port");
        options_free(&o);
        config_free(&cfg);
}

static void test_max_requests_zero_is_unlimited(_unused_ void **state) {
        struct options o;
        struct config cfg;
        const char *args[] = {"--web.max-requests=0", NULL};
        parse_apply_flags(args, &o, &cfg);
        assert_int_equal(cfg.max_requests, 0);
        options_free(&o);
        config_free(&cfg);
}

static void test_log_format(_unused_ void **state) {
        struct options o;
        struct config cfg;
        const char *args[] = {"--log.format=json", NULL};
        assert_int_equal(config_init_defaults(&cfg), 0);
        assert_int_equal(cfg.log_format, LOG_FORMAT_LOGFMT);
        config_free(&cfg);
        parse_apply_flags(args, &o, &cfg);
        assert_int_equal(cfg.log_format, LOG_FORMAT_JSON);
        options_free(&o);
        config_free(&cfg);
}

/* as node_exporter: from the working directory, kept absolute for reloads */
/* Every collector option's flag in --help stands apart from its help: a
 * space at least, or the help on the next line when the flag fills the
 * column (--collector.sysctl.include-info ran into "sysctls read as"). */
static void test_help_flags_apart(_unused_ void **state) {
        char *text = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&text, &size);
        assert_non_null(f);
        options_print_help(f, "vigie");
        assert_int_equal(fclose(f), 0);
        size_t checked = 0;
        for (size_t i = 0; i < registry_count; i++)
                for (const struct collector_option *o = registry_collectors[i]->options; o && o->key; o++) {
                        char flag[160];
                        int n = snprintf(flag, sizeof(flag), "      --collector.%s.", registry_collectors[i]->name);
                        for (const char *k = o->key; *k && (size_t) n + 1 < sizeof(flag); k++)
                                flag[n++] = *k == '_' ? '-' : *k;
                        flag[n] = '\0';
                        const char *at = strstr(text, flag);
                        if (!at)
                                fail_msg("no %s in --help", flag + 6);
                        if (at[n] != ' ' && at[n] != '\n')
                                fail_msg("%s runs into its help: %.60s", flag + 6, at + 6);
                        checked++;
                }
        assert_true(checked > 20);
        free(text);
}

static void test_relative_path_flags(_unused_ void **state) {
        struct options o;
        struct config cfg;
        char cwd[4096], want[4200];
        assert_non_null(getcwd(cwd, sizeof(cwd)));
        const char *args[] = {"--path.procfs=host/proc", "--path.sysfs", "sys", NULL};
        parse_apply_flags(args, &o, &cfg);
        (void) snprintf(want, sizeof(want), "%s/host/proc", cwd);
        assert_string_equal(cfg.procfs, want);
        (void) snprintf(want, sizeof(want), "%s/sys", cwd);
        assert_string_equal(cfg.sysfs, want);
        options_free(&o);
        config_free(&cfg);
}

int main(void) {
        static const struct CMUnitTest fixed[] = {
                cmocka_unit_test(test_flags),
                cmocka_unit_test(test_collector_option_flags),
                cmocka_unit_test(test_node_exporter_collectors_accepted),
                cmocka_unit_test(test_node_exporter_option_names),
                cmocka_unit_test(test_repeated_flags),
                cmocka_unit_test(test_max_requests_zero_is_unlimited),
                cmocka_unit_test(test_log_format),
                cmocka_unit_test(test_relative_path_flags),
                cmocka_unit_test(test_help_flags_apart),
        };
        /* one test per table case, so that the first mismatch hides none of the rest */
        size_t nf = sizeof(fixed) / sizeof(fixed[0]), nflag = sizeof(flag_errors) / sizeof(flag_errors[0]), n = 0;
        struct CMUnitTest tests[sizeof(fixed) / sizeof(fixed[0]) + sizeof(flag_errors) / sizeof(flag_errors[0])];
        static char names[sizeof(flag_errors) / sizeof(flag_errors[0])][96];
        for (size_t i = 0; i < nf; i++)
                tests[n++] = fixed[i];
        for (size_t i = 0; i < nflag; i++) {
                (void) snprintf(names[i], sizeof(names[i]), "flag_error: %s", flag_errors[i].args[0]);
                tests[n++] = (struct CMUnitTest){names[i], test_flag_error, NULL, NULL, (void *) &flag_errors[i]};
        }
        return _cmocka_run_group_tests("test-options", tests, n, NULL, NULL);
}
