/* nvme: each NVMe controller's identity, from /sys/class/nvme/nvmeN, as
 * node_exporter 1.5: node_nvme_info{device,firmware_revision,model,serial,
 * state} 1 (firmware_rev, model, serial and state, without the blanks
 * the kernel pads them with). A controller one of whose attributes cannot
 * be read is left out. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "collector.h"
#include "dirlist.h"
#include "optional_file.h"
#include "sysfs_attr.h"

static const char *const info_labels[] = {"device", "firmware_revision", "model", "serial", "state"};
static const struct metric_desc info_desc = {"node_nvme_info",
                                             "Non-numeric data from /sys/class/nvme/<device>, value is always 1.",
                                             METRIC_GAUGE, 5, info_labels};
/* the attributes of labels 1 to 4 */
static const char *const info_attrs[] = {"firmware_rev", "model", "serial", "state"};
#define N_ATTRS ELEMENTSOF(info_attrs)
/* the NVMe identify data has 8, 40 and 20 bytes for them */
#define NVME_ATTR_MAX 256

struct nvme_state {
        char dir[PATH_MAX]; /* sysfs/class/nvme */
        uint64_t missing_until_ns;
        struct dirlist devices;
};

static int nvme_init(const struct collector_env *env, _unused_ const struct config_section *section,
                     _unused_ struct diag *diag, void **ret_state) {
        struct nvme_state *s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        if (path_join(s->dir, sizeof(s->dir), env->sysfs, "class/nvme") < 0) {
                free(s);
                return -ENAMETOOLONG;
        }
        *ret_state = s;
        return 0;
}

static void nvme_free(void *state) {
        struct nvme_state *s = state;
        if (!s)
                return;
        dirlist_free(&s->devices);
        free(s);
}

/* One controller's sample; a controller whose attributes cannot all be
 * read is left out, one past NVME_ATTR_MAX bytes counted as garbage. */
static void nvme_device(struct nvme_state *s, const char *name, struct collect_ctx *ctx) {
        _cleanup_close_ int dirfd = openat(s->devices.fd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dirfd < 0)
                return;
        char text[N_ATTRS][NVME_ATTR_MAX];
        const char *values[1 + N_ATTRS] = {name};
        for (size_t k = 0; k < N_ATTRS; k++) {
                int err = 0;
                values[1 + k] = sysfs_attr_text_fd(dirfd, info_attrs[k], text[k], sizeof(text[k]), &err);
                if (!values[1 + k]) {
                        ctx->parse_errors += err == -EFBIG;
                        return;
                }
        }
        (void) metric_set_sample(ctx->set, 1, values);
}

static int nvme_collect(void *state, struct collect_ctx *ctx) {
        struct nvme_state *s = state;
        int r = optional_dirlist_read(&s->missing_until_ns, &s->devices, s->dir);
        if (r < 0)
                return r;
        (void) metric_set_family(ctx->set, &info_desc);
        for (size_t i = 0; i < s->devices.n; i++)
                nvme_device(s, dirlist_name(&s->devices, i), ctx);
        return ctx->set->error;
}

const struct collector nvme_collector = {
        .name = "nvme",
        .help = "Each NVMe controller's model, serial number, firmware revision and state, from /sys/class/nvme",
        .default_enabled = true,
        .init = nvme_init,
        .collect = nvme_collect,
        .free = nvme_free,
};
