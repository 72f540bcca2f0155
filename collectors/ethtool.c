/* ethtool (off by default, as in node_exporter 1.5): each interface's
 * driver (node_ethtool_info), the driver's own statistics
 * (node_ethtool_<name>, untyped) and the link modes' autonegotiation and
 * pause bits (node_network_*_supported, *_advertised, autonegotiate),
 * through the SIOCETHTOOL ioctls node_exporter makes: ETHTOOL_GSET,
 * ETHTOOL_GDRVINFO, ETHTOOL_GSTRINGS and ETHTOOL_GSTATS. The interfaces
 * are those of this network namespace (the scrape's link dump) that
 * [collector.ethtool] device_include and device_exclude let through; the
 * statistics those whose driver name metrics_include matches. An
 * interface without ethtool support (lo) gives nothing. */
#include <errno.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "array.h"
#include "collector.h"
#include "desc_cache.h"
#include "filter.h"
#include "netlink_links.h"
#include "sort.h"

static const struct collector_option ethtool_options[] = {
        {"device_include", "", "the interfaces read (a pattern); empty: all"},
        {"device_exclude", "", "the interfaces left out (a pattern)"},
        {"metrics_include", ".*", "the driver statistics exported, by the driver's name for them (a pattern)"},
        {NULL, NULL, NULL},
};

static const char *const device_label[] = {"device"};
static const char *const info_labels[] = {"bus_info",         "device", "driver", "expansion_rom_version",
                                          "firmware_version", "version"};
static const struct metric_desc info_desc = {
        "node_ethtool_info",
        "A metric with a constant '1' value labeled by bus_info, device, driver, expansion_rom_version, "
        "firmware_version, version.",
        METRIC_GAUGE, 6, info_labels};

/* The link modes' bits node_exporter reads from ETHTOOL_GSET, in the
 * supported then the advertised mask. */
#define LINK_DESC(name, help)                                                                                          \
        { "node_network_" name, help, METRIC_GAUGE, 1, device_label }
static const struct {
        unsigned bit;
        struct metric_desc supported, advertised;
} link_bits[] = {
        {ETHTOOL_LINK_MODE_Autoneg_BIT,
         LINK_DESC("autonegotiate_supported", "If this port device supports autonegotiate"),
         LINK_DESC("autonegotiate_advertised", "If this port device offers autonegotiate")},
        {ETHTOOL_LINK_MODE_Pause_BIT, LINK_DESC("pause_supported", "If this port device supports pause frames"),
         LINK_DESC("pause_advertised", "If this port device offers pause capability")},
        {ETHTOOL_LINK_MODE_Asym_Pause_BIT,
         LINK_DESC("asymmetricpause_supported", "If this port device supports asymmetric pause frames"),
         LINK_DESC("asymmetricpause_advertised", "If this port device offers asymmetric pause capability")},
};
static const struct metric_desc autoneg_desc = LINK_DESC("autonegotiate", "If this port is using autonegotiate");

/* Statistics node_exporter 1.5 names itself rather than from the driver's
 * name (its descriptors for them; the name clashes are still worked out
 * from the driver's name). */
static const struct {
        const char *stat, *name, *help;
} known_stats[] = {
        {"rx_bytes", "node_ethtool_received_bytes_total", "Network interface bytes received"},
        {"rx_dropped", "node_ethtool_received_dropped_total", "Number of received frames dropped"},
        {"rx_errors", "node_ethtool_received_errors_total", "Number of received frames with errors"},
        {"rx_packets", "node_ethtool_received_packets_total", "Network interface packets received"},
        {"tx_bytes", "node_ethtool_transmitted_bytes_total", "Network interface bytes sent"},
        {"tx_errors", "node_ethtool_transmitted_errors_total", "Number of sent frames with errors"},
        {"tx_packets", "node_ethtool_transmitted_packets_total", "Network interface packets sent"},
};

/* More than any driver has (mlx5 has a few thousand with many queues). */
#define ETHTOOL_STATS_MAX 32768
/* a name made from at most ETH_GSTRING_LEN bytes, each rx or tx of which
 * may become received or transmitted; then node_ethtool_ before it */
#define ETHTOOL_WORD_MAX (4 * ETH_GSTRING_LEN + 1)
#define ETHTOOL_NAME_MAX (16 + ETHTOOL_WORD_MAX)

