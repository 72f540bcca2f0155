/* One RTM_GETLINK dump per scrape over a socket kept open. The per-address
 * family statistics (IPv6's, VFs') are left out of the dump
 * (RTEXT_FILTER_SKIP_STATS): nothing reads them, and they are most of what
 * the kernel would write; the interface counters (IFLA_STATS64) come
 * all the same. */
#include "netlink_links.h"

#include <errno.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "array.h"
#include "fileio.h"
#include "macro.h"
#include "scrape_cache.h"
#include "sort.h"

void netlink_links_init(struct netlink_links *l) {
        *l = (struct netlink_links){0};
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
                case IFLA_STATS64:
                        /* a kernel before 4.6 sends the struct without rx_nohandler */
                        memcpy(&k->stats, RTA_DATA(a),
                               RTA_PAYLOAD(a) < sizeof(k->stats) ? RTA_PAYLOAD(a) : sizeof(k->stats));
                        k->has_stats = true;
                        break;
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

int netlink_links_dump(struct netlink_links *l) {
        l->n = 0;
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
        if (r < 0) {
                l->n = 0;
                return r;
        }
        sort_r(l->links, l->n, sizeof(*l->links), link_cmp, NULL);
        return 0;
}

/* cmp(key, element) for bsearch_r: a name against a link */
static int name_key_cmp(const void *key, const void *link, _unused_ void *ctx) {
        return strcmp(key, ((const struct netlink_link *) link)->name);
}

const struct netlink_link *netlink_links_find(const struct netlink_links *l, const char *name) {
        return bsearch_r(name, l->links, l->n, sizeof(*l->links), name_key_cmp, NULL);
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
static int links_dump(void *l) {
        return netlink_links_dump(l);
}
static void links_free(void *l) {
        netlink_links_free(l);
}

int shared_links_dump(struct scrape_cache *c, const struct netlink_links **ret) {
        void *l = NULL;
        int r = scrape_cache_once(c, SCRAPE_CACHE_NETLINK_LINKS, sizeof(struct netlink_links), links_init, links_dump,
                                  links_free, &l);
        *ret = l;
        return r;
}

void netlink_links_free(struct netlink_links *l) {
        netlink_dump_free(&l->dump);
        free(l->links);
        netlink_links_init(l);
}
