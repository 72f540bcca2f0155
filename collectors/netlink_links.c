/* One RTM_GETLINK dump over a socket kept open, made again only when the
 * interfaces may have changed: the links are kept from scrape to scrape,
 * and a scrape where a socket subscribed to RTNLGRP_LINK heard nothing
 * asks the kernel for the counters alone (RTM_GETSTATS, a fifth of the
 * bytes and of the kernel's time). The per-address family statistics
 * (IPv6's, VFs') are left out of the full dump (RTEXT_FILTER_SKIP_STATS):
 * nothing reads them, and they are most of what the kernel would write;
 * the interface counters (IFLA_STATS64) come all the same.
 *
 * The kernel tells RTNLGRP_LINK of each change of what a link holds here
 * (rename, mtu, flags, address, txqlen, master, move to another netns,
 * deletion, creation), before it acknowledges the request that made it,
 * but for two cases (seen with ip monitor on 6.18):
 * netdev_state_change is silent for an interface that is down (ifalias,
 * group, link mode set on it), as is a write to sysfs's netdev_group; and
 * carrier (with carrier_changes, IFF_LOWER_UP) changes at once but is
 * told by linkwatch, up to a second later on a physical port. Hence also
 * a full dump whenever the last is FULL_DUMP_MAX_AGE_NS old. */
#include "netlink_links.h"

#include <errno.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "array.h"
#include "clock.h"
#include "fileio.h"
#include "macro.h"
#include "scrape_cache.h"
#include "sort.h"

/* How stale what no notification tells (see above) may get. */
#define FULL_DUMP_MAX_AGE_NS (60 * 1000000000ull)
/* A drain reads at most this many notifications; what is left makes the
 * next scrape dump in full once more, which is safe. */
#define EVENTS_DRAIN_MAX 64

void netlink_links_init(struct netlink_links *l) {
        *l = (struct netlink_links){.events_fd = -1};
        netlink_dump_init(&l->dump, NETLINK_ROUTE);
}

const char *netlink_operstate_name(uint8_t operstate) {
        /* IF_OPER_*, the words of net/core/net-sysfs.c */
        static const char *const names[] = {"unknown", "notpresent", "down", "lowerlayerdown",
                                            "testing", "dormant",    "up"};
        return operstate < ELEMENTSOF(names) ? names[operstate] : "unknown";
}

void netlink_hw_address_text(char *out, size_t size, const uint8_t *a, size_t n) {
        static const char hex[] = "0123456789abcdef";
        size_t o = 0;
        for (size_t i = 0; i < n && o + 3 < size; i++) {
                if (i > 0)
                        out[o++] = ':';
                out[o++] = hex[a[i] >> 4];
                out[o++] = hex[a[i] & 15];
        }
        out[o] = '\0';
}

static void put_string(char *out, size_t size, const void *data, size_t n) {
        const char *s = data;
        size_t len = strnlen(s, n);
        if (len >= size)
                len = size - 1;
        memcpy(out, s, len);
        out[len] = '\0';
}

static int get_u32(const struct rtattr *a, uint32_t *v, bool *has) {
        if (RTA_PAYLOAD(a) < sizeof(uint32_t))
                return -EBADMSG;
        memcpy(v, RTA_DATA(a), sizeof(*v));
        if (has)
                *has = true;
        return 0;
}

static int get_u8(const struct rtattr *a, uint8_t *v, bool *has) {
        if (RTA_PAYLOAD(a) < 1)
                return -EBADMSG;
        *v = *(const uint8_t *) RTA_DATA(a);
        if (has)
                *has = true;
        return 0;
}

/* IFLA_STATS64 or IFLA_STATS_LINK_64: the same struct from dev_get_stats;
 * a kernel before 4.6 sends it without rx_nohandler. */
static void put_stats(struct netlink_link *k, const struct rtattr *a) {
        k->stats = (struct rtnl_link_stats64){0};
        memcpy(&k->stats, RTA_DATA(a), RTA_PAYLOAD(a) < sizeof(k->stats) ? RTA_PAYLOAD(a) : sizeof(k->stats));
        k->has_stats = true;
}

