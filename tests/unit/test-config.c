/* Config files and flags: what is accepted, what wins, and the exact
 * message a person gets for each mistake. */
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
#include "options.h"
#include "registry.h"
#include "scrape.h"

static char *write_temp(const char *content, size_t len) {
        char *path = strdup("/tmp/vigie-test-XXXXXX");
        int fd = mkstemp(path);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, content, len), (ssize_t) len);
        close(fd);
        return path;
}

/* Loads len bytes of content; returns the diag message with the temp path
 * replaced by "F". */
static int load_n(const char *content, size_t len, struct config *cfg, char *msg, size_t size) {
        char *path = write_temp(content, len);
        struct diag diag = {0};
        assert_int_equal(config_init_defaults(cfg), 0);
        int r = config_load(cfg, path, &diag);
        msg[0] = '\0';
        if (r < 0) {
                size_t pl = strlen(path);
                const char *m = diag.msg;
                if (strncmp(m, path, pl) == 0)
                        (void) snprintf(msg, size, "F%s", m + pl);
                else
                        (void) snprintf(msg, size, "%s", m);
        }
        unlink(path);
        free(path);
        return r;
}

static int load(const char *content, struct config *cfg, char *msg, size_t size) {
        return load_n(content, strlen(content), cfg, msg, size);
}

static void test_valid_file(_unused_ void **state) {
        struct config cfg;
        char msg[600];
        int r = load("; a comment\n"
                     "# another\n"
                     "[log]\n"
                     "level = debug\n"
                     "target = stderr\n"
                     "[web]\n"
                     "listen_address = 127.0.0.1:9101\n"
                     "listen_address = [::1]:9101\n"
                     "telemetry_path = /m\n"
                     "max_requests = 5\n"
                     "connection_timeout = 1m\n"
                     "[paths]\n"
                     "procfs = /host/proc\n"
                     "[collectors]\n"
                     "stat = false\n"
                     "[collector.cpu]\n"
                     "guest = no\n",
                     &cfg, msg, sizeof(msg));
        assert_string_equal(msg, "");
        assert_int_equal(r, 0);
        assert_int_equal(cfg.log_level, LOG_LEVEL_DEBUG);
        assert_int_equal(cfg.log_target, LOG_TARGET_STDERR);
        assert_int_equal(cfg.n_listen_addresses, 2);
        assert_string_equal(cfg.listen_addresses[0], "127.0.0.1:9101");
        assert_string_equal(cfg.listen_addresses[1], "[::1]:9101");
        assert_string_equal(cfg.telemetry_path, "/m");
        assert_int_equal(cfg.max_requests, 5);
        assert_int_equal(cfg.connection_timeout_s, 60);
        assert_string_equal(cfg.procfs, "/host/proc");
        assert_string_equal(cfg.sysfs, "/sys");
        assert_false(config_collector_enabled(&cfg, (size_t) registry_find("stat")));
        assert_true(config_collector_enabled(&cfg, (size_t) registry_find("cpu")));
        const struct config_section *s = config_collector_section(&cfg, "cpu");
        assert_non_null(s);
        assert_string_equal(config_section_get(s, "guest")->value, "no");
        assert_int_equal(config_section_get(s, "guest")->line, 17);
        config_free(&cfg);
}

