/* nl80211 requests and the strict parsers of their answers. Whatever the
 * kernel (or the fuzzer) hands over is read through nla_next, which
 * checks each attribute against what is left of its parent; a value is
 * only taken when its length is the one its type has. */
#include "nl80211.h"

#include <errno.h>
#include <linux/genetlink.h>
#include <linux/nl80211.h>
#include <string.h>

#include "netlink_links.h"

/* What is left of a run of attributes. */
struct nla_iter {
        const unsigned char *p;
        size_t left;
};

struct nla {
        uint16_t type;
        const unsigned char *data;
        size_t len;
};

/* The next attribute: 1, 0 at the end, -EBADMSG for one whose length
 * does not fit what is left (or a tail too short for a header). */
static int nla_next(struct nla_iter *it, struct nla *a) {
        if (it->left == 0)
                return 0;
        if (it->left < NLA_HDRLEN)
                return -EBADMSG;
        struct nlattr h;
        memcpy(&h, it->p, sizeof(h));
        if (h.nla_len < NLA_HDRLEN || (size_t) h.nla_len > it->left)
                return -EBADMSG;
        a->type = h.nla_type & NLA_TYPE_MASK;
        a->data = it->p + NLA_HDRLEN;
        a->len = (size_t) h.nla_len - NLA_HDRLEN;
        size_t aligned = (size_t) NLA_ALIGN(h.nla_len);
        size_t step = aligned < it->left ? aligned : it->left;
        it->p += step;
        it->left -= step;
        return 1;
}

static struct nla_iter nla_nested(const struct nla *a) {
        return (struct nla_iter){a->data, a->len};
}

static bool nla_u16(const struct nla *a, uint16_t *v) {
        if (a->len != sizeof(*v))
                return false;
        memcpy(v, a->data, sizeof(*v));
        return true;
}

static bool nla_u32(const struct nla *a, uint32_t *v) {
        if (a->len != sizeof(*v))
                return false;
        memcpy(v, a->data, sizeof(*v));
        return true;
}

static bool nla_u64(const struct nla *a, uint64_t *v) {
        if (a->len != sizeof(*v))
                return false;
        memcpy(v, a->data, sizeof(*v));
        return true;
}

/* The attributes of a generic netlink message of command cmd: false for
 * another command; -EBADMSG through *r for a message too short. */
static bool genl_attrs(const struct nlmsghdr *h, uint8_t cmd, struct nla_iter *it, int *r) {
        *r = 0;
        if (h->nlmsg_len < NLMSG_LENGTH(GENL_HDRLEN)) {
                *r = -EBADMSG;
                return false;
        }
        struct genlmsghdr g;
        memcpy(&g, NLMSG_DATA(h), sizeof(g));
        if (g.cmd != cmd)
                return false;
        it->p = (const unsigned char *) NLMSG_DATA(h) + GENL_HDRLEN;
        it->left = h->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN);
        return true;
}

size_t nl80211_request(void *buf, size_t cap, uint16_t family, uint8_t cmd, uint16_t flags, uint32_t ifindex) {
        static const char name[] = NL80211_GENL_NAME;
        bool by_name = family == GENL_ID_CTRL;
        size_t payload = by_name ? sizeof(name) : ifindex ? sizeof(ifindex) : 0;
        size_t len = NLMSG_LENGTH(GENL_HDRLEN) + (payload ? NLA_ALIGN(NLA_HDRLEN + payload) : 0);
        if (len > cap)
                return 0;
        unsigned char *p = buf;
        memset(p, 0, len);
        struct nlmsghdr h = {.nlmsg_len = (uint32_t) len, .nlmsg_type = family, .nlmsg_flags = NLM_F_REQUEST | flags};
        memcpy(p, &h, sizeof(h));
        struct genlmsghdr g = {.cmd = cmd, .version = 1};
        memcpy(p + NLMSG_HDRLEN, &g, sizeof(g));
        if (payload) {
                struct nlattr a = {.nla_len = (uint16_t) (NLA_HDRLEN + payload),
                                   .nla_type = by_name ? CTRL_ATTR_FAMILY_NAME : NL80211_ATTR_IFINDEX};
                unsigned char *at = p + NLMSG_LENGTH(GENL_HDRLEN);
                memcpy(at, &a, sizeof(a));
                memcpy(at + NLA_HDRLEN, by_name ? (const void *) name : (const void *) &ifindex, payload);
        }
        return len;
}

