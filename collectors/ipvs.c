/* ipvs: the IP Virtual Server's totals and its backends, from
 * /proc/net/ip_vs_stats and /proc/net/ip_vs, as node_exporter 1.5:
 * connections, packets and bytes in and out since the module loaded, and
 * each backend's active and inactive connections and weight, summed over
 * the backends that share the labels [collector.ipvs] backend_labels
 * keeps. No ip_vs module, no files. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "collector.h"
#include "ip_text.h"
#include "optional_file.h"
#include "parse_hex.h"
#include "sort.h"

enum ipvs_label { LOCAL_ADDRESS, LOCAL_PORT, REMOTE_ADDRESS, REMOTE_PORT, PROTO, LOCAL_MARK, N_IPVS_LABELS };
/* in node_exporter's order, which backend_labels keeps whatever its own */
static const char *const ipvs_label_names[N_IPVS_LABELS] = {"local_address", "local_port", "remote_address",
                                                            "remote_port",   "proto",      "local_mark"};
#define IPVS_ALL_LABELS "local_address,local_port,remote_address,remote_port,proto,local_mark"

static const struct collector_option ipvs_options[] = {
        {"backend_labels", IPVS_ALL_LABELS,
         "the labels of the backend series, comma-separated; backends alike in them are summed"},
        {NULL, NULL, NULL},
};

#define IPVS_TOTAL(field, text)                                                                                        \
        { "node_ipvs_" field, text, METRIC_COUNTER, 0, NULL }
static const struct metric_desc total_descs[] = {
        IPVS_TOTAL("connections_total", "The total number of connections made."),
        IPVS_TOTAL("incoming_packets_total", "The total number of incoming packets."),
        IPVS_TOTAL("outgoing_packets_total", "The total number of outgoing packets."),
        IPVS_TOTAL("incoming_bytes_total", "The total amount of incoming data."),
        IPVS_TOTAL("outgoing_bytes_total", "The total amount of outgoing data."),
};
#define N_TOTALS ELEMENTSOF(total_descs)

enum { ACTIVE, INACTIVE, WEIGHT, N_BACKEND_VALUES };

/* one backend, or backends alike in the labels kept: their label values
 * (NUL-terminated, one after the other) and sums */
struct ipvs_row {
        size_t key, key_len; /* in keys */
        uint64_t v[N_BACKEND_VALUES];
};

struct ipvs_state {
        const char *procfs;
        struct optional_file stats_file, backends_file;
        struct buf file, keys;
        enum ipvs_label kept[N_IPVS_LABELS];
        const char *kept_names[N_IPVS_LABELS];
        struct metric_desc backend_descs[N_BACKEND_VALUES];
        struct ipvs_row *rows;
        size_t n_rows, cap_rows;
};

static int ipvs_init(const struct collector_env *env, const struct config_section *section, struct diag *diag,
                     void **ret_state) {
        const char *spec = config_section_string(section, "backend_labels", IPVS_ALL_LABELS);
        bool want[N_IPVS_LABELS] = {false};
        /* as node_exporter: empty items ignored, repeats one, unknown ones refused */
        for (const char *p = spec; *p;) {
                size_t n = strcspn(p, ",");
                size_t k = 0;
                while (k < N_IPVS_LABELS &&
                       (strlen(ipvs_label_names[k]) != n || memcmp(ipvs_label_names[k], p, n) != 0))
                        k++;
                if (n > 0 && k == N_IPVS_LABELS)
                        return config_entry_error(section, config_section_get(section, "backend_labels"), diag,
                                                  "unknown IPVS backend label '%.*s'", (int) n, p);
                if (n > 0)
                        want[k] = true;
                p += n + (p[n] == ',');
        }
        struct ipvs_state *s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        s->procfs = env->procfs;
        unsigned n_kept = 0;
        for (size_t k = 0; k < N_IPVS_LABELS; k++)
                if (want[k]) {
                        s->kept[n_kept] = (enum ipvs_label) k;
                        s->kept_names[n_kept++] = ipvs_label_names[k];
                }
        s->backend_descs[ACTIVE] = (struct metric_desc){"node_ipvs_backend_connections_active",
                                                        "The current active connections by local and remote address.",
                                                        METRIC_GAUGE, n_kept, s->kept_names};
        s->backend_descs[INACTIVE] = (struct metric_desc){
                "node_ipvs_backend_connections_inactive",
                "The current inactive connections by local and remote address.", METRIC_GAUGE, n_kept, s->kept_names};
        s->backend_descs[WEIGHT] = (struct metric_desc){"node_ipvs_backend_weight",
                                                        "The current backend weight by local and remote address.",
                                                        METRIC_GAUGE, n_kept, s->kept_names};
        *ret_state = s;
        return 0;
}

