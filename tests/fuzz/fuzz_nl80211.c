/* libFuzzer harness for the wifi collector's nl80211 parsers: any bytes
 * as a batch of answers, split by the dump loop's parser, each message
 * handed to every parser. Parsed or refused; what is parsed fits its
 * buffers. Seeded with the answers of a real kernel (tests/unit/nl80211). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "netlink_dump.h"
#include "nl80211.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int each_msg(const struct nlmsghdr *h, void *ctx) {
        (void) ctx;
        uint16_t id = 0;
        if (nl80211_parse_family(h, &id) > 0 && id == 0)
                abort();
        struct wifi_iface ifi;
        if (nl80211_parse_interface(h, &ifi) > 0 && strnlen(ifi.name, sizeof(ifi.name)) == sizeof(ifi.name))
                abort();
        struct wifi_bss bss;
        if (nl80211_parse_bss(h, &bss) > 0 && strnlen(bss.ssid, sizeof(bss.ssid)) == sizeof(bss.ssid))
                abort();
        struct wifi_station st;
        (void) nl80211_parse_station(h, &st);
        return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        if (size < sizeof(struct nlmsghdr))
                return 0;
        /* as the kernel's answers land in the collector's buffer: aligned */
        void *copy = malloc(size);
        if (!copy)
                return 0;
        memcpy(copy, data, size);
        const struct nlmsghdr *first = copy;
        (void) netlink_dump_parse(copy, size, first->nlmsg_seq, each_msg, NULL);
        free(copy);
        return 0;
}
