/* Strict parsers: numbers, booleans, durations, fields, lines, addresses. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>

#include "dirlist.h"
#include "fileio.h"
#include "filter.h"
#include "listen.h"
#include "netlink_links.h"
#include "macro.h"
#include "parse.h"
#include "scrape_cache.h"

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
                {"10s", 0, 10000}, {"250ms", 0, 250}, {"1m30s", 0, 90000}, {"2h", 0, 7200000},
                {"1d", 0, 86400000}, {"0s", 0, 0}, {"10", -EINVAL, 0}, {"", -EINVAL, 0},
                {"s", -EINVAL, 0}, {"10x", -EINVAL, 0}, {"-1s", -EINVAL, 0}, {"1.5s", -EINVAL, 0},
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

/* Listings come sorted whatever order the filesystem returns; a count
 * sees the same entries; a missing directory is an errno. */
static void test_dirlist(_unused_ void **state) {
        char dir[] = "/tmp/vigie-test-dirlist.XXXXXX";
        assert_non_null(mkdtemp(dir));
        const char *names[] = {"zeta", "alpha", "mid", "b.prom"};
        for (size_t i = 0; i < ELEMENTSOF(names); i++) {
                char p[128];
                (void) snprintf(p, sizeof(p), "%s/%s", dir, names[i]);
                int fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
                assert_true(fd >= 0);
                close(fd);
        }
        struct dirlist l = {0};
        assert_int_equal(dirlist_read(&l, dir), 0);
        assert_int_equal(l.n, 4);
        assert_string_equal(dirlist_name(&l, 0), "alpha");
        assert_string_equal(dirlist_name(&l, 1), "b.prom");
        assert_string_equal(dirlist_name(&l, 3), "zeta");
        assert_true(dirlist_has(&l, "mid"));
        assert_false(dirlist_has(&l, "nope"));
        assert_int_equal(dirlist_count(dir), 4);
        /* kept open and rewound: the listing follows the directory */
        struct dirlist kept = {0};
        assert_int_equal(dirlist_read_kept(&kept, dir), 0);
        assert_int_equal(kept.n, 4);
        char extra[128];
        (void) snprintf(extra, sizeof(extra), "%s/new", dir);
        int nfd = open(extra, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
        assert_true(nfd >= 0);
        close(nfd);
        assert_int_equal(dirlist_read_kept(&kept, dir), 0);
        assert_int_equal(kept.n, 5);
        assert_true(dirlist_has(&kept, "new"));
        assert_int_equal(unlink(extra), 0);
        assert_int_equal(dirlist_read_kept(&kept, dir), 0);
        assert_int_equal(kept.n, 4);
        dirlist_free(&kept);
        assert_false(kept.kept);
        for (size_t i = 0; i < ELEMENTSOF(names); i++) {
                char p[128];
                (void) snprintf(p, sizeof(p), "%s/%s", dir, names[i]);
                assert_int_equal(unlink(p), 0);
        }
        assert_int_equal(dirlist_count(dir), 0);
        assert_int_equal(rmdir(dir), 0);
        assert_int_equal(dirlist_count(dir), -ENOENT);
        assert_int_equal(dirlist_read(&l, dir), -ENOENT);
        dirlist_free(&l);
}

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
}

/* A netlink message builder for the tests: one message at a time. */
struct nlbuf {
        _Alignas(4) unsigned char data[4096];
        size_t len, msg;
};

static void nl_msg(struct nlbuf *b, uint16_t type, uint32_t seq, const void *body, size_t n) {
        b->msg = b->len;
        struct nlmsghdr h = {.nlmsg_len = (uint32_t) NLMSG_LENGTH(n), .nlmsg_type = type, .nlmsg_seq = seq};
        memcpy(b->data + b->len, &h, sizeof(h));
        memcpy(b->data + b->len + NLMSG_HDRLEN, body, n);
        b->len += NLMSG_ALIGN(NLMSG_LENGTH(n));
}

static void nl_attr(struct nlbuf *b, uint16_t type, const void *v, size_t n) {
        struct rtattr a = {.rta_len = (unsigned short) RTA_LENGTH(n), .rta_type = type};
        memcpy(b->data + b->len, &a, sizeof(a));
        memcpy(b->data + b->len + RTA_LENGTH(0), v, n);
        b->len += RTA_ALIGN(RTA_LENGTH(n));
        struct nlmsghdr *h = (struct nlmsghdr *) (b->data + b->msg);
        h->nlmsg_len = (uint32_t) (b->len - b->msg);
}

static void nl_link(struct nlbuf *b, uint32_t seq, int ifindex, const char *name, uint32_t mtu) {
        struct ifinfomsg ifi = {.ifi_index = ifindex, .ifi_type = 1, .ifi_flags = IFF_UP};
        nl_msg(b, RTM_NEWLINK, seq, &ifi, sizeof(ifi));
        if (name)
                nl_attr(b, IFLA_IFNAME, name, strlen(name) + 1);
        nl_attr(b, IFLA_MTU, &mtu, sizeof(mtu));
}

/* Links as the kernel sends them, and what a malformed or foreign message
 * does: skipped when it answers another request, an error otherwise. */
