/* Whole-file reads into a reused buffer: one open, a few reads, no stdio. */
#include "fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"

/* The buffer seq_file fills at each read (fs/seq_file.c): a page, 4 KiB
 * at the least, doubled for a record that does not fit in it alone. */
#define SEQ_FILE_BUF_MIN 4096u

int path_join(char *out, size_t size, const char *root, const char *rel) {
        size_t rl = strlen(root);
        while (rl > 1 && root[rl - 1] == '/')
                rl--;
        int n = snprintf(out, size, "%.*s/%s", (int) rl, root, rel);
        if (n < 0 || (size_t) n >= size)
                return -ENAMETOOLONG;
        return 0;
}

/* The one read loop. at_start: pread from offset 0, for a descriptor kept
 * open (procfs makes the file anew at every read from 0); else read from
 * where fd stands. A read that returns less than asked and at most end_at
 * bytes reached the end (SIZE_MAX: kernel_file_read_one_piece; see
 * kernel_file_read_records; 0: only a read of 0 ends). At most max + 1
 * bytes are asked for in all, so that a file longer than max is told from
 * one of exactly max without reading on. */
static int read_into(int fd, bool at_start, size_t end_at, size_t max, struct buf *b) {
        buf_reset(b);
        for (;;) {
                if (b->len > max)
                        return -EFBIG;
                /* procfs files report size 0, so grow as we go. */
                int r = buf_reserve(b, b->cap > b->len + 1 + 1024 ? b->cap - b->len - 1 : 4096);
                if (r < 0)
                        return r;
                size_t asked = b->cap - b->len - 1;
                if (asked > max + 1 - b->len)
                        asked = max + 1 - b->len;
                ssize_t n = at_start ? pread(fd, b->data + b->len, asked, (off_t) b->len)
                                     : read(fd, b->data + b->len, asked);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (n == 0)
                        break;
                b->len += (size_t) n;
                if ((size_t) n < asked && (size_t) n <= end_at)
                        break; /* the end: spares the read that would say 0 */
        }
        b->data[b->len] = '\0';
        return 0;
}

int read_fd(int fd, size_t max, struct buf *b) {
        return read_into(fd, false, 0, max, b);
}

int read_file_at(const char *root, const char *rel, size_t max, struct buf *b) {
        char path[PATH_MAX];
        int r = path_join(path, sizeof(path), root, rel);
        if (r < 0)
                return r;

        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return -errno;
        return read_fd(fd, max, b);
}

bool file_stamp_unchanged(struct file_stamp *stamp, const char *root, const char *rel) {
        struct file_stamp now = {.taken = true, .at_ns = clock_ns(CLOCK_REALTIME)};
        char path[PATH_MAX];
        struct stat st;
        if (path_join(path, sizeof(path), root, rel) < 0)
                now.err = ENAMETOOLONG;
        else if (stat(path, &st) < 0)
                now.err = errno;
        else {
                now.dev = st.st_dev;
                now.ino = st.st_ino;
                now.size = st.st_size;
                now.mtime = st.st_mtim;
                now.ctime = st.st_ctim;
        }
        uint64_t ctime_ns = (uint64_t) stamp->ctime.tv_sec * 1000000000u + (uint64_t) stamp->ctime.tv_nsec;
        bool same = stamp->taken && now.err == stamp->err && now.dev == stamp->dev && now.ino == stamp->ino &&
                    now.size == stamp->size && now.mtime.tv_sec == stamp->mtime.tv_sec &&
                    now.mtime.tv_nsec == stamp->mtime.tv_nsec && now.ctime.tv_sec == stamp->ctime.tv_sec &&
                    now.ctime.tv_nsec == stamp->ctime.tv_nsec &&
                    (now.err != 0 || stamp->at_ns >= ctime_ns + 1000000000u);
        if (!same)
                *stamp = now;
        return same;
}

int read_attr_pread(int fd, char *buf, size_t size) {
        ssize_t n;
        do
                n = pread(fd, buf, size, 0);
        while (n < 0 && errno == EINTR);
        if (n < 0)
                return -errno;
        if ((size_t) n == size)
                return -EFBIG;
        while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\0'))
                n--;
        buf[n] = '\0';
        return (int) n;
}

int read_attr(const char *path, char *buf, size_t size) {
        return read_attr_fd(AT_FDCWD, path, buf, size);
}

int read_attr_fd(int dirfd, const char *name, char *buf, size_t size) {
        _cleanup_close_ int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0)
                return -errno;
        return read_attr_pread(fd, buf, size);
}

static int parse_i64(const char *v, int64_t *ret) {
        char *end;
        errno = 0;
        long long x = strtoll(v, &end, 0); /* base 0: dev_id and flags are hex, as procfs reads them */
        if (errno != 0 || end == v || *end != '\0')
                return -EBADMSG;
        *ret = x;
        return 0;
}

int read_attr_i64_fd(int dirfd, const char *name, int64_t *ret) {
        char v[32];
        int r = read_attr_fd(dirfd, name, v, sizeof(v));
        return r < 0 ? r : parse_i64(v, ret);
}

int read_attr_at(const char *dir, const char *name, char *buf, size_t size) {
        char path[PATH_MAX];
        int r = path_join(path, sizeof(path), dir, name);
        if (r < 0)
                return r;
        return read_attr(path, buf, size);
}

int read_attr_i64(const char *dir, const char *name, int64_t *ret) {
        char v[32];
        int r = read_attr_at(dir, name, v, sizeof(v));
        return r < 0 ? r : parse_i64(v, ret);
}

static int kernel_file_read_as(struct kernel_file *f, const char *root, const char *rel, size_t end_at, size_t max,
                               struct buf *b) {
        if (!f->open) {
                char path[PATH_MAX];
                int r = path_join(path, sizeof(path), root, rel);
                if (r < 0)
                        return r;
                f->fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
                if (f->fd < 0)
                        return -errno;
                f->open = true;
        }
        int r = read_into(f->fd, true, end_at, max, b);
        if (r < 0)
                kernel_file_close(f); /* opened again next time */
        return r;
}

int kernel_file_read(struct kernel_file *f, const char *root, const char *rel, size_t max, struct buf *b) {
        return kernel_file_read_as(f, root, rel, 0, max, b);
}

int kernel_file_read_one_piece(struct kernel_file *f, const char *root, const char *rel, size_t max, struct buf *b) {
        return kernel_file_read_as(f, root, rel, SIZE_MAX, max, b);
}

int kernel_file_read_records(struct kernel_file *f, const char *root, const char *rel, size_t record_max, size_t max,
                             struct buf *b) {
        size_t end_at = record_max < SEQ_FILE_BUF_MIN ? SEQ_FILE_BUF_MIN - record_max : 0;
        return kernel_file_read_as(f, root, rel, end_at, max, b);
}

void kernel_file_close(struct kernel_file *f) {
        if (f->open)
                (void) close(f->fd);
        f->open = false;
}
