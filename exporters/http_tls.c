/* TLS credentials and client certificate checks (http_tls.h). Each load
 * makes a generation: the certificate chain, the key and the client CA
 * list; a handshake takes the newest. GnuTLS does not copy what the
 * callback returns, so a replaced generation is kept until the server
 * stops (one per reload that changed something: a few KB).
 * Session tickets let a client that reconnects resume without a full
 * handshake; their key lives only in memory, and a new one is made every
 * TICKET_KEY_LIFETIME and at every reload, so that a stolen key opens
 * little, and a client CA taken out by a reload admits no old ticket. */
#include "http_tls.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gnutls/x509.h>

#include "clock.h"
#include "macro.h"

#define CHAIN_MAX 16
#define TICKET_KEY_LIFETIME_NS (3600 * UINT64_C(1000000000))

struct tls_gen {
        struct tls_gen *older;
        gnutls_pcert_st pcerts[CHAIN_MAX];
        unsigned n_pcerts;
        gnutls_privkey_t key;
        gnutls_x509_trust_list_t trust; /* NULL without client_ca_file */
        enum web_client_auth client_auth;
};

struct http_tls {
        pthread_mutex_t lock;
        struct tls_gen *gen; /* the newest; older ones hang from it */
        char priorities[160];
        gnutls_datum_t ticket_key; /* under lock; GnuTLS copies it into each session */
        uint64_t ticket_key_born;  /* CLOCK_BOOTTIME ns: a suspended VM's time counts */
};

static pthread_mutex_t active_lock = PTHREAD_MUTEX_INITIALIZER;
static struct http_tls *active;

static void gen_free(struct tls_gen *g) {
        while (g) {
                struct tls_gen *older = g->older;
                for (unsigned i = 0; i < g->n_pcerts; i++)
                        gnutls_pcert_deinit(&g->pcerts[i]);
                if (g->key)
                        gnutls_privkey_deinit(g->key);
                if (g->trust)
                        gnutls_x509_trust_list_deinit(g->trust, 1);
                free(g);
                g = older;
        }
}

static int file_error(struct diag *diag, const struct web_config *wc, unsigned line, const char *key, const char *file,
                      const char *what) {
        return diag_at(diag, wc->path, line, "tls_server_config.%s: '%s': %s", key, file, what);
}

static int load_key(struct tls_gen *g, const struct web_config *wc, struct diag *diag) {
        gnutls_datum_t data = {0};
        int r = gnutls_load_file(wc->key_file, &data);
        if (r < 0)
                return file_error(diag, wc, wc->key_line, "key_file", wc->key_file, "cannot read it");
        if (gnutls_privkey_init(&g->key) < 0) {
                gnutls_free(data.data);
                return -ENOMEM;
        }
        r = gnutls_privkey_import_x509_raw(g->key, &data, GNUTLS_X509_FMT_PEM, NULL, 0);
        explicit_bzero(data.data, data.size);
        gnutls_free(data.data);
        if (r < 0)
                return file_error(diag, wc, wc->key_line, "key_file", wc->key_file,
                                  "not a PEM private key without a passphrase");
        /* a key that is not the certificate's would fail every handshake */
        gnutls_pubkey_t pub;
        if (gnutls_pubkey_init(&pub) < 0)
                return -ENOMEM;
        uint8_t id_key[64], id_cert[64];
        size_t n_key = sizeof(id_key), n_cert = sizeof(id_cert);
        bool same = gnutls_pubkey_import_privkey(pub, g->key, 0, 0) >= 0 &&
                    gnutls_pubkey_get_key_id(pub, 0, id_key, &n_key) >= 0 &&
                    gnutls_pubkey_get_key_id(g->pcerts[0].pubkey, 0, id_cert, &n_cert) >= 0 && n_key == n_cert &&
                    memcmp(id_key, id_cert, n_key) == 0;
        gnutls_pubkey_deinit(pub);
        if (!same)
                return file_error(diag, wc, wc->key_line, "key_file", wc->key_file,
                                  "not the key of the certificate in cert_file");
        return 0;
}

