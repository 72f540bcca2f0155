/* filesystem: size, free and available bytes, inodes, read-only state and
 * errors of each mount, as node_exporter's node_filesystem_*, with labels
 * from /proc/1/mountinfo (octal escapes decoded). statfs runs through a
 * pool with a deadline: a dead NFS/CIFS mount shows as
 * node_filesystem_device_error 1, with device_error saying why, instead of
 * holding the scrape (node_exporter issue #3058).
 *
 * The mount table is parsed again only when it changed: the kernel flags
 * a change of the mount namespace (mount, umount, remount) to poll() on an
 * open mountinfo, so a scrape with nothing new skips generating and
 * parsing it. statfs itself runs at every scrape. */
#include <errno.h>
#include <limits.h>
#include <linux/magic.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/vfs.h>

#include "array.h"
#include "collector.h"
#include "fileio.h"
#include "filter.h"
#include "parse.h"
#include "statfs_pool.h"

/* node_exporter 1.5's defaults (upstream, not Debian's patched ones) */
#define DEFAULT_MOUNT_POINTS_EXCLUDE                                                                                   \
        "^/(dev|proc|run/credentials/.+|sys|var/lib/docker/.+|var/lib/containers/storage/.+)($|/)"
#define DEFAULT_FS_TYPES_EXCLUDE                                                                                       \
        "^(autofs|binfmt_misc|bpf|cgroup2?|configfs|debugfs|devpts|devtmpfs|fusectl|hugetlbfs|iso9660|mqueue|nsfs|"    \
        "overlay|proc|procfs|pstore|rpc_pipefs|securityfs|selinuxfs|squashfs|sysfs|tracefs)$"
#define DEFAULT_MOUNT_TIMEOUT "2s" /* declared once: the option's default, parsed at init */

/* File systems whose statfs answers from memory: called inline. Every
 * other type (nfs, cifs, fuse, ceph, 9p, and any type not listed) goes
 * through the pool with its deadline. */
static const char *const local_fs_types[] = {"btrfs", "exfat", "ext2",  "ext3",  "ext4",  "f2fs", "hfsplus", "jfs",
                                             "msdos", "ntfs",  "ntfs3", "ramfs", "tmpfs", "vfat", "xfs",     "zfs"};

static bool fs_is_local(const char *type) {
        for (size_t i = 0; i < ELEMENTSOF(local_fs_types); i++)
                if (strcmp(type, local_fs_types[i]) == 0)
                        return true;
        return false;
}
#define STATFS_WORKERS 2

static const char *const fs_labels[] = {"device", "fstype", "mountpoint"};
#define FS(name, help)                                                                                                 \
        { "node_filesystem_" name, help, METRIC_GAUGE, 3, fs_labels }
static const struct metric_desc avail_desc =
        FS("avail_bytes", "Filesystem space available to non-root users in bytes.");
static const struct metric_desc files_desc = FS("files", "Filesystem total file nodes.");
static const struct metric_desc files_free_desc = FS("files_free", "Filesystem total free file nodes.");
static const struct metric_desc free_desc = FS("free_bytes", "Filesystem free space in bytes.");
static const struct metric_desc readonly_desc = FS("readonly", "Filesystem read-only status.");
static const struct metric_desc size_desc = FS("size_bytes", "Filesystem size in bytes.");
/* node_exporter's labels plus device_error, empty when there is none (an
 * empty label is no label to Prometheus, so the healthy series are the same) */
static const char *const error_labels[] = {"device", "device_error", "fstype", "mountpoint"};
static const struct metric_desc error_desc = {
        "node_filesystem_device_error", "Whether an error occurred while getting statistics for the given device.",
        METRIC_GAUGE, 4, error_labels};
static const char *const mount_labels[] = {"device", "major", "minor", "mountpoint"};
static const struct metric_desc mount_desc = {"node_filesystem_mount_info", "Filesystem mount information.",
                                              METRIC_GAUGE, 4, mount_labels};
