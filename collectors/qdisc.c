/* qdisc (off by default, as in node_exporter 1.5): each interface's root
 * queueing discipline and its counters, node_qdisc_*{device,kind}, from
 * one rtnetlink dump (RTM_GETQDISC) of this network namespace, for the
 * interfaces [collector.qdisc] device_include and device_exclude let
 * through (node_exporter 1.5 spells those flags --collector.qdisk.*). The
 * interfaces' names come from the scrape's link dump (netlink_links.h). */
#include <errno.h>
#include <linux/gen_stats.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "array.h"
#include "collector.h"
#include "filter.h"
#include "netlink_dump.h"
#include "netlink_links.h"
#include "sort.h"

static const struct collector_option qdisc_options[] = {
        {"device_include", "", "the interfaces whose root qdisc is reported (a pattern); empty: all"},
        {"device_exclude", "", "the interfaces left out (a pattern)"},
        {NULL, NULL, NULL},
};

enum { BYTES, PACKETS, DROPS, REQUEUES, OVERLIMITS, QLEN, BACKLOG, N_QDISC_VALUES };

static const char *const qdisc_labels[] = {"device", "kind"};
#define QDISC_DESC(name, help, type)                                                                                   \
        { "node_qdisc_" name, help, type, 2, qdisc_labels }
static const struct metric_desc qdisc_descs[N_QDISC_VALUES] = {
        [BYTES] = QDISC_DESC("bytes_total", "Number of bytes sent.", METRIC_COUNTER),
        [PACKETS] = QDISC_DESC("packets_total", "Number of packets sent.", METRIC_COUNTER),
        [DROPS] = QDISC_DESC("drops_total", "Number of packets dropped.", METRIC_COUNTER),
        [REQUEUES] = QDISC_DESC("requeues_total", "Number of packets dequeued, not transmitted, and requeued.",
                                METRIC_COUNTER),
        [OVERLIMITS] = QDISC_DESC("overlimits_total", "Number of overlimit packets.", METRIC_COUNTER),
        [QLEN] = QDISC_DESC("current_queue_length", "Number of packets currently in queue to be sent.", METRIC_GAUGE),
        [BACKLOG] = QDISC_DESC("backlog", "Number of bytes currently in queue to be sent.", METRIC_GAUGE),
};

/* One root qdisc of the dump. */
struct qdisc_row {
        uint32_t ifindex;
        char device[IFNAMSIZ], kind[IFNAMSIZ];
        uint64_t v[N_QDISC_VALUES];
};

struct qdisc_state {
        struct filter filter;
        struct netlink_dump dump;
        struct qdisc_row *rows;
        size_t n_rows, cap_rows;
        unsigned bad; /* messages of this dump that did not read */
};

static int qdisc_init(_unused_ const struct collector_env *env, const struct config_section *section, struct diag *diag,
                      void **ret_state) {
        struct qdisc_state *s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        int r = filter_from_config(&s->filter, section, "device_include", NULL, "device_exclude", NULL, diag);
        if (r < 0) {
                free(s);
                return r;
        }
        netlink_dump_init(&s->dump, NETLINK_ROUTE);
        *ret_state = s;
        return 0;
}

static void qdisc_free(void *state) {
        struct qdisc_state *s = state;
        if (!s)
                return;
        filter_free(&s->filter);
        netlink_dump_free(&s->dump);
        free(s->rows);
        free(s);
}

static uint32_t qdisc_u32(const unsigned char *p) {
        uint32_t v;
        memcpy(&v, p, sizeof(v));
        return v;
}

static uint64_t qdisc_u64(const unsigned char *p) {
        uint64_t v;
        memcpy(&v, p, sizeof(v));
        return v;
}

/* TCA_STATS2's nested attributes into row: false if one is cut short.
 * The packets are the 32 bits of TCA_STATS_BASIC, as node_exporter 1.5
 * reads them (TCA_STATS_PKT64, past them, is not read). The legacy
 * TCA_STATS, which every kernel sends beside it, is not read either. */
static bool qdisc_stats2(const struct rtattr *nest, struct qdisc_row *row) {
        int len = (int) RTA_PAYLOAD(nest);
        for (const struct rtattr *a = RTA_DATA(nest); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
                const unsigned char *p = RTA_DATA(a);
                size_t n = RTA_PAYLOAD(a);
                switch (a->rta_type) {
                case TCA_STATS_BASIC: /* struct gnet_stats_basic: u64 bytes, u32 packets */
                        if (n < 12)
                                return false;
                        row->v[BYTES] = qdisc_u64(p);
                        row->v[PACKETS] = qdisc_u32(p + 8);
                        break;
                case TCA_STATS_QUEUE: /* struct gnet_stats_queue */
                        if (n < sizeof(struct gnet_stats_queue))
                                return false;
                        row->v[QLEN] = qdisc_u32(p + offsetof(struct gnet_stats_queue, qlen));
                        row->v[BACKLOG] = qdisc_u32(p + offsetof(struct gnet_stats_queue, backlog));
                        row->v[DROPS] = qdisc_u32(p + offsetof(struct gnet_stats_queue, drops));
                        row->v[REQUEUES] = qdisc_u32(p + offsetof(struct gnet_stats_queue, requeues));
                        row->v[OVERLIMITS] = qdisc_u32(p + offsetof(struct gnet_stats_queue, overlimits));
                        break;
                default: break;
                }
        }
        return true;
}

