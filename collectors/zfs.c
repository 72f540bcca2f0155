/* zfs: the ZFS module's kstats under /proc/spl/kstat/zfs, as node_exporter
 * 1.5 reads them: each uint64 of its ten kstat files as
 * node_zfs_<subsystem>_<name> (untyped; arcstats gives node_zfs_arc_*),
 * and per pool the I/O counters of <pool>/io (node_zfs_zpool_*{zpool}),
 * each dataset's of <pool>/objset-* (node_zfs_zpool_dataset_*{zpool,
 * dataset}) and the pool's state (node_zfs_zpool_state{zpool,state}).
 * No ZFS module, no directory. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "array.h"
#include "collector.h"
#include "desc_cache.h"
#include "dirlist.h"
#include "hash.h"
#include "optional_file.h"
#include "parse.h"

/* node_exporter 1.5's files and the subsystem each names its families by
 * (not dbufstats, which it does not read) */
static const struct {
        const char *file, *subsystem;
} zfs_kstats[] = {
        {"abdstats", "abd"},
        {"arcstats", "arc"},
        {"dmu_tx", "dmu_tx"},
        {"dnodestats", "dnode"},
        {"fm", "fm"},
        {"vdev_cache_stats", "vdev_cache"},
        {"vdev_mirror_stats", "vdev_mirror"},
        {"xuio_stats", "xuio"},
        {"zfetchstats", "zfetch"},
        {"zil", "zil"},
};
#define N_KSTATS ELEMENTSOF(zfs_kstats)

/* node_exporter 1.5's states, in its order (not "suspended") */
static const char *const zfs_states[] = {"online", "degraded", "faulted", "offline", "removed", "unavail"};

static const char *const zpool_label[] = {"zpool"};
static const char *const dataset_labels[] = {"zpool", "dataset"};
static const char *const state_labels[] = {"zpool", "state"};
static const struct metric_desc state_desc = {"node_zfs_zpool_state", "kstat.zfs.misc.state", METRIC_GAUGE, 2,
                                              state_labels};

#define ZFS_NAME_MAX 64
#define ZFS_DATASET_MAX 256 /* ZFS_MAX_DATASET_NAME_LEN */

/* The k-th named value of a kind of file in the last scrape: files of a
 * kind list the same names in the same order every time, so a scrape
 * compares the name and reuses the family without formatting one. */
struct zfs_name {
        char name[ZFS_NAME_MAX];
        size_t len;                     /* 0 when not yet known */
        const struct metric_desc *desc; /* NULL: not a valid metric name */
};
struct zfs_names {
        struct zfs_name *names;
        size_t cap;
};

struct zfs_state {
        char dir[PATH_MAX]; /* procfs/spl/kstat/zfs */
        uint64_t missing_until_ns;
        struct dirlist entries, objsets;
        struct buf file;
        struct desc_cache descs;
        struct zfs_names kstat_names[N_KSTATS], io_names, objset_names;
        /* the datasets of the pool being read, so that two objset files
         * naming one dataset (a rename under way, a hostile tree) do not
         * make its series twice: open addressing by name, each slot the
         * offset + 1 of a name in dataset_names (0: empty) */
        struct buf dataset_names;
        uint32_t *dataset_slots;
        size_t cap_slots, n_datasets;
};

static int zfs_init(const struct collector_env *env, _unused_ const struct config_section *section,
                    _unused_ struct diag *diag, void **ret_state) {
        struct zfs_state *s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        if (path_join(s->dir, sizeof(s->dir), env->procfs, "spl/kstat/zfs") < 0) {
                free(s);
                return -ENAMETOOLONG;
        }
        *ret_state = s;
        return 0;
}

static void zfs_free(void *state) {
        struct zfs_state *s = state;
        if (!s)
                return;
        dirlist_free(&s->entries);
        dirlist_free(&s->objsets);
        buf_free(&s->file);
        desc_cache_free(&s->descs);
        for (size_t i = 0; i < N_KSTATS; i++)
                free(s->kstat_names[i].names);
        free(s->io_names.names);
        free(s->objset_names.names);
        buf_free(&s->dataset_names);
        free(s->dataset_slots);
        free(s);
}

/* The family of the k-th name of a kind: node_<prefix>_<name> with "-"
 * made "_", helped "kstat.zfs.misc.<file>.<name>" as node_exporter helps
 * it. NULL with *ret_err -EINVAL for a name that makes no metric name
 * (counted by the caller), -ENOMEM. */
