/* The text encoder: escaping, float formatting, family order and merging,
 * gzip, and the duplicate-series check. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include <cmocka.h>

#include "desc_cache.h"
#include "gzip.h"
#include "harness.h"
#include "metric.h"
#include "prom_text.h"

static void test_values(_unused_ void **state) {
        static const struct {
                double v;
                const char *text;
        } table[] = {
                {0, "0"},
                {-0.0, "0"},
                {1, "1"},
                {-17, "-17"},
                {1795877178, "1795877178"},
                {18446744073709551615.0, "18446744073709551616"}, /* 2^64: an unlimited rlimit */
                {9.3e18, "9300000000000000000"},
                {1e19, "10000000000000000000"},
                {-1e19, "-1e+19"},
                {3e19, "3e+19"},
                {9007199254740993.0, "9007199254740992"}, /* 2^53 + 1 is not a double */
                {1e15, "1000000000000000"},
                {4611686018427387904.0, "4611686018427387904"},
                {0.1, "0.1"},
                {15.91, "15.91"},
                {0.30000000000000004, "0.30000000000000004"},
                {1e-9, "0.000000001"},
                {2.5e-5, "0.000025"},
                {76337e-9, "0.000076337"},
                {7.6336998972692527e-05, "0.00007633699897269253"}, /* Go: 7.633699897269253e-05 */
                {0x1p-20, "0.00000095367431640625"},                    /* a power of two: the gap below is half */
                {4503599627370495.5, "4503599627370495.5"},           /* 2^52 - 0.5: gap 0.5 */
                {5e-324, "4.94065645841247e-324"},
                {12.000000001, "12.000000001"},
                {1.5e-10, "1.5e-10"},
                {1795886458.03, "1795886458.03"},
                {1795886458.2288547, "1795886458.2288547"},
                {25935 * 0.001, "25.935000000000002"}, /* as node_exporter computes and prints it */
                {-3.25, "-3.25"},
                {-0.5, "-0.5"},
                {123456.789012, "123456.789012"},
                {0.001, "0.001"},
                {0.0013, "0.0013"},
                {7.0000001, "7.0000001"},
                {1234567.125, "1234567.125"},
                {999999999.5, "999999999.5"},
                {1795879013.2988489, "1795879013.2988489"},
                {0.07, "0.07"},
                {2.30, "2.3"},
                {0.1 + 0.7, "0.7999999999999999"}, /* as Go prints it: 16 digits suffice */
                {INFINITY, "+Inf"},
                {-INFINITY, "-Inf"},
                {NAN, "NaN"},
        };
        for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
                struct buf b = {0};
                prom_put_value(&b, table[i].v);
                assert_string_equal(b.data, table[i].text);
                buf_free(&b);
        }
}

/* The significant digits of a plain decimal ("-0.00250" has 3), or 0 for
 * any other text. */
static int significant_digits(const char *t) {
        if (!strchr(t, '.') || strchr(t, 'e'))
                return 0;
        int n = 0, lead = 1;
        for (; *t; t++) {
                if (*t < '0' || *t > '9')
                        continue;
                lead = lead && *t == '0';
                n += !lead;
        }
        return n;
}

/* The fewest significant digits that read back as v (printf and strtod). */
static int shortest_digits(double v) {
        char tmp[40];
        for (int p = 1; p < 17; p++) {
                snprintf(tmp, sizeof(tmp), "%.*e", p - 1, v);
                if (strtod(tmp, NULL) == v)
                        return p;
        }
        return 17;
}

/* Whatever the path taken, the text reads back as the same double, and a
 * plain decimal has no more digits than needed. */
