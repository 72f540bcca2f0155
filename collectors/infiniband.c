/* infiniband: InfiniBand (and RoCE) adapters, from /sys/class/infiniband,
 * as node_exporter 1.5: node_infiniband_info{device,board_id,
 * firmware_version,hca_type}, and per port its state, physical state and
 * rate, and a counter per counters/ and counters_ext/ (the legacy
 * ones) attribute the port has. port_rcv_data and port_xmit_data count
 * 4-byte words: made bytes, as node_exporter 1.5 does. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "collector.h"
#include "dirlist.h"
#include "optional_file.h"
#include "sysfs_value.h"

static const char *const port_labels[] = {"device", "port"};
#define IB(metric, help)                                                                                               \
        { "node_infiniband_" metric, help, METRIC_COUNTER, 2, port_labels }
static const struct {
        const char *dir, *attr;
        unsigned scale;
        struct metric_desc desc;
} ib_counters[] = {
        {"counters_ext", "port_multicast_rcv_packets", 1,
         IB("legacy_multicast_packets_received_total", "Number of multicast packets received")},
        {"counters_ext", "port_multicast_xmit_packets", 1,
         IB("legacy_multicast_packets_transmitted_total", "Number of multicast packets transmitted")},
        {"counters_ext", "port_rcv_data_64", 4,
         IB("legacy_data_received_bytes_total", "Number of data octets received on all links")},
        {"counters_ext", "port_rcv_packets_64", 1,
         IB("legacy_packets_received_total", "Number of data packets received on all links")},
        {"counters_ext", "port_unicast_rcv_packets", 1,
         IB("legacy_unicast_packets_received_total", "Number of unicast packets received")},
        {"counters_ext", "port_unicast_xmit_packets", 1,
         IB("legacy_unicast_packets_transmitted_total", "Number of unicast packets transmitted")},
        {"counters_ext", "port_xmit_data_64", 4,
         IB("legacy_data_transmitted_bytes_total", "Number of data octets transmitted on all links")},
        {"counters_ext", "port_xmit_packets_64", 1,
         IB("legacy_packets_transmitted_total", "Number of data packets received on all links")},
        {"counters", "excessive_buffer_overrun_errors", 1,
         IB("excessive_buffer_overrun_errors_total",
            "Number of times that OverrunErrors consecutive flow control update periods occurred, each having at "
            "least one overrun error.")},
        {"counters", "link_downed", 1,
         IB("link_downed_total", "Number of times the link failed to recover from an error state and went down")},
        {"counters", "link_error_recovery", 1,
         IB("link_error_recovery_total", "Number of times the link successfully recovered from an error state")},
        {"counters", "local_link_integrity_errors", 1,
         IB("local_link_integrity_errors_total",
            "Number of times that the count of local physical errors exceeded the threshold specified by "
            "LocalPhyErrors.")},
        {"counters", "multicast_rcv_packets", 1,
         IB("multicast_packets_received_total", "Number of multicast packets received (including errors)")},
        {"counters", "multicast_xmit_packets", 1,
         IB("multicast_packets_transmitted_total", "Number of multicast packets transmitted (including errors)")},
        {"counters", "port_rcv_constraint_errors", 1,
         IB("port_constraint_errors_received_total",
            "Number of packets received on the switch physical port that are discarded")},
        {"counters", "port_xmit_constraint_errors", 1,
         IB("port_constraint_errors_transmitted_total",
            "Number of packets not transmitted from the switch physical port")},
        {"counters", "port_rcv_data", 4,
         IB("port_data_received_bytes_total", "Number of data octets received on all links")},
        {"counters", "port_xmit_data", 4,
         IB("port_data_transmitted_bytes_total", "Number of data octets transmitted on all links")},
        {"counters", "port_rcv_discards", 1,
         IB("port_discards_received_total",
            "Number of inbound packets discarded by the port because the port is down or congested")},
        {"counters", "port_xmit_discards", 1,
         IB("port_discards_transmitted_total",
            "Number of outbound packets discarded by the port because the port is down or congested")},
        {"counters", "port_rcv_errors", 1,
         IB("port_errors_received_total", "Number of packets containing an error that were received on this port")},
        {"counters", "port_rcv_packets", 1,
         IB("port_packets_received_total", "Number of packets received on all VLs by this port (including errors)")},
        {"counters", "port_xmit_packets", 1,
         IB("port_packets_transmitted_total",
            "Number of packets transmitted on all VLs from this port (including errors)")},
        {"counters", "port_xmit_wait", 1,
         IB("port_transmit_wait_total",
            "Number of ticks during which the port had data to transmit but no data was sent during the entire tick")},
        {"counters", "unicast_rcv_packets", 1,
         IB("unicast_packets_received_total", "Number of unicast packets received (including errors)")},
        {"counters", "unicast_xmit_packets", 1,
         IB("unicast_packets_transmitted_total", "Number of unicast packets transmitted (including errors)")},
        {"counters", "port_rcv_remote_physical_errors", 1,
         IB("port_receive_remote_physical_errors_total",
            "Number of packets marked with the EBP (End of Bad Packet) delimiter received on the port.")},
        {"counters", "port_rcv_switch_relay_errors", 1,
         IB("port_receive_switch_relay_errors_total", "Number of packets that could not be forwarded by the switch.")},
        {"counters", "symbol_error", 1,
         IB("symbol_error_total", "Number of minor link errors detected on one or more physical lanes.")},
        {"counters", "VL15_dropped", 1,
         IB("vl15_dropped_total", "Number of incoming VL15 packets dropped due to resource limitations.")},
};

static const struct metric_desc state_desc = {
        "node_infiniband_state_id",
        "State of the InfiniBand port (0: no change, 1: down, 2: init, 3: armed, 4: active, 5: act defer)",
        METRIC_GAUGE, 2, port_labels};
static const struct metric_desc phys_state_desc = {
        "node_infiniband_physical_state_id",
        "Physical state of the InfiniBand port (0: no change, 1: sleep, 2: polling, 3: disable, 4: shift, 5: link "
        "up, 6: link error recover, 7: phytest)",
        METRIC_GAUGE, 2, port_labels};
static const struct metric_desc rate_desc = {"node_infiniband_rate_bytes_per_second", "Maximum signal transfer rate",
                                             METRIC_GAUGE, 2, port_labels};

/* sorted; device is the directory's name, the others its attributes */
static const char *const info_labels[] = {"board_id", "device", "firmware_version", "hca_type"};
static const char *const info_attrs[] = {"board_id", NULL, "fw_ver", "hca_type"};
static const struct metric_desc info_desc = {"node_infiniband_info",
                                             "Non-numeric data from /sys/class/infiniband/<device>, value is always 1.",
                                             METRIC_GAUGE, ELEMENTSOF(info_labels), info_labels};