static void test_errors(_unused_ void **state) {
        static const struct {
                const char *content;
                const char *msg;
        } table[] = {
                {"[web]\nlisten_adress = :9100\n", "F:2: [web] listen_adress: unknown key"},
                {"[webb]\nx = 1\n", "F:2: [webb]: unknown section (known: [log], [web], [paths], [collectors], "
                                    "[collector.NAME], [push], [push.target.NAME])"},
                {"[push]\ninterval = 500ms\n", "F:2: [push] interval: '500ms' is not a duration from 1000ms to 86400000ms (e.g. 15s, 1m)"},
                {"[push]\nqueue_max_bytes = 1k\n", "F:2: [push] queue_max_bytes: '1k' is not a size of at least 64KiB (e.g. 256MiB, 1G)"},
                {"[push]\nqueue_dir = queue\n", "F:2: [push] queue_dir: 'queue' is not an absolute path"},
                {"[push]\nlabel.bad-name = x\n", "F:2: [push] label.bad-name: 'bad-name' is not a label name"},
                {"[push]\nlabel.site = a\nlabel.site = b\n", "F:3: [push] label.site: given twice"},
                {"[push.target.central]\nurll = http://x\n", "F:2: [push.target.central] urll: unknown key"},
                {"[push.target.cen tral]\nurl = http://x\n", "F:2: [push.target.cen tral]: a target name is letters, digits, '-' and '_'"},
                {"[push.target.a]\nurl = http://x\nurl = http://y\n", "F:3: [push.target.a] url: given twice (first on line 2)"},
                {"level = info\n", "F:1: level: key outside of any [section]"},
                {"[log]\nlevel = loud\n", "F:2: [log] level: 'loud' is not one of error, warn, info, debug"},
                {"[log]\ntarget = syslog\n", "F:2: [log] target: 'syslog' is not one of auto, stderr, journal"},
                {"[web]\nmax_requests = 0\n", "F:2: [web] max_requests: '0' is not a whole number from 1 to 10000"},
                {"[web]\nmax_requests = ten\n", "F:2: [web] max_requests: 'ten' is not a whole number from 1 to 10000"},
                {"[web]\nconnection_timeout = 10\n",
                 "F:2: [web] connection_timeout: '10' is not a duration in whole seconds from 1s to 3600s (e.g. 10s, 1m)"},
                {"[web]\nlisten_address = 9100\n",
                 "F:2: [web] listen_address: '9100' is not host:port, [ipv6]:port or :port"},
                {"[web]\ntelemetry_path = metrics\n",
                 "F:2: [web] telemetry_path: 'metrics' is not a usable path (it starts with /, is not / and not under /-/)"},
                {"[web]\ntelemetry_path = /-/healthy\n",
                 "F:2: [web] telemetry_path: '/-/healthy' is not a usable path (it starts with /, is not / and not under /-/)"},
                {"[web]\nsystemd_socket = perhaps\n",
                 "F:2: [web] systemd_socket: 'perhaps' is not a boolean (true or false)"},
                {"[paths]\nprocfs = proc\n", "F:2: [paths] procfs: 'proc' is not an absolute path"},
                {"[web]\nmax_requests = 3\n\nmax_requests = 4\n", "F:4: [web] max_requests: given twice (first on line 2)"},
                {"[collectors]\ncpuu = true\n", "F:2: [collectors] cpuu: no such collector"},
                {"[collectors]\ncpu = maybe\n", "F:2: [collectors] cpu: 'maybe' is not a boolean (true or false)"},
                {"[collectors]\ncpu = true\ncpu = false\n", "F:3: [collectors] cpu: given twice (first on line 2)"},
                {"[collector.nope]\nx = 1\n", "F:2: [collector.nope]: no such collector"},
                {"[collector.cpu]\ngust = true\n", "F:2: [collector.cpu] gust: unknown key (the cpu collector has other keys)"},
                {"[collector.stat]\nx = 1\n", "F:2: [collector.stat] x: unknown key (the stat collector has no options)"},
                {"[web]\nthis line has no equals sign\n",
                 "F:2: syntax error: expected [section], key = value, or a comment (; or #)"},
                {"[web\n", "F:1: syntax error: expected [section], key = value, or a comment (; or #)"},
                /* the first error wins, whichever part of the loader found it */
                {"[web]\nbogus = 1\nno equals\n", "F:2: [web] bogus: unknown key"},
                {"[web]\nno equals\nbogus = 1\n",
                 "F:2: syntax error: expected [section], key = value, or a comment (; or #)"},
        };
        for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
                struct config cfg;
                char msg[600];
                int r = load(table[i].content, &cfg, msg, sizeof(msg));
                if (r != -EINVAL)
                        fail_msg("case %zu: loaded, expected '%s'", i, table[i].msg);
                if (strcmp(msg, table[i].msg) != 0)
                        fail_msg("case %zu:\n got  '%s'\n want '%s'", i, msg, table[i].msg);
                config_free(&cfg);
        }
}

