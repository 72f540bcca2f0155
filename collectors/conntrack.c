/* conntrack: netfilter's connection tracking table, as node_exporter 1.5:
 * its size and limit (/proc/sys/net/netfilter/nf_conntrack_{count,max})
 * and the statistics of /proc/net/stat/nf_conntrack summed over its
 * per-CPU lines. Without the nf_conntrack module there is no data. */
#include <errno.h>
#include <stdlib.h>

#include "collector.h"
#include "optional_file.h"
#include "parse.h"
#include "parse_hex.h"

static const struct metric_desc entries_desc = {"node_nf_conntrack_entries",
                                                "Number of currently allocated flow entries for connection tracking.",
                                                METRIC_GAUGE, 0, NULL};
static const struct metric_desc limit_desc = {"node_nf_conntrack_entries_limit",
                                              "Maximum size of connection tracking table.", METRIC_GAUGE, 0, NULL};

/* The columns of net/stat/nf_conntrack node_exporter sums, by position
 * (the header's names changed over kernel versions: searched became
 * clashres); all gauges there, although they only grow. */
static const struct {
        unsigned column;
        struct metric_desc desc;
} stat_columns[] = {
        {2,
         {"node_nf_conntrack_stat_found", "Number of searched entries which were successful.", METRIC_GAUGE, 0, NULL}},
        {4,
         {"node_nf_conntrack_stat_invalid", "Number of packets seen which can not be tracked.", METRIC_GAUGE, 0, NULL}},
        {5,
         {"node_nf_conntrack_stat_ignore", "Number of packets seen which are already connected to a conntrack entry.",
          METRIC_GAUGE, 0, NULL}},
        {8, {"node_nf_conntrack_stat_insert", "Number of entries inserted into the list.", METRIC_GAUGE, 0, NULL}},
        {9,
         {"node_nf_conntrack_stat_insert_failed",
          "Number of entries for which list insertion was attempted but failed.", METRIC_GAUGE, 0, NULL}},
        {10,
         {"node_nf_conntrack_stat_drop", "Number of packets dropped due to conntrack failure.", METRIC_GAUGE, 0, NULL}},
        {11,
         {"node_nf_conntrack_stat_early_drop",
          "Number of dropped conntrack entries to make room for new ones, if maximum table size was reached.",
          METRIC_GAUGE, 0, NULL}},
        {16,
         {"node_nf_conntrack_stat_search_restart",
          "Number of conntrack table lookups which had to be restarted due to hashtable resizes.", METRIC_GAUGE, 0,
          NULL}},
};
#define STAT_COLUMNS 17 /* Linux 2.6.35 on; node_exporter 1.5 refuses other counts */

struct conntrack_state {
        const char *procfs;
        struct optional_file count_file, max_file, stat_file;
        struct buf file;
};

static int conntrack_init(const struct collector_env *env, _unused_ const struct config_section *section,
                          _unused_ struct diag *diag, void **ret_state) {
        struct conntrack_state *s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        s->procfs = env->procfs;
        *ret_state = s;
        return 0;
}

static void conntrack_free(void *state) {
        struct conntrack_state *s = state;
        if (!s)
                return;
        optional_file_close(&s->count_file);
        optional_file_close(&s->max_file);
        optional_file_close(&s->stat_file);
        buf_free(&s->file);
        free(s);
}

/* The sums of the per-CPU lines into sums; false if no line parsed. */
static bool conntrack_stat_sums(struct conntrack_state *s, struct collect_ctx *ctx,
                                uint64_t sums[ELEMENTSOF(stat_columns)]) {
        struct lines lines = lines_of(&s->file, &ctx->parse_errors);
        const char *line;
        size_t len;
        bool any = false;
        /* "entries clashres found new ...": the header */
        if (!lines_next(&lines, &line, &len))
                return false;
        while (lines_next(&lines, &line, &len)) {
                struct field f[STAT_COLUMNS];
                uint64_t v[STAT_COLUMNS];
                bool ok = split_fields(line, len, f, STAT_COLUMNS) == STAT_COLUMNS;
                for (size_t i = 0; i < STAT_COLUMNS && ok; i++)
                        ok = parse_hex_u64_field(f[i], &v[i]) == 0;
                if (!ok) {
                        ctx->parse_errors++;
                        continue;
                }
                for (size_t c = 0; c < ELEMENTSOF(stat_columns); c++)
                        sums[c] += v[stat_columns[c].column];
                any = true;
        }
        return any;
}

static int conntrack_collect(void *state, struct collect_ctx *ctx) {
        struct conntrack_state *s = state;
        uint64_t count, max;
        int r = optional_file_read_u64(&s->count_file, s->procfs, "sys/net/netfilter/nf_conntrack_count", &s->file,
                                       &count);
        if (r >= 0)
                r = optional_file_read_u64(&s->max_file, s->procfs, "sys/net/netfilter/nf_conntrack_max", &s->file,
                                           &max);
        if (r == -EBADMSG) {
                ctx->parse_errors++;
                return -EINVAL;
        }
        if (r < 0)
                return r;
        (void) metric_set_family(ctx->set, &entries_desc);
        (void) metric_set_sample0(ctx->set, (double) count);
        (void) metric_set_family(ctx->set, &limit_desc);
        (void) metric_set_sample0(ctx->set, (double) max);

        /* a network namespace may lack the statistics: size and limit alone */
        uint64_t sums[ELEMENTSOF(stat_columns)] = {0};
        /* the header, then a line of 17 hex words a CPU */
        r = optional_file_read_records(&s->stat_file, s->procfs, "net/stat/nf_conntrack", 256, FILE_MAX_TABLE,
                                       &s->file);
        if (r < 0 && r != -ENOENT)
                return r;
        if (r == 0 && conntrack_stat_sums(s, ctx, sums))
                for (size_t c = 0; c < ELEMENTSOF(stat_columns); c++) {
                        (void) metric_set_family(ctx->set, &stat_columns[c].desc);
                        (void) metric_set_sample0(ctx->set, (double) sums[c]);
                }
        return ctx->set->error;
}

const struct collector conntrack_collector = {
        .name = "conntrack",
        .help = "Connection tracking table size, limit and statistics, from /proc/sys/net/netfilter and "
                "/proc/net/stat/nf_conntrack",
        .default_enabled = true,
        .init = conntrack_init,
        .collect = conntrack_collect,
        .free = conntrack_free,
};