/* One statistic of an interface, this scrape. */
struct ethtool_stat {
        char stat[ETH_GSTRING_LEN + 1]; /* the driver's name */
        char name[ETHTOOL_NAME_MAX];    /* node_exporter's for it */
        uint64_t value;
        uint32_t index; /* in the driver's list: the last of a repeated name wins */
};

struct ethtool_state {
        int fd; /* -1 until the first collect */
        struct filter devices, metrics;
        struct desc_cache descs;
        void *strings; /* struct ethtool_gstrings and its names */
        size_t cap_strings;
        void *values; /* struct ethtool_stats and its values */
        size_t cap_values;
        struct ethtool_stat *stats;
        size_t n_stats, cap_stats;
};

static int ethtool_init(_unused_ const struct collector_env *env, const struct config_section *section,
                        struct diag *diag, void **ret_state) {
        struct ethtool_state *s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        s->fd = -1;
        int r = filter_from_config(&s->devices, section, "device_include", NULL, "device_exclude", NULL, diag);
        if (r < 0) {
                free(s);
                return r;
        }
        r = filter_from_config(&s->metrics, section, "metrics_include", ".*", NULL, NULL, diag);
        if (r < 0) {
                filter_free(&s->devices);
                free(s);
                return r;
        }
        *ret_state = s;
        return 0;
}

static void ethtool_free(void *state) {
        struct ethtool_state *s = state;
        if (!s)
                return;
        if (s->fd >= 0)
                (void) close(s->fd);
        filter_free(&s->devices);
        filter_free(&s->metrics);
        desc_cache_free(&s->descs);
        free(s->strings);
        free(s->values);
        free(s->stats);
        free(s);
}

static int ethtool_ioctl(struct ethtool_state *s, const char *device, void *data) {
        struct ifreq ifr = {0};
        (void) snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", device);
        ifr.ifr_data = data;
        return ioctl(s->fd, SIOCETHTOOL, &ifr) < 0 ? -errno : 0;
}

/* A fixed-size field of the driver's answer as a string. */
static void ethtool_text(char *out, const char *field, size_t size) {
        size_t n = strnlen(field, size);
        memcpy(out, field, n);
        out[n] = '\0';
}

/* Go's (^|_)WORD(_|$) replaced all through s by ${1}WITH${2}, as
 * node_exporter turns rx into received and tx into transmitted: the
 * matches do not overlap, so the blank a match ends with cannot start the
 * next one. */
static void ethtool_replace_word(char *s, size_t size, const char *word, const char *with) {
        char out[ETHTOOL_WORD_MAX];
        size_t o = 0, wn = strlen(word), withn = strlen(with), n = strlen(s);
        for (size_t p = 0; p <= n && o + 1 < sizeof(out);) {
                size_t at = p == 0 && strncmp(s, word, wn) == 0 ? 0 : s[p] == '_' ? p + 1 : SIZE_MAX;
                if (at != SIZE_MAX && strncmp(s + at, word, wn) == 0 && (s[at + wn] == '_' || s[at + wn] == '\0')) {
                        size_t end = at + wn + (s[at + wn] == '_');
                        if (o + (at - p) + withn + (end - at - wn) + 1 > sizeof(out))
                                break;
                        memcpy(out + o, s + p, at - p); /* the blank before it */
                        o += at - p;
                        memcpy(out + o, with, withn);
                        o += withn;
                        if (end > at + wn)
                                out[o++] = '_';
                        p = end;
                } else if (p < n)
                        out[o++] = s[p++];
                else
                        break;
        }
        out[o] = '\0';
        (void) snprintf(s, size, "%s", out);
}

/* node_exporter's name for a driver's statistic: every run of characters
 * a metric name cannot hold, with the blanks around it, made one blank
 * (its SanitizeMetricName), lower case, no leading blank, rx and tx
 * spelled out. */
