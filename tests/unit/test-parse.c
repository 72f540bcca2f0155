/* agent/parse.c: the strict parsers of numbers, booleans, durations,
 * fields and lines. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "macro.h"
#include "parse.h"

static void test_u64(_unused_ void **state) {
        static const struct {
                const char *s;
                int r;
                uint64_t v;
        } table[] = {
                {"0", 0, 0},
                {"42", 0, 42},
                {"18446744073709551615", 0, UINT64_MAX},
                {"18446744073709551616", -ERANGE, 0},
                {"99999999999999999999", -ERANGE, 0},
                {"", -EINVAL, 0},
                {"-1", -EINVAL, 0},
                {"+1", -EINVAL, 0},
                {"1 ", -EINVAL, 0},
                {" 1", -EINVAL, 0},
                {"0x10", -EINVAL, 0},
                {"12a", -EINVAL, 0},
        };
        for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
                uint64_t v = 12345;
                int r = parse_u64(table[i].s, strlen(table[i].s), &v);
                if (r != table[i].r)
                        fail_msg("'%s': %d, expected %d", table[i].s, r, table[i].r);
                assert_int_equal(v, r == 0 ? table[i].v : 12345); /* untouched on failure */
        }
}

static void test_bool(_unused_ void **state) {
        bool b;
        assert_int_equal(parse_bool("true", &b), 0);
        assert_true(b);
        assert_int_equal(parse_bool("Off", &b), 0);
        assert_false(b);
        assert_int_equal(parse_bool("1", &b), 0);
        assert_true(b);
        assert_int_equal(parse_bool("", &b), -EINVAL);
        assert_int_equal(parse_bool("truee", &b), -EINVAL);
        assert_int_equal(parse_bool("2", &b), -EINVAL);
}

static void test_duration(_unused_ void **state) {
        static const struct {
                const char *s;
                int r;
                uint64_t ms;
        } table[] = {
                {"10s", 0, 10000},
                {"250ms", 0, 250},
                {"1m30s", 0, 90000},
                {"2h", 0, 7200000},
                {"1d", 0, 86400000},
                {"0s", 0, 0},
                {"10", -EINVAL, 0},
                {"", -EINVAL, 0},
                {"s", -EINVAL, 0},
                {"10x", -EINVAL, 0},
                {"-1s", -EINVAL, 0},
                {"1.5s", -EINVAL, 0},
                {"99999999999999999999s", -ERANGE, 0},
        };
        for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
                uint64_t ms = 0;
                int r = parse_duration_ms(table[i].s, &ms);
                if (r != table[i].r)
                        fail_msg("'%s': %d, expected %d", table[i].s, r, table[i].r);
                if (r == 0)
                        assert_int_equal(ms, table[i].ms);
        }
}

static void test_fields(_unused_ void **state) {
        struct field f[3];
        const char *line = "  cpu0\t1  22 ";
        assert_int_equal(split_fields(line, strlen(line), f, 3), 3);
        assert_true(FIELD_EQ(f[0], "cpu0"));
        assert_true(FIELD_EQ(f[1], "1"));
        assert_true(FIELD_EQ(f[2], "22"));
        /* more than fit is -E2BIG, never a count past the array; the
         * first max are there, and nothing is written past them */
        struct field g[4] = {[3] = {"sentinel", 8}};
        assert_int_equal(split_fields("a b c d e", 9, g, 3), -E2BIG);
        assert_true(FIELD_EQ(g[0], "a") && FIELD_EQ(g[2], "c") && FIELD_EQ(g[3], "sentinel"));
        assert_true(split_leading_fields("a b c d e", 9, g, 3));
        assert_true(split_leading_fields("a b c", 5, g, 3));
        assert_false(split_leading_fields("a b", 3, g, 3));
        assert_int_equal(split_fields("", 0, f, 3), 0);
        assert_int_equal(split_fields("   ", 3, f, 3), 0);
        /* never past len */
        assert_int_equal(split_fields("ab cd", 2, f, 3), 1);
        assert_true(FIELD_EQ(f[0], "ab"));
}

static void test_lines(_unused_ void **state) {
        const char *text = "a\n\nbc\nd";
        bool cut;
        size_t n = complete_lines_len(text, strlen(text), &cut);
        assert_int_equal(n, 6);
        assert_true(cut);
        const char *pos = text, *end = text + n, *line;
        size_t len;
        assert_true(next_line(&pos, end, &line, &len));
        assert_int_equal(len, 1);
        assert_true(next_line(&pos, end, &line, &len));
        assert_int_equal(len, 0);
        assert_true(next_line(&pos, end, &line, &len));
        assert_int_equal(len, 2);
        assert_memory_equal(line, "bc", 2);
        assert_false(next_line(&pos, end, &line, &len));

        assert_int_equal(complete_lines_len("x\n", 2, &cut), 2);
        assert_false(cut);
        assert_int_equal(complete_lines_len("", 0, &cut), 0);
        assert_false(cut);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_u64),    cmocka_unit_test(test_bool),  cmocka_unit_test(test_duration),
                cmocka_unit_test(test_fields), cmocka_unit_test(test_lines),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
