/* bcache: bcache cache sets, from /sys/fs/bcache/<uuid>, as node_exporter
 * 1.5: the set's node_bcache_*{uuid}, its backing devices' (bdevN)
 * {uuid,backing_device} and its cache devices' (cacheN)
 * {uuid,cache_device}; with the priority_stats option (node_exporter's
 * --collector.bcache.priorityStats, off by default: the kernel sorts
 * every bucket of the cache to write the file), two figures of each
 * cache device's priority_stats. The kernel prints most
 * values "human readable" (bch_hprint: "20.4G", powers of 1024), read
 * back to a number and truncated, as node_exporter 1.5 does. */
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
#include "parse.h"

static const char *const set_label[] = {"uuid"};
static const char *const bdev_labels[] = {"uuid", "backing_device"};
static const char *const cache_labels[] = {"uuid", "cache_device"};

/* An attribute, read from a subdirectory of its directory or the
 * directory itself (sub ""), and its family. */
struct bcache_attr {
        const char *sub, *attr;
        double scale;
        struct metric_desc desc;
};
#define SET(sub, attr, scale, metric, help, type)                                                                      \
        {                                                                                                              \
                sub, attr, scale, {                                                                                    \
                        "node_bcache_" metric, help, type, 1, set_label                                                \
                }                                                                                                      \
        }
#define BDEV(sub, attr, metric, help, type)                                                                            \
        {                                                                                                              \
                sub, attr, 1, {                                                                                        \
                        "node_bcache_" metric, help, type, 2, bdev_labels                                              \
                }                                                                                                      \
        }
#define CACHE(attr, metric, help, type)                                                                                \
        {                                                                                                              \
                "", attr, 1, {                                                                                         \
                        "node_bcache_" metric, help, type, 2, cache_labels                                             \
                }                                                                                                      \
        }
static const struct bcache_attr set_attrs[] = {
        SET("", "average_key_size", 1, "average_key_size_sectors", "Average data per key in the btree (sectors).",
            METRIC_GAUGE),
        SET("", "btree_cache_size", 1, "btree_cache_size_bytes", "Amount of memory currently used by the btree cache.",
            METRIC_GAUGE),
        SET("", "cache_available_percent", 1, "cache_available_percent",
            "Percentage of cache device without dirty data, usable for writeback (may contain clean cached data).",
            METRIC_GAUGE),
        SET("", "congested", 1, "congested", "Congestion.", METRIC_GAUGE),
        SET("", "root_usage_percent", 1, "root_usage_percent",
            "Percentage of the root btree node in use (tree depth increases if too high).", METRIC_GAUGE),
        SET("", "tree_depth", 1, "tree_depth", "Depth of the btree.", METRIC_GAUGE),
        SET("internal", "active_journal_entries", 1, "active_journal_entries",
            "Number of journal entries that are newer than the index.", METRIC_GAUGE),
        SET("internal", "btree_nodes", 1, "btree_nodes", "Total nodes in the btree.", METRIC_GAUGE),
        /* microseconds, which node_exporter 1.5 takes for nanoseconds */
        SET("internal", "btree_read_average_duration_us", 1e-9, "btree_read_average_duration_seconds",
            "Average btree read duration.", METRIC_GAUGE),
        SET("internal", "cache_read_races", 1, "cache_read_races_total",
            "Counts instances where while data was being read from the cache, the bucket was reused and invalidated "
            "- i.e. where the pointer was stale after the read completed.",
            METRIC_COUNTER),
};
static const struct bcache_attr bdev_attrs[] = {
        BDEV("", "dirty_data", "dirty_data_bytes", "Amount of dirty data for this backing device in the cache.",
             METRIC_GAUGE),
        BDEV("stats_total", "bypassed", "bypassed_bytes_total",
             "Amount of IO (both reads and writes) that has bypassed the cache.", METRIC_COUNTER),
        BDEV("stats_total", "cache_hits", "cache_hits_total", "Hits counted per individual IO as bcache sees them.",
             METRIC_COUNTER),
        BDEV("stats_total", "cache_misses", "cache_misses_total",
             "Misses counted per individual IO as bcache sees them.", METRIC_COUNTER),
        BDEV("stats_total", "cache_bypass_hits", "cache_bypass_hits_total", "Hits for IO intended to skip the cache.",
             METRIC_COUNTER),
        BDEV("stats_total", "cache_bypass_misses", "cache_bypass_misses_total",
             "Misses for IO intended to skip the cache.", METRIC_COUNTER),
        BDEV("stats_total", "cache_miss_collisions", "cache_miss_collisions_total",
             "Instances where data insertion from cache miss raced with write (data already present).", METRIC_COUNTER),
        BDEV("stats_total", "cache_readaheads", "cache_readaheads_total", "Count of times readahead occurred.",
             METRIC_COUNTER),
};
/* A line of a file of "key:\tvalue" lines that is read: its value's unit
 * (after the number), whether it may be negative, and whether the number
 * is "human readable" (bch_hprint's "1.1M") or plain digits. */
