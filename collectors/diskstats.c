/* diskstats: block device counters from /proc/diskstats as node_disk_*,
 * and what udev knows of each device (--path.udev.data) as node_disk_info,
 * node_disk_ata_* and node_disk_device_mapper_info, as node_exporter 1.5.
 * Partitions, loop and ram devices are left out by default.
 *
 * udev's files are read again only when its data directory changed: udev
 * writes a device's file under another name and renames it into place, so
 * every change shows in the directory's stamp; a scrape of a server with
 * 64 disks costs one stat() there instead of 64 opens and reads. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "absence.h"
#include "array.h"
#include "collector.h"
#include "fileio.h"
#include "filter.h"
#include "parse.h"

#define DEFAULT_EXCLUDE "^(ram|loop|fd|(h|s|v|xv)d[a-z]|nvme\\d+n\\d+p)\\d+$"
#define SECTOR 512.0

static const char *const device_label[] = {"device"};
#define DISK(name, help, type)                                                                                         \
        { "node_disk_" name, help, type, 1, device_label }

/* The columns of /proc/diskstats after major, minor and name, in order:
 * 11 since 2.6, 15 with discards (4.18), 17 with flushes (5.5). */
static const struct {
        struct metric_desc desc;
        double factor;
} columns[] = {
        {DISK("reads_completed_total", "The total number of reads completed successfully.", METRIC_COUNTER), 1},
        {DISK("reads_merged_total", "The total number of reads merged.", METRIC_COUNTER), 1},
        {DISK("read_bytes_total", "The total number of bytes read successfully.", METRIC_COUNTER), SECTOR},
        {DISK("read_time_seconds_total", "The total number of seconds spent by all reads.", METRIC_COUNTER), 0.001},
        {DISK("writes_completed_total", "The total number of writes completed successfully.", METRIC_COUNTER), 1},
        {DISK("writes_merged_total", "The number of writes merged.", METRIC_COUNTER), 1},
        {DISK("written_bytes_total", "The total number of bytes written successfully.", METRIC_COUNTER), SECTOR},
        {DISK("write_time_seconds_total", "This is the total number of seconds spent by all writes.", METRIC_COUNTER),
         0.001},
        {DISK("io_now", "The number of I/Os currently in progress.", METRIC_GAUGE), 1},
        {DISK("io_time_seconds_total", "Total seconds spent doing I/Os.", METRIC_COUNTER), 0.001},
        {DISK("io_time_weighted_seconds_total", "The weighted # of seconds spent doing I/Os.", METRIC_COUNTER), 0.001},
        {DISK("discards_completed_total", "The total number of discards completed successfully.", METRIC_COUNTER), 1},
        {DISK("discards_merged_total", "The total number of discards merged.", METRIC_COUNTER), 1},
        {DISK("discarded_sectors_total", "The total number of sectors discarded successfully.", METRIC_COUNTER), 1},
        {DISK("discard_time_seconds_total", "This is the total number of seconds spent by all discards.",
              METRIC_COUNTER),
         0.001},
        {DISK("flush_requests_total", "The total number of flush requests completed successfully", METRIC_COUNTER), 1},
        {DISK("flush_requests_time_seconds_total", "This is the total number of seconds spent by all flush requests.",
              METRIC_COUNTER),
         0.001},
};
#define N_COLUMNS ELEMENTSOF(columns)

static const char *const info_labels[] = {"device", "major", "minor", "model", "path", "revision", "serial", "wwn"};
static const struct metric_desc info_desc = {"node_disk_info", "Info of /sys/block/<block_device>.", METRIC_GAUGE, 8,
                                             info_labels};
static const char *const dm_labels[] = {"device", "lv_layer", "lv_name", "name", "uuid", "vg_name"};
static const struct metric_desc dm_desc = {"node_disk_device_mapper_info", "Info about disk device mapper.",
                                           METRIC_GAUGE, 6, dm_labels};
static const struct metric_desc ata_write_cache_desc =
        DISK("ata_write_cache", "ATA disk has a write cache.", METRIC_GAUGE);
