/* Kernel files a host may lack, looked for again once a minute. */
#include "optional_file.h"

#include <errno.h>

#include "clock.h"
#include "parse.h"

#define OPTIONAL_FILE_RETRY_NS (60 * 1000000000ull)

int optional_file_read(struct optional_file *f, const char *root, const char *rel, bool one_piece, size_t max,
                       struct buf *b) {
        if (f->missing_until_ns != 0) {
                if (clock_ns(CLOCK_MONOTONIC) < f->missing_until_ns)
                        return -ENOENT;
                f->missing_until_ns = 0;
        }
        int r = one_piece ? kernel_file_read_one_piece(&f->kf, root, rel, max, b) : kernel_file_read(&f->kf, root, rel, max, b);
        if (r == -ENOENT)
                f->missing_until_ns = clock_ns(CLOCK_MONOTONIC) + OPTIONAL_FILE_RETRY_NS;
        return r;
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
