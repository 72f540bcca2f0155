/* agent/buf.c: the growable output buffer, appended to from a piece of
 * itself. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

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

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_buf_append_from_itself),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
