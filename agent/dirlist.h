/* Sorted directory listings without opendir's allocation per call: names
 * go into a buffer reused from one scrape to the next. Sorted, so that
 * output order does not depend on the filesystem. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

struct dirlist {
        struct buf names; /* NUL-separated */
        size_t *offsets;
        size_t n, cap;
        bool kept;  /* fd is the directory, open since the first dirlist_read_kept */
        bool fills; /* fd is on sysfs or procfs (read_dents_fd in dirlist.c) */
        int fd;
};

/* Lists path (without "." and ".."); 0 or a negative errno. */
int dirlist_read(struct dirlist *l, const char *path);
/* The same through fd, open on a directory and still the caller's: for a
 * caller that opens the directory's files with openat() next, one open
 * and close of the directory fewer. Lists from where fd stands (its start
 * when just opened). */
int dirlist_read_fd(struct dirlist *l, int fd);
/* The same through a descriptor kept open from one call to the next and
 * rewound, for a directory listed at every scrape (sysfs's classes): an
 * open and a close fewer each time. The kernel lists the directory anew
 * from its start. */
int dirlist_read_kept(struct dirlist *l, const char *path);
void dirlist_close(struct dirlist *l);
static inline const char *dirlist_name(const struct dirlist *l, size_t i) {
        return l->names.data + l->offsets[i];
}
/* The number of entries of path, neither stored nor sorted; or a negative
 * errno. */
long dirlist_count(const char *path);
/* Whether the listing has name (binary search: it is sorted). */
bool dirlist_has(const struct dirlist *l, const char *name);
void dirlist_free(struct dirlist *l);