static const struct metric_desc blocked_desc = {
        "vigie_filesystem_statfs_blocked",
        "Threads still blocked in a statfs that passed mount_timeout (dead network mounts).", METRIC_GAUGE, 0, NULL};

static const struct collector_option filesystem_options[] = {
        {"mount_points_include", "", "mount points to report (a pattern); setting it drops the default exclude"},
        {"mount_points_exclude", DEFAULT_MOUNT_POINTS_EXCLUDE, "mount points to leave out"},
        {"fs_types_include", "", "file system types to report (a pattern)"},
        {"fs_types_exclude", DEFAULT_FS_TYPES_EXCLUDE, "file system types to leave out"},
        {"mount_timeout", DEFAULT_MOUNT_TIMEOUT,
         "a statfs still blocked after this long shows as node_filesystem_device_error 1"},
        {NULL, NULL, NULL},
};

struct mount {
        size_t device, mountpoint, fstype, path; /* offsets in strings */
        char major[21], minor[21];
        bool ro;
};

struct filesystem_state {
        const char *procfs;
        const char *rootfs;
        struct filter mount_points, fs_types;
        uint64_t timeout_ms;
        struct statfs_pool *pool;
        struct kernel_file mountinfo_file;
        bool table_valid;      /* mounts[] is mountinfo_file's content, parsed */
        unsigned table_errors; /* lines it skipped, counted again at each scrape */
        struct buf file, strings;
        struct mount *mounts;
        struct statfs_request *reqs; /* one per mount, as many as mounts can hold */
        size_t n, cap, cap_reqs;
        /* open-addressing set of the mounts kept so far in this scrape,
         * to drop repeats in linear time (500 mounts are common on a NAS) */
        size_t *seen;    /* index + 1 into mounts; 0 is empty */
        size_t seen_cap; /* a power of two, at least twice cap */
};

static int filesystem_init(const struct collector_env *env, const struct config_section *section, struct diag *diag,
                           void **ret_state) {
        struct filesystem_state *s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        int r = filter_from_config(&s->mount_points, section, "mount_points_include", NULL, "mount_points_exclude",
                                   DEFAULT_MOUNT_POINTS_EXCLUDE, diag);
        if (r >= 0)
                r = filter_from_config(&s->fs_types, section, "fs_types_include", NULL, "fs_types_exclude",
                                       DEFAULT_FS_TYPES_EXCLUDE, diag);
        uint64_t default_timeout_ms = 0;
        (void) parse_duration_ms(DEFAULT_MOUNT_TIMEOUT, &default_timeout_ms);
        if (r >= 0)
                r = config_section_duration_ms(section, "mount_timeout", default_timeout_ms, 10, 60000, &s->timeout_ms,
                                               diag);
        if (r >= 0)
                r = statfs_pool_new(STATFS_WORKERS, &s->pool);
        if (r < 0) {
                filter_free(&s->mount_points);
                filter_free(&s->fs_types);
                free(s);
                return r;
        }
        s->procfs = env->procfs;
        s->rootfs = env->rootfs;
        *ret_state = s;
        return 0;
}

static void filesystem_free(void *state) {
        struct filesystem_state *s = state;
        if (!s)
                return;
        statfs_pool_free(s->pool);
        kernel_file_close(&s->mountinfo_file);
        filter_free(&s->mount_points);
        filter_free(&s->fs_types);
        buf_free(&s->file);
        buf_free(&s->strings);
        free(s->mounts);
        free(s->reqs);
        free(s->seen);
        free(s);
}

static bool has_option(struct field opts, const char *opt) {
        size_t n = strlen(opt);
        for (size_t i = 0; i < opts.n;) {
                size_t j = i;
                while (j < opts.n && opts.s[j] != ',')
                        j++;
                if (j - i == n && memcmp(opts.s + i, opt, n) == 0)
                        return true;
                i = j + 1;
        }
        return false;
}

