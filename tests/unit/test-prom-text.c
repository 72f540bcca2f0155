/* exporters/prom_text.c: the text encoder's escaping, float formatting,
 * family order and merging, histogram suffixes and reused prefixes. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

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
                {0x1p-20, "0.00000095367431640625"},                /* a power of two: the gap below is half */
                {4503599627370495.5, "4503599627370495.5"},         /* 2^52 - 0.5: gap 0.5 */
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
                case 0: v = (double) (x % 10000000000u) / 1e9; break;              /* durations in ns */
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

/* A descriptor given one more label in place (dmi's, after an attribute
 * comes back) is not taken for the series of before, whose label values
 * are the first bytes of the new ones. */
static void test_encode_desc_grown_in_place(_unused_ void **state) {
        const char *names[] = {"vendor", "product"};
        struct metric_desc d = {"node_dmi_info", "DMI.", METRIC_GAUGE, 1, names};
        struct prom_encoder enc = {0};
        struct buf out = {0};
        struct metric_set set = {0};
        metric_set_family(&set, &d);
        metric_set_sample(&set, 1, (const char *const[]){"QEMU"});
        assert_int_equal(prom_text_encode(&enc, &set, &out), 0);
        metric_set_free(&set);
        d.n_labels = 2;
        set = (struct metric_set){0};
        metric_set_family(&set, &d);
        metric_set_sample(&set, 1, (const char *const[]){"QEMU", "Standard PC"});
        buf_reset(&out);
        assert_int_equal(prom_text_encode(&enc, &set, &out), 0);
        if (!strstr(out.data, "node_dmi_info{vendor=\"QEMU\",product=\"Standard PC\"} 1\n"))
                fail_msg("the label added in place is missing:\n%s", out.data);
        metric_set_free(&set);
        buf_free(&out);
        prom_encoder_free(&enc);
}

/* The HELP and TYPE lines come with the first sample's prefix from the
 * last encoding only while they are the same: a descriptor whose help or
 * type changed in place gets its new lines, and a name whose first sample
 * changed (the first entry emptied, the next one first) its lines still. */
static void test_encode_header_follows_desc(_unused_ void **state) {
        struct metric_desc d = {"node_thing", "Old help.", METRIC_GAUGE, 0, NULL};
        static const char *const one[] = {"device"};
        static const struct metric_desc other = {"node_thing", "Old help.", METRIC_GAUGE, 1, one};
        struct prom_encoder enc = {0};
        struct buf out = {0};
        for (int round = 0; round < 4; round++) {
                if (round == 1)
                        d.help = "New help.";
                if (round == 2)
                        d.type = METRIC_COUNTER;
                struct metric_set set = {0};
                metric_set_family(&set, &d);
                if (round < 3)
                        metric_set_sample0(&set, 1);
                metric_set_family(&set, &other);
                metric_set_sample1(&set, 2, "sda");
                buf_reset(&out);
                assert_int_equal(prom_text_encode(&enc, &set, &out), 0);
                struct prom_encoder fresh = {0};
                struct buf want = {0};
                assert_int_equal(prom_text_encode(&fresh, &set, &want), 0);
                if (strcmp(out.data, want.data) != 0)
                        fail_msg("round %d: reused text differs:\n%s\nfrom:\n%s", round, out.data, want.data);
                prom_encoder_free(&fresh);
                buf_free(&want);
                metric_set_free(&set);
        }
        /* the last round: the second entry's lines, now that it is first */
        assert_string_equal(out.data, "# HELP node_thing Old help.\n"
                                      "# TYPE node_thing gauge\n"
                                      "node_thing{device=\"sda\"} 2\n");
        prom_encoder_free(&enc);

        /* The same sample at the same place, first of its name or not: an
         * entry before it emptied while one before its name filled up. */
        static const struct metric_desc a = {"a_thing", "A.", METRIC_GAUGE, 0, NULL};
        static const struct metric_desc b1 = {"b_thing", "B.", METRIC_GAUGE, 0, NULL};
        static const struct metric_desc b2 = {"b_thing", "B.", METRIC_GAUGE, 1, one};
        const char *const want[] = {"# HELP b_thing B.\n# TYPE b_thing gauge\nb_thing 1\nb_thing{device=\"sda\"} 2\n",
                                    "# HELP a_thing A.\n# TYPE a_thing gauge\na_thing 1\n"
                                    "# HELP b_thing B.\n# TYPE b_thing gauge\nb_thing{device=\"sda\"} 2\n"};
        for (int round = 0; round < 2; round++) {
                struct metric_set set = {0};
                metric_set_family(&set, &a);
                if (round == 1)
                        metric_set_sample0(&set, 1);
                metric_set_family(&set, &b1);
                if (round == 0)
                        metric_set_sample0(&set, 1);
                metric_set_family(&set, &b2);
                metric_set_sample1(&set, 2, "sda");
                buf_reset(&out);
                assert_int_equal(prom_text_encode(&enc, &set, &out), 0);
                assert_string_equal(out.data, want[round]);
                metric_set_free(&set);
        }
        buf_free(&out);
        prom_encoder_free(&enc);
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

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_values),
                cmocka_unit_test(test_values_round_trip),
                cmocka_unit_test(test_label_escaping),
                cmocka_unit_test(test_help_escaping),
                cmocka_unit_test(test_encode_order_and_merge),
                cmocka_unit_test(test_histogram_suffixes),
                cmocka_unit_test(test_encode_reuses_prefixes),
                cmocka_unit_test(test_encode_header_follows_desc),
                cmocka_unit_test(test_encode_desc_grown_in_place),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
