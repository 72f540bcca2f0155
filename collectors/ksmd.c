/* ksmd (off by default, as in node_exporter 1.5): the kernel's same-page
 * merging daemon, from /sys/kernel/mm/ksm, as node_exporter 1.5 names
 * its files: node_ksmd_<file>, full_scans a counter (_total),
 * sleep_millisecs made seconds. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>

#include "collector.h"
#include "optional_file.h"
#include "sysfs_attr.h"

#define KSMD_FILE(file, name, type, divisor)                                                                           \
        { file, {"node_ksmd_" name, "ksmd '" file "' file.", type, 0, NULL}, divisor }
static const struct {
        const char *file;
        struct metric_desc desc;
        double divisor; /* as node_exporter divides, for the same double */
} ksmd_files[] = {
        KSMD_FILE("full_scans", "full_scans_total", METRIC_COUNTER, 1),
        KSMD_FILE("merge_across_nodes", "merge_across_nodes", METRIC_GAUGE, 1),
        KSMD_FILE("pages_shared", "pages_shared", METRIC_GAUGE, 1),
        KSMD_FILE("pages_sharing", "pages_sharing", METRIC_GAUGE, 1),
        KSMD_FILE("pages_to_scan", "pages_to_scan", METRIC_GAUGE, 1),
        KSMD_FILE("pages_unshared", "pages_unshared", METRIC_GAUGE, 1),
        KSMD_FILE("pages_volatile", "pages_volatile", METRIC_GAUGE, 1),
        KSMD_FILE("run", "run", METRIC_GAUGE, 1),
        KSMD_FILE("sleep_millisecs", "sleep_seconds", METRIC_GAUGE, 1000),
};

struct ksmd_state {
        char dir[PATH_MAX]; /* sysfs/kernel/mm/ksm */
        uint64_t missing_until_ns;
};

static int ksmd_init(const struct collector_env *env, _unused_ const struct config_section *section,
                     _unused_ struct diag *diag, void **ret_state) {
        struct ksmd_state *s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        if (path_join(s->dir, sizeof(s->dir), env->sysfs, "kernel/mm/ksm") < 0) {
                free(s);
                return -ENAMETOOLONG;
        }
        *ret_state = s;
        return 0;
}

static void ksmd_free(void *state) {
        free(state);
}

static int ksmd_collect(void *state, struct collect_ctx *ctx) {
        struct ksmd_state *s = state;
        if (optional_still_missing(&s->missing_until_ns))
                return -ENOENT;
        _cleanup_close_ int dirfd = open(s->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dirfd < 0)
                return optional_note(&s->missing_until_ns, -errno); /* a kernel without CONFIG_KSM */
        for (size_t i = 0; i < ELEMENTSOF(ksmd_files); i++) {
                uint64_t v;
                int r = sysfs_attr_u64_fd(dirfd, ksmd_files[i].file, &v);
                /* a file an older kernel lacks gives no sample */
                if (r == -ENOENT)
                        continue;
                if (r < 0) {
                        ctx->parse_errors += r == -EBADMSG;
                        continue;
                }
                (void) metric_set_family(ctx->set, &ksmd_files[i].desc);
                (void) metric_set_sample0(ctx->set, (double) v / ksmd_files[i].divisor);
        }
        return ctx->set->error;
}

const struct collector ksmd_collector = {
        .name = "ksmd",
        .help = "The kernel same-page merging daemon's pages and scans, from /sys/kernel/mm/ksm (off by default)",
        .default_enabled = false,
        .init = ksmd_init,
        .collect = ksmd_collect,
        .free = ksmd_free,
};
