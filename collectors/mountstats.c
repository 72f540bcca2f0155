/* mountstats (off by default, as in node_exporter 1.5): the NFS client's
 * statistics of each NFS mount, from /proc/self/mountstats, as
 * node_mountstats_nfs_*{export,protocol,mountaddr}: its age, the bytes of
 * its "bytes:" line, the events of "events:", the RPC transport of
 * "xprt:" and each operation of its per-op statistics
 * (node_mountstats_nfs_operations_*{...,operation}, milliseconds made
 * seconds). mountaddr is the server address of the mount's "addr=" super
 * option in /proc/self/mountinfo, the entry at the same place, as
 * node_exporter takes it; two entries alike in the three labels give the
 * first one's series. An entry that does not read is left out and
 * counted, where node_exporter fails the collector. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "collector.h"
#include "optional_file.h"
#include "parse.h"

enum {
        AGE,
        BYTES,
        EVENTS = BYTES + 8,
        XPRT_BIND = EVENTS + 27,
        XPRT_CONNECT,
        XPRT_IDLE,
        XPRT_SENDS,
        XPRT_RECVS,
        XPRT_BAD_XIDS,
        XPRT_BACKLOG,
        XPRT_MAX_SLOTS,
        XPRT_SENDING,
        XPRT_PENDING,
        N_MOUNT_VALUES
};
#define N_OP_VALUES 8 /* the ninth, errors, is not exported */
#define OP_FIRST_MS 5 /* queue, response and request times */

static const char *const mount_labels[] = {"export", "protocol", "mountaddr"};
static const char *const op_labels[] = {"export", "protocol", "mountaddr", "operation"};

struct mountstats_family {
        struct metric_desc desc;
        unsigned value; /* in the mount's or the operation's values */
};

