/* Text encoder: one pass over the sorted families, writing into a reused
 * buffer. Label values are escaped and made valid UTF-8 here, so that no
 * name the kernel hands us can break a line or inject a sample. */
#include "prom_text.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "macro.h"
#include "parse.h"
#include "sort.h"

/* Writes the shortest decimal that reads back as v, for a non-integer v
 * with 1e-9 <= |v| < 2^53; false, writing nothing, for any other v.
 *
 * Steele and White's free-format digits (Dragon4), in 128-bit integers: v
 * is mant * 2^-s exactly, and every double strictly closer to v than to its
 * neighbours reads back as v (or on the boundary, when mant is even, as
 * strtod rounds ties to even). Digits come out of the fraction one at a
 * time until stopping here, or rounding the last digit up, lands inside
 * that interval; it is the same text as Go's strconv 'g' -1 (Prometheus,
 * node_exporter) in plain notation. The integer part never changes: a
 * double below 2^53 that is not an integer is further than half its gap
 * from the nearest integers. Where the compiler has no 128-bit integers
 * (32-bit targets), printf does it. */
static bool put_shortest_decimal(struct buf *out, double v) {
#ifndef __SIZEOF_INT128__
        (void) out, (void) v;
        return false;
#else
        double a = fabs(v);
        if (!(a >= 1e-9 && a < 9007199254740992.0))
                return false;
        uint64_t bits;
        memcpy(&bits, &a, sizeof(bits));
        int biased = (int) (bits >> 52);
        uint64_t mant = (bits & ((UINT64_C(1) << 52) - 1)) | (UINT64_C(1) << 52);
        int s = 1075 - biased; /* a = mant / 2^s; 1e-9 gives s <= 82 */
        if (s <= 0)
                return false; /* an integer */
        typedef unsigned __int128 u128;
        uint64_t ipart = s >= 64 ? 0 : mant >> s;
        u128 frac = (u128) mant & (((u128) 1 << s) - 1);
        if (frac == 0)
                return false;
        /* in units of a quarter of the gap above v: that gap is 4, half of
         * it 2; the gap below is the same but for a power of two, where it
         * is half as wide */
        int shift = s + 2;
        u128 one = (u128) 1 << shift, r = frac << 2;
        u128 m_plus = 2, m_minus = mant == (UINT64_C(1) << 52) ? 1 : 2;
        bool even = (mant & 1) == 0;
        char digits[40];
        size_t n = 0;
        for (;;) {
                if (n == sizeof(digits))
                        return false; /* cannot happen: 17 significant digits always do */
                r *= 10, m_plus *= 10, m_minus *= 10;
                int d = (int) (r >> shift);
                r &= one - 1;
                bool low = even ? r <= m_minus : r < m_minus;            /* stopping here reads back */
                bool high = even ? r + m_plus >= one : r + m_plus > one; /* so does rounding up */
                if (low && high)
                        d += 2 * r >= one; /* the nearer of the two */
                else if (high)
                        d++;
                digits[n++] = (char) ('0' + d);
                if (low || high)
                        break;
        }
        if (v < 0)
                buf_putc(out, '-');
        buf_put_u64(out, ipart);
        buf_putc(out, '.');
        buf_put(out, digits, n);
        return true;
#endif
}

void prom_put_value(struct buf *out, double v) {
        if (isnan(v)) {
                buf_put(out, "NaN", 3);
                return;
        }
        if (isinf(v)) {
                buf_puts(out, v > 0 ? "+Inf" : "-Inf");
                return;
        }
        /* Integers (counters, byte counts) print exactly, without exponent. */
        if (v >= -9.2e18 && v <= 9.2e18 && v == (double) (int64_t) v) {
                buf_put_i64(out, (int64_t) v);
                return;
        }
        /* Past 2^63 up to 2^64, where every double is an integer: an unlimited
         * rlimit (2^64-1, which is 2^64 as a double) reads back the same */
        if (v > 9.2e18 && v < 18446744073709551616.0) {
                buf_put_u64(out, (uint64_t) v);
                return;
        }
        if (v == 18446744073709551616.0) {
                buf_puts(out, "18446744073709551616");
                return;
        }
        /* Other values from 1e-9 up: the shortest decimal that reads back
         * as v, in plain notation (15.91, 0.000076337, 25.935000000000002),
         * without printf, which costs ten times more. */
        if (put_shortest_decimal(out, v))
                return;
        /* Otherwise (below 1e-9, integers past 2^64 or below -2^63, 32-bit
         * builds): the first of %.15g, %.16g, %.17g that reads back the
         * same, with an exponent where printf puts one. */
        char tmp[32];
        int n = 0;
        for (int digits = 15; digits <= 17; digits++) {
                n = snprintf(tmp, sizeof(tmp), "%.*g", digits, v);
                if (strtod(tmp, NULL) == v)
                        break;
        }
        buf_put(out, tmp, (size_t) n);
}

