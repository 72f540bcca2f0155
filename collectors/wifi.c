/* wifi (off by default, as in node_exporter 1.5): every WiFi interface's
 * frequency, the BSS a station interface is associated with, and each
 * station's statistics, over nl80211 (generic netlink): the family's id
 * from the control family (CTRL_CMD_GETFAMILY), then an interface dump
 * (NL80211_CMD_GET_INTERFACE) and, per named interface, a scan-result dump
 * (NL80211_CMD_GET_SCAN, for the BSS with a status) and a station dump
 * (NL80211_CMD_GET_STATION), read as node_exporter's library reads them.
 * Without nl80211 (no cfg80211 module, a container without it): no data,
 * and the family is looked for again once a minute, not at each scrape. */
#include <errno.h>
#include <linux/genetlink.h>
#include <linux/nl80211.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "array.h"
#include "clock.h"
#include "collector.h"
#include "netlink_dump.h"
#include "nl80211.h"

/* how long an absent nl80211 is believed absent */
#define LOOKUP_PERIOD_MS 60000
/* what one scrape keeps at most; more is counted as skipped */
#define MAX_INTERFACES 64
#define MAX_STATIONS 4096

static const char *const device_label[] = {"device"};
static const char *const station_labels[] = {"device", "mac_address"};
static const char *const info_labels[] = {"device", "bssid", "ssid", "mode"};

static const struct metric_desc frequency_desc = {"node_wifi_interface_frequency_hertz",
                                                  "The current frequency a WiFi interface is operating at, in hertz.",
                                                  METRIC_GAUGE, 1, device_label};
static const struct metric_desc info_desc = {
        "node_wifi_station_info", "Labeled WiFi interface station information as provided by the operating system.",
        METRIC_GAUGE, 4, info_labels};

enum {
        CONNECTED,
        INACTIVE,
        RX_BITRATE,
        TX_BITRATE,
        RX_BYTES,
        TX_BYTES,
        SIGNAL,
        TX_RETRIES,
        TX_FAILED,
        BEACON_LOSS,
        N_STATION_FAMILIES
};
static const struct metric_desc station_descs[N_STATION_FAMILIES] = {
        [CONNECTED] = {"node_wifi_station_connected_seconds_total",
                       "The total number of seconds a station has been connected to an access point.", METRIC_COUNTER,
                       2, station_labels},
        [INACTIVE] = {"node_wifi_station_inactive_seconds",
                      "The number of seconds since any wireless activity has occurred on a station.", METRIC_GAUGE, 2,
                      station_labels},
        [RX_BITRATE] = {"node_wifi_station_receive_bits_per_second",
                        "The current WiFi receive bitrate of a station, in bits per second.", METRIC_GAUGE, 2,
                        station_labels},
        [TX_BITRATE] = {"node_wifi_station_transmit_bits_per_second",
                        "The current WiFi transmit bitrate of a station, in bits per second.", METRIC_GAUGE, 2,
                        station_labels},
        [RX_BYTES] = {"node_wifi_station_receive_bytes_total", "The total number of bytes received by a WiFi station.",
                      METRIC_COUNTER, 2, station_labels},
        [TX_BYTES] = {"node_wifi_station_transmit_bytes_total",
                      "The total number of bytes transmitted by a WiFi station.", METRIC_COUNTER, 2, station_labels},
        [SIGNAL] = {"node_wifi_station_signal_dbm", "The current WiFi signal strength, in decibel-milliwatts (dBm).",
                    METRIC_GAUGE, 2, station_labels},
        [TX_RETRIES] = {"node_wifi_station_transmit_retries_total",
                        "The total number of times a station has had to retry while sending a packet.", METRIC_COUNTER,
                        2, station_labels},
        [TX_FAILED] = {"node_wifi_station_transmit_failed_total",
                       "The total number of times a station has failed to send a packet.", METRIC_COUNTER, 2,
                       station_labels},
        [BEACON_LOSS] = {"node_wifi_station_beacon_loss_total",
                         "The total number of times a station has detected a beacon loss.", METRIC_COUNTER, 2,
                         station_labels},
};

struct wifi_station_row {
        size_t iface; /* index in ifaces */
        struct wifi_station st;
};

struct wifi_state {
        struct netlink_dump dump;
        uint16_t family;         /* nl80211's id; 0 until found */
        uint64_t next_lookup_ms; /* CLOCK_MONOTONIC: when to look for it again */
        struct wifi_iface ifaces[MAX_INTERFACES];
        size_t n_ifaces;
        struct wifi_bss bss[MAX_INTERFACES];
        bool has_bss[MAX_INTERFACES];
        struct wifi_station_row *stations;
        size_t n_stations, cap_stations;
        /* during a dump: the interface it is about, the first station of it */
        size_t cur, cur_first;
        bool cur_incomplete; /* a station without statistics */
        unsigned skipped;
};

