/* A FUSE passthrough file system whose fsync and fdatasync (of files and
 * directories) sleep as long as a control file says, in milliseconds: a
 * stand-in for a loaded disk or an NFS-backed /var/lib. Everything else
 * passes straight to the passthrough_backing directory and answers at once (libfuse
 * runs requests on several threads).
 * Usage: fuse_slow CONTROL_FILE BACKING_DIR MOUNTPOINT [fuse options] */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fuse_passthrough.h"

static const char *control;

static void slow_down(void) {
        FILE *f = fopen(control, "r");
        long ms = 0;
        if (f) {
                if (fscanf(f, "%ld", &ms) != 1)
                        ms = 0;
                fclose(f);
        }
        if (ms > 0) {
                struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
                while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
                        ;
        }
}

static int slow_access(const char *path, int mask) {
        return passthrough_err(faccessat(passthrough_backing, passthrough_rel(path), mask, 0));
}

static int slow_mkdir(const char *path, mode_t mode) {
        return passthrough_err(mkdirat(passthrough_backing, passthrough_rel(path), mode));
}

static int slow_unlink(const char *path) {
        return passthrough_err(unlinkat(passthrough_backing, passthrough_rel(path), 0));
}

static int slow_rmdir(const char *path) {
        return passthrough_err(unlinkat(passthrough_backing, passthrough_rel(path), AT_REMOVEDIR));
}

static int slow_rename(const char *from, const char *to, unsigned int flags) {
        if (flags)
                return -EINVAL;
        return passthrough_err(
                renameat(passthrough_backing, passthrough_rel(from), passthrough_backing, passthrough_rel(to)));
}

static int slow_chmod(const char *path, mode_t mode, struct fuse_file_info *fi) {
        if (fi)
                return passthrough_err(fchmod((int) fi->fh, mode));
        return passthrough_err(fchmodat(passthrough_backing, passthrough_rel(path), mode, 0));
}

static int slow_truncate(const char *path, off_t size, struct fuse_file_info *fi) {
        if (fi)
                return passthrough_err(ftruncate((int) fi->fh, size));
        int fd = openat(passthrough_backing, passthrough_rel(path), O_WRONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        int r = passthrough_err(ftruncate(fd, size));
        close(fd);
        return r;
}

static int slow_open(const char *path, struct fuse_file_info *fi) {
        int fd = openat(passthrough_backing, passthrough_rel(path), fi->flags & ~O_NOFOLLOW);
        if (fd < 0)
                return -errno;
        fi->fh = (uint64_t) fd;
        return 0;
}

static int slow_create(const char *path, mode_t mode, struct fuse_file_info *fi) {
        int fd = openat(passthrough_backing, passthrough_rel(path), fi->flags | O_CREAT, mode);
        if (fd < 0)
                return -errno;
        fi->fh = (uint64_t) fd;
        return 0;
}

static int slow_write(const char *path, const char *buf, size_t size, off_t off, struct fuse_file_info *fi) {
        (void) path;
        return passthrough_err((int) pwrite((int) fi->fh, buf, size, off));
}

static int slow_fsync(const char *path, int datasync, struct fuse_file_info *fi) {
        (void) path;
        slow_down();
        return passthrough_err(datasync ? fdatasync((int) fi->fh) : fsync((int) fi->fh));
}

static int slow_fsyncdir(const char *path, int datasync, struct fuse_file_info *fi) {
        (void) datasync;
        (void) fi;
        slow_down();
        int fd = openat(passthrough_backing, passthrough_rel(path), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        int r = passthrough_err(fsync(fd));
        close(fd);
        return r;
}

static const struct fuse_operations ops = {
        .getattr = passthrough_getattr,
        .access = slow_access,
        .mkdir = slow_mkdir,
        .unlink = slow_unlink,
        .rmdir = slow_rmdir,
        .rename = slow_rename,
        .chmod = slow_chmod,
        .truncate = slow_truncate,
        .open = slow_open,
        .create = slow_create,
        .read = passthrough_read,
        .write = slow_write,
        .release = passthrough_release,
        .fsync = slow_fsync,
        .fsyncdir = slow_fsyncdir,
        .readdir = passthrough_readdir,
        .statfs = passthrough_statfs,
};

int main(int argc, char **argv) {
        return passthrough_main(argc, argv, &ops, &control);
}
