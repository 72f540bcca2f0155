/* drm (off by default, as in node_exporter 1.5): the AMD GPUs among
 * /sys/class/drm/card<N> (their device's uevent saying DRIVER=amdgpu), as
 * node_drm_card_info{card,memory_vendor,power_performance_level,unique_id,
 * vendor} and node_drm_{gpu_busy_percent,memory_*_bytes}{card}, from the
 * amdgpu driver's attributes of the card's device. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "collector.h"
#include "dirlist.h"
#include "fileio.h"
#include "macro.h"
#include "optional_file.h"
#include "sysfs_attr.h"

static const char *const card_label[] = {"card"};
static const char *const info_labels[] = {"card", "memory_vendor", "power_performance_level", "unique_id", "vendor"};
static const struct metric_desc info_desc = {"node_drm_card_info", "Card information", METRIC_GAUGE, 5, info_labels};
/* the attributes of labels 1 to 3 */
static const char *const info_attrs[] = {"mem_info_vram_vendor", "power_dpm_force_performance_level", "unique_id"};

#define DRM_DESC(name, help)                                                                                           \
        { "node_drm_" name, help, METRIC_GAUGE, 1, card_label }
static const struct {
        const char *attr;
        struct metric_desc desc;
} drm_values[] = {
        {"gpu_busy_percent", DRM_DESC("gpu_busy_percent", "How busy the GPU is as a percentage.")},
        {"mem_info_gtt_total",
         DRM_DESC("memory_gtt_size_bytes", "The size of the graphics translation table (GTT) block in bytes.")},
        {"mem_info_gtt_used",
         DRM_DESC("memory_gtt_used_bytes", "The used amount of the graphics translation table (GTT) block in bytes.")},
        {"mem_info_vis_vram_total", DRM_DESC("memory_vis_vram_size_bytes", "The size of visible VRAM in bytes.")},
        {"mem_info_vis_vram_used", DRM_DESC("memory_vis_vram_used_bytes", "The used amount of visible VRAM in bytes.")},
        {"mem_info_vram_total", DRM_DESC("memory_vram_size_bytes", "The size of VRAM in bytes.")},
        {"mem_info_vram_used", DRM_DESC("memory_vram_used_bytes", "The used amount of VRAM in bytes.")},
};

struct drm_state {
        char dir[PATH_MAX]; /* sysfs/class/drm */
        uint64_t missing_until_ns;
        struct dirlist cards;
};

static int drm_init(const struct collector_env *env, _unused_ const struct config_section *section,
                    _unused_ struct diag *diag, void **ret_state) {
        struct drm_state *s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        if (path_join(s->dir, sizeof(s->dir), env->sysfs, "class/drm") < 0) {
                free(s);
                return -ENAMETOOLONG;
        }
        *ret_state = s;
        return 0;
}

static void drm_free(void *state) {
        struct drm_state *s = state;
        if (!s)
                return;
        dirlist_free(&s->cards);
        free(s);
}

/* Whether the device's uevent has the line DRIVER=amdgpu. */
static bool drm_amdgpu(int dirfd) {
        char uevent[4096];
        int r = read_attr_fd(dirfd, "uevent", uevent, sizeof(uevent));
        if (r < 0)
                return false;
        for (const char *p = uevent, *end = uevent + r; p < end;) {
                const char *nl = memchr(p, '\n', (size_t) (end - p));
                size_t n = nl ? (size_t) (nl - p) : (size_t) (end - p);
                if (n == 13 && memcmp(p, "DRIVER=amdgpu", 13) == 0)
                        return true;
                p += n + 1;
        }
        return false;
}

/* One card's samples: an attribute it lacks gives none, one that does
 * not read is counted. */
static void drm_card(struct drm_state *s, const char *name, struct collect_ctx *ctx) {
        char path[NAME_MAX + 16];
        if (path_join(path, sizeof(path), name, "device") < 0)
                return;
        _cleanup_close_ int dirfd = openat(s->cards.fd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dirfd < 0 || !drm_amdgpu(dirfd))
                return;
        char text[ELEMENTSOF(info_attrs)][SYSFS_ATTR_GO_MAX + 1];
        const char *values[] = {name, "", "", "", "amd"};
        for (size_t k = 0; k < ELEMENTSOF(info_attrs); k++) {
                bool cut;
                int err = 0;
                const char *v = sysfs_attr_go_text_fd(dirfd, info_attrs[k], text[k], &cut, &err);
                if (v)
                        values[1 + k] = v;
        }
        (void) metric_set_family(ctx->set, &info_desc);
        (void) metric_set_sample(ctx->set, 1, values);
        for (size_t k = 0; k < ELEMENTSOF(drm_values); k++) {
                uint64_t v;
                int r = sysfs_attr_u64_fd(dirfd, drm_values[k].attr, &v);
                if (r < 0) {
                        ctx->parse_errors += r == -EBADMSG;
                        continue;
                }
                (void) metric_set_family(ctx->set, &drm_values[k].desc);
                (void) metric_set_sample1(ctx->set, (double) v, name);
        }
}

static int drm_collect(void *state, struct collect_ctx *ctx) {
        struct drm_state *s = state;
        int r = optional_dirlist_read(&s->missing_until_ns, &s->cards, s->dir);
        /* no DRM class: no card, and no failure (node_exporter's glob
         * finds nothing) */
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return r;
        for (size_t i = 0; i < s->cards.n; i++) {
                const char *name = dirlist_name(&s->cards, i);
                /* card0, not its connectors (card0-DP-1) nor renderD128 */
                if (sysfs_numbered_name(name, "card", 0))
                        drm_card(s, name, ctx);
        }
        return ctx->set->error;
}

const struct collector drm_collector = {
        .name = "drm",
        .help = "AMD GPUs' use and memory, from the amdgpu driver's attributes under /sys/class/drm (off by default)",
        .default_enabled = false,
        .init = drm_init,
        .collect = drm_collect,
        .free = drm_free,
};