static int wifi_init(_unused_ const struct collector_env *env, _unused_ const struct config_section *section,
                     _unused_ struct diag *diag, void **ret_state) {
        struct wifi_state *s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        netlink_dump_init(&s->dump, NETLINK_GENERIC);
        *ret_state = s;
        return 0;
}

static void wifi_free(void *state) {
        struct wifi_state *s = state;
        if (!s)
                return;
        netlink_dump_free(&s->dump);
        free(s->stations);
        free(s);
}

static int on_family(const struct nlmsghdr *h, void *ctx) {
        struct wifi_state *s = ctx;
        int r = nl80211_parse_family(h, &s->family);
        return r < 0 ? r : 0;
}

static int on_interface(const struct nlmsghdr *h, void *ctx) {
        struct wifi_state *s = ctx;
        struct wifi_iface ifi;
        int r = nl80211_parse_interface(h, &ifi);
        if (r <= 0)
                return r;
        /* a P2P device has no netdev, hence no name: node_exporter skips it */
        if (!ifi.name[0] || ifi.ifindex == 0)
                return 0;
        if (s->n_ifaces == MAX_INTERFACES) {
                s->skipped++;
                return 0;
        }
        s->ifaces[s->n_ifaces++] = ifi;
        return 0;
}

static int on_bss(const struct nlmsghdr *h, void *ctx) {
        struct wifi_state *s = ctx;
        if (s->has_bss[s->cur])
                return 0; /* the first one with a status, as node_exporter */
        struct wifi_bss bss;
        int r = nl80211_parse_bss(h, &bss);
        if (r <= 0)
                return r;
        s->bss[s->cur] = bss;
        s->has_bss[s->cur] = true;
        return 0;
}

static int on_station(const struct nlmsghdr *h, void *ctx) {
        struct wifi_state *s = ctx;
        struct wifi_station st;
        int r = nl80211_parse_station(h, &st);
        if (r < 0)
                return r;
        if (r == 0) {
                s->cur_incomplete = true;
                return 0;
        }
        if (s->n_stations == MAX_STATIONS) {
                s->skipped++;
                return 0;
        }
        if (array_reserve((void **) &s->stations, &s->cap_stations, s->n_stations + 1, sizeof(*s->stations)) < 0)
                return -ENOMEM;
        s->stations[s->n_stations++] = (struct wifi_station_row){.iface = s->cur, .st = st};
        return 0;
}

/* One request of command cmd (about ifindex, 0 for none) and its answers. */
static int wifi_dump(struct wifi_state *s, uint16_t family, uint8_t cmd, uint16_t flags, uint32_t ifindex,
                     netlink_dump_msg_fn fn) {
        _Alignas(4) unsigned char req[64];
        size_t len = nl80211_request(req, sizeof(req), family, cmd, flags, ifindex);
        return netlink_dump_run(&s->dump, (struct nlmsghdr *) req, len, fn, s);
}

/* nl80211's family id, looked for at most once a LOOKUP_PERIOD_MS while
 * it is absent: 0, -ENOENT while absent, or the error of the lookup. */
static int wifi_family(struct wifi_state *s) {
        if (s->family)
                return 0;
        uint64_t now = clock_ms(CLOCK_MONOTONIC);
        if (now < s->next_lookup_ms)
                return -ENOENT;
        s->next_lookup_ms = now + LOOKUP_PERIOD_MS;
        int r = wifi_dump(s, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, NLM_F_ACK, 0, on_family);
        if (r < 0)
                return r == -ENOENT || r == -EPROTONOSUPPORT || r == -EAFNOSUPPORT ? -ENOENT : r;
        return s->family ? 0 : -ENOENT;
}

/* An interface gone between two dumps, or with nothing of the kind: none. */
static bool wifi_absent(int r) {
        return r == -ENOENT || r == -ENODEV;
}

static const char *bss_mode(uint32_t status) {
        switch (status) {
        case NL80211_BSS_STATUS_AUTHENTICATED:
        case NL80211_BSS_STATUS_ASSOCIATED: return "client";
        case NL80211_BSS_STATUS_IBSS_JOINED: return "ad-hoc";
        default: return "unknown";
        }
}