static int parse_link(struct netlink_links *l, const struct nlmsghdr *h) {
        if (h->nlmsg_len < NLMSG_LENGTH(sizeof(struct ifinfomsg)))
                return -EBADMSG;
        const struct ifinfomsg *ifi = NLMSG_DATA(h);
        if (array_reserve((void **) &l->links, &l->cap, l->n + 1, sizeof(*l->links)) < 0)
                return -ENOMEM;
        struct netlink_link *k = &l->links[l->n];
        *k = (struct netlink_link){
                .ifindex = (uint32_t) ifi->ifi_index, .type = ifi->ifi_type, .flags = ifi->ifi_flags};
        /* without IFLA_LINK the interface is its own link, as sysfs says */
        k->iflink = k->ifindex;
        int len = (int) (h->nlmsg_len - NLMSG_LENGTH(sizeof(*ifi)));
        bool named = false;
        int r = 0;
        for (const struct rtattr *a = IFLA_RTA(ifi); r >= 0 && RTA_OK(a, len); a = RTA_NEXT(a, len)) {
                switch (a->rta_type) {
                case IFLA_IFNAME:
                        put_string(k->name, sizeof(k->name), RTA_DATA(a), RTA_PAYLOAD(a));
                        named = k->name[0] != '\0';
                        break;
                case IFLA_ADDRESS:
                        netlink_hw_address_text(k->address, sizeof(k->address), RTA_DATA(a), RTA_PAYLOAD(a));
                        break;
                case IFLA_BROADCAST:
                        netlink_hw_address_text(k->broadcast, sizeof(k->broadcast), RTA_DATA(a), RTA_PAYLOAD(a));
                        break;
                case IFLA_IFALIAS: put_string(k->ifalias, sizeof(k->ifalias), RTA_DATA(a), RTA_PAYLOAD(a)); break;
                case IFLA_LINK: r = get_u32(a, &k->iflink, NULL); break;
                case IFLA_MTU: r = get_u32(a, &k->mtu, &k->has_mtu); break;
                case IFLA_GROUP: r = get_u32(a, &k->group, &k->has_group); break;
                case IFLA_TXQLEN: r = get_u32(a, &k->txqlen, &k->has_txqlen); break;
                case IFLA_CARRIER_CHANGES: r = get_u32(a, &k->carrier_changes, &k->has_carrier_changes); break;
                case IFLA_CARRIER_UP_COUNT: r = get_u32(a, &k->carrier_up, &k->has_carrier_up); break;
                case IFLA_CARRIER_DOWN_COUNT: r = get_u32(a, &k->carrier_down, &k->has_carrier_down); break;
                case IFLA_OPERSTATE: r = get_u8(a, &k->operstate, NULL); break;
                case IFLA_LINKMODE: r = get_u8(a, &k->link_mode, &k->has_link_mode); break;
                case IFLA_CARRIER: r = get_u8(a, &k->carrier, &k->has_carrier); break;
                case IFLA_STATS64: put_stats(k, a); break;
                default: break;
                }
        }
        if (r < 0)
                return r;
        if (!named)
                return -EBADMSG;
        l->n++;
        return 0;
}

static int links_msg(const struct nlmsghdr *h, void *ctx) {
        return h->nlmsg_type == RTM_NEWLINK ? parse_link(ctx, h) : 0;
}

int netlink_links_parse(struct netlink_links *l, const void *data, size_t len, uint32_t seq) {
        return netlink_dump_parse(data, len, seq, links_msg, l);
}

static int link_cmp(const void *a, const void *b, _unused_ void *ctx) {
        return strcmp(((const struct netlink_link *) a)->name, ((const struct netlink_link *) b)->name);
}

/* by ifindex: for the sort, and for bsearch_r with a key entry */
static int index_cmp(const void *a, const void *b, _unused_ void *ctx) {
        uint32_t x = ((const struct netlink_link_index *) a)->ifindex,
                 y = ((const struct netlink_link_index *) b)->ifindex;
        return (x > y) - (x < y);
}

int netlink_links_sort(struct netlink_links *l) {
        sort_r(l->links, l->n, sizeof(*l->links), link_cmp, NULL);
        /* the counters come by ifindex: a search each, not a walk, for the
         * thousands of veths of a container host */
        if (array_reserve((void **) &l->by_ifindex, &l->cap_index, l->n, sizeof(*l->by_ifindex)) < 0)
                return -ENOMEM;
        for (size_t i = 0; i < l->n; i++)
                l->by_ifindex[i] = (struct netlink_link_index){.ifindex = l->links[i].ifindex, .link = (uint32_t) i};
        sort_r(l->by_ifindex, l->n, sizeof(*l->by_ifindex), index_cmp, NULL);
        l->stats_seen = 0;
        return 0;
}

