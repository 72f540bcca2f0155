/* nfsd: the kernel NFS server's counters, from /proc/net/rpc/nfsd, as
 * node_exporter 1.5: the reply cache, stale file handles, bytes read and
 * written, threads, the read-ahead cache, packets, connections, RPCs and
 * their errors, and node_nfsd_requests_total{method,proto} per NFSv2 and
 * v3 procedure and NFSv4 operation. A host that serves no NFS has no file. */
#include <errno.h>
#include <stdlib.h>

#include "collector.h"
#include "optional_file.h"
#include "counter_lines.h"

enum {
        LINE_RC,
        LINE_FH,
        LINE_IO,
        LINE_TH,
        LINE_RA,
        LINE_NET,
        LINE_RPC,
        LINE_PROC2,
        LINE_PROC3,
        LINE_PROC4OPS,
        N_LINES
};

/* the NFSv4 operations node_exporter 1.5 exports, by operation number (a
 * NULL is one it leaves out) */
static const char *const nfsd_v4_names[] = {
        NULL,          NULL,      NULL,      "Access",   "Close",       "Commit",      "Create", "DelegPurge",
        "DelegReturn", "GetAttr", "GetFH",   "Link",     "Lock",        "Lockt",       "Locku",  "Lookup",
        "LookupRoot",  "Nverify", "Open",    "OpenAttr", "OpenConfirm", "OpenDgrd",    "PutFH",  NULL,
        NULL,          "Read",    "ReadDir", "ReadLink", "Remove",      "Rename",      "Renew",  "RestoreFH",
        "SaveFH",      "SecInfo", "SetAttr", "Verify",   "Write",       "RelLockOwner"};
_Static_assert(ELEMENTSOF(nfsd_v4_names) <= COUNTER_LINE_MAX_VALUES, "raise COUNTER_LINE_MAX_VALUES");

static const struct counter_line_kind nfsd_lines[N_LINES] = {
        [LINE_RC] = {"rc", SHAPE_FIXED, 3, 0},
        [LINE_FH] = {"fh", SHAPE_FIXED, 5, 0},
        [LINE_IO] = {"io", SHAPE_FIXED, 2, 0},
        /* threads and the times all were busy, then a deprecated histogram */
        [LINE_TH] = {"th", SHAPE_AT_LEAST, 2, 0},
        [LINE_RA] = {"ra", SHAPE_FIXED, 12, 0},
        [LINE_NET] = {"net", SHAPE_FIXED, 4, 0},
        [LINE_RPC] = {"rpc", SHAPE_FIXED, 5, 0},
        [LINE_PROC2] = {"proc2", SHAPE_COUNTED, 18, 18},
        [LINE_PROC3] = {"proc3", SHAPE_COUNTED, 22, 22},
        /* procfs (node_exporter 1.5's parser) wants 39 operations at least */
        [LINE_PROC4OPS] = {"proc4ops", SHAPE_COUNTED, ELEMENTSOF(nfsd_v4_names), 39},
};

static const char *const proto_label[] = {"proto"};
static const char *const error_label[] = {"error"};
static const char *const request_labels[] = {"method", "proto"};
#define COUNTER0(var, name, help) static const struct metric_desc var = {name, help, METRIC_COUNTER, 0, NULL}
COUNTER0(hits_desc, "node_nfsd_reply_cache_hits_total",
         "Total number of NFSd Reply Cache hits (client lost server response).");
COUNTER0(misses_desc, "node_nfsd_reply_cache_misses_total",
         "Total number of NFSd Reply Cache an operation that requires caching (idempotent).");
COUNTER0(nocache_desc, "node_nfsd_reply_cache_nocache_total",
         "Total number of NFSd Reply Cache non-idempotent operations (rename/delete/…).");
COUNTER0(stale_desc, "node_nfsd_file_handles_stale_total", "Total number of NFSd stale file handles");
COUNTER0(read_desc, "node_nfsd_disk_bytes_read_total", "Total NFSd bytes read.");
COUNTER0(written_desc, "node_nfsd_disk_bytes_written_total", "Total NFSd bytes written.");
COUNTER0(not_found_desc, "node_nfsd_read_ahead_cache_not_found_total",
         "Total number of NFSd read ahead cache not found.");
