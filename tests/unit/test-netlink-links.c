/* collectors/netlink_links.c: an rtnetlink link dump parsed into links,
 * from messages built here and from the kernel. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>

#include "macro.h"
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

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_netlink_links),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
