/* A FUSE file system whose statfs blocks while a control file exists: a
 * stand-in for an NFS or CIFS server that went away. Everything else
 * answers at once (libfuse runs requests on several threads), as with a
 * real hung network mount where only some calls hang.
 * Usage: fuse_hang CONTROL_FILE MOUNTPOINT [fuse options] */
#define FUSE_USE_VERSION 31
#include <errno.h>
#include <fuse.h>
#include <string.h>
#include <sys/statvfs.h>
#include <unistd.h>

static const char *control;

static int hang_getattr(const char *path, struct stat *st, struct fuse_file_info *fi) {
        (void) fi;
        memset(st, 0, sizeof(*st));
        if (strcmp(path, "/") != 0)
                return -ENOENT;
        st->st_mode = S_IFDIR | 0755;
        st->st_nlink = 2;
        return 0;
}

static int hang_readdir(const char *path, void *buf, fuse_fill_dir_t filler, off_t off, struct fuse_file_info *fi,
                        enum fuse_readdir_flags flags) {
        (void) off;
        (void) fi;
        (void) flags;
        if (strcmp(path, "/") != 0)
                return -ENOENT;
        filler(buf, ".", NULL, 0, 0);
        filler(buf, "..", NULL, 0, 0);
        return 0;
}

static int hang_statfs(const char *path, struct statvfs *st) {
        (void) path;
        while (access(control, F_OK) == 0)
                usleep(20000);
        memset(st, 0, sizeof(*st));
        st->f_bsize = st->f_frsize = 4096;
        st->f_blocks = 1000;
        st->f_bfree = 500;
        st->f_bavail = 400;
        st->f_files = 100;
        st->f_ffree = 50;
        st->f_namemax = 255;
        return 0;
}

static const struct fuse_operations ops = {
        .getattr = hang_getattr,
        .readdir = hang_readdir,
        .statfs = hang_statfs,
};

int main(int argc, char **argv) {
        if (argc < 3)
                return 2;
        control = argv[1];
        argv[1] = argv[0];
        return fuse_main(argc - 1, argv + 1, &ops, NULL);
}