COUNTER0(connections_desc, "node_nfsd_connections_total", "Total number of NFSd TCP connections.");
COUNTER0(rpcs_desc, "node_nfsd_server_rpcs_total", "Total number of NFSd RPCs.");
static const struct metric_desc threads_desc = {
        "node_nfsd_server_threads", "Total number of NFSd kernel threads that are running.", METRIC_GAUGE, 0, NULL};
static const struct metric_desc ra_size_desc = {"node_nfsd_read_ahead_cache_size_blocks",
                                                "How large the read ahead cache is in blocks.", METRIC_GAUGE, 0, NULL};
static const struct metric_desc packets_desc = {"node_nfsd_packets_total",
                                                "Total NFSd network packets (sent+received) by protocol type.",
                                                METRIC_COUNTER, 1, proto_label};
static const struct metric_desc errors_desc = {
        "node_nfsd_rpc_errors_total", "Total number of NFSd RPC errors by error type.", METRIC_COUNTER, 1, error_label};
static const struct metric_desc requests_desc = {"node_nfsd_requests_total",
                                                 "Total number NFSd Requests by method and protocol.", METRIC_COUNTER,
                                                 2, request_labels};
static const char *const packet_protos[] = {"udp", "tcp"};
/* the rpc line: calls, bad calls, then bad format, auth and client */
static const char *const rpc_errors[] = {"fmt", "auth", "cInt"};

static const struct counter_output nfsd_outputs[] = {
        {&hits_desc, LINE_RC, 0, 1, NULL, NULL},
        {&misses_desc, LINE_RC, 1, 1, NULL, NULL},
        {&nocache_desc, LINE_RC, 2, 1, NULL, NULL},
        {&stale_desc, LINE_FH, 0, 1, NULL, NULL},
        {&read_desc, LINE_IO, 0, 1, NULL, NULL},
        {&written_desc, LINE_IO, 1, 1, NULL, NULL},
        {&threads_desc, LINE_TH, 0, 1, NULL, NULL},
        {&ra_size_desc, LINE_RA, 0, 1, NULL, NULL},
        {&not_found_desc, LINE_RA, 11, 1, NULL, NULL},
        {&packets_desc, LINE_NET, 1, 2, packet_protos, NULL},
        {&connections_desc, LINE_NET, 3, 1, NULL, NULL},
        {&rpcs_desc, LINE_RPC, 0, 1, NULL, NULL},
        {&errors_desc, LINE_RPC, 2, 3, rpc_errors, NULL},
        /* node_exporter 1.5 leaves out the server's Null procedures */
        {&requests_desc, LINE_PROC2, 1, ELEMENTSOF(nfs_v2_names) - 1, nfs_v2_names + 1, "2"},
        {&requests_desc, LINE_PROC3, 1, ELEMENTSOF(nfs_v3_names) - 1, nfs_v3_names + 1, "3"},
        {&requests_desc, LINE_PROC4OPS, 0, ELEMENTSOF(nfsd_v4_names), nfsd_v4_names, "4"},
};

struct nfsd_state {
        const char *procfs;
        struct optional_file nfsd_file;
        struct buf file;
        struct counter_line lines[N_LINES];
};

static int nfsd_init(const struct collector_env *env, _unused_ const struct config_section *section,
                     _unused_ struct diag *diag, void **ret_state) {
        struct nfsd_state *s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        s->procfs = env->procfs;
        *ret_state = s;
        return 0;
}

static void nfsd_free(void *state) {
        struct nfsd_state *s = state;
        if (!s)
                return;
        optional_file_close(&s->nfsd_file);
        buf_free(&s->file);
        free(s);
}

static int nfsd_collect(void *state, struct collect_ctx *ctx) {
        struct nfsd_state *s = state;
        int r = optional_file_read(&s->nfsd_file, s->procfs, "net/rpc/nfsd", true, FILE_MAX_SMALL, &s->file);
        if (r < 0)
                return r;
        counter_lines_parse(&s->file, nfsd_lines, N_LINES, s->lines, &ctx->parse_errors);
        return counter_lines_emit(ctx->set, nfsd_outputs, ELEMENTSOF(nfsd_outputs), s->lines, NULL);
}

const struct collector nfsd_collector = {
        .name = "nfsd",
        .help = "NFS server reply cache, I/O, thread, RPC and per-operation counters, from /proc/net/rpc/nfsd",
        .default_enabled = true,
        .init = nfsd_init,
        .collect = nfsd_collect,
        .free = nfsd_free,
};
