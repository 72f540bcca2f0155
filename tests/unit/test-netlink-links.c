/* collectors/netlink_links.c: an rtnetlink link dump parsed into links,
 * and a counters dump into their counters, from messages built here and
 * from the kernel; collectors/netlink_addrs.c: address messages, and the
 * scope words node_exporter gives addresses. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <arpa/inet.h>
#include <cmocka.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>

#include "macro.h"
#include "netlink_addrs.h"
#include "netlink_links.h"

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

static void nl_stats(struct nlbuf *b, uint32_t seq, int ifindex, uint64_t rx_bytes) {
        struct if_stats_msg m = {.ifindex = (uint32_t) ifindex,
                                 .filter_mask = IFLA_STATS_FILTER_BIT(IFLA_STATS_LINK_64)};
        nl_msg(b, RTM_NEWSTATS, seq, &m, sizeof(m));
        struct rtnl_link_stats64 st = {.rx_bytes = rx_bytes, .tx_packets = rx_bytes / 10};
        nl_attr(b, IFLA_STATS_LINK_64, &st, sizeof(st));
}

/* Three links of a full dump (eth0, ifindex 9, lo 1, veth 4), sorted and indexed. */
static void three_links(struct netlink_links *l) {
        netlink_links_init(l);
        struct nlbuf b = {0};
        nl_link(&b, 3, 9, "eth0", 1500);
        nl_link(&b, 3, 1, "lo", 65536);
        nl_link(&b, 3, 4, "veth", 1500);
        assert_int_equal(netlink_links_parse(l, b.data, b.len, 3), 0);
        assert_int_equal(netlink_links_sort(l), 0);
}

static uint64_t rx_of(const struct netlink_links *l, const char *name) {
        const struct netlink_link *k = netlink_links_find(l, name);
        assert_non_null(k);
        assert_true(k->has_stats);
        return k->stats.rx_bytes;
}

/* Counters by ifindex into the links of the last full dump, in the
 * kernel's order (not ifindex's), over two reads; what must send the
 * scrape back to a full dump: an unknown ifindex, a link left out, a
 * message without counters or cut short. Another request's answers are
 * skipped, a repeated answer counted once. */
static void test_netlink_links_stats(_unused_ void **state) {
        struct netlink_links l;
        three_links(&l);
        struct nlbuf b = {0}, b2 = {0}, done = {0};
        nl_stats(&b, 8, 4, 400);
        nl_stats(&b, 8, 9, 900);
        nl_stats(&b, 5, 1, 555);  /* another request's */
        nl_stats(&b2, 8, 9, 901); /* the kernel resumed a dump across a change */
        nl_stats(&b2, 8, 1, 100);
        nl_msg(&done, NLMSG_DONE, 8, "\0\0\0\0", 4);
        assert_int_equal(netlink_links_parse_stats(&l, b.data, b.len, 8), 0);
        assert_int_equal(netlink_links_parse_stats(&l, b2.data, b2.len, 8), 0);
        assert_int_equal(netlink_links_parse_stats(&l, done.data, done.len, 8), 1);
        assert_int_equal(rx_of(&l, "eth0"), 901);
        assert_int_equal(rx_of(&l, "lo"), 100);
        assert_int_equal(rx_of(&l, "veth"), 400);
        assert_int_equal(netlink_links_find(&l, "veth")->stats.tx_packets, 40);
        assert_int_equal(netlink_links_find(&l, "eth0")->mtu, 1500); /* the rest kept */

        /* a link left out of the next dump: gone since */
        struct nlbuf some = {0};
        nl_stats(&some, 9, 1, 101);
        nl_stats(&some, 9, 9, 902);
        nl_msg(&some, NLMSG_DONE, 9, "\0\0\0\0", 4);
        assert_int_equal(netlink_links_parse_stats(&l, some.data, some.len, 9), -ENODEV);
        /* a dump of no link at all */
        nl_msg(&done, NLMSG_DONE, 10, "\0\0\0\0", 4);
        assert_int_equal(netlink_links_parse_stats(&l, done.data + done.msg, done.len - done.msg, 10), -ENODEV);

        /* an interface made since */
        struct nlbuf unknown = {0};
        nl_stats(&unknown, 11, 5, 1);
        assert_int_equal(netlink_links_parse_stats(&l, unknown.data, unknown.len, 11), -ENODEV);

        /* no IFLA_STATS_LINK_64, another attribute instead */
        struct nlbuf nostats = {0};
        struct if_stats_msg m = {.ifindex = 1};
        nl_msg(&nostats, RTM_NEWSTATS, 12, &m, sizeof(m));
        uint32_t x = 0;
        nl_attr(&nostats, IFLA_STATS_LINK_XSTATS, &x, sizeof(x));
        assert_int_equal(netlink_links_parse_stats(&l, nostats.data, nostats.len, 12), -EBADMSG);
        /* shorter than an if_stats_msg */
        struct nlbuf tiny = {0};
        nl_msg(&tiny, RTM_NEWSTATS, 13, &m, sizeof(m) - 4);
        assert_int_equal(netlink_links_parse_stats(&l, tiny.data, tiny.len, 13), -EBADMSG);
        /* a read cut short */
        struct nlbuf cut = {0};
        nl_stats(&cut, 14, 1, 1);
        assert_int_equal(netlink_links_parse_stats(&l, cut.data, cut.len - 8, 14), -EBADMSG);
        /* the kernel refuses */
        struct nlbuf err = {0};
        struct nlmsgerr ne = {.error = -EOPNOTSUPP};
        nl_msg(&err, NLMSG_ERROR, 15, &ne, sizeof(ne));
        assert_int_equal(netlink_links_parse_stats(&l, err.data, err.len, 15), -EOPNOTSUPP);
        netlink_links_free(&l);
}

