/* btrfs: each mounted Btrfs file system's space, from
 * /sys/fs/btrfs/<uuid>, as node_exporter 1.5 reads it there: its label,
 * the global reserve, per block group type (data, metadata, system) the
 * space reserved, and per type and profile (single, dup, raid1...) the
 * space allocated and used and the allocation ratio; each device's size.
 * For a file system mounted here (<procfs>/1/mounts, opened under
 * --path.rootfs), the devices as its ioctls tell them instead, as
 * node_exporter 1.5: BTRFS_IOC_FS_INFO, then BTRFS_IOC_DEV_INFO and
 * BTRFS_IOC_GET_DEV_STATS per device id, giving each device's size,
 * unused bytes and error counters. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/btrfs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "array.h"
#include "collector.h"
#include "dirlist.h"
#include "fileio.h"
#include "optional_file.h"
#include "parse.h"
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

/* a device the ioctls tell of has its own UUID too, as node_exporter 1.5 */
static const char *const ioctl_device_labels[] = {"uuid", "device", "btrfs_dev_uuid"};
static const struct metric_desc ioctl_device_size_desc = {"node_btrfs_device_size_bytes",
                                                          "Size of a device that is part of the filesystem.",
                                                          METRIC_GAUGE, 3, ioctl_device_labels};
static const struct metric_desc device_unused_desc = {"node_btrfs_device_unused_bytes",
                                                      "Unused bytes unused on a device that is part of the filesystem.",
                                                      METRIC_GAUGE, 3, ioctl_device_labels};
static const char *const device_error_labels[] = {"uuid", "device", "btrfs_dev_uuid", "type"};
static const struct metric_desc device_errors_desc = {
        "node_btrfs_device_errors_total", "Errors reported for the device", METRIC_COUNTER, 4, device_error_labels};
/* BTRFS_DEV_STAT_WRITE_ERRS... in the kernel's order */
static const char *const dev_stat_names[BTRFS_DEV_STAT_VALUES_MAX] = {"write", "read", "flush", "corruption",
                                                                      "generation"};

static const char *const block_group_types[] = {"data", "metadata", "system"};

#define BTRFS_TEXT_MAX (SYSFS_ATTR_GO_MAX + 1)
#define BTRFS_SECTOR 512 /* a block device's size counts 512-byte sectors */

/* What the ioctls said of the file systems mounted here, this scrape:
 * each one's devices are devices[first, first + n). */
struct btrfs_ioctl_fs {
        char fsid[2 * BTRFS_FSID_SIZE + 1]; /* hex, as the sysfs UUID without its dashes */
        size_t first, n;
};
struct btrfs_ioctl_dev {
        char name[NAME_MAX + 1]; /* the last part of its path: "sda" */
        char uuid[37];
        uint64_t total_bytes, bytes_used;
        uint64_t errors[BTRFS_DEV_STAT_VALUES_MAX];
};

struct btrfs_state {
        char dir[PATH_MAX]; /* sysfs/fs/btrfs */
        const char *procfs, *rootfs;
        struct buf mounts, mount_strings;
        struct btrfs_ioctl_fs *fss;
        size_t n_fss, cap_fss;
        struct btrfs_ioctl_dev *devs;
        size_t n_devs, cap_devs;
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
        s->procfs = env->procfs;
        s->rootfs = env->rootfs;
        *ret_state = s;
        return 0;
}

static void btrfs_free(void *state) {
        struct btrfs_state *s = state;
        if (!s)
                return;
        buf_free(&s->mounts);
        buf_free(&s->mount_strings);
        free(s->fss);
        free(s->devs);
        dirlist_free(&s->filesystems);
        dirlist_free(&s->entries);
        free(s->uuids);
        free(s);
}

/* Whether a read that gave r is counted here: one that failed, but not
 * for an attribute that is not there, nor for a fault that fileio counted
 * already. */
static bool btrfs_counted(int r) {
        return r < 0 && r != -ENOENT && !fileio_fault_counted(r);
}

/* dirfd/name's number into *ret: true; false, and no series, for an
 * attribute the kernel does not have (or a device gone since the
 * listing), and for anything that does not read as a number, counted.
 * Never 0 for a value that could not be read. */
