/* Hexadecimal kernel numbers (softnet_stat, nf_conntrack's stat, the
 * socket tables), strictly as parse.h reads decimal ones. */
#pragma once

#include <errno.h>
#include <stdint.h>

#include "parse.h"

/* 1 to 16 hex digits, no prefix, no sign. */
static inline int parse_hex_u64(const char *s, size_t n, uint64_t *ret) {
        if (n == 0 || n > 16)
                return -EINVAL;
        uint64_t v = 0;
        for (size_t i = 0; i < n; i++) {
                char c = s[i];
                unsigned d = c >= '0' && c <= '9'   ? (unsigned) (c - '0')
                             : c >= 'a' && c <= 'f' ? (unsigned) (c - 'a' + 10)
                             : c >= 'A' && c <= 'F' ? (unsigned) (c - 'A' + 10)
                                                    : 16;
                if (d == 16)
                        return -EINVAL;
                v = v << 4 | d;
        }
        *ret = v;
        return 0;
}

static inline int parse_hex_u64_field(struct field f, uint64_t *ret) {
        return parse_hex_u64(f.s, f.n, ret);
}
