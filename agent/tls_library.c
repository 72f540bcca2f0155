/* libmicrohttpd is linked with GnuTLS and calls gnutls_global_init() from
 * its library constructor, and GnuTLS initialises itself from its own:
 * about 0.8 MiB of resident memory (its code, libtasn1's ASN.1 trees,
 * p11-kit, nettle's tables) in every agent, for TLS that most servers
 * never turn on. This file, linked into the executable, takes both back:
 * GNUTLS_SKIP_GLOBAL_INIT (GnuTLS's documented switch) stops its implicit
 * initialisation, and the executable's gnutls_global_init, which the
 * dynamic linker binds libmicrohttpd's call to before GnuTLS's own, drops
 * the calls made while the libraries' constructors run. Any later call
 * (tls_library_start, libcurl's curl_global_init) reaches GnuTLS. */
#include "tls_library.h"

#include <dlfcn.h>
#include <gnutls/gnutls.h>
#include <pthread.h>
#include <stdbool.h>

#define TLS_LIBRARY_EXPORT __attribute__((visibility("default")))

/* cleared by the executable's constructor, which runs after those of
 * every library it links */
static bool in_library_constructors = true;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned forwarded; /* initialisations that reached GnuTLS, not yet undone */

__attribute__((constructor)) static void tls_library_constructors_done(void) {
        in_library_constructors = false;
}

TLS_LIBRARY_EXPORT int _gnutls_global_init_skip(void);
TLS_LIBRARY_EXPORT int _gnutls_global_init_skip(void) {
        return 1;
}

TLS_LIBRARY_EXPORT int gnutls_global_init(void) {
        if (in_library_constructors)
                return 0;
        int (*real)(void) = (int (*)(void)) dlsym(RTLD_NEXT, "gnutls_global_init");
        if (!real)
                return GNUTLS_E_INTERNAL_ERROR;
        (void) pthread_mutex_lock(&lock);
        int r = real();
        if (r >= 0)
                forwarded++;
        (void) pthread_mutex_unlock(&lock);
        return r;
}

/* libmicrohttpd's destructor undoes the initialisation dropped above:
 * GnuTLS sees only the deinitialisations of what reached it. */
TLS_LIBRARY_EXPORT void gnutls_global_deinit(void) {
        void (*real)(void) = (void (*)(void)) dlsym(RTLD_NEXT, "gnutls_global_deinit");
        (void) pthread_mutex_lock(&lock);
        if (forwarded > 0 && real) {
                forwarded--;
                real();
        }
        (void) pthread_mutex_unlock(&lock);
}

static pthread_once_t once = PTHREAD_ONCE_INIT;
static int start_result;

static void start(void) {
        start_result = gnutls_global_init();
}

int tls_library_start(void) {
        (void) pthread_once(&once, start);
        return start_result;
}