static uint64_t mount_hash(const struct filesystem_state *s, const struct mount *m) {
        uint64_t h = 1469598103934665603ull; /* FNV-1a over the labels every family has */
        const size_t offs[] = {m->mountpoint, m->device};
        for (size_t k = 0; k < ELEMENTSOF(offs); k++)
                for (const char *p = s->strings.data + offs[k];; p++) {
                        h = (h ^ (unsigned char) *p) * 1099511628211ull;
                        if (!*p)
                                break;
                }
        return h;
}

/* Adds mount n to the set; false if a mount with the same device and mount
 * point and either the same type or the same major:minor is there already:
 * a repeated bind mount would be a duplicate series of the size families,
 * or of node_filesystem_mount_info. Both share the hash of device and
 * mount point, so the probe meets every such mount. */
static bool mount_add_unique(struct filesystem_state *s, size_t n) {
        const struct mount *m = &s->mounts[n];
        for (size_t i = mount_hash(s, m) & (s->seen_cap - 1);; i = (i + 1) & (s->seen_cap - 1)) {
                if (s->seen[i] == 0) {
                        s->seen[i] = n + 1;
                        return true;
                }
                const struct mount *o = &s->mounts[s->seen[i] - 1];
                if (strcmp(s->strings.data + o->mountpoint, s->strings.data + m->mountpoint) == 0 &&
                    strcmp(s->strings.data + o->device, s->strings.data + m->device) == 0 &&
                    (strcmp(s->strings.data + o->fstype, s->strings.data + m->fstype) == 0 ||
                     (strcmp(o->major, m->major) == 0 && strcmp(o->minor, m->minor) == 0)))
                        return false;
        }
}

/* Room for one more mount: in the mounts, the statfs requests and the set
 * (twice the mounts' room). Each grows on its own, so that a step that ran
 * out of memory is taken again at the next call. */
static int filesystem_reserve(struct filesystem_state *s) {
        if (array_reserve((void **) &s->mounts, &s->cap, s->n + 1, sizeof(*s->mounts)) < 0 ||
            array_reserve((void **) &s->reqs, &s->cap_reqs, s->cap, sizeof(*s->reqs)) < 0)
                return -ENOMEM;
        if (s->seen_cap >= s->cap * 2)
                return 0;
        /* the set is rebuilt from the mounts kept so far */
        size_t *t = calloc(s->cap * 2, sizeof(*t));
        if (!t)
                return -ENOMEM;
        free(s->seen);
        s->seen = t;
        s->seen_cap = s->cap * 2;
        for (size_t i = 0; i < s->n; i++)
                (void) mount_add_unique(s, i);
        return 0;
}

/* One mountinfo line: "36 35 98:0 /root /mnt/point rw,noatime shared:1 - ext4 /dev/sda1 rw".
 * Returns 1 for a mount kept, 0 for one filtered out, -EINVAL for garbage. */
