/* selinux: whether SELinux is on and its modes, as node_exporter 1.5:
 * node_selinux_enabled, and when it is 1, node_selinux_config_mode (the
 * SELINUX= line of /etc/selinux/config) and node_selinux_current_mode
 * (selinuxfs's enforce), 1 enforcing, 0 permissive, -1 disabled.
 * node_exporter 1.5 looks at the live /sys/fs/selinux and /etc; vigie
 * reads them under --path.sysfs and --path.rootfs. A host without
 * selinuxfs says node_selinux_enabled 0, as there. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "collector.h"
#include "optional_file.h"
#include "parse.h"

static const struct metric_desc enabled_desc = {"node_selinux_enabled", "SELinux is enabled, 1 is true, 0 is false",
                                                METRIC_GAUGE, 0, NULL};
static const struct metric_desc config_desc = {"node_selinux_config_mode", "Configured SELinux enforcement mode",
                                               METRIC_GAUGE, 0, NULL};
static const struct metric_desc current_desc = {"node_selinux_current_mode", "Current SELinux enforcement mode",
                                                METRIC_GAUGE, 0, NULL};

#define MODE_DISABLED (-1)

struct selinux_state {
        const char *sysfs, *rootfs;
        struct optional_file enforce, config;
        struct buf file;
};

static int selinux_init(const struct collector_env *env, _unused_ const struct config_section *section,
                        _unused_ struct diag *diag, void **ret_state) {
        struct selinux_state *s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        s->sysfs = env->sysfs;
        s->rootfs = env->rootfs;
        *ret_state = s;
        return 0;
}

static void selinux_free(void *state) {
        struct selinux_state *s = state;
        if (!s)
                return;
        optional_file_close(&s->enforce);
        optional_file_close(&s->config);
        buf_free(&s->file);
        free(s);
}

/* The SELINUX= line of the config, as libselinux reads it: blanks around
 * the line dropped, # and ; comments, the key exactly, the value without
 * its quotes; enforcing 1, permissive 0, anything else (disabled, no
 * file) -1. */
static int selinux_config_mode(struct selinux_state *s) {
        int r = optional_file_read(&s->config, s->rootfs, "etc/selinux/config", false, FILE_MAX_SMALL, &s->file);
        if (r < 0)
                return MODE_DISABLED;
        const char *p = s->file.data, *end = p + s->file.len;
        while (p < end) {
                const char *nl = memchr(p, '\n', (size_t) (end - p));
                const char *line = p, *line_end = nl ? nl : end;
                p = nl ? nl + 1 : end;
                while (line < line_end && (*line == ' ' || *line == '\t' || *line == '\r'))
                        line++;
                while (line_end > line && (line_end[-1] == ' ' || line_end[-1] == '\t' || line_end[-1] == '\r'))
                        line_end--;
                if (line == line_end || *line == '#' || *line == ';')
                        continue;
                if ((size_t) (line_end - line) < 8 || memcmp(line, "SELINUX=", 8) != 0)
                        continue;
                const char *v = line + 8, *v_end = line_end;
                while (v < v_end && *v == '"')
                        v++;
                while (v_end > v && v_end[-1] == '"')
                        v_end--;
                size_t n = (size_t) (v_end - v);
                if (n == 9 && memcmp(v, "enforcing", 9) == 0)
                        return 1;
                if (n == 10 && memcmp(v, "permissive", 10) == 0)
                        return 0;
                return MODE_DISABLED;
        }
        return MODE_DISABLED;
}

static int selinux_collect(void *state, struct collect_ctx *ctx) {
        struct selinux_state *s = state;
        /* selinuxfs's enforce: "1" or "0", there while SELinux is on */
        int r = optional_file_read(&s->enforce, s->sysfs, "fs/selinux/enforce", true, 64, &s->file);
        if (r == -ENOENT) {
                (void) metric_set_family(ctx->set, &enabled_desc);
                (void) metric_set_sample0(ctx->set, 0);
                return ctx->set->error;
        }
        if (r < 0)
                return r == -EFBIG ? -EINVAL : r;
        size_t n = s->file.len;
        while (n > 0 && s->file.data[n - 1] == '\n')
                n--;
        uint64_t current;
        bool current_ok = parse_u64(s->file.data, n, &current) == 0 && current <= 1;
        ctx->parse_errors += !current_ok;

        (void) metric_set_family(ctx->set, &enabled_desc);
        (void) metric_set_sample0(ctx->set, 1);
        (void) metric_set_family(ctx->set, &config_desc);
        (void) metric_set_sample0(ctx->set, selinux_config_mode(s));
        if (current_ok) {
                (void) metric_set_family(ctx->set, &current_desc);
                (void) metric_set_sample0(ctx->set, (double) current);
        }
        return ctx->set->error;
}

const struct collector selinux_collector = {
        .name = "selinux",
        .help = "Whether SELinux is enabled, and its configured and current modes",
        .default_enabled = true,
        .init = selinux_init,
        .collect = selinux_collect,
        .free = selinux_free,
};
