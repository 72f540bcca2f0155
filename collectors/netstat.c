/* netstat: the kernel's protocol counters as node_netstat_<Protocol>_<Name>,
 * untyped, as node_exporter 1.5, for the names matching [collector.netstat]
 * fields (node_exporter's --collector.netstat.fields). /proc/net/netstat
 * (TcpExt, IpExt...) and /proc/net/snmp (Ip, Tcp, Udp...) hold pairs of
 * lines, the names of a protocol's counters and then their values;
 * /proc/net/snmp6, which a kernel without IPv6 lacks, holds one counter a
 * line, its protocol ending at the name's first 6 (Icmp6InMsgs). Values
 * are signed: Tcp MaxConn is -1 where the kernel sets no limit. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "collector.h"
#include "desc_cache.h"
#include "filter.h"
#include "optional_file.h"
#include "parse.h"

#define NETSTAT_DEFAULT_FIELDS                                                                                         \
        "^(.*_(InErrors|InErrs)|Ip_Forwarding|Ip(6|Ext)_(InOctets|OutOctets)|Icmp6?_(InMsgs|OutMsgs)|"                 \
        "TcpExt_(Listen.*|Syncookies.*|TCPSynRetrans|TCPTimeouts)|"                                                    \
        "Tcp_(ActiveOpens|InSegs|OutSegs|OutRsts|PassiveOpens|RetransSegs|CurrEstab)|"                                 \
        "Udp6?_(InDatagrams|OutDatagrams|NoPorts|RcvbufErrors|SndbufErrors))$"
#define MAX_COLUMNS 512 /* counters a protocol line holds; TcpExt has some 130 */
#define NAME_MAX_LEN 64 /* of a protocol or counter name */

static const struct collector_option netstat_options[] = {
        {"fields", NETSTAT_DEFAULT_FIELDS,
         "the /proc/net/{netstat,snmp,snmp6} counters exported as node_netstat_<Protocol>_<Name>, matched against "
         "\"<Protocol>_<Name>\""},
        {NULL, NULL, NULL},
};

/* The k-th pair of lines of the last scrape: the kernel prints the same
 * names every time, so a scrape compares the names line with this one
 * and reuses the families, formatting no name. */
struct netstat_pair {
        struct buf header;                /* the names line as read; empty when not yet known */
        size_t proto_n;                   /* of the protocol and its ':', at the start of header */
        size_t n;                         /* counters, after the protocol */
        bool bad;                         /* a name listed twice: skipped and counted at every scrape */
        const struct metric_desc **descs; /* per counter; NULL when filtered out */
        size_t cap_descs;
};

/* The k-th line of snmp6, as vmstat's lines. */
struct netstat_line6 {
        char name[NAME_MAX_LEN];
        size_t name_len; /* 0 when not yet known */
        const struct metric_desc *desc;
};

struct netstat_state {
        const char *procfs;
        struct filter fields;
        struct kernel_file netstat_file, snmp_file;
        struct optional_file snmp6_file;
        struct buf file;
        struct desc_cache descs;
        struct netstat_pair *pairs;
        size_t cap_pairs;
        struct netstat_line6 *lines6;
        size_t cap_lines6;
        struct field names[MAX_COLUMNS + 1], values[MAX_COLUMNS + 1];
};

static int netstat_init(const struct collector_env *env, const struct config_section *section, struct diag *diag,
                        void **ret_state) {
        struct netstat_state *s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        int r = filter_from_config(&s->fields, section, "fields", NETSTAT_DEFAULT_FIELDS, NULL, NULL, diag);
        if (r < 0) {
                free(s);
                return r;
        }
        s->procfs = env->procfs;
        *ret_state = s;
        return 0;
}

static void netstat_free(void *state) {
        struct netstat_state *s = state;
        if (!s)
                return;
        filter_free(&s->fields);
        kernel_file_close(&s->netstat_file);
        kernel_file_close(&s->snmp_file);
        optional_file_close(&s->snmp6_file);
        buf_free(&s->file);
        desc_cache_free(&s->descs);
        for (size_t i = 0; i < s->cap_pairs; i++) {
                buf_free(&s->pairs[i].header);
                free(s->pairs[i].descs);
        }
        free(s->pairs);
        free(s->lines6);
        free(s);
}