static void ipvs_free(void *state) {
        struct ipvs_state *s = state;
        if (!s)
                return;
        optional_file_close(&s->stats_file);
        optional_file_close(&s->backends_file);
        buf_free(&s->file);
        buf_free(&s->keys);
        free(s->rows);
        free(s);
}

/* The third line of ip_vs_stats: five hex totals. */
static int ipvs_read_totals(struct ipvs_state *s, struct collect_ctx *ctx) {
        int r = optional_file_read(&s->stats_file, s->procfs, "net/ip_vs_stats", false, FILE_MAX_SMALL, &s->file);
        if (r < 0)
                return r;
        struct lines lines = lines_of(&s->file, NULL);
        const char *line = NULL;
        size_t len = 0;
        for (int i = 0; i < 3; i++)
                if (!lines_next(&lines, &line, &len))
                        line = NULL;
        struct field f[N_TOTALS + 1];
        uint64_t v[N_TOTALS];
        bool ok = line && split_fields(line, len, f, ELEMENTSOF(f)) == (int) N_TOTALS;
        for (size_t i = 0; ok && i < N_TOTALS; i++)
                ok = parse_hex_u64_field(f[i], &v[i]) == 0;
        if (!ok) {
                ctx->parse_errors++;
                return -EINVAL;
        }
        for (size_t i = 0; i < N_TOTALS; i++) {
                (void) metric_set_family(ctx->set, &total_descs[i]);
                (void) metric_set_sample0(ctx->set, (double) v[i]);
        }
        return 0;
}

/* "C0A80016:0CEA" or "[2620:0000:...:0001]:0050" as node_exporter writes
 * them (Go's net.IP: an IPv4-mapped IPv6 address in dotted form) into
 * addr and port. */
static bool ipvs_address(struct field f, char addr[INET6_ADDRSTRLEN], char port[8]) {
        uint64_t v;
        if (f.n == 13 && f.s[8] == ':' && parse_hex_u64(f.s, 8, &v) == 0) {
                struct in_addr a = {htonl((uint32_t) v)};
                ip_text_go(AF_INET, &a, addr);
        } else if (f.n == 46 && f.s[0] == '[' && f.s[40] == ']' && f.s[41] == ':') {
                char text[40];
                memcpy(text, f.s + 1, 39);
                text[39] = '\0';
                struct in6_addr a;
                if (inet_pton(AF_INET6, text, &a) != 1)
                        return false;
                ip_text_go(AF_INET6, &a, addr);
        } else
                return false;
        if (parse_hex_u64(f.s + f.n - 4, 4, &v) < 0)
                return false;
        (void) snprintf(port, 8, "%u", (unsigned) v);
        return true;
}

/* The service a backend line belongs to. */
struct ipvs_service {
        bool valid;
        char proto[8], address[INET6_ADDRSTRLEN], port[8], mark[16];
};

/* "TCP  C0A80016:0CEA wlc", "FWM  10001000 wlc": false if it is no service
 * line, or one whose address does not read. */
static bool ipvs_service_line(const struct field *f, int n, struct ipvs_service *svc, bool *ret_bad) {
        bool fwm = FIELD_EQ(f[0], "FWM");
        if (!fwm && !FIELD_EQ(f[0], "TCP") && !FIELD_EQ(f[0], "UDP") && !FIELD_EQ(f[0], "SCTP"))
                return false;
        svc->valid = false;
        memcpy(svc->proto, f[0].s, f[0].n);
        svc->proto[f[0].n] = '\0';
        if (n < 2 || (fwm && f[1].n >= sizeof(svc->mark))) {
                *ret_bad = true;
                return true;
        }
        if (fwm) {
                memcpy(svc->mark, f[1].s, f[1].n);
                svc->mark[f[1].n] = '\0';
                svc->address[0] = '\0';
                (void) snprintf(svc->port, sizeof(svc->port), "0");
        } else {
                svc->mark[0] = '\0';
                if (!ipvs_address(f[1], svc->address, svc->port)) {
                        *ret_bad = true;
                        return true;
                }
        }
        svc->valid = true;
        return true;
}

/* "  -> C0A85216:0CEA      Tunnel  100    248        2": a row of the
 * kept labels' values and the weight, active and inactive counts. 1, 0
 * for a line that does not read, -ENOMEM. */
