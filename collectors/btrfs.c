/* btrfs: each mounted Btrfs file system's space, from
 * /sys/fs/btrfs/<uuid>, as node_exporter 1.5 reads it there: its label,
 * the global reserve, per block group type (data, metadata, system) the
 * space reserved, and per type and profile (single, dup, raid1...) the
 * space allocated and used and the allocation ratio; each device's size.
 * node_exporter's device error counters come from ioctls on the mount
 * points, not from sysfs, and are not here. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "collector.h"
#include "dirlist.h"
#include "optional_file.h"
#include "sysfs_attr.h"

static const char *const uuid_label[] = {"uuid"};
static const char *const info_labels[] = {"uuid", "label"};
static const char *const type_labels[] = {"uuid", "block_group_type"};
static const char *const layout_labels[] = {"uuid", "block_group_type", "mode"};
static const char *const device_labels[] = {"uuid", "device"};
static const struct metric_desc info_desc = {"node_btrfs_info", "Filesystem information", METRIC_GAUGE, 2, info_labels};
static const struct metric_desc global_rsv_desc = {"node_btrfs_global_rsv_size_bytes", "Size of global reserve.",
                                                   METRIC_GAUGE, 1, uuid_label};
static const struct metric_desc reserved_desc = {
        "node_btrfs_reserved_bytes", "Amount of space reserved for a data type", METRIC_GAUGE, 2, type_labels};
static const struct metric_desc used_desc = {"node_btrfs_used_bytes", "Amount of used space by a layout/data type",
                                             METRIC_GAUGE, 3, layout_labels};
static const struct metric_desc size_desc = {
        "node_btrfs_size_bytes", "Amount of space allocated for a layout/data type", METRIC_GAUGE, 3, layout_labels};
static const struct metric_desc ratio_desc = {
        "node_btrfs_allocation_ratio", "Data allocation ratio for a layout/data type", METRIC_GAUGE, 3, layout_labels};
static const struct metric_desc device_size_desc = {"node_btrfs_device_size_bytes",
                                                    "Size of a device that is part of the filesystem.", METRIC_GAUGE, 2,
                                                    device_labels};

static const char *const block_group_types[] = {"data", "metadata", "system"};

#define BTRFS_TEXT_MAX (SYSFS_ATTR_GO_MAX + 1)
#define BTRFS_SECTOR 512 /* a block device's size counts 512-byte sectors */

struct btrfs_state {
        char dir[PATH_MAX]; /* sysfs/fs/btrfs */
        uint64_t missing_until_ns;
        struct dirlist filesystems, entries; /* entries: a file system's devices, then a type's */
        char (*uuids)[BTRFS_TEXT_MAX];       /* this scrape's, to leave a repeated one out */
        size_t n_uuids, cap_uuids;
};

static int btrfs_init(const struct collector_env *env, _unused_ const struct config_section *section,
                      _unused_ struct diag *diag, void **ret_state) {
        struct btrfs_state *s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        if (path_join(s->dir, sizeof(s->dir), env->sysfs, "fs/btrfs") < 0) {
                free(s);
                return -ENAMETOOLONG;
        }
        *ret_state = s;
        return 0;
}

static void btrfs_free(void *state) {
        struct btrfs_state *s = state;
        if (!s)
                return;
        dirlist_free(&s->filesystems);
        dirlist_free(&s->entries);
        free(s->uuids);
        free(s);
}

/* dirfd/name's number into *ret: true, also for an attribute the kernel
 * does not have (0, as node_exporter reads it); false for anything else
 * in it, counted. */
static bool btrfs_value(int dirfd, const char *name, struct collect_ctx *ctx, uint64_t *ret) {
        int r = sysfs_attr_u64_fd(dirfd, name, ret);
        if (r == -ENOENT) {
                *ret = 0;
                return true;
        }
        ctx->parse_errors += r < 0;
        return r == 0;
}

/* What one copy of the data costs on disk per profile, as node_exporter
 * 1.5 works it out (raid1c3, raid1c4 and profiles it does not know: 0). */
static double btrfs_ratio(const char *mode, size_t n_devices) {
        double n = (double) n_devices;
        if (strcmp(mode, "single") == 0 || strcmp(mode, "raid0") == 0)
                return 1;
        if (strcmp(mode, "dup") == 0 || strcmp(mode, "raid1") == 0 || strcmp(mode, "raid10") == 0)
                return 2;
        if (strcmp(mode, "raid5") == 0)
                return n / (n - 1);
        if (strcmp(mode, "raid6") == 0)
                return n / (n - 2);
        return 0;
}

/* allocation/<type> of the file system at fsfd: its reserved space, and
 * its profiles, the directories in it. No such type (a file system of
 * mixed block groups has none of data and metadata) gives nothing. */
