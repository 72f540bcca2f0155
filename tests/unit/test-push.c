/* The sender's checks that need no receiver: what it does with each
 * answer (push_verdict), when it sends again (the pace of a replay, the
 * backoff and its jitter), URLs as the log shows them and the same-origin
 * rule of redirects, and the secret files and header values a target's
 * configuration may hold. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "config.h"
#include "push.h"

#define URL "http://h:9090/api/v1/write"

/* One row: an answer, the verdict, and for PUSH_MISCONFIGURED after a
 * redirect the start of the reason given. */
struct verdict_case {
        long status;
        CURLcode code;
        const char *location;
        unsigned hops;
        enum push_verdict verdict;
        const char *why;
};

static void check_verdicts(const struct verdict_case *cases, size_t n) {
        for (size_t i = 0; i < n; i++) {
                const struct verdict_case *c = &cases[i];
                char why[512] = "";
                enum push_verdict v =
                        push_verdict(c->status, (int) c->code, URL, c->location, c->hops, why, sizeof(why));
                if (v != c->verdict)
                        fail_msg("status %ld, curl %d, location %s, hops %u: verdict %d, expected %d", c->status,
                                 (int) c->code, c->location ? c->location : "none", c->hops, (int) v, (int) c->verdict);
                if (c->why && strncmp(why, c->why, strlen(c->why)) != 0)
                        fail_msg("status %ld to %s: '%s', expected '%s...'", c->status, c->location, why, c->why);
        }
}

static void test_verdict_delivered(_unused_ void **state) {
        static const struct verdict_case cases[] = {
                {200, CURLE_OK, NULL, 0, PUSH_DELIVERED, NULL},
                {204, CURLE_OK, NULL, 0, PUSH_DELIVERED, NULL},
                {299, CURLE_OK, NULL, 0, PUSH_DELIVERED, NULL},
                {204, CURLE_OK, NULL, 3, PUSH_DELIVERED, NULL}, /* after redirects followed */
        };
        check_verdicts(cases, ELEMENTSOF(cases));
}

static void test_verdict_retry(_unused_ void **state) {
        static const struct verdict_case cases[] = {
                {500, CURLE_OK, NULL, 0, PUSH_RETRY, NULL},
                {502, CURLE_OK, NULL, 0, PUSH_RETRY, NULL},
                {503, CURLE_OK, NULL, 0, PUSH_RETRY, NULL},
                {599, CURLE_OK, NULL, 0, PUSH_RETRY, NULL},
                {429, CURLE_OK, NULL, 0, PUSH_RETRY, NULL},
                {0, CURLE_COULDNT_CONNECT, NULL, 0, PUSH_RETRY, NULL},
                {0, CURLE_COULDNT_RESOLVE_HOST, NULL, 0, PUSH_RETRY, NULL},
                {0, CURLE_OPERATION_TIMEDOUT, NULL, 0, PUSH_RETRY, NULL},
                {0, CURLE_GOT_NOTHING, NULL, 0, PUSH_RETRY, NULL},
                {0, CURLE_RECV_ERROR, NULL, 0, PUSH_RETRY, NULL},
                {0, CURLE_SEND_ERROR, NULL, 0, PUSH_RETRY, NULL},
                {0, CURLE_SSL_CONNECT_ERROR, NULL, 0, PUSH_RETRY, NULL},   /* a handshake cut short */
                {0, CURLE_ABORTED_BY_CALLBACK, NULL, 0, PUSH_RETRY, NULL}, /* a stop: the batch stays */
        };
        check_verdicts(cases, ELEMENTSOF(cases));
}

static void test_verdict_follow(_unused_ void **state) {
        static const struct verdict_case cases[] = {
                {307, CURLE_OK, "http://h:9090/elsewhere", 0, PUSH_FOLLOW, NULL},
                {308, CURLE_OK, "http://H:9090/x?y=1", 0, PUSH_FOLLOW, NULL},
                {308, CURLE_OK, "http://h:9090/x", PUSH_REDIRECTS_MAX - 1, PUSH_FOLLOW, NULL},
        };
        check_verdicts(cases, ELEMENTSOF(cases));
}