static void test_netlink_links(_unused_ void **state) {
        struct netlink_links l;
        netlink_links_init(&l);
        struct nlbuf b = {0};
        nl_link(&b, 7, 2, "eth0", 1500);
        const uint8_t mac[6] = {0x52, 0x54, 0x00, 0xab, 0x0c, 0xff};
        nl_attr(&b, IFLA_ADDRESS, mac, sizeof(mac));
        uint8_t oper = 6, carrier = 1;
        nl_attr(&b, IFLA_OPERSTATE, &oper, 1);
        nl_attr(&b, IFLA_CARRIER, &carrier, 1);
        nl_attr(&b, IFLA_IFALIAS, "uplink", 7);
        uint32_t peer = 9;
        nl_attr(&b, IFLA_LINK, &peer, sizeof(peer));
        struct rtnl_link_stats64 st = {.rx_bytes = 1000, .tx_packets = 7, .rx_nohandler = 3};
        nl_attr(&b, IFLA_STATS64, &st, sizeof(st));
        nl_link(&b, 6, 3, "other", 9000); /* another request's answer */
        nl_link(&b, 7, 1, "lo", 65536);
        /* an older kernel's counters, without rx_nohandler */
        st.rx_nohandler = 0;
        nl_attr(&b, IFLA_STATS64, &st, offsetof(struct rtnl_link_stats64, rx_nohandler));
        assert_int_equal(netlink_links_parse(&l, b.data, b.len, 7), 0);
        assert_int_equal(l.n, 2);
        const struct netlink_link *e = &l.links[0];
        assert_string_equal(e->name, "eth0");
        assert_int_equal(e->ifindex, 2);
        assert_int_equal(e->iflink, 9);
        assert_true(e->has_mtu);
        assert_int_equal(e->mtu, 1500);
        assert_string_equal(e->address, "52:54:00:ab:0c:ff");
        assert_string_equal(e->broadcast, "");
        assert_string_equal(e->ifalias, "uplink");
        assert_string_equal(netlink_operstate_name(e->operstate), "up");
        assert_true(e->has_carrier && e->carrier == 1);
        assert_false(e->has_txqlen);
        assert_true(e->has_stats);
        assert_int_equal(e->stats.rx_bytes, 1000);
        assert_int_equal(e->stats.tx_packets, 7);
        assert_int_equal(e->stats.rx_nohandler, 3);
        assert_int_equal(l.links[1].iflink, 1); /* its own link without IFLA_LINK */
        assert_true(l.links[1].has_stats);
        assert_int_equal(l.links[1].stats.rx_bytes, 1000);
        assert_int_equal(l.links[1].stats.rx_nohandler, 0);

        struct nlbuf done = {0};
        nl_msg(&done, NLMSG_DONE, 7, "\0\0\0\0", 4);
        assert_int_equal(netlink_links_parse(&l, done.data, done.len, 7), 1);

        struct nlbuf err = {0};
        struct nlmsgerr ne = {.error = -EPERM};
        nl_msg(&err, NLMSG_ERROR, 7, &ne, sizeof(ne));
        assert_int_equal(netlink_links_parse(&l, err.data, err.len, 7), -EPERM);

        struct nlbuf bad = {0};
        nl_link(&bad, 7, 4, NULL, 1500); /* no name */
        assert_int_equal(netlink_links_parse(&l, bad.data, bad.len, 7), -EBADMSG);
        struct nlbuf shortattr = {0};
        nl_link(&shortattr, 7, 4, "eth1", 1500);
        nl_attr(&shortattr, IFLA_TXQLEN, "\1\2", 2); /* a u32 in two bytes */
        assert_int_equal(netlink_links_parse(&l, shortattr.data, shortattr.len, 7), -EBADMSG);
        struct nlbuf cut = {0};
        nl_link(&cut, 7, 5, "eth2", 1500);
        assert_int_equal(netlink_links_parse(&l, cut.data, cut.len - 4, 7), -EBADMSG); /* a read cut short */
        netlink_links_free(&l);

        /* a real dump, where the test may open a netlink socket: lo is there */
        netlink_links_init(&l);
        if (netlink_links_dump(&l) == 0) {
                const struct netlink_link *lo = netlink_links_find(&l, "lo");
                assert_non_null(lo);
                assert_string_equal(lo->address, "00:00:00:00:00:00");
                assert_true(lo->has_stats); /* RTEXT_FILTER_SKIP_STATS keeps the counters */
                assert_null(netlink_links_find(&l, "no-such-interface"));
        }
        netlink_links_free(&l);
}

static void write_file(const char *path, const char *text) {
        FILE *f = fopen(path, "w");
        assert_non_null(f);
        assert_true(fputs(text, f) >= 0);
        assert_int_equal(fclose(f), 0);
}

/* A stamp says "unchanged" only for what did not change, and only once a
 * second has passed since the last change (two changes in one tick of the
 * filesystem's clock look alike). */
