/* A read-only FUSE passthrough of a fixture tree that breaks one file as
 * a control file says, read at every request: "FAULT PATH" (PATH relative
 * to the tree, as "proc/stat"), FAULT one of
 *   eio     the first half of the file reads, then EIO
 *   short   the first half of the file, then end of file, while its size
 *           says the whole
 *   vanish  listed by readdir, gone at lookup and open
 * Anything else, or no control file, serves the tree as it is. Reads
 * bypass the page cache (direct_io), so that each read sees the fault.
 * Usage: fuse_faults CONTROL_FILE BACKING_DIR MOUNTPOINT [fuse options] */
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
#include <unistd.h>

static const char *control;
static int backing = -1;

enum fault { FAULT_NONE, FAULT_EIO, FAULT_SHORT, FAULT_VANISH };

/* The path relative to the backing directory ("/" is "."). */
static const char *rel(const char *path) {
        return path[1] ? path + 1 : ".";
}

static int err(int r) {
        return r < 0 ? -errno : r;
}

static enum fault fault_of(const char *path) {
        char kind[16], target[4096];
        enum fault f = FAULT_NONE;
        FILE *c = fopen(control, "r");
        if (!c)
                return f;
        if (fscanf(c, "%15s %4095s", kind, target) == 2 && strcmp(target, rel(path)) == 0)
                f = strcmp(kind, "eio") == 0      ? FAULT_EIO
                    : strcmp(kind, "short") == 0  ? FAULT_SHORT
                    : strcmp(kind, "vanish") == 0 ? FAULT_VANISH
                                                  : FAULT_NONE;
        fclose(c);
        return f;
}

static int faults_getattr(const char *path, struct stat *st, struct fuse_file_info *fi) {
        if (fault_of(path) == FAULT_VANISH)
                return -ENOENT;
        if (fi)
                return err(fstat((int) fi->fh, st));
        return err(fstatat(backing, rel(path), st, AT_SYMLINK_NOFOLLOW));
}

static int faults_readlink(const char *path, char *buf, size_t size) {
        if (fault_of(path) == FAULT_VANISH)
                return -ENOENT;
        ssize_t n = readlinkat(backing, rel(path), buf, size - 1);
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
        int fd = openat(backing, rel(path), O_RDONLY | O_CLOEXEC);
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
        return err((int) pread((int) fi->fh, buf, size, off));
}

static int faults_release(const char *path, struct fuse_file_info *fi) {
        (void) path;
        close((int) fi->fh);
        return 0;
}

static int faults_readdir(const char *path, void *buf, fuse_fill_dir_t filler, off_t off, struct fuse_file_info *fi,
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

static int faults_statfs(const char *path, struct statvfs *st) {
        (void) path;
        return err(fstatvfs(backing, st));
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
        .release = faults_release,
        .readdir = faults_readdir,
        .statfs = faults_statfs,
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
