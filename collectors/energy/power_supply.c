/* The energy collector's power_supply source: what a UPS delivers, or a
 * battery while it discharges (then it powers the host), from
 * /sys/class/power_supply: power_now (µW) integrated over time, or else
 * the fall of energy_now (µWh). Mains adapters and a charging battery
 * deliver nothing measured here. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "dirlist.h"
#include "fileio.h"
#include "optional_file.h"
#include "source.h"
#include "sysfs_attr.h"

struct supply {
        uint64_t last_uw, last_uwh;
        bool has_power, has_energy;
        uint64_t last_ns; /* 0: not read yet, or not delivering then */
};

struct power_supply_source {
        char dir[PATH_MAX];
        uint64_t missing_until_ns; /* optional_file.h: looked for once a minute when absent */
        struct dirlist supplies;
        struct supply *state; /* parallel to the zones */
        size_t cap_state;
};

static int power_supply_init(const struct collector_env *env, _unused_ const struct config_section *section,
                             _unused_ struct diag *diag, void **ret_state) {
        struct power_supply_source *s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        if (path_join(s->dir, sizeof(s->dir), env->sysfs, "class/power_supply") < 0) {
                free(s);
                return -ENAMETOOLONG;
        }
        *ret_state = s;
        return 0;
}

static void power_supply_free(void *state) {
        struct power_supply_source *s = state;
        if (!s)
                return;
        dirlist_free(&s->supplies);
        free(s->state);
        free(s);
}

/* 1 for a supply read, 0 for one that delivers nothing to count. */
static int supply_read(struct power_supply_source *s, struct energy_zones *zones, const char *name,
                       const struct energy_read *rd) {
        char dir[PATH_MAX], t[32], st[32];
        if (path_join(dir, sizeof(dir), s->dir, name) < 0)
                return 0;
        _cleanup_close_ int dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dirfd < 0)
                return 0;
        int err;
        const char *type = sysfs_attr_text_fd(dirfd, "type", t, sizeof(t), &err);
        const char *status = sysfs_attr_text_fd(dirfd, "status", st, sizeof(st), &err);
        bool ups = type && strcmp(type, "UPS") == 0;
        bool battery = type && strcmp(type, "Battery") == 0;
        if (!ups && !battery)
                return 0;
        uint64_t uw = 0, uwh = 0;
        int rp = sysfs_attr_u64_fd(dirfd, "power_now", &uw);
        int re = sysfs_attr_u64_fd(dirfd, "energy_now", &uwh);
        if (rp == -ENOENT && re == -ENOENT)
                return 0;
        if (rp < 0 && rp != -ENOENT)
                return rp;
        if (re < 0 && re != -ENOENT)
                return re;

        struct energy_zone *z = energy_zone_get(zones, name);
        if (!z || array_reserve((void **) &s->state, &s->cap_state, zones->n, sizeof(*s->state)) < 0)
                return -ENOMEM;
        struct supply *p = &s->state[z - zones->v];
        bool delivering = ups || (status && strcmp(status, "Discharging") == 0);
        z->seen = true;
        z->host = delivering; /* a charging battery powers nothing */
        if (delivering && p->last_ns != 0) {
                double dt = (double) (rd->now_ns - p->last_ns) / 1e9;
                if (rp == 0 && p->has_power)
                        z->joules += ((double) p->last_uw + (double) uw) / 2e6 * dt;
                else if (re == 0 && p->has_energy && uwh < p->last_uwh)
                        z->joules += (double) (p->last_uwh - uwh) * 3.6e-3; /* 1 µWh = 3.6 mJ */
        }
        *p = (struct supply){.last_uw = uw,
                             .last_uwh = uwh,
                             .has_power = rp == 0,
                             .has_energy = re == 0,
                             .last_ns = delivering ? rd->now_ns : 0};
        return 1;
}

static int power_supply_read(void *state, struct energy_zones *zones, const struct energy_read *rd) {
        struct power_supply_source *s = state;
        int r = optional_dirlist_read(&s->missing_until_ns, &s->supplies, s->dir);
        if (r < 0)
                return r;
        struct energy_tally t = {0};
        for (size_t i = 0; i < s->supplies.n; i++) {
                int e = supply_read(s, zones, dirlist_name(&s->supplies, i), rd);
                if (e == -ENOMEM)
                        return e;
                energy_tally_add(&t, e);
        }
        return energy_tally_result(&t);
}

const struct energy_source energy_power_supply_source = {
        .name = "power_supply",
        .init = power_supply_init,
        .read = power_supply_read,
        .free = power_supply_free,
};
