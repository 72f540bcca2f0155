/* FNV-1a, the hash of the agent's open-addressing tables: small, no
 * setup, and good enough for names that come from files (a table that an
 * adversary could fill is bounded by the file's size anyway). */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define HASH_FNV1A_INIT UINT64_C(14695981039346656037)

/* Continues h over n bytes of p; start from HASH_FNV1A_INIT. */
static inline uint64_t hash_fnv1a(uint64_t h, const void *p, size_t n) {
        const unsigned char *s = p;
        for (size_t i = 0; i < n; i++)
                h = (h ^ s[i]) * UINT64_C(1099511628211);
        return h;
}
