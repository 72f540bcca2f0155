/* libcurl and libsnappy, loaded when a push target is configured (libcurl
 * alone when an http or https probe is): linked
 * in, they cost every server about 4 MiB of resident memory (libcurl's
 * Kerberos, LDAP, SSH and OpenSSL dependencies, snappy's libstdc++), push
 * or not. Loaded once and kept (dlclose would only allocate more at exit;
 * tests/integration/valgrind.supp names what the loader keeps). */
#pragma once

#include <curl/curl.h>
#include <snappy-c.h>
#include <stddef.h>

struct push_libs {
        snappy_status (*snappy_compress)(const char *in, size_t len, char *out, size_t *out_len);
        snappy_status (*snappy_uncompress)(const char *in, size_t len, char *out, size_t *out_len);
        size_t (*snappy_max_compressed_length)(size_t len);
        snappy_status (*snappy_uncompressed_length)(const char *in, size_t len, size_t *result);

        CURLcode (*global_init)(long flags);
        void (*global_cleanup)(void);
        CURL *(*easy_init)(void);
        void (*easy_cleanup)(CURL *curl);
        void (*easy_reset)(CURL *curl);
        CURLcode (*easy_setopt)(CURL *curl, CURLoption option, ...);
        CURLcode (*easy_perform)(CURL *curl);
        CURLcode (*easy_getinfo)(CURL *curl, CURLINFO info, ...);
        const char *(*easy_strerror)(CURLcode code);
        struct curl_slist *(*slist_append)(struct curl_slist *list, const char *s);
        void (*slist_free_all)(struct curl_slist *list);
};

/* The libraries, loaded on first call. NULL if one is missing; then err
 * (size bytes) says which and how to get it. */
const struct push_libs *push_libs_get(char *err, size_t size);
/* libcurl alone, for the probes: the same struct, its snappy_* NULL unless
 * push_libs_get loaded them. */
const struct push_libs *push_libs_curl(char *err, size_t size);
