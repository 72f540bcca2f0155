/* agent/diag.c: the message for a person, "file:line: what is wrong":
 * the first one wins, and a message too long is cut, never overrun. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "diag.h"
#include "macro.h"

static char long_text[600], long_file[600];

struct diag_case {
        const char *name;
        const char *file; /* diag_at's, or NULL */
        unsigned line;
        bool at; /* diag_at rather than diag_set */
        const char *text;
        const char *first; /* set before, or NULL */
        const char *want;  /* NULL: long_text cut to fit */
};

static const struct diag_case diag_cases[] = {
        {"set", NULL, 0, false, "bad value", NULL, "bad value"},
        {"at a file and line", "vigie.conf", 3, true, "bad value", NULL, "vigie.conf:3: bad value"},
        {"at no file", NULL, 3, true, "bad value", NULL, "bad value"},
        {"the first message wins over set", NULL, 0, false, "second", "first", "first"},
        {"the first message wins over at", "f", 1, true, "second", "first", "first"},
        {"a long message is cut", NULL, 0, false, long_text, NULL, NULL},
        {"a path too long for its line number gives the message alone", long_file, 1, true, "bad value", NULL,
         "bad value"},
};

static void test_diag(void **state) {
        const struct diag_case *c = *state;
        struct diag d = {0};
        if (c->first)
                assert_int_equal(diag_set(&d, "%s", c->first), -EINVAL);
        int r = c->at ? diag_at(&d, c->file, c->line, "%s", c->text) : diag_set(&d, "%s", c->text);
        assert_int_equal(r, -EINVAL);
        if (c->want)
                assert_string_equal(d.msg, c->want);
        else {
                assert_int_equal(strlen(d.msg), sizeof(d.msg) - 1);
                assert_memory_equal(d.msg, long_text, sizeof(d.msg) - 1);
        }
}

/* with no diag to fill, the error is returned all the same */
static void test_no_diag(_unused_ void **state) {
        assert_int_equal(diag_set(NULL, "%s", "x"), -EINVAL);
        assert_int_equal(diag_at(NULL, "f", 1, "%s", "x"), -EINVAL);
}

int main(void) {
        memset(long_text, 'm', sizeof(long_text) - 1);
        memset(long_file, 'f', sizeof(long_file) - 1);
        struct CMUnitTest tests[1 + ELEMENTSOF(diag_cases)] = {cmocka_unit_test(test_no_diag)};
        for (size_t i = 0; i < ELEMENTSOF(diag_cases); i++)
                tests[1 + i] = (struct CMUnitTest){diag_cases[i].name, test_diag, NULL, NULL, (void *) &diag_cases[i]};
        return _cmocka_run_group_tests("test-diag", tests, ELEMENTSOF(tests), NULL, NULL);
}
