/* sysfs attributes holding one unsigned decimal number, read strictly as
 * parse.h reads kernel text (fileio.h's read_attr_i64 takes what strtoll
 * takes: signs, hex, leading blanks). */
#pragma once

#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "fileio.h"
#include "parse.h"

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
