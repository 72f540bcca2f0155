/* tapestats: the I/O statistics of SCSI tape drives, from
 * /sys/class/scsi_tape/stN/stats, as node_exporter 1.5: node_tape_*
 * {device}, nanoseconds made seconds, for the drives named stN (the
 * kernel's nstN, stNl, stNm and stNa are the same drive's other modes)
 * that [collector.tapestats] ignored_devices does not leave out. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "array.h"
#include "collector.h"
#include "dirlist.h"
#include "filter.h"
#include "optional_file.h"
#include "sysfs_attr.h"

static const char *const device_label[] = {"device"};
static const struct {
        const char *attr;
        double scale;
        struct metric_desc desc;
} tape_attrs[] = {
        {"in_flight",
         1,
         {"node_tape_io_now", "The number of I/Os currently outstanding to this device.", METRIC_GAUGE, 1,
          device_label}},
        {"io_ns",
         1e-9,
         {"node_tape_io_time_seconds_total",
          "The amount of time spent waiting for all I/O to complete (including read and write). This includes tape "
          "movement commands such as seeking between file or set marks and implicit tape movement such as when "
          "rewind on close tape devices are used.",
          METRIC_COUNTER, 1, device_label}},
        {"other_cnt",
         1,
         {"node_tape_io_others_total",
          "The number of I/Os issued to the tape drive other than read or write commands. The time taken to "
          "complete these commands uses the following calculation io_time_seconds_total-read_time_seconds_total-"
          "write_time_seconds_total",
          METRIC_COUNTER, 1, device_label}},
        {"read_byte_cnt",
         1,
         {"node_tape_read_bytes_total", "The number of bytes read from the tape drive.", METRIC_COUNTER, 1,
          device_label}},
        {"read_cnt",
         1,
         {"node_tape_reads_completed_total", "The number of read requests issued to the tape drive.", METRIC_COUNTER, 1,
          device_label}},
        {"read_ns",
         1e-9,
         {"node_tape_read_time_seconds_total", "The amount of time spent waiting for read requests to complete.",
          METRIC_COUNTER, 1, device_label}},
        {"resid_cnt",
         1,
         {"node_tape_residual_total",
          "The number of times during a read or write we found the residual amount to be non-zero. This should "
          "mean that a program is issuing a read larger thean the block size on tape. For write not all data made "
          "it to tape.",
          METRIC_COUNTER, 1, device_label}},
        {"write_byte_cnt",
         1,
         {"node_tape_written_bytes_total", "The number of bytes written to the tape drive.", METRIC_COUNTER, 1,
          device_label}},
        {"write_cnt",
         1,
         {"node_tape_writes_completed_total", "The number of write requests issued to the tape drive.", METRIC_COUNTER,
          1, device_label}},
        {"write_ns",
         1e-9,
         {"node_tape_write_time_seconds_total", "The amount of time spent waiting for write requests to complete.",
          METRIC_COUNTER, 1, device_label}},
};
#define N_TAPE_ATTRS ELEMENTSOF(tape_attrs)

static const struct collector_option tapestats_options[] = {
        {"ignored_devices", "^$", "tape drives to leave out (a pattern)"},
        {NULL, NULL, NULL},
};

/* One drive's readings in this scrape. */
struct tape_row {
        const char *name; /* in the listing */
        uint64_t v[N_TAPE_ATTRS];
        unsigned has; /* bit k: v[k] was read */
};

struct tapestats_state {
        char dir[PATH_MAX]; /* sysfs/class/scsi_tape */
        uint64_t missing_until_ns;
        struct filter ignored;
        struct dirlist tapes;
        struct tape_row *rows;
        size_t n_rows, cap_rows;
};

static int tapestats_init(const struct collector_env *env, const struct config_section *section, struct diag *diag,
                          void **ret_state) {
        struct tapestats_state *s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        if (path_join(s->dir, sizeof(s->dir), env->sysfs, "class/scsi_tape") < 0) {
                free(s);
                return -ENAMETOOLONG;
        }
        int r = filter_from_config(&s->ignored, section, NULL, NULL, "ignored_devices", "^$", diag);
        if (r < 0) {
                free(s);
                return r;
        }
        *ret_state = s;
        return 0;
}

static void tapestats_free(void *state) {
        struct tapestats_state *s = state;
        if (!s)
                return;
        filter_free(&s->ignored);
        dirlist_free(&s->tapes);
        free(s->rows);
        free(s);
}

/* One drive's stats directory; -ENOENT if it has none. */
static int tapestats_read_drive(struct tapestats_state *s, const char *name, unsigned *parse_errors) {
        char dir[PATH_MAX];
        int n = snprintf(dir, sizeof(dir), "%s/%s/stats", s->dir, name);
        if (n < 0 || (size_t) n >= sizeof(dir))
                return -ENAMETOOLONG;
        _cleanup_close_ int dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dirfd < 0)
                return -errno;
        if (array_reserve((void **) &s->rows, &s->cap_rows, s->n_rows + 1, sizeof(*s->rows)) < 0)
                return -ENOMEM;
        struct tape_row *row = &s->rows[s->n_rows++];
        row->name = name;
        row->has = 0;
        for (size_t k = 0; k < N_TAPE_ATTRS; k++) {
                int r = sysfs_attr_u64_fd(dirfd, tape_attrs[k].attr, &row->v[k]);
                *parse_errors += r == -EBADMSG;
                if (r == 0)
                        row->has |= 1u << k;
        }
        return 0;
}

static int tapestats_collect(void *state, struct collect_ctx *ctx) {
        struct tapestats_state *s = state;
        int r = optional_dirlist_read(&s->missing_until_ns, &s->tapes, s->dir);
        if (r < 0)
                return r;
        s->n_rows = 0;
        for (size_t i = 0; i < s->tapes.n; i++) {
                const char *name = dirlist_name(&s->tapes, i);
                /* stN, the drive itself, as node_exporter 1.5 reads it (not nstN, stNa) */
                if (!sysfs_numbered_name(name, "st", 0) || !filter_pass(&s->ignored, name))
                        continue;
                r = tapestats_read_drive(s, name, &ctx->parse_errors);
                if (r == -ENOMEM)
                        return r;
        }
        if (s->n_rows == 0)
                return 0;

        for (size_t k = 0; k < N_TAPE_ATTRS; k++) {
                (void) metric_set_family(ctx->set, &tape_attrs[k].desc);
                for (size_t i = 0; i < s->n_rows; i++)
                        if (s->rows[i].has & (1u << k))
                                (void) metric_set_sample1(ctx->set, (double) s->rows[i].v[k] * tape_attrs[k].scale,
                                                          s->rows[i].name);
        }
        return ctx->set->error;
}

const struct collector tapestats_collector = {
        .name = "tapestats",
        .help = "SCSI tape drives' I/O statistics, from /sys/class/scsi_tape/stN/stats",
        .default_enabled = true,
        .options = tapestats_options,
        .init = tapestats_init,
        .collect = tapestats_collect,
        .free = tapestats_free,
};
