/* network_route (off by default, as in node_exporter 1.5): the unicast
 * routes of every routing table of this network namespace, from one
 * rtnetlink route dump (RTM_GETROUTE), as
 * node_network_route_info{dest,device,gw,priority,proto,src,weight} (a
 * series per next hop of a multipath route) and the count of routes per
 * interface, node_network_routes{device}. Interfaces are named from the
 * link dump netclass and netdev share. */
#include <errno.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "array.h"
#include "collector.h"
#include "ip_text.h"
#include "netlink_dump.h"
#include "netlink_links.h"
#include "sort.h"

enum { DEST, DEVICE, GW, PRIORITY, PROTO, SRC, WEIGHT, N_ROUTE_LABELS };
static const char *const route_labels[N_ROUTE_LABELS] = {"dest", "device", "gw", "priority", "proto", "src", "weight"};
static const struct metric_desc info_desc = {"node_network_route_info", "network routing table information",
                                             METRIC_GAUGE, N_ROUTE_LABELS, route_labels};
static const char *const device_labels[] = {"device"};
static const struct metric_desc routes_desc = {"node_network_routes", "network routes by interface", METRIC_GAUGE, 1,
                                               device_labels};

/* one series of node_network_route_info: its labels; device is the name
 * in this scrape's link dump of the interface it counts for, "" for none */
struct route_row {
        char dest[INET6_ADDRSTRLEN + 4], gw[INET6_ADDRSTRLEN], src[INET6_ADDRSTRLEN];
        char priority[12], proto[12], weight[12];
        const char *device;
};

struct network_route_state {
        struct netlink_dump dump;
        const struct netlink_links *links; /* this scrape's */
        struct route_row *rows;
        size_t n_rows, cap_rows;
};

static int network_route_init(_unused_ const struct collector_env *env, _unused_ const struct config_section *section,
                              _unused_ struct diag *diag, void **ret_state) {
        struct network_route_state *s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        netlink_dump_init(&s->dump, NETLINK_ROUTE);
        *ret_state = s;
        return 0;
}

static void network_route_free(void *state) {
        struct network_route_state *s = state;
        if (!s)
                return;
        netlink_dump_free(&s->dump);
        free(s->rows);
        free(s);
}

/* node_exporter 1.5's names of the kernel's RTPROT_* values */
static const char *route_proto_name(uint8_t proto) {
        switch (proto) {
        case 0: return "unspec";
        case 1: return "redirect";
        case 2: return "kernel";
        case 3: return "boot";
        case 4: return "static";
        case 8: return "gated";
        case 9: return "ra";
        case 10: return "mrt";
        case 11: return "zebra";
        case 12: return "bird";
        case 13: return "dnrouting";
        case 14: return "xorp";
        case 15: return "ntk";
        case 16: return "dhcp";
        case 17: return "mrouted";
        case 42: return "babel";
        case 186: return "bgp";
        case 187: return "isis";
        case 188: return "ospf";
        case 189: return "rip";
        case 192: return "eigrp";
        default: return "unknown";
        }
}

/* An address attribute of the route's family into out ("" if it has
 * another length); false for one that does not fit the family. */
static bool route_address(int family, const struct rtattr *a, char out[INET6_ADDRSTRLEN]) {
        size_t want = family == AF_INET ? 4 : 16;
        if (RTA_PAYLOAD(a) != want)
                return false;
        ip_text_go(family, RTA_DATA(a), out);
        return true;
}

static const char *route_device(const struct network_route_state *s, uint32_t ifindex) {
        for (size_t i = 0; ifindex && i < s->links->n; i++)
                if (s->links->links[i].ifindex == ifindex)
                        return s->links->links[i].name;
        return "";
}

static struct route_row *route_row_add(struct network_route_state *s) {
        if (array_reserve((void **) &s->rows, &s->cap_rows, s->n_rows + 1, sizeof(*s->rows)) < 0)
                return NULL;
        return &s->rows[s->n_rows++];
}

/* One RTM_NEWROUTE: a row per next hop of a unicast route, as
 * node_exporter makes them; other types (local, broadcast, blackhole...)
 * left out as it leaves them. */