/* Writes s escaped; returns the byte after its terminating NUL, where the
 * next label value of a sample starts. */
static const char *put_label_value(struct buf *out, const char *s) {
        const unsigned char *p = (const unsigned char *) s;
        while (*p) {
                /* copy the longest run that needs no escaping in one go */
                const unsigned char *run = p;
                while (*p >= 0x20 && *p < 0x80 && *p != '\\' && *p != '"')
                        p++;
                buf_put(out, run, (size_t) (p - run));
                if (!*p)
                        break;
                switch (*p) {
                case '\\':
                        buf_put(out, "\\\\", 2);
                        p++;
                        continue;
                case '"':
                        buf_put(out, "\\\"", 2);
                        p++;
                        continue;
                case '\n':
                        buf_put(out, "\\n", 2);
                        p++;
                        continue;
                default: break;
                }
                size_t n = utf8_char_len((const char *) p);
                if (n == 0) {
                        buf_put(out, "\xEF\xBF\xBD", 3); /* U+FFFD for a byte that is not UTF-8 */
                        p++;
                } else {
                        /* other control characters are valid in a quoted value */
                        buf_put(out, p, n);
                        p += n;
                }
        }
        return (const char *) p + 1;
}

void prom_put_label_value(struct buf *out, const char *s) {
        (void) put_label_value(out, s);
}

void prom_put_help(struct buf *out, const char *s) {
        for (;;) {
                size_t run = strcspn(s, "\\\n");
                buf_put(out, s, run);
                s += run;
                if (!*s)
                        return;
                buf_put(out, *s == '\\' ? "\\\\" : "\\n", 2);
                s++;
        }
}

static int family_cmp(const void *a, const void *b, void *ctx) {
        const struct metric_set *set = ctx;
        size_t x = *(const size_t *) a, y = *(const size_t *) b;
        int c = strcmp(set->families[x].desc->name, set->families[y].desc->name);
        if (c != 0)
                return c;
        return x < y ? -1 : x > y; /* stable: keep the order of collection */
}

/* What every sample of a family starts with, measured once per family. */
struct family_text {
        const struct metric_desc *desc;
        size_t name_len;
        size_t label_len[8]; /* label names' lengths, for the first eight */
};

/* Writes what comes before a sample's value; returns the length of its raw
 * label values (n_labels NUL-terminated strings). */
static size_t put_prefix(struct buf *out, const struct metric_set *set, const struct family_text *ft,
                         const struct metric_sample *s) {
        const struct metric_desc *d = ft->desc;
        buf_put(out, d->name, ft->name_len);
        if (s->suffix != METRIC_SUFFIX_NONE)
                buf_puts(out, metric_suffix_name(s->suffix));
        const char *raw = metric_sample_labels(set, s), *v = raw;
        if (d->n_labels > 0) {
                buf_putc(out, '{');
                for (unsigned l = 0; l < d->n_labels; l++) {
                        if (l > 0)
                                buf_putc(out, ',');
                        if (l < ELEMENTSOF(ft->label_len))
                                buf_put(out, d->labels[l], ft->label_len[l]);
                        else
                                buf_puts(out, d->labels[l]);
                        buf_put(out, "=\"", 2);
                        v = put_label_value(out, v);
                        buf_putc(out, '"');
                }
                buf_putc(out, '}');
        }
        buf_putc(out, ' ');
        return (size_t) (v - raw);
}