static void test_long_lines(_unused_ void **state) {
        /* values of any length (long regexes), and long comments */
        char content[4096] = "; ";
        memset(content + 2, 'c', 500);
        strcat(content, "\n[collector.filesystem]\nfs_types_exclude = ^(");
        for (int i = 0; i < 60; i++)
                strcat(content, "fstype_number_x|");
        strcat(content, "last)$   ; an inline comment\n[web]\nmax_requests = 7\n");
        struct config cfg;
        char msg[600];
        assert_int_equal(load(content, &cfg, msg, sizeof(msg)), 0);
        const struct config_entry *e = config_section_get(config_collector_section(&cfg, "filesystem"), "fs_types_exclude");
        assert_non_null(e);
        assert_int_equal(strlen(e->value), 2 + 60 * 16 + 6);
        assert_int_equal(e->line, 3);
        assert_int_equal(cfg.max_requests, 7);
        config_free(&cfg);

        /* a key or section header that long is an error, with its line */
        char bad[1024] = "[web]\n";
        memset(bad + 6, 'k', 400);
        strcat(bad, " = 1\n");
        assert_int_equal(load(bad, &cfg, msg, sizeof(msg)), -EINVAL);
        assert_string_equal(msg, "F:2: line too long for a section header or key");
        config_free(&cfg);
}

/* A file of CONFIG_FILE_MAX bytes is read, one byte more is refused, and
 * so is /dev/zero (quickly: it is not read to its end); a line of
 * CONFIG_LINE_MAX bytes is read, one byte more is refused with its line;
 * so is a NUL byte (inih would cut the line there). */
static void test_bounds(_unused_ void **state) {
        struct config cfg;
        char msg[600];
        char *text = malloc(CONFIG_FILE_MAX + 2);
        assert_non_null(text);
        memset(text, 'c', CONFIG_FILE_MAX + 1);
        for (size_t i = 0; i < CONFIG_FILE_MAX + 1; i += 1024) {
                text[i] = ';';
                if (i >= 1024)
                        text[i - 1] = '\n';
        }
        assert_int_equal(load_n(text, CONFIG_FILE_MAX, &cfg, msg, sizeof(msg)), 0);
        config_free(&cfg);
        assert_int_equal(load_n(text, CONFIG_FILE_MAX + 1, &cfg, msg, sizeof(msg)), -EINVAL);
        assert_string_equal(msg, "F: more than 1 MiB: too large for a configuration file");
        config_free(&cfg);
        struct diag diag = {0};
        assert_int_equal(config_init_defaults(&cfg), 0);
        assert_int_equal(config_load(&cfg, "/dev/zero", &diag), -EINVAL);
        assert_string_equal(diag.msg, "/dev/zero: more than 1 MiB: too large for a configuration file");
        config_free(&cfg);

        /* "[web]", then a comment line of CONFIG_LINE_MAX bytes, or one more */
        memcpy(text, "[web]\n;", 7);
        memset(text + 7, 'c', CONFIG_LINE_MAX);
        memcpy(text + 6 + CONFIG_LINE_MAX, "\nmax_requests = 7\n", 19);
        assert_int_equal(load(text, &cfg, msg, sizeof(msg)), 0);
        assert_int_equal(cfg.max_requests, 7);
        config_free(&cfg);
        text[6 + CONFIG_LINE_MAX] = 'c';
        memcpy(text + 7 + CONFIG_LINE_MAX, "\nmax_requests = 7\n", 19);
        assert_int_equal(load(text, &cfg, msg, sizeof(msg)), -EINVAL);
        assert_string_equal(msg, "F:2: line longer than 65536 bytes");
        config_free(&cfg);
        /* a value that long too */
        memcpy(text, "[web]\nmax_requests = ", 21);
        assert_int_equal(load(text, &cfg, msg, sizeof(msg)), -EINVAL);
        assert_string_equal(msg, "F:2: line longer than 65536 bytes");
        config_free(&cfg);
        free(text);

        static const char nul[] = "[web]\nmax_requests = 7\0garbage\n";
        assert_int_equal(load_n(nul, sizeof(nul) - 1, &cfg, msg, sizeof(msg)), -EINVAL);
        assert_string_equal(msg, "F:2: a NUL byte: not a text file");
        config_free(&cfg);
}