struct bcache_line {
        const char *key, *unit;
        bool is_signed, human;
        struct metric_desc desc;
};
/* the lines of a backing device's writeback_rate_debug */
static const struct bcache_line writeback_lines[] = {
        {"rate:",
         "/sec",
         false,
         true,
         {"node_bcache_writeback_rate", "Current writeback rate for this backing device in bytes.", METRIC_GAUGE, 2,
          bdev_labels}},
        {"target:",
         "",
         false,
         true,
         {"node_bcache_dirty_target_bytes", "Current dirty data target threshold for this backing device in bytes.",
          METRIC_GAUGE, 2, bdev_labels}},
        {"proportional:",
         "",
         true,
         true,
         {"node_bcache_writeback_rate_proportional_term",
          "Current result of proportional controller, part of writeback rate", METRIC_GAUGE, 2, bdev_labels}},
        {"integral:",
         "",
         true,
         true,
         {"node_bcache_writeback_rate_integral_term", "Current result of integral controller, part of writeback rate",
          METRIC_GAUGE, 2, bdev_labels}},
        {"change:",
         "/sec",
         true,
         true,
         {"node_bcache_writeback_change", "Last writeback rate change step for this backing device.", METRIC_GAUGE, 2,
          bdev_labels}},
};
static const struct bcache_attr cache_attrs[] = {
        CACHE("io_errors", "io_errors", "Number of errors that have occurred, decayed by io_error_halflife.",
              METRIC_GAUGE),
        CACHE("metadata_written", "metadata_written_bytes_total",
              "Sum of all non data writes (btree writes and all other metadata).", METRIC_COUNTER),
        CACHE("written", "written_bytes_total", "Sum of all data that has been written to the cache.", METRIC_COUNTER),
};

/* the lines of a cache device's priority_stats read, "Unused:\t\t1%" */
static const struct bcache_line priority_lines[] = {
        {"Metadata:",
         "%",
         false,
         false,
         {"node_bcache_priority_stats_metadata_percent", "Bcache's metadata overhead.", METRIC_GAUGE, 2, cache_labels}},
        {"Unused:",
         "%",
         false,
         false,
         {"node_bcache_priority_stats_unused_percent", "The percentage of the cache that doesn't contain any data.",
          METRIC_GAUGE, 2, cache_labels}},
};

static const struct collector_option bcache_options[] = {
        {"priority_stats", "false",
         "node_bcache_priority_stats_{unused,metadata}_percent, from each cache device's priority_stats, which costs "
         "the kernel a sort of the cache's buckets (node_exporter's --collector.bcache.priorityStats)"},
        {NULL, NULL, NULL},
};

struct bcache_state {
        char dir[PATH_MAX]; /* sysfs/fs/bcache */
        bool priority_stats;
        uint64_t missing_until_ns;
        struct dirlist sets, members;
};

static int bcache_init(const struct collector_env *env, const struct config_section *section, struct diag *diag,
                       void **ret_state) {
        bool priority_stats;
        int r = config_section_bool(section, "priority_stats", false, &priority_stats, diag);
        if (r < 0)
                return r;
        struct bcache_state *s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        s->priority_stats = priority_stats;
        if (path_join(s->dir, sizeof(s->dir), env->sysfs, "fs/bcache") < 0) {
                free(s);
                return -ENAMETOOLONG;
        }
        *ret_state = s;
        return 0;
}

