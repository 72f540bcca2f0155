/* Whole-file reads into a reused buffer: one open, a few reads, no stdio. */
#include "fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "clock.h"

/* Reads of this thread that came back cut short or failed half-way
 * (fileio_read_faults). */
static _Thread_local unsigned long read_faults;

unsigned long fileio_read_faults(void) {
        return read_faults;
}

/* The kernel's own file systems make a file whole at every read and give
 * no true size: procfs says 0, sysfs a page for every text attribute. */
static bool kernel_made(long f_type) {
        switch (f_type) {
        case PROC_SUPER_MAGIC:
        case SYSFS_MAGIC:
        case DEBUGFS_MAGIC:
        case TRACEFS_MAGIC:
        case CGROUP_SUPER_MAGIC:
        case CGROUP2_SUPER_MAGIC:
        case SECURITYFS_MAGIC:
        case SELINUX_MAGIC:
        case BPF_FS_MAGIC:
        case EFIVARFS_MAGIC: return true;
        default: return false;
        }
}

static bool fd_kernel_made(int fd) {
        struct statfs st;
        return fstatfs(fd, &st) == 0 && kernel_made((long) st.f_type);
}

/* -EIO, counted, when fd is a regular file of another file system (a copy
 * of /proc, a FUSE or network mount under --path.*, a textfile) whose size
 * says more than the len bytes read: its end was cut off, and what was
 * read would parse as a smaller number or a shorter table. */
static int check_whole(int fd, size_t len, bool maybe_kernel) {
        struct stat st;
        if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size <= (off_t) len)
                return 0;
        if (maybe_kernel && fd_kernel_made(fd))
                return 0;
        read_faults++;
        return -EIO;
}

/* A failed open or read is counted when it is the device's fault (EIO),
 * not an answer such as "no value while the link is down" (EINVAL,
 * ENODATA...). With check_whole, the only places that give -EIO: so that
 * every -EIO out of this file is counted, once (fileio_fault_counted). */
static int read_failed(int err) {
        if (err == EIO)
                read_faults++;
        return -err;
}

bool fileio_fault_counted(int r) {
        return r == -EIO;
}

/* The buffer seq_file fills at each read (fs/seq_file.c): a page, 4 KiB
 * at the least, doubled for a record that does not fit in it alone. */
#define SEQ_FILE_BUF_MIN 4096u

int path_join(char *out, size_t size, const char *root, const char *rel) {
        size_t rl = strlen(root);
        while (rl > 1 && root[rl - 1] == '/')
                rl--;
        /* at every scrape for each shared file: no format to interpret */
        size_t n = strlen(rel);
        if (rl + 1 + n >= size)
                return -ENAMETOOLONG;
        char *p = mempcpy(out, root, rl);
        *p++ = '/';
        memcpy(p, rel, n + 1); /* its NUL with it */
        return 0;
}

/* The one read loop. at_start: pread from offset 0, for a descriptor kept
 * open (procfs makes the file anew at every read from 0); else read from
 * where fd stands. A read that returns less than asked and at most end_at
 * bytes reached the end (SIZE_MAX: kernel_file_read_one_piece; see
 * kernel_file_read_records; 0: only a read of 0 ends). At most max + 1
 * bytes are asked for in all, so that a file longer than max is told from
 * one of exactly max without reading on. whole, unless NULL: the read is
 * checked against the file's size (check_whole), from offset whole->from. */
struct whole {
        off_t from;
        bool maybe_kernel; /* the file may be on procfs or sysfs: look */
};

static int read_into(int fd, bool at_start, size_t end_at, const struct whole *whole, size_t max, struct buf *b) {
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
                        return read_failed(errno);
                }
                if (n == 0)
                        break;
                b->len += (size_t) n;
                if ((size_t) n < asked && (size_t) n <= end_at)
                        break; /* the end: spares the read that would say 0 */
        }
        b->data[b->len] = '\0';
        return whole ? check_whole(fd, (size_t) whole->from + b->len, whole->maybe_kernel) : 0;
}

int read_fd(int fd, size_t max, struct buf *b) {
        /* a pipe has no offset, and no size to check */
        off_t from = lseek(fd, 0, SEEK_CUR);
        return read_into(fd, false, 0, from >= 0 ? &(struct whole){from, true} : NULL, max, b);
}

/* Whether root lies on one of the kernel's file systems, remembered per
 * thread for the few roots a collector reads under (--path.procfs and
 * the like), so that reading /proc/PID/stat for every process costs no
 * fstat for the check. */
bool root_kernel_made(const char *root) {
        static _Thread_local struct {
                char root[112];
                bool kernel;
        } seen[4];
        static _Thread_local unsigned next;
        size_t len = strlen(root);
        if (len >= sizeof(seen[0].root))
                return false;
        for (size_t i = 0; i < ELEMENTSOF(seen); i++)
                if (strcmp(seen[i].root, root) == 0 && seen[i].root[0])
                        return seen[i].kernel;
        struct statfs st;
        if (statfs(root, &st) < 0)
                return false;
        unsigned i = next++ % ELEMENTSOF(seen);
        memcpy(seen[i].root, root, len + 1);
        seen[i].kernel = kernel_made((long) st.f_type);
        return seen[i].kernel;
}

int read_file_at(const char *root, const char *rel, size_t max, struct buf *b) {
        char path[PATH_MAX];
        int r = path_join(path, sizeof(path), root, rel);
        if (r < 0)
                return r;

        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return read_failed(errno);
        /* under /proc or /sys every file is the kernel's: no size to check */
        return read_into(fd, false, 0, root_kernel_made(root) ? NULL : &(struct whole){0, true}, max, b);
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
                return read_failed(errno);
        if ((size_t) n == size)
                return -EFBIG;
        /* The kernel ends its attributes with a newline: one without it
         * may have been cut short, which its size tells on any file
         * system but the kernel's. */
        if (n == 0 || (buf[n - 1] != '\n' && buf[n - 1] != '\0')) {
                int r = check_whole(fd, (size_t) n, true);
                if (r < 0)
                        return r;
        }
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
                return read_failed(errno);
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
                        return read_failed(errno);
                f->open = true;
                f->kernel = fd_kernel_made(f->fd);
        }
        int r = read_into(f->fd, true, end_at, f->kernel ? NULL : &(struct whole){0, false}, max, b);
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
