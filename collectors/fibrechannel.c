/* fibrechannel: Fibre Channel host adapters, from /sys/class/fc_host, as
 * node_exporter 1.5: node_fibrechannel_info{fc_host,...} (the host's
 * text attributes as labels, node_exporter 1.5's set, which has no
 * node_name) and a counter per statistics/ attribute. The kernel writes
 * the statistics in hex ("0x1f"); a counter the adapter's firmware does
 * not keep reads all ones and is left out, one the kernel does not have
 * reads 0, as in node_exporter 1.5. */
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

static const char *const host_label[] = {"fc_host"};
#define COUNTER(attr, metric, help)                                                                                    \
        {                                                                                                              \
                attr, {                                                                                                \
                        "node_fibrechannel_" metric, help, METRIC_COUNTER, 1, host_label                               \
                }                                                                                                      \
        }
static const struct {
        const char *attr;
        struct metric_desc desc;
} fc_counters[] = {
        COUNTER("dumped_frames", "dumped_frames_total", "Number of dumped frames"),
        COUNTER("error_frames", "error_frames_total", "Number of errors in frames"),
        COUNTER("invalid_crc_count", "invalid_crc_total", "Invalid Cyclic Redundancy Check count"),
        COUNTER("rx_frames", "rx_frames_total", "Number of frames received"),
        COUNTER("rx_words", "rx_words_total", "Number of words received by host port"),
        COUNTER("tx_frames", "tx_frames_total", "Number of frames transmitted by host port"),
        COUNTER("tx_words", "tx_words_total", "Number of words transmitted by host port"),
        COUNTER("seconds_since_last_reset", "seconds_since_last_reset_total",
                "Number of seconds since last host port reset"),
        COUNTER("invalid_tx_word_count", "invalid_tx_words_total", "Number of invalid words transmitted by host port"),
        COUNTER("link_failure_count", "link_failure_total", "Number of times the host port link has failed"),
        COUNTER("loss_of_sync_count", "loss_of_sync_total",
                "Number of failures on either bit or transmission word boundaries"),
        COUNTER("loss_of_signal_count", "loss_of_signal_total", "Number of times signal has been lost"),
        COUNTER("nos_count", "nos_total", "Number Not_Operational Primitive Sequence received by host port"),
        COUNTER("fcp_packet_aborts", "fcp_packet_aborts_total", "Number of aborted packets"),
};

/* The info family's labels, sorted; fc_host is the directory's name, the
 * others the attributes of the same name. */
static const char *const info_labels[] = {"dev_loss_tmo",      "fabric_name",      "fc_host",      "port_id",
                                          "port_name",         "port_state",       "port_type",    "speed",
                                          "supported_classes", "supported_speeds", "symbolic_name"};
#define N_INFO ELEMENTSOF(info_labels)
#define INFO_HOST 2
static const struct metric_desc info_desc = {"node_fibrechannel_info",
                                             "Non-numeric data from /sys/class/fc_host/<host>, value is always 1.",
                                             METRIC_GAUGE, N_INFO, info_labels};

struct fibrechannel_state {
        char dir[PATH_MAX]; /* sysfs/class/fc_host */
        uint64_t missing_until_ns;
        struct dirlist hosts;
};

static int fibrechannel_init(const struct collector_env *env, _unused_ const struct config_section *section,
                             _unused_ struct diag *diag, void **ret_state) {
        struct fibrechannel_state *s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        if (path_join(s->dir, sizeof(s->dir), env->sysfs, "class/fc_host") < 0) {
                free(s);
                return -ENAMETOOLONG;
        }
        *ret_state = s;
        return 0;
}

static void fibrechannel_free(void *state) {
        struct fibrechannel_state *s = state;
        if (!s)
                return;
        dirlist_free(&s->hosts);
        free(s);
}

/* One host: its info sample and its counters. */
static int fibrechannel_read_host(struct fibrechannel_state *s, const char *name, struct collect_ctx *ctx) {
        char dir[PATH_MAX];
        if (path_join(dir, sizeof(dir), s->dir, name) < 0)
                return -ENAMETOOLONG;
        _cleanup_close_ int dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dirfd < 0)
                return -errno;

        char text[N_INFO][256];
        const char *values[N_INFO];
        for (size_t l = 0; l < N_INFO; l++) {
                if (l == INFO_HOST) {
                        values[l] = name;
                        continue;
                }
                int r = read_attr_fd(dirfd, info_labels[l], text[l], sizeof(text[l]));
                /* missing (an older kernel's) or too long: an empty label */
                ctx->parse_errors += r == -EFBIG;
                size_t n = r < 0 ? 0 : (size_t) r;
                values[l] = sysfs_value_trim(text[l], &n);
                /* the WWNs and the port id without their "0x", as node_exporter 1.5 */
                if ((strcmp(info_labels[l], "fabric_name") == 0 || strcmp(info_labels[l], "port_id") == 0 ||
                     strcmp(info_labels[l], "port_name") == 0) &&
                    n > 2)
                        values[l] += 2;
        }
        (void) metric_set_family(ctx->set, &info_desc);
        (void) metric_set_sample(ctx->set, 1, values);

        _cleanup_close_ int statfd = openat(dirfd, "statistics", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        for (size_t k = 0; k < ELEMENTSOF(fc_counters); k++) {
                uint64_t value = 0;
                int r = statfd < 0 ? -ENOENT : sysfs_value_u64_fd(statfd, fc_counters[k].attr, &value);
                /* garbage, or a read that failed (EIO is counted where it
                 * happens): left out, never 0; all ones: the firmware does
                 * not keep it; missing: 0, as node_exporter 1.5 */
                ctx->parse_errors += r == -EBADMSG;
                if ((r < 0 && r != -ENOENT) || (r == 0 && value == UINT64_MAX))
                        continue;
                (void) metric_set_family(ctx->set, &fc_counters[k].desc);
                (void) metric_set_sample1(ctx->set, (double) value, name);
        }
        return 0;
}

static int fibrechannel_collect(void *state, struct collect_ctx *ctx) {
        struct fibrechannel_state *s = state;
        int r = optional_dirlist_read(&s->missing_until_ns, &s->hosts, s->dir);
        if (r < 0)
                return r;
        for (size_t i = 0; i < s->hosts.n; i++) {
                r = fibrechannel_read_host(s, dirlist_name(&s->hosts, i), ctx);
                if (r == -ENAMETOOLONG)
                        return r;
        }
        return ctx->set->error;
}

const struct collector fibrechannel_collector = {
        .name = "fibrechannel",
        .help = "Fibre Channel host adapters and their counters, from /sys/class/fc_host",
        .default_enabled = true,
        .init = fibrechannel_init,
        .collect = fibrechannel_collect,
        .free = fibrechannel_free,
};