/* A counter's value: decimal, a minus sign allowed (Tcp MaxConn -1). */
static int netstat_value(struct field f, double *ret) {
        size_t neg = f.n > 0 && f.s[0] == '-';
        uint64_t v;
        if (parse_u64(f.s + neg, f.n - neg, &v) < 0 || (neg && v > (uint64_t) INT64_MAX + 1))
                return -EINVAL;
        *ret = neg ? -(double) v : (double) v;
        return 0;
}

/* Letters and digits only: with no '_' in a protocol, <Protocol>_<Name>
 * names one counter of one protocol. */
static bool netstat_protocol_valid(const char *s, size_t n) {
        if (n == 0 || n >= NAME_MAX_LEN)
                return false;
        for (size_t i = 0; i < n; i++)
                if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9')))
                        return false;
        return true;
}

/* The family of protocol's counter name, or NULL in *ret when the filter
 * leaves it out; -EINVAL when they make no metric name. */
static int netstat_desc(struct netstat_state *s, struct field protocol, struct field name,
                        const struct metric_desc **ret) {
        char key[2 * NAME_MAX_LEN + 2], metric[sizeof(key) + 16], help[sizeof(key) + 16];
        if (name.n == 0 || name.n >= NAME_MAX_LEN)
                return -EINVAL;
        (void) snprintf(key, sizeof(key), "%.*s_%.*s", (int) protocol.n, protocol.s, (int) name.n, name.s);
        (void) snprintf(metric, sizeof(metric), "node_netstat_%s", key);
        if (!metric_name_valid(metric))
                return -EINVAL;
        *ret = NULL;
        if (!filter_pass(&s->fields, key))
                return 0;
        (void) snprintf(help, sizeof(help), "Statistic %.*s%.*s.", (int) protocol.n, protocol.s, (int) name.n, name.s);
        return (*ret = desc_cache_get(&s->descs, metric, help, METRIC_UNTYPED, 0, NULL)) ? 0 : -ENOMEM;
}

/* The families of a pair whose names line is new: names[0] is "Proto:". */
static int netstat_pair_build(struct netstat_state *s, struct netstat_pair *p, const char *line, size_t len,
                              size_t n_names) {
        buf_reset(&p->header);
        p->n = 0;
        p->bad = false;
        if (array_reserve((void **) &p->descs, &p->cap_descs, n_names, sizeof(*p->descs)) < 0)
                return -ENOMEM;
        struct field protocol = {s->names[0].s, s->names[0].n - 1};
        for (size_t i = 1; i < n_names; i++) {
                for (size_t j = 1; j < i && !p->bad; j++)
                        p->bad = s->names[j].n == s->names[i].n &&
                                 memcmp(s->names[j].s, s->names[i].s, s->names[i].n) == 0;
                int r = netstat_desc(s, protocol, s->names[i], &p->descs[i - 1]);
                if (r < 0)
                        return r;
        }
        p->n = n_names - 1;
        p->proto_n = s->names[0].n;
        buf_put(&p->header, line, len);
        return p->header.error;
}

/* The pairs of netstat or snmp; *k counts the pairs of both files. */
static int netstat_parse_pairs(struct netstat_state *s, struct collect_ctx *ctx, size_t *k) {
        struct lines lines = lines_of(&s->file, &ctx->parse_errors);
        const char *line, *vline;
        size_t len, vlen;
        while (lines_next(&lines, &line, &len)) {
                if (len == 0)
                        continue;
                /* "Tcp: RtoAlgorithm RtoMin ..." then "Tcp: 1 200 ..." */
                bool have_values = lines_next(&lines, &vline, &vlen);
                if (array_reserve((void **) &s->pairs, &s->cap_pairs, *k + 1, sizeof(*s->pairs)) < 0)
                        return -ENOMEM;
                struct netstat_pair *p = &s->pairs[*k];
                /* the names line splits only when it differs from the last scrape's */
                if (p->header.len != len || memcmp(p->header.data, line, len) != 0) {
                        int nn = split_fields(line, len, s->names, MAX_COLUMNS + 1);
                        struct field proto = s->names[0];
                        int r = nn < 2 || proto.s[proto.n - 1] != ':' || !netstat_protocol_valid(proto.s, proto.n - 1)
                                        ? -EINVAL
                                        : netstat_pair_build(s, p, line, len, (size_t) nn);
                        if (r == -ENOMEM)
                                return r;
                        if (r < 0) {
                                buf_reset(&p->header);
                                ctx->parse_errors++;
                                continue;
                        }
                }
                size_t proto_n = p->proto_n; /* with its ':' */
                int nv = have_values ? split_fields(vline, vlen, s->values, MAX_COLUMNS + 1) : -1;
                if (nv < 0 || (size_t) nv != p->n + 1 || s->values[0].n != proto_n ||
                    memcmp(s->values[0].s, line, proto_n) != 0) {
                        ctx->parse_errors++;
                        continue;
                }
                /* a protocol listed twice (in either file) would be duplicate series */
                bool seen = false;
                for (size_t j = 0; j < *k && !seen; j++)
                        seen = s->pairs[j].proto_n == proto_n && memcmp(s->pairs[j].header.data, line, proto_n) == 0;
                (*k)++;
                double v[MAX_COLUMNS];
                bool ok = !p->bad && !seen;
                for (size_t i = 0; i < p->n && ok; i++)
                        ok = !p->descs[i] || netstat_value(s->values[i + 1], &v[i]) == 0;
                if (!ok) {
                        ctx->parse_errors++;
                        continue;
                }
                for (size_t i = 0; i < p->n; i++)
                        if (p->descs[i]) {
                                (void) metric_set_family(ctx->set, p->descs[i]);
                                (void) metric_set_sample0(ctx->set, v[i]);
                        }
        }
        return 0;
}