static void bcache_free(void *state) {
        struct bcache_state *s = state;
        if (!s)
                return;
        dirlist_free(&s->sets);
        dirlist_free(&s->members);
        free(s);
}

/* "20.4G", "512", "1.5k" as bch_hprint writes them: digits, a fraction,
 * a multiplier (powers of 1024), truncated to an integer, as
 * node_exporter 1.5 reads them back: the digits after the point are
 * 1024ths of the unit times 10 (bch_hprint's), so "1.5k" is 1024 + 5 /
 * 10.24 * 1024. -EBADMSG for anything else. */
static int bcache_dehumanize(const char *s, size_t n, uint64_t *ret) {
        static const char units[] = "kMGTPEZY";
        double mul = 1;
        bool suffix = n > 0 && (s[n - 1] < '0' || s[n - 1] > '9');
        if (suffix) {
                const char *u = memchr(units, s[n - 1], sizeof(units) - 1);
                if (!u)
                        return -EBADMSG;
                for (long i = 0; i <= u - units; i++)
                        mul *= 1024;
                n--;
        }
        /* digits, and a point and digits */
        char copy[64];
        size_t i = 0, point = 0;
        while (i < n && s[i] >= '0' && s[i] <= '9')
                i++;
        if (i == 0 || n >= sizeof(copy))
                return -EBADMSG;
        if (i < n && s[i] == '.') {
                point = i++;
                size_t start = i;
                while (i < n && s[i] >= '0' && s[i] <= '9')
                        i++;
                if (i == start)
                        return -EBADMSG;
        }
        if (i != n)
                return -EBADMSG;
        memcpy(copy, s, n);
        copy[n] = '\0';
        double v;
        if (suffix && point) {
                copy[point] = '\0';
                v = (strtod(copy, NULL) + strtod(copy + point + 1, NULL) / 10.24) * mul;
        } else {
                v = strtod(copy, NULL) * mul;
        }
        if (!(v < 18446744073709551616.0))
                return -EBADMSG;
        *ret = (uint64_t) v;
        return 0;
}

/* dirfd/sub/attr's number: 0, -EBADMSG, or the errno of the read. */
static int bcache_read(int dirfd, const char *sub, const char *attr, uint64_t *ret) {
        char name[128], v[64];
        int n = snprintf(name, sizeof(name), "%s%s%s", sub, *sub ? "/" : "", attr);
        if (n < 0 || (size_t) n >= sizeof(name))
                return -ENAMETOOLONG;
        int r = read_attr_fd(dirfd, name, v, sizeof(v));
        if (r == -EFBIG)
                return -EBADMSG;
        if (r < 0)
                return r;
        return bcache_dehumanize(v, (size_t) r, ret);
}

static void bcache_attrs(int dirfd, const struct bcache_attr *attrs, size_t n, const char *const *labels,
                         struct collect_ctx *ctx) {
        for (size_t k = 0; k < n; k++) {
                uint64_t v;
                int r = bcache_read(dirfd, attrs[k].sub, attrs[k].attr, &v);
                ctx->parse_errors += r == -EBADMSG;
                if (r < 0)
                        continue;
                (void) metric_set_family(ctx->set, &attrs[k].desc);
                (void) metric_set_sample(ctx->set, (double) v * attrs[k].scale, labels);
        }
}

/* A file of "key:\tvalue" lines (writeback_rate_debug: "rate:\t\t1.1M/sec",
 * "proportional:\t-427.5k"...; priority_stats: "Unused:\t\t1%"...): the
 * value of each line whose key is in lines, other lines (dirty:, next
 * io:, Quantiles: [...], later kernels' lines) left alone. A value that is
 * not one number with its unit, a key twice, or a file past 4 KiB is
 * garbage. */
