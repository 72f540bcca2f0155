/* agent/buf.c: the growable output buffer, appended to from a piece of
 * itself. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"
#include "macro.h"

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

static void check_fmt_u64(uint64_t v) {
        char want[32], got[21 + 1];
        int n = snprintf(want, sizeof(want), "%" PRIu64, v);
        memset(got, 'z', sizeof(got));
        size_t r = fmt_u64(got, v);
        if (r != (size_t) n || strcmp(got, want) != 0)
                fail_msg("%s: '%.21s' (%zu digits)", want, got, r);
        assert_int_equal(got[21], 'z'); /* nothing past the 21 bytes */
}

/* The edges of every digit count, then a million values of every size,
 * the same on every run. */
static void test_fmt_u64(_unused_ void **state) {
        static const uint64_t edges[] = {
                0, 1, 9, 10, 11, 99, 100, 101, UINT64_MAX - 1, UINT64_MAX, INT64_MAX, (uint64_t) INT64_MAX + 1};
        for (size_t i = 0; i < ELEMENTSOF(edges); i++)
                check_fmt_u64(edges[i]);
        for (uint64_t p = 1;; p *= 10) {
                check_fmt_u64(p - 1);
                check_fmt_u64(p);
                check_fmt_u64(p + 1);
                if (p > UINT64_MAX / 10)
                        break;
        }
        uint64_t x = 0x2545f4914f6cdd1du;
        for (int i = 0; i < 1000000; i++) {
                x ^= x << 13, x ^= x >> 7, x ^= x << 17; /* xorshift64 */
                check_fmt_u64(x >> (x % 64));
        }
}

/* Leaves at most room bytes free in b (a number takes up to 21 there),
 * appending the same to want. */
static void leave_little_room(struct buf *b, struct buf *want, size_t room) {
        while (b->cap == 0 || b->cap - b->len > room) {
                buf_putc(b, '.');
                buf_putc(want, '.');
        }
}

/* buf_put_u64 and buf_put_i64, into a buffer with room, into one that
 * must grow and into one with a few bytes left, give what printf does,
 * INT64_MIN and UINT64_MAX included. */
static void test_put_integers(_unused_ void **state) {
        static const struct {
                bool is_signed; /* through buf_put_i64, v as an int64_t */
                uint64_t v;
        } table[] = {
                {true, 0},
                {true, 1},
                {true, (uint64_t) -1},
                {true, 9},
                {true, (uint64_t) -10},
                {true, 99},
                {true, (uint64_t) -100},
                {true, INT64_MAX},
                {true, (uint64_t) INT64_MIN},
                {true, (uint64_t) INT64_MIN + 1},
                {false, 0},
                {false, 7},
                {false, 10},
                {false, 1000000},
                {false, INT64_MAX},
                {false, (uint64_t) INT64_MAX + 1},
                {false, UINT64_MAX},
        };
        /* room 0: as the buffer comes, empty at first */
        for (size_t room = 0; room <= 22; room++) {
                struct buf b = {0}, want = {0};
                for (size_t i = 0; i < ELEMENTSOF(table); i++) {
                        if (room)
                                leave_little_room(&b, &want, room);
                        if (table[i].is_signed) {
                                buf_put_i64(&b, (int64_t) table[i].v);
                                buf_printf(&want, "%" PRId64 " ", (int64_t) table[i].v);
                        } else {
                                buf_put_u64(&b, table[i].v);
                                buf_printf(&want, "%" PRIu64 " ", table[i].v);
                        }
                        buf_putc(&b, ' ');
                }
                assert_int_equal(b.error, 0);
                assert_int_equal(b.len, want.len);
                assert_string_equal(b.data, want.data);
                assert_int_equal(b.data[b.len], '\0');
                buf_free(&b);
                buf_free(&want);
        }
        /* a buffer in error stays as it was */
        struct buf b = {0};
        buf_puts(&b, "x");
        b.error = -ENOMEM;
        buf_put_u64(&b, 12345);
        buf_put_i64(&b, -12345);
        assert_int_equal(b.len, 1);
        assert_string_equal(b.data, "x");
        buf_free(&b);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_buf_append_from_itself),
                cmocka_unit_test(test_fmt_u64),
                cmocka_unit_test(test_put_integers),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