static int gen_load(const struct web_config *wc, struct tls_gen **ret, struct diag *diag) {
        struct tls_gen *g = calloc(1, sizeof(*g));
        if (!g)
                return -ENOMEM;
        g->client_auth = wc->client_auth;
        g->n_pcerts = CHAIN_MAX;
        int r = gnutls_pcert_list_import_x509_file(g->pcerts, &g->n_pcerts, wc->cert_file, GNUTLS_X509_FMT_PEM, NULL,
                                                   NULL, GNUTLS_X509_CRT_LIST_SORT);
        if (r < 0 || g->n_pcerts == 0) {
                g->n_pcerts = 0;
                r = file_error(diag, wc, wc->cert_line, "cert_file", wc->cert_file,
                               r == GNUTLS_E_FILE_ERROR ? "cannot read it"
                                                        : "no PEM certificate chain (of 16 at most) in it");
        } else
                r = load_key(g, wc, diag);
        if (r >= 0 && wc->client_ca_file) {
                if (gnutls_x509_trust_list_init(&g->trust, 0) < 0)
                        r = -ENOMEM;
                else if (gnutls_x509_trust_list_add_trust_file(g->trust, wc->client_ca_file, NULL, GNUTLS_X509_FMT_PEM,
                                                               0, 0) <= 0)
                        r = file_error(diag, wc, wc->client_ca_line, "client_ca_file", wc->client_ca_file,
                                       "cannot read it, or no PEM certificate in it");
        }
        if (r < 0) {
                gen_free(g);
                return r;
        }
        *ret = g;
        return 0;
}

static void ticket_key_free(gnutls_datum_t *key) {
        if (!key->data)
                return;
        explicit_bzero(key->data, key->size);
        gnutls_free(key->data);
        *key = (gnutls_datum_t){0};
}

/* Under t->lock (or before t is shared). On failure the old key stays. */
static int ticket_key_rotate(struct http_tls *t, uint64_t now) {
        gnutls_datum_t key;
        if (gnutls_session_ticket_key_generate(&key) < 0)
                return -ENOMEM;
        ticket_key_free(&t->ticket_key);
        t->ticket_key = key;
        t->ticket_key_born = now;
        return 0;
}

/* NORMAL less the RSA key exchange: forward secrecy throughout */
static void priorities_of(const struct web_config *wc, char *out, size_t size) {
        bool tls12 = wc->min_version <= WEB_TLS12, tls13 = wc->max_version == 0 || wc->max_version >= WEB_TLS13;
        (void) snprintf(out, size, "NORMAL:-RSA:-VERS-ALL%s%s%s", tls12 ? ":+VERS-TLS1.2" : "",
                        tls13 ? ":+VERS-TLS1.3" : "", wc->prefer_server_cipher_suites ? ":%SERVER_PRECEDENCE" : "");
}

int http_tls_new(const struct web_config *wc, struct http_tls **ret, struct diag *diag) {
        struct http_tls *t = calloc(1, sizeof(*t));
        if (!t)
                return -ENOMEM;
        int r = gen_load(wc, &t->gen, diag);
        if (r >= 0 && (r = ticket_key_rotate(t, clock_ns(CLOCK_BOOTTIME))) < 0)
                gen_free(t->gen);
        if (r < 0) {
                free(t);
                return r;
        }
        (void) pthread_mutex_init(&t->lock, NULL);
        priorities_of(wc, t->priorities, sizeof(t->priorities));
        *ret = t;
        return 0;
}

int http_tls_reload(struct http_tls *t, const struct web_config *wc, struct diag *diag) {
        struct tls_gen *g;
        int r = gen_load(wc, &g, diag);
        if (r < 0)
                return r;
        (void) pthread_mutex_lock(&t->lock);
        g->older = t->gen;
        t->gen = g;
        /* a failure keeps the old key, which the schedule replaces */
        (void) ticket_key_rotate(t, clock_ns(CLOCK_BOOTTIME));
        (void) pthread_mutex_unlock(&t->lock);
        char p[sizeof(t->priorities)];
        priorities_of(wc, p, sizeof(p));
        return strcmp(p, t->priorities) != 0;
}

_cold_ void http_tls_free(struct http_tls *t) {
        if (!t)
                return;
        (void) pthread_mutex_lock(&active_lock);
        if (active == t)
                active = NULL;
        (void) pthread_mutex_unlock(&active_lock);
        gen_free(t->gen);
        ticket_key_free(&t->ticket_key);
        (void) pthread_mutex_destroy(&t->lock);
        free(t);
}

const char *http_tls_priorities(const struct http_tls *t) {
        return t->priorities;
}

