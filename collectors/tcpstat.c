/* tcpstat (off by default, as in node_exporter 1.5): the TCP sockets of
 * this network namespace counted by state, and their receive and send
 * queues summed, as node_tcp_connection_states{state}. Read as 1.5 reads
 * them, through NETLINK_SOCK_DIAG (not /proc/net/tcp): IPv4's sockets, and
 * IPv6's where --path.procfs has net/tcp6.
 *
 * A dump walks every bucket of the kernel's TCP hash table, whichever
 * family it asks for: 262,144 buckets on a machine of 24 GiB, about a
 * millisecond each time. node_exporter asks once per family, so walks it
 * twice; vigie asks once with the older request (TCPDIAG_GETSOCK), whose
 * dump the kernel makes for both families in one walk (inet_diag's
 * compatibility path asks for AF_UNSPEC), and falls back to one request
 * per family where the kernel refuses it. */
#include <errno.h>
#include <linux/inet_diag.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "collector.h"
#include "netlink_dump.h"
#include "optional_file.h"

static const char *const state_labels[] = {"state"};
static const struct metric_desc states_desc = {"node_tcp_connection_states", "Number of connection states.",
                                               METRIC_GAUGE, 1, state_labels};

/* node_exporter 1.5's words: the kernel's TCP_* states from 1, then its
 * two queue totals, numbered after them */
enum { TCP_STATES = 12, RX_QUEUED = TCP_STATES, TX_QUEUED, N_SLOTS };
static const char *const slot_names[N_SLOTS] = {
        "unknown", "established", "syn_sent", "syn_recv", "fin_wait1", "fin_wait2",       "time_wait",
        "close",   "close_wait",  "last_ack", "listen",   "closing",   "rx_queued_bytes", "tx_queued_bytes",
};
/* the slots in the order of their names, as node_exporter sorts them */
static const unsigned char slot_order[N_SLOTS] = {
        7, 8, 11, 1, 4, 5, 9, 10, 12, 3, 2, 6, 13, 0,
};

struct tcpstat_state {
        const char *procfs;
        struct netlink_dump dump;
        uint64_t tcp6_missing_until_ns;
        bool one_walk_refused; /* the kernel answered TCPDIAG_GETSOCK with an error */
};

/* What one scrape has seen so far. */
struct tcpstat_counts {
        double v[N_SLOTS];
        bool seen[N_SLOTS];
        bool ipv4_only; /* leave out the IPv6 sockets a dump of both gives */
        unsigned *parse_errors;
};

static int tcpstat_init(const struct collector_env *env, _unused_ const struct config_section *section,
                        _unused_ struct diag *diag, void **ret_state) {
        struct tcpstat_state *s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        s->procfs = env->procfs;
        netlink_dump_init(&s->dump, NETLINK_SOCK_DIAG);
        *ret_state = s;
        return 0;
}

static void tcpstat_free(void *state) {
        struct tcpstat_state *s = state;
        if (!s)
                return;
        netlink_dump_free(&s->dump);
        free(s);
}

/* One socket: its state counted, its queues added, as node_exporter does
 * for every socket of the dump (a listener's are its accept backlog and
 * the backlog's limit, as the kernel reports them). */
static int tcpstat_socket(const struct nlmsghdr *h, void *ctx) {
        struct tcpstat_counts *c = ctx;
        if (h->nlmsg_type != SOCK_DIAG_BY_FAMILY && h->nlmsg_type != TCPDIAG_GETSOCK)
                return 0;
        if (h->nlmsg_len < NLMSG_LENGTH(sizeof(struct inet_diag_msg))) {
                (*c->parse_errors)++;
                return 0;
        }
        const struct inet_diag_msg *m = NLMSG_DATA(h);
        if (c->ipv4_only && m->idiag_family != AF_INET)
                return 0;
        /* 1.5 numbers its queue totals 12 and 13: a state past 11 counts there */
        unsigned slot = m->idiag_state < N_SLOTS ? m->idiag_state : 0;
        c->v[slot]++;
        c->seen[slot] = true;
        c->v[RX_QUEUED] += m->idiag_rqueue;
        c->v[TX_QUEUED] += m->idiag_wqueue;
        c->seen[RX_QUEUED] = c->seen[TX_QUEUED] = true;
        return 0;
}

