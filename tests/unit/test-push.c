/* The sender's checks that need no receiver: URLs as the log shows them
 * and the same-origin rule of redirects, and the secret files and header
 * values a target's configuration may hold. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"
#include "push.h"

static void test_url_redact(_unused_ void **state) {
        static const struct {
                const char *url, *shown;
        } cases[] = {
                {"http://alice:secret@host/api/v1/write", "http://alice:xxxxx@host/api/v1/write"},
                {"https://alice:p@ss@host:8443/x", "https://alice:xxxxx@host:8443/x"},
                {"https://t0ken@host/x", "https://xxxxx@host/x"},
                {"http://alice:secret@[::1]:9090", "http://alice:xxxxx@[::1]:9090"},
                {"http://host/a@b", "http://host/a@b"},
                {"http://host:9090/api/v1/write", "http://host:9090/api/v1/write"},
                {"not a url", "not a url"},
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                char out[256];
                push_url_redact(cases[i].url, out, sizeof(out));
                assert_string_equal(out, cases[i].shown);
        }
}

static void test_url_same_origin(_unused_ void **state) {
        static const struct {
                const char *a, *b;
                bool same;
        } cases[] = {
                {"http://h:9090/api/v1/write", "http://h:9090/elsewhere?x=1", true},
                {"http://h/api/v1/write", "http://h:80/x", true},
                {"https://h/x", "https://H:443/y", true},
                {"HTTP://h/x", "http://h/y", true},
                {"http://alice:pw@h/x", "http://h/y", true},
                {"http://[::1]:9090/x", "http://[::1]:9090/y", true},
                {"http://h:9090/x", "http://h:9091/x", false},
                {"http://h/x", "https://h/x", false},
                {"http://h/x", "http://h.evil/x", false},
                {"http://h/x", "http://evil/@h/x", false},
                {"http://[::1]:9090/x", "http://[::2]:9090/x", false},
                {"http://h:99999/x", "http://h:99999/x", false},
                {"http://h/x", "/relative", false},
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                bool same = push_url_same_origin(cases[i].a, cases[i].b);
                if (same != cases[i].same)
                        fail_msg("%s vs %s: %d", cases[i].a, cases[i].b, same);
        }
}

/* push_check of one target whose bearer_token_file holds content with
 * mode; the diag's text after the file name, or "" when accepted. */
static void check_secret(const char *content, size_t len, mode_t mode, char *msg, size_t size) {
        char secret[] = "/tmp/vigie-test-secret-XXXXXX", conf[] = "/tmp/vigie-test-conf-XXXXXX";
        int fd = mkstemp(secret);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, content, len), (ssize_t) len);
        assert_int_equal(fchmod(fd, mode), 0);
        close(fd);
        fd = mkstemp(conf);
        assert_true(fd >= 0);
        FILE *f = fdopen(fd, "w");
        fprintf(f, "[push.target.t]\nurl = http://127.0.0.1:1/api/v1/write\nbearer_token_file = %s\n", secret);
        fclose(f);

        struct config cfg;
        struct diag diag = {0};
        assert_int_equal(config_init_defaults(&cfg), 0);
        assert_int_equal(config_load(&cfg, conf, &diag), 0);
        msg[0] = '\0';
        if (push_check(&cfg, &diag) < 0) {
                const char *m = strstr(diag.msg, secret);
                assert_non_null(m);
                (void) snprintf(msg, size, "%s", m + strlen(secret));
        }
        config_free(&cfg);
        unlink(secret);
        unlink(conf);
}

static void test_secret_files(_unused_ void **state) {
        static const struct {
                const char *content;
                size_t len;
                mode_t mode;
                const char *msg;
        } cases[] = {
                {"tok\n", 4, 0600, ""},
                {"tok", 3, 0400, ""},
                {"tok\n", 4, 0640, " are too open: refused (a secret must be for vigie alone: chmod 600)"},
                {"tok\n", 4, 0604, " are too open: refused (a secret must be for vigie alone: chmod 600)"},
                {"tok\n", 4, 0620, " are too open: refused (a secret must be for vigie alone: chmod 600)"},
                {"tok\r\nX-Injected: yes\n", 22, 0600,
                 " holds a control character (a line break inside?): refused, it would end up in a request header"},
                {"tok\0en", 6, 0600,
                 " holds a control character (a line break inside?): refused, it would end up in a request header"},
                {"tok\ten\n", 7, 0600,
                 " holds a control character (a line break inside?): refused, it would end up in a request header"},
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                char msg[512];
                check_secret(cases[i].content, cases[i].len, cases[i].mode, msg, sizeof(msg));
                assert_string_equal(msg, cases[i].msg);
        }
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_url_redact),
                cmocka_unit_test(test_url_same_origin),
                cmocka_unit_test(test_secret_files),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