int nl80211_parse_family(const struct nlmsghdr *h, uint16_t *ret_id) {
        struct nla_iter it;
        int r;
        if (!genl_attrs(h, CTRL_CMD_NEWFAMILY, &it, &r))
                return r;
        uint16_t id = 0;
        bool named = false;
        struct nla a;
        while ((r = nla_next(&it, &a)) > 0) {
                if (a.type == CTRL_ATTR_FAMILY_ID && !nla_u16(&a, &id))
                        return -EBADMSG;
                if (a.type == CTRL_ATTR_FAMILY_NAME)
                        named = a.len == sizeof(NL80211_GENL_NAME) &&
                                memcmp(a.data, NL80211_GENL_NAME, sizeof(NL80211_GENL_NAME)) == 0;
        }
        if (r < 0)
                return r;
        if (!named || id == 0)
                return 0;
        *ret_id = id;
        return 1;
}

int nl80211_parse_interface(const struct nlmsghdr *h, struct wifi_iface *ret) {
        struct nla_iter it;
        int r;
        if (!genl_attrs(h, NL80211_CMD_NEW_INTERFACE, &it, &r))
                return r;
        struct wifi_iface ifi = {0};
        struct nla a;
        while ((r = nla_next(&it, &a)) > 0) {
                uint32_t u32;
                uint64_t u64;
                bool ok = true;
                switch (a.type) {
                case NL80211_ATTR_IFINDEX: ok = nla_u32(&a, &ifi.ifindex); break;
                case NL80211_ATTR_IFNAME: {
                        size_t n = strnlen((const char *) a.data, a.len);
                        ok = n < sizeof(ifi.name);
                        if (ok) {
                                memcpy(ifi.name, a.data, n);
                                ifi.name[n] = '\0';
                        }
                        break;
                }
                case NL80211_ATTR_WIPHY_FREQ: ok = nla_u32(&a, &ifi.frequency_mhz); break;
                /* read by node_exporter's library too, which would panic on a bad length */
                case NL80211_ATTR_WIPHY:
                case NL80211_ATTR_IFTYPE: ok = nla_u32(&a, &u32); break;
                case NL80211_ATTR_WDEV: ok = nla_u64(&a, &u64); break;
                default: break;
                }
                if (!ok)
                        return -EBADMSG;
        }
        if (r < 0)
                return r;
        *ret = ifi;
        return 1;
}

/* The SSID element of a BSS's information elements (the last one if
 * several): false when an element runs past the end. */
static bool bss_ssid(const struct nla *a, char ssid[NL80211_SSID_MAX + 1]) {
        const unsigned char *p = a->data;
        size_t left = a->len;
        while (left > 0) {
                if (left < 2 || (size_t) p[1] > left - 2)
                        return false;
                uint8_t id = p[0], n = p[1];
                if (id == 0) { /* WLAN_EID_SSID; the label stops at a NUL */
                        memcpy(ssid, p + 2, n);
                        ssid[n] = '\0';
                }
                p += 2u + n;
                left -= 2u + n;
        }
        return true;
}

/* One NL80211_ATTR_BSS: 1 if it carries a status (the interface's own
 * BSS), 0 if not, -EBADMSG. */
static int bss_parse(const struct nla *bss, struct wifi_bss *ret) {
        struct wifi_bss b = {0};
        bool has_status = false;
        struct nla_iter it = nla_nested(bss);
        struct nla a;
        int r;
        while ((r = nla_next(&it, &a)) > 0) {
                uint16_t u16;
                uint32_t u32;
                bool ok = true;
                switch (a.type) {
                case NL80211_BSS_BSSID:
                        ok = a.len == NL80211_MAC_LEN;
                        if (ok)
                                memcpy(b.bssid, a.data, NL80211_MAC_LEN);
                        break;
                case NL80211_BSS_STATUS:
                        ok = nla_u32(&a, &b.status);
                        has_status = true;
                        break;
                case NL80211_BSS_INFORMATION_ELEMENTS: ok = bss_ssid(&a, b.ssid); break;
                case NL80211_BSS_FREQUENCY:
                case NL80211_BSS_SEEN_MS_AGO: ok = nla_u32(&a, &u32); break;
                case NL80211_BSS_BEACON_INTERVAL: ok = nla_u16(&a, &u16); break;
                default: break;
                }
                if (!ok)
                        return -EBADMSG;
        }
        if (r < 0)
                return r;
        if (!has_status)
                return 0;
        *ret = b;
        return 1;
}

int nl80211_parse_bss(const struct nlmsghdr *h, struct wifi_bss *ret) {
        struct nla_iter it;
        int r;
        if (!genl_attrs(h, NL80211_CMD_NEW_SCAN_RESULTS, &it, &r))
                return r;
        struct nla a;
        while ((r = nla_next(&it, &a)) > 0) {
                if (a.type != NL80211_ATTR_BSS)
                        continue;
                r = bss_parse(&a, ret);
                if (r != 0)
                        return r;
        }
        return r;
}

