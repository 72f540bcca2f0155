/* The interfaces' IP addresses from an RTM_GETADDR dump (netlink_addrs.h). */
#include "netlink_addrs.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "array.h"

void netlink_addrs_init(struct netlink_addrs *a) {
        *a = (struct netlink_addrs){0};
        netlink_dump_init(&a->dump, NETLINK_ROUTE);
}

int netlink_addrs_parse(struct netlink_addrs *a, const struct nlmsghdr *h) {
        if (h->nlmsg_type != RTM_NEWADDR)
                return 0;
        if (h->nlmsg_len < NLMSG_LENGTH(sizeof(struct ifaddrmsg)))
                return -EBADMSG;
        const struct ifaddrmsg *m = NLMSG_DATA(h);
        size_t want = m->ifa_family == AF_INET ? 4 : m->ifa_family == AF_INET6 ? 16 : 0;
        if (want == 0)
                return 0; /* another family's (none the kernel sends today) */
        const struct rtattr *local = NULL, *address = NULL;
        int len = (int) (h->nlmsg_len - NLMSG_LENGTH(sizeof(*m)));
        for (const struct rtattr *r = IFA_RTA(m); RTA_OK(r, len); r = RTA_NEXT(r, len)) {
                if (r->rta_type == IFA_LOCAL)
                        local = r;
                else if (r->rta_type == IFA_ADDRESS)
                        address = r;
        }
        /* Go's newAddr: IFA_LOCAL when there is one (a point-to-point
         * link's IFA_ADDRESS is the peer's) */
        const struct rtattr *r = local ? local : address;
        if (!r)
                return 0;
        if (RTA_PAYLOAD(r) != want)
                return -EBADMSG;
        if (array_reserve((void **) &a->addrs, &a->cap, a->n + 1, sizeof(*a->addrs)) < 0)
                return -ENOMEM;
        struct netlink_addr *e = &a->addrs[a->n++];
        *e = (struct netlink_addr){.ifindex = m->ifa_index, .family = m->ifa_family, .prefixlen = m->ifa_prefixlen};
        memcpy(e->addr, RTA_DATA(r), want);
        return 0;
}

static int addrs_msg(const struct nlmsghdr *h, void *ctx) {
        return netlink_addrs_parse(ctx, h);
}

int netlink_addrs_dump(struct netlink_addrs *a) {
        struct {
                struct nlmsghdr h;
                struct ifaddrmsg m;
        } req = {.h = {.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifaddrmsg)),
                       .nlmsg_type = RTM_GETADDR,
                       .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP},
                 .m = {.ifa_family = AF_UNSPEC}};
        a->n = 0;
        int r = netlink_dump_run(&a->dump, &req.h, req.h.nlmsg_len, addrs_msg, a);
        if (r < 0)
                a->n = 0;
        return r;
}

/* ::ffff:a.b.c.d, which Go takes for IPv4 */
static const unsigned char mapped_prefix[12] = {[10] = 0xff, [11] = 0xff};

static bool addr_mapped(const struct netlink_addr *a) {
        return a->family == AF_INET6 && memcmp(a->addr, mapped_prefix, sizeof(mapped_prefix)) == 0;
}

int netlink_addr_text(const struct netlink_addr *a, char *out, size_t size) {
        bool mapped = addr_mapped(a);
        int family = a->family == AF_INET || mapped ? AF_INET : AF_INET6;
        return inet_ntop(family, mapped ? a->addr + 12 : a->addr, out, (socklen_t) size) ? 0 : -EINVAL;
}

const char *netlink_addr_scope(const struct netlink_addr *a) {
        const unsigned char *b = a->addr;
        if (addr_mapped(a)) {
                struct netlink_addr v4 = {.family = AF_INET};
                memcpy(v4.addr, b + 12, 4);
                return netlink_addr_scope(&v4);
        }
        if (a->family == AF_INET) {
                bool loopback = b[0] == 127;
                bool link_local = b[0] == 169 && b[1] == 254;
                bool link_local_multicast = b[0] == 224 && b[1] == 0 && b[2] == 0;
                if (loopback || link_local || link_local_multicast)
                        return "link-local";
                bool unspecified = !b[0] && !b[1] && !b[2] && !b[3];
                bool broadcast = b[0] == 255 && b[1] == 255 && b[2] == 255 && b[3] == 255;
                bool multicast = (b[0] & 0xf0) == 0xe0;
                return unspecified || broadcast || multicast ? "" : "global";
        }
        static const unsigned char loopback6[16] = {[15] = 1}, unspecified6[16] = {0};
        bool link_local = b[0] == 0xfe && (b[1] & 0xc0) == 0x80;
        bool link_local_multicast = b[0] == 0xff && (b[1] & 0x0f) == 0x02;
        if (memcmp(b, loopback6, 16) == 0 || link_local || link_local_multicast)
                return "link-local";
        if (b[0] == 0xff && (b[1] & 0x0f) == 0x01)
                return "interface-local";
        return b[0] == 0xff || memcmp(b, unspecified6, 16) == 0 ? "" : "global";
}

void netlink_addrs_free(struct netlink_addrs *a) {
        netlink_dump_free(&a->dump);
        free(a->addrs);
        a->addrs = NULL;
        a->n = a->cap = 0;
}
