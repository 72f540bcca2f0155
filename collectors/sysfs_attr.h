/* sysfs attributes holding one unsigned decimal number, read strictly as
 * parse.h reads kernel text (fileio.h's read_attr_i64 takes what strtoll
 * takes: signs, hex, leading blanks). */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "fileio.h"
#include "parse.h"

/* The digits past prefix in a sysfs entry's name (cpu12, st0, mc1,
 * csrow10), or NULL unless name is prefix and 1 to max digits (0: any
 * number of them); the kernel's other entries beside them (cpufreq, power,
 * uevent) are not numbered. */
static inline const char *sysfs_numbered_name(const char *name, const char *prefix, size_t max) {
        size_t n = strlen(prefix);
        if (strncmp(name, prefix, n) != 0 || name[n] == '\0' || (max && strlen(name + n) > max))
                return NULL;
        for (const char *p = name + n; *p; p++)
                if (*p < '0' || *p > '9')
                        return NULL;
        return name + n;
}

/* dirfd/name's number: 0, -EBADMSG if it holds anything else, or the
 * errno of the read (-ENOENT, -EACCES for root-only attributes). */
static inline int sysfs_attr_u64_fd(int dirfd, const char *name, uint64_t *ret) {
        char v[32];
        int r = read_attr_fd(dirfd, name, v, sizeof(v));
        if (r == -EFBIG)
                return -EBADMSG;
        if (r < 0)
                return r;
        return parse_u64(v, (size_t) r, ret) < 0 ? -EBADMSG : 0;
}

/* The n bytes at buf without the blanks around them (Go's
 * strings.TrimSpace, as node_exporter reads text attributes: models come
 * padded with spaces), NUL-terminated in place: a pointer into buf. */
static inline const char *sysfs_attr_trim(char *buf, size_t n) {
        static const char blanks[] = " \t\n\v\f\r";
        while (n > 0 && strchr(blanks, buf[n - 1]))
                n--;
        buf[n] = '\0';
        return buf + strspn(buf, blanks);
}

/* dirfd/name's text, trimmed so, in buf of size bytes: a pointer into
 * buf, or NULL with *ret_err the errno of the read (-EFBIG past size - 1
 * bytes, -ENOENT, -EACCES for root-only attributes). */
static inline const char *sysfs_attr_text_fd(int dirfd, const char *name, char *buf, size_t size, int *ret_err) {
        int r = read_attr_fd(dirfd, name, buf, size);
        if (r < 0) {
                *ret_err = r;
                return NULL;
        }
        return sysfs_attr_trim(buf, (size_t) r);
}

/* node_exporter 1.5 reads a text attribute in one read of 128 bytes
 * (procfs's SysReadFile), then trims it: dirfd/name so, into buf of
 * SYSFS_ATTR_GO_MAX + 1 bytes, *ret_cut telling whether the attribute
 * was longer. NULL with *ret_err as sysfs_attr_text_fd. */
#define SYSFS_ATTR_GO_MAX 128
static inline const char *sysfs_attr_go_text_fd(int dirfd, const char *name, char *buf, bool *ret_cut, int *ret_err) {
        char raw[4096 + 1]; /* a sysfs attribute is at most a page */
        int r = read_attr_fd(dirfd, name, raw, sizeof(raw));
        if (r < 0) {
                *ret_err = r;
                return NULL;
        }
        *ret_cut = r > SYSFS_ATTR_GO_MAX;
        const char *value = sysfs_attr_trim(raw, *ret_cut ? SYSFS_ATTR_GO_MAX : (size_t) r);
        memcpy(buf, value, strlen(value) + 1);
        return buf;
}
