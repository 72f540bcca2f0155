/* What the FUSE file systems of the tests (fuse_faults, fuse_slow) share:
 * a read-through of a backing directory, and their command line,
 *   NAME CONTROL_FILE BACKING_DIR MOUNTPOINT [fuse options]
 * Each adds its own fault (a broken file, a slow fsync) around it. */
#pragma once

#define FUSE_USE_VERSION 31
#include <fuse.h>

/* the backing directory, open */
extern int passthrough_backing;

/* The path relative to the backing directory ("/" is "."). */
const char *passthrough_rel(const char *path);
/* r, or -errno where r is negative: FUSE's way of failing. */
int passthrough_err(int r);

int passthrough_getattr(const char *path, struct stat *st, struct fuse_file_info *fi);
int passthrough_read(const char *path, char *buf, size_t size, off_t off, struct fuse_file_info *fi);
int passthrough_release(const char *path, struct fuse_file_info *fi);
int passthrough_readdir(const char *path, void *buf, fuse_fill_dir_t filler, off_t off, struct fuse_file_info *fi,
                        enum fuse_readdir_flags flags);
int passthrough_statfs(const char *path, struct statvfs *st);

/* Sets *control to CONTROL_FILE, opens BACKING_DIR and runs FUSE with
 * ops on MOUNTPOINT until it is unmounted. */
int passthrough_main(int argc, char **argv, const struct fuse_operations *ops, const char **control);
