/* A FUSE passthrough file system whose fsync and fdatasync (of files and
 * directories) sleep as long as a control file says, in milliseconds: a
 * stand-in for a loaded disk or an NFS-backed /var/lib. Everything else
 * passes straight to the backing directory and answers at once (libfuse
 * runs requests on several threads).
 * Usage: fuse_slow CONTROL_FILE BACKING_DIR MOUNTPOINT [fuse options] */
#define FUSE_USE_VERSION 31
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fuse.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

static const char *control;
static int backing = -1;

/* The path relative to the backing directory ("/" is "."). */
static const char *rel(const char *path) {
        return path[1] ? path + 1 : ".";
}

static int err(int r) {
        return r < 0 ? -errno : r;
}

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

static int slow_getattr(const char *path, struct stat *st, struct fuse_file_info *fi) {
        if (fi)
                return err(fstat((int) fi->fh, st));
        return err(fstatat(backing, rel(path), st, AT_SYMLINK_NOFOLLOW));
}

static int slow_access(const char *path, int mask) {
        return err(faccessat(backing, rel(path), mask, 0));
}

static int slow_mkdir(const char *path, mode_t mode) {
        return err(mkdirat(backing, rel(path), mode));
}

static int slow_unlink(const char *path) {
        return err(unlinkat(backing, rel(path), 0));
}

static int slow_rmdir(const char *path) {
        return err(unlinkat(backing, rel(path), AT_REMOVEDIR));
}

static int slow_rename(const char *from, const char *to, unsigned int flags) {
        if (flags)
                return -EINVAL;
        return err(renameat(backing, rel(from), backing, rel(to)));
}

static int slow_chmod(const char *path, mode_t mode, struct fuse_file_info *fi) {
        if (fi)
                return err(fchmod((int) fi->fh, mode));
        return err(fchmodat(backing, rel(path), mode, 0));
}

static int slow_truncate(const char *path, off_t size, struct fuse_file_info *fi) {
        if (fi)
                return err(ftruncate((int) fi->fh, size));
        int fd = openat(backing, rel(path), O_WRONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        int r = err(ftruncate(fd, size));
        close(fd);
        return r;
}

static int slow_open(const char *path, struct fuse_file_info *fi) {
        int fd = openat(backing, rel(path), fi->flags & ~O_NOFOLLOW);
        if (fd < 0)
                return -errno;
        fi->fh = (uint64_t) fd;
        return 0;
}

static int slow_create(const char *path, mode_t mode, struct fuse_file_info *fi) {
        int fd = openat(backing, rel(path), fi->flags | O_CREAT, mode);
        if (fd < 0)
                return -errno;
        fi->fh = (uint64_t) fd;
        return 0;
}

static int slow_read(const char *path, char *buf, size_t size, off_t off, struct fuse_file_info *fi) {
        (void) path;
        return err((int) pread((int) fi->fh, buf, size, off));
}

static int slow_write(const char *path, const char *buf, size_t size, off_t off, struct fuse_file_info *fi) {
        (void) path;
        return err((int) pwrite((int) fi->fh, buf, size, off));
}

static int slow_release(const char *path, struct fuse_file_info *fi) {
        (void) path;
        close((int) fi->fh);
        return 0;
}

static int slow_fsync(const char *path, int datasync, struct fuse_file_info *fi) {
        (void) path;
        slow_down();
        return err(datasync ? fdatasync((int) fi->fh) : fsync((int) fi->fh));
}

static int slow_fsyncdir(const char *path, int datasync, struct fuse_file_info *fi) {
        (void) datasync;
        (void) fi;
        slow_down();
        int fd = openat(backing, rel(path), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        int r = err(fsync(fd));
        close(fd);
        return r;
}

static int slow_readdir(const char *path, void *buf, fuse_fill_dir_t filler, off_t off, struct fuse_file_info *fi,
                        enum fuse_readdir_flags flags) {
        (void) off;
        (void) fi;
        (void) flags;
        int fd = openat(backing, rel(path), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        DIR *d = fdopendir(fd);
        if (!d) {
                close(fd);
                return -errno;
        }
        struct dirent *e;
        while ((e = readdir(d)))
                if (filler(buf, e->d_name, NULL, 0, 0))
                        break;
        closedir(d);
        return 0;
}

static int slow_statfs(const char *path, struct statvfs *st) {
        (void) path;
        return err(fstatvfs(backing, st));
}

static const struct fuse_operations ops = {
        .getattr = slow_getattr,
        .access = slow_access,
        .mkdir = slow_mkdir,
        .unlink = slow_unlink,
        .rmdir = slow_rmdir,
        .rename = slow_rename,
        .chmod = slow_chmod,
        .truncate = slow_truncate,
        .open = slow_open,
        .create = slow_create,
        .read = slow_read,
        .write = slow_write,
        .release = slow_release,
        .fsync = slow_fsync,
        .fsyncdir = slow_fsyncdir,
        .readdir = slow_readdir,
        .statfs = slow_statfs,
};

int main(int argc, char **argv) {
        if (argc < 4)
                return 2;
        control = argv[1];
        backing = open(argv[2], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (backing < 0) {
                perror(argv[2]);
                return 1;
        }
        argv[2] = argv[0];
        return fuse_main(argc - 2, argv + 2, &ops, NULL);
}
