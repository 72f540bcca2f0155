/* A growable byte buffer, reused from scrape to scrape (redis sds style).
 * A failed allocation is sticky: later appends do nothing and buf.error
 * stays -ENOMEM until buf_reset(), so a caller checks once at the end and
 * never ships a silently truncated output. */
#pragma once

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "macro.h"

struct buf {
        char *data; /* NUL-terminated once anything was reserved */
        size_t len;
        size_t cap;
        int error; /* 0, or -ENOMEM after a failed allocation */
};

/* Makes room for extra more bytes plus a NUL; 0 or -ENOMEM (sticky). */
int buf_reserve(struct buf *b, size_t extra);
/* The same with an eighth more: for outputs whose size wobbles from one
 * scrape to the next (a duration prints with more or fewer digits), so
 * that a warm buffer does not reallocate when the wobble crosses its
 * capacity. */
static inline int buf_reserve_slack(struct buf *b, size_t extra) {
        return buf_reserve(b, extra > SIZE_MAX / 2 ? extra : extra + extra / 8);
}
/* buf_put and buf_puts may append a piece of b to b itself; buf_printf's
 * arguments must not point into b (growing it would leave them dangling). */
void buf_put_slow(struct buf *b, const void *s, size_t n);
void buf_puts(struct buf *b, const char *s);

/* The encoder appends a few bytes at a time: the common case, room left,
 * stays inline. */
static inline void buf_put(struct buf *b, const void *s, size_t n) {
        if (b->len + n < b->cap && b->error == 0) {
                __builtin_memcpy(b->data + b->len, s, n);
                b->len += n;
                b->data[b->len] = '\0';
        } else
                buf_put_slow(b, s, n);
}

static inline void buf_putc(struct buf *b, char c) {
        if (b->len + 1 < b->cap && b->error == 0) {
                b->data[b->len++] = c;
                b->data[b->len] = '\0';
        } else
                buf_put_slow(b, &c, 1);
}
void buf_put_u64(struct buf *b, uint64_t v);
/* v in decimal and a NUL into out, without printf; the digits written. */
size_t fmt_u64(char out[static 21], uint64_t v);
void buf_put_i64(struct buf *b, int64_t v);
void buf_printf(struct buf *b, const char *fmt, ...) _printf_(2, 3);
void buf_vprintf(struct buf *b, const char *fmt, va_list ap) _printf_(2, 0);
/* Empties the buffer and clears the error, keeping the memory. */
void buf_reset(struct buf *b);
void buf_free(struct buf *b);