static double station_value(const struct wifi_station *st, int k) {
        switch (k) {
        case CONNECTED: return st->connected_seconds;
        case INACTIVE: return st->inactive_ms / 1000.0;
        case RX_BITRATE: return (double) st->rx_bitrate_bps;
        case TX_BITRATE: return (double) st->tx_bitrate_bps;
        case RX_BYTES: return (double) st->rx_bytes;
        case TX_BYTES: return (double) st->tx_bytes;
        case SIGNAL: return st->signal_dbm;
        case TX_RETRIES: return st->tx_retries;
        case TX_FAILED: return st->tx_failed;
        default: return st->beacon_loss;
        }
}

static void wifi_emit(struct wifi_state *s, struct metric_set *set) {
        if (s->n_ifaces == 0)
                return;
        (void) metric_set_family(set, &frequency_desc);
        for (size_t i = 0; i < s->n_ifaces; i++)
                (void) metric_set_sample1(set, s->ifaces[i].frequency_mhz * 1e6, s->ifaces[i].name);
        bool any_bss = false;
        for (size_t i = 0; i < s->n_ifaces; i++)
                any_bss |= s->has_bss[i];
        if (any_bss) {
                (void) metric_set_family(set, &info_desc);
                for (size_t i = 0; i < s->n_ifaces; i++) {
                        if (!s->has_bss[i])
                                continue;
                        char bssid[NL80211_MAC_TEXT];
                        nl80211_mac_text(s->bss[i].bssid, bssid);
                        const char *values[] = {s->ifaces[i].name, bssid, s->bss[i].ssid, bss_mode(s->bss[i].status)};
                        (void) metric_set_sample(set, 1, values);
                }
        }
        if (s->n_stations == 0)
                return;
        for (int k = 0; k < N_STATION_FAMILIES; k++) {
                (void) metric_set_family(set, &station_descs[k]);
                for (size_t i = 0; i < s->n_stations; i++) {
                        const struct wifi_station_row *row = &s->stations[i];
                        char mac[NL80211_MAC_TEXT];
                        nl80211_mac_text(row->st.mac, mac);
                        (void) metric_set_sample2(set, station_value(&row->st, k), s->ifaces[row->iface].name, mac);
                }
        }
}

static int wifi_collect(void *state, struct collect_ctx *ctx) {
        struct wifi_state *s = state;
        int r = wifi_family(s);
        if (r < 0)
                return r;
        s->n_ifaces = 0;
        s->n_stations = 0;
        s->skipped = 0;
        r = wifi_dump(s, s->family, NL80211_CMD_GET_INTERFACE, NLM_F_DUMP, 0, on_interface);
        if (r == -ENOENT) {
                /* cfg80211 unloaded since: its id may be another one's next time */
                s->family = 0;
                s->next_lookup_ms = 0;
        }
        if (r < 0)
                return r;
        for (size_t i = 0; i < s->n_ifaces; i++) {
                s->cur = i;
                s->has_bss[i] = false;
                r = wifi_dump(s, s->family, NL80211_CMD_GET_SCAN, NLM_F_DUMP, s->ifaces[i].ifindex, on_bss);
                if (r < 0 && !wifi_absent(r))
                        return r;
                s->cur_first = s->n_stations;
                s->cur_incomplete = false;
                r = wifi_dump(s, s->family, NL80211_CMD_GET_STATION, NLM_F_DUMP, s->ifaces[i].ifindex, on_station);
                if (r < 0 && !wifi_absent(r))
                        return r;
                /* a station without statistics, or the interface gone: node_exporter's
                 * library reports none of the interface's stations */
                if (r < 0 || s->cur_incomplete)
                        s->n_stations = s->cur_first;
        }
        ctx->parse_errors += s->skipped;
        wifi_emit(s, ctx->set);
        return ctx->set->error;
}

/* for vigie-collectors(7): no fixture tree has nl80211 */
static const struct metric_desc *const wifi_families[] = {
        &frequency_desc,
        &info_desc,
        &station_descs[CONNECTED],
        &station_descs[INACTIVE],
        &station_descs[RX_BITRATE],
        &station_descs[TX_BITRATE],
        &station_descs[RX_BYTES],
        &station_descs[TX_BYTES],
        &station_descs[SIGNAL],
        &station_descs[TX_RETRIES],
        &station_descs[TX_FAILED],
        &station_descs[BEACON_LOSS],
        NULL,
};

const struct collector wifi_collector = {
        .name = "wifi",
        .help = "WiFi interfaces, their BSS and stations, over nl80211 (generic netlink)",
        .default_enabled = false,
        .init = wifi_init,
        .collect = wifi_collect,
        .free = wifi_free,
        .host_families = wifi_families,
};
