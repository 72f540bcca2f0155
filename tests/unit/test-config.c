/* agent/config.c: configuration files, what is accepted and what wins,
 * and the exact message a person gets for each mistake. */
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

static void test_valid_file(_unused_ void **state) {
        struct config cfg;
        char msg[600];
        int r = load_config("; a comment\n"
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

struct file_case {
        const char *content;
        const char *msg;
};

static const struct file_case file_errors[] = {
        {"[web]\nlisten_adress = :9100\n",
         "F:2: [web] listen_adress: unknown key; did you mean listen_address? ([web] has listen_address, "
         "telemetry_path, max_requests, connection_timeout, max_requests_per_client, header_timeout, systemd_socket, "
         "disable_exporter_metrics, config_file)"},
        {"[webb]\nx = 1\n", "F:2: [webb]: unknown section (known: [log], [web], [paths], [collectors], "
                            "[collector.NAME], [push], [push.target.NAME], [probe.NAME], [plugins], [plugin.NAME], "
                            "[exec.NAME])"},
        {"[push]\ninterval = 500ms\n", "F:2: [push] interval: '500ms' is not a duration from 1s to 24h (e.g. 15s, 1m)"},
        {"[push]\nqueue_max_bytes = 1k\n",
         "F:2: [push] queue_max_bytes: '1k' is not a size of at least 64KiB (e.g. 256MiB, 1G)"},
        {"[push]\nqueue_dir = queue\n", "F:2: [push] queue_dir: 'queue' is not an absolute path"},
        {"[push]\nlabel.bad-name = x\n", "F:2: [push] label.bad-name: 'bad-name' is not a label name"},
        {"[push]\nlabel.site = a\nlabel.site = b\n", "F:3: [push] label.site: given twice (first on line 2)"},
        {"[push.target.central]\nurll = http://x\n",
         "F:2: [push.target.central] urll: unknown key; did you mean url? ([push.target.NAME] has url, interval, "
         "timeout, max_batches_per_second, max_bytes_per_second, ca_file, cert_file, key_file, "
         "insecure_skip_verify, bearer_token, bearer_token_file, username, password, password_file, header.NAME)"},
        {"[push.target.cen tral]\nurl = http://x\n",
         "F:2: [push.target.cen tral]: a target name is letters, digits, '-' and '_'"},
        {"[push.target.a]\nurl = http://x\nurl = http://y\n",
         "F:3: [push.target.a] url: given twice (first on line 2)"},
        {"[push]\njob = x\n[push.target.central]\n;url = https://x/api/v1/write\n",
         "F:3: [push.target.central]: no url (this target would push nothing)"},
        {"level = info\n", "F:1: level: key outside of any [section]"},
        {"[log]\nlevel = loud\n", "F:2: [log] level: 'loud' is not one of error, warn, info, debug"},
        {"[log]\ntarget = syslog\n", "F:2: [log] target: 'syslog' is not one of auto, stderr, journal"},
        {"[log]\nformat = xml\n", "F:2: [log] format: 'xml' is not one of logfmt, json"},
        {"[web]\nmax_requests = 10001\n",
         "F:2: [web] max_requests: '10001' is not a whole number from 0 (no limit) to 10000"},
        {"[web]\nmax_requests = ten\n",
         "F:2: [web] max_requests: 'ten' is not a whole number from 0 (no limit) to 10000"},
        {"[web]\nconnection_timeout = 10\n",
         "F:2: [web] connection_timeout: '10' is not a duration in whole seconds from 1s to 1h (e.g. 10s, 1m)"},
        {"[web]\nlisten_address = 9100\n", "F:2: [web] listen_address: '9100' is not host:port, [ipv6]:port or :port"},
        {"[web]\ntelemetry_path = metrics\n",
         "F:2: [web] telemetry_path: 'metrics' is not a usable path (it starts with /, is not / and not under /-/)"},
        {"[web]\ntelemetry_path = /-/healthy\n",
         "F:2: [web] telemetry_path: '/-/healthy' is not a usable path (it starts with /, is not / and not under /-/)"},
        {"[web]\nsystemd_socket = perhaps\n", "F:2: [web] systemd_socket: 'perhaps' is not a boolean (true or false)"},
        {"[web]\nconfig_file = /nonexistent/web.yml\n",
         "F:2: [web] config_file: cannot open '/nonexistent/web.yml': No such file or directory"},
        {"[paths]\nprocfs = proc\n", "F:2: [paths] procfs: 'proc' is not an absolute path"},
        {"[web]\nmax_requests = 3\n\nmax_requests = 4\n", "F:4: [web] max_requests: given twice (first on line 2)"},
        {"[collectors]\ncpuu = true\n", "F:2: [collectors] cpuu: no such collector"},
        {"[collectors]\ncpu = maybe\n", "F:2: [collectors] cpu: 'maybe' is not a boolean (true or false)"},
        {"[collectors]\ncpu = true\ncpu = false\n", "F:3: [collectors] cpu: given twice (first on line 2)"},
        {"[collector.nope]\nx = 1\n", "F:2: [collector.nope]: no such collector"},
        {"[collector.cpu]\ngust = true\n",
         "F:2: [collector.cpu] gust: unknown key; did you mean guest? (the cpu collector has guest, info, "
         "info_flags_include, info_bugs_include)"},
        {"[collector.filesystem]\nmount_point_exclude = ^/x\n",
         "F:2: [collector.filesystem] mount_point_exclude: unknown key; did you mean mount_points_exclude? (the "
         "filesystem collector has mount_points_include, mount_points_exclude, fs_types_include, fs_types_exclude, "
         "mount_timeout)"},
        {"[collector.filesystem]\nmount-points-exclude = ^/x\n",
         "F:2: [collector.filesystem] mount-points-exclude: unknown key; did you mean mount_points_exclude? (the "
         "filesystem collector has mount_points_include, mount_points_exclude, fs_types_include, fs_types_exclude, "
         "mount_timeout)"},
        {"[collector.textfile]\nbogus = 1\n",
         "F:2: [collector.textfile] bogus: unknown key (the textfile collector has directory)"},
        {"[collector.loadavg]\nx = 1\n",
         "F:2: [collector.loadavg] x: unknown key (the loadavg collector has no options)"},
        {"[web]\nthis line has no equals sign\n",
         "F:2: syntax error: expected [section], key = value, or a comment (; or #)"},
        {"[web\n", "F:1: syntax error: expected [section], key = value, or a comment (; or #)"},
        /* the first error wins, whichever part of the loader found it */
        {"[web]\nbogus = 1\nno equals\n",
         "F:2: [web] bogus: unknown key ([web] has listen_address, telemetry_path, max_requests, connection_timeout, "
         "max_requests_per_client, header_timeout, systemd_socket, disable_exporter_metrics, config_file)"},
        {"[web]\nno equals\nbogus = 1\n", "F:2: syntax error: expected [section], key = value, or a comment (; or #)"},
};

static void test_file_error(void **state) {
        const struct file_case *c = *state;
        struct config cfg;
        char msg[800];
        int r = load_config(c->content, &cfg, msg, sizeof(msg));
        if (r != -EINVAL)
                fail_msg("loaded, expected '%s'", c->msg);
        assert_string_equal(msg, c->msg);
        config_free(&cfg);
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
        assert_int_equal(load_config(content, &cfg, msg, sizeof(msg)), 0);
        const struct config_entry *e =
                config_section_get(config_collector_section(&cfg, "filesystem"), "fs_types_exclude");
        assert_non_null(e);
        assert_int_equal(strlen(e->value), 2 + 60 * 16 + 6);
        assert_int_equal(e->line, 3);
        assert_int_equal(cfg.max_requests, 7);
        config_free(&cfg);

        /* a key or section header that long is an error, with its line */
        char bad[1024] = "[web]\n";
        memset(bad + 6, 'k', 400);
        strcat(bad, " = 1\n");
        assert_int_equal(load_config(bad, &cfg, msg, sizeof(msg)), -EINVAL);
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
        assert_int_equal(load_config_n(text, CONFIG_FILE_MAX, &cfg, msg, sizeof(msg)), 0);
        config_free(&cfg);
        assert_int_equal(load_config_n(text, CONFIG_FILE_MAX + 1, &cfg, msg, sizeof(msg)), -EINVAL);
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
        assert_int_equal(load_config(text, &cfg, msg, sizeof(msg)), 0);
        assert_int_equal(cfg.max_requests, 7);
        config_free(&cfg);
        text[6 + CONFIG_LINE_MAX] = 'c';
        memcpy(text + 7 + CONFIG_LINE_MAX, "\nmax_requests = 7\n", 19);
        assert_int_equal(load_config(text, &cfg, msg, sizeof(msg)), -EINVAL);
        assert_string_equal(msg, "F:2: line longer than 65536 bytes");
        config_free(&cfg);
        /* a value that long too */
        memcpy(text, "[web]\nmax_requests = ", 21);
        assert_int_equal(load_config(text, &cfg, msg, sizeof(msg)), -EINVAL);
        assert_string_equal(msg, "F:2: line longer than 65536 bytes");
        config_free(&cfg);
        free(text);

        static const char nul[] = "[web]\nmax_requests = 7\0garbage\n";
        assert_int_equal(load_config_n(nul, sizeof(nul) - 1, &cfg, msg, sizeof(msg)), -EINVAL);
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
        char *path = temp_file(text, strlen(text));
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

static void test_push_config(_unused_ void **state) {
        struct config cfg;
        char msg[600];
        assert_int_equal(load_config("[push]\ninterval = 30s\nqueue_max_bytes = 1GiB\nfsync = false\njob = node\n"
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
        assert_int_equal(parse_flags(args, &o, &diag), 0);
        assert_int_equal(options_apply(&o, &cfg, &diag), 0);
        assert_int_equal(cfg.n_push_targets, 2);
        assert_string_equal(cfg.push_targets[1].name, "url2");
        assert_string_equal(cfg.push_labels[0].value, "ecole");
        assert_int_equal(cfg.push_interval_ms, 5000);
        options_free(&o);
        config_free(&cfg);
}

/* a web config that node_exporter would refuse is refused with its line */
static void test_web_config_file(_unused_ void **state) {
        {
                static const char bad[] = "tls_server_config:\n  cert_file: a.crt\n  key_fil: a.key\n";
                char *path = temp_file(bad, strlen(bad));
                char arg[300], want[600];
                (void) snprintf(arg, sizeof(arg), "--web.config.file=%s", path);
                (void) snprintf(want, sizeof(want),
                                "--web.config.file: %s:3: tls_server_config.key_fil: unknown key; did you mean "
                                "key_file? (tls_server_config has cert_file, key_file, client_auth_type, "
                                "client_ca_file, min_version, max_version, cipher_suites, curve_preferences, "
                                "prefer_server_cipher_suites)",
                                path);
                struct options o;
                struct diag diag = {0};
                const char *args[] = {arg, NULL};
                assert_int_equal(parse_flags(args, &o, &diag), -EINVAL);
                assert_string_equal(diag.msg, want);
                unlink(path);
                free(path);
        }
        /* an empty one (comments alone) asks for nothing */
        char *path = temp_file("# nothing yet\n---\n", 18);
        char arg[300];
        (void) snprintf(arg, sizeof(arg), "--web.config.file=%s", path);
        struct options o;
        struct config cfg;
        const char *args[] = {arg, NULL};
        parse_apply_flags(args, &o, &cfg);
        assert_string_equal(cfg.web_config_file, path);
        options_free(&o);
        config_free(&cfg);
        unlink(path);
        free(path);
}

/* an error inside [push.target.NAME] is reported as that section */
static void test_push_target_error_names_its_section(_unused_ void **state) {
        struct config cfg;
        char msg[600];
        assert_int_equal(load_config("[push.target.central]\nurl = https://x/api/v1/write\ntimeout = 1\n", &cfg, msg,
                                     sizeof(msg)),
                         0);
        struct diag diag = {0};
        const struct config_section *s = &cfg.push_targets[0];
        assert_int_equal(config_entry_error(s, config_section_get(s, "timeout"), &diag, "bad"), -EINVAL);
        const char *colon = strstr(diag.msg, ":3: ");
        assert_non_null(colon);
        assert_string_equal(colon, ":3: [push.target.central] timeout: bad");
        config_free(&cfg);
}

/* a collector's duration range in words, not in milliseconds */
static void test_collector_duration_message(_unused_ void **state) {
        struct options o;
        struct config cfg;
        struct diag diag = {0};
        const char *args[] = {"--collector.filesystem.mount-timeout=5ms", NULL};
        parse_apply_flags(args, &o, &cfg);
        struct scrape_engine *e;
        assert_int_equal(scrape_engine_new(&e), 0);
        assert_int_equal(scrape_engine_configure(e, &cfg, &diag), -EINVAL);
        assert_string_equal(diag.msg, "--collector.filesystem.mount-timeout: '5ms' is not a duration from 10ms to 1m "
                                      "(e.g. 500ms, 2s)");
        scrape_engine_free(e);
        options_free(&o);
        config_free(&cfg);
}

/* --check-config's listing: every value with where it came from, secrets hidden */
static void test_write_effective_settings(_unused_ void **state) {
        struct config cfg;
        char msg[600];
        assert_int_equal(load_config("[web]\nmax_requests = 5\n[push]\nlabel.site = mairie\n"
                                     "[push.target.central]\nurl = https://x/api/v1/write\nbearer_token = s3cret\n"
                                     "header.Authorization = Basic czNjcmV0\nheader.X-Scope-OrgID = t1\n"
                                     "[probe.web]\nkind = http\ntarget = http://127.0.0.1/\n",
                                     &cfg, msg, sizeof(msg)),
                         0);
        struct options o;
        struct diag diag = {0};
        const char *args[] = {"--web.telemetry-path=/m", "--no-collector.cpu", NULL};
        assert_int_equal(parse_flags(args, &o, &diag), 0);
        assert_int_equal(options_apply(&o, &cfg, &diag), 0);
        char *text = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&text, &len);
        assert_non_null(f);
        config_write(&cfg, f, true, NULL);
        assert_int_equal(fclose(f), 0);
        /* KEY = VALUE, then ORIGIN (F: the file) at column 41 */
        static const char *const lines[][2] = {
                {"level = info", "default"},
                {"telemetry_path = /m", "flag --web.telemetry-path"},
                {"max_requests = 5", "F:2"},
                {"cpu = false", "flag --no-collector.cpu"},
                {"label.site = mairie", "F:4"},
                {"bearer_token = (secret)", "F:7"},
                {"header.Authorization = (secret)", "F:8"},
                {"header.X-Scope-OrgID = t1", "F:9"},
                {"kind = http", "F:11"},
                {"target = http://127.0.0.1/", "F:12"},
                {"mount_timeout = 2s", "default"},
        };
        for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
                char want[600];
                const char *origin = lines[i][1];
                if (origin[0] == 'F')
                        (void) snprintf(want, sizeof(want), "\n%-40s ; %s%s\n", lines[i][0], cfg.path, origin + 1);
                else
                        (void) snprintf(want, sizeof(want), "\n%-40s ; %s\n", lines[i][0], origin);
                if (!strstr(text, want))
                        fail_msg("no '%s' in:\n%s", want, text);
        }
        assert_non_null(strstr(text, "\n[probe.web]\nkind = http "));
        assert_null(strstr(text, "s3cret"));
        assert_null(strstr(text, "czNjcmV0"));
        free(text);
        options_free(&o);
        config_free(&cfg);
}

int main(void) {
        static const struct CMUnitTest fixed[] = {
                cmocka_unit_test(test_valid_file),
                cmocka_unit_test(test_long_lines),
                cmocka_unit_test(test_bounds),
                cmocka_unit_test(test_unreadable),
                cmocka_unit_test(test_collector_option_error_has_line),
                cmocka_unit_test(test_push_config),
                cmocka_unit_test(test_web_config_file),
                cmocka_unit_test(test_push_target_error_names_its_section),
                cmocka_unit_test(test_collector_duration_message),
                cmocka_unit_test(test_write_effective_settings),
        };
        /* one test per table case, so that the first mismatch hides none of the rest */
        size_t nf = sizeof(fixed) / sizeof(fixed[0]), nfile = sizeof(file_errors) / sizeof(file_errors[0]), n = 0;
        struct CMUnitTest tests[sizeof(fixed) / sizeof(fixed[0]) + sizeof(file_errors) / sizeof(file_errors[0])];
        static char names[sizeof(file_errors) / sizeof(file_errors[0])][96];
        for (size_t i = 0; i < nf; i++)
                tests[n++] = fixed[i];
        for (size_t i = 0; i < nfile; i++) {
                const char *c = file_errors[i].content;
                (void) snprintf(names[i], sizeof(names[i]), "file_error: %.*s", (int) strcspn(c, "\n"), c);
                const char *nl = strchr(c, '\n');
                if (nl && nl[1])
                        (void) snprintf(names[i] + strlen(names[i]), sizeof(names[i]) - strlen(names[i]), " %.*s",
                                        (int) strcspn(nl + 1, "\n"), nl + 1);
                tests[n++] = (struct CMUnitTest){names[i], test_file_error, NULL, NULL, (void *) &file_errors[i]};
        }
        return _cmocka_run_group_tests("test-config", tests, n, NULL, NULL);
}