struct infiniband_state {
        char dir[PATH_MAX]; /* sysfs/class/infiniband */
        uint64_t missing_until_ns;
        struct dirlist devices, ports;
};

static int infiniband_init(const struct collector_env *env, _unused_ const struct config_section *section,
                           _unused_ struct diag *diag, void **ret_state) {
        struct infiniband_state *s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        if (path_join(s->dir, sizeof(s->dir), env->sysfs, "class/infiniband") < 0) {
                free(s);
                return -ENAMETOOLONG;
        }
        *ret_state = s;
        return 0;
}

static void infiniband_free(void *state) {
        struct infiniband_state *s = state;
        if (!s)
                return;
        dirlist_free(&s->devices);
        dirlist_free(&s->ports);
        free(s);
}

/* "4: ACTIVE": the number before the colon. */
static int infiniband_state_id(int dirfd, const char *name, uint64_t *ret) {
        char v[64];
        int r = read_attr_fd(dirfd, name, v, sizeof(v));
        if (r == -EFBIG)
                return -EBADMSG;
        if (r < 0)
                return r;
        char *colon = memchr(v, ':', (size_t) r);
        if (!colon || memchr(colon + 1, ':', (size_t) r - (size_t) (colon + 1 - v)))
                return -EBADMSG;
        size_t n = (size_t) (colon - v);
        const char *t = sysfs_value_trim(v, &n);
        return parse_u64(t, n, ret) < 0 || *ret > UINT32_MAX ? -EBADMSG : 0;
}

/* "100 Gb/sec (4X EDR)": bytes per second, from the number (read as a
 * float32, then multiplied and truncated, as node_exporter 1.5 does). */
static int infiniband_rate(int dirfd, uint64_t *ret) {
        char v[64];
        int r = read_attr_fd(dirfd, "rate", v, sizeof(v));
        if (r == -EFBIG)
                return -EBADMSG;
        if (r < 0)
                return r;
        char *space = memchr(v, ' ', (size_t) r);
        if (!space || space == v)
                return -EBADMSG;
        *space = '\0';
        /* digits, a point and digits: no sign, exponent, hex or inf */
        bool digits = false, point = false;
        for (const char *p = v; *p; p++) {
                if (*p == '.' && !point)
                        point = true;
                else if (*p >= '0' && *p <= '9')
                        digits = true;
                else
                        return -EBADMSG;
        }
        if (!digits)
                return -EBADMSG;
        double gbit = (double) strtof(v, NULL) * 125000000.0;
        if (!(gbit < 18446744073709551616.0))
                return -EBADMSG;
        *ret = (uint64_t) gbit;
        return 0;
}