static void test_unreadable(_unused_ void **state) {
        struct config cfg;
        struct diag diag = {0};
        assert_int_equal(config_init_defaults(&cfg), 0);
        assert_int_equal(config_load(&cfg, "/nonexistent/vigie.conf", &diag), -EINVAL);
        assert_string_equal(diag.msg, "/nonexistent/vigie.conf: cannot open: No such file or directory");
        config_free(&cfg);

        struct diag d2 = {0};
        assert_int_equal(config_init_defaults(&cfg), 0);
        assert_int_equal(config_load(&cfg, "/tmp", &d2), -EINVAL);
        assert_string_equal(d2.msg, "/tmp: cannot read: Is a directory");
        config_free(&cfg);
}

static void test_collector_option_error_has_line(_unused_ void **state) {
        struct config cfg;
        char msg[600];
        const char *text = "[collector.cpu]\n\nguest = sometimes\n";
        char *path = write_temp(text, strlen(text));
        struct diag diag = {0};
        assert_int_equal(config_init_defaults(&cfg), 0);
        assert_int_equal(config_load(&cfg, path, &diag), 0);
        /* the value is the collector's to judge, when the engine builds it */
        struct scrape_engine *e;
        assert_int_equal(scrape_engine_new(&e), 0);
        assert_int_equal(scrape_engine_configure(e, &cfg, &diag), -EINVAL);
        (void) snprintf(msg, sizeof(msg), "%s:3: [collector.cpu] guest: 'sometimes' is not a boolean (true or false)",
                        path);
        assert_string_equal(diag.msg, msg);
        scrape_engine_free(e);
        config_free(&cfg);
        unlink(path);
        free(path);
}

static int parse(const char *const *args, struct options *o, struct diag *diag) {
        char *argv[32];
        int argc = 0;
        argv[argc++] = (char *) "vigie";
        for (; *args; args++)
                argv[argc++] = (char *) *args;
        argv[argc] = NULL;
        return options_parse(argc, argv, o, diag);
}

