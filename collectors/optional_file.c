/* Kernel files a host may lack, looked for again once a minute. */
#include "optional_file.h"

#include <errno.h>

#include "dirlist.h"
#include "parse.h"

int optional_file_read(struct optional_file *f, const char *root, const char *rel, bool one_piece, size_t max,
                       struct buf *b) {
        if (optional_still_missing(&f->missing_until_ns))
                return -ENOENT;
        int r = one_piece ? kernel_file_read_one_piece(&f->kf, root, rel, max, b)
                          : kernel_file_read(&f->kf, root, rel, max, b);
        return optional_note(&f->missing_until_ns, r);
}

int optional_file_read_records(struct optional_file *f, const char *root, const char *rel, size_t record_max,
                               size_t max, struct buf *b) {
        if (optional_still_missing(&f->missing_until_ns))
                return -ENOENT;
        return optional_note(&f->missing_until_ns, kernel_file_read_records(&f->kf, root, rel, record_max, max, b));
}

int optional_dirlist_read(uint64_t *missing_until_ns, struct dirlist *l, const char *path) {
        if (optional_still_missing(missing_until_ns))
                return -ENOENT;
        return optional_note(missing_until_ns, dirlist_read_kept(l, path));
}

int optional_file_read_u64(struct optional_file *f, const char *root, const char *rel, struct buf *b, uint64_t *ret) {
        int r = optional_file_read(f, root, rel, true, FILE_MAX_SMALL, b);
        if (r < 0)
                return r;
        struct lines lines = lines_of(b, NULL);
        const char *line, *next;
        size_t len, next_len;
        struct field v[2];
        uint64_t x;
        if (!lines_next(&lines, &line, &len) || lines_next(&lines, &next, &next_len) ||
            split_fields(line, len, v, 1) != 1 || parse_u64_field(v[0], &x) < 0)
                return -EBADMSG;
        *ret = x;
        return 0;
}

void optional_file_close(struct optional_file *f) {
        kernel_file_close(&f->kf);
        f->missing_until_ns = 0;
}