/* A family's HELP and TYPE lines. */
static void put_header(struct buf *out, const struct metric_desc *d, size_t name_len) {
        buf_put(out, "# HELP ", 7);
        buf_put(out, d->name, name_len);
        buf_putc(out, ' ');
        prom_put_help(out, d->help);
        buf_put(out, "\n# TYPE ", 8);
        buf_put(out, d->name, name_len);
        buf_putc(out, ' ');
        buf_puts(out, metric_type_name(d->type));
        buf_putc(out, '\n');
}

/* The j-th sample's prefix from the last encoding, if it is the same
 * series: same family, suffix and label values, and the family's HELP and
 * TYPE lines before it then as now (header: the sample is the first of
 * its name), from the same help and type. The raw values compared hold as
 * many NULs as the family has labels, so equal bytes are equal values. */
static const struct prom_prefix *prefix_match(const struct prom_encoder *enc, size_t j, const struct metric_set *set,
                                              const struct metric_desc *d, const struct metric_sample *s, bool header) {
        if (j >= enc->n_prefixes)
                return NULL;
        const struct prom_prefix *p = &enc->prefixes[j];
        if (p->desc != d || p->n_labels != d->n_labels || p->suffix != s->suffix || p->header != header ||
            (header && (p->help != d->help || p->type != d->type)) || p->labels_len > set->strings.len - s->labels ||
            memcmp(enc->prefix_labels.data + p->labels, metric_sample_labels(set, s), p->labels_len) != 0)
                return NULL;
        return p;
}

/* Remembers out[start..] as the j-th sample's prefix. */
static void prefix_remember(struct prom_encoder *enc, size_t j, const struct metric_set *set,
                            const struct metric_sample *s, const struct metric_desc *d, bool header,
                            const struct buf *out, size_t start, size_t labels_len) {
        /* prefixes[0, n_prefixes) are all valid: none past a gap (the cache
         * emptied earlier in this encoding) */
        if (j > enc->n_prefixes)
                return;
        if (out->error < 0 || enc->prefix_text.len > UINT32_MAX / 2 || enc->prefix_labels.len > UINT32_MAX / 2 ||
            array_reserve((void **) &enc->prefixes, &enc->cap_prefixes, j + 1, sizeof(*enc->prefixes)) < 0) {
                enc->n_prefixes = 0; /* nothing to reuse next time, nothing wrong either */
                return;
        }
        enc->prefixes[j] = (struct prom_prefix){
                .desc = d,
                .text = (uint32_t) enc->prefix_text.len,
                .text_len = (uint32_t) (out->len - start),
                .labels = (uint32_t) enc->prefix_labels.len,
                .labels_len = (uint32_t) labels_len,
                .n_labels = (uint32_t) d->n_labels,
                .suffix = s->suffix,
                .header = header,
                .type = (uint8_t) d->type,
                .help = d->help,
        };
        buf_put(&enc->prefix_text, out->data + start, out->len - start);
        buf_put(&enc->prefix_labels, metric_sample_labels(set, s), labels_len);
        if (enc->prefix_text.error < 0 || enc->prefix_labels.error < 0) {
                buf_reset(&enc->prefix_text);
                buf_reset(&enc->prefix_labels);
                enc->n_prefixes = 0;
                return;
        }
        if (j >= enc->n_prefixes)
                enc->n_prefixes = j + 1;
}

/* Past the last encoding's n prefixes, and once replaced ones take more
 * room than the live ones, copies the live ones to the spare buffers. */
