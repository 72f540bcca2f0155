/* netdev: per-interface counters as
 * node_network_{receive,transmit}_<column>_total{device}. On the live
 * /proc they come from the rtnetlink dump that netclass reads too (one per
 * scrape for both), as node_exporter 1.5 reads them by default: the
 * columns of /proc/net/dev, summed as the kernel sums them there, and
 * receive_nohandler, which that file lacks. A procfs tree elsewhere
 * (--path.procfs), or a failed dump, is read from net/dev, with the column
 * names taken from the file's own header, as node_exporter does.
 *
 * With enable_detailed_metrics (node_exporter 1.5's
 * --collector.netdev.enable-detailed-metrics), the names node_exporter
 * gives then: from netlink, every counter of rtnl_link_stats64 unsummed
 * (node_network_receive_crc_errors_total, node_network_collisions_total...);
 * from net/dev, its columns with errs and drop spelt errors and dropped.
 * With address_info (its --collector.netdev.address-info), each address
 * of each interface as node_network_address_info{device,address,netmask,
 * scope}, from an RTM_GETADDR dump of this namespace whatever
 * --path.procfs says, and for every interface, as node_exporter 1.5
 * gives them. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "collector.h"
#include "desc_cache.h"
#include "fileio.h"
#include "filter.h"
#include "netlink_addrs.h"
#include "netlink_links.h"
#include "parse.h"

#define MAX_COLUMNS 32

static const char *const device_label[] = {"device"};
static const char *const address_labels[] = {"device", "address", "netmask", "scope"};
static const struct metric_desc address_info_desc = {"node_network_address_info", "node network address by device",
                                                     METRIC_GAUGE, 4, address_labels};
static const struct collector_option netdev_options[] = {
        {"device_include", "", "interfaces to report (a pattern)"},
        {"device_exclude", "", "interfaces to leave out (a pattern)"},
        {"enable_detailed_metrics", "false",
         "node_exporter's detailed names: every rtnetlink counter apart (receive_crc_errors, collisions...), and "
         "errors and dropped for net/dev's errs and drop"},
        {"address_info", "false", "node_network_address_info, each IP address of each interface"},
        {NULL, NULL, NULL},
};

/* The columns a netlink dump fills, in net/dev's header words */
static const char netlink_header[] = " face |bytes packets errs drop fifo frame compressed multicast nohandler"
                                     "|bytes packets errs drop fifo colls carrier compressed";

/* With enable_detailed_metrics, a netlink dump's counters apart, in
 * node_exporter 1.5's words (node_network_<key>_total). */
#define DETAILED_STATS(X)                                                                                              \
        X("receive_packets", rx_packets)                                                                               \
        X("transmit_packets", tx_packets)                                                                              \
        X("receive_bytes", rx_bytes)                                                                                   \
        X("transmit_bytes", tx_bytes)                                                                                  \
        X("receive_errors", rx_errors)                                                                                 \
        X("transmit_errors", tx_errors)                                                                                \
        X("receive_dropped", rx_dropped)                                                                               \
        X("transmit_dropped", tx_dropped)                                                                              \
        X("multicast", multicast)                                                                                      \
        X("collisions", collisions)                                                                                    \
        X("receive_length_errors", rx_length_errors)                                                                   \
        X("receive_over_errors", rx_over_errors)                                                                       \
        X("receive_crc_errors", rx_crc_errors)                                                                         \
        X("receive_frame_errors", rx_frame_errors)                                                                     \
        X("receive_fifo_errors", rx_fifo_errors)                                                                       \
        X("receive_missed_errors", rx_missed_errors)                                                                   \
        X("transmit_aborted_errors", tx_aborted_errors)                                                                \
        X("transmit_carrier_errors", tx_carrier_errors)                                                                \
        X("transmit_fifo_errors", tx_fifo_errors)                                                                      \
        X("transmit_heartbeat_errors", tx_heartbeat_errors)                                                            \
        X("transmit_window_errors", tx_window_errors)                                                                  \
        X("receive_compressed", rx_compressed)                                                                         \
        X("transmit_compressed", tx_compressed)                                                                        \
        X("receive_nohandler", rx_nohandler)
#define DETAILED_KEY(key, field) key,
static const char *const detailed_keys[] = {DETAILED_STATS(DETAILED_KEY)};
#undef DETAILED_KEY

