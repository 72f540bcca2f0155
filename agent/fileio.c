/* Whole-file reads into a reused buffer: one open, a few reads, no stdio. */
#include "fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int path_join(char *out, size_t size, const char *root, const char *rel) {
        size_t rl = strlen(root);
        while (rl > 1 && root[rl - 1] == '/')
                rl--;
        int n = snprintf(out, size, "%.*s/%s", (int) rl, root, rel);
        if (n < 0 || (size_t) n >= size)
                return -ENAMETOOLONG;
        return 0;
}

int read_file_at(const char *root, const char *rel, struct buf *b) {
        char path[PATH_MAX];
        int r = path_join(path, sizeof(path), root, rel);
        if (r < 0)
                return r;

        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return -errno;

        buf_reset(b);
        for (;;) {
                /* procfs files report size 0, so grow as we go. */
                r = buf_reserve(b, b->cap > b->len + 1 + 1024 ? b->cap - b->len - 1 : 4096);
                if (r < 0)
                        return r;
                ssize_t n = read(fd, b->data + b->len, b->cap - b->len - 1);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (n == 0)
                        break;
                b->len += (size_t) n;
        }
        b->data[b->len] = '\0';
        return 0;
}
