/* Strict number, boolean, duration and field parsing. */
#include "parse.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "macro.h"

int parse_u64(const char *s, size_t n, uint64_t *ret) {
        if (n == 0)
                return -EINVAL;
        uint64_t v = 0;
        for (size_t i = 0; i < n; i++) {
                unsigned d = (unsigned char) s[i] - '0';
                if (d > 9)
                        return -EINVAL;
                if (v > (UINT64_MAX - d) / 10)
                        return -ERANGE;
                v = v * 10 + d;
        }
        *ret = v;
        return 0;
}

int parse_u64_field(struct field f, uint64_t *ret) {
        return parse_u64(f.s, f.n, ret);
}

int parse_uint_range(const char *s, unsigned min, unsigned max, unsigned *ret) {
        uint64_t v;
        int r = parse_u64(s, strlen(s), &v);
        if (r < 0)
                return r;
        if (v < min || v > max)
                return -ERANGE;
        *ret = (unsigned) v;
        return 0;
}

int parse_bool(const char *s, bool *ret) {
        static const char *const yes[] = {"true", "yes", "on", "1"};
        static const char *const no[] = {"false", "no", "off", "0"};
        for (size_t i = 0; i < ELEMENTSOF(yes); i++) {
                if (strcasecmp(s, yes[i]) == 0) {
                        *ret = true;
                        return 0;
                }
                if (strcasecmp(s, no[i]) == 0) {
                        *ret = false;
                        return 0;
                }
        }
        return -EINVAL;
}

int parse_duration_ms(const char *s, uint64_t *ret) {
        static const struct {
                const char *suffix;
                uint64_t ms;
        } units[] = {
                /* "ms" before "m", so that the longer suffix wins. */
                {"ms", 1}, {"s", 1000}, {"m", 60000}, {"h", 3600000}, {"d", 86400000},
        };
        uint64_t total = 0;
        if (*s == '\0')
                return -EINVAL;
        while (*s) {
                size_t digits = strspn(s, "0123456789");
                uint64_t v;
                int r = parse_u64(s, digits, &v);
                if (r < 0)
                        return r;
                s += digits;
                size_t i;
                for (i = 0; i < ELEMENTSOF(units); i++) {
                        size_t len = strlen(units[i].suffix);
                        if (strncmp(s, units[i].suffix, len) == 0) {
                                s += len;
                                break;
                        }
                }
                if (i == ELEMENTSOF(units))
                        return -EINVAL;
                if (v > (UINT64_MAX - total) / units[i].ms)
                        return -ERANGE;
                total += v * units[i].ms;
        }
        *ret = total;
        return 0;
}

#ifdef __SSE2__
/* Split 16 bytes at a time (SSE2 is baseline on x86-64): the separators of
 * a block as a bitmask, and a field starts or ends at each bit where it
 * differs from the byte before. The long lines of /proc/net/netstat, snmp
 * and diskstats cost half the instructions of the byte loop; the last
 * bytes of a line are the 16 that end it, loaded again, since a line sits
 * at the end of its buffer and nothing past it may be read. */
struct split_state {
        struct field *out, *out_end;
        const char *start;   /* of the field being read */
        uint32_t sep_before; /* whether the byte before the block is a separator */
};

static inline uint32_t split_separators16(const char *p) {
        __m128i v = _mm_loadu_si128((const __m128i *) (const void *) p);
        __m128i sep = _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8(' ')), _mm_cmpeq_epi8(v, _mm_set1_epi8('\t')));
        return (uint32_t) _mm_movemask_epi8(sep);
}

/* The fields of the block at p whose separators are sep, the bits of
 * width mask; false at a field past out_end. */
static inline bool split_block(struct split_state *s, const char *p, uint32_t sep, uint32_t width) {
        uint32_t edges = (sep ^ (sep << 1 | s->sep_before)) & width;
        s->sep_before = (sep & (width ^ width >> 1)) != 0;
        while (edges) {
                unsigned i = (unsigned) __builtin_ctz(edges);
                edges &= edges - 1;
                if (sep >> i & 1)
                        *s->out++ = (struct field){s->start, (size_t) (p + i - s->start)};
                else if (s->out == s->out_end)
                        return false;
                else
                        s->start = p + i;
        }
        return true;
}

