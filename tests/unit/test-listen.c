/* agent/listen.c: listen addresses split into host and port, and what is
 * refused. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "listen.h"
#include "macro.h"

static void test_listen_address(_unused_ void **state) {
        static const struct {
                const char *addr;
                int r;
                const char *host, *port;
        } table[] = {
                {":9100", 0, "", "9100"},
                {"127.0.0.1:9100", 0, "127.0.0.1", "9100"},
                {"localhost:80", 0, "localhost", "80"},
                {"[::1]:9100", 0, "::1", "9100"},
                {"[fe80::1%eth0]:9100", 0, "fe80::1%eth0", "9100"},
                {"0.0.0.0:0", 0, "0.0.0.0", "0"},
                {"9100", -EINVAL, NULL, NULL},
                {"::1:9100", -EINVAL, NULL, NULL},
                {"[::1]9100", -EINVAL, NULL, NULL},
                {"[]:9100", -EINVAL, NULL, NULL},
                {"host:", -EINVAL, NULL, NULL},
                {"host:65536", -EINVAL, NULL, NULL},
                {"host:http", -EINVAL, NULL, NULL},
                {"ho st:1", -EINVAL, NULL, NULL},
                {"", -EINVAL, NULL, NULL},
        };
        for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
                char host[256], port[8];
                int r = listen_address_parse(table[i].addr, host, sizeof(host), port, sizeof(port));
                if (r != table[i].r)
                        fail_msg("'%s': %d, expected %d", table[i].addr, r, table[i].r);
                if (r == 0) {
                        assert_string_equal(host, table[i].host);
                        assert_string_equal(port, table[i].port);
                }
        }
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_listen_address),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
