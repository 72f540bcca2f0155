/* zoneinfo (off by default, as in node_exporter 1.5): each memory zone's
 * watermarks, sizes, page counts and NUMA allocation counters, from
 * /proc/zoneinfo, as node_zoneinfo_*{node,zone}. The kernel prints the
 * node's own statistics ("per-node stats") inside its first zone, and
 * node_exporter reports them as that zone's: so does vigie. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "collector.h"
#include "optional_file.h"
#include "parse.h"

static const char *const zoneinfo_labels[] = {"node", "zone"};

#define ZONE_GAUGE(key, name, help)                                                                                    \
        {                                                                                                              \
                key, {                                                                                                 \
                        "node_zoneinfo_" name, help, METRIC_GAUGE, 2, zoneinfo_labels                                  \
                }                                                                                                      \
        }
#define ZONE_COUNTER(key, help)                                                                                        \
        {                                                                                                              \
                key, {                                                                                                 \
                        "node_zoneinfo_" key "_total", help, METRIC_COUNTER, 2, zoneinfo_labels                        \
                }                                                                                                      \
        }

/* the lines node_exporter 1.5 reads, in the order of its metric names */
static const struct zoneinfo_key {
        const char *key;
        struct metric_desc desc;
} zoneinfo_keys[] = {
        ZONE_GAUGE("high", "high_pages", "Zone watermark pages_high"),
        ZONE_GAUGE("low", "low_pages", "Zone watermark pages_low"),
        ZONE_GAUGE("managed", "managed_pages", "Present pages managed by the buddy system"),
        ZONE_GAUGE("min", "min_pages", "Zone watermark pages_min"),
        ZONE_GAUGE("nr_active_anon", "nr_active_anon_pages", "Number of anonymous pages recently more used"),
        ZONE_GAUGE("nr_active_file", "nr_active_file_pages", "Number of active pages with file-backing"),
        ZONE_GAUGE("nr_anon_pages", "nr_anon_pages", "Number of anonymous pages currently used by the system"),
        ZONE_GAUGE("nr_anon_transparent_hugepages", "nr_anon_transparent_hugepages",
                   "Number of anonymous transparent huge pages currently used by the system"),
        ZONE_COUNTER("nr_dirtied", "Page dirtyings since bootup"),
        ZONE_GAUGE("nr_dirty", "nr_dirty_pages", "Number of dirty pages"),
        ZONE_GAUGE("nr_file_pages", "nr_file_pages", "Number of file pages"),
        ZONE_GAUGE("nr_free_pages", "nr_free_pages", "Total number of free pages in the zone"),
        ZONE_GAUGE("nr_inactive_anon", "nr_inactive_anon_pages", "Number of anonymous pages recently less used"),
        ZONE_GAUGE("nr_inactive_file", "nr_inactive_file_pages", "Number of inactive pages with file-backing"),
        ZONE_GAUGE("nr_isolated_anon", "nr_isolated_anon_pages", "Temporary isolated pages from anon lru"),
        ZONE_GAUGE("nr_isolated_file", "nr_isolated_file_pages", "Temporary isolated pages from file lru"),
        ZONE_GAUGE("nr_kernel_stack", "nr_kernel_stacks", "Number of kernel stacks"),
        ZONE_GAUGE("nr_mapped", "nr_mapped_pages", "Number of mapped pages"),
        ZONE_GAUGE("nr_mlock_stack", "nr_mlock_stack_pages", "mlock()ed pages found and moved off LRU"),
        ZONE_GAUGE("nr_shmem", "nr_shmem_pages", "Number of shmem pages (included tmpfs/GEM pages)"),
        ZONE_GAUGE("nr_slab_reclaimable", "nr_slab_reclaimable_pages", "Number of reclaimable slab pages"),
        ZONE_GAUGE("nr_slab_unreclaimable", "nr_slab_unreclaimable_pages", "Number of unreclaimable slab pages"),
        ZONE_GAUGE("nr_unevictable", "nr_unevictable_pages", "Number of unevictable pages"),
        ZONE_GAUGE("nr_writeback", "nr_writeback_pages", "Number of writeback pages"),
        ZONE_COUNTER("nr_written", "Page writings since bootup"),
        ZONE_COUNTER("numa_foreign", "Was intended here, hit elsewhere"),
        ZONE_COUNTER("numa_hit", "Allocated in intended node"),
        ZONE_COUNTER("numa_interleave", "Interleaver preferred this zone"),
        ZONE_COUNTER("numa_local", "Allocation from local node"),
        ZONE_COUNTER("numa_miss", "Allocated in non intended node"),
        ZONE_COUNTER("numa_other", "Allocation from other node"),
        ZONE_GAUGE("present", "present_pages", "Physical pages existing within the zone"),
        ZONE_GAUGE("scanned", "scanned_pages", "Pages scanned since last reclaim"),
        ZONE_GAUGE("spanned", "spanned_pages", "Total pages spanned by the zone, including holes"),
};
#define N_KEYS ELEMENTSOF(zoneinfo_keys)