static const struct metric_desc ata_write_cache_enabled_desc =
        DISK("ata_write_cache_enabled", "ATA disk has its write cache enabled.", METRIC_GAUGE);
static const struct metric_desc ata_rotation_desc =
        DISK("ata_rotation_rate_rpm", "ATA disk rotation rate in RPMs (0 for SSDs).", METRIC_GAUGE);

/* udev properties read for each device */
enum {
        U_PATH,
        U_WWN,
        U_MODEL,
        U_SERIAL,
        U_REVISION,
        U_DM_NAME,
        U_DM_UUID,
        U_DM_VG,
        U_DM_LV,
        U_DM_LAYER,
        U_ATA_WC,
        U_ATA_WC_ON,
        U_ATA_RPM,
        U_MAX
};
static const char *const udev_keys[U_MAX] = {
        "ID_PATH",
        "ID_WWN",
        "ID_MODEL",
        "ID_SERIAL_SHORT",
        "ID_REVISION",
        "DM_NAME",
        "DM_UUID",
        "DM_VG_NAME",
        "DM_LV_NAME",
        "DM_LV_LAYER",
        "ID_ATA_WRITE_CACHE",
        "ID_ATA_WRITE_CACHE_ENABLED",
        "ID_ATA_ROTATION_RATE_RPM",
};

struct disk {
        char name[64], major[21], minor[21];
        uint64_t dev; /* major << 32 | minor */
        unsigned n_values;
        uint64_t values[N_COLUMNS];
        size_t udev[U_MAX]; /* offsets in udev_values; 0 is "" */
};

struct diskstats_state {
        const char *procfs;
        const char *udev_data;
        struct filter filter;
        struct kernel_file diskstats_file;
        struct buf file, udev_file;
        struct disk *disks;
        size_t n, cap;
        /* What udev said of each device seen since its directory last
         * changed; the values of all of them, NUL-terminated, in udev_values */
        struct file_stamp udev_stamp;
        uint64_t udev_missing_until_ns; /* no directory: looked for once a minute (absence.h) */
        struct udev_entry {
                uint64_t dev;
                size_t udev[U_MAX];
        } * udev_cache;
        size_t udev_n, udev_cap;
        struct buf udev_values;
};

static const struct collector_option diskstats_options[] = {
        {"device_include", "", "devices to report (a pattern); setting it drops the default exclude"},
        {"device_exclude", DEFAULT_EXCLUDE, "devices to leave out (partitions, loop and ram devices)"},
        {NULL, NULL, NULL},
};

static int diskstats_init(const struct collector_env *env, const struct config_section *section, struct diag *diag,
                          void **ret_state) {
        struct diskstats_state *s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        int r = filter_from_config(&s->filter, section, "device_include", NULL, "device_exclude", DEFAULT_EXCLUDE,
                                   diag);
        if (r < 0) {
                free(s);
                return r;
        }
        s->procfs = env->procfs;
        s->udev_data = env->udev_data;
        *ret_state = s;
        return 0;
}

static void diskstats_free(void *state) {
        struct diskstats_state *s = state;
        if (!s)
                return;
        filter_free(&s->filter);
        kernel_file_close(&s->diskstats_file);
        buf_free(&s->file);
        buf_free(&s->udev_file);
        buf_free(&s->udev_values);
        free(s->udev_cache);
        free(s->disks);
        free(s);
}

/* Reads udev's b<major>:<minor> file: "E:KEY=value" lines. A device udev
 * does not know (or whose file cannot be read) has empty values, as with
 * node_exporter; only running out of memory, and a read fault (EIO, a
 * file cut short), are errors, since what it would remember then is not
 * what udev said. */
