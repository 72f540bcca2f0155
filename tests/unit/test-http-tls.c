/* Session resumption (http_tls.c): handshakes in memory, a GnuTLS client
 * against a server session set up as http_server.c does (the certificate
 * callback, the priorities, http_tls_session_start), over a socketpair.
 * A reconnect offering the last session resumes it, with TLS 1.2 and 1.3,
 * while the ticket key is younger than its hour; past it, and after a
 * reload, a new key refuses the old tickets. */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>
#include <gnutls/x509.h>

#include "clock.h"
#include "http_tls.h"

#define HOUR_NS (3600 * UINT64_C(1000000000))

static char dir[] = "/tmp/vigie-test-tls.XXXXXX";
static char cert_path[64], key_path[64];

static void write_pem(const char *path, const gnutls_datum_t *d) {
        FILE *f = fopen(path, "w");
        assert_non_null(f);
        assert_int_equal(fwrite(d->data, 1, d->size, f), d->size);
        assert_int_equal(fclose(f), 0);
}

/* A self-signed ECDSA P-256 certificate and its key, in dir. */
static int make_cert(void **state) {
        (void) state;
        assert_non_null(mkdtemp(dir));
        (void) snprintf(cert_path, sizeof(cert_path), "%s/cert.pem", dir);
        (void) snprintf(key_path, sizeof(key_path), "%s/key.pem", dir);
        gnutls_x509_privkey_t key;
        gnutls_x509_crt_t crt;
        assert_int_equal(gnutls_x509_privkey_init(&key), 0);
        assert_int_equal(
                gnutls_x509_privkey_generate(key, GNUTLS_PK_ECDSA, GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0),
                0);
        assert_int_equal(gnutls_x509_crt_init(&crt), 0);
        unsigned char serial = 1;
        time_t now = time(NULL);
        assert_int_equal(gnutls_x509_crt_set_version(crt, 3), 0);
        assert_int_equal(gnutls_x509_crt_set_serial(crt, &serial, 1), 0);
        assert_int_equal(gnutls_x509_crt_set_activation_time(crt, now - 60), 0);
        assert_int_equal(gnutls_x509_crt_set_expiration_time(crt, now + 86400), 0);
        assert_int_equal(gnutls_x509_crt_set_dn(crt, "CN=vigie test", NULL), 0);
        assert_int_equal(gnutls_x509_crt_set_key(crt, key), 0);
        assert_int_equal(gnutls_x509_crt_sign2(crt, crt, key, GNUTLS_DIG_SHA256, 0), 0);
        gnutls_datum_t d;
        assert_int_equal(gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_PEM, &d), 0);
        write_pem(cert_path, &d);
        gnutls_free(d.data);
        assert_int_equal(gnutls_x509_privkey_export2(key, GNUTLS_X509_FMT_PEM, &d), 0);
        write_pem(key_path, &d);
        gnutls_free(d.data);
        gnutls_x509_crt_deinit(crt);
        gnutls_x509_privkey_deinit(key);
        return 0;
}

static int remove_cert(void **state) {
        (void) state;
        (void) unlink(cert_path);
        (void) unlink(key_path);
        (void) rmdir(dir);
        return 0;
}

struct server {
        struct http_tls *tls;
        gnutls_certificate_credentials_t cred;
        gnutls_session_t session;
        int fd;
        uint64_t now;
        int result;
};

/* The server's side of one connection: handshake, one record (after
 * which a TLS 1.3 client has its ticket), then the close. */
static void *serve(void *userdata) {
        struct server *s = userdata;
        int r = gnutls_handshake(s->session);
        while (r < 0 && !gnutls_error_is_fatal(r))
                r = gnutls_handshake(s->session);
        if (r >= 0)
                r = (int) gnutls_record_send(s->session, "ok", 2);
        if (r >= 0)
                r = gnutls_bye(s->session, GNUTLS_SHUT_WR);
        s->result = r;
        return NULL;
}

/* One connection: the client offers *session (if any) and leaves the
 * new one in it. Returns whether the server resumed. */
