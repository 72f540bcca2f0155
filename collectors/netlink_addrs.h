/* The IP addresses of this network namespace's interfaces, from one
 * rtnetlink dump (RTM_GETADDR), as Go's net.Interface.Addrs() gives them to
 * node_exporter's --collector.netdev.address-info: the local address of
 * each (IFA_LOCAL where the kernel sends one, as on a point-to-point link,
 * else IFA_ADDRESS), its prefix length and its interface index. The
 * socket and the list stay from scrape to scrape. */
#pragma once

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

#include "netlink_dump.h"

struct netlink_addr {
        uint32_t ifindex;
        uint8_t family; /* AF_INET or AF_INET6 */
        uint8_t prefixlen;
        unsigned char addr[16]; /* 4 bytes for AF_INET */
};

struct netlink_addrs {
        struct netlink_dump dump;
        struct netlink_addr *addrs;
        size_t n, cap;
};

void netlink_addrs_init(struct netlink_addrs *a);
/* Dumps the addresses: 0 or a negative errno (then a->n is 0). */
int netlink_addrs_dump(struct netlink_addrs *a);
/* Parses one RTM_NEWADDR message into a (appending): 0, or -EBADMSG for
 * a message too short or an address of the wrong length. Exposed for the
 * tests. */
int netlink_addrs_parse(struct netlink_addrs *a, const struct nlmsghdr *h);
/* Go's scope words for an address: "link-local" (loopback, link-local
 * unicast and multicast), "interface-local" (multicast), "global" (any
 * other unicast), or "". */
const char *netlink_addr_scope(const struct netlink_addr *a);
/* The address as Go's net.IP.String() writes it (an IPv4-mapped IPv6
 * address as IPv4) into out (INET6_ADDRSTRLEN bytes): 0 or -EINVAL. */
int netlink_addr_text(const struct netlink_addr *a, char *out, size_t size);
void netlink_addrs_free(struct netlink_addrs *a);