int http_tls_session_start(struct http_tls *t, gnutls_session_t session, uint64_t now) {
        (void) pthread_mutex_lock(&t->lock);
        if (now >= t->ticket_key_born + TICKET_KEY_LIFETIME_NS)
                (void) ticket_key_rotate(t, now); /* on failure, tried again at the next connection */
        int r = gnutls_session_ticket_enable_server(session, &t->ticket_key);
        (void) pthread_mutex_unlock(&t->lock);
        /* the lifetime a ticket announces: none outlives its key by much */
        gnutls_db_set_cache_expiration(session, (int) (TICKET_KEY_LIFETIME_NS / 1000000000u));
        return r < 0 ? -EINVAL : 0;
}

void http_tls_activate(struct http_tls *t) {
        (void) pthread_mutex_lock(&active_lock);
        active = t;
        (void) pthread_mutex_unlock(&active_lock);
}

static struct tls_gen *current_gen(void) {
        struct tls_gen *g = NULL;
        (void) pthread_mutex_lock(&active_lock);
        if (active) {
                (void) pthread_mutex_lock(&active->lock);
                g = active->gen;
                (void) pthread_mutex_unlock(&active->lock);
        }
        (void) pthread_mutex_unlock(&active_lock);
        return g;
}

/* Go's client_auth_type in GnuTLS: a handshake whose certificate the
 * type requires and lacks, or that does not verify against the client CA
 * for a client (its extended key usage), fails. */
static int verify_client(gnutls_session_t session) {
        struct tls_gen *g = current_gen();
        if (!g)
                return -1;
        unsigned n = 0;
        const gnutls_datum_t *peers = gnutls_certificate_get_peers(session, &n);
        bool required =
                g->client_auth == WEB_CLIENT_AUTH_REQUIRE_ANY || g->client_auth == WEB_CLIENT_AUTH_REQUIRE_VERIFY;
        if (!peers || n == 0)
                return required ? -1 : 0;
        if (g->client_auth != WEB_CLIENT_AUTH_VERIFY_IF_GIVEN && g->client_auth != WEB_CLIENT_AUTH_REQUIRE_VERIFY)
                return 0;
        if (!g->trust)
                return -1;
        gnutls_x509_crt_t chain[CHAIN_MAX];
        unsigned k = 0;
        int r = 0;
        for (; k < n && k < CHAIN_MAX; k++)
                if (gnutls_x509_crt_init(&chain[k]) < 0 ||
                    gnutls_x509_crt_import(chain[k], &peers[k], GNUTLS_X509_FMT_DER) < 0) {
                        r = -1;
                        k++;
                        break;
                }
        unsigned status = 1;
        gnutls_typed_vdata_st purpose = {GNUTLS_DT_KEY_PURPOSE_OID, (unsigned char *) GNUTLS_KP_TLS_WWW_CLIENT, 0};
        if (r == 0 && gnutls_x509_trust_list_verify_crt2(g->trust, chain, k, &purpose, 1, 0, &status, NULL) < 0)
                r = -1;
        for (unsigned i = 0; i < k; i++)
                gnutls_x509_crt_deinit(chain[i]);
        return r == 0 && status == 0 ? 0 : -1;
}

int http_tls_retrieve(gnutls_session_t session, _unused_ const gnutls_datum_t *req_ca_dn, _unused_ int nreqs,
                      _unused_ const gnutls_pk_algorithm_t *pk_algos, _unused_ int pk_algos_length,
                      gnutls_pcert_st **pcert, unsigned int *pcert_length, gnutls_privkey_t *pkey) {
        struct tls_gen *g = current_gen();
        if (!g)
                return -1;
        switch (g->client_auth) {
        case WEB_CLIENT_AUTH_NONE: break;
        case WEB_CLIENT_AUTH_REQUEST:
        case WEB_CLIENT_AUTH_VERIFY_IF_GIVEN:
                gnutls_certificate_server_set_request(session, GNUTLS_CERT_REQUEST);
                gnutls_session_set_verify_function(session, verify_client);
                break;
        case WEB_CLIENT_AUTH_REQUIRE_ANY:
        case WEB_CLIENT_AUTH_REQUIRE_VERIFY:
                gnutls_certificate_server_set_request(session, GNUTLS_CERT_REQUIRE);
                gnutls_session_set_verify_function(session, verify_client);
                break;
        }
        *pcert = g->pcerts;
        *pcert_length = g->n_pcerts;
        *pkey = g->key;
        return 0;
}