static int filesystem_parse_line(struct filesystem_state *s, const char *line, size_t len) {
        struct field f[32];
        int n = split_fields(line, len, f, ELEMENTSOF(f));
        if (n < 0)
                return -EINVAL; /* more than the 10 fields and few optional ones of a mount */
        size_t sep = 6;
        while (sep < (size_t) n && !FIELD_EQ(f[sep], "-"))
                sep++;
        if (sep + 3 > (size_t) n)
                return -EINVAL;
        const char *colon = memchr(f[2].s, ':', f[2].n);
        uint64_t maj, min;
        if (!colon || parse_u64(f[2].s, (size_t) (colon - f[2].s), &maj) < 0 ||
            parse_u64(colon + 1, f[2].n - (size_t) (colon + 1 - f[2].s), &min) < 0)
                return -EINVAL;

        size_t mark = s->strings.len;
        struct mount *m = &s->mounts[s->n];
        size_t raw_mp = field_put_unescaped(&s->strings, f[4]);
        if (s->strings.error < 0)
                return s->strings.error;
        /* the label is the mount point as seen from rootfs; statfs goes
         * through rootfs. Offsets, not pointers: appending may move the
         * buffer, so it is reserved before copying from itself. */
        size_t rl = strlen(s->rootfs);
        while (rl > 1 && s->rootfs[rl - 1] == '/')
                rl--;
        size_t raw_len = strlen(s->strings.data + raw_mp);
        const char *mp = s->strings.data + raw_mp;
        if (rl > 1 && strncmp(mp, s->rootfs, rl) == 0 && (mp[rl] == '/' || mp[rl] == '\0')) {
                if (buf_reserve(&s->strings, raw_len + 2) < 0)
                        return -ENOMEM;
                mp = s->strings.data + raw_mp;
                m->mountpoint = s->strings.len;
                buf_puts(&s->strings, mp[rl] ? mp + rl : "/");
                buf_putc(&s->strings, '\0');
        } else
                m->mountpoint = raw_mp;
        m->fstype = field_put_unescaped(&s->strings, f[sep + 1]);
        m->device = field_put_unescaped(&s->strings, f[sep + 2]);
        if (s->strings.error < 0)
                return s->strings.error;
        const char *label_mp = s->strings.data + m->mountpoint;
        if (!filter_pass(&s->mount_points, label_mp) || !filter_pass(&s->fs_types, s->strings.data + m->fstype)) {
                s->strings.len = mark;
                return 0;
        }
        (void) fmt_u64(m->major, maj);
        (void) fmt_u64(m->minor, min);
        /* the same device and mount point twice: keep the first */
        if (!mount_add_unique(s, s->n)) {
                s->strings.len = mark;
                return 0;
        }
        size_t label_len = strlen(label_mp);
        if (buf_reserve(&s->strings, rl + label_len + 2) < 0)
                return -ENOMEM;
        label_mp = s->strings.data + m->mountpoint;
        m->path = s->strings.len;
        if (rl > 1) {
                buf_put(&s->strings, s->rootfs, rl);
                if (label_mp[0] != '/')
                        buf_putc(&s->strings, '/');
        }
        buf_put(&s->strings, label_mp, label_len);
        buf_putc(&s->strings, '\0');
        m->ro = has_option(f[5], "ro");
        return s->strings.error < 0 ? s->strings.error : 1;
}

static void emit_stat(struct filesystem_state *s, struct collect_ctx *ctx, const struct metric_desc *desc, int which) {
        bool started = false;
        for (size_t i = 0; i < s->n; i++) {
                const struct statfs_request *q = &s->reqs[i];
                if (q->result < 0)
                        continue;
                const struct mount *m = &s->mounts[i];
                double bsize = (double) q->st.f_bsize, v;
                switch (which) {
                case 0: v = (double) q->st.f_bavail * bsize; break;
                case 1: v = (double) q->st.f_files; break;
                case 2: v = (double) q->st.f_ffree; break;
                case 3: v = (double) q->st.f_bfree * bsize; break;
                case 4: v = m->ro; break;
                default: v = (double) q->st.f_blocks * bsize; break;
                }
                if (!started) {
                        (void) metric_set_family(ctx->set, desc);
                        started = true;
                }
                const char *labels[] = {s->strings.data + m->device, s->strings.data + m->fstype,
                                        s->strings.data + m->mountpoint};
                (void) metric_set_sample(ctx->set, v, labels);
        }
}

static const char *error_reason(int r) {
        switch (r) {
        case 0: return "";
        case -ETIMEDOUT: return "statfs timed out";
        case -EAGAIN: return "not checked: too many mounts hung";
        default: return strerror(-r);
        }
}

