/* Text encoder: one pass over the sorted families, writing into a reused
 * buffer. Label values are escaped and made valid UTF-8 here, so that no
 * name the kernel hands us can break a line or inject a sample. */
#include "prom_text.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "sort.h"

static const char *const type_names[] = {
        [METRIC_GAUGE] = "gauge",
        [METRIC_COUNTER] = "counter",
        [METRIC_UNTYPED] = "untyped",
        [METRIC_HISTOGRAM] = "histogram",
        [METRIC_SUMMARY] = "summary",
};

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
        /* Decimals such as 15.91 or 0.95 (ticks/100, ratios) or 0.000076337
         * (durations in nanoseconds): the fewest decimals k for which the
         * integer nearest v * 10^k, divided by 10^k, gives v back. That
         * division is correctly rounded, as strtod is, so the text reads
         * back as v; printf and strtod cost ten times more. */
        static const double pow10[] = {1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9};
        double a = fabs(v);
        if (a >= 1e-9 && a < 1e15) {
                for (int k = 1; k < (int) ELEMENTSOF(pow10); k++) {
                        double scaled = v * pow10[k];
                        if (fabs(scaled) > 9007199254740992.0) /* 2^53: past it, integers are not all exact */
                                break;
                        /* nearest integer; a tie may go either way, the check below
                         * decides (and llround would load libm, 300 kB of RSS) */
                        int64_t i = (int64_t) (scaled + (scaled < 0 ? -0.5 : 0.5));
                        if ((double) i / pow10[k] != v)
                                continue;
                        uint64_t u = i < 0 ? (uint64_t) 0 - (uint64_t) i : (uint64_t) i;
                        uint64_t p = (uint64_t) pow10[k];
                        char frac[16] = {0};
                        uint64_t f = u % p;
                        for (int d = k - 1; d >= 0; d--, f /= 10)
                                frac[d] = (char) ('0' + f % 10);
                        int digits = k; /* k is the fewest, so frac ends in a nonzero digit */
                        while (digits > 1 && frac[digits - 1] == '0')
                                digits--;
                        if (i < 0)
                                buf_putc(out, '-');
                        buf_put_u64(out, u / p);
                        buf_putc(out, '.');
                        buf_put(out, frac, (size_t) digits);
                        return;
                }
        }
        /* Otherwise the shortest of %.15g/%.17g that reads back the same. */
        char tmp[32];
        int n = snprintf(tmp, sizeof(tmp), "%.15g", v);
        if (strtod(tmp, NULL) != v)
                n = snprintf(tmp, sizeof(tmp), "%.17g", v);
        buf_put(out, tmp, (size_t) n);
}

/* Length of the valid UTF-8 sequence at s (1..4), or 0 if invalid. */
static size_t utf8_len(const unsigned char *s) {
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

void prom_put_label_value(struct buf *out, const char *s) {
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
                default:
                        break;
                }
                size_t n = utf8_len(p);
                if (n == 0) {
                        buf_put(out, "\xEF\xBF\xBD", 3); /* U+FFFD for a byte that is not UTF-8 */
                        p++;
                } else {
                        /* other control characters are valid in a quoted value */
                        buf_put(out, p, n);
                        p += n;
                }
        }
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

static void put_sample(struct buf *out, const struct metric_set *set, const struct metric_desc *d,
                       const struct metric_sample *s) {
        buf_puts(out, d->name);
        if (s->suffix != METRIC_SUFFIX_NONE)
                buf_puts(out, metric_suffix_name(s->suffix));
        if (d->n_labels > 0) {
                const char *v = metric_sample_labels(set, s);
                buf_putc(out, '{');
                for (unsigned l = 0; l < d->n_labels; l++) {
                        if (l > 0)
                                buf_putc(out, ',');
                        buf_puts(out, d->labels[l]);
                        buf_put(out, "=\"", 2);
                        prom_put_label_value(out, v);
                        buf_putc(out, '"');
                        v += strlen(v) + 1;
                }
                buf_putc(out, '}');
        }
        buf_putc(out, ' ');
        prom_put_value(out, s->value);
        buf_putc(out, '\n');
}

int prom_text_encode(struct prom_encoder *enc, const struct metric_set *set, struct buf *out) {
        size_t n = set->n_families;
        bool same = n == enc->n_last;
        for (size_t i = 0; same && i < n; i++)
                same = set->families[i].desc == enc->last[i];
        if (!same) {
                if (n > enc->cap) {
                        size_t *p = reallocarray(enc->order, n, sizeof(*p));
                        if (!p)
                                return -ENOMEM;
                        enc->order = p;
                        const struct metric_desc **l = reallocarray(enc->last, n, sizeof(*l));
                        if (!l)
                                return -ENOMEM;
                        enc->last = l;
                        enc->cap = n;
                }
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
        for (size_t i = 0; i < set->n_families; i++) {
                const struct metric_family *f = &set->families[enc->order[i]];
                const struct metric_desc *d = f->desc;
                if (f->count == 0)
                        continue;
                if (!prev || strcmp(prev, d->name) != 0) {
                        buf_put(out, "# HELP ", 7);
                        buf_puts(out, d->name);
                        buf_putc(out, ' ');
                        prom_put_help(out, d->help);
                        buf_put(out, "\n# TYPE ", 8);
                        buf_puts(out, d->name);
                        buf_putc(out, ' ');
                        buf_puts(out, type_names[d->type]);
                        buf_putc(out, '\n');
                        prev = d->name;
                }
                for (uint32_t k = 0; k < f->count; k++)
                        put_sample(out, set, d, &set->samples[f->first + k]);
        }
        enc->last_len = out->len - start;
        return out->error;
}

void prom_encoder_free(struct prom_encoder *enc) {
        free(enc->order);
        free(enc->last);
        *enc = (struct prom_encoder){0};
}