/* Against the kernel, where a netlink socket opens: the first refresh
 * dumps in full, the next ones only the counters while no interface of
 * this namespace changes (a change on a shared host may make one more
 * full dump, hence several tries), and one a minute later in full again. */
static void test_netlink_links_refresh(_unused_ void **state) {
        struct netlink_links l;
        netlink_links_init(&l);
        const uint64_t s = 1000000000u;
        if (netlink_links_refresh(&l, 5 * s) < 0) {
                netlink_links_free(&l);
                skip();
        }
        assert_int_equal(l.full_dumps, 1);
        assert_int_equal(l.stats_dumps, 0);
        assert_true(l.events_fd >= 0);
        size_t n = l.n;
        for (int i = 0; i < 5 && l.stats_dumps == 0; i++)
                assert_int_equal(netlink_links_refresh(&l, 6 * s), 0);
        assert_true(l.stats_dumps > 0);
        assert_int_equal(l.n, n);
        assert_non_null(netlink_links_find(&l, "lo"));
        assert_true(netlink_links_find(&l, "lo")->has_stats);
        unsigned long full = l.full_dumps;
        assert_int_equal(netlink_links_refresh(&l, 66 * s), 0);
        assert_int_equal(l.full_dumps, full + 1);
        netlink_links_free(&l);
}

/* One RTM_NEWADDR message into a: the parser's return. */
static int addr_msg(struct netlink_addrs *a, uint8_t family, uint8_t prefixlen, uint32_t ifindex, const char *local,
                    const char *address) {
        struct nlbuf b = {0};
        struct ifaddrmsg m = {.ifa_family = family, .ifa_prefixlen = prefixlen, .ifa_index = ifindex};
        nl_msg(&b, RTM_NEWADDR, 1, &m, sizeof(m));
        unsigned char bytes[16];
        if (address) {
                assert_int_equal(inet_pton(family, address, bytes), 1);
                nl_attr(&b, IFA_ADDRESS, bytes, family == AF_INET ? 4 : 16);
        }
        if (local) {
                assert_int_equal(inet_pton(family, local, bytes), 1);
                nl_attr(&b, IFA_LOCAL, bytes, family == AF_INET ? 4 : 16);
        }
        return netlink_addrs_parse(a, (const struct nlmsghdr *) b.data);
}