/* Reads and parses the mount table into mounts[]. */
static int filesystem_parse(struct filesystem_state *s) {
        s->table_valid = false;
        s->table_errors = 0;
        bool kept = true;
        int r = kernel_file_read(&s->mountinfo_file, s->procfs, "1/mountinfo", FILE_MAX_TABLE, &s->file);
        if (r < 0) {
                kept = false;
                r = read_file_at(s->procfs, "self/mountinfo", FILE_MAX_TABLE, &s->file);
        }
        if (r < 0)
                return r;

        buf_reset(&s->strings);
        s->n = 0;
        if (s->seen)
                memset(s->seen, 0, s->seen_cap * sizeof(*s->seen));
        struct lines lines = lines_of(&s->file, &s->table_errors);
        const char *line;
        size_t len;
        while (lines_next(&lines, &line, &len)) {
                if (filesystem_reserve(s) < 0)
                        return -ENOMEM;
                r = filesystem_parse_line(s, line, len);
                if (r == -ENOMEM)
                        return r;
                if (r < 0)
                        s->table_errors++;
                else
                        s->n += (size_t) r;
        }
        /* only a procfs mountinfo says when it changes (a fixture file never does) */
        struct statfs st;
        s->table_valid = kept && fstatfs(s->mountinfo_file.fd, &st) == 0 && st.f_type == PROC_SUPER_MAGIC;
        return 0;
}

/* Whether the parsed table still holds: no change flagged since the last
 * poll. The poll comes before any read, so a change after it is flagged at
 * the next scrape. */
static bool mount_table_unchanged(struct filesystem_state *s) {
        if (!s->table_valid)
                return false;
        struct pollfd p = {.fd = s->mountinfo_file.fd, .events = POLLPRI};
        return poll(&p, 1, 0) == 0;
}

static int filesystem_collect(void *state, struct collect_ctx *ctx) {
        struct filesystem_state *s = state;
        int r = 0;
        if (!mount_table_unchanged(s)) {
                r = filesystem_parse(s);
                if (r < 0)
                        return r;
        }
        ctx->parse_errors += s->table_errors;
        /* local file systems inline; the others, which can hang, through the
         * pool (its queue skips the requests already done) */
        size_t pooled = 0;
        for (size_t i = 0; i < s->n; i++) {
                struct statfs_request *q = &s->reqs[i];
                *q = (struct statfs_request){.path = s->strings.data + s->mounts[i].path};
                if (fs_is_local(s->strings.data + s->mounts[i].fstype)) {
                        q->result = statfs(q->path, &q->st) < 0 ? -errno : 0;
                        q->done = 1;
                } else
                        pooled++;
        }
        if (pooled > 0) {
                r = statfs_pool_run(s->pool, s->reqs, s->n, s->timeout_ms);
                if (r < 0)
                        return r;
        }

        emit_stat(s, ctx, &avail_desc, 0);
        (void) metric_set_family(ctx->set, &error_desc);
        for (size_t i = 0; i < s->n; i++) {
                const struct mount *m = &s->mounts[i];
                const char *labels[] = {s->strings.data + m->device, error_reason(s->reqs[i].result),
                                        s->strings.data + m->fstype, s->strings.data + m->mountpoint};
                (void) metric_set_sample(ctx->set, s->reqs[i].result < 0, labels);
        }
        emit_stat(s, ctx, &files_desc, 1);
        emit_stat(s, ctx, &files_free_desc, 2);
        emit_stat(s, ctx, &free_desc, 3);
        (void) metric_set_family(ctx->set, &mount_desc);
        for (size_t i = 0; i < s->n; i++) {
                const struct mount *m = &s->mounts[i];
                const char *labels[] = {s->strings.data + m->device, m->major, m->minor,
                                        s->strings.data + m->mountpoint};
                (void) metric_set_sample(ctx->set, 1, labels);
        }
        emit_stat(s, ctx, &readonly_desc, 4);
        emit_stat(s, ctx, &size_desc, 5);
        (void) metric_set_family(ctx->set, &blocked_desc);
        (void) metric_set_sample0(ctx->set, statfs_pool_blocked(s->pool));
        return ctx->set->error;
}

const struct collector filesystem_collector = {
        .name = "filesystem",
        .help = "Mounted file system sizes and free space; a hung mount never holds the scrape",
        .default_enabled = true,
        .options = filesystem_options,
        .init = filesystem_init,
        .collect = filesystem_collect,
        .free = filesystem_free,
};