static void test_values_round_trip(_unused_ void **state) {
        uint64_t x = 88172645463325252u;
        struct buf b = {0};
        for (int i = 0; i < 300000; i++) {
                x ^= x << 13, x ^= x >> 7, x ^= x << 17; /* xorshift64 */
                double v;
                switch (i % 6) {
                case 0: v = (double) (x % 10000000000u) / 1e9; break;      /* durations in ns */
                case 1: v = (double) (int64_t) (x % 2000000) / 100 - 10000; break; /* ticks/100 */
                case 2: v = (double) (x >> 11) / (double) (1ull << 53) * 1e6; break;
                case 3: v = (double) (x % 100000000u) * 0.001; break; /* ms as node_exporter scales them */
                case 4: { /* any mantissa, with an exponent from 2^-30 to 2^52 */
                        uint64_t bits = ((uint64_t) (993 + x % 83) << 52) | (x >> 12);
                        memcpy(&v, &bits, sizeof(v));
                        break;
                }
                default: memcpy(&v, &x, sizeof(v)); /* any bit pattern */
                }
                if (isnan(v))
                        continue;
                buf_reset(&b);
                prom_put_value(&b, v);
                if (strtod(b.data, NULL) != v)
                        fail_msg("%.17g printed as %s", v, b.data);
                int digits = significant_digits(b.data);
                if (digits && digits != shortest_digits(v))
                        fail_msg("%.17g printed as %s, not %d digits", v, b.data, shortest_digits(v));
        }
        buf_free(&b);
}

static void test_label_escaping(_unused_ void **state) {
        static const struct {
                const char *in, *out;
        } table[] = {
                {"", ""},
                {"plain", "plain"},
                {"with space", "with space"},
                {"quote\"d", "quote\\\"d"},
                {"back\\slash", "back\\\\slash"},
                {"new\nline", "new\\nline"},
                {"\\n literally", "\\\\n literally"},
                {"tab\there", "tab\there"},
                {"/mnt/données", "/mnt/données"},
                {"日本語", "日本語"},
                {"emoji \xF0\x9F\x98\x80", "emoji \xF0\x9F\x98\x80"},
                {"bad \xFF byte", "bad \xEF\xBF\xBD byte"},
                {"cut \xE2\x82", "cut \xEF\xBF\xBD\xEF\xBF\xBD"},
                {"overlong \xC0\xAF", "overlong \xEF\xBF\xBD\xEF\xBF\xBD"},
                {"surrogate \xED\xA0\x80", "surrogate \xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"},
                {"\"} 1\nnode_fake 2", "\\\"} 1\\nnode_fake 2"},
        };
        for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
                struct buf b = {0};
                buf_puts(&b, "");
                prom_put_label_value(&b, table[i].in);
                assert_string_equal(b.data, table[i].out);
                buf_free(&b);
        }
}

static void test_help_escaping(_unused_ void **state) {
        struct buf b = {0};
        prom_put_help(&b, "a \\ b\nc \"d\"");
        assert_string_equal(b.data, "a \\\\ b\\nc \"d\"");
        buf_free(&b);
}

static const char *const one_label[] = {"device"};
static const char *const two_labels[] = {"cpu", "mode"};
static const struct metric_desc zeta = {"zeta_total", "Last by name.", METRIC_COUNTER, 0, NULL};
static const struct metric_desc alpha = {"alpha_bytes", "First by name.\nTwo lines.", METRIC_GAUGE, 1, one_label};
static const struct metric_desc mid = {"mid_seconds_total", "Two labels.", METRIC_COUNTER, 2, two_labels};
static const struct metric_desc untyped = {"raw_value", "No type.", METRIC_UNTYPED, 0, NULL};