static const struct metric_desc *zfs_desc(struct zfs_state *s, struct zfs_names *names, size_t k, struct field f,
                                          const char *prefix, const char *file, unsigned n_labels,
                                          const char *const *labels, int *ret_err) {
        *ret_err = -EINVAL;
        if (f.n >= ZFS_NAME_MAX)
                return NULL;
        if (array_reserve((void **) &names->names, &names->cap, k + 1, sizeof(*names->names)) < 0) {
                *ret_err = -ENOMEM;
                return NULL;
        }
        struct zfs_name *n = &names->names[k];
        if (n->len == f.n && memcmp(n->name, f.s, f.n) == 0) {
                if (!n->desc)
                        return NULL;
                return n->desc;
        }
        memcpy(n->name, f.s, f.n);
        n->name[f.n] = '\0';
        n->len = f.n;
        n->desc = NULL;
        char name[ZFS_NAME_MAX + 64], help[ZFS_NAME_MAX + 64];
        (void) snprintf(name, sizeof(name), "node_%s_%s", prefix, n->name);
        (void) snprintf(help, sizeof(help), "kstat.zfs.misc.%s.%s", file, n->name);
        for (char *p = name; *p; p++)
                if (*p == '-')
                        *p = '_';
        if (!metric_name_valid(name))
                return NULL;
        if (!(n->desc = desc_cache_get(&s->descs, name, help, METRIC_UNTYPED, n_labels, labels))) {
                n->len = 0; /* not remembered as a name that makes no metric: tried again next time */
                *ret_err = -ENOMEM;
        }
        return n->desc;
}

/* Forgets the datasets seen, for the next pool. */
static void zfs_datasets_reset(struct zfs_state *s) {
        buf_reset(&s->dataset_names);
        if (s->dataset_slots)
                memset(s->dataset_slots, 0, s->cap_slots * sizeof(*s->dataset_slots));
        s->n_datasets = 0;
}

static size_t zfs_dataset_slot(const struct zfs_state *s, const char *name) {
        size_t mask = s->cap_slots - 1, i = (size_t) hash_fnv1a(HASH_FNV1A_INIT, name, strlen(name)) & mask;
        while (s->dataset_slots[i] && strcmp(s->dataset_names.data + s->dataset_slots[i] - 1, name) != 0)
                i = (i + 1) & mask;
        return i;
}

/* 1 when this pool had the dataset already, else 0 (and it is kept),
 * or -ENOMEM. */
static int zfs_dataset_seen(struct zfs_state *s, const char *name) {
        if (2 * (s->n_datasets + 1) > s->cap_slots) {
                size_t cap = s->cap_slots ? 2 * s->cap_slots : 64;
                uint32_t *slots = calloc(cap, sizeof(*slots));
                if (!slots)
                        return -ENOMEM;
                uint32_t *old = s->dataset_slots;
                size_t old_cap = s->cap_slots;
                s->dataset_slots = slots;
                s->cap_slots = cap;
                for (size_t i = 0; i < old_cap; i++)
                        if (old[i])
                                slots[zfs_dataset_slot(s, s->dataset_names.data + old[i] - 1)] = old[i];
                free(old);
        }
        size_t i = zfs_dataset_slot(s, name);
        if (s->dataset_slots[i])
                return 1;
        size_t off = s->dataset_names.len;
        buf_puts(&s->dataset_names, name);
        buf_putc(&s->dataset_names, '\0');
        if (s->dataset_names.error < 0 || off >= UINT32_MAX)
                return -ENOMEM;
        s->dataset_slots[i] = (uint32_t) off + 1;
        s->n_datasets++;
        return 0;
}

/* A kstat file in s->file: a header line, "name type data", then a line
 * per value; the uint64 ones (type 4) are exported, labelled by values.
 * In an objset file, dataset_name (a string) gives values[1] first, into
 * dataset. *ret_found: whether the column line was there. */
