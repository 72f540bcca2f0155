/* collectors/nl80211.c: the wifi collector's parsers, on the answers a
 * real kernel gave (the .bin files of tests/unit/nl80211, captured by wifi.sh's VM:
 * Debian's 6.1 kernel, mac80211_hwsim, hostapd on wlan0 and
 * wpa_supplicant on an interface named wl"an\1), then on the same
 * messages cut short and on attributes built wrong. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <linux/genetlink.h>
#include <linux/nl80211.h>

#include "buf.h"
#include "fileio.h"
#include "macro.h"
#include "netlink_dump.h"
#include "nl80211.h"

#define CAPTURES FIXTURES_DIR "/../unit/nl80211"

/* A captured answer: its messages, one after the other, 4-byte aligned. */
struct capture {
        _Alignas(8) unsigned char data[8192];
        size_t len;
        const struct nlmsghdr *msgs[16];
        size_t n;
};

static int collect_msg(const struct nlmsghdr *h, void *ctx) {
        struct capture *c = ctx;
        assert_true(c->n < ELEMENTSOF(c->msgs));
        c->msgs[c->n++] = h;
        return 0;
}

/* Reads a capture and splits it with the dump loop's own parser. */
static void capture_load(const char *name, struct capture *c) {
        struct buf b = {0};
        assert_int_equal(read_file_at(CAPTURES, name, sizeof(c->data), &b), 0);
        assert_true(b.len >= sizeof(struct nlmsghdr) && b.len <= sizeof(c->data));
        memcpy(c->data, b.data, b.len);
        c->len = b.len;
        c->n = 0;
        buf_free(&b);
        const struct nlmsghdr *first = (const struct nlmsghdr *) c->data;
        assert_int_equal(netlink_dump_parse(c->data, c->len, first->nlmsg_seq, collect_msg, c), 0);
}

/* The id the control family gave is the type of nl80211's answers. */
static void test_family(_unused_ void **state) {
        struct capture fam, ifs;
        capture_load("family.bin", &fam);
        capture_load("interfaces.bin", &ifs);
        assert_int_equal(fam.n, 1);
        uint16_t id = 0;
        assert_int_equal(nl80211_parse_family(fam.msgs[0], &id), 1);
        assert_true(id >= GENL_MIN_ID);
        assert_int_equal(ifs.msgs[0]->nlmsg_type, id);
        /* an interface message is no family */
        uint16_t other = 0;
        assert_int_equal(nl80211_parse_family(ifs.msgs[0], &other), 0);
        assert_int_equal(other, 0);
}

static void test_interfaces(_unused_ void **state) {
        struct capture c;
        capture_load("interfaces.bin", &c);
        assert_int_equal(c.n, 3);
        struct wifi_iface ifi;
        /* the station's radio: its P2P device (no netdev: no name, no ifindex) first */
        assert_int_equal(nl80211_parse_interface(c.msgs[0], &ifi), 1);
        assert_string_equal(ifi.name, "");
        assert_int_equal(ifi.ifindex, 0);
        assert_int_equal(nl80211_parse_interface(c.msgs[1], &ifi), 1);
        assert_string_equal(ifi.name, "wl\"an\\1");
        assert_int_equal(ifi.ifindex, 3);
        assert_int_equal(ifi.frequency_mhz, 2437);
        assert_int_equal(nl80211_parse_interface(c.msgs[2], &ifi), 1);
        assert_string_equal(ifi.name, "wlan0");
        assert_int_equal(ifi.ifindex, 2);
        assert_int_equal(ifi.frequency_mhz, 2437);
}

static void test_bss(_unused_ void **state) {
        struct capture c;
        capture_load("scan-station.bin", &c);
        assert_int_equal(c.n, 1);
        struct wifi_bss bss;
        assert_int_equal(nl80211_parse_bss(c.msgs[0], &bss), 1);
        char mac[NL80211_MAC_TEXT];
        nl80211_mac_text(bss.bssid, mac);
        assert_string_equal(mac, "02:00:00:00:00:00");
        assert_int_equal(bss.status, NL80211_BSS_STATUS_ASSOCIATED);
        assert_string_equal(bss.ssid, "vigie \"wifi\" \\ test");
}

