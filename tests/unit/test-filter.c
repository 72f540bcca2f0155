/* agent/filter.c: include and exclude patterns, as node_exporter's
 * collectors apply them, and the memo of their answers. */
#include <errno.h>
#include <malloc.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "filter.h"
#include "macro.h"

/* node_exporter's include/exclude semantics, RE2 classes, and answers that
 * stay right through the memo: asked again, past its growth and past the
 * point where it starts again empty. */
static void test_filter(_unused_ void **state) {
        struct filter f;
        char err[256];
        assert_int_equal(filter_init(&f, "^(sd|vd|loop)", "^loop\\d+$", err, sizeof(err)), 0);
        for (int round = 0; round < 3; round++) {
                assert_true(filter_pass(&f, "sda"));
                assert_true(filter_pass(&f, "vdb1"));
                assert_false(filter_pass(&f, "loop0"));
                assert_true(filter_pass(&f, "loopback"));
                assert_false(filter_pass(&f, "nvme0n1"));
                assert_false(filter_pass(&f, ""));
        }
        for (int round = 0; round < 2; round++)
                for (int i = 0; i < 20000; i++) { /* beyond the memo's largest size */
                        char name[32];
                        (void) snprintf(name, sizeof(name), i % 2 ? "loop%d" : "sd%d", i);
                        if (filter_pass(&f, name) != (i % 2 == 0))
                                fail_msg("%s: wrong answer in round %d", name, round);
                }
        assert_false(filter_pass(&f, "loop7"));
        assert_true(filter_pass(&f, "sda"));
        filter_free(&f);

        assert_int_equal(filter_init(&f, NULL, NULL, err, sizeof(err)), 0);
        assert_true(filter_pass(&f, "anything"));
        filter_free(&f);
        assert_int_equal(filter_init(&f, "(", NULL, err, sizeof(err)), -EINVAL);
        assert_non_null(strstr(err, "include pattern '('"));
        assert_int_equal(filter_init(&f, NULL, "[", err, sizeof(err)), -EINVAL);
        assert_non_null(strstr(err, "exclude pattern '['"));
}

/* Heap bytes that a filter holds after 400 names it refuses and three
 * more, freed. */
static size_t filter_memory(const char *include) {
        struct filter f;
        char err[256];
        assert_int_equal(filter_init(&f, include, NULL, err, sizeof(err)), 0);
        static const char *const protocols[] = {"TcpExt", "IpExt", "Ip", "Icmp", "Tcp", "Udp", "Udp6", "Icmp6"};
        size_t before = mallinfo2().uordblks;
        for (int i = 0; i < 400; i++) {
                char name[64];
                (void) snprintf(name, sizeof(name), "%s_Field%c%dErrs", protocols[i % ELEMENTSOF(protocols)],
                                'A' + i % 26, i);
                assert_false(filter_pass(&f, name));
        }
        (void) filter_pass(&f, "TcpExt_ListenDrops");
        (void) filter_pass(&f, "Udp6_InErrors");
        (void) filter_pass(&f, "Udp6_InCsumErrors");
        size_t grown = mallinfo2().uordblks - before;
        filter_free(&f);
        return grown;
}

/* A filter keeps its memo, not glibc's transition tables: 400 names
 * through node_exporter's netstat pattern left 0.5 MB of them in the
 * compiled pattern while it was kept; the memo is the same for any
 * pattern, and glibc's per-thread cache keeps up to seven freed chunks of
 * each small size (tens of kB after regcomp and regfree). */
static void test_filter_memory(_unused_ void **state) {
        static const char netstat[] =
                "^(.*_(InErrors|InErrs)|Ip_Forwarding|Ip(6|Ext)_(InOctets|OutOctets)|Icmp6?_(InMsgs|OutMsgs)|"
                "TcpExt_(Listen.*|Syncookies.*|TCPSynRetrans|TCPTimeouts)|"
                "Tcp_(ActiveOpens|InSegs|OutSegs|OutRsts|PassiveOpens|RetransSegs|CurrEstab)|"
                "Udp6?_(InDatagrams|OutDatagrams|NoPorts|RcvbufErrors|SndbufErrors))$";
        size_t memo = filter_memory("^x$");
        size_t held = filter_memory(netstat);
        if (held > memo + 128 * 1024)
                fail_msg("the netstat pattern's filter holds %zu bytes, one with ^x$ %zu", held, memo);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_filter),
                cmocka_unit_test(test_filter_memory),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