static void test_encode_order_and_merge(_unused_ void **state) {
        struct metric_set set = {0};
        metric_set_family(&set, &zeta);
        metric_set_sample0(&set, 3);
        metric_set_family(&set, &alpha);
        metric_set_sample1(&set, 1.5, "sda");
        metric_set_family(&set, &mid);
        metric_set_sample2(&set, 10, "0", "idle");
        metric_set_family(&set, &untyped);
        metric_set_sample0(&set, NAN);
        /* a second entry of an existing name is merged under one HELP/TYPE */
        metric_set_family(&set, &alpha);
        metric_set_sample1(&set, 2, "sdb");
        metric_set_family(&set, &mid); /* empty families print nothing */
        assert_int_equal(set.error, 0);

        struct prom_encoder enc = {0};
        struct buf out = {0};
        assert_int_equal(prom_text_encode(&enc, &set, &out), 0);
        assert_string_equal(out.data, "# HELP alpha_bytes First by name.\\nTwo lines.\n"
                                      "# TYPE alpha_bytes gauge\n"
                                      "alpha_bytes{device=\"sda\"} 1.5\n"
                                      "alpha_bytes{device=\"sdb\"} 2\n"
                                      "# HELP mid_seconds_total Two labels.\n"
                                      "# TYPE mid_seconds_total counter\n"
                                      "mid_seconds_total{cpu=\"0\",mode=\"idle\"} 10\n"
                                      "# HELP raw_value No type.\n"
                                      "# TYPE raw_value untyped\n"
                                      "raw_value NaN\n"
                                      "# HELP zeta_total Last by name.\n"
                                      "# TYPE zeta_total counter\n"
                                      "zeta_total 3\n");

        /* encoding the same set again gives the same bytes */
        struct buf again = {0};
        assert_int_equal(prom_text_encode(&enc, &set, &again), 0);
        assert_string_equal(out.data, again.data);

        buf_free(&out);
        buf_free(&again);
        prom_encoder_free(&enc);
        metric_set_free(&set);
}

/* The encoder copies the text of a series it wrote last time: over sets
 * that change as scrapes do (values every time; now and then a label
 * value, a series, a family, a label value that needs escaping, a prefix
 * of another value), its text stays the text of an encoder that starts
 * afresh, and replaced texts do not pile up. */
static void test_encode_reuses_prefixes(_unused_ void **state) {
        static const char *const le[] = {"le"};
        static const struct metric_desc h = {"req_seconds", "Latency.", METRIC_HISTOGRAM, 1, le};
        static const struct metric_desc h_plain = {"req_seconds", "Latency.", METRIC_HISTOGRAM, 0, NULL};
        static const char *const devices[] = {"sda", "sdb", "sd", "sda\"1\"", "d\xe9v\n", "", "sdab"};
        static const char *const modes[] = {"idle", "user", "idl", "system"};
        struct prom_encoder kept = {0};
        struct buf out = {0}, want = {0};
        uint64_t x = 0x9E3779B97F4A7C15u;
        size_t max_text = 0;
        for (int round = 0; round < 3000; round++) {
                x ^= x << 13, x ^= x >> 7, x ^= x << 17;
                /* most rounds repeat the last shape with other values */
                uint64_t shape = round % 10 == 9 ? x : (uint64_t) round / 10 * 2654435761u;
                struct metric_set set = {0};
                metric_set_family(&set, &zeta);
                metric_set_sample0(&set, (double) round);
                metric_set_family(&set, &alpha);
                for (unsigned i = 0; i < 1 + shape % 5; i++)
                        metric_set_sample1(&set, (double) (x % 1000) / 8, devices[(shape >> (3 * i)) % 7]);
                if (shape & 0x100) {
                        metric_set_family(&set, &mid);
                        metric_set_sample2(&set, 1, "0", modes[(shape >> 9) % 4]);
                        metric_set_sample2(&set, 2, "1", modes[(shape >> 11) % 4]);
                }
                metric_set_family(&set, &h);
                metric_set_sample_suffix(&set, 3, (const char *const[]){"0.1"}, METRIC_SUFFIX_BUCKET);
                metric_set_sample_suffix(&set, 5, (const char *const[]){"+Inf"}, METRIC_SUFFIX_BUCKET);
                metric_set_family(&set, &h_plain);
                metric_set_sample_suffix(&set, 1.25, NULL, shape & 0x2000 ? METRIC_SUFFIX_SUM : METRIC_SUFFIX_COUNT);
                assert_int_equal(set.error, 0);

                struct prom_encoder fresh = {0};
                buf_reset(&out);
                buf_reset(&want);
                assert_int_equal(prom_text_encode(&kept, &set, &out), 0);
                assert_int_equal(prom_text_encode(&fresh, &set, &want), 0);
                if (strcmp(out.data, want.data) != 0)
                        fail_msg("round %d: reused text differs:\n%s\nfrom:\n%s", round, out.data, want.data);
                prom_encoder_free(&fresh);
                metric_set_free(&set);
                if (round > 100 && kept.prefix_text.len > max_text)
                        max_text = kept.prefix_text.len;
        }
        assert_true(max_text < 4096 + 2 * out.len); /* compacted as it goes */
        buf_free(&out);
        buf_free(&want);
        prom_encoder_free(&kept);
}

