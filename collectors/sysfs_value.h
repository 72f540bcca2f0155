/* sysfs values as node_exporter 1.5 reads them through procfs: without
 * the blanks around them, and numbers as Go's strconv.ParseUint(s, 0, 64)
 * takes the kernel's (fc_host's hex statistics, InfiniBand's decimal
 * counters): "0x1f", a leading 0 for octal, or decimal digits. */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fileio.h"
#include "parse.h"
#include "parse_hex.h"

static inline bool sysfs_value_blank(char c) {
        return c == ' ' || c == '\t' || c == '\n';
}

/* s (n bytes) without its surrounding blanks, NUL-terminated in place;
 * *n becomes its length. */
static inline char *sysfs_value_trim(char *s, size_t *n) {
        while (*n > 0 && sysfs_value_blank(*s))
                s++, (*n)--;
        while (*n > 0 && sysfs_value_blank(s[*n - 1]))
                (*n)--;
        s[*n] = '\0';
        return s;
}

/* 0, or -EBADMSG for anything but one unsigned number below 2^64. */
static inline int sysfs_value_u64(const char *s, size_t n, uint64_t *ret) {
        if (n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
                return parse_hex_u64(s + 2, n - 2, ret) < 0 ? -EBADMSG : 0;
        if (n > 1 && s[0] == '0') {
                uint64_t v = 0;
                for (size_t i = 1; i < n; i++) {
                        if (s[i] < '0' || s[i] > '7' || v > (UINT64_MAX >> 3))
                                return -EBADMSG;
                        v = v << 3 | (uint64_t) (s[i] - '0');
                }
                *ret = v;
                return 0;
        }
        return parse_u64(s, n, ret) < 0 ? -EBADMSG : 0;
}

/* dirfd/name's number, trimmed: 0, -EBADMSG (garbage, or past size
 * bytes), or the errno of the read. */
static inline int sysfs_value_u64_fd(int dirfd, const char *name, uint64_t *ret) {
        char v[32];
        int r = read_attr_fd(dirfd, name, v, sizeof(v));
        if (r == -EFBIG)
                return -EBADMSG;
        if (r < 0)
                return r;
        size_t n = (size_t) r;
        const char *t = sysfs_value_trim(v, &n);
        return sysfs_value_u64(t, n, ret);
}