/* one more than a zone per kind the kernel knows (MAX_NR_ZONES is 6 at most) */
#define PROTECTION_MAX 8
#define PROTECTION(i)                                                                                                  \
        { "node_zoneinfo_protection_" #i, "Protection array " #i ". field", METRIC_GAUGE, 2, zoneinfo_labels }
static const struct metric_desc protection_descs[PROTECTION_MAX] = {
        PROTECTION(0), PROTECTION(1), PROTECTION(2), PROTECTION(3),
        PROTECTION(4), PROTECTION(5), PROTECTION(6), PROTECTION(7),
};

#define ZONE_NAME_MAX 32

struct zoneinfo_zone {
        char node[ZONE_NAME_MAX], zone[ZONE_NAME_MAX];
        uint64_t v[N_KEYS];
        uint64_t has; /* a bit per key */
        unsigned n_protection;
        uint64_t protection[PROTECTION_MAX];
};

struct zoneinfo_state {
        const char *procfs;
        struct optional_file file_src;
        struct buf file;
        struct zoneinfo_zone *zones;
        size_t n_zones, cap_zones;
};

_Static_assert(N_KEYS <= 64, "a bit per key in zoneinfo_zone.has");

static int zoneinfo_init(const struct collector_env *env, _unused_ const struct config_section *section,
                         _unused_ struct diag *diag, void **ret_state) {
        struct zoneinfo_state *s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        s->procfs = env->procfs;
        *ret_state = s;
        return 0;
}

static void zoneinfo_free(void *state) {
        struct zoneinfo_state *s = state;
        if (!s)
                return;
        optional_file_close(&s->file_src);
        buf_free(&s->file);
        free(s->zones);
        free(s);
}

static bool zoneinfo_name(struct field f, char out[ZONE_NAME_MAX]) {
        if (f.n == 0 || f.n >= ZONE_NAME_MAX)
                return false;
        memcpy(out, f.s, f.n);
        out[f.n] = '\0';
        return true;
}

/* "Node 0, zone   Normal": a zone begins (1), or the line is no header
 * (0), or a header that does not read or repeats a zone (-EINVAL). */
static int zoneinfo_header(struct zoneinfo_state *s, const struct field *f, int n) {
        if (n < 1 || !FIELD_EQ(f[0], "Node"))
                return 0;
        if (array_reserve((void **) &s->zones, &s->cap_zones, s->n_zones + 1, sizeof(*s->zones)) < 0)
                return -ENOMEM;
        struct zoneinfo_zone *z = &s->zones[s->n_zones];
        *z = (struct zoneinfo_zone){0};
        struct field node = n > 1 ? f[1] : (struct field){0};
        if (n != 4 || node.n < 2 || node.s[node.n - 1] != ',' || !FIELD_EQ(f[2], "zone"))
                return -EINVAL;
        node.n--;
        uint64_t number;
        if (parse_u64_field(node, &number) < 0 || !zoneinfo_name(node, z->node) || !zoneinfo_name(f[3], z->zone))
                return -EINVAL;
        for (size_t i = 0; i < s->n_zones; i++)
                if (strcmp(s->zones[i].node, z->node) == 0 && strcmp(s->zones[i].zone, z->zone) == 0)
                        return -EINVAL;
        s->n_zones++;
        return 1;
}

/* "protection: (0, 3019, 24090, 24090)" after its key: false if it does
 * not read, as a whole (node_exporter then reports none). */
static bool zoneinfo_protection(const char *p, const char *end, struct zoneinfo_zone *z) {
        while (p < end && *p == ' ')
                p++;
        if (p == end || *p != '(' || end[-1] != ')')
                return false;
        p++;
        end--;
        unsigned n = 0;
        while (p < end) {
                const char *comma = memchr(p, ',', (size_t) (end - p));
                const char *stop = comma ? comma : end;
                while (p < stop && *p == ' ')
                        p++;
                if (n == PROTECTION_MAX || parse_u64(p, (size_t) (stop - p), &z->protection[n]) < 0)
                        return false;
                n++;
                p = comma ? comma + 1 : end;
                if (comma && p == end)
                        return false;
        }
        z->n_protection = n;
        return n > 0;
}

static int zoneinfo_collect(void *state, struct collect_ctx *ctx) {
        struct zoneinfo_state *s = state;
        int r = optional_file_read(&s->file_src, s->procfs, "zoneinfo", false, FILE_MAX_TABLE, &s->file);
        if (r < 0)
                return r;
        s->n_zones = 0;
        struct zoneinfo_zone *z = NULL; /* the zone the lines are of; NULL after a bad header */
        bool in_zone = false;
        struct lines lines = lines_of(&s->file, &ctx->parse_errors);
        const char *line;
        size_t len;
        while (lines_next(&lines, &line, &len)) {
                struct field f[8];
                int n = split_fields(line, len, f, ELEMENTSOF(f));
                if (n == -E2BIG)
                        n = ELEMENTSOF(f); /* no key line has that many */
                if (n <= 0)
                        continue;
                r = zoneinfo_header(s, f, n);
                if (r == -ENOMEM)
                        return r;
                if (r != 0) {
                        in_zone = true;
                        z = r > 0 ? &s->zones[s->n_zones - 1] : NULL;
                        if (r < 0)
                                ctx->parse_errors++;
                        continue;
                }
                if (FIELD_EQ(f[0], "protection:")) {
                        if (!in_zone || (z && !zoneinfo_protection(f[0].s + f[0].n, line + len, z)))
                                ctx->parse_errors++;
                        continue;
                }
                size_t k = 0;
                while (k < N_KEYS && !field_eq(f[0], zoneinfo_keys[k].key, strlen(zoneinfo_keys[k].key)))
                        k++;
                if (k == N_KEYS)
                        continue; /* the kernel's other lines */
                if (!z) {
                        /* a key before any zone, or of a zone that did not read */
                        ctx->parse_errors += !in_zone;
                        continue;
                }
                uint64_t v;
                if (n != 2 || (z->has & (UINT64_C(1) << k)) || parse_u64_field(f[1], &v) < 0) {
                        ctx->parse_errors++;
                        continue;
                }
                z->v[k] = v;
                z->has |= UINT64_C(1) << k;
        }

        for (size_t k = 0; k < N_KEYS; k++) {
                bool family = false;
                for (size_t i = 0; i < s->n_zones; i++) {
                        const struct zoneinfo_zone *zi = &s->zones[i];
                        if (!(zi->has & (UINT64_C(1) << k)))
                                continue;
                        if (!family)
                                (void) metric_set_family(ctx->set, &zoneinfo_keys[k].desc);
                        family = true;
                        (void) metric_set_sample2(ctx->set, (double) zi->v[k], zi->node, zi->zone);
                }
        }
        for (unsigned p = 0; p < PROTECTION_MAX; p++) {
                bool family = false;
                for (size_t i = 0; i < s->n_zones; i++) {
                        const struct zoneinfo_zone *zi = &s->zones[i];
                        if (p >= zi->n_protection)
                                continue;
                        if (!family)
                                (void) metric_set_family(ctx->set, &protection_descs[p]);
                        family = true;
                        (void) metric_set_sample2(ctx->set, (double) zi->protection[p], zi->node, zi->zone);
                }
        }
        return ctx->set->error;
}

const struct collector zoneinfo_collector = {
        .name = "zoneinfo",
        .help = "Memory zones' watermarks, sizes, page counts and NUMA counters, from /proc/zoneinfo (off by default)",
        .default_enabled = false,
        .init = zoneinfo_init,
        .collect = zoneinfo_collect,
        .free = zoneinfo_free,
};