static void ethtool_metric_name(const char *stat, char out[ETHTOOL_NAME_MAX]) {
        char s[ETHTOOL_WORD_MAX];
        size_t o = 0, n = strlen(stat);
        for (size_t i = 0; i < n;) {
                size_t j = i;
                while (j < n && stat[j] == '_')
                        j++;
                size_t k = j;
                while (k < n && !(stat[k] == '_' || (stat[k] >= '0' && stat[k] <= '9') ||
                                  (stat[k] >= 'a' && stat[k] <= 'z') || (stat[k] >= 'A' && stat[k] <= 'Z')))
                        k++;
                if (k > j) { /* a run of invalid characters: it and the blanks around it */
                        while (k < n && stat[k] == '_')
                                k++;
                        s[o++] = '_';
                        i = k;
                        continue;
                }
                /* blanks not next to an invalid run stay */
                for (; i < j; i++)
                        s[o++] = '_';
                if (i < n) {
                        char c = stat[i++];
                        s[o++] = c >= 'A' && c <= 'Z' ? (char) (c - 'A' + 'a') : c;
                }
        }
        s[o] = '\0';
        const char *t = s + strspn(s, "_");
        char name[ETHTOOL_WORD_MAX];
        (void) snprintf(name, sizeof(name), "%s", t);
        ethtool_replace_word(name, sizeof(name), "rx", "received");
        ethtool_replace_word(name, sizeof(name), "tx", "transmitted");
        (void) snprintf(out, ETHTOOL_NAME_MAX, "node_ethtool%s%s", name[0] ? "_" : "", name);
}

static int ethtool_stat_by_stat(const void *a, const void *b, _unused_ void *ctx) {
        const struct ethtool_stat *x = a, *y = b;
        int c = strcmp(x->stat, y->stat);
        return c ? c : (x->index > y->index) - (x->index < y->index);
}

static int ethtool_stat_by_name(const void *a, const void *b, _unused_ void *ctx) {
        const struct ethtool_stat *x = a, *y = b;
        int c = strcmp(x->name, y->name);
        return c ? c : strcmp(x->stat, y->stat);
}

/* The driver's statistics of device (n of them, as its driver info says)
 * into s->stats: 0, or a negative errno. */
static int ethtool_read_stats(struct ethtool_state *s, const char *device, uint32_t n) {
        s->n_stats = 0;
        if (n == 0 || n > ETHTOOL_STATS_MAX)
                return 0;
        /* room for more than asked: the kernel writes as many as the
         * driver has now, which may be more than a moment ago */
        size_t room = 2 * (size_t) n + 64;
        if (array_reserve(&s->strings, &s->cap_strings, sizeof(struct ethtool_gstrings) + room * ETH_GSTRING_LEN, 1) <
                    0 ||
            array_reserve(&s->values, &s->cap_values, sizeof(struct ethtool_stats) + room * sizeof(uint64_t), 1) < 0 ||
            array_reserve((void **) &s->stats, &s->cap_stats, n, sizeof(*s->stats)) < 0)
                return -ENOMEM;
        struct ethtool_gstrings *gs = s->strings;
        *gs = (struct ethtool_gstrings){.cmd = ETHTOOL_GSTRINGS, .string_set = ETH_SS_STATS, .len = n};
        int r = ethtool_ioctl(s, device, gs);
        if (r < 0)
                return r;
        struct ethtool_stats *st = s->values;
        *st = (struct ethtool_stats){.cmd = ETHTOOL_GSTATS, .n_stats = n};
        r = ethtool_ioctl(s, device, st);
        if (r < 0)
                return r;
        if (gs->len != n || st->n_stats != n)
                return -EAGAIN; /* the driver's list changed between the calls */
        for (uint32_t i = 0; i < n; i++) {
                struct ethtool_stat *e = &s->stats[s->n_stats];
                ethtool_text(e->stat, (const char *) gs->data + (size_t) i * ETH_GSTRING_LEN, ETH_GSTRING_LEN);
                if (!filter_pass(&s->metrics, e->stat))
                        continue;
                memcpy(&e->value, st->data + i, sizeof(e->value));
                e->index = i;
                ethtool_metric_name(e->stat, e->name);
                s->n_stats++;
        }
        return 0;
}

/* node_exporter keeps the statistics in a map by the driver's name (a
 * name listed twice: its last value), and drops every statistic whose
 * metric name another one also gets. */
static void ethtool_unique_stats(struct ethtool_state *s) {
        sort_r(s->stats, s->n_stats, sizeof(*s->stats), ethtool_stat_by_stat, NULL);
        size_t out = 0;
        for (size_t i = 0; i < s->n_stats; i++) {
                if (out > 0 && strcmp(s->stats[out - 1].stat, s->stats[i].stat) == 0)
                        out--;
                s->stats[out++] = s->stats[i];
        }
        s->n_stats = out;
        sort_r(s->stats, s->n_stats, sizeof(*s->stats), ethtool_stat_by_name, NULL);
        out = 0;
        for (size_t i = 0; i < s->n_stats;) {
                size_t j = i + 1;
                while (j < s->n_stats && strcmp(s->stats[j].name, s->stats[i].name) == 0)
                        j++;
                if (j == i + 1)
                        s->stats[out++] = s->stats[i];
                i = j;
        }
        s->n_stats = out;
}

