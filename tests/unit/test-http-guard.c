/* exporters/http_guard.c: who gets a connection (per client, the reserve,
 * full), and the deadlines that end a connection whatever it trickles. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "http_guard.h"
#include "macro.h"

#define SEC 1000000000ull

static struct sockaddr_storage addr_of(const char *ip) {
        struct sockaddr_storage ss = {0};
        if (strchr(ip, ':')) {
                struct sockaddr_in6 *a = (struct sockaddr_in6 *) &ss;
                a->sin6_family = AF_INET6;
                assert_int_equal(inet_pton(AF_INET6, ip, &a->sin6_addr), 1);
        } else {
                struct sockaddr_in *a = (struct sockaddr_in *) &ss;
                a->sin_family = AF_INET;
                assert_int_equal(inet_pton(AF_INET, ip, &a->sin_addr), 1);
        }
        return ss;
}

/* Admits and opens a connection from ip (no socket: fd -1). */
static struct http_guard_conn *open_from(struct http_guard *g, const char *ip, enum http_guard_verdict want) {
        struct sockaddr_storage ss = addr_of(ip);
        assert_int_equal(http_guard_admit(g, (struct sockaddr *) &ss), want);
        if (want != HTTP_GUARD_ADMIT)
                return NULL;
        struct http_guard_conn *c = http_guard_open(g, (struct sockaddr *) &ss, -1, 0);
        assert_non_null(c);
        return c;
}

static void test_reserved(_unused_ void **state) {
        static const struct {
                unsigned max, want;
        } cases[] = {{0, 0}, {1, 0}, {2, 1}, {8, 1}, {15, 1}, {16, 2}, {40, 5}, {10000, 1250}};
        for (size_t i = 0; i < ELEMENTSOF(cases); i++)
                assert_int_equal(http_guard_reserved(cases[i].max), cases[i].want);
}

static void test_per_client_limit(_unused_ void **state) {
        struct http_guard *g;
        struct http_guard_limits l = {.max = 40, .per_client = 3, .header_ns = SEC, .idle_ns = SEC};
        assert_int_equal(http_guard_new(&l, &g), 0);
        struct http_guard_conn *c[3];
        for (size_t i = 0; i < 3; i++)
                c[i] = open_from(g, "192.0.2.1", HTTP_GUARD_ADMIT);
        (void) open_from(g, "192.0.2.1", HTTP_GUARD_PER_CLIENT);
        /* the same client through a dual-stack socket */
        (void) open_from(g, "::ffff:192.0.2.1", HTTP_GUARD_PER_CLIENT);
        /* another client, and a port does not make a client */
        struct http_guard_conn *other = open_from(g, "192.0.2.2", HTTP_GUARD_ADMIT);
        struct http_guard_conn *v6 = open_from(g, "2001:db8::1", HTTP_GUARD_ADMIT);
        /* a closed connection gives its slot back */
        http_guard_close(c[0]);
        c[0] = open_from(g, "192.0.2.1", HTTP_GUARD_ADMIT);
        struct http_guard_stats st;
        http_guard_get_stats(g, &st);
        assert_int_equal(st.refused[HTTP_GUARD_PER_CLIENT], 2);
        assert_int_equal(st.refused[HTTP_GUARD_RESERVED] + st.refused[HTTP_GUARD_FULL], 0);
        assert_int_equal(st.open, 5);
        http_guard_close(other);
        http_guard_close(v6);
        for (size_t i = 0; i < 3; i++)
                http_guard_close(c[i]);
        http_guard_get_stats(g, &st);
        assert_int_equal(st.open, 0);
        http_guard_free(g);
}

/* Strangers fill every slot but the reserve: a client that holds none (a
 * scraper reconnecting) still gets in; once full, nobody does. */
static void test_reserve_and_full(_unused_ void **state) {
        struct http_guard *g;
        struct http_guard_limits l = {.max = 16, .per_client = 0, .header_ns = SEC, .idle_ns = SEC};
        assert_int_equal(http_guard_new(&l, &g), 0);
        for (size_t i = 0; i < 14; i++)
                (void) open_from(g, "192.0.2.1", HTTP_GUARD_ADMIT);
        (void) open_from(g, "192.0.2.1", HTTP_GUARD_RESERVED);
        (void) open_from(g, "192.0.2.9", HTTP_GUARD_ADMIT);    /* Prometheus */
        (void) open_from(g, "192.0.2.9", HTTP_GUARD_RESERVED); /* its second one */
        (void) open_from(g, "192.0.2.10", HTTP_GUARD_ADMIT);   /* the other of an HA pair */
        (void) open_from(g, "192.0.2.11", HTTP_GUARD_FULL);
        struct http_guard_stats st;
        http_guard_get_stats(g, &st);
        assert_int_equal(st.refused[HTTP_GUARD_RESERVED], 2);
        assert_int_equal(st.refused[HTTP_GUARD_FULL], 1);
        assert_int_equal(st.open, 16);
        http_guard_free(g); /* frees what is still open */
}

static bool peer_closed(int fd) {
        char c;
        return recv(fd, &c, 1, MSG_DONTWAIT) == 0;
}

/* The deadlines, on socket pairs: the server's end is shut down, the
 * client's end then reads EOF. */