static void test_stations(_unused_ void **state) {
        struct capture c;
        struct wifi_station st;
        char mac[NL80211_MAC_TEXT];
        /* the access point seen from the station */
        capture_load("station-station.bin", &c);
        assert_int_equal(c.n, 1);
        assert_int_equal(nl80211_parse_station(c.msgs[0], &st), 1);
        nl80211_mac_text(st.mac, mac);
        assert_string_equal(mac, "02:00:00:00:00:00");
        assert_int_equal(st.signal_dbm, -30);
        assert_int_equal(st.tx_bitrate_bps, 54000000);
        assert_true(st.rx_bytes > 0 && st.tx_bytes > 0);
        assert_int_equal(st.tx_failed, 0);
        /* the station seen from the access point */
        capture_load("station-ap.bin", &c);
        assert_int_equal(c.n, 1);
        assert_int_equal(nl80211_parse_station(c.msgs[0], &st), 1);
        nl80211_mac_text(st.mac, mac);
        assert_string_equal(mac, "02:00:00:00:01:00");
        assert_int_equal(st.signal_dbm, -30);
        assert_int_equal(st.rx_bitrate_bps, 54000000);
        assert_int_equal(st.tx_bitrate_bps, 1000000);
        assert_true(st.connected_seconds > 0);
        assert_int_equal(st.beacon_loss, 0);
}

/* Where top-level attributes end in m, as offsets from the message's
 * start: pairs of an attribute's end and the end of its padding (a cut
 * in the padding of the last attribute is no harm, as for the kernel). */
static size_t attr_ends(const struct nlmsghdr *m, size_t *ends, size_t cap) {
        size_t n = 0, off = NLMSG_LENGTH(GENL_HDRLEN);
        while (off + NLA_HDRLEN <= m->nlmsg_len && n + 2 <= cap) {
                struct nlattr a;
                memcpy(&a, (const unsigned char *) m + off, sizeof(a));
                ends[n++] = off + a.nla_len;
                off += NLA_ALIGN(a.nla_len);
                ends[n++] = off;
        }
        return n;
}

typedef int (*parse_fn)(const struct nlmsghdr *h, void *out);

static int parse_interface(const struct nlmsghdr *h, void *out) {
        return nl80211_parse_interface(h, out);
}
static int parse_bss(const struct nlmsghdr *h, void *out) {
        return nl80211_parse_bss(h, out);
}
static int parse_station(const struct nlmsghdr *h, void *out) {
        return nl80211_parse_station(h, out);
}

/* Each captured message cut at every length: malformed (-EBADMSG) unless
 * the cut falls between two attributes (or in the padding after one). */
static void truncations(const char *name, parse_fn parse) {
        struct capture c;
        capture_load(name, &c);
        for (size_t i = 0; i < c.n; i++) {
                const struct nlmsghdr *m = c.msgs[i];
                size_t ends[256];
                size_t n_ends = attr_ends(m, ends, ELEMENTSOF(ends));
                _Alignas(8) unsigned char copy[4096];
                assert_true(m->nlmsg_len <= sizeof(copy));
                for (size_t len = sizeof(struct nlmsghdr); len < m->nlmsg_len; len++) {
                        memcpy(copy, m, len);
                        ((struct nlmsghdr *) copy)->nlmsg_len = (uint32_t) len;
                        bool boundary = len == NLMSG_LENGTH(GENL_HDRLEN);
                        for (size_t k = 0; k + 1 < n_ends; k += 2)
                                boundary |= ends[k] <= len && len <= ends[k + 1];
                        _Alignas(8) unsigned char out[512];
                        int r = parse((const struct nlmsghdr *) copy, out);
                        if (boundary && r < 0)
                                fail_msg("%s message %zu cut at %zu of %u, between attributes: %d", name, i, len,
                                         m->nlmsg_len, r);
                        else if (!boundary && r != -EBADMSG)
                                fail_msg("%s message %zu cut at %zu of %u: %d, not -EBADMSG", name, i, len,
                                         m->nlmsg_len, r);
                }
        }
}