static void test_histogram_suffixes(_unused_ void **state) {
        static const char *const le[] = {"le"};
        static const struct metric_desc h = {"req_seconds", "Latency.", METRIC_HISTOGRAM, 1, le};
        static const struct metric_desc h_plain = {"req_seconds", "Latency.", METRIC_HISTOGRAM, 0, NULL};
        struct metric_set set = {0};
        const char *b1[] = {"0.1"}, *b2[] = {"+Inf"};
        metric_set_family(&set, &h);
        metric_set_sample_suffix(&set, 3, b1, METRIC_SUFFIX_BUCKET);
        metric_set_sample_suffix(&set, 5, b2, METRIC_SUFFIX_BUCKET);
        metric_set_family(&set, &h_plain);
        metric_set_sample_suffix(&set, 1.25, NULL, METRIC_SUFFIX_SUM);
        metric_set_sample_suffix(&set, 5, NULL, METRIC_SUFFIX_COUNT);
        struct buf err = {0};
        assert_int_equal(metric_set_validate(&set, &err), 0);
        struct prom_encoder enc = {0};
        struct buf out = {0};
        assert_int_equal(prom_text_encode(&enc, &set, &out), 0);
        assert_string_equal(out.data, "# HELP req_seconds Latency.\n"
                                      "# TYPE req_seconds histogram\n"
                                      "req_seconds_bucket{le=\"0.1\"} 3\n"
                                      "req_seconds_bucket{le=\"+Inf\"} 5\n"
                                      "req_seconds_sum 1.25\n"
                                      "req_seconds_count 5\n");
        buf_free(&out);
        buf_free(&err);
        prom_encoder_free(&enc);
        metric_set_free(&set);
}