static int diskstats_udev_read(struct diskstats_state *s, struct disk *d) {
        memset(d->udev, 0, sizeof(d->udev));
        char rel[64];
        (void) snprintf(rel, sizeof(rel), "b%s:%s", d->major, d->minor);
        int r = read_file_at(s->udev_data, rel, FILE_MAX_SMALL, &s->udev_file);
        if (r < 0)
                return r == -ENOMEM || fileio_fault_counted(r) ? r : 0;
        struct lines lines = lines_of(&s->udev_file, NULL);
        const char *line;
        size_t len;
        while (lines_next(&lines, &line, &len)) {
                if (len < 3 || line[0] != 'E' || line[1] != ':')
                        continue;
                const char *eq = memchr(line, '=', len);
                if (!eq)
                        continue;
                size_t kl = (size_t) (eq - line - 2);
                for (size_t k = 0; k < U_MAX; k++)
                        if (strlen(udev_keys[k]) == kl && memcmp(udev_keys[k], line + 2, kl) == 0) {
                                d->udev[k] = s->udev_values.len;
                                buf_put(&s->udev_values, eq + 1, len - (size_t) (eq + 1 - line));
                                buf_putc(&s->udev_values, '\0');
                                break;
                        }
        }
        return s->udev_values.error;
}

/* d's udev values: remembered (the disks come in the same order every
 * scrape, so the i-th entry is tried first), or read and remembered. */
static int diskstats_udev(struct diskstats_state *s, struct disk *d, size_t i) {
        if (i >= s->udev_n || s->udev_cache[i].dev != d->dev)
                for (i = 0; i < s->udev_n && s->udev_cache[i].dev != d->dev; i++)
                        ;
        if (i < s->udev_n) {
                memcpy(d->udev, s->udev_cache[i].udev, sizeof(d->udev));
                return 0;
        }
        if (array_reserve((void **) &s->udev_cache, &s->udev_cap, s->udev_n + 1, sizeof(*s->udev_cache)) < 0)
                return -ENOMEM;
        int r = diskstats_udev_read(s, d);
        /* a fault passes, and udev's directory does not change then: empty
         * values this scrape, and the file read again at the next */
        if (fileio_fault_counted(r))
                return 0;
        if (r < 0)
                return r;
        s->udev_cache[s->udev_n].dev = d->dev;
        memcpy(s->udev_cache[s->udev_n].udev, d->udev, sizeof(d->udev));
        s->udev_n++;
        return 0;
}

static int diskstats_parse(struct diskstats_state *s, struct collect_ctx *ctx) {
        struct lines lines = lines_of(&s->file, &ctx->parse_errors);
        const char *line;
        size_t len;
        s->n = 0;
        while (lines_next(&lines, &line, &len)) {
                struct field f[3 + N_COLUMNS];
                int n = split_fields(line, len, f, ELEMENTSOF(f));
                uint64_t maj, min;
                if (n == 0)
                        continue;
                if ((n != 3 + 11 && n != 3 + 15 && n != 3 + 17) || parse_u64_field(f[0], &maj) < 0 ||
                    parse_u64_field(f[1], &min) < 0 || f[2].n >= sizeof(((struct disk *) 0)->name)) {
                        ctx->parse_errors++;
                        continue;
                }
                if (array_reserve((void **) &s->disks, &s->cap, s->n + 1, sizeof(*s->disks)) < 0)
                        return -ENOMEM;
                struct disk *d = &s->disks[s->n];
                memcpy(d->name, f[2].s, f[2].n);
                d->name[f[2].n] = '\0';
                if (!filter_pass(&s->filter, d->name))
                        continue;
                bool ok = true, dup = false;
                d->n_values = (unsigned) (n - 3);
                for (size_t i = 0; i < d->n_values && ok; i++)
                        ok = parse_u64_field(f[3 + i], &d->values[i]) == 0;
                for (size_t i = 0; i < s->n && !dup; i++)
                        dup = strcmp(s->disks[i].name, d->name) == 0;
                if (!ok || dup) {
                        ctx->parse_errors++;
                        continue;
                }
                (void) fmt_u64(d->major, maj);
                (void) fmt_u64(d->minor, min);
                d->dev = maj << 32 | (min & 0xffffffffu);
                s->n++;
        }
        return 0;
}

static void emit_udev_gauge(struct diskstats_state *s, struct collect_ctx *ctx, const struct metric_desc *desc,
                            int key) {
        bool started = false;
        for (size_t i = 0; i < s->n; i++) {
                const char *v = s->udev_values.data + s->disks[i].udev[key];
                uint64_t x;
                if (*v == '\0' || parse_u64(v, strlen(v), &x) < 0)
                        continue;
                if (!started) {
                        (void) metric_set_family(ctx->set, desc);
                        started = true;
                }
                (void) metric_set_sample1(ctx->set, (double) x, s->disks[i].name);
        }
}