int split_fields(const char *line, size_t len, struct field *out, size_t max) {
        struct split_state s = {out, out + max, NULL, 1};
        const char *p = line, *end = line + len;
        for (; end - p >= 16; p += 16)
                if (!split_block(&s, p, split_separators16(p), 0xffff))
                        return -E2BIG;
        if (p < end) {
                unsigned rest = (unsigned) (end - p);
                uint32_t sep;
                if (len >= 16)
                        sep = split_separators16(end - 16) >> (16 - rest);
                else {
                        char tmp[16] = {0};
                        memcpy(tmp, p, rest);
                        sep = split_separators16(tmp);
                }
                if (!split_block(&s, p, sep, (1u << rest) - 1))
                        return -E2BIG;
        }
        if (!s.sep_before)
                *s.out++ = (struct field){s.start, (size_t) (end - s.start)};
        return (int) (s.out - out);
}
#else
int split_fields(const char *line, size_t len, struct field *out, size_t max) {
        size_t n = 0, i = 0;
        while (i < len) {
                while (i < len && (line[i] == ' ' || line[i] == '\t'))
                        i++;
                if (i == len)
                        break;
                size_t start = i;
                while (i < len && line[i] != ' ' && line[i] != '\t')
                        i++;
                if (n == max)
                        return -E2BIG;
                out[n++] = (struct field){line + start, i - start};
        }
        return (int) n;
}
#endif

size_t complete_lines_len(const char *s, size_t len, bool *ret_cut) {
        size_t n = len;
        while (n > 0 && s[n - 1] != '\n')
                n--;
        *ret_cut = n < len;
        return n;
}

struct lines lines_of(const struct buf *b, unsigned *parse_errors) {
        bool cut;
        size_t n = b->data ? complete_lines_len(b->data, b->len, &cut) : (cut = false, 0);
        if (parse_errors)
                *parse_errors += cut;
        return (struct lines){b->data, b->data + n};
}

bool next_line(const char **pos, const char *end, const char **ret_line, size_t *ret_len) {
        const char *p = *pos;
        if (p >= end)
                return false;
        const char *nl = memchr(p, '\n', (size_t) (end - p));
        const char *stop = nl ? nl : end;
        *ret_line = p;
        *ret_len = (size_t) (stop - p);
        *pos = nl ? nl + 1 : end;
        return true;
}

size_t utf8_char_len(const char *str) {
        const unsigned char *s = (const unsigned char *) str;
        unsigned char c = s[0];
        if (c < 0x80)
                return 1;
        if (c >= 0xC2 && c <= 0xDF)
                return (s[1] & 0xC0) == 0x80 ? 2 : 0;
        if (c >= 0xE0 && c <= 0xEF) {
                unsigned char lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
                return s[1] >= lo && s[1] <= hi && (s[2] & 0xC0) == 0x80 ? 3 : 0;
        }
        if (c >= 0xF0 && c <= 0xF4) {
                unsigned char lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
                return s[1] >= lo && s[1] <= hi && (s[2] & 0xC0) == 0x80 && (s[3] & 0xC0) == 0x80 ? 4 : 0;
        }
        return 0;
}

bool utf8_valid(const char *s) {
        while (*s) {
                size_t n = utf8_char_len(s);
                if (n == 0)
                        return false;
                s += n;
        }
        return true;
}

int parse_prom_value(const char *p, size_t n, double *ret) {
        char tmp[64];
        if (n == 0 || n >= sizeof(tmp))
                return -EINVAL;
        memcpy(tmp, p, n);
        tmp[n] = '\0';
        if (strcmp(tmp, "+Inf") == 0 || strcmp(tmp, "Inf") == 0) {
                *ret = INFINITY;
                return 0;
        }
        if (strcmp(tmp, "-Inf") == 0) {
                *ret = -INFINITY;
                return 0;
        }
        if (strcmp(tmp, "NaN") == 0) {
                *ret = NAN;
                return 0;
        }
        /* no hex floats, no "inf"/"nan" spellings strtod would take */
        for (size_t i = 0; i < n; i++)
                if (!strchr("0123456789+-.eE", tmp[i]))
                        return -EINVAL;
        char *e;
        errno = 0;
        *ret = strtod(tmp, &e);
        return errno == 0 && *e == '\0' ? 0 : -EINVAL;
}

size_t field_put_unescaped(struct buf *b, struct field f) {
        size_t off = b->len;
        for (size_t i = 0; i < f.n; i++) {
                if (f.s[i] == '\\' && i + 3 < f.n && f.s[i + 1] >= '0' && f.s[i + 1] <= '3' && f.s[i + 2] >= '0' &&
                    f.s[i + 2] <= '7' && f.s[i + 3] >= '0' && f.s[i + 3] <= '7') {
                        buf_putc(b, (char) ((f.s[i + 1] - '0') * 64 + (f.s[i + 2] - '0') * 8 + (f.s[i + 3] - '0')));
                        i += 3;
                } else
                        buf_putc(b, f.s[i]);
        }
        buf_putc(b, '\0');
        return off;
}
