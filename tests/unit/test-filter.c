/* agent/filter.c: include and exclude patterns, as node_exporter's
 * collectors apply them, and the memo of their answers. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "filter.h"
#include "macro.h"

/* node_exporter's include/exclude semantics, RE2 classes, and answers that
 * stay right through the memo: asked again, past its growth and past the
 * point where it starts again empty. */
static void test_filter(_unused_ void **state) {
        struct filter f;
        char err[256];
        assert_int_equal(filter_init(&f, "^(sd|vd|loop)", "^loop\\d+$", err, sizeof(err)), 0);
        for (int round = 0; round < 3; round++) {
                assert_true(filter_pass(&f, "sda"));
                assert_true(filter_pass(&f, "vdb1"));
                assert_false(filter_pass(&f, "loop0"));
                assert_true(filter_pass(&f, "loopback"));
                assert_false(filter_pass(&f, "nvme0n1"));
                assert_false(filter_pass(&f, ""));
        }
        for (int round = 0; round < 2; round++)
                for (int i = 0; i < 20000; i++) { /* beyond the memo's largest size */
                        char name[32];
                        (void) snprintf(name, sizeof(name), i % 2 ? "loop%d" : "sd%d", i);
                        if (filter_pass(&f, name) != (i % 2 == 0))
                                fail_msg("%s: wrong answer in round %d", name, round);
                }
        assert_false(filter_pass(&f, "loop7"));
        assert_true(filter_pass(&f, "sda"));
        filter_free(&f);

        assert_int_equal(filter_init(&f, NULL, NULL, err, sizeof(err)), 0);
        assert_true(filter_pass(&f, "anything"));
        filter_free(&f);
        assert_int_equal(filter_init(&f, "(", NULL, err, sizeof(err)), -EINVAL);
        assert_non_null(strstr(err, "include pattern '('"));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_filter),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