struct netdev_state {
        const char *procfs;
        bool use_netlink; /* procfs is the live /proc */
        bool detailed;    /* enable_detailed_metrics */
        bool address_info;
        struct netlink_addrs addrs;
        struct filter filter;
        struct kernel_file dev_file;
        struct buf file;
        struct desc_cache descs;
        /* the column header last seen and its families: the header does
         * not change while the kernel runs, so a scrape compares it and
         * builds no family name */
        char header[512];
        size_t header_len, n_columns;
        bool detailed_columns; /* columns holds detailed_keys' families */
        const struct metric_desc *columns[MAX_COLUMNS];
        /* per scrape: the devices kept and their values, column-major order
         * is what the families need */
        struct buf names;
        size_t *name_offs;
        uint64_t *values;
        size_t n_devices, cap_devices, cap_values;
};

static int netdev_init(const struct collector_env *env, const struct config_section *section, struct diag *diag,
                       void **ret_state) {
        bool detailed, address_info;
        int r = config_section_bool(section, "enable_detailed_metrics", false, &detailed, diag);
        if (r >= 0)
                r = config_section_bool(section, "address_info", false, &address_info, diag);
        if (r < 0)
                return r;
        struct netdev_state *s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        r = filter_from_config(&s->filter, section, "device_include", NULL, "device_exclude", NULL, diag);
        if (r < 0) {
                free(s);
                return r;
        }
        s->detailed = detailed;
        s->address_info = address_info;
        netlink_addrs_init(&s->addrs);
        s->procfs = env->procfs;
        s->use_netlink = netlink_live_root(env->procfs, "/proc");
        *ret_state = s;
        return 0;
}

static void netdev_free(void *state) {
        struct netdev_state *s = state;
        if (!s)
                return;
        filter_free(&s->filter);
        kernel_file_close(&s->dev_file);
        buf_free(&s->file);
        buf_free(&s->names);
        desc_cache_free(&s->descs);
        netlink_addrs_free(&s->addrs);
        free(s->name_offs);
        free(s->values);
        free(s);
}

/* Column n's family, node_network_<dir>_<word>_total (dir NULL: the word
 * alone), as node_exporter names and describes it; -EINVAL for a word
 * that makes no metric name ("ca-rier") or a column named twice, which
 * would make every device's series twice. */
static int netdev_column(struct netdev_state *s, size_t n, const char *dir, const char *word, size_t word_len) {
        char key[64], name[96], help[112];
        if (word_len > 40)
                return -EINVAL;
        (void) snprintf(key, sizeof(key), "%s%s%.*s", dir ? dir : "", dir ? "_" : "", (int) word_len, word);
        (void) snprintf(name, sizeof(name), "node_network_%s_total", key);
        if (!metric_name_valid(name))
                return -EINVAL;
        (void) snprintf(help, sizeof(help), "Network device statistic %s.", key);
        s->columns[n] = desc_cache_get(&s->descs, name, help, METRIC_COUNTER, 1, device_label);
        if (!s->columns[n])
                return -ENOMEM;
        for (size_t j = 0; j < n; j++)
                if (s->columns[j] == s->columns[n])
                        return -EINVAL;
        return 0;
}

/* With enable_detailed_metrics, net/dev's words as node_exporter 1.5 spells
 * them then. */
static void netdev_detailed_word(const char **word, size_t *len) {
        if (*len == 4 && memcmp(*word, "errs", 4) == 0)
                *word = "errors", *len = 6;
        else if (*len == 4 && memcmp(*word, "drop", 4) == 0)
                *word = "dropped", *len = 7;
}

/* The header's second line: " face |bytes packets ...|bytes packets ..."
 * gives the column names of each direction, and so the families
 * node_network_{receive,transmit}_<column>_total. */
static int netdev_header(struct netdev_state *s, const char *line, size_t len) {
        if (len == s->header_len && s->n_columns > 0 && !s->detailed_columns && memcmp(line, s->header, len) == 0)
                return 0;
        s->n_columns = s->header_len = 0;
        s->detailed_columns = false;
        const char *bar1 = memchr(line, '|', len);
        const char *bar2 = bar1 ? memchr(bar1 + 1, '|', len - (size_t) (bar1 + 1 - line)) : NULL;
        if (!bar2)
                return -EINVAL;
        size_t n = 0;
        const char *parts[2] = {bar1 + 1, bar2 + 1};
        size_t lens[2] = {(size_t) (bar2 - bar1 - 1), len - (size_t) (bar2 + 1 - line)};
        for (int dir = 0; dir < 2; dir++) {
                struct field f[MAX_COLUMNS / 2];
                int k = split_fields(parts[dir], lens[dir], f, ELEMENTSOF(f));
                if (k <= 0)
                        return -EINVAL;
                for (size_t i = 0; i < (size_t) k; i++) {
                        const char *word = f[i].s;
                        size_t word_len = f[i].n;
                        if (s->detailed)
                                netdev_detailed_word(&word, &word_len);
                        int r = netdev_column(s, n, dir == 0 ? "receive" : "transmit", word, word_len);
                        if (r < 0)
                                return r;
                        n++;
                }
        }
        s->n_columns = n;
        if (len < sizeof(s->header)) { /* else compared and built again next time */
                memcpy(s->header, line, len);
                s->header_len = len;
        }
        return 0;
}