/* snmp6: "Ip6InReceives    \t1724972". */
static int netstat_parse_snmp6(struct netstat_state *s, struct collect_ctx *ctx, struct metric_mark first) {
        struct lines lines = lines_of(&s->file, &ctx->parse_errors);
        const char *line;
        size_t len, k = 0;
        while (lines_next(&lines, &line, &len)) {
                struct field f[2];
                int n = split_fields(line, len, f, 2);
                if (n == 0)
                        continue;
                const char *six = n == 2 ? memchr(f[0].s, '6', f[0].n) : NULL;
                if (!six || f[0].n >= NAME_MAX_LEN) {
                        ctx->parse_errors++;
                        continue;
                }
                if (array_reserve((void **) &s->lines6, &s->cap_lines6, k + 1, sizeof(*s->lines6)) < 0)
                        return -ENOMEM;
                struct netstat_line6 *l = &s->lines6[k];
                if (l->name_len != f[0].n || memcmp(l->name, f[0].s, f[0].n) != 0) {
                        l->name_len = 0;
                        struct field protocol = {f[0].s, (size_t) (six + 1 - f[0].s)};
                        struct field name = {six + 1, f[0].n - protocol.n};
                        int r = netstat_protocol_valid(protocol.s, protocol.n)
                                        ? netstat_desc(s, protocol, name, &l->desc)
                                        : -EINVAL;
                        if (r == -ENOMEM)
                                return r;
                        if (r < 0) {
                                ctx->parse_errors++;
                                continue;
                        }
                        memcpy(l->name, f[0].s, f[0].n);
                        l->name_len = f[0].n;
                }
                k++;
                if (!l->desc)
                        continue;
                double v;
                if (metric_set_has_family_since(ctx->set, first, l->desc) || netstat_value(f[1], &v) < 0) {
                        ctx->parse_errors++;
                        continue;
                }
                (void) metric_set_family(ctx->set, l->desc);
                (void) metric_set_sample0(ctx->set, v);
        }
        return 0;
}

static int netstat_collect(void *state, struct collect_ctx *ctx) {
        struct netstat_state *s = state;
        struct metric_mark first = metric_set_mark(ctx->set);
        struct kernel_file *files[] = {&s->netstat_file, &s->snmp_file};
        static const char *const rels[] = {"net/netstat", "net/snmp"};
        size_t k = 0;
        for (size_t i = 0; i < ELEMENTSOF(rels); i++) {
                /* both made in one piece (single_open) */
                int r = kernel_file_read_one_piece(files[i], s->procfs, rels[i], FILE_MAX_SMALL, &s->file);
                if (r < 0 || (r = netstat_parse_pairs(s, ctx, &k)) < 0)
                        return r;
        }
        int r = optional_file_read(&s->snmp6_file, s->procfs, "net/snmp6", true, FILE_MAX_SMALL, &s->file);
        if (r == 0)
                r = netstat_parse_snmp6(s, ctx, first);
        if (r < 0 && r != -ENOENT)
                return r;
        return ctx->set->error;
}

const struct collector netstat_collector = {
        .name = "netstat",
        .help = "Protocol counters (IP, ICMP, TCP, UDP), from /proc/net/netstat, snmp and snmp6",
        .default_enabled = true,
        .options = netstat_options,
        .init = netstat_init,
        .collect = netstat_collect,
        .free = netstat_free,
};
