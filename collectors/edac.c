/* edac: the memory errors each memory controller counted, from
 * /sys/devices/system/edac/mc/mcN, as node_exporter 1.5:
 * node_edac_{correctable,uncorrectable}_errors_total{controller} (ce_count,
 * ue_count) and node_edac_csrow_{correctable,uncorrectable}_errors_total
 * {controller,csrow} (each csrowM's ce_count and ue_count, and the
 * controller's ce_noinfo_count and ue_noinfo_count as csrow "unknown").
 * A host without EDAC (most virtual machines) has no such directory. */
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
#include "optional_file.h"
#include "sysfs_attr.h"

static const char *const controller_label[] = {"controller"};
static const char *const csrow_labels[] = {"controller", "csrow"};

enum { EDAC_CE, EDAC_UE, N_KINDS };

static const struct metric_desc controller_desc[N_KINDS] = {
        {"node_edac_correctable_errors_total", "Total correctable memory errors.", METRIC_COUNTER, 1, controller_label},
        {"node_edac_uncorrectable_errors_total", "Total uncorrectable memory errors.", METRIC_COUNTER, 1,
         controller_label},
};
static const struct metric_desc csrow_desc[N_KINDS] = {
        {"node_edac_csrow_correctable_errors_total", "Total correctable memory errors for this csrow.", METRIC_COUNTER,
         2, csrow_labels},
        {"node_edac_csrow_uncorrectable_errors_total", "Total uncorrectable memory errors for this csrow.",
         METRIC_COUNTER, 2, csrow_labels},
};
static const char *const controller_attr[N_KINDS] = {"ce_count", "ue_count"};
static const char *const noinfo_attr[N_KINDS] = {"ce_noinfo_count", "ue_noinfo_count"};

/* the digits of "mcN" and "csrowN": a 64-bit number at most */
#define EDAC_NUMBER_MAX 20

/* One series pair of this scrape: a controller's totals (csrow[0] ==
 * '\0'), or one csrow's ("unknown": the errors of no known csrow). */
struct edac_row {
        const char *controller; /* the digits past "mc", in the controllers' listing */
        char csrow[EDAC_NUMBER_MAX + 1];
        uint64_t count[N_KINDS];
        unsigned has; /* bit k: count[k] was read */
};

struct edac_state {
        char dir[PATH_MAX]; /* sysfs/devices/system/edac/mc */
        uint64_t missing_until_ns;
        struct dirlist controllers, csrows;
        struct edac_row *rows;
        size_t n_rows, cap_rows;
};

static int edac_init(const struct collector_env *env, _unused_ const struct config_section *section,
                     _unused_ struct diag *diag, void **ret_state) {
        struct edac_state *s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        if (path_join(s->dir, sizeof(s->dir), env->sysfs, "devices/system/edac/mc") < 0) {
                free(s);
                return -ENAMETOOLONG;
        }
        *ret_state = s;
        return 0;
}

static void edac_free(void *state) {
        struct edac_state *s = state;
        if (!s)
                return;
        dirlist_free(&s->controllers);
        dirlist_free(&s->csrows);
        free(s->rows);
        free(s);
}

static struct edac_row *edac_add_row(struct edac_state *s, const char *controller, const char *csrow) {
        if (array_reserve((void **) &s->rows, &s->cap_rows, s->n_rows + 1, sizeof(*s->rows)) < 0)
                return NULL;
        struct edac_row *row = &s->rows[s->n_rows++];
        row->controller = controller;
        (void) snprintf(row->csrow, sizeof(row->csrow), "%s", csrow);
        row->has = 0;
        return row;
}

/* attrs[k] of dirfd into row; an absent attribute gives no value, garbage
 * is counted. */
static void edac_read_counts(int dirfd, const char *const attrs[N_KINDS], struct edac_row *row,
                             unsigned *parse_errors) {
        for (size_t k = 0; k < N_KINDS; k++) {
                int r = sysfs_attr_u64_fd(dirfd, attrs[k], &row->count[k]);
                *parse_errors += r == -EBADMSG;
                if (r == 0)
                        row->has |= 1u << k;
        }
}

/* One controller's rows: its totals, its "unknown" csrow, its csrows. */
static int edac_read_controller(struct edac_state *s, const char *name, unsigned *parse_errors) {
        const char *number = sysfs_numbered_name(name, "mc", EDAC_NUMBER_MAX);
        if (!number)
                return 0;
        char dir[PATH_MAX];
        int n = snprintf(dir, sizeof(dir), "%s/%s", s->dir, name);
        if (n < 0 || (size_t) n >= sizeof(dir))
                return -ENAMETOOLONG;
        _cleanup_close_ int dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dirfd < 0)
                return -errno;
        struct edac_row *row = edac_add_row(s, number, "");
        if (!row)
                return -ENOMEM;
        edac_read_counts(dirfd, controller_attr, row, parse_errors);
        row = edac_add_row(s, number, "unknown");
        if (!row)
                return -ENOMEM;
        edac_read_counts(dirfd, noinfo_attr, row, parse_errors);

        int r = dirlist_read(&s->csrows, dir);
        if (r < 0)
                return r;
        for (size_t i = 0; i < s->csrows.n; i++) {
                const char *csrow_name = dirlist_name(&s->csrows, i);
                const char *csrow = sysfs_numbered_name(csrow_name, "csrow", EDAC_NUMBER_MAX);
                if (!csrow)
                        continue;
                _cleanup_close_ int csrow_fd = openat(dirfd, csrow_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (csrow_fd < 0)
                        continue;
                row = edac_add_row(s, number, csrow);
                if (!row)
                        return -ENOMEM;
                edac_read_counts(csrow_fd, controller_attr, row, parse_errors);
        }
        return 0;
}

static int edac_collect(void *state, struct collect_ctx *ctx) {
        struct edac_state *s = state;
        /* no EDAC (most virtual machines): no series, but no failure
         * either, as node_exporter 1.5 says; looked for once a minute */
        int r = optional_dirlist_read(&s->missing_until_ns, &s->controllers, s->dir);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return r;
        s->n_rows = 0;
        for (size_t i = 0; i < s->controllers.n; i++) {
                r = edac_read_controller(s, dirlist_name(&s->controllers, i), &ctx->parse_errors);
                if (r == -ENOMEM)
                        return r;
        }
        /* the edac module without a memory controller driver: no series */
        if (s->n_rows == 0)
                return 0;

        for (int per_csrow = 0; per_csrow <= 1; per_csrow++)
                for (size_t k = 0; k < N_KINDS; k++) {
                        (void) metric_set_family(ctx->set, per_csrow ? &csrow_desc[k] : &controller_desc[k]);
                        for (size_t i = 0; i < s->n_rows; i++) {
                                const struct edac_row *row = &s->rows[i];
                                if ((row->csrow[0] != '\0') != per_csrow || !(row->has & (1u << k)))
                                        continue;
                                if (per_csrow)
                                        (void) metric_set_sample2(ctx->set, (double) row->count[k], row->controller,
                                                                  row->csrow);
                                else
                                        (void) metric_set_sample1(ctx->set, (double) row->count[k], row->controller);
                        }
                }
        return ctx->set->error;
}

const struct collector edac_collector = {
        .name = "edac",
        .help = "Memory errors each memory controller and csrow counted, from /sys/devices/system/edac/mc",
        .default_enabled = true,
        .init = edac_init,
        .collect = edac_collect,
        .free = edac_free,
};