static void test_verdict_misconfigured(_unused_ void **state) {
        static const struct verdict_case cases[] = {
                {307, CURLE_OK, NULL, 0, PUSH_MISCONFIGURED, "HTTP 307 with no Location"},
                {301, CURLE_OK, "http://h:9090/x", 0, PUSH_MISCONFIGURED,
                 "HTTP 301 to http://h:9090/x: only 307 and 308 are followed"},
                {302, CURLE_OK, "http://h:9090/x", 0, PUSH_MISCONFIGURED, "HTTP 302 to http://h:9090/x: only 307"},
                {303, CURLE_OK, "http://h:9090/x", 0, PUSH_MISCONFIGURED, "HTTP 303 to http://h:9090/x: only 307"},
                {308, CURLE_OK, "https://h:9090/x", 0, PUSH_MISCONFIGURED,
                 "HTTP 308 to https://h:9090/x, another origin"},
                {307, CURLE_OK, "http://u:pw@evil/x", 0, PUSH_MISCONFIGURED,
                 "HTTP 307 to http://u:xxxxx@evil/x, another origin"},
                {307, CURLE_OK, "http://h:9090/x", PUSH_REDIRECTS_MAX, PUSH_MISCONFIGURED,
                 "HTTP 307 to http://h:9090/x: more than 5 redirects in a row"},
                {0, CURLE_PEER_FAILED_VERIFICATION, NULL, 0, PUSH_MISCONFIGURED, NULL},
                {0, CURLE_SSL_CACERT_BADFILE, NULL, 0, PUSH_MISCONFIGURED, NULL},
                {0, CURLE_SSL_CERTPROBLEM, NULL, 0, PUSH_MISCONFIGURED, NULL},
                {0, CURLE_UNSUPPORTED_PROTOCOL, NULL, 0, PUSH_MISCONFIGURED, NULL},
                {0, CURLE_URL_MALFORMAT, NULL, 0, PUSH_MISCONFIGURED, NULL},
                {0, CURLE_LOGIN_DENIED, NULL, 0, PUSH_MISCONFIGURED, NULL},
        };
        check_verdicts(cases, ELEMENTSOF(cases));
}

static void test_verdict_drop(_unused_ void **state) {
        static const struct verdict_case cases[] = {
                {400, CURLE_OK, NULL, 0, PUSH_DROP, NULL}, {401, CURLE_OK, NULL, 0, PUSH_DROP, NULL},
                {403, CURLE_OK, NULL, 0, PUSH_DROP, NULL}, {404, CURLE_OK, NULL, 0, PUSH_DROP, NULL},
                {413, CURLE_OK, NULL, 0, PUSH_DROP, NULL}, {499, CURLE_OK, NULL, 0, PUSH_DROP, NULL},
                {100, CURLE_OK, NULL, 0, PUSH_DROP, NULL},
        };
        check_verdicts(cases, ELEMENTSOF(cases));
}

static void test_pace_next(_unused_ void **state) {
        static const struct {
                double batches;
                uint64_t bytes;
                size_t len;
                uint64_t started, next;
        } cases[] = {
                {0, 0, 100000, 5000, 5000},       /* no ceiling: at once */
                {10, 0, 100000, 5000, 5100},      /* 10 a second: 100 ms apart, whatever the size */
                {3, 0, 10, 0, 334},               /* 333.3 ms, rounded up: never faster than the ceiling */
                {0.5, 0, 10, 1000, 3000},         /* fractions of one a second */
                {0, 1000000, 250000, 1000, 1250}, /* 1 MB/s: 250 kB take 250 ms */
                {0, 1000000, 1, 1000, 1001},      /* the least wait: 1 ms */
                {0, 1000000, 0, 1000, 1000},
                {10, 1000000, 50000, 0, 100},        /* both: the longer wait, here the batches' */
                {10, 1000000, 500000, 0, 500},       /* here the bytes' */
                {0, 1, SIZE_MAX, 0, UINT64_MAX / 2}, /* no overflow */
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                struct push_pace pace = {cases[i].batches, cases[i].bytes};
                uint64_t next = push_pace_next_ms(&pace, cases[i].started, cases[i].len);
                if (next != cases[i].next)
                        fail_msg("%g batches/s, %llu bytes/s, %zu bytes at %llu: next at %llu, expected %llu",
                                 cases[i].batches, (unsigned long long) cases[i].bytes, cases[i].len,
                                 (unsigned long long) cases[i].started, (unsigned long long) next,
                                 (unsigned long long) cases[i].next);
        }
}

/* A backlog of 200 batches replayed as the sender does, each send taking
 * 3 ms: in any second, at most the ceiling's batches (and one more, the
 * window's first), and the ceiling reached (the replay is not slower). */
static void test_pace_replay(_unused_ void **state) {
        const struct push_pace pace = {4, 0};
        uint64_t starts[200], now = 1000000, next = 0;
        for (size_t i = 0; i < ELEMENTSOF(starts); i++) {
                if (now < next)
                        now = next; /* the sender waits for the pace */
                starts[i] = now;
                next = push_pace_next_ms(&pace, now, 5000);
                now += 3;
        }
        for (size_t i = 0; i < ELEMENTSOF(starts); i++) {
                size_t in_window = 0;
                for (size_t j = i; j < ELEMENTSOF(starts) && starts[j] < starts[i] + 1000; j++)
                        in_window++;
                assert_true(in_window <= 4);
        }
        uint64_t took = starts[ELEMENTSOF(starts) - 1] - starts[0];
        assert_int_equal(took, 199 * 250);
}

