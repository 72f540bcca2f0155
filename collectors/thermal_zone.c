/* thermal_zone: ACPI/SoC thermal zones and cooling devices from
 * /sys/class/thermal, as node_exporter: node_thermal_zone_temp{zone,type}
 * and node_cooling_device_{cur,max}_state{name,type}. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collector.h"
#include "dirlist.h"
#include "fileio.h"

static const char *const zone_labels[] = {"type", "zone"};
static const struct metric_desc zone_desc = {"node_thermal_zone_temp", "Zone temperature in Celsius", METRIC_GAUGE, 2,
                                             zone_labels};
static const char *const cooling_labels[] = {"name", "type"};
static const struct metric_desc cur_desc = {"node_cooling_device_cur_state",
                                            "Current throttle state of the cooling device", METRIC_GAUGE, 2,
                                            cooling_labels};
static const struct metric_desc max_desc = {"node_cooling_device_max_state",
                                            "Maximum throttle state of the cooling device", METRIC_GAUGE, 2,
                                            cooling_labels};

struct thermal_state {
        char dir[PATH_MAX];
        struct dirlist entries;
};

static int thermal_init(const struct collector_env *env, _unused_ const struct config_section *section,
                        _unused_ struct diag *diag, void **ret_state) {
        struct thermal_state *s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        if (path_join(s->dir, sizeof(s->dir), env->sysfs, "class/thermal") < 0) {
                free(s);
                return -ENAMETOOLONG;
        }
        *ret_state = s;
        return 0;
}

static void thermal_free(void *state) {
        struct thermal_state *s = state;
        if (s)
                dirlist_free(&s->entries);
        free(s);
}

/* An integer attribute; a value that is not one is counted as garbage, a
 * read the kernel refuses (a zone whose sensor is asleep) is just absent. */
static bool read_int(const char *dir, const char *name, int64_t *ret, struct collect_ctx *ctx) {
        int r = read_attr_i64(dir, name, ret);
        ctx->parse_errors += r == -EBADMSG;
        return r == 0;
}

static int thermal_collect(void *state, struct collect_ctx *ctx) {
        struct thermal_state *s = state;
        int r = dirlist_read_kept(&s->entries, s->dir);
        if (r < 0)
                return r;
        bool zones = false;
        for (int pass = 0; pass < 2; pass++) {
                for (size_t i = 0; i < s->entries.n; i++) {
                        const char *e = dirlist_name(&s->entries, i);
                        const char *prefix = pass == 0 ? "thermal_zone" : "cooling_device";
                        size_t pl = strlen(prefix);
                        if (strncmp(e, prefix, pl) != 0 || e[pl] == '\0')
                                continue;
                        /* a cooling device's type read once for both its
                         * states: a read that fails is one fault, counted once */
                        char dir[PATH_MAX], type[128];
                        int64_t v;
                        if (path_join(dir, sizeof(dir), s->dir, e) < 0 ||
                            read_attr_at(dir, "type", type, sizeof(type)) < 0)
                                continue;
                        if (pass == 0) {
                                if (!read_int(dir, "temp", &v, ctx))
                                        continue;
                                if (!zones)
                                        (void) metric_set_family(ctx->set, &zone_desc);
                                zones = true;
                                (void) metric_set_sample2(ctx->set, (double) v / 1000.0, type, e + pl);
                                continue;
                        }
                        /* one family entry per sample: the encoder merges them by name */
                        if (read_int(dir, "cur_state", &v, ctx)) {
                                (void) metric_set_family(ctx->set, &cur_desc);
                                (void) metric_set_sample2(ctx->set, (double) v, e + pl, type);
                        }
                        if (read_int(dir, "max_state", &v, ctx)) {
                                (void) metric_set_family(ctx->set, &max_desc);
                                (void) metric_set_sample2(ctx->set, (double) v, e + pl, type);
                        }
                }
        }
        return ctx->set->error;
}

const struct collector thermal_zone_collector = {
        .name = "thermal_zone",
        .help = "Thermal zone temperatures and cooling device states, from /sys/class/thermal",
        .default_enabled = true,
        .init = thermal_init,
        .collect = thermal_collect,
        .free = thermal_free,
};