static int route_msg(const struct nlmsghdr *h, void *ctx) {
        struct network_route_state *s = ctx;
        if (h->nlmsg_type != RTM_NEWROUTE)
                return 0;
        if (h->nlmsg_len < NLMSG_LENGTH(sizeof(struct rtmsg)))
                return -EBADMSG;
        const struct rtmsg *rtm = NLMSG_DATA(h);
        if (rtm->rtm_type != RTN_UNICAST || (rtm->rtm_family != AF_INET && rtm->rtm_family != AF_INET6))
                return 0;
        int family = rtm->rtm_family;
        char dst[INET6_ADDRSTRLEN] = "", gw[INET6_ADDRSTRLEN] = "", src[INET6_ADDRSTRLEN] = "";
        uint32_t oif = 0, priority = 0;
        const struct rtattr *multipath = NULL;
        int len = (int) (h->nlmsg_len - NLMSG_LENGTH(sizeof(*rtm)));
        for (const struct rtattr *a = RTM_RTA(rtm); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
                bool ok = true;
                switch (a->rta_type) {
                case RTA_DST: ok = route_address(family, a, dst); break;
                case RTA_GATEWAY: ok = route_address(family, a, gw); break;
                case RTA_PREFSRC: ok = route_address(family, a, src); break;
                case RTA_OIF:
                        ok = RTA_PAYLOAD(a) == sizeof(oif);
                        if (ok)
                                memcpy(&oif, RTA_DATA(a), sizeof(oif));
                        break;
                case RTA_PRIORITY:
                        ok = RTA_PAYLOAD(a) == sizeof(priority);
                        if (ok)
                                memcpy(&priority, RTA_DATA(a), sizeof(priority));
                        break;
                case RTA_MULTIPATH: multipath = a; break;
                default: break;
                }
                if (!ok)
                        return -EBADMSG;
        }
        char dest[INET6_ADDRSTRLEN + 4];
        if (rtm->rtm_dst_len == 0)
                (void) snprintf(dest, sizeof(dest), "default");
        else
                (void) snprintf(dest, sizeof(dest), "%s/%u",
                                dst[0]              ? dst
                                : family == AF_INET ? "0.0.0.0"
                                                    : "::",
                                rtm->rtm_dst_len);
        char prio[12];
        (void) snprintf(prio, sizeof(prio), "%u", priority);

        if (!multipath) {
                struct route_row *r = route_row_add(s);
                if (!r)
                        return -ENOMEM;
                *r = (struct route_row){.device = route_device(s, oif)};
                memcpy(r->dest, dest, sizeof(dest));
                memcpy(r->gw, gw, sizeof(gw));
                memcpy(r->src, src, sizeof(src));
                memcpy(r->priority, prio, sizeof(prio));
                (void) snprintf(r->proto, sizeof(r->proto), "%s", route_proto_name(rtm->rtm_protocol));
                return 0;
        }
        /* each next hop: struct rtnexthop, then its own attributes */
        const unsigned char *p = RTA_DATA(multipath);
        size_t left = RTA_PAYLOAD(multipath);
        while (left >= sizeof(struct rtnexthop)) {
                const struct rtnexthop *nh = (const struct rtnexthop *) p;
                if (nh->rtnh_len < sizeof(*nh) || nh->rtnh_len > left)
                        return -EBADMSG;
                struct route_row *r = route_row_add(s);
                if (!r)
                        return -ENOMEM;
                *r = (struct route_row){.device = route_device(s, (uint32_t) nh->rtnh_ifindex)};
                memcpy(r->dest, dest, sizeof(dest));
                memcpy(r->src, src, sizeof(src));
                memcpy(r->priority, prio, sizeof(prio));
                (void) snprintf(r->proto, sizeof(r->proto), "%s", route_proto_name(rtm->rtm_protocol));
                (void) snprintf(r->weight, sizeof(r->weight), "%u", nh->rtnh_hops + 1u);
                int alen = (int) (nh->rtnh_len - sizeof(*nh));
                for (const struct rtattr *a = RTNH_DATA(nh); RTA_OK(a, alen); a = RTA_NEXT(a, alen))
                        if (a->rta_type == RTA_GATEWAY && !route_address(family, a, r->gw))
                                return -EBADMSG;
                size_t step = (size_t) RTNH_ALIGN(nh->rtnh_len) < left ? (size_t) RTNH_ALIGN(nh->rtnh_len) : left;
                p += step;
                left -= step;
        }
        return 0;
}

static int route_row_cmp(const void *a, const void *b, _unused_ void *ctx) {
        const struct route_row *x = a, *y = b;
        int c = strcmp(x->device, y->device);
        const char *const fx[] = {x->dest, x->gw, x->priority, x->proto, x->src, x->weight};
        const char *const fy[] = {y->dest, y->gw, y->priority, y->proto, y->src, y->weight};
        for (size_t i = 0; c == 0 && i < ELEMENTSOF(fx); i++)
                c = strcmp(fx[i], fy[i]);
        return c;
}

static int network_route_collect(void *state, struct collect_ctx *ctx) {
        struct network_route_state *s = state;
        int r = shared_links_dump(ctx->cache, &s->links);
        if (r < 0)
                return r;
        s->n_rows = 0;
        struct {
                struct nlmsghdr h;
                struct rtmsg rtm;
        } req = {
                .h = {.nlmsg_len = sizeof(req), .nlmsg_type = RTM_GETROUTE, .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP},
                .rtm = {.rtm_family = AF_UNSPEC},
        };
        r = netlink_dump_run(&s->dump, &req.h, sizeof(req), route_msg, s);
        if (r < 0)
                return r;

        /* by device and labels: the routes of a device together, and two
         * alike (one route in two tables) one series, as they are one to
         * a query */
        sort_r(s->rows, s->n_rows, sizeof(*s->rows), route_row_cmp, NULL);
        (void) metric_set_family(ctx->set, &info_desc);
        for (size_t i = 0; i < s->n_rows; i++) {
                const struct route_row *row = &s->rows[i];
                if (i > 0 && route_row_cmp(&s->rows[i - 1], row, NULL) == 0)
                        continue;
                const char *values[N_ROUTE_LABELS] = {row->dest,  row->device, row->gw,    row->priority,
                                                      row->proto, row->src,    row->weight};
                (void) metric_set_sample(ctx->set, 1, values);
        }
        /* every route of a named interface counts, as in node_exporter */
        (void) metric_set_family(ctx->set, &routes_desc);
        for (size_t i = 0, n = 0; i < s->n_rows; i++) {
                const char *dev = s->rows[i].device;
                n++;
                if (i + 1 < s->n_rows && strcmp(dev, s->rows[i + 1].device) == 0)
                        continue;
                if (dev[0])
                        (void) metric_set_sample1(ctx->set, (double) n, dev);
                n = 0;
        }
        return ctx->set->error;
}

const struct collector network_route_collector = {
        .name = "network_route",
        .help = "Unicast routes of every routing table, from an rtnetlink route dump (off by default)",
        .default_enabled = false,
        .init = network_route_init,
        .collect = network_route_collect,
        .free = network_route_free,
};