static const struct mountstats_family mount_families[] = {
        {{"node_mountstats_nfs_age_seconds_total", "The age of the NFS mount in seconds.", METRIC_COUNTER, 3,
          mount_labels},
         AGE},
        {{"node_mountstats_nfs_read_bytes_total", "Number of bytes read using the read() syscall.", METRIC_COUNTER, 3,
          mount_labels},
         BYTES + 0},
        {{"node_mountstats_nfs_write_bytes_total", "Number of bytes written using the write() syscall.", METRIC_COUNTER,
          3, mount_labels},
         BYTES + 1},
        {{"node_mountstats_nfs_direct_read_bytes_total",
          "Number of bytes read using the read() syscall in O_DIRECT mode.", METRIC_COUNTER, 3, mount_labels},
         BYTES + 2},
        {{"node_mountstats_nfs_direct_write_bytes_total",
          "Number of bytes written using the write() syscall in O_DIRECT mode.", METRIC_COUNTER, 3, mount_labels},
         BYTES + 3},
        {{"node_mountstats_nfs_total_read_bytes_total", "Number of bytes read from the NFS server, in total.",
          METRIC_COUNTER, 3, mount_labels},
         BYTES + 4},
        {{"node_mountstats_nfs_total_write_bytes_total", "Number of bytes written to the NFS server, in total.",
          METRIC_COUNTER, 3, mount_labels},
         BYTES + 5},
        {{"node_mountstats_nfs_read_pages_total", "Number of pages read directly via mmap()'d files.", METRIC_COUNTER,
          3, mount_labels},
         BYTES + 6},
        {{"node_mountstats_nfs_write_pages_total", "Number of pages written directly via mmap()'d files.",
          METRIC_COUNTER, 3, mount_labels},
         BYTES + 7},
        {{"node_mountstats_nfs_transport_bind_total",
          "Number of times the client has had to establish a connection from scratch to the NFS server.",
          METRIC_COUNTER, 3, mount_labels},
         XPRT_BIND},
        {{"node_mountstats_nfs_transport_connect_total",
          "Number of times the client has made a TCP connection to the NFS server.", METRIC_COUNTER, 3, mount_labels},
         XPRT_CONNECT},
        {{"node_mountstats_nfs_transport_idle_time_seconds",
          "Duration since the NFS mount last saw any RPC traffic, in seconds.", METRIC_GAUGE, 3, mount_labels},
         XPRT_IDLE},
        {{"node_mountstats_nfs_transport_sends_total", "Number of RPC requests for this mount sent to the NFS server.",
          METRIC_COUNTER, 3, mount_labels},
         XPRT_SENDS},
        {{"node_mountstats_nfs_transport_receives_total",
          "Number of RPC responses for this mount received from the NFS server.", METRIC_COUNTER, 3, mount_labels},
         XPRT_RECVS},
        {{"node_mountstats_nfs_transport_bad_transaction_ids_total",
          "Number of times the NFS server sent a response with a transaction ID unknown to this client.",
          METRIC_COUNTER, 3, mount_labels},
         XPRT_BAD_XIDS},
        {{"node_mountstats_nfs_transport_backlog_queue_total", "Total number of items added to the RPC backlog queue.",
          METRIC_COUNTER, 3, mount_labels},
         XPRT_BACKLOG},
        {{"node_mountstats_nfs_transport_maximum_rpc_slots",
          "Maximum number of simultaneously active RPC requests ever used.", METRIC_GAUGE, 3, mount_labels},
         XPRT_MAX_SLOTS},
        {{"node_mountstats_nfs_transport_sending_queue_total",
          "Total number of items added to the RPC transmission sending queue.", METRIC_COUNTER, 3, mount_labels},
         XPRT_SENDING},
        {{"node_mountstats_nfs_transport_pending_queue_total",
          "Total number of items added to the RPC transmission pending queue.", METRIC_COUNTER, 3, mount_labels},
         XPRT_PENDING},
        {{"node_mountstats_nfs_event_inode_revalidate_total",
          "Number of times cached inode attributes are re-validated from the server.", METRIC_COUNTER, 3, mount_labels},
         EVENTS + 0},
        {{"node_mountstats_nfs_event_dnode_revalidate_total",
          "Number of times cached dentry nodes are re-validated from the server.", METRIC_COUNTER, 3, mount_labels},
         EVENTS + 1},
        {{"node_mountstats_nfs_event_data_invalidate_total", "Number of times an inode cache is cleared.",
          METRIC_COUNTER, 3, mount_labels},
         EVENTS + 2},
        {{"node_mountstats_nfs_event_attribute_invalidate_total",
          "Number of times cached inode attributes are invalidated.", METRIC_COUNTER, 3, mount_labels},
         EVENTS + 3},
        {{"node_mountstats_nfs_event_vfs_open_total", "Number of times cached inode attributes are invalidated.",
          METRIC_COUNTER, 3, mount_labels},
         EVENTS + 4},
        {{"node_mountstats_nfs_event_vfs_lookup_total", "Number of times a directory lookup has occurred.",
          METRIC_COUNTER, 3, mount_labels},
         EVENTS + 5},
        {{"node_mountstats_nfs_event_vfs_access_total", "Number of times permissions have been checked.",
          METRIC_COUNTER, 3, mount_labels},
         EVENTS + 6},
        {{"node_mountstats_nfs_event_vfs_update_page_total", "Number of updates (and potential writes) to pages.",
          METRIC_COUNTER, 3, mount_labels},
         EVENTS + 7},
        {{"node_mountstats_nfs_event_vfs_read_page_total", "Number of pages read directly via mmap()'d files.",
          METRIC_COUNTER, 3, mount_labels},
         EVENTS + 8},
        {{"node_mountstats_nfs_event_vfs_read_pages_total", "Number of times a group of pages have been read.",
          METRIC_COUNTER, 3, mount_labels},
         EVENTS + 9},
        {{"node_mountstats_nfs_event_vfs_write_page_total", "Number of pages written directly via mmap()'d files.",
          METRIC_COUNTER, 3, mount_labels},
         EVENTS + 10},
        {{"node_mountstats_nfs_event_vfs_write_pages_total", "Number of times a group of pages have been written.",
          METRIC_COUNTER, 3, mount_labels},
         EVENTS + 11},
        {{"node_mountstats_nfs_event_vfs_getdents_total",
          "Number of times directory entries have been read with getdents().", METRIC_COUNTER, 3, mount_labels},
         EVENTS + 12},
        {{"node_mountstats_nfs_event_vfs_setattr_total",
          "Number of times directory entries have been read with getdents().", METRIC_COUNTER, 3, mount_labels},
         EVENTS + 13},
        {{"node_mountstats_nfs_event_vfs_flush_total",
          "Number of pending writes that have been forcefully flushed to the server.", METRIC_COUNTER, 3, mount_labels},
         EVENTS + 14},
        {{"node_mountstats_nfs_event_vfs_fsync_total",
          "Number of times fsync() has been called on directories and files.", METRIC_COUNTER, 3, mount_labels},
         EVENTS + 15},
        {{"node_mountstats_nfs_event_vfs_lock_total", "Number of times locking has been attempted on a file.",
          METRIC_COUNTER, 3, mount_labels},
         EVENTS + 16},
        {{"node_mountstats_nfs_event_vfs_file_release_total", "Number of times files have been closed and released.",
          METRIC_COUNTER, 3, mount_labels},
         EVENTS + 17},
        {{"node_mountstats_nfs_event_truncation_total", "Number of times files have been truncated.", METRIC_COUNTER, 3,
          mount_labels},
         EVENTS + 19},
        {{"node_mountstats_nfs_event_write_extension_total",
          "Number of times a file has been grown due to writes beyond its existing end.", METRIC_COUNTER, 3,
          mount_labels},
         EVENTS + 20},
        {{"node_mountstats_nfs_event_silly_rename_total",
          "Number of times a file was removed while still open by another process.", METRIC_COUNTER, 3, mount_labels},
         EVENTS + 21},
        {{"node_mountstats_nfs_event_short_read_total",
          "Number of times the NFS server gave less data than expected while reading.", METRIC_COUNTER, 3,
          mount_labels},
         EVENTS + 22},
        {{"node_mountstats_nfs_event_short_write_total",
          "Number of times the NFS server wrote less data than expected while writing.", METRIC_COUNTER, 3,
          mount_labels},
         EVENTS + 23},
        {{"node_mountstats_nfs_event_jukebox_delay_total",
          "Number of times the NFS server indicated EJUKEBOX; retrieving data from offline storage.", METRIC_COUNTER, 3,
          mount_labels},
         EVENTS + 24},
        {{"node_mountstats_nfs_event_pnfs_read_total", "Number of NFS v4.1+ pNFS reads.", METRIC_COUNTER, 3,
          mount_labels},
         EVENTS + 25},
        {{"node_mountstats_nfs_event_pnfs_write_total", "Number of NFS v4.1+ pNFS writes.", METRIC_COUNTER, 3,
          mount_labels},
         EVENTS + 26},
};
static const struct mountstats_family op_families[] = {
        {{"node_mountstats_nfs_operations_requests_total", "Number of requests performed for a given operation.",
          METRIC_COUNTER, 4, op_labels},
         0},
        {{"node_mountstats_nfs_operations_transmissions_total",
          "Number of times an actual RPC request has been transmitted for a given operation.", METRIC_COUNTER, 4,
          op_labels},
         1},
        {{"node_mountstats_nfs_operations_major_timeouts_total",
          "Number of times a request has had a major timeout for a given operation.", METRIC_COUNTER, 4, op_labels},
         2},
        {{"node_mountstats_nfs_operations_sent_bytes_total",
          "Number of bytes sent for a given operation, including RPC headers and payload.", METRIC_COUNTER, 4,
          op_labels},
         3},
        {{"node_mountstats_nfs_operations_received_bytes_total",
          "Number of bytes received for a given operation, including RPC headers and payload.", METRIC_COUNTER, 4,
          op_labels},
         4},
        {{"node_mountstats_nfs_operations_queue_time_seconds_total",
          "Duration all requests spent queued for transmission for a given operation before they were sent, in "
          "seconds.",
          METRIC_COUNTER, 4, op_labels},
         5},
        {{"node_mountstats_nfs_operations_response_time_seconds_total",
          "Duration all requests took to get a reply back after a request for a given operation was transmitted, in "
          "seconds.",
          METRIC_COUNTER, 4, op_labels},
         6},
        {{"node_mountstats_nfs_operations_request_time_seconds_total",
          "Duration all requests took from when a request was enqueued to when it was completely handled for a given "
          "operation, in seconds.",
          METRIC_COUNTER, 4, op_labels},
         7},
};