static void bcache_lines(int fd, const char *file, const struct bcache_line *lines, size_t n_lines,
                         const char *const *labels, struct collect_ctx *ctx) {
        char text[4096];
        int r = read_attr_fd(fd, file, text, sizeof(text));
        ctx->parse_errors += r == -EFBIG;
        if (r < 0)
                return;
        unsigned seen = 0;
        for (char *line = text, *next; line && *line; line = next) {
                next = strchr(line, '\n');
                if (next)
                        *next++ = '\0';
                size_t k = 0;
                while (k < n_lines && strncmp(line, lines[k].key, strlen(lines[k].key)) != 0)
                        k++;
                if (k == n_lines)
                        continue;
                struct field f[2];
                const char *rest = line + strlen(lines[k].key);
                int nf = split_fields(rest, strlen(rest), f, ELEMENTSOF(f));
                if (nf != 1 || (seen & (1u << k))) {
                        ctx->parse_errors++;
                        continue;
                }
                const char *v = f[0].s;
                size_t n = f[0].n, unit = strlen(lines[k].unit);
                bool negative = lines[k].is_signed && n > 0 && v[0] == '-';
                if (negative)
                        v++, n--;
                uint64_t u;
                if (n < unit || memcmp(v + n - unit, lines[k].unit, unit) != 0 ||
                    (lines[k].human ? bcache_dehumanize(v, n - unit, &u)
                                    : parse_u64_field((struct field){v, n - unit}, &u)) < 0 ||
                    (lines[k].is_signed && u > INT64_MAX)) {
                        ctx->parse_errors++;
                        continue;
                }
                seen |= 1u << k;
                (void) metric_set_family(ctx->set, &lines[k].desc);
                (void) metric_set_sample(ctx->set, negative ? -(double) u : (double) u, labels);
        }
}

/* "bdev0", "cache1": prefix and a digit, as node_exporter's bdev[0-9]* */
static bool bcache_member(const char *name, const char *prefix) {
        size_t n = strlen(prefix);
        return strncmp(name, prefix, n) == 0 && name[n] >= '0' && name[n] <= '9';
}

static int bcache_read_set(struct bcache_state *s, const char *uuid, struct collect_ctx *ctx) {
        char dir[PATH_MAX];
        if (path_join(dir, sizeof(dir), s->dir, uuid) < 0)
                return -ENAMETOOLONG;
        _cleanup_close_ int setfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (setfd < 0)
                return 0; /* register, register_quiet...: files */
        const char *set_values[] = {uuid};
        bcache_attrs(setfd, set_attrs, ELEMENTSOF(set_attrs), set_values, ctx);

        int r = dirlist_read(&s->members, dir);
        if (r < 0)
                return r == -ENOMEM ? r : 0;
        for (size_t i = 0; i < s->members.n; i++) {
                const char *name = dirlist_name(&s->members, i);
                bool bdev = bcache_member(name, "bdev");
                if (!bdev && !bcache_member(name, "cache"))
                        continue;
                _cleanup_close_ int fd = openat(setfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (fd < 0)
                        continue;
                const char *values[] = {uuid, name};
                if (bdev) {
                        bcache_attrs(fd, bdev_attrs, 1, values, ctx);
                        bcache_lines(fd, "writeback_rate_debug", writeback_lines, ELEMENTSOF(writeback_lines), values,
                                     ctx);
                        bcache_attrs(fd, bdev_attrs + 1, ELEMENTSOF(bdev_attrs) - 1, values, ctx);
                } else {
                        bcache_attrs(fd, cache_attrs, ELEMENTSOF(cache_attrs), values, ctx);
                        if (s->priority_stats)
                                bcache_lines(fd, "priority_stats", priority_lines, ELEMENTSOF(priority_lines), values,
                                             ctx);
                }
        }
        return 0;
}

static int bcache_collect(void *state, struct collect_ctx *ctx) {
        struct bcache_state *s = state;
        int r = optional_dirlist_read(&s->missing_until_ns, &s->sets, s->dir);
        /* no bcache module: no series, but a success, as node_exporter
         * 1.5 says (its glob finds no set) */
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return r;
        for (size_t i = 0; i < s->sets.n; i++) {
                const char *uuid = dirlist_name(&s->sets, i);
                /* node_exporter 1.5 reads the names with a dash: the sets' UUIDs */
                if (!strchr(uuid, '-'))
                        continue;
                r = bcache_read_set(s, uuid, ctx);
                if (r < 0)
                        return r;
        }
        return ctx->set->error;
}

const struct collector bcache_collector = {
        .name = "bcache",
        .help = "bcache cache sets, their backing and cache devices, from /sys/fs/bcache",
        .default_enabled = true,
        .options = bcache_options,
        .init = bcache_init,
        .collect = bcache_collect,
        .free = bcache_free,
};