static void test_netlink_addrs_parse(_unused_ void **state) {
        struct netlink_addrs a;
        netlink_addrs_init(&a);
        assert_int_equal(addr_msg(&a, AF_INET, 24, 2, "10.0.0.1", "10.0.0.1"), 0);
        /* point to point: IFA_ADDRESS is the peer's, IFA_LOCAL ours, whatever the order */
        assert_int_equal(addr_msg(&a, AF_INET, 32, 3, "10.8.0.1", "10.8.0.2"), 0);
        assert_int_equal(addr_msg(&a, AF_INET6, 64, 2, NULL, "fe80::1"), 0);
        /* no address at all: nothing, not an error */
        assert_int_equal(addr_msg(&a, AF_INET, 8, 4, NULL, NULL), 0);
        assert_int_equal(a.n, 3);
        assert_int_equal(a.addrs[0].ifindex, 2);
        assert_int_equal(a.addrs[0].prefixlen, 24);
        assert_memory_equal(a.addrs[1].addr, ((unsigned char[]){10, 8, 0, 1}), 4);
        assert_int_equal(a.addrs[2].family, AF_INET6);
        assert_int_equal(a.addrs[2].addr[0], 0xfe);

        /* an IPv4 address of 16 bytes, a message cut before its body */
        struct nlbuf b = {0};
        struct ifaddrmsg m = {.ifa_family = AF_INET};
        nl_msg(&b, RTM_NEWADDR, 1, &m, sizeof(m));
        unsigned char sixteen[16] = {0};
        nl_attr(&b, IFA_ADDRESS, sixteen, sizeof(sixteen));
        assert_int_equal(netlink_addrs_parse(&a, (const struct nlmsghdr *) b.data), -EBADMSG);
        struct nlmsghdr cut = {.nlmsg_len = NLMSG_HDRLEN, .nlmsg_type = RTM_NEWADDR};
        assert_int_equal(netlink_addrs_parse(&a, &cut), -EBADMSG);
        assert_int_equal(a.n, 3);
        netlink_addrs_free(&a);
}

/* Go's scopes (net.IP's IsLoopback, IsLinkLocalUnicast...) as
 * node_exporter 1.5 names them */
static void test_netlink_addr_scope(_unused_ void **state) {
        static const struct {
                const char *text, *scope;
        } cases[] = {
                {"127.0.0.1", "link-local"},
                {"127.200.0.9", "link-local"},
                {"169.254.3.4", "link-local"},
                {"224.0.0.251", "link-local"},
                {"224.0.1.1", ""},
                {"239.1.2.3", ""},
                {"255.255.255.255", ""},
                {"0.0.0.0", ""},
                {"10.0.0.1", "global"},
                {"192.0.2.2", "global"},
                {"::1", "link-local"},
                {"fe80::1", "link-local"},
                {"febf::1", "link-local"},
                {"fec0::1", "global"},
                {"ff02::1", "link-local"},
                {"ff12::1", "link-local"},
                {"ff01::1", "interface-local"},
                {"ff05::2", ""},
                {"::", ""},
                {"::ffff:127.0.0.1", "link-local"},
                {"::ffff:10.1.2.3", "global"},
                {"fd12::1", "global"},
                {"2001:db8::1", "global"},
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                struct netlink_addr a = {.family = strchr(cases[i].text, ':') ? AF_INET6 : AF_INET};
                assert_int_equal(inet_pton(a.family, cases[i].text, a.addr), 1);
                const char *got = netlink_addr_scope(&a);
                if (strcmp(got, cases[i].scope) != 0)
                        fail_msg("%s: scope \"%s\", not \"%s\"", cases[i].text, got, cases[i].scope);
        }
        /* written as Go writes them: IPv4-mapped as IPv4, zeros compressed */
        static const char *const texts[][2] = {
                {"::ffff:10.1.2.3", "10.1.2.3"},
                {"fe80:0::1", "fe80::1"},
                {"2001:db8:0:1:0:0:0:1", "2001:db8:0:1::1"},
                {"192.0.2.2", "192.0.2.2"},
        };
        for (size_t i = 0; i < ELEMENTSOF(texts); i++) {
                struct netlink_addr a = {.family = strchr(texts[i][0], ':') ? AF_INET6 : AF_INET};
                assert_int_equal(inet_pton(a.family, texts[i][0], a.addr), 1);
                char out[INET6_ADDRSTRLEN];
                assert_int_equal(netlink_addr_text(&a, out, sizeof(out)), 0);
                assert_string_equal(out, texts[i][1]);
        }
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_netlink_links),         cmocka_unit_test(test_netlink_links_stats),
                cmocka_unit_test(test_netlink_links_refresh), cmocka_unit_test(test_netlink_addrs_parse),
                cmocka_unit_test(test_netlink_addr_scope),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
