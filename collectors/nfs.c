/* nfs: the NFS client's RPC counters, from /proc/net/rpc/nfs, as
 * node_exporter 1.5: packets and connections, RPCs, retransmissions and
 * credential refreshes, and node_nfs_requests_total{method,proto} per
 * NFSv2, v3 and v4 procedure. A host without the nfs module has no file. */
#include <errno.h>
#include <stdlib.h>

#include "collector.h"
#include "optional_file.h"
#include "counter_lines.h"

enum { LINE_NET, LINE_RPC, LINE_PROC2, LINE_PROC3, LINE_PROC4, N_LINES };

/* the first 59 NFSv4 client operations, as the kernel numbers them */
static const char *const nfs_v4_names[] = {"Null",
                                           "Read",
                                           "Write",
                                           "Commit",
                                           "Open",
                                           "OpenConfirm",
                                           "OpenNoattr",
                                           "OpenDowngrade",
                                           "Close",
                                           "Setattr",
                                           "FsInfo",
                                           "Renew",
                                           "SetClientID",
                                           "SetClientIDConfirm",
                                           "Lock",
                                           "Lockt",
                                           "Locku",
                                           "Access",
                                           "Getattr",
                                           "Lookup",
                                           "LookupRoot",
                                           "Remove",
                                           "Rename",
                                           "Link",
                                           "Symlink",
                                           "Create",
                                           "Pathconf",
                                           "StatFs",
                                           "ReadLink",
                                           "ReadDir",
                                           "ServerCaps",
                                           "DelegReturn",
                                           "GetACL",
                                           "SetACL",
                                           "FsLocations",
                                           "ReleaseLockowner",
                                           "Secinfo",
                                           "FsidPresent",
                                           "ExchangeID",
                                           "CreateSession",
                                           "DestroySession",
                                           "Sequence",
                                           "GetLeaseTime",
                                           "ReclaimComplete",
                                           "LayoutGet",
                                           "GetDeviceInfo",
                                           "LayoutCommit",
                                           "LayoutReturn",
                                           "SecinfoNoName",
                                           "TestStateID",
                                           "FreeStateID",
                                           "GetDeviceList",
                                           "BindConnToSession",
                                           "DestroyClientID",
                                           "Seek",
                                           "Allocate",
                                           "DeAllocate",
                                           "LayoutStats",
                                           "Clone"};

_Static_assert(ELEMENTSOF(nfs_v4_names) == 59 && ELEMENTSOF(nfs_v4_names) <= COUNTER_LINE_MAX_VALUES,
               "node_exporter 1.5 names 59");

static const struct counter_line_kind nfs_lines[N_LINES] = {
        [LINE_NET] = {"net", SHAPE_FIXED, 4, 0},
        [LINE_RPC] = {"rpc", SHAPE_FIXED, 3, 0},
        [LINE_PROC2] = {"proc2", SHAPE_COUNTED, 18, 18},
        [LINE_PROC3] = {"proc3", SHAPE_COUNTED, 22, 22},
        /* older kernels count fewer operations: the others read 0 */
        [LINE_PROC4] = {"proc4", SHAPE_COUNTED, ELEMENTSOF(nfs_v4_names), 0},
};

static const char *const protocol_label[] = {"protocol"};
static const char *const request_labels[] = {"method", "proto"};
static const struct metric_desc packets_desc = {"node_nfs_packets_total",
                                                "Total NFSd network packets (sent+received) by protocol type.",
                                                METRIC_COUNTER, 1, protocol_label};
static const struct metric_desc connections_desc = {"node_nfs_connections_total",
                                                    "Total number of NFSd TCP connections.", METRIC_COUNTER, 0, NULL};
static const struct metric_desc rpcs_desc = {"node_nfs_rpcs_total", "Total number of RPCs performed.", METRIC_COUNTER,
                                             0, NULL};
static const struct metric_desc retransmissions_desc = {
        "node_nfs_rpc_retransmissions_total", "Number of RPC transmissions performed.", METRIC_COUNTER, 0, NULL};
static const struct metric_desc refreshes_desc = {"node_nfs_rpc_authentication_refreshes_total",
                                                  "Number of RPC authentication refreshes performed.", METRIC_COUNTER,
                                                  0, NULL};
static const struct metric_desc requests_desc = {"node_nfs_requests_total", "Number of NFS procedures invoked.",
                                                 METRIC_COUNTER, 2, request_labels};
static const char *const packet_protocols[] = {"udp", "tcp"};

static const struct counter_output nfs_outputs[] = {
        {&packets_desc, LINE_NET, 1, 2, packet_protocols, NULL},
        {&connections_desc, LINE_NET, 3, 1, NULL, NULL},
        {&rpcs_desc, LINE_RPC, 0, 1, NULL, NULL},
        {&retransmissions_desc, LINE_RPC, 1, 1, NULL, NULL},
        {&refreshes_desc, LINE_RPC, 2, 1, NULL, NULL},
        {&requests_desc, LINE_PROC2, 0, ELEMENTSOF(nfs_v2_names), nfs_v2_names, "2"},
        {&requests_desc, LINE_PROC3, 0, ELEMENTSOF(nfs_v3_names), nfs_v3_names, "3"},
        {&requests_desc, LINE_PROC4, 0, ELEMENTSOF(nfs_v4_names), nfs_v4_names, "4"},
};

struct nfs_state {
        const char *procfs;
        struct optional_file nfs_file;
        struct buf file;
        struct counter_line lines[N_LINES];
};

static int nfs_init(const struct collector_env *env, _unused_ const struct config_section *section,
                    _unused_ struct diag *diag, void **ret_state) {
        struct nfs_state *s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        s->procfs = env->procfs;
        *ret_state = s;
        return 0;
}

static void nfs_free(void *state) {
        struct nfs_state *s = state;
        if (!s)
                return;
        optional_file_close(&s->nfs_file);
        buf_free(&s->file);
        free(s);
}

static int nfs_collect(void *state, struct collect_ctx *ctx) {
        struct nfs_state *s = state;
        int r = optional_file_read(&s->nfs_file, s->procfs, "net/rpc/nfs", true, FILE_MAX_SMALL, &s->file);
        if (r < 0)
                return r;
        counter_lines_parse(&s->file, nfs_lines, N_LINES, s->lines, &ctx->parse_errors);
        return counter_lines_emit(ctx->set, nfs_outputs, ELEMENTSOF(nfs_outputs), s->lines, NULL);
}

const struct collector nfs_collector = {
        .name = "nfs",
        .help = "NFS client RPC and per-procedure counters, from /proc/net/rpc/nfs",
        .default_enabled = true,
        .init = nfs_init,
        .collect = nfs_collect,
        .free = nfs_free,
};