static void infiniband_read_port(int portfd, const char *device, const char *port, struct collect_ctx *ctx) {
        const char *labels[] = {device, port};
        uint64_t v;
        int r = infiniband_state_id(portfd, "state", &v);
        ctx->parse_errors += r == -EBADMSG;
        if (r == 0) {
                (void) metric_set_family(ctx->set, &state_desc);
                (void) metric_set_sample(ctx->set, (double) v, labels);
        }
        r = infiniband_state_id(portfd, "phys_state", &v);
        ctx->parse_errors += r == -EBADMSG;
        if (r == 0) {
                (void) metric_set_family(ctx->set, &phys_state_desc);
                (void) metric_set_sample(ctx->set, (double) v, labels);
        }
        r = infiniband_rate(portfd, &v);
        ctx->parse_errors += r == -EBADMSG;
        if (r == 0) {
                (void) metric_set_family(ctx->set, &rate_desc);
                (void) metric_set_sample(ctx->set, (double) v, labels);
        }

        _cleanup_close_ int countersfd = openat(portfd, "counters", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        _cleanup_close_ int extfd = openat(portfd, "counters_ext", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        for (size_t k = 0; k < ELEMENTSOF(ib_counters); k++) {
                int fd = strcmp(ib_counters[k].dir, "counters_ext") == 0 ? extfd : countersfd;
                if (fd < 0)
                        continue;
                /* absent, root's alone, or "N/A (no PMA)" (an adapter without
                 * a performance management agent): no sample */
                char text[32];
                r = read_attr_fd(fd, ib_counters[k].attr, text, sizeof(text));
                if (r < 0) {
                        ctx->parse_errors += r == -EFBIG;
                        continue;
                }
                size_t n = (size_t) r;
                const char *t = sysfs_value_trim(text, &n);
                if (sysfs_value_u64(t, n, &v) < 0) {
                        ctx->parse_errors += strstr(t, "N/A (no PMA)") == NULL;
                        continue;
                }
                (void) metric_set_family(ctx->set, &ib_counters[k].desc);
                (void) metric_set_sample(ctx->set, (double) v * ib_counters[k].scale, labels);
        }
}

static int infiniband_read_device(struct infiniband_state *s, const char *name, struct collect_ctx *ctx) {
        char dir[PATH_MAX];
        if (path_join(dir, sizeof(dir), s->dir, name) < 0)
                return -ENAMETOOLONG;
        _cleanup_close_ int dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dirfd < 0)
                return -errno;

        char text[ELEMENTSOF(info_labels)][128];
        const char *values[ELEMENTSOF(info_labels)];
        for (size_t l = 0; l < ELEMENTSOF(info_labels); l++) {
                if (!info_attrs[l]) {
                        values[l] = name;
                        continue;
                }
                int r = read_attr_fd(dirfd, info_attrs[l], text[l], sizeof(text[l]));
                /* missing (a soft RoCE device has no board_id) or too long: an empty label */
                ctx->parse_errors += r == -EFBIG;
                size_t n = r < 0 ? 0 : (size_t) r;
                values[l] = sysfs_value_trim(text[l], &n);
        }
        (void) metric_set_family(ctx->set, &info_desc);
        (void) metric_set_sample(ctx->set, 1, values);

        char ports[PATH_MAX];
        if (path_join(ports, sizeof(ports), dir, "ports") < 0)
                return -ENAMETOOLONG;
        /* a device without ports: its info alone */
        int r = dirlist_read(&s->ports, ports);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return 0;
        _cleanup_close_ int portsfd = open(ports, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (portsfd < 0)
                return 0;
        for (size_t i = 0; i < s->ports.n; i++) {
                const char *port = dirlist_name(&s->ports, i);
                uint64_t number;
                if (parse_u64(port, strlen(port), &number) < 0 || number > UINT32_MAX) {
                        ctx->parse_errors++;
                        continue;
                }
                _cleanup_close_ int portfd = openat(portsfd, port, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (portfd >= 0)
                        infiniband_read_port(portfd, name, port, ctx);
        }
        return 0;
}

static int infiniband_collect(void *state, struct collect_ctx *ctx) {
        struct infiniband_state *s = state;
        int r = optional_dirlist_read(&s->missing_until_ns, &s->devices, s->dir);
        if (r < 0)
                return r;
        for (size_t i = 0; i < s->devices.n; i++) {
                r = infiniband_read_device(s, dirlist_name(&s->devices, i), ctx);
                if (r == -ENOMEM || r == -ENAMETOOLONG)
                        return r;
        }
        return ctx->set->error;
}

const struct collector infiniband_collector = {
        .name = "infiniband",
        .help = "InfiniBand adapters, their ports' states, rates and counters, from /sys/class/infiniband",
        .default_enabled = true,
        .init = infiniband_init,
        .collect = infiniband_collect,
        .free = infiniband_free,
};