/* NL80211_STA_INFO_{RX,TX}_BITRATE: bits per second, from the 32-bit
 * rate in 100 kbit/s, or the 16-bit one when there is no 32-bit one. */
static bool rate_parse(const struct nla *rate, uint64_t *ret_bps) {
        uint32_t bitrate = 0;
        struct nla_iter it = nla_nested(rate);
        struct nla a;
        int r;
        while ((r = nla_next(&it, &a)) > 0) {
                if (a.type == NL80211_RATE_INFO_BITRATE32 && !nla_u32(&a, &bitrate))
                        return false;
                uint16_t b16;
                if (a.type == NL80211_RATE_INFO_BITRATE) {
                        if (!nla_u16(&a, &b16))
                                return false;
                        if (bitrate == 0)
                                bitrate = b16;
                }
        }
        *ret_bps = (uint64_t) bitrate * 100000u;
        return r == 0;
}

static int sta_info_parse(const struct nla *info, struct wifi_station *st) {
        struct nla_iter it = nla_nested(info);
        struct nla a;
        int r;
        while ((r = nla_next(&it, &a)) > 0) {
                uint32_t u32;
                bool ok = true;
                switch (a.type) {
                case NL80211_STA_INFO_CONNECTED_TIME: ok = nla_u32(&a, &st->connected_seconds); break;
                case NL80211_STA_INFO_INACTIVE_TIME: ok = nla_u32(&a, &st->inactive_ms); break;
                case NL80211_STA_INFO_RX_BYTES64: ok = nla_u64(&a, &st->rx_bytes); break;
                case NL80211_STA_INFO_TX_BYTES64: ok = nla_u64(&a, &st->tx_bytes); break;
                /* the 32-bit counters only until a 64-bit one is seen */
                case NL80211_STA_INFO_RX_BYTES:
                        ok = nla_u32(&a, &u32);
                        if (ok && st->rx_bytes == 0)
                                st->rx_bytes = u32;
                        break;
                case NL80211_STA_INFO_TX_BYTES:
                        ok = nla_u32(&a, &u32);
                        if (ok && st->tx_bytes == 0)
                                st->tx_bytes = u32;
                        break;
                case NL80211_STA_INFO_SIGNAL:
                        ok = a.len == 1;
                        if (ok)
                                st->signal_dbm = (int8_t) a.data[0];
                        break;
                case NL80211_STA_INFO_RX_PACKETS:
                case NL80211_STA_INFO_TX_PACKETS: ok = nla_u32(&a, &u32); break;
                case NL80211_STA_INFO_TX_RETRIES: ok = nla_u32(&a, &st->tx_retries); break;
                case NL80211_STA_INFO_TX_FAILED: ok = nla_u32(&a, &st->tx_failed); break;
                case NL80211_STA_INFO_BEACON_LOSS: ok = nla_u32(&a, &st->beacon_loss); break;
                case NL80211_STA_INFO_RX_BITRATE: ok = rate_parse(&a, &st->rx_bitrate_bps); break;
                case NL80211_STA_INFO_TX_BITRATE: ok = rate_parse(&a, &st->tx_bitrate_bps); break;
                default: break;
                }
                if (!ok)
                        return -EBADMSG;
        }
        return r;
}

int nl80211_parse_station(const struct nlmsghdr *h, struct wifi_station *ret) {
        struct nla_iter it;
        int r;
        if (!genl_attrs(h, NL80211_CMD_NEW_STATION, &it, &r))
                return r;
        struct wifi_station st = {0};
        bool has_info = false;
        struct nla a;
        while ((r = nla_next(&it, &a)) > 0) {
                if (a.type == NL80211_ATTR_MAC) {
                        if (a.len != NL80211_MAC_LEN)
                                return -EBADMSG;
                        memcpy(st.mac, a.data, NL80211_MAC_LEN);
                } else if (a.type == NL80211_ATTR_STA_INFO) {
                        int s = sta_info_parse(&a, &st);
                        if (s < 0)
                                return s;
                        has_info = true;
                }
        }
        if (r < 0)
                return r;
        if (!has_info)
                return 0;
        *ret = st;
        return 1;
}

void nl80211_mac_text(const uint8_t mac[NL80211_MAC_LEN], char out[NL80211_MAC_TEXT]) {
        netlink_hw_address_text(out, NL80211_MAC_TEXT, mac, NL80211_MAC_LEN);
}
