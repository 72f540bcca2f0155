/* agent/metric.c: metric sets built, rolled back to a mark and misused,
 * and the rules every set is held to (metric_set_validate). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "harness.h"
#include "metric.h"
#include "prom_text.h"

static const char *const one_label[] = {"device"};
static const char *const two_labels[] = {"cpu", "mode"};
static const struct metric_desc zeta = {"zeta_total", "Last by name.", METRIC_COUNTER, 0, NULL};
static const struct metric_desc alpha = {"alpha_bytes", "First by name.\nTwo lines.", METRIC_GAUGE, 1, one_label};
static const struct metric_desc mid = {"mid_seconds_total", "Two labels.", METRIC_COUNTER, 2, two_labels};

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
        static const struct metric_desc alpha_bare = {"alpha_bytes", "First by name.\nTwo lines.", METRIC_GAUGE, 0,
                                                      NULL};
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

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_duplicates_caught),
                cmocka_unit_test(test_rollback),
                cmocka_unit_test(test_sample_misuse),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