static int diskstats_collect(void *state, struct collect_ctx *ctx) {
        struct diskstats_state *s = state;
        /* Read to the read that says 0: the kernel's record here is a disk
         * with every partition of it (block/genhd.c diskstats_show), a line
         * each, so no bound on a record's length tells a short read from
         * the end of the file. */
        int r = kernel_file_read(&s->diskstats_file, s->procfs, "diskstats", FILE_MAX_TABLE, &s->file);
        if (r < 0)
                return r;
        r = diskstats_parse(s, ctx);
        if (r < 0)
                return r;

        /* forgotten when udev changed something, and when devices that come
         * and go without udev (a container) have filled it up; a host
         * without udev's directory is not asked again within the minute */
        bool udev_changed = false;
        if (!optional_still_missing(&s->udev_missing_until_ns)) {
                udev_changed = !file_stamp_unchanged(&s->udev_stamp, s->udev_data, ".");
                (void) optional_note(&s->udev_missing_until_ns, -s->udev_stamp.err);
        }
        if (udev_changed || s->udev_n > 4 * s->n + 64 || s->udev_values.error < 0) {
                s->udev_n = 0;
                buf_reset(&s->udev_values);
                buf_putc(&s->udev_values, '\0');
        }
        for (size_t i = 0; i < s->n; i++)
                if (diskstats_udev(s, &s->disks[i], i) < 0)
                        return -ENOMEM;
        if (s->udev_values.error < 0)
                return s->udev_values.error;
        const char *u = s->udev_values.data;

        if (s->n > 0)
                (void) metric_set_family(ctx->set, &info_desc);
        for (size_t i = 0; i < s->n; i++) {
                const struct disk *d = &s->disks[i];
                const char *v[] = {d->name,
                                   d->major,
                                   d->minor,
                                   u + d->udev[U_MODEL],
                                   u + d->udev[U_PATH],
                                   u + d->udev[U_REVISION],
                                   u + d->udev[U_SERIAL],
                                   u + d->udev[U_WWN]};
                (void) metric_set_sample(ctx->set, 1, v);
        }
        for (size_t c = 0; c < N_COLUMNS; c++) {
                bool started = false;
                for (size_t i = 0; i < s->n; i++) {
                        const struct disk *d = &s->disks[i];
                        if (c >= d->n_values)
                                continue;
                        if (!started) {
                                (void) metric_set_family(ctx->set, &columns[c].desc);
                                started = true;
                        }
                        (void) metric_set_sample1(ctx->set, (double) d->values[c] * columns[c].factor, d->name);
                }
        }
        bool dm_started = false;
        for (size_t i = 0; i < s->n; i++) {
                const struct disk *d = &s->disks[i];
                if (d->udev[U_DM_NAME] == 0)
                        continue;
                if (!dm_started) {
                        (void) metric_set_family(ctx->set, &dm_desc);
                        dm_started = true;
                }
                const char *v[] = {d->name,
                                   u + d->udev[U_DM_LAYER],
                                   u + d->udev[U_DM_LV],
                                   u + d->udev[U_DM_NAME],
                                   u + d->udev[U_DM_UUID],
                                   u + d->udev[U_DM_VG]};
                (void) metric_set_sample(ctx->set, 1, v);
        }
        emit_udev_gauge(s, ctx, &ata_write_cache_desc, U_ATA_WC);
        emit_udev_gauge(s, ctx, &ata_write_cache_enabled_desc, U_ATA_WC_ON);
        emit_udev_gauge(s, ctx, &ata_rotation_desc, U_ATA_RPM);
        return ctx->set->error;
}

const struct collector diskstats_collector = {
        .name = "diskstats",
        .help = "Block device I/O counters, from /proc/diskstats and udev",
        .default_enabled = true,
        .options = diskstats_options,
        .init = diskstats_init,
        .collect = diskstats_collect,
        .free = diskstats_free,
};