static void test_push_config(_unused_ void **state) {
        struct config cfg;
        char msg[600];
        assert_int_equal(load("[push]\ninterval = 30s\nqueue_max_bytes = 1GiB\nfsync = false\njob = node\n"
                              "label.site = mairie\nlabel.authority = commune-42\n"
                              "[push.target.central]\nurl = https://central.mairie.local/api/v1/write\n"
                              "header.X-Scope-OrgID = commune-42\n",
                              &cfg, msg, sizeof(msg)),
                         0);
        assert_int_equal(cfg.push_interval_ms, 30000);
        assert_int_equal(cfg.push_queue_max_bytes, 1ull << 30);
        assert_false(cfg.push_fsync);
        assert_string_equal(cfg.push_job, "node");
        assert_int_equal(cfg.n_push_labels, 2);
        assert_string_equal(cfg.push_labels[1].key, "authority");
        assert_int_equal(cfg.n_push_targets, 1);
        assert_string_equal(config_section_get(&cfg.push_targets[0], "header.X-Scope-OrgID")->value, "commune-42");

        /* flags add targets and labels over the file */
        struct options o;
        struct diag diag = {0};
        const char *args[] = {"--push.url=http://127.0.0.1:9090/api/v1/write", "--push.label", "site=ecole",
                              "--push.interval=5s", NULL};
        assert_int_equal(parse(args, &o, &diag), 0);
        assert_int_equal(options_apply(&o, &cfg), 0);
        assert_int_equal(cfg.n_push_targets, 2);
        assert_string_equal(cfg.push_targets[1].name, "url2");
        assert_string_equal(cfg.push_labels[0].value, "ecole");
        assert_int_equal(cfg.push_interval_ms, 5000);
        options_free(&o);
        config_free(&cfg);

        static const struct {
                const char *arg, *msg;
        } bad[] = {
                {"--push.url=ftp://x", "--push.url: 'ftp://x' is not an http:// or https:// URL"},
                {"--push.interval=100ms", "--push.interval: '100ms' is not a duration from 1s to 24h"},
                {"--push.label=site", "--push.label: 'site' is not NAME=VALUE"},
                {"--push.label=__x=1", "--push.label: '__x' is not a label name"},
                {"--push.queue-dir=q", "--push.queue-dir: 'q' is not an absolute path"},
        };
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                struct diag d = {0};
                const char *a[] = {bad[i].arg, NULL};
                assert_int_equal(parse(a, &o, &d), -EINVAL);
                assert_string_equal(d.msg, bad[i].msg);
        }
}

static void test_flags(_unused_ void **state) {
        struct options o;
        struct diag diag = {0};
        const char *args[] = {"--web.listen-address=127.0.0.1:9200",
                              "--web.listen-address", "[::1]:9200",
                              "--web.telemetry-path", "/x",
                              "--path.procfs=/host/proc",
                              "--collector.disable-defaults",
                              "--collector.stat",
                              "--no-collector.cpu",
                              "--log.level", "warn",
                              "--web.max-requests=3",
                              NULL};
        assert_int_equal(parse(args, &o, &diag), 0);
        assert_int_equal(o.n_listen_addresses, 2);

        /* flags win over the file */
        struct config cfg;
        char msg[600];
        assert_int_equal(load("[web]\nlisten_address = :9999\nmax_requests = 9\n[collectors]\ncpu = true\n"
                              "[log]\nlevel = debug\n",
                              &cfg, msg, sizeof(msg)),
                         0);
        assert_int_equal(options_apply(&o, &cfg), 0);
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
        assert_int_equal(parse(none, &o, &diag), 0);
        assert_int_equal(config_init_defaults(&cfg), 0);
        assert_int_equal(options_apply(&o, &cfg), 0);
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
        assert_int_equal(parse(args, &o, &diag), 0);
        assert_true(o.once);
        assert_int_equal(load("[collector.cpu]\nguest = true\n", &cfg, msg, sizeof(msg)), 0);
        assert_int_equal(options_apply(&o, &cfg), 0);
        const struct config_entry *e = config_section_get(config_collector_section(&cfg, "cpu"), "guest");
        assert_string_equal(e->value, "false");
        assert_int_equal(e->line, 0);
        config_free(&cfg);
        options_free(&o);

        const char *neg[] = {"--no-collector.cpu.guest", NULL};
        assert_int_equal(parse(neg, &o, &diag), 0);
        assert_int_equal(config_init_defaults(&cfg), 0);
        assert_int_equal(options_apply(&o, &cfg), 0);
        assert_string_equal(config_section_get(config_collector_section(&cfg, "cpu"), "guest")->value, "false");
        config_free(&cfg);
        options_free(&o);

        /* "--flag value" with a separate value, and a bare flag as true */
        const char *sep[] = {"--collector.cpu.guest", "no", NULL};
        assert_int_equal(parse(sep, &o, &diag), 0);
        assert_string_equal(o.collector_options[2], "no");
        options_free(&o);
        const char *bare[] = {"--collector.cpu.guest", "--once", NULL};
        assert_int_equal(parse(bare, &o, &diag), 0);
        assert_string_equal(o.collector_options[2], "true");
        assert_true(o.once);
        options_free(&o);

        /* a bad value from a flag is reported as the flag */
        const char *bad[] = {"--collector.cpu.guest=maybe", NULL};
        assert_int_equal(parse(bad, &o, &diag), 0);
        assert_int_equal(config_init_defaults(&cfg), 0);
        assert_int_equal(options_apply(&o, &cfg), 0);
        struct scrape_engine *eng;
        assert_int_equal(scrape_engine_new(&eng), 0);
        assert_int_equal(scrape_engine_configure(eng, &cfg, &diag), -EINVAL);
        assert_string_equal(diag.msg, "--collector.cpu.guest: 'maybe' is not a boolean (true or false)");
        scrape_engine_free(eng);
        config_free(&cfg);
        options_free(&o);

        static const struct {
                const char *arg;
                const char *msg;
        } errors[] = {
                {"--collector.cpu.gust=1", "unknown option '--collector.cpu.gust'; see the [collector.cpu] keys in the README"},
                {"--collector.nope.x=1", "unknown option '--collector.nope.x'; no collector 'nope'"},
                {"--no-collector.cpu.guest=1", "--no-collector.cpu.guest=1: a --no- flag takes no value"},
        };
        for (size_t i = 0; i < sizeof(errors) / sizeof(errors[0]); i++) {
                struct diag d = {0};
                const char *a[] = {errors[i].arg, NULL};
                assert_int_equal(parse(a, &o, &d), -EINVAL);
                if (strcmp(d.msg, errors[i].msg) != 0)
                        fail_msg("%s:\n got  '%s'\n want '%s'", errors[i].arg, d.msg, errors[i].msg);
        }
}

