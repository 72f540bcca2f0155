/* nl80211 over generic netlink, as the wifi collector reads it: the
 * requests it sends and strict parsers of the kernel's answers (every
 * attribute's length checked, nested ones too), kept apart from the
 * collector for the unit test and the fuzzer. What is read and how it
 * is scaled follows node_exporter 1.5's library (mdlayher/wifi). */
#pragma once

#include <linux/netlink.h>
#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NL80211_MAC_LEN 6
/* "xx:xx:xx:xx:xx:xx" */
#define NL80211_MAC_TEXT 18
/* an information element holds at most 255 bytes */
#define NL80211_SSID_MAX 255

struct wifi_iface {
        uint32_t ifindex; /* 0: none (a P2P device has no netdev) */
        char name[IFNAMSIZ];
        uint32_t frequency_mhz; /* 0 when the interface reports none */
};

/* The BSS an interface is authenticated or associated with. */
struct wifi_bss {
        uint8_t bssid[NL80211_MAC_LEN];
        uint32_t status; /* NL80211_BSS_STATUS_* */
        char ssid[NL80211_SSID_MAX + 1];
};

struct wifi_station {
        uint8_t mac[NL80211_MAC_LEN];
        uint32_t connected_seconds;
        uint32_t inactive_ms;
        uint64_t rx_bytes, tx_bytes;
        int8_t signal_dbm;
        uint32_t tx_retries, tx_failed, beacon_loss;
        uint64_t rx_bitrate_bps, tx_bitrate_bps;
};

/* A generic netlink request into buf (cap bytes, 4-byte aligned): family,
 * command, NLM_F_REQUEST | flags, and an NL80211_ATTR_IFINDEX attribute
 * when ifindex is not 0 (or CTRL_ATTR_FAMILY_NAME "nl80211" for the
 * control family's CTRL_CMD_GETFAMILY). Its length, or 0 if it does not fit. */
size_t nl80211_request(void *buf, size_t cap, uint16_t family, uint8_t cmd, uint16_t flags, uint32_t ifindex);

/* Each parser reads one message of the answer: 1 when it holds what is
 * asked for, 0 when it is another (another command; a BSS that is not
 * the interface's own, a station without statistics), -EBADMSG when it is
 * malformed: a length that does not fit, an attribute of the wrong size. */
int nl80211_parse_family(const struct nlmsghdr *h, uint16_t *ret_id);
int nl80211_parse_interface(const struct nlmsghdr *h, struct wifi_iface *ret);
int nl80211_parse_bss(const struct nlmsghdr *h, struct wifi_bss *ret);
int nl80211_parse_station(const struct nlmsghdr *h, struct wifi_station *ret);

/* "02:00:00:00:01:00" */
void nl80211_mac_text(const uint8_t mac[NL80211_MAC_LEN], char out[NL80211_MAC_TEXT]);