static void test_truncated(_unused_ void **state) {
        truncations("interfaces.bin", parse_interface);
        truncations("scan-station.bin", parse_bss);
        truncations("station-station.bin", parse_station);
        truncations("station-ap.bin", parse_station);
}

/* A message builder: one generic netlink message, nested attributes. */
struct msg {
        _Alignas(8) unsigned char data[1024];
        size_t len;
        size_t open[4];
        size_t depth;
};

static void msg_start(struct msg *m, uint8_t cmd) {
        memset(m, 0, sizeof(*m));
        struct genlmsghdr g = {.cmd = cmd, .version = 1};
        memcpy(m->data + NLMSG_HDRLEN, &g, sizeof(g));
        m->len = NLMSG_LENGTH(GENL_HDRLEN);
}

static void msg_attr(struct msg *m, uint16_t type, const void *v, size_t n) {
        struct nlattr a = {.nla_len = (uint16_t) (NLA_HDRLEN + n), .nla_type = type};
        memcpy(m->data + m->len, &a, sizeof(a));
        memcpy(m->data + m->len + NLA_HDRLEN, v, n);
        m->len += NLA_ALIGN(NLA_HDRLEN + n);
}

static void msg_nest(struct msg *m, uint16_t type) {
        m->open[m->depth++] = m->len;
        struct nlattr a = {.nla_type = type | NLA_F_NESTED};
        memcpy(m->data + m->len, &a, sizeof(a));
        m->len += NLA_HDRLEN;
}

static void msg_end_nest(struct msg *m) {
        size_t at = m->open[--m->depth];
        uint16_t len = (uint16_t) (m->len - at);
        memcpy(m->data + at, &len, sizeof(len));
}

static const struct nlmsghdr *msg_done(struct msg *m) {
        struct nlmsghdr *h = (struct nlmsghdr *) m->data;
        h->nlmsg_len = (uint32_t) m->len;
        return h;
}

