/* agent/array.c: array_reserve's growth (doubling from 16), the zeroed
 * new elements, the old ones kept, and -ENOMEM leaving all as it was. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "array.h"
#include "macro.h"

/* Under ASan, a refused allocation returns NULL as glibc's does, rather
 * than ending the test: the -ENOMEM cases need it. */
const char *__asan_default_options(void);
const char *__asan_default_options(void) {
        return "allocator_may_return_null=1";
}

struct reserve_case {
        const char *name;
        size_t cap, need, elem; /* an array of cap elements of elem bytes, then need */
        int r;
        size_t want_cap;
};

static const struct reserve_case reserve_cases[] = {
        {"nothing needed of an empty array", 0, 0, 8, 0, 0},
        {"the first element", 0, 1, 8, 0, 16},
        {"sixteen at first", 0, 16, 8, 0, 16},
        {"seventeen at first", 0, 17, 8, 0, 32},
        {"a full array grows no further when no more is needed", 16, 16, 8, 0, 16},
        {"one past a full array doubles it", 16, 17, 8, 0, 32},
        {"far past doubles until it fits", 16, 100, 8, 0, 128},
        {"wide elements", 32, 33, 24, 0, 64},
        {"bytes", 0, 1000, 1, 0, 1024},
        {"a count whose bytes overflow", 16, SIZE_MAX / 4, 16, -ENOMEM, 16},
        {"more bytes than there is memory", 16, SIZE_MAX / 4, 1, -ENOMEM, 16},
        {"a count past what doubling reaches", 16, SIZE_MAX, 1, -ENOMEM, 16},
};

/* The array starts with cap elements of 0xab bytes; after a success they
 * are still there and every new element is zero; after a failure nothing
 * changed. */
static void test_reserve(void **state) {
        const struct reserve_case *c = *state;
        unsigned char *array = NULL;
        size_t cap = 0;
        if (c->cap > 0) {
                assert_int_equal(array_reserve((void **) &array, &cap, c->cap, c->elem), 0);
                assert_int_equal(cap, c->cap);
                memset(array, 0xab, cap * c->elem);
        }
        unsigned char *before = array;
        int r = array_reserve((void **) &array, &cap, c->need, c->elem);
        assert_int_equal(r, c->r);
        assert_int_equal(cap, c->want_cap);
        if (r < 0 || c->need <= c->cap)
                assert_ptr_equal(array, before);
        for (size_t i = 0; i < cap * c->elem; i++)
                if (array[i] != (i < c->cap * c->elem ? 0xab : 0))
                        fail_msg("byte %zu is %#x", i, array[i]);
        free(array);
}

int main(void) {
        struct CMUnitTest tests[ELEMENTSOF(reserve_cases)];
        for (size_t i = 0; i < ELEMENTSOF(reserve_cases); i++)
                tests[i] = (struct CMUnitTest){reserve_cases[i].name, test_reserve, NULL, NULL,
                                               (void *) &reserve_cases[i]};
        return _cmocka_run_group_tests("test-array", tests, ELEMENTSOF(reserve_cases), NULL, NULL);
}