static int zfs_kstat(struct zfs_state *s, struct zfs_names *names, const char *prefix, const char *file,
                     unsigned n_labels, const char *const *labels, const char *const *values, char *dataset,
                     struct collect_ctx *ctx, bool *ret_found) {
        struct lines lines = lines_of(&s->file, &ctx->parse_errors);
        struct metric_mark mark = metric_set_mark(ctx->set);
        const char *line;
        size_t len, k = 0;
        bool columns = false;
        *ret_found = false;
        while (lines_next(&lines, &line, &len)) {
                struct field f[4];
                int n = split_fields(line, len, f, ELEMENTSOF(f));
                if (n == -E2BIG)
                        n = ELEMENTSOF(f) + 1; /* more fields than f holds */
                if (n == 0)
                        continue;
                if (!columns) {
                        columns = n == 3 && FIELD_EQ(f[0], "name") && FIELD_EQ(f[1], "type") && FIELD_EQ(f[2], "data");
                        continue;
                }
                /* the rest of the line: a dataset's name may hold blanks,
                 * node_exporter keeps only its first word */
                if (n >= 3 && dataset && FIELD_EQ(f[0], "dataset_name")) {
                        size_t n_name = (size_t) (line + len - f[2].s);
                        while (n_name > 0 && (f[2].s[n_name - 1] == ' ' || f[2].s[n_name - 1] == '\t'))
                                n_name--;
                        /* too long, or cut by a NUL byte that would make it another name */
                        if (n_name >= ZFS_DATASET_MAX || memchr(f[2].s, '\0', n_name)) {
                                ctx->parse_errors++;
                                return 0;
                        }
                        memcpy(dataset, f[2].s, n_name);
                        dataset[n_name] = '\0';
                        int seen = zfs_dataset_seen(s, dataset);
                        if (seen < 0)
                                return seen;
                        if (seen) { /* its series are the first file's */
                                dataset[0] = '\0';
                                ctx->parse_errors++;
                                *ret_found = true; /* the file is counted once */
                                return 0;
                        }
                        continue;
                }
                /* a value of another type is not exported, as in node_exporter */
                if (n == 3 && !FIELD_EQ(f[1], "4"))
                        continue;
                int err;
                uint64_t v;
                const struct metric_desc *desc =
                        n == 3 && (!dataset || dataset[0])
                                ? zfs_desc(s, names, k++, f[0], prefix, file, n_labels, labels, &err)
                                : (err = -EINVAL, NULL);
                if (!desc && err == -ENOMEM)
                        return -ENOMEM;
                if (!desc || metric_set_has_family_since(ctx->set, mark, desc) || parse_u64_field(f[2], &v) < 0) {
                        ctx->parse_errors++;
                        continue;
                }
                (void) metric_set_family(ctx->set, desc);
                (void) metric_set_sample(ctx->set, (double) v, values);
        }
        *ret_found = columns;
        return 0;
}

/* <pool>/io: a line of column names starting with nread, then a line of
 * as many values. */
static int zfs_pool_io(struct zfs_state *s, const char *pool, struct collect_ctx *ctx) {
        char rel[NAME_MAX + 8];
        (void) snprintf(rel, sizeof(rel), "%s/io", pool);
        int r = read_file_at(s->dir, rel, FILE_MAX_SMALL, &s->file);
        if (r < 0)
                return r == -ENOMEM ? r : 0; /* a pool being exported loses its files */
        struct lines lines = lines_of(&s->file, &ctx->parse_errors);
        const char *line;
        size_t len;
        struct field head[16], f[16];
        int n_head = 0;
        while (n_head == 0 && lines_next(&lines, &line, &len)) {
                int n = split_fields(line, len, head, ELEMENTSOF(head));
                if (n >= 12 && FIELD_EQ(head[0], "nread"))
                        n_head = n;
        }
        if (n_head == 0)
                return 0;
        if (!lines_next(&lines, &line, &len))
                return 0; /* no values yet */
        struct metric_mark mark = metric_set_mark(ctx->set);
        if (split_fields(line, len, f, ELEMENTSOF(f)) != n_head) {
                ctx->parse_errors++;
                return 0;
        }
        for (int i = 0; i < n_head; i++) {
                int err;
                uint64_t v;
                const struct metric_desc *desc =
                        zfs_desc(s, &s->io_names, (size_t) i, head[i], "zfs_zpool", "io", 1, zpool_label, &err);
                if (!desc && err == -ENOMEM)
                        return -ENOMEM;
                if (!desc || metric_set_has_family_since(ctx->set, mark, desc) || parse_u64_field(f[i], &v) < 0) {
                        ctx->parse_errors++;
                        continue;
                }
                (void) metric_set_family(ctx->set, desc);
                (void) metric_set_sample1(ctx->set, (double) v, pool);
        }
        ctx->parse_errors += lines_next(&lines, &line, &len); /* one line of values only */
        return 0;
}