/* One dump request of nlmsg type with its body (the v2 request or the
 * older one), each socket given to tcpstat_socket. */
static int tcpstat_ask(struct tcpstat_state *s, uint16_t type, const void *body, size_t len, struct tcpstat_counts *c) {
        struct {
                struct nlmsghdr h;
                union {
                        struct inet_diag_req_v2 v2;
                        struct inet_diag_req old;
                } body;
        } req = {.h = {.nlmsg_len = (uint32_t) NLMSG_LENGTH(len),
                       .nlmsg_type = type,
                       .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP}};
        memcpy(&req.body, body, len);
        return netlink_dump_run(&s->dump, &req.h, NLMSG_LENGTH(len), tcpstat_socket, c);
}

/* One family's sockets. States 0 to 11 as node_exporter 1.5 asks: no
 * request sockets (TCP_NEW_SYN_RECV), no bound-only ones. */
static int tcpstat_dump(struct tcpstat_state *s, uint8_t family, struct tcpstat_counts *c) {
        struct inet_diag_req_v2 r = {.sdiag_family = family, .sdiag_protocol = IPPROTO_TCP, .idiag_states = 0xfff};
        return tcpstat_ask(s, SOCK_DIAG_BY_FAMILY, &r, sizeof(r), c);
}

/* Both families in one walk of the hash table (see the top of the file);
 * the family is not read on this path, the states as above. */
static int tcpstat_dump_both(struct tcpstat_state *s, struct tcpstat_counts *c) {
        struct inet_diag_req r = {.idiag_family = AF_INET, .idiag_states = 0xfff};
        return tcpstat_ask(s, TCPDIAG_GETSOCK, &r, sizeof(r), c);
}

/* Whether IPv6 is on, as node_exporter 1.5 tells: procfs has net/tcp6. */
static bool tcpstat_has_ipv6(struct tcpstat_state *s) {
        if (optional_still_missing(&s->tcp6_missing_until_ns))
                return false;
        char path[4096];
        if (path_join(path, sizeof(path), s->procfs, "net/tcp6") < 0)
                return false;
        return optional_note(&s->tcp6_missing_until_ns, access(path, F_OK) < 0 ? -errno : 0) == 0;
}

static int tcpstat_collect(void *state, struct collect_ctx *ctx) {
        struct tcpstat_state *s = state;
        bool ipv6 = tcpstat_has_ipv6(s);
        struct tcpstat_counts c = {.ipv4_only = !ipv6, .parse_errors = &ctx->parse_errors};
        int r = s->one_walk_refused ? -EOPNOTSUPP : tcpstat_dump_both(s, &c);
        /* the kernel's answers to a request it does not take (before any
         * socket is counted): ask per family, from now on */
        if (r == -EINVAL || r == -EOPNOTSUPP || r == -ENOENT) {
                s->one_walk_refused = true;
                c = (struct tcpstat_counts){.parse_errors = &ctx->parse_errors};
                r = tcpstat_dump(s, AF_INET, &c);
                if (r >= 0 && ipv6)
                        r = tcpstat_dump(s, AF_INET6, &c);
        }
        if (r < 0)
                return r;
        (void) metric_set_family(ctx->set, &states_desc);
        for (size_t i = 0; i < N_SLOTS; i++) {
                unsigned k = slot_order[i];
                if (c.seen[k])
                        (void) metric_set_sample1(ctx->set, c.v[k], slot_names[k]);
        }
        return ctx->set->error;
}

const struct collector tcpstat_collector = {
        .name = "tcpstat",
        .help = "TCP sockets by state and their queued bytes, from a sock_diag netlink dump (off by default)",
        .default_enabled = false,
        .init = tcpstat_init,
        .collect = tcpstat_collect,
        .free = tcpstat_free,
};