static bool connect_once(struct http_tls *t, uint64_t now, const char *versions, gnutls_datum_t *session) {
        int sv[2];
        assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
        struct server s = {.tls = t, .fd = sv[0], .now = now};
        assert_int_equal(gnutls_certificate_allocate_credentials(&s.cred), 0);
        gnutls_certificate_set_retrieve_function2(s.cred, http_tls_retrieve);
        assert_int_equal(gnutls_init(&s.session, GNUTLS_SERVER), 0);
        assert_int_equal(gnutls_priority_set_direct(s.session, http_tls_priorities(t), NULL), 0);
        assert_int_equal(gnutls_credentials_set(s.session, GNUTLS_CRD_CERTIFICATE, s.cred), 0);
        gnutls_transport_set_int(s.session, sv[0]);
        assert_int_equal(http_tls_session_start(t, s.session, now), 0);

        gnutls_certificate_credentials_t cred;
        gnutls_session_t c;
        assert_int_equal(gnutls_certificate_allocate_credentials(&cred), 0);
        assert_int_equal(gnutls_init(&c, GNUTLS_CLIENT), 0);
        assert_int_equal(gnutls_priority_set_direct(c, versions, NULL), 0);
        assert_int_equal(gnutls_credentials_set(c, GNUTLS_CRD_CERTIFICATE, cred), 0);
        gnutls_transport_set_int(c, sv[1]);
        if (session->data)
                assert_int_equal(gnutls_session_set_data(c, session->data, session->size), 0);

        pthread_t thread;
        assert_int_equal(pthread_create(&thread, NULL, serve, &s), 0);
        int r = gnutls_handshake(c);
        while (r < 0 && !gnutls_error_is_fatal(r))
                r = gnutls_handshake(c);
        assert_int_equal(r, 0);
        char buf[16];
        ssize_t n;
        do
                n = gnutls_record_recv(c, buf, sizeof(buf));
        while (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED);
        assert_int_equal(n, 2);
        bool resumed = gnutls_session_is_resumed(c) != 0;
        gnutls_free(session->data);
        assert_int_equal(gnutls_session_get_data2(c, session), 0);
        assert_int_equal(pthread_join(thread, NULL), 0);
        assert_true(s.result >= 0);

        gnutls_deinit(c);
        gnutls_certificate_free_credentials(cred);
        gnutls_deinit(s.session);
        gnutls_certificate_free_credentials(s.cred);
        (void) close(sv[0]);
        (void) close(sv[1]);
        return resumed;
}

static struct http_tls *server_new(struct web_config *wc) {
        *wc = (struct web_config){.path = "web.yml", .cert_file = cert_path, .key_file = key_path};
        struct http_tls *t = NULL;
        struct diag diag = {0};
        assert_int_equal(http_tls_new(wc, &t, &diag), 0);
        http_tls_activate(t);
        return t;
}

static void check_resumption(const char *versions) {
        const uint64_t s = UINT64_C(1000000000);
        struct web_config wc;
        struct http_tls *t = server_new(&wc);
        uint64_t t0 = clock_ns(CLOCK_BOOTTIME);
        gnutls_datum_t session = {0};
        assert_false(connect_once(t, t0, versions, &session));
        assert_true(connect_once(t, t0, versions, &session));
        /* a reload makes a new key: the old tickets no longer open */
        struct diag diag = {0};
        assert_int_equal(http_tls_reload(t, &wc, &diag), 0);
        assert_false(connect_once(t, t0 + 1 * s, versions, &session));
        assert_true(connect_once(t, t0 + 2 * s, versions, &session));
        /* the key is kept for its hour, then replaced */
        assert_true(connect_once(t, t0 + HOUR_NS - 60 * s, versions, &session));
        assert_false(connect_once(t, t0 + HOUR_NS + 3 * s, versions, &session));
        assert_true(connect_once(t, t0 + HOUR_NS + 4 * s, versions, &session));
        gnutls_free(session.data);
        http_tls_free(t);
}

static void test_resumption_tls12(void **state) {
        (void) state;
        check_resumption("NORMAL:-VERS-ALL:+VERS-TLS1.2");
}

static void test_resumption_tls13(void **state) {
        (void) state;
        check_resumption("NORMAL:-VERS-ALL:+VERS-TLS1.3");
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_resumption_tls12),
                cmocka_unit_test(test_resumption_tls13),
        };
        return cmocka_run_group_tests(tests, make_cert, remove_cert);
}