static void btrfs_type(struct btrfs_state *s, int fsfd, const char *path, const char *uuid, const char *type,
                       size_t n_devices, struct collect_ctx *ctx) {
        char rel[32], dir[PATH_MAX];
        (void) snprintf(rel, sizeof(rel), "allocation/%s", type);
        _cleanup_close_ int typefd = openat(fsfd, rel, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (typefd < 0 || path_join(dir, sizeof(dir), path, rel) < 0 || dirlist_read(&s->entries, dir) < 0)
                return;
        uint64_t reserved;
        if (btrfs_value(typefd, "bytes_reserved", ctx, &reserved)) {
                (void) metric_set_family(ctx->set, &reserved_desc);
                (void) metric_set_sample2(ctx->set, (double) reserved, uuid, type);
        }
        for (size_t i = 0; i < s->entries.n; i++) {
                const char *mode = dirlist_name(&s->entries, i);
                _cleanup_close_ int modefd = openat(typefd, mode, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (modefd < 0)
                        continue; /* the type's own attributes */
                const char *values[] = {uuid, type, mode};
                uint64_t used, total;
                if (btrfs_value(modefd, "used_bytes", ctx, &used)) {
                        (void) metric_set_family(ctx->set, &used_desc);
                        (void) metric_set_sample(ctx->set, (double) used, values);
                }
                if (btrfs_value(modefd, "total_bytes", ctx, &total)) {
                        (void) metric_set_family(ctx->set, &size_desc);
                        (void) metric_set_sample(ctx->set, (double) total, values);
                }
                (void) metric_set_family(ctx->set, &ratio_desc);
                (void) metric_set_sample(ctx->set, btrfs_ratio(mode, n_devices), values);
        }
}

static bool btrfs_seen(const struct btrfs_state *s, const char *uuid) {
        for (size_t i = 0; i < s->n_uuids; i++)
                if (strcmp(s->uuids[i], uuid) == 0)
                        return true;
        return false;
}

/* One file system, /sys/fs/btrfs/<name>; one that cannot be read (not a
 * directory, no devices, its UUID seen already) is counted. */
static int btrfs_filesystem(struct btrfs_state *s, const char *name, struct collect_ctx *ctx) {
        char path[PATH_MAX], devices[PATH_MAX];
        _cleanup_close_ int fsfd = openat(s->filesystems.fd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        int r = -EINVAL;
        if (fsfd >= 0 && path_join(path, sizeof(path), s->dir, name) == 0 &&
            path_join(devices, sizeof(devices), path, "devices") == 0)
                r = dirlist_read(&s->entries, devices);
        if (r == -ENOMEM)
                return r; /* not the file system's fault */
        if (r < 0) {
                ctx->parse_errors++;
                return 0;
        }
        if (array_reserve((void **) &s->uuids, &s->cap_uuids, s->n_uuids + 1, sizeof(*s->uuids)) < 0)
                return -ENOMEM;
        /* the metadata UUID, else the directory's name, as node_exporter */
        char label_text[BTRFS_TEXT_MAX], uuid_text[BTRFS_TEXT_MAX];
        bool cut;
        int err;
        const char *uuid = sysfs_attr_go_text_fd(fsfd, "metadata_uuid", uuid_text, &cut, &err);
        if (!uuid || !*uuid)
                uuid = name;
        if (strlen(uuid) >= sizeof(*s->uuids) || btrfs_seen(s, uuid)) {
                ctx->parse_errors++;
                return 0;
        }
        memcpy(s->uuids[s->n_uuids++], uuid, strlen(uuid) + 1);
        /* a label has up to 255 bytes; node_exporter reads 128 of them */
        const char *label = sysfs_attr_go_text_fd(fsfd, "label", label_text, &cut, &err);
        if (!label) {
                ctx->parse_errors += err != -ENOENT;
                label = "";
        }
        (void) metric_set_family(ctx->set, &info_desc);
        (void) metric_set_sample2(ctx->set, 1, uuid, label);

        /* the devices, listed before the types take s->entries over */
        (void) metric_set_family(ctx->set, &device_size_desc);
        size_t n_devices = s->entries.n;
        for (size_t i = 0; i < n_devices; i++) {
                const char *device = dirlist_name(&s->entries, i);
                char rel[NAME_MAX + 16];
                uint64_t sectors;
                (void) snprintf(rel, sizeof(rel), "devices/%s/size", device);
                if (btrfs_value(fsfd, rel, ctx, &sectors))
                        (void) metric_set_sample2(ctx->set, (double) sectors * BTRFS_SECTOR, uuid, device);
        }

        uint64_t rsv;
        if (btrfs_value(fsfd, "allocation/global_rsv_size", ctx, &rsv)) {
                (void) metric_set_family(ctx->set, &global_rsv_desc);
                (void) metric_set_sample1(ctx->set, (double) rsv, uuid);
        }
        for (size_t t = 0; t < ELEMENTSOF(block_group_types); t++)
                btrfs_type(s, fsfd, path, uuid, block_group_types[t], n_devices, ctx);
        return 0;
}

static int btrfs_collect(void *state, struct collect_ctx *ctx) {
        struct btrfs_state *s = state;
        int r = optional_dirlist_read(&s->missing_until_ns, &s->filesystems, s->dir);
        if (r < 0)
                return r;
        s->n_uuids = 0;
        /* file systems are named by their UUID; features/ is not one */
        for (size_t i = 0; i < s->filesystems.n && r == 0; i++)
                if (strchr(dirlist_name(&s->filesystems, i), '-'))
                        r = btrfs_filesystem(s, dirlist_name(&s->filesystems, i), ctx);
        return r < 0 ? r : ctx->set->error;
}

const struct collector btrfs_collector = {
        .name = "btrfs",
        .help = "Btrfs file systems' space per block group type and profile, and their devices' sizes, from "
                "/sys/fs/btrfs",
        .default_enabled = true,
        .init = btrfs_init,
        .collect = btrfs_collect,
        .free = btrfs_free,
};