static void test_deadlines(_unused_ void **state) {
        struct http_guard *g;
        struct http_guard_limits l = {.max = 0, .per_client = 0, .header_ns = 10 * SEC, .idle_ns = 90 * SEC};
        assert_int_equal(http_guard_new(&l, &g), 0);
        struct sockaddr_storage ss = addr_of("192.0.2.1");
        int slow[2], kept[2], idle[2];
        assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, slow), 0);
        assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, kept), 0);
        assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, idle), 0);
        uint64_t t = 1000 * SEC;
        /* accepted at t; its request line at t+9 does not extend the deadline */
        struct http_guard_conn *a = http_guard_open(g, (struct sockaddr *) &ss, slow[0], t);
        http_guard_request_line(a, t + 9 * SEC);
        /* a scrape answered for a minute has no deadline, then idles */
        struct http_guard_conn *b = http_guard_open(g, (struct sockaddr *) &ss, kept[0], t);
        http_guard_request_line(b, t + 1 * SEC);
        http_guard_serving(b);
        struct http_guard_conn *c = http_guard_open(g, (struct sockaddr *) &ss, idle[0], t);
        http_guard_request_line(c, t);
        http_guard_serving(c);
        http_guard_done(c, t + 1 * SEC);

        assert_int_equal(http_guard_expire(g, t + 10 * SEC - 1, NULL), 0);
        assert_int_equal(http_guard_expire(g, t + 10 * SEC, NULL), 1);
        assert_true(peer_closed(slow[1]));
        assert_false(peer_closed(kept[1]));
        assert_int_equal(http_guard_expire(g, t + 60 * SEC, NULL), 0); /* shut once, counted once */
        http_guard_done(b, t + 60 * SEC);
        /* the next request of a kept-alive connection gets a fresh deadline */
        http_guard_request_line(b, t + 100 * SEC);
        assert_int_equal(http_guard_expire(g, t + 91 * SEC, NULL), 1); /* c idled 90 s */
        assert_true(peer_closed(idle[1]));
        assert_int_equal(http_guard_expire(g, t + 110 * SEC - 1, NULL), 0);
        assert_int_equal(http_guard_expire(g, t + 110 * SEC, NULL), 1);
        assert_true(peer_closed(kept[1]));

        struct http_guard_stats st;
        http_guard_get_stats(g, &st);
        assert_int_equal(st.timed_out[HTTP_GUARD_TIMEOUT_HEADERS], 2);
        assert_int_equal(st.timed_out[HTTP_GUARD_TIMEOUT_IDLE], 1);
        http_guard_close(a);
        http_guard_close(b);
        http_guard_close(c);
        http_guard_close(NULL);
        http_guard_free(g);
        for (size_t i = 0; i < 2; i++) {
                (void) close(slow[i]);
                (void) close(kept[i]);
                (void) close(idle[i]);
        }
}

static unsigned wakes;
static void count_wake(_unused_ void *userdata) {
        wakes++;
}

/* Whoever expires deadlines hears of an earlier one and of nothing else,
 * and learns the next one from expire: no tick needed, none while idle. */
static void test_next_deadline_and_waker(_unused_ void **state) {
        struct http_guard *g;
        struct http_guard_limits l = {.header_ns = 10 * SEC, .idle_ns = 90 * SEC};
        assert_int_equal(http_guard_new(&l, &g), 0);
        http_guard_set_waker(g, count_wake, NULL);
        struct sockaddr_storage ss = addr_of("192.0.2.1");
        int p[2], q[2];
        assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, p), 0);
        assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, q), 0);
        uint64_t t = 1000 * SEC, next = 1;
        assert_int_equal(http_guard_expire(g, t, &next), 0);
        assert_true(next == 0); /* nothing open: sleep for good */
        wakes = 0;
        struct http_guard_conn *a = http_guard_open(g, (struct sockaddr *) &ss, p[0], t);
        assert_int_equal(wakes, 1); /* a first deadline */
        struct http_guard_conn *b = http_guard_open(g, (struct sockaddr *) &ss, q[0], t + SEC);
        assert_int_equal(wakes, 1); /* later than the one told */
        http_guard_serving(a);
        http_guard_serving(b);
        assert_int_equal(wakes, 1); /* no deadline while serving */
        assert_int_equal(http_guard_expire(g, t + 2 * SEC, &next), 0);
        assert_true(next == 0);
        http_guard_done(a, t + 3 * SEC);
        assert_int_equal(wakes, 2); /* an idle deadline after none */
        assert_int_equal(http_guard_expire(g, t + 4 * SEC, &next), 0);
        assert_true(next == t + 93 * SEC);
        assert_int_equal(http_guard_expire(g, t + 93 * SEC, &next), 1);
        assert_true(next == 0);
        http_guard_close(a);
        http_guard_close(b);
        http_guard_free(g);
        for (int i = 0; i < 2; i++) {
                (void) close(p[i]);
                (void) close(q[i]);
        }
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_reserved),
                cmocka_unit_test(test_per_client_limit),
                cmocka_unit_test(test_reserve_and_full),
                cmocka_unit_test(test_deadlines),
                cmocka_unit_test(test_next_deadline_and_waker),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