/* One RTM_NEWQDISC: a row if it is an interface's root qdisc (as
 * node_exporter, which leaves out the classes' qdiscs and ingress);
 * one that does not read is counted and left out. */
static int qdisc_msg(const struct nlmsghdr *h, void *state) {
        struct qdisc_state *s = state;
        if (h->nlmsg_type != RTM_NEWQDISC)
                return 0;
        if (h->nlmsg_len < NLMSG_LENGTH(sizeof(struct tcmsg))) {
                s->bad++;
                return 0;
        }
        const struct tcmsg *t = NLMSG_DATA(h);
        if (t->tcm_parent != TC_H_ROOT && t->tcm_parent != 0)
                return 0;
        if (array_reserve((void **) &s->rows, &s->cap_rows, s->n_rows + 1, sizeof(*s->rows)) < 0)
                return -ENOMEM;
        struct qdisc_row *row = &s->rows[s->n_rows];
        *row = (struct qdisc_row){.ifindex = (uint32_t) t->tcm_ifindex};
        int len = (int) (h->nlmsg_len - NLMSG_LENGTH(sizeof(*t)));
        bool ok = true;
        for (const struct rtattr *a = TCA_RTA(t); ok && RTA_OK(a, len); a = RTA_NEXT(a, len)) {
                size_t n = RTA_PAYLOAD(a);
                switch (a->rta_type) {
                case TCA_KIND:
                        n = strnlen(RTA_DATA(a), n);
                        ok = n > 0 && n < sizeof(row->kind);
                        if (ok)
                                memcpy(row->kind, RTA_DATA(a), n);
                        break;
                case TCA_STATS2: ok = qdisc_stats2(a, row); break;
                default: break;
                }
        }
        if (!ok || row->kind[0] == '\0') {
                s->bad++;
                return 0;
        }
        s->n_rows++;
        return 0;
}

static int qdisc_row_cmp(const void *a, const void *b, _unused_ void *ctx) {
        return strcmp(((const struct qdisc_row *) a)->device, ((const struct qdisc_row *) b)->device);
}

static int qdisc_collect(void *state, struct collect_ctx *ctx) {
        struct qdisc_state *s = state;
        const struct netlink_links *links;
        int r = shared_links_dump(ctx->cache, &links);
        if (r < 0)
                return r;
        struct {
                struct nlmsghdr h;
                struct tcmsg t;
        } req = {
                .h = {.nlmsg_len = sizeof(req), .nlmsg_type = RTM_GETQDISC, .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP},
                .t = {.tcm_family = AF_UNSPEC},
        };
        s->n_rows = 0;
        s->bad = 0;
        r = netlink_dump_run(&s->dump, &req.h, sizeof(req), qdisc_msg, s);
        if (r < 0)
                return r;
        ctx->parse_errors += s->bad;

        /* named, filtered, in the order of the names */
        size_t out = 0;
        for (size_t i = 0; i < s->n_rows; i++) {
                const struct netlink_link *link = NULL;
                for (size_t k = 0; k < links->n && !link; k++)
                        if (links->links[k].ifindex == s->rows[i].ifindex)
                                link = &links->links[k];
                /* an interface gone between the two dumps */
                if (!link || !filter_pass(&s->filter, link->name))
                        continue;
                s->rows[out] = s->rows[i];
                memcpy(s->rows[out].device, link->name, sizeof(link->name));
                out++;
        }
        s->n_rows = out;
        sort_r(s->rows, s->n_rows, sizeof(*s->rows), qdisc_row_cmp, NULL);
        for (size_t k = 0; k < N_QDISC_VALUES && s->n_rows > 0; k++) {
                (void) metric_set_family(ctx->set, &qdisc_descs[k]);
                for (size_t i = 0; i < s->n_rows; i++)
                        (void) metric_set_sample2(ctx->set, (double) s->rows[i].v[k], s->rows[i].device,
                                                  s->rows[i].kind);
        }
        return ctx->set->error;
}

const struct collector qdisc_collector = {
        .name = "qdisc",
        .help = "Each interface's root queueing discipline and its counters, over rtnetlink (off by default)",
        .default_enabled = false,
        .options = qdisc_options,
        .init = qdisc_init,
        .collect = qdisc_collect,
        .free = qdisc_free,
};