int netlink_links_dump(struct netlink_links *l) {
        l->n = 0;
        l->valid = false;
        struct {
                struct nlmsghdr h;
                struct ifinfomsg ifi;
                struct rtattr ext_mask;
                uint32_t mask;
        } req = {
                .h = {.nlmsg_len = sizeof(req), .nlmsg_type = RTM_GETLINK, .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP},
                .ifi = {.ifi_family = AF_UNSPEC},
                .ext_mask = {.rta_len = RTA_LENGTH(sizeof(uint32_t)), .rta_type = IFLA_EXT_MASK},
                .mask = RTEXT_FILTER_SKIP_STATS,
        };
        int r = netlink_dump_run(&l->dump, &req.h, sizeof(req), links_msg, l);
        if (r >= 0)
                r = netlink_links_sort(l);
        if (r < 0) {
                l->n = 0;
                return r;
        }
        l->valid = true;
        return 0;
}

/* One RTM_NEWSTATS message: the counters of the link of its ifindex. */
static int stats_msg(const struct nlmsghdr *h, void *ctx) {
        struct netlink_links *l = ctx;
        if (h->nlmsg_type != RTM_NEWSTATS)
                return 0;
        if (h->nlmsg_len < NLMSG_LENGTH(sizeof(struct if_stats_msg)))
                return -EBADMSG;
        const struct if_stats_msg *m = NLMSG_DATA(h);
        if (h->nlmsg_seq != l->stats_seq) { /* the first answer of this dump */
                l->stats_seq = h->nlmsg_seq;
                l->stats_seen = 0;
        }
        const struct netlink_link_index key = {.ifindex = m->ifindex};
        struct netlink_link_index *e = bsearch_r(&key, l->by_ifindex, l->n, sizeof(*l->by_ifindex), index_cmp, NULL);
        if (!e)
                return -ENODEV; /* made since the last full dump */
        int len = (int) (h->nlmsg_len - NLMSG_LENGTH(sizeof(*m)));
        for (const struct rtattr *a = (const struct rtattr *) ((const char *) m + NLMSG_ALIGN(sizeof(*m)));
             RTA_OK(a, len); a = RTA_NEXT(a, len))
                if (a->rta_type == IFLA_STATS_LINK_64) {
                        put_stats(&l->links[e->link], a);
                        /* counted once, should a dump that the kernel
                         * resumed across a change repeat it */
                        l->stats_seen += e->seen != h->nlmsg_seq;
                        e->seen = h->nlmsg_seq;
                        return 0;
                }
        return -EBADMSG;
}

/* Whether the counters dump of seq had every link: one left out is gone. */
static int stats_complete(const struct netlink_links *l, uint32_t seq) {
        return (l->stats_seq == seq ? l->stats_seen : 0) == l->n ? 0 : -ENODEV;
}

int netlink_links_parse_stats(struct netlink_links *l, const void *data, size_t len, uint32_t seq) {
        int r = netlink_dump_parse(data, len, seq, stats_msg, l);
        return r == 1 && stats_complete(l, seq) < 0 ? -ENODEV : r;
}

/* The counters of every link, the rest kept: 0, or a negative errno
 * (then the counters may be part new, part old: the caller dumps in full). */
static int stats_dump(struct netlink_links *l) {
        struct {
                struct nlmsghdr h;
                struct if_stats_msg ifsm;
        } req = {
                .h = {.nlmsg_len = sizeof(req), .nlmsg_type = RTM_GETSTATS, .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP},
                .ifsm = {.family = AF_UNSPEC, .filter_mask = IFLA_STATS_FILTER_BIT(IFLA_STATS_LINK_64)},
        };
        int r = netlink_dump_run(&l->dump, &req.h, sizeof(req), stats_msg, l);
        return r < 0 ? r : stats_complete(l, l->dump.seq);
}

/* The socket that hears of link changes, made before the full dump so
 * that no change after the dump goes unheard. Its receive buffer is the
 * kernel's least: one notification fits, the next overflows (ENOBUFS),
 * and either says the same, that the links changed; so the socket holds
 * a few kB at most and a drain is a few reads whatever the churn. */