/* One NFS mount: its label values (NUL-terminated, one after the other,
 * in names) and values, and its operations. */
struct mountstats_mount {
        size_t labels, labels_len;
        uint64_t v[N_MOUNT_VALUES];
        size_t first_op, n_ops;
};

struct mountstats_op {
        size_t name; /* in names */
        uint64_t v[N_OP_VALUES];
};

struct mountstats_state {
        const char *procfs;
        struct optional_file stats_src, info_src;
        struct buf stats, info, names;
        struct field *addrs; /* each mountinfo entry's addr= value, n 0 for none */
        size_t n_addrs, cap_addrs;
        struct mountstats_mount *mounts;
        size_t n_mounts, cap_mounts;
        struct mountstats_op *ops;
        size_t n_ops, cap_ops;
};

static int mountstats_init(const struct collector_env *env, _unused_ const struct config_section *section,
                           _unused_ struct diag *diag, void **ret_state) {
        struct mountstats_state *s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        s->procfs = env->procfs;
        *ret_state = s;
        return 0;
}

static void mountstats_free(void *state) {
        struct mountstats_state *s = state;
        if (!s)
                return;
        optional_file_close(&s->stats_src);
        optional_file_close(&s->info_src);
        buf_free(&s->stats);
        buf_free(&s->info);
        buf_free(&s->names);
        free(s->addrs);
        free(s->mounts);
        free(s->ops);
        free(s);
}