static int ipvs_backend_line(struct ipvs_state *s, const struct field *f, int n, const struct ipvs_service *svc) {
        char address[INET6_ADDRSTRLEN], port[8];
        uint64_t weight, active, inactive;
        if (!svc->valid || n < 6 || !ipvs_address(f[1], address, port) || parse_u64_field(f[3], &weight) < 0 ||
            parse_u64_field(f[4], &active) < 0 || parse_u64_field(f[5], &inactive) < 0)
                return 0;
        if (array_reserve((void **) &s->rows, &s->cap_rows, s->n_rows + 1, sizeof(*s->rows)) < 0)
                return -ENOMEM;
        const char *values[N_IPVS_LABELS] = {svc->address, svc->port, address, port, svc->proto, svc->mark};
        struct ipvs_row *row = &s->rows[s->n_rows++];
        row->key = s->keys.len;
        for (unsigned k = 0; k < s->backend_descs[0].n_labels; k++)
                buf_put(&s->keys, values[s->kept[k]], strlen(values[s->kept[k]]) + 1);
        row->key_len = s->keys.len - row->key;
        row->v[ACTIVE] = active;
        row->v[INACTIVE] = inactive;
        row->v[WEIGHT] = weight;
        return 1;
}

static int ipvs_row_cmp(const void *a, const void *b, void *ctx) {
        const struct ipvs_row *x = a, *y = b;
        const struct buf *keys = ctx;
        size_t n = x->key_len < y->key_len ? x->key_len : y->key_len;
        /* no label kept: every key is empty and the buffer may be NULL */
        int c = n ? memcmp(keys->data + x->key, keys->data + y->key, n) : 0;
        return c ? c : (x->key_len > y->key_len) - (x->key_len < y->key_len);
}

static int ipvs_read_backends(struct ipvs_state *s, struct collect_ctx *ctx) {
        int r = optional_file_read(&s->backends_file, s->procfs, "net/ip_vs", false, FILE_MAX_TABLE, &s->file);
        if (r < 0)
                return r;
        s->n_rows = 0;
        buf_reset(&s->keys);
        struct ipvs_service svc = {0};
        struct lines lines = lines_of(&s->file, &ctx->parse_errors);
        const char *line;
        size_t len;
        while (lines_next(&lines, &line, &len)) {
                struct field f[16];
                int n = split_fields(line, len, f, ELEMENTSOF(f));
                if (n == -E2BIG)
                        n = ELEMENTSOF(f); /* the first fields are those read */
                if (n <= 0 || FIELD_EQ(f[0], "IP") || FIELD_EQ(f[0], "Prot") ||
                    (n > 1 && FIELD_EQ(f[1], "RemoteAddress:Port")))
                        continue;
                bool bad = false;
                if (ipvs_service_line(f, n, &svc, &bad) && !bad)
                        continue;
                if (!bad && FIELD_EQ(f[0], "->")) {
                        int ok = ipvs_backend_line(s, f, n, &svc);
                        if (ok < 0)
                                return ok;
                        if (ok > 0)
                                continue;
                }
                ctx->parse_errors++;
        }
        if (s->keys.error < 0)
                return -ENOMEM;

        /* backends alike in the kept labels, summed */
        sort_r(s->rows, s->n_rows, sizeof(*s->rows), ipvs_row_cmp, &s->keys);
        size_t out = 0;
        for (size_t i = 0; i < s->n_rows; i++) {
                if (out > 0 && ipvs_row_cmp(&s->rows[out - 1], &s->rows[i], &s->keys) == 0) {
                        for (size_t k = 0; k < N_BACKEND_VALUES; k++)
                                s->rows[out - 1].v[k] += s->rows[i].v[k];
                        continue;
                }
                s->rows[out++] = s->rows[i];
        }
        s->n_rows = out;
        for (size_t k = 0; k < N_BACKEND_VALUES; k++) {
                if (s->n_rows > 0)
                        (void) metric_set_family(ctx->set, &s->backend_descs[k]);
                for (size_t i = 0; i < s->n_rows; i++) {
                        const char *values[N_IPVS_LABELS];
                        /* with no backend label kept, keys holds nothing (NULL) */
                        const char *v = s->backend_descs[k].n_labels ? s->keys.data + s->rows[i].key : NULL;
                        for (unsigned l = 0; l < s->backend_descs[k].n_labels; l++, v += strlen(v) + 1)
                                values[l] = v;
                        (void) metric_set_sample(ctx->set, (double) s->rows[i].v[k], values);
                }
        }
        return 0;
}

static int ipvs_collect(void *state, struct collect_ctx *ctx) {
        struct ipvs_state *s = state;
        int r = ipvs_read_totals(s, ctx);
        if (r < 0)
                return r;
        r = ipvs_read_backends(s, ctx);
        if (r < 0)
                return r;
        return ctx->set->error;
}

const struct collector ipvs_collector = {
        .name = "ipvs",
        .help = "IP Virtual Server totals and backends' connections and weights, from /proc/net/ip_vs_stats and "
                "/proc/net/ip_vs",
        .default_enabled = true,
        .options = ipvs_options,
        .init = ipvs_init,
        .collect = ipvs_collect,
        .free = ipvs_free,
};
