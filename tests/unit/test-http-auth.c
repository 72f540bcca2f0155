/* exporters/http_auth.c: bcrypt checks, the cache of successes (a
 * changed password or hash never reuses one), and one bcrypt run for
 * every refusal whatever was wrong. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "http_auth.h"
#include "macro.h"

/* "secret" at cost 4 (twice, two salts), "other" at cost 5 */
#define ALICE "$2b$04$.o0C4PDgpBdjZK1nCUVzH.y6sLDoHbimAdNl9yd6oETyNG.BX.5Ku"
#define ALICE2 "$2b$04$2pFjqYug82/Cu8jrT4p5Q.6FDjbBwdMmqC.fOwyaaPlXyx9vp6qp."
#define BOB "$2b$05$qUSPOxa8j8//jXNFRMz0H.61gFGhMGif4j2HexdFbwSZJ.nM7am3S"

static struct http_auth *auth_of(const char *alice_hash) {
        struct web_user users[] = {{"alice", (char *) alice_hash}, {"bob", (char *) BOB}};
        struct http_auth *a;
        assert_int_equal(http_auth_new(users, ELEMENTSOF(users), &a), 0);
        return a;
}

static void test_cache(_unused_ void **state) {
        struct http_auth *a = auth_of(ALICE);
        assert_true(http_auth_check(a, "alice", "secret"));
        assert_int_equal(http_auth_bcrypt_runs(a), 1);
        for (int i = 0; i < 10; i++) /* a scrape every 15 s pays bcrypt once */
                assert_true(http_auth_check(a, "alice", "secret"));
        assert_int_equal(http_auth_bcrypt_runs(a), 1);
        assert_true(http_auth_check(a, "bob", "other"));
        assert_int_equal(http_auth_bcrypt_runs(a), 2);
        /* another password, or alice's password for bob: not the cached one */
        assert_false(http_auth_check(a, "alice", "secret2"));
        assert_false(http_auth_check(a, "bob", "secret"));
        assert_int_equal(http_auth_bcrypt_runs(a), 4);
        assert_true(http_auth_check(a, "alice", "secret"));
        assert_int_equal(http_auth_bcrypt_runs(a), 4);
        http_auth_free(a);
}

/* a file with alice's hash changed (the same password, a new salt) is
 * checked again, and one whose hash no longer matches refuses at once */
static void test_changed_file(_unused_ void **state) {
        struct http_auth *a = auth_of(ALICE2);
        assert_true(http_auth_check(a, "alice", "secret"));
        assert_int_equal(http_auth_bcrypt_runs(a), 1);
        http_auth_free(a);
        a = auth_of(BOB);
        assert_false(http_auth_check(a, "alice", "secret"));
        assert_true(http_auth_check(a, "alice", "other"));
        http_auth_free(a);
}

/* each refusal is one bcrypt run, never a cached success */
static void test_refusals_cost_the_same(_unused_ void **state) {
        static const struct {
                const char *user, *password;
        } wrong[] = {
                {"alice", "wrong"}, {"mallory", "secret"}, {NULL, NULL},        {"alice", NULL}, {NULL, "secret"},
                {"", ""},           {"alice", ""},         {"ALICE", "secret"},
        };
        struct http_auth *a = auth_of(ALICE);
        assert_true(http_auth_check(a, "alice", "secret"));
        for (size_t i = 0; i < ELEMENTSOF(wrong); i++) {
                unsigned long long before = http_auth_bcrypt_runs(a);
                assert_false(http_auth_check(a, wrong[i].user, wrong[i].password));
                assert_int_equal(http_auth_bcrypt_runs(a), before + 1);
        }
        http_auth_free(a);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_cache),
                cmocka_unit_test(test_changed_file),
                cmocka_unit_test(test_refusals_cost_the_same),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