static int events_open(void) {
        int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_ROUTE);
        if (fd < 0)
                return -errno;
        int size = 1;
        (void) setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
        struct sockaddr_nl groups = {.nl_family = AF_NETLINK, .nl_groups = RTMGRP_LINK};
        if (bind(fd, (struct sockaddr *) &groups, sizeof(groups)) < 0) {
                int r = -errno;
                (void) close(fd);
                return r;
        }
        return fd;
}

/* Reads the notification socket empty: whether the links may have
 * changed since the last full dump (a notification, one lost, no socket). */
static bool events_changed(struct netlink_links *l) {
        if (l->events_fd < 0)
                return true;
        bool changed = false;
        for (int i = 0; i < EVENTS_DRAIN_MAX; i++) {
                /* what a notification says does not matter, only that it
                 * came: the rest of the datagram is dropped (MSG_TRUNC) */
                char head[64];
                ssize_t n = recv(l->events_fd, head, sizeof(head), MSG_DONTWAIT);
                if (n >= 0 || errno == ENOBUFS) /* ENOBUFS: some were dropped */
                        changed = true;
                else if (errno == EAGAIN || errno == EWOULDBLOCK)
                        return changed;
                else if (errno != EINTR) {
                        /* of no more use: the next full dump opens another */
                        (void) close(l->events_fd);
                        l->events_fd = -1;
                        return true;
                }
        }
        return true;
}

int netlink_links_refresh(struct netlink_links *l, uint64_t now_ns) {
        bool changed = events_changed(l);
        if (!changed && l->valid && !l->no_stats && now_ns - l->dumped_ns < FULL_DUMP_MAX_AGE_NS) {
                int r = stats_dump(l);
                if (r == 0) {
                        l->stats_dumps++;
                        return 0;
                }
                /* a kernel before 4.7 has no RTM_GETSTATS; any other failure,
                 * an interface made or gone among them, leaves the counters
                 * half updated: the full dump below makes them whole */
                if (r == -EOPNOTSUPP)
                        l->no_stats = true;
        }
        if (l->events_fd < 0) {
                int fd = events_open();
                /* without it every scrape dumps in full, as it did before */
                l->events_fd = fd < 0 ? -1 : fd;
        }
        l->full_dumps++;
        int r = netlink_links_dump(l);
        l->dumped_ns = now_ns;
        return r;
}

/* cmp(key, element) for bsearch_r: a name against a link */
static int name_key_cmp(const void *key, const void *link, _unused_ void *ctx) {
        return strcmp(key, ((const struct netlink_link *) link)->name);
}

const struct netlink_link *netlink_links_find(const struct netlink_links *l, const char *name) {
        return bsearch_r(name, l->links, l->n, sizeof(*l->links), name_key_cmp, NULL);
}

const struct netlink_link *netlink_links_find_ifindex(const struct netlink_links *l, uint32_t ifindex) {
        const struct netlink_link_index key = {.ifindex = ifindex};
        const struct netlink_link_index *e =
                bsearch_r(&key, l->by_ifindex, l->n, sizeof(*l->by_ifindex), index_cmp, NULL);
        return e ? &l->links[e->link] : NULL;
}

bool netlink_live_root(const char *root, const char *live) {
        size_t len = strlen(root), n = strlen(live);
        while (len > 1 && root[len - 1] == '/')
                len--;
        return len == n && memcmp(root, live, n) == 0;
}

static void links_init(void *l) {
        netlink_links_init(l);
}
static int links_refresh(void *l) {
        return netlink_links_refresh(l, clock_ns(CLOCK_MONOTONIC));
}
static void links_free(void *l) {
        netlink_links_free(l);
}

int shared_links_dump(struct scrape_cache *c, const struct netlink_links **ret) {
        void *l = NULL;
        int r = scrape_cache_once(c, SCRAPE_CACHE_NETLINK_LINKS, sizeof(struct netlink_links), links_init,
                                  links_refresh, links_free, &l);
        *ret = l;
        return r;
}

void netlink_links_free(struct netlink_links *l) {
        netlink_dump_free(&l->dump);
        if (l->events_fd >= 0)
                (void) close(l->events_fd);
        free(l->links);
        free(l->by_ifindex);
        netlink_links_init(l);
}