static void prefix_compact(struct prom_encoder *enc, size_t n) {
        if (n < enc->n_prefixes)
                enc->n_prefixes = n;
        size_t live = 0;
        for (size_t j = 0; j < enc->n_prefixes; j++)
                live += enc->prefixes[j].text_len + enc->prefixes[j].labels_len;
        if (enc->prefix_text.len + enc->prefix_labels.len <= 2 * live + 4096)
                return;
        buf_reset(&enc->spare_text);
        buf_reset(&enc->spare_labels);
        for (size_t j = 0; j < enc->n_prefixes; j++) {
                struct prom_prefix *p = &enc->prefixes[j];
                size_t t = enc->spare_text.len, l = enc->spare_labels.len;
                buf_put(&enc->spare_text, enc->prefix_text.data + p->text, p->text_len);
                buf_put(&enc->spare_labels, enc->prefix_labels.data + p->labels, p->labels_len);
                p->text = (uint32_t) t;
                p->labels = (uint32_t) l;
        }
        struct buf b = enc->prefix_text;
        enc->prefix_text = enc->spare_text;
        enc->spare_text = b;
        b = enc->prefix_labels;
        enc->prefix_labels = enc->spare_labels;
        enc->spare_labels = b;
        if (enc->prefix_text.error < 0 || enc->prefix_labels.error < 0)
                enc->n_prefixes = 0;
}

int prom_text_encode(struct prom_encoder *enc, const struct metric_set *set, struct buf *out) {
        size_t n = set->n_families;
        /* a descriptor freed since: an address remembered may be another's now */
        uint64_t generation = metric_desc_generation();
        if (generation != enc->desc_generation) {
                enc->n_last = 0;
                enc->n_prefixes = 0;
                enc->desc_generation = generation;
        }
        bool same = n == enc->n_last;
        for (size_t i = 0; same && i < n; i++)
                same = set->families[i].desc == enc->last[i];
        if (!same) {
                if (array_reserve((void **) &enc->order, &enc->cap, n, sizeof(*enc->order)) < 0 ||
                    array_reserve((void **) &enc->last, &enc->cap_last, n, sizeof(*enc->last)) < 0)
                        return -ENOMEM;
                for (size_t i = 0; i < n; i++) {
                        enc->order[i] = i;
                        enc->last[i] = set->families[i].desc;
                }
                sort_r(enc->order, n, sizeof(*enc->order), family_cmp, (void *) set);
                enc->n_last = n;
        }

        size_t start = out->len;
        (void) buf_reserve_slack(out, enc->last_len);
        const char *prev = NULL;
        size_t j = 0; /* samples written */
        for (size_t i = 0; i < set->n_families; i++) {
                const struct metric_family *f = &set->families[enc->order[i]];
                const struct metric_desc *d = f->desc;
                if (f->count == 0)
                        continue;
                /* the first entry of a name writes its HELP and TYPE, which
                 * the prefix of its first sample holds */
                bool header = !prev || strcmp(prev, d->name) != 0;
                prev = d->name;
                struct family_text ft = {.desc = NULL}; /* measured at the first prefix missed */
                for (uint32_t k = 0; k < f->count; k++, j++) {
                        const struct metric_sample *sample = &set->samples[f->first + k];
                        bool with_header = header && k == 0;
                        const struct prom_prefix *p = prefix_match(enc, j, set, d, sample, with_header);
                        if (p) {
                                buf_put(out, enc->prefix_text.data + p->text, p->text_len);
                        } else {
                                if (!ft.desc) {
                                        ft = (struct family_text){.desc = d, .name_len = strlen(d->name)};
                                        for (unsigned l = 0; l < d->n_labels && l < ELEMENTSOF(ft.label_len); l++)
                                                ft.label_len[l] = strlen(d->labels[l]);
                                }
                                size_t at = out->len;
                                if (with_header)
                                        put_header(out, d, ft.name_len);
                                size_t labels_len = put_prefix(out, set, &ft, sample);
                                prefix_remember(enc, j, set, sample, d, with_header, out, at, labels_len);
                        }
                        prom_put_value(out, sample->value);
                        buf_putc(out, '\n');
                }
        }
        prefix_compact(enc, j);
        enc->last_len = out->len - start;
        return out->error;
}

void prom_encoder_free(struct prom_encoder *enc) {
        free(enc->order);
        free(enc->last);
        free(enc->prefixes);
        buf_free(&enc->prefix_text);
        buf_free(&enc->prefix_labels);
        buf_free(&enc->spare_text);
        buf_free(&enc->spare_labels);
        *enc = (struct prom_encoder){0};
}
