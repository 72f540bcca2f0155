/* Prints the kernel's answers to the wifi collector's nl80211 requests,
 * one message a line, "@@CAP NAME HEX", NAME being family, interfaces,
 * scan-IFINDEX or station-IFINDEX: wifi.sh runs it in its VM and, with
 * WIFI_CAPTURE=DIR, keeps them as the unit test's and the fuzzer's
 * fixtures (tests/unit/nl80211). Test helper, never installed. */
#include <linux/genetlink.h>
#include <linux/nl80211.h>
#include <stdio.h>
#include <string.h>

#include "netlink_dump.h"
#include "nl80211.h"

struct capture {
        const char *name;
        uint16_t family;
        uint32_t ifindex[64];
        size_t n;
};

static int print_msg(const struct nlmsghdr *h, void *ctx) {
        struct capture *c = ctx;
        printf("@@CAP %s ", c->name);
        const unsigned char *p = (const unsigned char *) h;
        for (size_t i = 0; i < h->nlmsg_len; i++)
                printf("%02x", p[i]);
        printf("\n");
        if (c->family == 0)
                (void) nl80211_parse_family(h, &c->family);
        struct wifi_iface ifi;
        if (strcmp(c->name, "interfaces") == 0 && nl80211_parse_interface(h, &ifi) > 0 && ifi.ifindex &&
            c->n < sizeof(c->ifindex) / sizeof(c->ifindex[0]))
                c->ifindex[c->n++] = ifi.ifindex;
        return 0;
}

static int run(struct netlink_dump *d, struct capture *c, uint16_t family, uint8_t cmd, uint16_t flags,
               uint32_t ifindex) {
        _Alignas(4) unsigned char req[64];
        size_t len = nl80211_request(req, sizeof(req), family, cmd, flags, ifindex);
        int r = netlink_dump_run(d, (struct nlmsghdr *) req, len, print_msg, c);
        if (r < 0)
                printf("@@CAPERR %s %s\n", c->name, strerror(-r));
        return r;
}

int main(void) {
        struct netlink_dump d;
        netlink_dump_init(&d, NETLINK_GENERIC);
        struct capture c = {.name = "family"};
        if (run(&d, &c, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, NLM_F_ACK, 0) < 0 || c.family == 0)
                return 1;
        c.name = "interfaces";
        if (run(&d, &c, c.family, NL80211_CMD_GET_INTERFACE, NLM_F_DUMP, 0) < 0)
                return 1;
        char name[32];
        for (size_t i = 0; i < c.n; i++) {
                c.name = name;
                (void) snprintf(name, sizeof(name), "scan-%u", c.ifindex[i]);
                (void) run(&d, &c, c.family, NL80211_CMD_GET_SCAN, NLM_F_DUMP, c.ifindex[i]);
                (void) snprintf(name, sizeof(name), "station-%u", c.ifindex[i]);
                (void) run(&d, &c, c.family, NL80211_CMD_GET_STATION, NLM_F_DUMP, c.ifindex[i]);
        }
        netlink_dump_free(&d);
        return 0;
}
