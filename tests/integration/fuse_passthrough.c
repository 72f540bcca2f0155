/* The read-through part of the tests' FUSE file systems (fuse_passthrough.h). */
#include "fuse_passthrough.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

int passthrough_backing = -1;

const char *passthrough_rel(const char *path) {
        return path[1] ? path + 1 : ".";
}

int passthrough_err(int r) {
        return r < 0 ? -errno : r;
}

int passthrough_getattr(const char *path, struct stat *st, struct fuse_file_info *fi) {
        if (fi)
                return passthrough_err(fstat((int) fi->fh, st));
        return passthrough_err(fstatat(passthrough_backing, passthrough_rel(path), st, AT_SYMLINK_NOFOLLOW));
}

int passthrough_read(const char *path, char *buf, size_t size, off_t off, struct fuse_file_info *fi) {
        (void) path;
        return passthrough_err((int) pread((int) fi->fh, buf, size, off));
}

int passthrough_release(const char *path, struct fuse_file_info *fi) {
        (void) path;
        close((int) fi->fh);
        return 0;
}

int passthrough_readdir(const char *path, void *buf, fuse_fill_dir_t filler, off_t off, struct fuse_file_info *fi,
                        enum fuse_readdir_flags flags) {
        (void) off;
        (void) fi;
        (void) flags;
        int fd = openat(passthrough_backing, passthrough_rel(path), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
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

int passthrough_statfs(const char *path, struct statvfs *st) {
        (void) path;
        return passthrough_err(fstatvfs(passthrough_backing, st));
}

int passthrough_main(int argc, char **argv, const struct fuse_operations *ops, const char **control) {
        if (argc < 4)
                return 2;
        *control = argv[1];
        passthrough_backing = open(argv[2], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (passthrough_backing < 0) {
                perror(argv[2]);
                return 1;
        }
        argv[2] = argv[0];
        return fuse_main(argc - 2, argv + 2, ops, NULL);
}
