/* The stat collector on fixture trees: the expected exposition in full. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "harness.h"

extern const struct collector stat_collector;

static const struct {
        const char *case_dir;
        int result;
        unsigned parse_errors;
        const char *expected;
} cases[] = {
        {"stat/regular", 0, 0, "stat/regular/expected.prom"},
        /* cut inside the btime value: no btime at all rather than a wrong one */
        {"stat/truncated", 0, 1, "stat/truncated/expected.prom"},
        /* ctxt abc, btime -5, processes 1 2, a second procs_running, an
         * overflowing procs_blocked, a bare ctxt */
        {"stat/garbage", 0, 6, "stat/garbage/expected.prom"},
        {"stat/empty", -EINVAL, 0, NULL},
        {"stat/missing", -ENOENT, 0, NULL},
};

static void test_cases(_unused_ void **state) {
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                struct fixture_run run;
                fixture_collect(&stat_collector, cases[i].case_dir, NULL, &run);
                if (run.result != cases[i].result)
                        fail_msg("%s: collect returned %d, expected %d", cases[i].case_dir, run.result,
                                 cases[i].result);
                if (run.parse_errors != cases[i].parse_errors)
                        fail_msg("%s: %u parse errors, expected %u", cases[i].case_dir, run.parse_errors,
                                 cases[i].parse_errors);
                if (run.validation)
                        fail_msg("%s: %s", cases[i].case_dir, run.validation);
                if (cases[i].expected && run.result == 0) {
                        char *want = fixture_read(cases[i].expected);
                        assert_string_equal(run.text, want);
                        free(want);
                }
                fixture_run_free(&run);
        }
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_cases),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