static void test_garbage(_unused_ void **state) {
        struct msg m;
        struct wifi_iface ifi;
        struct wifi_bss bss;
        struct wifi_station st;
        uint16_t u16 = 7;
        uint32_t u32 = 3;
        uint8_t mac[6] = {2, 0, 0, 0, 1, 0};

        /* a message shorter than its generic netlink header */
        msg_start(&m, NL80211_CMD_NEW_INTERFACE);
        struct nlmsghdr *h = (struct nlmsghdr *) m.data;
        h->nlmsg_len = NLMSG_LENGTH(2);
        assert_int_equal(nl80211_parse_interface(h, &ifi), -EBADMSG);
        /* another command: not this parser's */
        msg_start(&m, NL80211_CMD_NEW_STATION);
        assert_int_equal(nl80211_parse_interface(msg_done(&m), &ifi), 0);
        /* an ifindex of two bytes, a wdev of four */
        msg_start(&m, NL80211_CMD_NEW_INTERFACE);
        msg_attr(&m, NL80211_ATTR_IFINDEX, &u16, sizeof(u16));
        assert_int_equal(nl80211_parse_interface(msg_done(&m), &ifi), -EBADMSG);
        msg_start(&m, NL80211_CMD_NEW_INTERFACE);
        msg_attr(&m, NL80211_ATTR_WDEV, &u32, sizeof(u32));
        assert_int_equal(nl80211_parse_interface(msg_done(&m), &ifi), -EBADMSG);
        /* a name as long as the buffer, without its NUL; one that fits, with none */
        msg_start(&m, NL80211_CMD_NEW_INTERFACE);
        msg_attr(&m, NL80211_ATTR_IFNAME, "0123456789abcdef", 16);
        assert_int_equal(nl80211_parse_interface(msg_done(&m), &ifi), -EBADMSG);
        msg_start(&m, NL80211_CMD_NEW_INTERFACE);
        msg_attr(&m, NL80211_ATTR_IFNAME, "wlan9", 5);
        msg_attr(&m, NL80211_ATTR_IFINDEX, &u32, sizeof(u32));
        /* an attribute nl80211 may add one day, of any length: skipped */
        msg_attr(&m, 0x7ff0, "xyz", 3);
        assert_int_equal(nl80211_parse_interface(msg_done(&m), &ifi), 1);
        assert_string_equal(ifi.name, "wlan9");
        assert_int_equal(ifi.ifindex, 3);
        /* an attribute length under its header's, and one past the message */
        msg_start(&m, NL80211_CMD_NEW_INTERFACE);
        msg_attr(&m, NL80211_ATTR_IFINDEX, &u32, sizeof(u32));
        uint16_t bad = 2;
        memcpy(m.data + NLMSG_LENGTH(GENL_HDRLEN), &bad, sizeof(bad));
        assert_int_equal(nl80211_parse_interface(msg_done(&m), &ifi), -EBADMSG);
        bad = 200;
        memcpy(m.data + NLMSG_LENGTH(GENL_HDRLEN), &bad, sizeof(bad));
        assert_int_equal(nl80211_parse_interface(msg_done(&m), &ifi), -EBADMSG);

        /* a BSS without a status is another interface's, or none */
        msg_start(&m, NL80211_CMD_NEW_SCAN_RESULTS);
        msg_nest(&m, NL80211_ATTR_BSS);
        msg_attr(&m, NL80211_BSS_BSSID, mac, sizeof(mac));
        msg_end_nest(&m);
        assert_int_equal(nl80211_parse_bss(msg_done(&m), &bss), 0);
        /* a BSSID of five bytes */
        msg_start(&m, NL80211_CMD_NEW_SCAN_RESULTS);
        msg_nest(&m, NL80211_ATTR_BSS);
        msg_attr(&m, NL80211_BSS_BSSID, mac, 5);
        msg_attr(&m, NL80211_BSS_STATUS, &u32, sizeof(u32));
        msg_end_nest(&m);
        assert_int_equal(nl80211_parse_bss(msg_done(&m), &bss), -EBADMSG);
        /* information elements: an SSID that runs past their end, one whose
         * length byte is missing; then two SSIDs, the last one read, and
         * a byte that is not UTF-8 kept for the encoder to replace */
        const unsigned char past[] = {0, 9, 'a', 'b'}, cut[] = {1, 1, 0x82, 0};
        const unsigned char *ies[] = {past, cut};
        for (size_t i = 0; i < ELEMENTSOF(ies); i++) {
                msg_start(&m, NL80211_CMD_NEW_SCAN_RESULTS);
                msg_nest(&m, NL80211_ATTR_BSS);
                msg_attr(&m, NL80211_BSS_STATUS, &u32, sizeof(u32));
                msg_attr(&m, NL80211_BSS_INFORMATION_ELEMENTS, ies[i], i == 0 ? sizeof(past) : sizeof(cut));
                msg_end_nest(&m);
                assert_int_equal(nl80211_parse_bss(msg_done(&m), &bss), -EBADMSG);
        }
        const unsigned char two[] = {0, 3, 'o', 'l', 'd', 1, 1, 0x82, 0, 4, 'n', 0xff, 'w', '"'};
        msg_start(&m, NL80211_CMD_NEW_SCAN_RESULTS);
        msg_nest(&m, NL80211_ATTR_BSS);
        msg_attr(&m, NL80211_BSS_STATUS, &u32, sizeof(u32));
        msg_attr(&m, NL80211_BSS_INFORMATION_ELEMENTS, two, sizeof(two));
        msg_end_nest(&m);
        assert_int_equal(nl80211_parse_bss(msg_done(&m), &bss), 1);
        assert_string_equal(bss.ssid, "n\xffw\"");
        assert_int_equal(bss.status, 3);
        /* a nested attribute longer than its parent */
        msg_start(&m, NL80211_CMD_NEW_SCAN_RESULTS);
        msg_nest(&m, NL80211_ATTR_BSS);
        msg_attr(&m, NL80211_BSS_STATUS, &u32, sizeof(u32));
        msg_end_nest(&m);
        bad = 40;
        memcpy(m.data + NLMSG_LENGTH(GENL_HDRLEN) + NLA_HDRLEN, &bad, sizeof(bad));
        assert_int_equal(nl80211_parse_bss(msg_done(&m), &bss), -EBADMSG);
        /* a beacon interval of four bytes */
        msg_start(&m, NL80211_CMD_NEW_SCAN_RESULTS);
        msg_nest(&m, NL80211_ATTR_BSS);
        msg_attr(&m, NL80211_BSS_STATUS, &u32, sizeof(u32));
        msg_attr(&m, NL80211_BSS_BEACON_INTERVAL, &u32, sizeof(u32));
        msg_end_nest(&m);
        assert_int_equal(nl80211_parse_bss(msg_done(&m), &bss), -EBADMSG);

        /* a station without statistics */
        msg_start(&m, NL80211_CMD_NEW_STATION);
        msg_attr(&m, NL80211_ATTR_MAC, mac, sizeof(mac));
        assert_int_equal(nl80211_parse_station(msg_done(&m), &st), 0);
        /* a signal of no byte, of two */
        for (size_t n = 0; n <= 2; n += 2) {
                msg_start(&m, NL80211_CMD_NEW_STATION);
                msg_attr(&m, NL80211_ATTR_MAC, mac, sizeof(mac));
                msg_nest(&m, NL80211_ATTR_STA_INFO);
                msg_attr(&m, NL80211_STA_INFO_SIGNAL, &u16, n);
                msg_end_nest(&m);
                assert_int_equal(nl80211_parse_station(msg_done(&m), &st), -EBADMSG);
        }
        /* a 64-bit counter of four bytes; a bitrate of two */
        msg_start(&m, NL80211_CMD_NEW_STATION);
        msg_nest(&m, NL80211_ATTR_STA_INFO);
        msg_attr(&m, NL80211_STA_INFO_RX_BYTES64, &u32, sizeof(u32));
        msg_end_nest(&m);
        assert_int_equal(nl80211_parse_station(msg_done(&m), &st), -EBADMSG);
        msg_start(&m, NL80211_CMD_NEW_STATION);
        msg_nest(&m, NL80211_ATTR_STA_INFO);
        msg_nest(&m, NL80211_STA_INFO_TX_BITRATE);
        msg_attr(&m, NL80211_RATE_INFO_BITRATE32, &u16, sizeof(u16));
        msg_end_nest(&m);
        msg_end_nest(&m);
        assert_int_equal(nl80211_parse_station(msg_done(&m), &st), -EBADMSG);

        /* the 32-bit byte counter only without the 64-bit one (whatever the
         * order); the 16-bit bitrate only without the 32-bit one */
        uint32_t rx32 = 100, tx32 = 200, rate32 = 540;
        uint64_t rx64 = 5000000000;
        uint16_t rate16 = 10, signal = 0xc4; /* -60 dBm */
        msg_start(&m, NL80211_CMD_NEW_STATION);
        msg_attr(&m, NL80211_ATTR_MAC, mac, sizeof(mac));
        msg_nest(&m, NL80211_ATTR_STA_INFO);
        msg_attr(&m, NL80211_STA_INFO_RX_BYTES64, &rx64, sizeof(rx64));
        msg_attr(&m, NL80211_STA_INFO_RX_BYTES, &rx32, sizeof(rx32));
        msg_attr(&m, NL80211_STA_INFO_TX_BYTES, &tx32, sizeof(tx32));
        msg_attr(&m, NL80211_STA_INFO_SIGNAL, &signal, 1);
        msg_attr(&m, NL80211_STA_INFO_CONNECTED_TIME, &u32, sizeof(u32));
        msg_attr(&m, NL80211_STA_INFO_BEACON_LOSS, &u32, sizeof(u32));
        msg_nest(&m, NL80211_STA_INFO_RX_BITRATE);
        msg_attr(&m, NL80211_RATE_INFO_BITRATE, &rate16, sizeof(rate16));
        msg_end_nest(&m);
        msg_nest(&m, NL80211_STA_INFO_TX_BITRATE);
        msg_attr(&m, NL80211_RATE_INFO_BITRATE, &rate16, sizeof(rate16));
        msg_attr(&m, NL80211_RATE_INFO_BITRATE32, &rate32, sizeof(rate32));
        msg_end_nest(&m);
        msg_end_nest(&m);
        assert_int_equal(nl80211_parse_station(msg_done(&m), &st), 1);
        assert_int_equal(st.rx_bytes, rx64);
        assert_int_equal(st.tx_bytes, 200);
        assert_int_equal(st.signal_dbm, -60);
        assert_int_equal(st.connected_seconds, 3);
        assert_int_equal(st.beacon_loss, 3);
        assert_int_equal(st.rx_bitrate_bps, 1000000);
        assert_int_equal(st.tx_bitrate_bps, 54000000);
}