/* The "addr=" super option of each mountinfo line, by line. */
static int mountstats_read_addrs(struct mountstats_state *s) {
        s->n_addrs = 0;
        struct lines lines = lines_of(&s->info, NULL);
        const char *line;
        size_t len;
        while (lines_next(&lines, &line, &len)) {
                if (array_reserve((void **) &s->addrs, &s->cap_addrs, s->n_addrs + 1, sizeof(*s->addrs)) < 0)
                        return -ENOMEM;
                struct field *a = &s->addrs[s->n_addrs++];
                *a = (struct field){line, 0};
                /* "... - nfs4 server:/export rw,vers=4.2,...,addr=192.168.1.10": the last field */
                const char *sep = memmem(line, len, " - ", 3);
                if (!sep)
                        continue;
                struct field f[4];
                const char *rest = sep + 3;
                if (split_fields(rest, len - (size_t) (rest - line), f, ELEMENTSOF(f)) != 3)
                        continue;
                for (const char *p = f[2].s, *end = f[2].s + f[2].n; p < end;) {
                        const char *comma = memchr(p, ',', (size_t) (end - p));
                        size_t n = comma ? (size_t) (comma - p) : (size_t) (end - p);
                        if (n >= 5 && memcmp(p, "addr=", 5) == 0 && !memchr(p, '\0', n))
                                *a = (struct field){p + 5, n - 5};
                        p += n + 1;
                }
        }
        return 0;
}

static bool mountstats_values(const struct field *f, int n, uint64_t *v) {
        for (int i = 0; i < n; i++)
                if (parse_u64_field(f[i], &v[i]) < 0)
                        return false;
        return true;
}

/* "xprt:\ttcp 832 ..." of stats version 1.0 or 1.1 (f from the protocol
 * on): as many numbers as the version and protocol have, exactly. */
static bool mountstats_xprt(const struct field *f, int n, bool v11, struct mountstats_mount *m, char protocol[8]) {
        uint64_t x[13];
        bool tcp = FIELD_EQ(f[0], "tcp"), udp = FIELD_EQ(f[0], "udp");
        int want = tcp ? (v11 ? 13 : 10) : udp ? (v11 ? 10 : 7) : -1;
        if (want < 0 || n - 1 != want || !mountstats_values(f + 1, want, x))
                return false;
        memcpy(protocol, f[0].s, 3);
        protocol[3] = '\0';
        /* tcp: port bind connect connect_time idle sends recvs bad_xids req_u backlog [max_slots sending pending];
         * udp: port bind sends recvs bad_xids req_u backlog [max_slots sending pending] */
        int o = tcp ? 3 : 0;
        m->v[XPRT_BIND] = x[1];
        m->v[XPRT_CONNECT] = tcp ? x[2] : 0;
        m->v[XPRT_IDLE] = tcp ? x[4] : 0;
        m->v[XPRT_SENDS] = x[2 + o];
        m->v[XPRT_RECVS] = x[3 + o];
        m->v[XPRT_BAD_XIDS] = x[4 + o];
        m->v[XPRT_BACKLOG] = x[6 + o];
        if (v11) {
                m->v[XPRT_MAX_SLOTS] = x[7 + o];
                m->v[XPRT_SENDING] = x[8 + o];
                m->v[XPRT_PENDING] = x[9 + o];
        }
        return true;
}

/* Whether m already has an operation called name. */
static bool mountstats_op_listed(const struct mountstats_state *s, const struct mountstats_mount *m,
                                 struct field name) {
        for (size_t o = m->first_op; o < m->first_op + m->n_ops; o++) {
                const char *other = s->names.data + s->ops[o].name;
                if (strlen(other) == name.n && memcmp(other, name.s, name.n) == 0)
                        return true;
        }
        return false;
}

