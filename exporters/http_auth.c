/* Basic auth (http_auth.h). The cache holds HMAC-SHA256 digests of
 * user, password and hash under a key drawn at start: never a password,
 * and nothing a memory dump could test passwords against faster than the
 * bcrypt hashes themselves. */
#include "http_auth.h"

#include <errno.h>
#include <gnutls/crypto.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "macro.h"
#include "web_libs.h"

#define AUTH_CACHE 16 /* Prometheus servers and their users: a few */
#define DIGEST 32

struct http_auth {
        struct web_user *users;
        size_t n_users;
        const char *dummy; /* the costliest user's hash: what an unknown user is checked against */
        uint8_t key[32];

        pthread_mutex_t lock;
        uint8_t cache[AUTH_CACHE][DIGEST];
        bool cached[AUTH_CACHE];
        size_t next; /* the slot taken next, round robin */
        unsigned long long runs;
};

static unsigned bcrypt_cost(const char *hash) {
        return (unsigned) (hash[4] - '0') * 10 + (unsigned) (hash[5] - '0');
}

void http_auth_free(struct http_auth *a) {
        if (!a)
                return;
        for (size_t i = 0; i < a->n_users; i++) {
                free(a->users[i].name);
                explicit_bzero(a->users[i].hash, strlen(a->users[i].hash));
                free(a->users[i].hash);
        }
        free(a->users);
        (void) pthread_mutex_destroy(&a->lock);
        explicit_bzero(a, sizeof(*a));
        free(a);
}

int http_auth_new(const struct web_user *users, size_t n, struct http_auth **ret) {
        struct http_auth *a = calloc(1, sizeof(*a));
        if (!a || !(a->users = calloc(n ? n : 1, sizeof(*a->users)))) {
                free(a);
                return -ENOMEM;
        }
        (void) pthread_mutex_init(&a->lock, NULL);
        for (; a->n_users < n; a->n_users++) {
                struct web_user *u = &a->users[a->n_users];
                u->name = strdup(users[a->n_users].name);
                u->hash = strdup(users[a->n_users].hash);
                if (!u->name || !u->hash) {
                        free(u->name);
                        free(u->hash);
                        http_auth_free(a);
                        return -ENOMEM;
                }
                if (!a->dummy || bcrypt_cost(u->hash) > bcrypt_cost(a->dummy))
                        a->dummy = u->hash;
        }
        if (getrandom(a->key, sizeof(a->key), 0) != (ssize_t) sizeof(a->key)) {
                http_auth_free(a);
                return -EIO;
        }
        *ret = a;
        return 0;
}

/* Equal, in a time that depends on n alone. */
static bool same_bytes(const void *x, const void *y, size_t n) {
        const volatile uint8_t *p = x, *q = y;
        uint8_t d = 0;
        for (size_t i = 0; i < n; i++)
                d |= p[i] ^ q[i];
        return d == 0;
}

static bool bcrypt_matches(struct http_auth *a, const char *password, const char *hash) {
        /* loaded already: the users come from the web configuration */
        const struct web_libs *lib = web_libs_get(NULL, 0);
        struct crypt_data *cd = lib ? calloc(1, sizeof(*cd)) : NULL;
        if (!cd)
                return false;
        /* crypt_rn is crypt_r that says NULL rather than a failure token;
         * and ASan's crypt_r interceptor calls a NULL pointer when libcrypt
         * is libxcrypt (Debian's), so the sanitized build could not run it */
        const char *out = lib->crypt_rn(password, hash, cd, (int) sizeof(*cd));
        size_t n = strlen(hash);
        bool ok = out && strlen(out) == n && same_bytes(out, hash, n);
        explicit_bzero(cd, sizeof(*cd));
        free(cd);
        (void) pthread_mutex_lock(&a->lock);
        a->runs++;
        (void) pthread_mutex_unlock(&a->lock);
        return ok;
}

/* HMAC(key, user NUL password NUL hash) */
static int digest_of(struct http_auth *a, const char *user, const char *password, const char *hash,
                     uint8_t out[DIGEST]) {
        size_t lu = strlen(user), lp = strlen(password), lh = strlen(hash);
        size_t n = lu + lp + lh + 2;
        uint8_t *msg = malloc(n);
        if (!msg)
                return -ENOMEM;
        memcpy(msg, user, lu + 1);
        memcpy(msg + lu + 1, password, lp + 1);
        /* the message is bytes for the HMAC, not a C string: no NUL after the hash */
        memcpy(msg + lu + lp + 2, hash, lh); /* NOLINT(bugprone-not-null-terminated-result) */
        int r = gnutls_hmac_fast(GNUTLS_MAC_SHA256, a->key, sizeof(a->key), msg, n, out);
        explicit_bzero(msg, n);
        free(msg);
        return r < 0 ? -EIO : 0;
}

bool http_auth_check(struct http_auth *a, const char *user, const char *password) {
        const struct web_user *u = NULL;
        for (size_t i = 0; user && i < a->n_users; i++)
                if (strcmp(a->users[i].name, user) == 0)
                        u = &a->users[i];
        if (!u || !password) {
                /* the same work as a wrong password, and never a success */
                (void) bcrypt_matches(a, password ? password : "", a->dummy ? a->dummy : "$2y$10$");
                return false;
        }
        uint8_t d[DIGEST];
        bool have_digest = digest_of(a, user, password, u->hash, d) >= 0;
        if (have_digest) {
                bool hit = false;
                (void) pthread_mutex_lock(&a->lock);
                for (size_t i = 0; i < AUTH_CACHE; i++)
                        hit |= a->cached[i] && same_bytes(a->cache[i], d, DIGEST);
                (void) pthread_mutex_unlock(&a->lock);
                if (hit)
                        return true;
        }
        if (!bcrypt_matches(a, password, u->hash))
                return false;
        if (have_digest) {
                (void) pthread_mutex_lock(&a->lock);
                memcpy(a->cache[a->next], d, DIGEST);
                a->cached[a->next] = true;
                a->next = (a->next + 1) % AUTH_CACHE;
                (void) pthread_mutex_unlock(&a->lock);
        }
        return true;
}

unsigned long long http_auth_bcrypt_runs(struct http_auth *a) {
        (void) pthread_mutex_lock(&a->lock);
        unsigned long long n = a->runs;
        (void) pthread_mutex_unlock(&a->lock);
        return n;
}