static void test_backoff(_unused_ void **state) {
        unsigned seed = 1;
        uint64_t backoff = 0, expected = PUSH_BACKOFF_MIN_MS;
        for (int i = 0; i < 20; i++) {
                uint64_t wait = push_backoff_ms(&backoff, &seed);
                assert_int_equal(backoff, expected);
                if (wait < expected * 8 / 10 || wait > expected * 12 / 10)
                        fail_msg("failure %d: waits %llu ms, not within 20%% of %llu", i, (unsigned long long) wait,
                                 (unsigned long long) expected);
                expected = expected * 2 > PUSH_BACKOFF_MAX_MS ? PUSH_BACKOFF_MAX_MS : expected * 2;
        }
        /* a fleet that failed at the same moment: 200 agents, each its own
         * seed, spread their retries over the jitter's whole width */
        uint64_t lo = UINT64_MAX, hi = 0;
        for (unsigned agent = 0; agent < 200; agent++) {
                unsigned s = agent * 2654435761u;
                uint64_t b = PUSH_BACKOFF_MAX_MS, wait = push_backoff_ms(&b, &s);
                lo = wait < lo ? wait : lo;
                hi = wait > hi ? wait : hi;
        }
        assert_true(lo < PUSH_BACKOFF_MAX_MS * 82 / 100);
        assert_true(hi > PUSH_BACKOFF_MAX_MS * 118 / 100);
}

/* push_check of one target with extra lines; the diag, or "" when accepted. */
static void check_target(const char *lines, char *msg, size_t size) {
        char conf[] = "/tmp/vigie-test-conf-XXXXXX";
        int fd = mkstemp(conf);
        assert_true(fd >= 0);
        FILE *f = fdopen(fd, "w");
        fprintf(f, "[push.target.t]\nurl = http://127.0.0.1:1/api/v1/write\n%s", lines);
        fclose(f);
        struct config cfg;
        struct diag diag = {0};
        assert_int_equal(config_init_defaults(&cfg), 0);
        assert_int_equal(config_load(&cfg, conf, &diag), 0);
        msg[0] = '\0';
        if (push_check(&cfg, &diag) < 0) {
                const char *m = strstr(diag.msg, "[push.target.t]");
                (void) snprintf(msg, size, "%s", m ? m : diag.msg);
        }
        config_free(&cfg);
        unlink(conf);
}

static void test_pace_settings(_unused_ void **state) {
        static const struct {
                const char *lines, *msg;
        } cases[] = {
                {"max_batches_per_second = 2\nmax_bytes_per_second = 1MiB\n", ""},
                {"max_batches_per_second = 0\nmax_bytes_per_second = 0\n", ""},
                {"max_batches_per_second = 0.1\ninterval = 10s\n", ""},
                {"max_batches_per_second = 0.05\ninterval = 10s\n",
                 "[push.target.t] max_batches_per_second: 0.05 batches a second is less than one an interval "
                 "(10000 ms): the queue would grow without end (0: no ceiling)"},
                {"max_batches_per_second = -1\n",
                 "[push.target.t] max_batches_per_second: '-1' is not a number from 0 to 100000"},
                {"max_batches_per_second = fast\n",
                 "[push.target.t] max_batches_per_second: 'fast' is not a number from 0 to 100000"},
                {"max_bytes_per_second = 1 MiB\n",
                 "[push.target.t] max_bytes_per_second: '1 MiB' is not a size from 0 to 18446744073709551615 bytes "
                 "(e.g. 1MiB, 500k)"},
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                char msg[512];
                check_target(cases[i].lines, msg, sizeof(msg));
                assert_string_equal(msg, cases[i].msg);
        }
}

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
        char secret[] = "/tmp/vigie-test-secret-XXXXXX";
        int fd = mkstemp(secret);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, content, len), (ssize_t) len);
        assert_int_equal(fchmod(fd, mode), 0);
        close(fd);
        char lines[128], diag[512];
        (void) snprintf(lines, sizeof(lines), "bearer_token_file = %s\n", secret);
        check_target(lines, diag, sizeof(diag));
        msg[0] = '\0';
        if (diag[0]) {
                const char *m = strstr(diag, secret);
                assert_non_null(m);
                (void) snprintf(msg, size, "%s", m + strlen(secret));
        }
        unlink(secret);
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
                cmocka_unit_test(test_verdict_delivered), cmocka_unit_test(test_verdict_retry),
                cmocka_unit_test(test_verdict_follow),    cmocka_unit_test(test_verdict_misconfigured),
                cmocka_unit_test(test_verdict_drop),      cmocka_unit_test(test_url_redact),
                cmocka_unit_test(test_url_same_origin),   cmocka_unit_test(test_secret_files),
                cmocka_unit_test(test_pace_next),         cmocka_unit_test(test_pace_replay),
                cmocka_unit_test(test_backoff),           cmocka_unit_test(test_pace_settings),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
