/* The cpu collector on fixture trees: the expected exposition in full. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "harness.h"

extern const struct collector cpu_collector;

static const struct {
        const char *case_dir;
        int result;
        unsigned parse_errors;
        const char *expected; /* file under tests/fixtures, or NULL for no output */
} cases[] = {
        {"cpu/regular", 0, 0, "cpu/regular/expected.prom"},
        /* cut inside cpu2's line: the piece is counted, cpu0 and cpu1 stay */
        {"cpu/truncated", 0, 1, "cpu/truncated/expected.prom"},
        /* not a number, a repeated CPU, a huge id, an overflow, too few and
         * too many fields, a negative; "cpuX" and "cpu-" are other keys, not
         * CPU lines, and are ignored like any key the collector does not read */
        {"cpu/garbage", 0, 7, "cpu/garbage/expected.prom"},
        {"cpu/nocpu", -EINVAL, 0, NULL},
        {"cpu/missing", -ENOENT, 0, NULL},
        {"cpu/cpu256", 0, 0, "cpu/cpu256/expected.prom"},
};

static void test_cases(_unused_ void **state) {
        /* the fixtures are written in USER_HZ = 100 ticks */
        if (sysconf(_SC_CLK_TCK) != 100)
                skip();
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                struct fixture_run run;
                fixture_collect(&cpu_collector, cases[i].case_dir, NULL, &run);
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

static void test_guest_off(_unused_ void **state) {
        if (sysconf(_SC_CLK_TCK) != 100)
                skip();
        struct config_entry e = {.key = "guest", .value = "false", .line = 3};
        struct config_section sec = {.name = "cpu", .file = "test.conf", .entries = &e, .n_entries = 1};
        struct fixture_run run;
        fixture_collect(&cpu_collector, "cpu/regular", &sec, &run);
        assert_int_equal(run.result, 0);
        char *want = fixture_read("cpu/regular/expected-noguest.prom");
        assert_string_equal(run.text, want);
        free(want);
        fixture_run_free(&run);
}

static void test_bad_option(_unused_ void **state) {
        struct config_entry e = {.key = "guest", .value = "maybe", .line = 7};
        struct config_section sec = {.name = "cpu", .file = "test.conf", .entries = &e, .n_entries = 1};
        struct collector_env env = {"/proc", "/sys", "/", "/run/udev/data"};
        struct diag diag = {0};
        void *st = NULL;
        assert_int_equal(cpu_collector.init(&env, &sec, &diag, &st), -EINVAL);
        assert_null(st);
        assert_string_equal(diag.msg, "test.conf:7: [collector.cpu] guest: 'maybe' is not a boolean (true or false)");
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_cases),
                cmocka_unit_test(test_guest_off),
                cmocka_unit_test(test_bad_option),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
