/* agent/desc_cache.c: descriptors made at run time, found again by their
 * fields, and swept when no longer asked for. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "desc_cache.h"
#include "metric.h"

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

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_desc_cache),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