static void test_desc_cache(_unused_ void **state) {
        struct desc_cache c = {0};
        const char *l1[] = {"chip", "sensor"};
        const struct metric_desc *a = desc_cache_get(&c, "node_x", "X.", METRIC_GAUGE, 2, l1);
        const struct metric_desc *b = desc_cache_get(&c, "node_y", "Y.", METRIC_COUNTER, 0, NULL);
        assert_non_null(a);
        assert_non_null(b);
        assert_ptr_not_equal(a, b);
        /* the same fields find the same descriptor, whatever the order of lookups */
        for (int i = 0; i < 100; i++) {
                char name[32];
                snprintf(name, sizeof(name), "node_z%d", i);
                assert_non_null(desc_cache_get(&c, name, "Z.", METRIC_GAUGE, 0, NULL));
        }
        assert_ptr_equal(desc_cache_get(&c, "node_x", "X.", METRIC_GAUGE, 2, l1), a);
        assert_ptr_equal(desc_cache_get(&c, "node_y", "Y.", METRIC_COUNTER, 0, NULL), b);
        assert_string_equal(a->labels[1], "sensor");
        /* another type or help is another descriptor */
        assert_ptr_not_equal(desc_cache_get(&c, "node_x", "X.", METRIC_COUNTER, 2, l1), a);
        /* a sweep frees what was not asked for since the last one */
        assert_int_equal(desc_cache_sweep(&c), 0);
        assert_int_equal(c.n, 103);
        uint64_t generation = metric_desc_generation();
        for (int round = 0; round < 3; round++) {
                assert_ptr_equal(desc_cache_get(&c, "node_y", "Y.", METRIC_COUNTER, 0, NULL), b);
                assert_ptr_equal(desc_cache_get(&c, "node_x", "X.", METRIC_GAUGE, 2, l1), a);
                char help[32];
                snprintf(help, sizeof(help), "Run %d.", round); /* a help that changes at every round */
                assert_non_null(desc_cache_get(&c, "node_run", help, METRIC_GAUGE, 0, NULL));
                assert_int_equal(desc_cache_sweep(&c), round == 0 ? 101 : 1);
                assert_int_equal(c.n, 3);
        }
        /* whoever remembers descriptors by address is told */
        assert_true(metric_desc_generation() > generation);
        assert_ptr_equal(desc_cache_get(&c, "node_x", "X.", METRIC_GAUGE, 2, l1), a);
        assert_string_equal(a->labels[1], "sensor");
        desc_cache_free(&c);
}

/* A piece of a buffer appended to the same buffer, across the growth that
 * moves it. */
static void test_buf_append_from_itself(_unused_ void **state) {
        struct buf b = {0};
        buf_puts(&b, "ab");
        for (int i = 0; i < 16; i++)
                buf_put(&b, b.data, b.len); /* doubles: each append grows the buffer */
        assert_int_equal(b.error, 0);
        assert_int_equal(b.len, 2u << 16);
        for (size_t i = 0; i < b.len; i++)
                assert_int_equal(b.data[i], i % 2 ? 'b' : 'a');
        buf_puts(&b, b.data + b.len - 3);
        assert_string_equal(b.data + b.len - 7, "ababbab");
        buf_free(&b);
}

static void test_duplicates_caught(_unused_ void **state) {
        struct metric_set set = {0};
        struct buf err = {0};
        metric_set_family(&set, &mid);
        metric_set_sample2(&set, 1, "0", "idle");
        metric_set_sample2(&set, 1, "0", "user");
        metric_set_sample2(&set, 1, "1", "idle");
        assert_int_equal(metric_set_validate(&set, &err), 0);

        /* the same series again, from a second entry of the family */
        metric_set_family(&set, &mid);
        metric_set_sample2(&set, 2, "0", "user");
        assert_int_equal(metric_set_validate(&set, &err), -EINVAL);
        assert_string_equal(err.data, "duplicate series mid_seconds_total{cpu=\"0\",mode=\"user\"}");
        buf_free(&err);
        metric_set_free(&set);

        /* one name, two types */
        static const struct metric_desc mid_gauge = {"mid_seconds_total", "Two labels.", METRIC_GAUGE, 2, two_labels};
        metric_set_family(&set, &mid);
        metric_set_sample2(&set, 1, "0", "idle");
        metric_set_family(&set, &mid_gauge);
        metric_set_sample2(&set, 1, "1", "idle");
        assert_int_equal(metric_set_validate(&set, &err), -EINVAL);
        buf_free(&err);
        metric_set_free(&set);

        /* an empty label value is no label: {device=""} is the same series as {} */
        static const struct metric_desc alpha_bare = {"alpha_bytes", "First by name.\nTwo lines.", METRIC_GAUGE, 0, NULL};
        metric_set_family(&set, &alpha);
        metric_set_sample1(&set, 1, "");
        metric_set_family(&set, &alpha_bare);
        metric_set_sample0(&set, 2);
        assert_int_equal(metric_set_validate(&set, &err), -EINVAL);
        assert_string_equal(err.data, "duplicate series alpha_bytes{}");
        buf_free(&err);
        metric_set_free(&set);

        /* label sets may differ within a family, as node_power_supply_info's do */
        metric_set_family(&set, &alpha);
        metric_set_sample1(&set, 1, "sda");
        metric_set_family(&set, &alpha_bare);
        metric_set_sample0(&set, 2);
        assert_int_equal(metric_set_validate(&set, &err), 0);
        metric_set_free(&set);

        /* an invalid name */
        static const struct metric_desc bad = {"bad-name", "x", METRIC_GAUGE, 0, NULL};
        metric_set_family(&set, &bad);
        metric_set_sample0(&set, 1);
        assert_int_equal(metric_set_validate(&set, &err), -EINVAL);
        buf_free(&err);
        metric_set_free(&set);
}

