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
#include "source.h"
#include "sysfs_attr.h"

struct supply {
        uint64_t last_uw, last_uwh;
        bool has_power, has_energy;
        uint64_t last_ns; /* 0: not read yet, or not delivering then */
};

struct power_supply_source {
        char dir[PATH_MAX];
        struct dirlist supplies;
        struct energy_zone *zones;
        size_t n, cap;
        struct supply *state; /* parallel to zones */
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
        free(s->zones);
        free(s->state);
        free(s);
}

/* 1 for a supply read, 0 for one that delivers nothing to count. */
static int supply_read(struct power_supply_source *s, const char *name, const struct energy_read *rd) {
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

        struct energy_zone *z = energy_zone_get(&s->zones, &s->n, &s->cap, name);
        if (!z || array_reserve((void **) &s->state, &s->cap_state, s->n, sizeof(*s->state)) < 0)
                return -ENOMEM;
        struct supply *p = &s->state[z - s->zones];
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

static int power_supply_read(void *state, const struct energy_read *rd) {
        struct power_supply_source *s = state;
        int r = dirlist_read_kept(&s->supplies, s->dir);
        if (r < 0)
                return r;
        int result = 0;
        unsigned found = 0;
        for (size_t i = 0; i < s->supplies.n; i++) {
                int e = supply_read(s, dirlist_name(&s->supplies, i), rd);
                if (e == -ENOMEM)
                        return e;
                if (e < 0 && result == 0)
                        result = e;
                found += e > 0;
        }
        return result < 0 ? result : found > 0 ? 0 : -ENOENT;
}

static struct energy_zone *power_supply_zones(void *state, size_t *ret_n) {
        struct power_supply_source *s = state;
        *ret_n = s->n;
        return s->zones;
}

const struct energy_source energy_power_supply_source = {
        .name = "power_supply",
        .init = power_supply_init,
        .read = power_supply_read,
        .zones = power_supply_zones,
        .free = power_supply_free,
};
