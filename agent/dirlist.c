/* Directory listings with getdents64 and a stack buffer. */
#include "dirlist.h"
#include "array.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sort.h"

static int name_cmp(const void *a, const void *b, void *ctx) {
        const struct dirlist *l = ctx;
        return strcmp(l->names.data + *(const size_t *) a, l->names.data + *(const size_t *) b);
}

/* The longest entry getdents64 writes: its header and a name of
 * NAME_MAX bytes and a NUL, rounded up to 8 bytes (fs/readdir.c). */
#define DIRENT_MAX ((offsetof(struct dirent64, d_name) + NAME_MAX + 1 + 7) & ~(size_t) 7)

/* Calls each(name, ctx) for every entry of the open directory fd but "."
 * and ".."; stops at the first negative return. fills: fd is on sysfs or
 * procfs, whose getdents64 writes entries until the next does not fit
 * (kernfs_fop_readdir, proc_readdir_de), so that a call that leaves room
 * for the longest entry listed the rest of the directory, and the call
 * that would return 0 is spared. */
static int read_dents_fd(int fd, bool fills, int (*each)(const char *name, void *ctx), void *ctx) {
        char dents[8192] __attribute__((aligned(8)));
        for (;;) {
                long n = syscall(SYS_getdents64, fd, dents, sizeof(dents));
                if (n < 0)
                        return -errno;
                if (n == 0)
                        return 0;
                for (long off = 0; off < n;) {
                        struct dirent64 *d = (struct dirent64 *) (dents + off);
                        off += d->d_reclen;
                        if (strcmp(d->d_name, ".") == 0 || strcmp(d->d_name, "..") == 0)
                                continue;
                        int r = each(d->d_name, ctx);
                        if (r < 0)
                                return r;
                }
                if (fills && (size_t) n + DIRENT_MAX <= sizeof(dents))
                        return 0;
        }
}

static int read_dents(const char *path, int (*each)(const char *name, void *ctx), void *ctx) {
        _cleanup_close_ int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        return read_dents_fd(fd, false, each, ctx);
}

static int add_name(const char *name, void *ctx) {
        struct dirlist *l = ctx;
        if (array_reserve((void **) &l->offsets, &l->cap, l->n + 1, sizeof(*l->offsets)) < 0)
                return -ENOMEM;
        l->offsets[l->n++] = l->names.len;
        buf_put(&l->names, name, strlen(name) + 1);
        return l->names.error;
}

/* The listing of the open directory fd, sorted, into an emptied l. */
static int list_fd(struct dirlist *l, int fd, bool fills) {
        int r = read_dents_fd(fd, fills, add_name, l);
        if (r < 0)
                return r;
        sort_r(l->offsets, l->n, sizeof(*l->offsets), name_cmp, l);
        return 0;
}

int dirlist_read_fd(struct dirlist *l, int fd) {
        buf_reset(&l->names);
        l->n = 0;
        return list_fd(l, fd, false);
}

int dirlist_read(struct dirlist *l, const char *path) {
        _cleanup_close_ int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0) {
                buf_reset(&l->names);
                l->n = 0;
                return -errno;
        }
        return dirlist_read_fd(l, fd);
}

int dirlist_read_kept(struct dirlist *l, const char *path) {
        buf_reset(&l->names);
        l->n = 0;
        if (!l->kept) {
                l->fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (l->fd < 0)
                        return -errno;
                l->kept = true;
                struct statfs sf;
                l->fills = fstatfs(l->fd, &sf) == 0 && (sf.f_type == SYSFS_MAGIC || sf.f_type == PROC_SUPER_MAGIC);
        } else if (lseek(l->fd, 0, SEEK_SET) < 0) {
                int r = -errno;
                dirlist_close(l);
                return r;
        }
        int r = list_fd(l, l->fd, l->fills);
        if (r < 0)
                dirlist_close(l); /* opened again next time */
        return r;
}

void dirlist_close(struct dirlist *l) {
        if (l->kept)
                (void) close(l->fd);
        l->kept = false;
}

static int count_name(const char *name, void *ctx) {
        (void) name;
        (*(long *) ctx)++;
        return 0;
}

long dirlist_count(const char *path) {
        long n = 0;
        int r = read_dents(path, count_name, &n);
        return r < 0 ? r : n;
}

/* cmp(key, element) for bsearch_r: a name against an offset in the listing */
static int name_key_cmp(const void *key, const void *offset, void *ctx) {
        const struct dirlist *l = ctx;
        return strcmp(key, l->names.data + *(const size_t *) offset);
}

bool dirlist_has(const struct dirlist *l, const char *name) {
        return bsearch_r(name, l->offsets, l->n, sizeof(*l->offsets), name_key_cmp, (void *) l) != NULL;
}

void dirlist_free(struct dirlist *l) {
        dirlist_close(l);
        buf_free(&l->names);
        free(l->offsets);
        *l = (struct dirlist){0};
}
