/* dmi: the firmware's description of the machine (vendor, product,
 * board, chassis, BIOS), from /sys/class/dmi/id, as node_exporter 1.5:
 * one node_dmi_info sample labelled by the attributes there are. The
 * firmware does not change until a reboot, so it is read once, as
 * node_exporter reads it at start. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "collector.h"
#include "optional_file.h"
#include "sysfs_attr.h"

/* label names in node_exporter's (alphabetical) order; each is its
 * attribute's name, but system_vendor's (sys_vendor) */
static const char *const dmi_labels[] = {
        "bios_date",      "bios_release",   "bios_vendor",     "bios_version",    "board_asset_tag",
        "board_name",     "board_serial",   "board_vendor",    "board_version",   "chassis_asset_tag",
        "chassis_serial", "chassis_vendor", "chassis_version", "product_family",  "product_name",
        "product_serial", "product_sku",    "product_uuid",    "product_version", "system_vendor",
};
#define N_DMI ELEMENTSOF(dmi_labels)
_Static_assert(N_DMI <= METRIC_MAX_LABELS, "node_dmi_info needs more labels than the metric model has");

static const char *dmi_attr(size_t k) {
        return k == N_DMI - 1 ? "sys_vendor" : dmi_labels[k];
}

struct dmi_state {
        char dir[PATH_MAX]; /* sysfs/class/dmi/id */
        uint64_t missing_until_ns;
        bool read;
        unsigned bad; /* attributes skipped when it was read, counted at every scrape */
        struct metric_desc desc;
        const char *names[N_DMI];  /* desc's labels: the attributes there are */
        const char *values[N_DMI]; /* into text */
        char text[N_DMI][SYSFS_ATTR_GO_MAX + 1];
};

static int dmi_init(const struct collector_env *env, _unused_ const struct config_section *section,
                    _unused_ struct diag *diag, void **ret_state) {
        struct dmi_state *s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        if (path_join(s->dir, sizeof(s->dir), env->sysfs, "class/dmi/id") < 0) {
                free(s);
                return -ENAMETOOLONG;
        }
        s->desc = (struct metric_desc){
                "node_dmi_info",
                "A metric with a constant '1' value labeled by bios_date, bios_release, bios_vendor, bios_version, "
                "board_asset_tag, board_name, board_serial, board_vendor, board_version, chassis_asset_tag, "
                "chassis_serial, chassis_vendor, chassis_version, product_family, product_name, product_serial, "
                "product_sku, product_uuid, product_version, system_vendor if provided by DMI.",
                METRIC_GAUGE, 0, s->names};
        *ret_state = s;
        return 0;
}

static void dmi_free(void *state) {
        free(state);
}

/* Attribute k into s->text[k]: 1 if there, 0 if not (missing, or root's
 * only: the serials and the UUID), -EBADMSG for something else in its
 * place (not a regular file, past 128 bytes: cut there, as node_exporter
 * cuts it) or a failed read, and -EIO for a fault that fileio counted. */
static int dmi_read_attr(struct dmi_state *s, int dirfd, size_t k) {
        struct stat st;
        if (fstatat(dirfd, dmi_attr(k), &st, AT_SYMLINK_NOFOLLOW) < 0)
                return errno == ENOENT ? 0 : -EBADMSG;
        if (!S_ISREG(st.st_mode))
                return -EBADMSG;
        bool cut;
        int err;
        s->values[s->desc.n_labels] = sysfs_attr_go_text_fd(dirfd, dmi_attr(k), s->text[k], &cut, &err);
        if (!s->values[s->desc.n_labels]) {
                if (err == -EACCES || err == -EPERM || err == -ENOENT)
                        return 0;
                return fileio_fault_counted(err) ? err : -EBADMSG;
        }
        s->names[s->desc.n_labels++] = dmi_labels[k];
        return cut ? -EBADMSG : 1;
}

static int dmi_read(struct dmi_state *s) {
        _cleanup_close_ int dirfd = open(s->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dirfd < 0)
                return optional_note(&s->missing_until_ns, -errno);
        unsigned had = s->desc.n_labels;
        const char *had_names[N_DMI];
        memcpy(had_names, s->names, sizeof(had_names));
        s->desc.n_labels = 0;
        s->bad = 0;
        bool faulted = false;
        for (size_t k = 0; k < N_DMI; k++) {
                int r = dmi_read_attr(s, dirfd, k);
                s->bad += r == -EBADMSG;
                faulted = faulted || fileio_fault_counted(r);
        }
        /* The descriptor is rewritten in place, and the text encoder
         * remembers samples by their descriptor's address and label
         * values: with an attribute back at the end (system_vendor after
         * a fault), the first values are the same bytes, and it would
         * serve the sample without it. A descriptor that says something
         * else at the same address is one retired. */
        if (had != s->desc.n_labels || memcmp(had_names, s->names, had * sizeof(*had_names)) != 0)
                metric_desc_retired();
        /* A fault may pass, and is counted (by fileio) at each read that
         * meets it: read again at the next scrape rather than leave its
         * label out until the agent restarts. */
        s->read = !faulted;
        return 0;
}

static int dmi_collect(void *state, struct collect_ctx *ctx) {
        struct dmi_state *s = state;
        if (!s->read) {
                if (optional_still_missing(&s->missing_until_ns))
                        return -ENOENT;
                int r = dmi_read(s);
                if (r < 0)
                        return r;
        }
        ctx->parse_errors += s->bad;
        if (s->desc.n_labels == 0)
                return 0;
        (void) metric_set_family(ctx->set, &s->desc);
        (void) metric_set_sample(ctx->set, 1, s->values);
        return ctx->set->error;
}

const struct collector dmi_collector = {
        .name = "dmi",
        .help = "The machine's vendor, product, board, chassis and BIOS as the firmware describes them, from "
                "/sys/class/dmi/id",
        .default_enabled = true,
        .init = dmi_init,
        .collect = dmi_collect,
        .free = dmi_free,
};
