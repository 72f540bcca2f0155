/* Strict parsing of kernel text and config values (STYLE.md 9): every
 * function checks what it was given in full and returns -EINVAL or -ERANGE
 * rather than guessing, and never reads past the bytes it was handed. */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/* One whitespace-separated field of a line; not NUL-terminated. */
struct field {
        const char *s;
        size_t n;
};

/* Decimal digits only, no sign, no spaces; -ERANGE past UINT64_MAX. */
int parse_u64(const char *s, size_t n, uint64_t *ret);
int parse_u64_field(struct field f, uint64_t *ret);
/* A whole C string as an unsigned integer in [min, max]. */
int parse_uint_range(const char *s, unsigned min, unsigned max, unsigned *ret);
/* true/false, yes/no, on/off, 1/0 (case-insensitive). */
int parse_bool(const char *s, bool *ret);
/* Prometheus-style durations: "250ms", "10s", "1m30s", "2h"; a bare number is an error. */
int parse_duration_ms(const char *s, uint64_t *ret);
/* A sample value as the Prometheus text format writes it: a decimal
 * float, +Inf, -Inf or NaN (n bytes at p). */
int parse_prom_value(const char *p, size_t n, double *ret);

/* Appends f to b with the \ooo escapes of /proc's mount tables decoded
 * (a blank is \040 there), and a NUL; returns where it starts in b. */
size_t field_put_unescaped(struct buf *b, struct field f);

/* Splits [line, line+len) at spaces and tabs into out[0, max). Returns
 * the number of fields, never more than max, or -E2BIG when the line has
 * more: out then holds the first max, for a caller that reads only the
 * start of a longer line (the first columns of /proc/stat's intr line). */
int split_fields(const char *line, size_t len, struct field *out, size_t max);
/* The first max fields of a line that may have more (the kernel appends
 * fields to /proc/self/stat now and then); false when it has fewer. */
static inline bool split_leading_fields(const char *line, size_t len, struct field *out, size_t max) {
        int n = split_fields(line, len, out, max);
        return n == -E2BIG || (n >= 0 && (size_t) n == max);
}

/* Length of text up to and including its last newline. Kernel files end
 * with one: a last line without it was cut (a truncated read, a broken
 * fixture) and is left out, with *ret_cut set so that it is counted. */
size_t complete_lines_len(const char *s, size_t len, bool *ret_cut);

/* The complete lines of a file read into a buffer, to walk with
 * lines_next(). A cut last line is left out and, when parse_errors is not
 * NULL, counted there. */
struct lines {
        const char *pos, *end;
};
struct lines lines_of(const struct buf *b, unsigned *parse_errors);

/* Walks a text buffer line by line: sets *ret_line and *ret_len to the next
 * line without its '\n' and advances *pos; false at the end. */
bool next_line(const char **pos, const char *end, const char **ret_line, size_t *ret_len);

/* Length of the valid UTF-8 sequence s starts with (1 to 4 bytes), or 0
 * if it starts none; s is NUL-terminated, and a NUL ends any sequence. */
size_t utf8_char_len(const char *s);
/* Whether the NUL-terminated s is valid UTF-8 throughout. */
bool utf8_valid(const char *s);

static inline bool field_eq(struct field f, const char *lit, size_t lit_len) {
        return f.n == lit_len && __builtin_memcmp(f.s, lit, lit_len) == 0;
}
static inline bool lines_next(struct lines *l, const char **ret_line, size_t *ret_len) {
        return next_line(&l->pos, l->end, ret_line, ret_len);
}

#define FIELD_EQ(f, lit) field_eq((f), "" lit, sizeof(lit) - 1)