static void test_flag_errors(_unused_ void **state) {
        static const struct {
                const char *args[4];
                const char *msg;
        } table[] = {
                {{"--bogus", NULL}, "unknown option '--bogus'; see --help"},
                {{"--collector.nope", NULL}, "unknown option '--collector.nope'; see --help"},
                {{"--web.listen-address", NULL}, "--web.listen-address: needs a value"},
                {{"--web.listen-address=9100", NULL},
                 "--web.listen-address: '9100' is not host:port, [ipv6]:port or :port"},
                {{"--web.max-requests=0", NULL}, "--web.max-requests: '0' is not a whole number from 1 to 10000"},
                {{"--path.procfs", "relative", NULL}, "--path.procfs: 'relative' is not an absolute path"},
                {{"--log.level=loud", NULL}, "--log.level: 'loud' is not one of error, warn, info, debug"},
                {{"--web.telemetry-path=/", NULL},
                 "--web.telemetry-path: '/' is not a usable path (it starts with /, is not / and not under /-/)"},
                {{"extra", NULL}, "unexpected argument 'extra'; see --help"},
                {{"--once=yes", NULL}, "unknown option '--once=yes'; see --help"},
        };
        for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
                struct options o;
                struct diag diag = {0};
                assert_int_equal(parse(table[i].args, &o, &diag), -EINVAL);
                if (strcmp(diag.msg, table[i].msg) != 0)
                        fail_msg("case %zu:\n got  '%s'\n want '%s'", i, diag.msg, table[i].msg);
        }
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_valid_file),
                cmocka_unit_test(test_errors),
                cmocka_unit_test(test_long_lines),
                cmocka_unit_test(test_bounds),
                cmocka_unit_test(test_unreadable),
                cmocka_unit_test(test_collector_option_error_has_line),
                cmocka_unit_test(test_push_config),
                cmocka_unit_test(test_flags),
                cmocka_unit_test(test_collector_option_flags),
                cmocka_unit_test(test_flag_errors),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