static void mountstats_put_field(struct buf *b, struct field f) {
        buf_put(b, f.s, f.n);
        buf_putc(b, '\0');
}

/* The lines of one NFS mount's statistics after its device line, up to
 * the blank line that ends them: into m and s->ops; *ret_ok false if one
 * does not read (the rest of the block is passed all the same) or the
 * file ends first. */
static int mountstats_block(struct mountstats_state *s, struct lines *lines, bool v11, struct mountstats_mount *m,
                            char protocol[8], bool *ret_ok) {
        bool ok = true, per_op = false, ended = false;
        const char *line;
        size_t len;
        while (lines_next(lines, &line, &len)) {
                struct field f[32];
                int n = split_fields(line, len, f, ELEMENTSOF(f));
                if (n == -E2BIG)
                        n = ELEMENTSOF(f);
                if (n == 0) {
                        ended = true;
                        break;
                }
                if (per_op) {
                        /* "READ: 1298 1298 0 207680 1210292152 6 79386 79407 [0]" */
                        if (array_reserve((void **) &s->ops, &s->cap_ops, s->n_ops + 1, sizeof(*s->ops)) < 0)
                                return -ENOMEM;
                        struct mountstats_op *op = &s->ops[s->n_ops];
                        /* eight numbers, and a ninth (errors) since Linux 5.1 */
                        uint64_t errors;
                        if ((n != 1 + N_OP_VALUES && n != 2 + N_OP_VALUES) || f[0].n < 2 || f[0].s[f[0].n - 1] != ':' ||
                            !mountstats_values(f + 1, N_OP_VALUES, op->v) ||
                            (n == 2 + N_OP_VALUES && parse_u64_field(f[n - 1], &errors) < 0)) {
                                ok = false;
                                continue;
                        }
                        struct field name = {f[0].s, f[0].n - 1};
                        if (memchr(name.s, '\0', name.n) || mountstats_op_listed(s, m, name)) {
                                ok = false; /* two series alike */
                                continue;
                        }
                        op->name = s->names.len;
                        mountstats_put_field(&s->names, name);
                        if (s->names.error < 0)
                                return -ENOMEM;
                        s->n_ops++;
                        m->n_ops++;
                        continue;
                }
                if (FIELD_EQ(f[0], "age:"))
                        ok = ok && n == 2 && parse_u64_field(f[1], &m->v[AGE]) == 0;
                else if (FIELD_EQ(f[0], "bytes:"))
                        ok = ok && n >= 9 && mountstats_values(f + 1, 8, m->v + BYTES);
                else if (FIELD_EQ(f[0], "events:"))
                        ok = ok && n >= 28 && mountstats_values(f + 1, 27, m->v + EVENTS);
                else if (FIELD_EQ(f[0], "xprt:"))
                        ok = ok && n >= 2 && mountstats_xprt(f + 1, n - 1, v11, m, protocol);
                else if (FIELD_EQ(f[0], "per-op"))
                        per_op = true;
        }
        /* the kernel ends the block with a blank line: a file cut inside it */
        *ret_ok = ok && ended;
        return 0;
}

/* Whether an earlier mount has the same labels. */
static bool mountstats_seen(const struct mountstats_state *s, const struct mountstats_mount *m) {
        for (size_t i = 0; i < s->n_mounts; i++) {
                const struct mountstats_mount *o = &s->mounts[i];
                if (o->labels_len == m->labels_len &&
                    memcmp(s->names.data + o->labels, s->names.data + m->labels, m->labels_len) == 0)
                        return true;
        }
        return false;
}

