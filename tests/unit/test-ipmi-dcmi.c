/* collectors/energy/ipmi_dcmi.c: the DCMI Get Power Reading codec against
 * byte-exact examples, and the OpenIPMI exchange where no BMC answers. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "energy/ipmi_dcmi.h"
#include "macro.h"

static void test_encode(_unused_ void **state) {
        uint8_t req[IPMI_DCMI_REQUEST_LEN];
        memset(req, 0xee, sizeof(req));
        ipmi_dcmi_encode_request(req);
        static const uint8_t want[] = {0xdc, 0x01, 0x00, 0x00};
        assert_memory_equal(req, want, sizeof(want));
}

/* A reading as a Dell iDRAC gives it: 210 W now, 100 to 400 W over the
 * last second, 200 W on average, active. */
static const uint8_t normal[IPMI_DCMI_RESPONSE_LEN] = {
        0x00,                   /* completion code */
        0xdc,                   /* group extension */
        0xd2, 0x00,             /* current 210 W */
        0x64, 0x00,             /* minimum 100 W */
        0x90, 0x01,             /* maximum 400 W */
        0xc8, 0x00,             /* average 200 W */
        0x00, 0x10, 0x5e, 0x5f, /* timestamp 0x5f5e1000 */
        0xe8, 0x03, 0x00, 0x00, /* period 1000 ms */
        0x40,                   /* state: measurement active */
};

static void test_decode_normal(_unused_ void **state) {
        struct ipmi_dcmi_reading r;
        uint8_t cc = 0x77;
        assert_int_equal(ipmi_dcmi_decode_response(normal, sizeof(normal), &r, &cc), 0);
        assert_int_equal(r.current_watts, 210);
        assert_int_equal(r.minimum_watts, 100);
        assert_int_equal(r.maximum_watts, 400);
        assert_int_equal(r.average_watts, 200);
        assert_int_equal(r.timestamp, 0x5f5e1000u);
        assert_int_equal(r.period_ms, 1000);
        assert_true(r.active);
        assert_int_equal(cc, 0x77); /* only an error response sets it */

        /* high bytes count: 0x1234 W, and the other state bits are reserved */
        uint8_t big[IPMI_DCMI_RESPONSE_LEN];
        memcpy(big, normal, sizeof(big));
        big[2] = 0x34;
        big[3] = 0x12;
        big[18] = 0xbf; /* every bit but 6 */
        assert_int_equal(ipmi_dcmi_decode_response(big, sizeof(big), &r, &cc), 0);
        assert_int_equal(r.current_watts, 0x1234);
        assert_false(r.active);
}

static void test_decode_not_active(_unused_ void **state) {
        uint8_t resp[IPMI_DCMI_RESPONSE_LEN];
        memcpy(resp, normal, sizeof(resp));
        resp[18] = 0x00;
        struct ipmi_dcmi_reading r;
        uint8_t cc;
        assert_int_equal(ipmi_dcmi_decode_response(resp, sizeof(resp), &r, &cc), 0);
        assert_false(r.active);
        assert_int_equal(r.current_watts, 210);
}

/* A BMC without DCMI answers "invalid command" (0xc1) with the code
 * alone; one busy answers 0xc0; the kernel's own timeout is 0xc3. */
static void test_decode_completion_code(_unused_ void **state) {
        static const struct {
                uint8_t bytes[3];
                size_t len;
                uint8_t code;
                const char *text;
        } cases[] = {
                {{0xc1}, 1, 0xc1, "invalid command"},
                {{0xc0, 0xdc}, 2, 0xc0, "node busy"},
                {{0xc3}, 1, 0xc3, "timeout"},
                {{0xd4, 0xdc, 0x00}, 3, 0xd4, "insufficient privilege"},
                {{0x80}, 1, 0x80, "unknown completion code"},
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                struct ipmi_dcmi_reading r = {.current_watts = 42};
                uint8_t cc = 0;
                assert_int_equal(ipmi_dcmi_decode_response(cases[i].bytes, cases[i].len, &r, &cc), -EIO);
                assert_int_equal(cc, cases[i].code);
                assert_string_equal(ipmi_completion_code_str(cc), cases[i].text);
                assert_int_equal(r.current_watts, 42); /* untouched */
        }
}

/* Every length but the right one is refused, shorter and longer alike,
 * and so is another group extension; nothing is stored. */
static void test_decode_bad_length(_unused_ void **state) {
        uint8_t resp[IPMI_DCMI_RESPONSE_LEN + 4];
        memset(resp, 0, sizeof(resp));
        memcpy(resp, normal, sizeof(normal));
        for (size_t len = 0; len <= sizeof(resp); len++) {
                if (len == IPMI_DCMI_RESPONSE_LEN)
                        continue;
                struct ipmi_dcmi_reading r = {.current_watts = 42};
                uint8_t cc = 0x55;
                assert_int_equal(ipmi_dcmi_decode_response(resp, len, &r, &cc), -EBADMSG);
                assert_int_equal(r.current_watts, 42);
                assert_int_equal(cc, 0x55);
        }
        memcpy(resp, normal, sizeof(normal));
        resp[1] = 0xdd;
        struct ipmi_dcmi_reading r = {.current_watts = 42};
        uint8_t cc = 0x55;
        assert_int_equal(ipmi_dcmi_decode_response(resp, IPMI_DCMI_RESPONSE_LEN, &r, &cc), -EBADMSG);
        assert_int_equal(r.current_watts, 42);
}

/* No device is -ENOENT; a regular file, or a character device that is
 * not IPMI, is -ENOTTY from the first ioctl: neither waits. */
static void test_read_no_device(_unused_ void **state) {
        struct ipmi_dcmi_reading r = {.current_watts = 42};
        uint8_t cc = 0x55;
        assert_int_equal(ipmi_dcmi_read("/nonexistent/ipmi0", 5000, &r, &cc), -ENOENT);
        char path[] = "/tmp/vigie-test-ipmi.XXXXXX";
        int fd = mkstemp(path);
        assert_true(fd >= 0);
        (void) close(fd);
        assert_int_equal(ipmi_dcmi_read(path, 5000, &r, &cc), -ENOTTY);
        assert_int_equal(unlink(path), 0);
        assert_int_equal(ipmi_dcmi_read("/dev/null", 5000, &r, &cc), -ENOTTY);
        assert_int_equal(r.current_watts, 42);
        assert_int_equal(cc, 0x55);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_encode),
                cmocka_unit_test(test_decode_normal),
                cmocka_unit_test(test_decode_not_active),
                cmocka_unit_test(test_decode_completion_code),
                cmocka_unit_test(test_decode_bad_length),
                cmocka_unit_test(test_read_no_device),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
