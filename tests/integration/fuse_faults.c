/* A read-only FUSE passthrough of a fixture tree that breaks one file as
 * a control file says, read at every request: "FAULT PATH" (PATH relative
 * to the tree, as "proc/stat"), FAULT one of
 *   eio     the first half of the file reads, then EIO
 *   short   the first half of the file, then end of file, while its size
 *           says the whole
 *   vanish  listed by readdir, gone at lookup and open
 * Anything else, or no control file, serves the tree as it is. Reads
 * bypass the page cache (direct_io), so that each read sees the fault.
 * A file that breaks (eio, short) reads as rewritten too: from the first
 * request of each fault on it, its mtime and ctime say a nanosecond more,
 * and go on saying so once the fault has passed, until another file
 * breaks. A collector that keeps what it read until the file changes
 * (os-release, a textfile) then reads it during the fault, as it would a
 * file that broke while being changed, and must not keep what it read.
 * Usage: fuse_faults CONTROL_FILE BACKING_DIR MOUNTPOINT [fuse options] */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuse_passthrough.h"

static const char *control;

/* the file that broke last, how many faults it has met in a row, and the
 * control file (replaced at each change) that said the last of them */
static pthread_mutex_t rewritten_lock = PTHREAD_MUTEX_INITIALIZER;
static char rewritten_path[4096];
static long rewritten_times;
static ino_t rewritten_by;

static void note_rewritten(const char *rel, ino_t by) {
        pthread_mutex_lock(&rewritten_lock);
        if (by != rewritten_by) {
                rewritten_by = by;
                if (strcmp(rewritten_path, rel) != 0) {
                        snprintf(rewritten_path, sizeof(rewritten_path), "%s", rel);
                        rewritten_times = 0;
                }
                rewritten_times++;
        }
        pthread_mutex_unlock(&rewritten_lock);
}

static void shift_time(struct timespec *t, long ns) {
        t->tv_nsec += ns;
        t->tv_sec += t->tv_nsec / 1000000000;
        t->tv_nsec %= 1000000000;
}

enum fault { FAULT_NONE, FAULT_EIO, FAULT_SHORT, FAULT_VANISH };

static enum fault fault_of(const char *path) {
        char kind[16], target[4096];
        enum fault f = FAULT_NONE;
        FILE *c = fopen(control, "r");
        if (!c)
                return f;
        if (fscanf(c, "%15s %4095s", kind, target) == 2 && strcmp(target, passthrough_rel(path)) == 0)
                f = strcmp(kind, "eio") == 0      ? FAULT_EIO
                    : strcmp(kind, "short") == 0  ? FAULT_SHORT
                    : strcmp(kind, "vanish") == 0 ? FAULT_VANISH
                                                  : FAULT_NONE;
        struct stat st;
        if ((f == FAULT_EIO || f == FAULT_SHORT) && fstat(fileno(c), &st) == 0)
                note_rewritten(target, st.st_ino);
        fclose(c);
        return f;
}

static int faults_getattr(const char *path, struct stat *st, struct fuse_file_info *fi) {
        if (fault_of(path) == FAULT_VANISH)
                return -ENOENT;
        int r = passthrough_getattr(path, st, fi);
        if (r < 0)
                return r;
        pthread_mutex_lock(&rewritten_lock);
        long times = strcmp(rewritten_path, passthrough_rel(path)) == 0 ? rewritten_times : 0;
        pthread_mutex_unlock(&rewritten_lock);
        shift_time(&st->st_mtim, times);
        shift_time(&st->st_ctim, times);
        return 0;
}

static int faults_readlink(const char *path, char *buf, size_t size) {
        if (fault_of(path) == FAULT_VANISH)
                return -ENOENT;
        ssize_t n = readlinkat(passthrough_backing, passthrough_rel(path), buf, size - 1);
        if (n < 0)
                return -errno;
        buf[n] = '\0';
        return 0;
}

static int faults_open(const char *path, struct fuse_file_info *fi) {
        if (fault_of(path) == FAULT_VANISH)
                return -ENOENT;
        if ((fi->flags & O_ACCMODE) != O_RDONLY)
                return -EROFS;
        int fd = openat(passthrough_backing, passthrough_rel(path), O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        fi->fh = (uint64_t) fd;
        fi->direct_io = 1;
        return 0;
}

static int faults_read(const char *path, char *buf, size_t size, off_t off, struct fuse_file_info *fi) {
        enum fault f = fault_of(path);
        if (f == FAULT_EIO || f == FAULT_SHORT) {
                struct stat st;
                if (fstat((int) fi->fh, &st) < 0)
                        return -errno;
                off_t half = st.st_size / 2;
                if (off >= half)
                        return f == FAULT_EIO ? -EIO : 0;
                if ((off_t) size > half - off)
                        size = (size_t) (half - off);
        }
        return passthrough_read(path, buf, size, off, fi);
}

static void *faults_init(struct fuse_conn_info *conn, struct fuse_config *cfg) {
        (void) conn;
        /* every lookup asks again: a file that vanishes vanishes at once */
        cfg->entry_timeout = 0;
        cfg->attr_timeout = 0;
        cfg->negative_timeout = 0;
        return NULL;
}

static const struct fuse_operations ops = {
        .init = faults_init,
        .getattr = faults_getattr,
        .readlink = faults_readlink,
        .open = faults_open,
        .read = faults_read,
        .release = passthrough_release,
        .readdir = passthrough_readdir,
        .statfs = passthrough_statfs,
};

int main(int argc, char **argv) {
        return passthrough_main(argc, argv, &ops, &control);
}