/* Requests: an ifindex attribute when one is given, the family's name for
 * the control family; nothing written past what fits. */
static void test_request(_unused_ void **state) {
        _Alignas(4) unsigned char req[64];
        size_t len = nl80211_request(req, sizeof(req), 0x22, NL80211_CMD_GET_STATION, NLM_F_DUMP, 3);
        assert_int_equal(len, NLMSG_LENGTH(GENL_HDRLEN) + NLA_HDRLEN + 4);
        const struct nlmsghdr *h = (const struct nlmsghdr *) req;
        assert_int_equal(h->nlmsg_type, 0x22);
        assert_int_equal(h->nlmsg_flags, NLM_F_REQUEST | NLM_F_DUMP);
        struct nlattr a;
        memcpy(&a, req + NLMSG_LENGTH(GENL_HDRLEN), sizeof(a));
        assert_int_equal(a.nla_type, NL80211_ATTR_IFINDEX);
        assert_int_equal(nl80211_request(req, sizeof(req), 0x22, NL80211_CMD_GET_INTERFACE, NLM_F_DUMP, 0),
                         NLMSG_LENGTH(GENL_HDRLEN));
        len = nl80211_request(req, sizeof(req), GENL_ID_CTRL, CTRL_CMD_GETFAMILY, NLM_F_ACK, 0);
        assert_int_equal(len, NLMSG_LENGTH(GENL_HDRLEN) + NLA_ALIGN(NLA_HDRLEN + sizeof("nl80211")));
        memcpy(&a, req + NLMSG_LENGTH(GENL_HDRLEN), sizeof(a));
        assert_int_equal(a.nla_type, CTRL_ATTR_FAMILY_NAME);
        assert_memory_equal(req + NLMSG_LENGTH(GENL_HDRLEN) + NLA_HDRLEN, "nl80211", sizeof("nl80211"));
        memset(req, 0xaa, sizeof(req));
        assert_int_equal(nl80211_request(req, 20, 0x22, NL80211_CMD_GET_STATION, NLM_F_DUMP, 3), 0);
        assert_int_equal(req[0], 0xaa);
}

/* The acknowledgement that ends a request sent with NLM_F_ACK ends the
 * loop; an error is the kernel's. */
static void test_ack(_unused_ void **state) {
        struct {
                struct nlmsghdr h;
                struct nlmsgerr e;
        } ack = {.h = {.nlmsg_len = sizeof(ack), .nlmsg_type = NLMSG_ERROR, .nlmsg_seq = 5}};
        assert_int_equal(netlink_dump_parse(&ack, sizeof(ack), 5, collect_msg, NULL), 1);
        ack.e.error = -ENOENT;
        assert_int_equal(netlink_dump_parse(&ack, sizeof(ack), 5, collect_msg, NULL), -ENOENT);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_family),   cmocka_unit_test(test_interfaces), cmocka_unit_test(test_bss),
                cmocka_unit_test(test_stations), cmocka_unit_test(test_truncated),  cmocka_unit_test(test_garbage),
                cmocka_unit_test(test_request),  cmocka_unit_test(test_ack),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