static void test_rollback(_unused_ void **state) {
        struct metric_set set = {0};
        metric_set_family(&set, &alpha);
        metric_set_sample1(&set, 1, "sda");
        struct metric_mark mark = metric_set_mark(&set);
        metric_set_family(&set, &zeta);
        metric_set_sample0(&set, 7);
        metric_set_family(&set, &alpha);
        metric_set_sample1(&set, 1, "a much longer device name that grows the arena");
        metric_set_rollback(&set, mark);
        assert_int_equal(set.n_families, 1);
        assert_int_equal(set.n_samples, 1);

        struct prom_encoder enc = {0};
        struct buf out = {0};
        assert_int_equal(prom_text_encode(&enc, &set, &out), 0);
        assert_string_equal(out.data, "# HELP alpha_bytes First by name.\\nTwo lines.\n"
                                      "# TYPE alpha_bytes gauge\n"
                                      "alpha_bytes{device=\"sda\"} 1\n");
        buf_free(&out);
        prom_encoder_free(&enc);
        metric_set_free(&set);
}

static void test_sample_misuse(_unused_ void **state) {
        struct metric_set set = {0};
        assert_int_equal(metric_set_sample0(&set, 1), -EINVAL); /* no family yet */
        assert_int_equal(set.error, -EINVAL);
        metric_set_free(&set);

        /* one label value for a family of two, none for a family of one */
        metric_set_family(&set, &mid);
        assert_int_equal(metric_set_sample1(&set, 1, "0"), -EINVAL);
        metric_set_free(&set);
        metric_set_family(&set, &alpha);
        assert_int_equal(metric_set_sample0(&set, 1), -EINVAL);
        assert_int_equal(metric_set_sample1(&set, 1, "sda"), -EINVAL); /* the error is sticky */
        metric_set_free(&set);
}

/* Inflates gz with zlib, an independent decoder, and compares with text. */
static void assert_inflates_to(const struct buf *gz, const struct buf *text) {
        z_stream zs = {0};
        assert_int_equal(inflateInit2(&zs, 15 + 16), Z_OK);
        char *plain = malloc(text->len + 1);
        assert_non_null(plain);
        zs.next_in = (Bytef *) gz->data;
        zs.avail_in = (uInt) gz->len;
        zs.next_out = (Bytef *) plain;
        zs.avail_out = (uInt) text->len + 1;
        assert_int_equal(inflate(&zs, Z_FINISH), Z_STREAM_END);
        assert_int_equal(zs.total_out, text->len);
        assert_memory_equal(plain, text->data, text->len);
        inflateEnd(&zs);
        free(plain);
}