static int ethtool_emit_stats(struct ethtool_state *s, struct collect_ctx *ctx, const char *device) {
        for (size_t i = 0; i < s->n_stats; i++) {
                const struct ethtool_stat *e = &s->stats[i];
                const char *name = e->name, *help = NULL;
                char text[sizeof(e->stat) + 32];
                for (size_t k = 0; k < ELEMENTSOF(known_stats) && !help; k++)
                        if (strcmp(known_stats[k].stat, e->stat) == 0) {
                                name = known_stats[k].name;
                                help = known_stats[k].help;
                        }
                if (!help) {
                        (void) snprintf(text, sizeof(text), "Network interface %s", e->stat);
                        help = text;
                }
                const struct metric_desc *d = desc_cache_get(&s->descs, name, help, METRIC_UNTYPED, 1, device_label);
                if (!d)
                        return -ENOMEM;
                (void) metric_set_family(ctx->set, d);
                (void) metric_set_sample1(ctx->set, (double) e->value, device);
        }
        return 0;
}

static void ethtool_emit_link(struct collect_ctx *ctx, const char *device, const struct ethtool_cmd *cmd) {
        for (size_t k = 0; k < ELEMENTSOF(link_bits); k++) {
                (void) metric_set_family(ctx->set, &link_bits[k].supported);
                (void) metric_set_sample1(ctx->set, (double) ((cmd->supported >> link_bits[k].bit) & 1), device);
                (void) metric_set_family(ctx->set, &link_bits[k].advertised);
                (void) metric_set_sample1(ctx->set, (double) ((cmd->advertising >> link_bits[k].bit) & 1), device);
        }
        (void) metric_set_family(ctx->set, &autoneg_desc);
        (void) metric_set_sample1(ctx->set, (double) cmd->autoneg, device);
}

static int ethtool_collect(void *state, struct collect_ctx *ctx) {
        struct ethtool_state *s = state;
        const struct netlink_links *links;
        int r = shared_links_dump(ctx->cache, &links);
        if (r < 0)
                return r;
        if (s->fd < 0) {
                s->fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
                if (s->fd < 0)
                        return -errno;
        }
        for (size_t i = 0; i < links->n; i++) {
                const char *device = links->links[i].name;
                if (!filter_pass(&s->devices, device))
                        continue;
                /* each answer on its own, as node_exporter: a driver may
                 * have some and not others (lo has none) */
                struct ethtool_cmd cmd = {.cmd = ETHTOOL_GSET};
                if (ethtool_ioctl(s, device, &cmd) == 0)
                        ethtool_emit_link(ctx, device, &cmd);
                struct ethtool_drvinfo info = {.cmd = ETHTOOL_GDRVINFO};
                if (ethtool_ioctl(s, device, &info) < 0)
                        continue;
                char bus[sizeof(info.bus_info) + 1], driver[sizeof(info.driver) + 1],
                        erom[sizeof(info.erom_version) + 1], fw[sizeof(info.fw_version) + 1],
                        version[sizeof(info.version) + 1];
                ethtool_text(bus, info.bus_info, sizeof(info.bus_info));
                ethtool_text(driver, info.driver, sizeof(info.driver));
                ethtool_text(erom, info.erom_version, sizeof(info.erom_version));
                ethtool_text(fw, info.fw_version, sizeof(info.fw_version));
                ethtool_text(version, info.version, sizeof(info.version));
                const char *values[] = {bus, device, driver, erom, fw, version};
                (void) metric_set_family(ctx->set, &info_desc);
                (void) metric_set_sample(ctx->set, 1, values);
                r = ethtool_read_stats(s, device, info.n_stats);
                if (r == -ENOMEM)
                        return r;
                if (r < 0)
                        continue;
                ethtool_unique_stats(s);
                r = ethtool_emit_stats(s, ctx, device);
                if (r < 0)
                        return r;
        }
        return ctx->set->error;
}

const struct collector ethtool_collector = {
        .name = "ethtool",
        .help = "Each interface's driver, driver statistics and link mode bits, through SIOCETHTOOL (off by default)",
        .default_enabled = false,
        .options = ethtool_options,
        .init = ethtool_init,
        .collect = ethtool_collect,
        .free = ethtool_free,
};