/* Room for one more device's name offset and row of values. */
static int netdev_reserve(struct netdev_state *s) {
        if (array_reserve((void **) &s->name_offs, &s->cap_devices, s->n_devices + 1, sizeof(*s->name_offs)) < 0 ||
            array_reserve((void **) &s->values, &s->cap_values, (s->n_devices + 1) * MAX_COLUMNS, sizeof(*s->values)) <
                    0)
                return -ENOMEM;
        return 0;
}

/* detailed_keys' families, made once. */
static int netdev_detailed_columns(struct netdev_state *s) {
        if (s->detailed_columns)
                return 0;
        s->n_columns = s->header_len = 0;
        for (size_t i = 0; i < ELEMENTSOF(detailed_keys); i++) {
                int r = netdev_column(s, i, NULL, detailed_keys[i], strlen(detailed_keys[i]));
                if (r < 0)
                        return r;
        }
        s->n_columns = ELEMENTSOF(detailed_keys);
        s->detailed_columns = true;
        return 0;
}

/* One row per interface of the dump, in netlink_header's order, with the
 * sums /proc/net/dev makes (dev_seq_printf_stats in the kernel); with
 * enable_detailed_metrics, in detailed_keys' order, unsummed. */
static int netdev_from_netlink(struct netdev_state *s, const struct netlink_links *nl) {
        int r = s->detailed ? netdev_detailed_columns(s) : netdev_header(s, netlink_header, sizeof(netlink_header) - 1);
        if (r < 0)
                return r;
        s->n_devices = 0;
        buf_reset(&s->names);
        for (size_t i = 0; i < nl->n; i++) {
                const struct netlink_link *k = &nl->links[i];
                if (!k->has_stats || !filter_pass(&s->filter, k->name))
                        continue;
                if (netdev_reserve(s) < 0)
                        return -ENOMEM;
                const struct rtnl_link_stats64 *t = &k->stats;
                uint64_t *v = s->values + s->n_devices * MAX_COLUMNS;
                if (s->detailed) {
#define DETAILED_VALUE(key, field) t->field,
                        const uint64_t row[] = {DETAILED_STATS(DETAILED_VALUE)};
#undef DETAILED_VALUE
                        _Static_assert(ELEMENTSOF(row) <= MAX_COLUMNS, "a row's room");
                        memcpy(v, row, sizeof(row));
                } else {
                        const uint64_t row[] = {
                                t->rx_bytes,
                                t->rx_packets,
                                t->rx_errors,
                                t->rx_dropped + t->rx_missed_errors,
                                t->rx_fifo_errors,
                                t->rx_length_errors + t->rx_over_errors + t->rx_crc_errors + t->rx_frame_errors,
                                t->rx_compressed,
                                t->multicast,
                                t->rx_nohandler,
                                t->tx_bytes,
                                t->tx_packets,
                                t->tx_errors,
                                t->tx_dropped,
                                t->tx_fifo_errors,
                                t->collisions,
                                t->tx_carrier_errors + t->tx_aborted_errors + t->tx_window_errors + t->tx_heartbeat_errors,
                                t->tx_compressed,
                        };
                        if (ELEMENTSOF(row) != s->n_columns)
                                return -EINVAL; /* netlink_header and row disagree: a bug */
                        memcpy(v, row, sizeof(row));
                }
                s->name_offs[s->n_devices++] = s->names.len;
                buf_puts(&s->names, k->name);
                buf_putc(&s->names, '\0');
        }
        return s->names.error;
}