/* <pool>/state: "ONLINE"; one sample per state node_exporter knows, 1 for
 * the pool's. */
static int zfs_pool_state(struct zfs_state *s, const char *pool, struct collect_ctx *ctx) {
        char rel[NAME_MAX + 8];
        (void) snprintf(rel, sizeof(rel), "%s/state", pool);
        int r = read_file_at(s->dir, rel, FILE_MAX_SMALL, &s->file);
        if (r < 0)
                return r == -ENOMEM ? r : 0;
        size_t n = strcspn(s->file.data, "\n");
        /* one it does not know (suspended) is every state 0, as node_exporter says */
        (void) metric_set_family(ctx->set, &state_desc);
        for (size_t i = 0; i < ELEMENTSOF(zfs_states); i++)
                (void) metric_set_sample2(
                        ctx->set, strlen(zfs_states[i]) == n && strncasecmp(s->file.data, zfs_states[i], n) == 0, pool,
                        zfs_states[i]);
        return 0;
}

static int zfs_pool(struct zfs_state *s, const char *pool, struct collect_ctx *ctx) {
        int r = zfs_pool_io(s, pool, ctx);
        if (r < 0)
                return r;
        char path[PATH_MAX];
        if (path_join(path, sizeof(path), s->dir, pool) < 0 || dirlist_read(&s->objsets, path) < 0)
                return 0;
        zfs_datasets_reset(s);
        for (size_t i = 0; i < s->objsets.n; i++) {
                const char *objset = dirlist_name(&s->objsets, i);
                char rel[2 * NAME_MAX + 2], dataset[ZFS_DATASET_MAX] = "";
                if (strncmp(objset, "objset-", 7) != 0)
                        continue;
                (void) snprintf(rel, sizeof(rel), "%s/%s", pool, objset);
                r = read_file_at(s->dir, rel, FILE_MAX_SMALL, &s->file);
                if (r == -ENOMEM)
                        return r;
                if (r < 0)
                        continue;
                const char *values[] = {pool, dataset};
                bool found;
                r = zfs_kstat(s, &s->objset_names, "zfs_zpool_dataset", "objset", 2, dataset_labels, values, dataset,
                              ctx, &found);
                if (r < 0)
                        return r;
                ctx->parse_errors += !found;
        }
        return zfs_pool_state(s, pool, ctx);
}

static int zfs_collect(void *state, struct collect_ctx *ctx) {
        struct zfs_state *s = state;
        int r = optional_dirlist_read(&s->missing_until_ns, &s->entries, s->dir);
        if (r < 0)
                return r;
        for (size_t i = 0; i < N_KSTATS; i++) {
                if (!dirlist_has(&s->entries, zfs_kstats[i].file))
                        continue; /* each came with a ZFS release: older ones lack some */
                r = read_file_at(s->dir, zfs_kstats[i].file, FILE_MAX_SMALL, &s->file);
                if (r == -ENOMEM)
                        return r;
                if (r < 0)
                        continue;
                char prefix[32];
                (void) snprintf(prefix, sizeof(prefix), "zfs_%s", zfs_kstats[i].subsystem);
                bool found;
                r = zfs_kstat(s, &s->kstat_names[i], prefix, zfs_kstats[i].file, 0, NULL, NULL, NULL, ctx, &found);
                if (r < 0)
                        return r;
                ctx->parse_errors += !found;
        }
        /* the pools are the directories beside those files */
        for (size_t i = 0; i < s->entries.n; i++) {
                const char *name = dirlist_name(&s->entries, i);
                _cleanup_close_ int fd = openat(s->entries.fd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (fd < 0)
                        continue;
                r = zfs_pool(s, name, ctx);
                if (r < 0)
                        return r;
        }
        return ctx->set->error;
}

const struct collector zfs_collector = {
        .name = "zfs",
        .help = "ZFS kstats (ARC, ZIL, DMU, prefetch...) and each pool's I/O, datasets and state, from "
                "/proc/spl/kstat/zfs",
        .default_enabled = true,
        .init = zfs_init,
        .collect = zfs_collect,
        .free = zfs_free,
};
