/* agent/parse.c: the strict parsers of numbers, booleans, durations,
 * fields and lines. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

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

/* split_fields written another way, one byte at a time, as the reference
 * for the block-wise one: a field starts at a byte that is no blank after
 * one that is (or the start), and ends at the next blank (or the end). */
static int split_fields_reference(const char *line, size_t len, struct field *out, size_t max) {
        size_t n = 0, start = 0;
        bool in_field = false;
        for (size_t i = 0; i <= len; i++) {
                bool blank = i == len || line[i] == ' ' || line[i] == '\t';
                if (!blank && !in_field) {
                        if (n == max)
                                return -E2BIG;
                        start = i;
                        in_field = true;
                } else if (blank && in_field) {
                        out[n++] = (struct field){line + start, i - start};
                        in_field = false;
                }
        }
        return (int) n;
}

/* Lines are copied to the end of a page followed by a PROT_NONE one, as
 * lines sit at the end of their buffer: a read past the last byte, by
 * even one, is a crash. */
struct guarded {
        char *page_end;
        size_t page;
};

static struct guarded guarded_new(void) {
        size_t page = (size_t) sysconf(_SC_PAGESIZE);
        char *p = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        assert_true(p != MAP_FAILED);
        assert_int_equal(mprotect(p + page, page, PROT_NONE), 0);
        return (struct guarded){p + page, page};
}

static void guarded_free(struct guarded *g) {
        assert_int_equal(munmap(g->page_end - g->page, 2 * g->page), 0);
}

/* line split with every max from 0 to one past its field count, each
 * result compared with the reference's; nothing written past out[max) */
static void check_split(const struct guarded *g, const char *text, size_t len) {
        enum { MAX_FIELDS = 40 };
        char *line = g->page_end - len;
        memcpy(line, text, len);
        struct field want[MAX_FIELDS + 1];
        int fields = split_fields_reference(line, len, want, MAX_FIELDS);
        assert_true(fields >= 0);
        for (size_t max = 0; max <= (size_t) fields + 1; max++) {
                struct field got[MAX_FIELDS + 2];
                for (size_t i = 0; i < ELEMENTSOF(got); i++)
                        got[i] = (struct field){"sentinel", 8};
                int r = split_fields(line, len, got, max);
                int expected = split_fields_reference(line, len, want, max);
                if (r != expected)
                        fail_msg("'%.*s' (%zu bytes), max %zu: %d, expected %d", (int) len, line, len, max, r,
                                 expected);
                size_t filled = r == -E2BIG ? max : (size_t) r;
                for (size_t i = 0; i < filled; i++)
                        if (got[i].s != want[i].s || got[i].n != want[i].n)
                                fail_msg("'%.*s' (%zu bytes), max %zu: field %zu at %td+%zu, expected %td+%zu",
                                         (int) len, line, len, max, i, got[i].s - line, got[i].n, want[i].s - line,
                                         want[i].n);
                for (size_t i = filled; i < ELEMENTSOF(got); i++)
                        assert_true(FIELD_EQ(got[i], "sentinel"));
        }
}

/* Every length from 0 to 70 (four blocks of 16 and a tail), with
 * separators and their runs at every position, around each block edge,
 * and random lines of blanks, tabs and bytes that differ from them by a
 * bit (a compare that looked at fewer bits would take them for one). */
static void test_fields_blockwise(_unused_ void **state) {
        struct guarded g = guarded_new();
        char line[71];
        static const char alphabet[] = {' ',  '\t',        'a',         '7',  '\n', '\0', '\r',
                                        '\v', (char) 0xa0, (char) 0x89, 0x21, 0x08, 0x28};
        uint64_t x = 0x9e3779b97f4a7c15u;
        for (size_t len = 0; len <= sizeof(line); len++) {
                for (size_t pos = 0; pos < len; pos++) {
                        for (size_t run = 1; run <= 4 && pos + run <= len; run++) {
                                memset(line, 'x', len); /* a run of separators in a field */
                                memset(line + pos, pos % 2 ? '\t' : ' ', run);
                                check_split(&g, line, len);
                                memset(line, ' ', len); /* a field of run bytes between blanks */
                                memset(line + pos, 'y', run);
                                check_split(&g, line, len);
                        }
                }
                memset(line, '\t', len);
                check_split(&g, line, len);
                for (int i = 0; i < 300; i++) {
                        /* blanks dense in some lines, rare in others */
                        unsigned spread = i % 3 == 0 ? 2 : ELEMENTSOF(alphabet);
                        for (size_t j = 0; j < len; j++) {
                                x ^= x << 13, x ^= x >> 7, x ^= x << 17; /* xorshift64 */
                                line[j] = alphabet[x % spread];
                        }
                        check_split(&g, line, len);
                }
        }
        guarded_free(&g);
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
                cmocka_unit_test(test_u64),
                cmocka_unit_test(test_bool),
                cmocka_unit_test(test_duration),
                cmocka_unit_test(test_fields),
                cmocka_unit_test(test_fields_blockwise),
                cmocka_unit_test(test_lines),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
