/* Network interfaces from one rtnetlink dump (RTM_GETLINK): what
 * /sys/class/net/<iface>/ would give for most attributes, and the counters
 * of /proc/net/dev, in one request rather than a file read per attribute
 * and interface. Used by netclass when it reads the live /sys and by
 * netdev when it reads the live /proc, once per scrape for both
 * (shared_links_dump); the fields keep sysfs's meaning. */
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

struct netlink_links {
        struct netlink_dump dump;
        struct netlink_link *links; /* sorted by name after a dump */
        size_t n, cap;
};

void netlink_links_init(struct netlink_links *l);
/* Dumps the interfaces of this network namespace; 0 or a negative errno
 * (then l->n is 0). */
int netlink_links_dump(struct netlink_links *l);
/* Parses one batch of RTM_NEWLINK messages into l (appending); 1 at
 * NLMSG_DONE, 0 when more is to come, a negative errno on NLMSG_ERROR or a
 * malformed message. seq: the dump's; other messages are skipped. Exposed
 * for the tests. */
int netlink_links_parse(struct netlink_links *l, const void *data, size_t len, uint32_t seq);
/* The interface named name after a dump, or NULL. */
const struct netlink_link *netlink_links_find(const struct netlink_links *l, const char *name);
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
/* The dump of this scrape, made now or earlier in the same scrape by
 * another collector (netclass and netdev both read it), kept in the
 * scrape's cache: 0 and *ret, or a negative errno. */
int shared_links_dump(struct scrape_cache *c, const struct netlink_links **ret);