static bool btrfs_value(int dirfd, const char *name, struct collect_ctx *ctx, uint64_t *ret) {
        int r = sysfs_attr_u64_fd(dirfd, name, ret);
        ctx->parse_errors += btrfs_counted(r);
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

/* The devices of the file system open at fd, by device id up to max_id;
 * an id with no device (one removed) answers ENODEV and is skipped, as
 * node_exporter does. */
static int btrfs_ioctl_devices(struct btrfs_state *s, int fd, uint64_t max_id) {
        for (uint64_t id = 0; id <= max_id; id++) {
                struct btrfs_ioctl_dev_info_args info = {.devid = id};
                if (ioctl(fd, BTRFS_IOC_DEV_INFO, &info) < 0) {
                        if (errno == ENODEV)
                                continue;
                        return -errno;
                }
                struct btrfs_ioctl_get_dev_stats stats = {.devid = id, .nr_items = BTRFS_DEV_STAT_VALUES_MAX};
                if (ioctl(fd, BTRFS_IOC_GET_DEV_STATS, &stats) < 0)
                        return -errno;
                if (array_reserve((void **) &s->devs, &s->cap_devs, s->n_devs + 1, sizeof(*s->devs)) < 0)
                        return -ENOMEM;
                struct btrfs_ioctl_dev *d = &s->devs[s->n_devs++];
                info.path[sizeof(info.path) - 1] = '\0';
                const char *slash = strrchr((const char *) info.path, '/');
                const char *name = slash ? slash + 1 : (const char *) info.path;
                size_t n = strnlen(name, sizeof(d->name));
                if (n == sizeof(d->name))
                        return -ENAMETOOLONG;
                memcpy(d->name, name, n + 1);
                const uint8_t *u = info.uuid;
                (void) snprintf(d->uuid, sizeof(d->uuid),
                                "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", u[0], u[1],
                                u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13], u[14],
                                u[15]);
                d->total_bytes = info.total_bytes;
                d->bytes_used = info.bytes_used;
                for (size_t i = 0; i < BTRFS_DEV_STAT_VALUES_MAX; i++)
                        d->errors[i] = i < stats.nr_items ? stats.values[i] : 0;
        }
        return 0;
}

/* Asks each Btrfs file system mounted here, once, for its devices (the
 * first of its mount points that opens and answers). A file system no
 * mount point answers for keeps its devices from sysfs, as with
 * node_exporter; so do all when the mount table cannot be read. */
static int btrfs_ioctl_scan(struct btrfs_state *s) {
        s->n_fss = s->n_devs = 0;
        int r = read_file_at(s->procfs, "1/mounts", FILE_MAX_TABLE, &s->mounts);
        if (r == -ENOENT)
                r = read_file_at(s->procfs, "mounts", FILE_MAX_TABLE, &s->mounts);
        if (r < 0)
                return r == -ENOMEM ? r : 0;
        struct lines lines = lines_of(&s->mounts, NULL);
        const char *line;
        size_t len;
        while (lines_next(&lines, &line, &len)) {
                struct field f[4];
                if (!split_leading_fields(line, len, f, 4) || f[2].n != 5 || memcmp(f[2].s, "btrfs", 5) != 0)
                        continue;
                buf_reset(&s->mount_strings);
                (void) field_put_unescaped(&s->mount_strings, f[1]);
                char path[PATH_MAX];
                if (s->mount_strings.error < 0)
                        return s->mount_strings.error;
                if (path_join(path, sizeof(path), s->rootfs, s->mount_strings.data) < 0)
                        continue;
                _cleanup_close_ int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                struct btrfs_ioctl_fs_info_args info = {0};
                if (fd < 0 || ioctl(fd, BTRFS_IOC_FS_INFO, &info) < 0)
                        continue;
                char fsid[sizeof(s->fss->fsid)];
                for (size_t i = 0; i < BTRFS_FSID_SIZE; i++)
                        (void) snprintf(fsid + 2 * i, 3, "%02x", info.fsid[i]);
                bool seen = false;
                for (size_t i = 0; i < s->n_fss && !seen; i++)
                        seen = strcmp(s->fss[i].fsid, fsid) == 0;
                if (seen || info.max_id > 1u << 16)
                        continue;
                if (array_reserve((void **) &s->fss, &s->cap_fss, s->n_fss + 1, sizeof(*s->fss)) < 0)
                        return -ENOMEM;
                size_t first = s->n_devs;
                r = btrfs_ioctl_devices(s, fd, info.max_id);
                if (r == -ENOMEM)
                        return r;
                if (r < 0) {
                        s->n_devs = first; /* maybe another mount point answers */
                        continue;
                }
                struct btrfs_ioctl_fs *fs = &s->fss[s->n_fss++];
                memcpy(fs->fsid, fsid, sizeof(fsid));
                fs->first = first;
                fs->n = s->n_devs - first;
        }
        return 0;
}

