/* Kernel files a host may lack, kept by one collector, under the rule of
 * absence.h: once found missing, a file is not looked for again for a
 * minute. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "absence.h"
#include "fileio.h"

struct optional_file {
        struct kernel_file kf;
        uint64_t missing_until_ns; /* CLOCK_MONOTONIC; 0 while the file is there */
};

/* kernel_file_read (kernel_file_read_one_piece when one_piece) of
 * root/rel, -EFBIG past max bytes, or -ENOENT at once while it was found missing less than a
 * minute ago. */
int optional_file_read(struct optional_file *f, const char *root, const char *rel, bool one_piece, size_t max,
                       struct buf *b);
/* The same with kernel_file_read_records, for a file made record by
 * record, none longer than record_max bytes. */
int optional_file_read_records(struct optional_file *f, const char *root, const char *rel, size_t record_max,
                               size_t max, struct buf *b);
/* The same for a file holding one decimal number on one line (a sysctl):
 * -EBADMSG if it holds anything else. */
int optional_file_read_u64(struct optional_file *f, const char *root, const char *rel, struct buf *b, uint64_t *ret);
void optional_file_close(struct optional_file *f);
/* dirlist_read_kept (dirlist.h) of path with the same once-a-minute rule,
 * for a sysfs directory a host may lack (/sys/fs/xfs); *missing_until_ns
 * starts at 0. */
struct dirlist;
int optional_dirlist_read(uint64_t *missing_until_ns, struct dirlist *l, const char *path);
/* A source that is neither (the cpufreq directories of every CPU) uses
 * the rule itself: optional_still_missing and optional_note, absence.h. */