static int mountstats_parse(struct mountstats_state *s, struct collect_ctx *ctx) {
        s->n_mounts = s->n_ops = 0;
        buf_reset(&s->names);
        struct lines lines = lines_of(&s->stats, &ctx->parse_errors);
        const char *line;
        size_t len;
        size_t index = 0; /* of the device line, as of the mountinfo line */
        while (lines_next(&lines, &line, &len)) {
                struct field f[10];
                int n = split_fields(line, len, f, ELEMENTSOF(f));
                if (n <= 0 || !FIELD_EQ(f[0], "device"))
                        continue;
                size_t at = index++;
                /* "device SRC mounted on DIR with fstype TYPE [statvers=1.1]" */
                if (n < 8 || !FIELD_EQ(f[2], "mounted") || !FIELD_EQ(f[3], "on") || !FIELD_EQ(f[5], "with") ||
                    !FIELD_EQ(f[6], "fstype")) {
                        ctx->parse_errors++;
                        continue;
                }
                if (n == 8)
                        continue; /* no statistics */
                bool nfs = FIELD_EQ(f[7], "nfs") || FIELD_EQ(f[7], "nfs4");
                bool v10 = FIELD_EQ(f[8], "statvers=1.0"), v11 = FIELD_EQ(f[8], "statvers=1.1");
                if (array_reserve((void **) &s->mounts, &s->cap_mounts, s->n_mounts + 1, sizeof(*s->mounts)) < 0)
                        return -ENOMEM;
                struct mountstats_mount *m = &s->mounts[s->n_mounts];
                *m = (struct mountstats_mount){.first_op = s->n_ops};
                char protocol[8] = "";
                bool ok = false;
                int r = mountstats_block(s, &lines, v11, m, protocol, &ok);
                if (r < 0)
                        return r;
                if (n != 9 || !nfs || !(v10 || v11) || !ok || memchr(f[1].s, '\0', f[1].n)) {
                        ctx->parse_errors++;
                        s->n_ops = m->first_op;
                        continue;
                }
                m->labels = s->names.len;
                mountstats_put_field(&s->names, f[1]);
                mountstats_put_field(&s->names, (struct field){protocol, strlen(protocol)});
                mountstats_put_field(&s->names, at < s->n_addrs ? s->addrs[at] : (struct field){"", 0});
                m->labels_len = s->names.len - m->labels;
                if (s->names.error < 0)
                        return -ENOMEM;
                if (mountstats_seen(s, m)) {
                        s->n_ops = m->first_op;
                        continue;
                }
                s->n_mounts++;
        }
        return 0;
}

static void mountstats_emit(const struct mountstats_state *s, struct collect_ctx *ctx) {
        for (size_t k = 0; k < ELEMENTSOF(mount_families); k++) {
                (void) metric_set_family(ctx->set, &mount_families[k].desc);
                for (size_t i = 0; i < s->n_mounts; i++) {
                        const struct mountstats_mount *m = &s->mounts[i];
                        const char *export = s->names.data + m->labels;
                        const char *protocol = export + strlen(export) + 1;
                        const char *values[] = {export, protocol, protocol + strlen(protocol) + 1};
                        (void) metric_set_sample(ctx->set, (double) m->v[mount_families[k].value], values);
                }
        }
        for (size_t k = 0; k < ELEMENTSOF(op_families); k++) {
                (void) metric_set_family(ctx->set, &op_families[k].desc);
                unsigned v = op_families[k].value;
                for (size_t i = 0; i < s->n_mounts; i++) {
                        const struct mountstats_mount *m = &s->mounts[i];
                        const char *export = s->names.data + m->labels;
                        const char *protocol = export + strlen(export) + 1;
                        const char *values[] = {export, protocol, protocol + strlen(protocol) + 1, NULL};
                        for (size_t o = m->first_op; o < m->first_op + m->n_ops; o++) {
                                values[3] = s->names.data + s->ops[o].name;
                                double x = (double) s->ops[o].v[v];
                                (void) metric_set_sample(ctx->set, v >= OP_FIRST_MS ? x / 1000 : x, values);
                        }
                }
        }
}

static int mountstats_collect(void *state, struct collect_ctx *ctx) {
        struct mountstats_state *s = state;
        int r = optional_file_read(&s->stats_src, s->procfs, "self/mountstats", false, FILE_MAX_TABLE, &s->stats);
        if (r < 0)
                return r;
        /* node_exporter fails without it: mountaddr would be wrong */
        r = optional_file_read(&s->info_src, s->procfs, "self/mountinfo", false, FILE_MAX_TABLE, &s->info);
        if (r < 0)
                return r;
        r = mountstats_read_addrs(s);
        if (r < 0)
                return r;
        r = mountstats_parse(s, ctx);
        if (r < 0)
                return r;
        if (s->n_mounts > 0)
                mountstats_emit(s, ctx);
        return ctx->set->error;
}

const struct collector mountstats_collector = {
        .name = "mountstats",
        .help = "NFS client statistics of each NFS mount, from /proc/self/mountstats (off by default)",
        .default_enabled = false,
        .init = mountstats_init,
        .collect = mountstats_collect,
        .free = mountstats_free,
};