static void test_file_stamp(_unused_ void **state) {
        char dir[] = "/tmp/vigie-test-stamp.XXXXXX", path[64], tmp[64];
        assert_non_null(mkdtemp(dir));
        (void) snprintf(path, sizeof(path), "%s/f", dir);
        (void) snprintf(tmp, sizeof(tmp), "%s/f.tmp", dir);
        struct file_stamp f = {0}, d = {0};
        assert_false(file_stamp_unchanged(&f, dir, "f")); /* never looked */
        assert_true(file_stamp_unchanged(&f, dir, "f"));  /* still missing */
        assert_false(file_stamp_unchanged(&d, dir, "."));
        write_file(path, "one\n");
        assert_false(file_stamp_unchanged(&f, dir, "f")); /* appeared */
        assert_false(file_stamp_unchanged(&f, dir, "f")); /* changed less than a second ago */
        assert_false(file_stamp_unchanged(&d, dir, "."));
        usleep(1100 * 1000);
        assert_false(file_stamp_unchanged(&f, dir, "f")); /* the stamp was taken too soon */
        assert_true(file_stamp_unchanged(&f, dir, "f"));
        assert_false(file_stamp_unchanged(&d, dir, "."));
        assert_true(file_stamp_unchanged(&d, dir, "."));
        write_file(path, "two\n"); /* in place, same size */
        assert_false(file_stamp_unchanged(&f, dir, "f"));
        assert_true(file_stamp_unchanged(&d, dir, ".")); /* the entries did not change */
        usleep(1100 * 1000);
        assert_false(file_stamp_unchanged(&f, dir, "f"));
        assert_true(file_stamp_unchanged(&f, dir, "f"));
        write_file(tmp, "three\n");
        assert_int_equal(rename(tmp, path), 0); /* replaced, as udev and package managers do */
        assert_false(file_stamp_unchanged(&f, dir, "f"));
        assert_false(file_stamp_unchanged(&d, dir, "."));
        assert_int_equal(unlink(path), 0);
        assert_false(file_stamp_unchanged(&f, dir, "f"));
        assert_int_equal(rmdir(dir), 0);
}

/* Every way of reading a file into memory has a bound: a file of max
 * bytes is read whole, one byte more is -EFBIG (at the buffer's first
 * sizes and past them), and /dev/zero, which never ends, is refused
 * rather than read until memory runs out. */
static void test_read_bounds(_unused_ void **state) {
        char dir[] = "/tmp/vigie-test-bounds.XXXXXX", path[64];
        assert_non_null(mkdtemp(dir));
        (void) snprintf(path, sizeof(path), "%s/zero", dir);
        assert_int_equal(symlink("/dev/zero", path), 0);
        (void) snprintf(path, sizeof(path), "%s/file", dir);
        static const size_t sizes[] = {1, 4095, 4096, 4097, 10000};
        char text[10000];
        memset(text, 'x', sizeof(text));
        struct buf b = {0};
        for (size_t i = 0; i < ELEMENTSOF(sizes) * 3; i++) {
                const char *name = i < ELEMENTSOF(sizes) * 2 ? "file" : "zero";
                size_t size = sizes[i % ELEMENTSOF(sizes)], max = i < ELEMENTSOF(sizes) ? size : size - 1;
                int want = i < ELEMENTSOF(sizes) ? 0 : -EFBIG;
                FILE *f = fopen(path, "w");
                assert_non_null(f);
                assert_int_equal(fwrite(text, 1, size, f), size);
                assert_int_equal(fclose(f), 0);

                assert_int_equal(read_file_at(dir, name, max, &b), want);
                if (want == 0)
                        assert_int_equal(b.len, size);
                char rel[PATH_MAX];
                (void) snprintf(rel, sizeof(rel), "%s/%s", dir, name);
                int fd = open(rel, O_RDONLY | O_CLOEXEC);
                assert_true(fd >= 0);
                assert_int_equal(read_fd(fd, max, &b), want);
                (void) close(fd);
                struct kernel_file kf = {0};
                assert_int_equal(kernel_file_read(&kf, dir, name, max, &b), want);
                kernel_file_close(&kf);
                assert_int_equal(kernel_file_read_one_piece(&kf, dir, name, max, &b), want);
                if (want == 0)
                        assert_int_equal(b.len, size);
                kernel_file_close(&kf);
                struct scrape_cache sc = {0};
                const struct buf *content;
                scrape_cache_next(&sc);
                assert_int_equal(scrape_cache_file(&sc, dir, name, i % 2, max, &content), want);
                scrape_cache_free(&sc);
        }
        buf_free(&b);
        assert_int_equal(unlink(path), 0);
        (void) snprintf(path, sizeof(path), "%s/zero", dir);
        assert_int_equal(unlink(path), 0);
        assert_int_equal(rmdir(dir), 0);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_u64),          cmocka_unit_test(test_bool),
                cmocka_unit_test(test_duration),     cmocka_unit_test(test_fields),
                cmocka_unit_test(test_lines),        cmocka_unit_test(test_listen_address),
                cmocka_unit_test(test_dirlist),      cmocka_unit_test(test_filter),
                cmocka_unit_test(test_read_bounds),
                cmocka_unit_test(test_file_stamp),   cmocka_unit_test(test_netlink_links),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
