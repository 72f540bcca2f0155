/* Network interfaces from one rtnetlink dump (RTM_GETLINK): what
 * /sys/class/net/<iface>/ would give for most attributes, and the counters
 * of /proc/net/dev, in one request rather than a file read per attribute
 * and interface. Used by netclass when it reads the live /sys and by
 * netdev when it reads the live /proc, once per scrape for both
 * (shared_links_dump); the fields keep sysfs's meaning. The links stay
 * from scrape to scrape, and only their counters are asked for again
 * while the kernel tells of no change (netlink_links_refresh). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/if_link.h>

#include "netlink_dump.h"

struct netlink_link {
        char name[16];                         /* IFNAMSIZ */
        uint32_t ifindex, iflink, type, flags; /* flags as ifi_flags */
        uint32_t mtu, group, txqlen;
        uint32_t carrier_changes, carrier_up, carrier_down;
        uint8_t operstate, link_mode, carrier;
        bool has_mtu, has_group, has_txqlen, has_link_mode, has_carrier;
        bool has_carrier_changes, has_carrier_up, has_carrier_down;
        char address[64], broadcast[64]; /* "aa:bb:...", as sysfs prints them; "" without one */
        char ifalias[256];
        bool has_stats; /* IFLA_STATS64; zero where an older kernel sends fewer fields */
        struct rtnl_link_stats64 stats;
};

/* A link's place in netlink_links.links, found by ifindex. */
struct netlink_link_index {
        uint32_t ifindex, link; /* links[link] */
        uint32_t seen;          /* the seq of the last counters dump that had it */
};

struct netlink_links {
        struct netlink_dump dump;
        struct netlink_link *links; /* sorted by name after a dump */
        size_t n, cap;
        /* Kept from scrape to scrape, so that a scrape where no interface
         * changed asks only for the counters (netlink_links_refresh): */
        int events_fd;                         /* subscribed to RTNLGRP_LINK; -1 before the first full dump */
        bool valid;                            /* links hold the last full dump, which succeeded */
        bool no_stats;                         /* the kernel refused RTM_GETSTATS: full dumps only */
        uint64_t dumped_ns;                    /* when that dump was made (CLOCK_MONOTONIC) */
        struct netlink_link_index *by_ifindex; /* n entries, sorted by ifindex after a dump */
        size_t cap_index;
        uint32_t stats_seq, stats_seen;        /* the counters dump under way: links it updated */
        unsigned long full_dumps, stats_dumps; /* what refresh did, for the tests */
};

void netlink_links_init(struct netlink_links *l);
/* Dumps the interfaces of this network namespace; 0 or a negative errno
 * (then l->n is 0). */
int netlink_links_dump(struct netlink_links *l);
/* Brings l up to date at now_ns (CLOCK_MONOTONIC): the counters alone
 * (RTM_GETSTATS) when no notification came since the last full dump and
 * that dump is recent, else a full dump; 0 or a negative errno (then l->n
 * is 0). */
int netlink_links_refresh(struct netlink_links *l, uint64_t now_ns);
/* Parses one batch of RTM_NEWLINK messages into l (appending); 1 at
 * NLMSG_DONE, 0 when more is to come, a negative errno on NLMSG_ERROR or a
 * malformed message. seq: the dump's; other messages are skipped. Exposed
 * for the tests. */
int netlink_links_parse(struct netlink_links *l, const void *data, size_t len, uint32_t seq);
/* Sorts the links parsed by name and indexes them by ifindex, as a dump
 * does after its last message: 0 or -ENOMEM. Exposed for the tests. */
int netlink_links_sort(struct netlink_links *l);
/* Parses one batch of RTM_NEWSTATS messages (IFLA_STATS_LINK_64) into the
 * counters of the sorted links: 1 at NLMSG_DONE when every link had its
 * counters, 0 when more is to come, -ENODEV for an interface l does not
 * have or one of l left out (the interfaces changed), another negative
 * errno as netlink_links_parse. Exposed for the tests. */
int netlink_links_parse_stats(struct netlink_links *l, const void *data, size_t len, uint32_t seq);
/* The interface named name after a dump, or NULL. */
const struct netlink_link *netlink_links_find(const struct netlink_links *l, const char *name);
/* The interface of that index after a dump, or NULL. */
const struct netlink_link *netlink_links_find_ifindex(const struct netlink_links *l, uint32_t ifindex);
/* A hardware address as sysfs prints it: lower-case hex bytes joined by
 * ':', as much as fits in size (3 bytes an address byte). */
void netlink_hw_address_text(char *out, size_t size, const uint8_t *a, size_t n);
/* sysfs's operstate word for an IF_OPER_* value. */
const char *netlink_operstate_name(uint8_t operstate);
void netlink_links_free(struct netlink_links *l);

/* Whether root (--path.sysfs, --path.procfs) names the live one, "/sys"
 * or "/proc" (trailing slashes aside), which describes the same interfaces
 * as a netlink dump in this network namespace; a tree elsewhere is read
 * from its files. */
bool netlink_live_root(const char *root, const char *live);

struct scrape_cache;
/* The links of this scrape, refreshed now or earlier in the same scrape
 * by another collector (netclass and netdev both read them), kept in the
 * scrape's cache from scrape to scrape: 0 and *ret, or a negative errno. */
int shared_links_dump(struct scrape_cache *c, const struct netlink_links **ret);