/* What the ioctls said of the file system whose UUID is uuid, or NULL. */
static const struct btrfs_ioctl_fs *btrfs_ioctl_find(const struct btrfs_state *s, const char *uuid) {
        char hex[sizeof(s->fss->fsid)];
        size_t n = 0;
        for (const char *p = uuid; *p; p++)
                if (*p != '-') {
                        if (n + 1 >= sizeof(hex))
                                return NULL;
                        hex[n++] = *p;
                }
        hex[n] = '\0';
        for (size_t i = 0; i < s->n_fss; i++)
                if (strcmp(s->fss[i].fsid, hex) == 0)
                        return &s->fss[i];
        return NULL;
}

/* The devices as the ioctls tell them: size, unused bytes, errors, each
 * with the device's UUID. */
static void btrfs_ioctl_emit(const struct btrfs_state *s, const struct btrfs_ioctl_fs *fs, const char *uuid,
                             struct collect_ctx *ctx) {
        for (size_t i = fs->first; i < fs->first + fs->n; i++) {
                const struct btrfs_ioctl_dev *d = &s->devs[i];
                const char *labels[] = {uuid, d->name, d->uuid};
                (void) metric_set_family(ctx->set, &ioctl_device_size_desc);
                (void) metric_set_sample(ctx->set, (double) d->total_bytes, labels);
                (void) metric_set_family(ctx->set, &device_unused_desc);
                (void) metric_set_sample(ctx->set, (double) (d->total_bytes - d->bytes_used), labels);
                (void) metric_set_family(ctx->set, &device_errors_desc);
                for (size_t e = 0; e < BTRFS_DEV_STAT_VALUES_MAX; e++) {
                        const char *v[] = {uuid, d->name, d->uuid, dev_stat_names[e]};
                        (void) metric_set_sample(ctx->set, (double) d->errors[e], v);
                }
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
                ctx->parse_errors += btrfs_counted(err);
                label = "";
        }
        (void) metric_set_family(ctx->set, &info_desc);
        (void) metric_set_sample2(ctx->set, 1, uuid, label);

        /* the devices, listed before the types take s->entries over */
        size_t n_devices = s->entries.n;
        const struct btrfs_ioctl_fs *fs = btrfs_ioctl_find(s, uuid);
        if (fs)
                btrfs_ioctl_emit(s, fs, uuid, ctx);
        else
                (void) metric_set_family(ctx->set, &device_size_desc);
        for (size_t i = 0; i < n_devices && !fs; i++) {
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
        /* the mount table is read only where a Btrfs file system is */
        bool any = false;
        for (size_t i = 0; i < s->filesystems.n && !any; i++)
                any = strchr(dirlist_name(&s->filesystems, i), '-') != NULL;
        if (any && (r = btrfs_ioctl_scan(s)) < 0)
                return r;
        /* file systems are named by their UUID; features/ is not one */
        for (size_t i = 0; i < s->filesystems.n && r == 0; i++)
                if (strchr(dirlist_name(&s->filesystems, i), '-'))
                        r = btrfs_filesystem(s, dirlist_name(&s->filesystems, i), ctx);
        return r < 0 ? r : ctx->set->error;
}

const struct collector btrfs_collector = {
        .name = "btrfs",
        .help = "Btrfs file systems' space per block group type and profile, from /sys/fs/btrfs, and their devices' "
                "sizes and error counters, from ioctls on their mount points",
        .default_enabled = true,
        .init = btrfs_init,
        .collect = btrfs_collect,
        .free = btrfs_free,
};
