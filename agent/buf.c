/* Growable buffer: greedy doubling, sticky allocation error. */
#include "buf.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc_failures.h"

int buf_reserve(struct buf *b, size_t extra) {
        if (b->error < 0)
                return b->error;
        if (extra > SIZE_MAX / 2 - b->len) {
                alloc_failure_note();
                return (b->error = -ENOMEM);
        }
        size_t need = b->len + extra + 1;
        if (need <= b->cap)
                return 0;
        size_t cap = b->cap ? b->cap : 256;
        while (cap < need)
                cap *= 2;
        char *p = realloc(b->data, cap);
        if (!p) {
                alloc_failure_note();
                return (b->error = -ENOMEM);
        }
        b->data = p;
        b->cap = cap;
        return 0;
}

void buf_put_slow(struct buf *b, const void *s, size_t n) {
        /* s may lie in b itself (a string of the buffer appended again):
         * growing moves it, so it is found again by its offset */
        uintptr_t at = (uintptr_t) s, start = (uintptr_t) b->data;
        bool inside = b->data && at >= start && at < start + b->cap;
        if (buf_reserve(b, n) < 0)
                return;
        if (inside)
                s = b->data + (at - start);
        if (n > 0)
                memcpy(b->data + b->len, s, n);
        b->len += n;
        b->data[b->len] = '\0';
}

void buf_puts(struct buf *b, const char *s) {
        buf_put(b, s, strlen(s));
}

/* Integers are most of an exposition's values (about 1,000 a scrape): the
 * digits are counted first, then written from the end two at a time, each
 * pair from a table: one division by 100 for two digits, where the loop
 * it replaces divided by 10 for each and copied them once more. */
static const char digit_pairs[201] = "00010203040506070809"
                                     "10111213141516171819"
                                     "20212223242526272829"
                                     "30313233343536373839"
                                     "40414243444546474849"
                                     "50515253545556575859"
                                     "60616263646566676869"
                                     "70717273747576777879"
                                     "80818283848586878889"
                                     "90919293949596979899";

static size_t u64_digits(uint64_t v) {
        size_t n = 1;
        for (;;) {
                if (v < 10)
                        return n;
                if (v < 100)
                        return n + 1;
                if (v < 1000)
                        return n + 2;
                if (v < 10000)
                        return n + 3;
                v /= 10000;
                n += 4;
        }
}

size_t fmt_u64(char out[static 21], uint64_t v) {
        size_t n = u64_digits(v);
        char *p = out + n;
        *p = '\0';
        while (v >= 100) {
                p -= 2;
                memcpy(p, digit_pairs + v % 100 * 2, 2);
                v /= 100;
        }
        if (v >= 10)
                memcpy(p - 2, digit_pairs + v * 2, 2);
        else
                p[-1] = (char) ('0' + v);
        return n;
}

void buf_put_u64(struct buf *b, uint64_t v) {
        /* straight into the buffer when it has room, NUL included */
        if (b->cap - b->len >= 21 && b->error == 0) {
                b->len += fmt_u64(b->data + b->len, v);
                return;
        }
        char tmp[21];
        buf_put(b, tmp, fmt_u64(tmp, v));
}

void buf_put_i64(struct buf *b, int64_t v) {
        if (v < 0) {
                buf_putc(b, '-');
                buf_put_u64(b, (uint64_t) 0 - (uint64_t) v);
        } else
                buf_put_u64(b, (uint64_t) v);
}

void buf_vprintf(struct buf *b, const char *fmt, va_list ap) {
        va_list aq;
        va_copy(aq, ap);
        int n = vsnprintf(NULL, 0, fmt, aq);
        va_end(aq);
        if (n < 0) {
                b->error = -EINVAL;
                return;
        }
        if (buf_reserve(b, (size_t) n) < 0)
                return;
        (void) vsnprintf(b->data + b->len, (size_t) n + 1, fmt, ap);
        b->len += (size_t) n;
}

void buf_printf(struct buf *b, const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        buf_vprintf(b, fmt, ap);
        va_end(ap);
}

void buf_reset(struct buf *b) {
        b->len = 0;
        b->error = 0;
        if (b->data)
                b->data[0] = '\0';
}

void buf_free(struct buf *b) {
        free(b->data);
        *b = (struct buf){0};
}