static void test_gzip_round_trip(_unused_ void **state) {
        struct buf text = {0};
        for (int i = 0; i < 5000; i++)
                buf_printf(&text, "node_cpu_seconds_total{cpu=\"%d\",mode=\"idle\"} %d.%02d\n", i, i * 37, i % 100);
        struct gzip_encoder gz = {0};
        struct buf out = {0};
        for (int round = 0; round < 2; round++) { /* the deflate state is reused */
                assert_int_equal(gzip_compress(&gz, text.data, text.len, &out), 0);
                assert_true(out.len < text.len / 4);
                assert_int_equal((unsigned char) out.data[0], 0x1f); /* gzip magic */
                assert_int_equal((unsigned char) out.data[1], 0x8b);
                assert_inflates_to(&out, &text);
        }
        /* empty input is a valid empty gzip member */
        assert_int_equal(gzip_compress(&gz, "", 0, &out), 0);
        assert_true(out.len >= 20);
        /* what does not compress still fits the reserved bound, and
         * round-trips with Huffman codes made from the text above: every
         * symbol has a code in them */
        struct buf saved = {0};
        buf_put(&saved, text.data, text.len);
        buf_reset(&text);
        uint32_t x = 2463534242u;
        for (int i = 0; i < 100000; i++) {
                x ^= x << 13, x ^= x >> 17, x ^= x << 5; /* xorshift */
                buf_putc(&text, (char) x);
        }
        assert_int_equal(gzip_compress(&gz, text.data, text.len, &out), 0);
        assert_true(out.len > text.len);
        assert_inflates_to(&out, &text);
        gzip_encoder_free(&gz);
        /* codes made from an empty first body still serve the next ones */
        assert_int_equal(gzip_compress(&gz, "", 0, &out), 0);
        assert_int_equal(gzip_compress(&gz, saved.data, saved.len, &out), 0);
        assert_inflates_to(&out, &saved);
        assert_int_equal(gzip_compress(&gz, text.data, text.len, &out), 0);
        assert_inflates_to(&out, &text);
        gzip_encoder_free(&gz);
        /* codes made from random bytes do not stay: after enough bodies
         * they are made again from the text, which then compresses better */
        assert_int_equal(gzip_compress(&gz, text.data, text.len, &out), 0);
        assert_int_equal(gzip_compress(&gz, saved.data, saved.len, &out), 0);
        size_t with_random_codes = out.len;
        assert_inflates_to(&out, &saved);
        for (int i = 0; i < 300; i++)
                assert_int_equal(gzip_compress(&gz, saved.data, saved.len, &out), 0);
        assert_true(out.len < with_random_codes * 9 / 10);
        assert_inflates_to(&out, &saved);
        gzip_encoder_free(&gz);
        buf_free(&saved);
        buf_free(&out);
        buf_free(&text);
}

static void test_gzip_accepted(_unused_ void **state) {
        static const struct {
                const char *header;
                bool ok;
        } table[] = {
                {NULL, false},
                {"", false},
                {"gzip", true},
                {"GZIP", true},
                {"deflate, gzip", true},
                {"gzip;q=1.0, identity; q=0.5, *;q=0", true},
                {"gzip;q=0", false},
                {"gzip ; q=0.001", true},
                {"identity", false},
                {"*", true},
                {"gzip;q=0, *", false},
                {"x-gzip", false},
                {"gzipper", false},
                {"br, zstd", false},
        };
        for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
                if (gzip_accepted(table[i].header) != table[i].ok)
                        fail_msg("Accept-Encoding '%s': expected %d", table[i].header ? table[i].header : "(none)",
                                 table[i].ok);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_values), cmocka_unit_test(test_values_round_trip),
                cmocka_unit_test(test_label_escaping),
                cmocka_unit_test(test_help_escaping),
                cmocka_unit_test(test_encode_order_and_merge),
                cmocka_unit_test(test_histogram_suffixes),
                cmocka_unit_test(test_encode_reuses_prefixes),
                cmocka_unit_test(test_desc_cache),
                cmocka_unit_test(test_buf_append_from_itself),
                cmocka_unit_test(test_duplicates_caught),
                cmocka_unit_test(test_rollback),
                cmocka_unit_test(test_sample_misuse),
                cmocka_unit_test(test_gzip_round_trip),
                cmocka_unit_test(test_gzip_accepted),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
