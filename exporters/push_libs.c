/* dlopen of libcurl (GnuTLS flavour, the TLS library libmicrohttpd loads
 * already) and libsnappy, with the headers of their -dev packages. */
#include "push_libs.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

static struct push_libs libs;
static const struct push_libs *loaded, *curl_loaded;
static char load_error[256], curl_error[256];
static pthread_once_t once = PTHREAD_ONCE_INIT, curl_once = PTHREAD_ONCE_INIT;

static void *sym(void *h, const char *name, const char *lib, char *error) {
        void *p = h ? dlsym(h, name) : NULL;
        if (!p && error[0] == '\0')
                (void) snprintf(error, sizeof(load_error), "%s: %s", lib, dlerror());
        return p;
}

/* dlsym returns void *; a function pointer is assigned through it as POSIX allows */
#define LOAD(h, field, name, lib, error) *(void **) (&libs.field) = sym(h, name, lib, error)

/* libcurl alone: the probes need it without snappy's libstdc++ */
static void load_curl(void) {
        static const char curl_so[] = "libcurl-gnutls.so.4";
        void *c = dlopen(curl_so, RTLD_NOW | RTLD_LOCAL);
        if (!c) {
                (void) snprintf(curl_error, sizeof(curl_error), "%s (package libcurl3-gnutls): %s", curl_so, dlerror());
                return;
        }
        LOAD(c, global_init, "curl_global_init", curl_so, curl_error);
        LOAD(c, global_cleanup, "curl_global_cleanup", curl_so, curl_error);
        LOAD(c, easy_init, "curl_easy_init", curl_so, curl_error);
        LOAD(c, easy_cleanup, "curl_easy_cleanup", curl_so, curl_error);
        LOAD(c, easy_reset, "curl_easy_reset", curl_so, curl_error);
        LOAD(c, easy_setopt, "curl_easy_setopt", curl_so, curl_error);
        LOAD(c, easy_perform, "curl_easy_perform", curl_so, curl_error);
        LOAD(c, easy_getinfo, "curl_easy_getinfo", curl_so, curl_error);
        LOAD(c, easy_strerror, "curl_easy_strerror", curl_so, curl_error);
        LOAD(c, slist_append, "curl_slist_append", curl_so, curl_error);
        LOAD(c, slist_free_all, "curl_slist_free_all", curl_so, curl_error);
        if (curl_error[0] == '\0')
                curl_loaded = &libs;
}

static void load(void) {
        static const char snappy_so[] = "libsnappy.so.1";
        void *s = dlopen(snappy_so, RTLD_NOW | RTLD_LOCAL);
        if (!s)
                (void) snprintf(load_error, sizeof(load_error), "%s (package libsnappy1v5): %s", snappy_so, dlerror());
        (void) pthread_once(&curl_once, load_curl);
        if (!curl_loaded && load_error[0] == '\0')
                (void) snprintf(load_error, sizeof(load_error), "%s", curl_error);
        if (!s || !curl_loaded)
                return;
        LOAD(s, snappy_compress, "snappy_compress", snappy_so, load_error);
        LOAD(s, snappy_uncompress, "snappy_uncompress", snappy_so, load_error);
        LOAD(s, snappy_max_compressed_length, "snappy_max_compressed_length", snappy_so, load_error);
        LOAD(s, snappy_uncompressed_length, "snappy_uncompressed_length", snappy_so, load_error);
        if (load_error[0] == '\0')
                loaded = &libs;
}
#undef LOAD

const struct push_libs *push_libs_get(char *err, size_t size) {
        (void) pthread_once(&once, load);
        if (!loaded && err)
                (void) snprintf(err, size, "%s", load_error);
        return loaded;
}

const struct push_libs *push_libs_curl(char *err, size_t size) {
        (void) pthread_once(&curl_once, load_curl);
        if (!curl_loaded && err)
                (void) snprintf(err, size, "%s", curl_error);
        return curl_loaded;
}