/* Rows from net/dev's lines, after its two header lines. */
static int netdev_from_file(struct netdev_state *s, struct collect_ctx *ctx) {
        int r = kernel_file_read(&s->dev_file, s->procfs, "net/dev", FILE_MAX_TABLE, &s->file);
        if (r < 0)
                return r;

        struct lines lines = lines_of(&s->file, &ctx->parse_errors);
        const char *line;
        size_t len;
        /* two header lines, the second naming the columns */
        if (!lines_next(&lines, &line, &len) || !lines_next(&lines, &line, &len) ||
            (r = netdev_header(s, line, len)) < 0) {
                if (r == -ENOMEM)
                        return r;
                ctx->parse_errors++;
                return -EINVAL;
        }
        size_t n_columns = s->n_columns;

        s->n_devices = 0;
        buf_reset(&s->names);
        while (lines_next(&lines, &line, &len)) {
                const char *colon = memchr(line, ':', len);
                struct field name_f[1], f[MAX_COLUMNS];
                /* "  eth0: 1 2 3 ...": the name has no ':' nor whitespace */
                if (!colon || split_fields(line, (size_t) (colon - line), name_f, 1) != 1) {
                        ctx->parse_errors++;
                        continue;
                }
                int n = split_fields(colon + 1, len - (size_t) (colon + 1 - line), f, ELEMENTSOF(f));
                if (n < 0 || (size_t) n != n_columns) {
                        ctx->parse_errors++;
                        continue;
                }
                r = netdev_reserve(s);
                if (r < 0)
                        return r; /* out of memory is not a garbage line */
                uint64_t *v = s->values + s->n_devices * MAX_COLUMNS;
                bool ok = true;
                for (size_t i = 0; i < n_columns && ok; i++)
                        ok = parse_u64_field(f[i], &v[i]) == 0;
                size_t off = s->names.len;
                buf_put(&s->names, name_f[0].s, name_f[0].n);
                buf_putc(&s->names, '\0');
                if (s->names.error < 0)
                        return s->names.error;
                if (!ok) {
                        s->names.len = off;
                        ctx->parse_errors++;
                        continue;
                }
                const char *dev = s->names.data + off;
                bool dup = false;
                for (size_t d = 0; d < s->n_devices && !dup; d++)
                        dup = strcmp(s->names.data + s->name_offs[d], dev) == 0;
                if (dup || !filter_pass(&s->filter, dev)) {
                        ctx->parse_errors += dup;
                        s->names.len = off;
                        continue;
                }
                s->name_offs[s->n_devices++] = off;
        }
        return s->names.error;
}

/* node_network_address_info: every address of the dump, of every
 * interface (node_exporter 1.5 applies no device filter here), named
 * after the live links; an address of an interface made since their dump
 * waits for the next scrape. */
static int netdev_addresses(struct netdev_state *s, struct collect_ctx *ctx) {
        const struct netlink_links *nl;
        int r = shared_links_dump(ctx->cache, &nl);
        if (r >= 0)
                r = netlink_addrs_dump(&s->addrs);
        if (r < 0)
                return r;
        (void) metric_set_family(ctx->set, &address_info_desc);
        for (size_t i = 0; i < s->addrs.n; i++) {
                const struct netlink_addr *a = &s->addrs.addrs[i];
                const struct netlink_link *k = netlink_links_find_ifindex(nl, a->ifindex);
                if (!k)
                        continue;
                char text[INET6_ADDRSTRLEN], netmask[4];
                if (netlink_addr_text(a, text, sizeof(text)) < 0)
                        continue;
                (void) snprintf(netmask, sizeof(netmask), "%u", a->prefixlen);
                const char *values[] = {k->name, text, netmask, netlink_addr_scope(a)};
                (void) metric_set_sample(ctx->set, 1, values);
        }
        return 0;
}

static int netdev_collect(void *state, struct collect_ctx *ctx) {
        struct netdev_state *s = state;
        const struct netlink_links *nl;
        int r;
        /* a failed dump leaves net/dev to say it, this scrape */
        if (s->use_netlink && shared_links_dump(ctx->cache, &nl) == 0)
                r = netdev_from_netlink(s, nl);
        else
                r = netdev_from_file(s, ctx);
        if (r < 0)
                return r;

        for (size_t c = 0; c < s->n_columns && s->n_devices > 0; c++) {
                (void) metric_set_family(ctx->set, s->columns[c]);
                for (size_t i = 0; i < s->n_devices; i++)
                        (void) metric_set_sample1(ctx->set, (double) s->values[i * MAX_COLUMNS + c],
                                                  s->names.data + s->name_offs[i]);
        }
        if (s->address_info && (r = netdev_addresses(s, ctx)) < 0)
                return r;
        return ctx->set->error;
}

const struct collector netdev_collector = {
        .name = "netdev",
        .help = "Network interface counters (and, with address_info, addresses), from rtnetlink or /proc/net/dev",
        .default_enabled = true,
        .options = netdev_options,
        .init = netdev_init,
        .collect = netdev_collect,
        .free = netdev_free,
};
