/* The energy collector's RAPL source: powercap's energy_uj counters made
 * vigie's own, counted across the kernel's wrap at max_energy_range_uj.
 * An intel-rapl-mmio zone with an MSR twin is the same counter and is
 * left out; the host figure is psys where there is one (it contains the
 * packages), else the packages and DRAM, never their cores and uncores. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "powercap_zones.h"
#include "source.h"
#include "sysfs_attr.h"

/* A zone without a power constraint (dram, core) and no configured bound:
 * more than any socket or DIMM set draws, so that the period it gives
 * still never misses a wrap. */
#define RAPL_FALLBACK_MAX_UW 1000e6
/* The sampling period is half the time the fastest zone takes to wrap at
 * its maximum power. */
#define RAPL_MARGIN 2.0

struct rapl_counter {
        char entry[64];
        size_t zone;       /* in zones */
        uint64_t last_uj;  /* what energy_uj said last */
        uint64_t last_ns;  /* when */
        uint64_t range_uj; /* max_energy_range_uj */
        double max_uw;     /* the most it can draw: its constraints, the configured bound, or the fallback */
};

struct rapl_source {
        struct powercap_zones pz;
        double bound_uw; /* configured; 0: the zones' constraints */
        struct rapl_counter *counters;
        size_t n_counters, cap_counters;
};

static int rapl_init(const struct collector_env *env, const struct config_section *section, struct diag *diag,
                     void **ret_state) {
        double bound;
        int r = config_section_double(section, "rapl_max_watts", 0, 0, 1e6, &bound, diag);
        if (r < 0)
                return r;
        struct rapl_source *s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        s->bound_uw = bound * 1e6;
        if (powercap_zones_init(&s->pz, env->sysfs) < 0) {
                free(s);
                return -ENAMETOOLONG;
        }
        *ret_state = s;
        return 0;
}

static void rapl_free(void *state) {
        struct rapl_source *s = state;
        if (!s)
                return;
        powercap_zones_free(&s->pz);
        free(s->counters);
        free(s);
}

/* The most a zone's constraints let it draw (long and short term, their
 * maximum and their limit); 0 if it has none. */
static double constraint_max_uw(const struct rapl_source *s, const char *entry) {
        char dir[PATH_MAX];
        if (path_join(dir, sizeof(dir), s->pz.dir, entry) < 0)
                return 0;
        _cleanup_close_ int dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dirfd < 0)
                return 0;
        double max = 0;
        for (unsigned i = 0; i < 4; i++) {
                static const char *const attrs[] = {"max_power_uw", "power_limit_uw"};
                for (size_t k = 0; k < ELEMENTSOF(attrs); k++) {
                        char name[64];
                        uint64_t v;
                        (void) snprintf(name, sizeof(name), "constraint_%u_%s", i, attrs[k]);
                        if (sysfs_attr_u64_fd(dirfd, name, &v) == 0 && (double) v > max)
                                max = (double) v;
                }
        }
        return max;
}

static double zone_max_uw(const struct rapl_source *s, const struct powercap_zone *z) {
        if (s->bound_uw > 0)
                return s->bound_uw;
        double max = constraint_max_uw(s, z->entry);
        if (max <= 0 && z->depth > 0) {
                /* a sub-zone draws no more than the zone above it may */
                char parent[64];
                (void) snprintf(parent, sizeof(parent), "%s", z->entry);
                char *colon = strrchr(parent, ':');
                if (colon)
                        *colon = '\0';
                max = constraint_max_uw(s, parent);
                if (strcmp(z->name, "dram") == 0)
                        max = 0; /* DRAM is outside the package's budget */
        }
        return max > 0 ? max : RAPL_FALLBACK_MAX_UW;
}

/* An MMIO zone that an MSR zone of the same name already counts. */
static bool mmio_twin(const struct powercap_zones *pz, const struct powercap_zone *z) {
        if (!z->mmio)
                return false;
        for (size_t i = 0; i < pz->n; i++)
                if (!pz->zones[i].mmio && pz->zones[i].depth == z->depth &&
                    strcmp(pz->zones[i].raw_name, z->raw_name) == 0)
                        return true;
        return false;
}

static struct rapl_counter *counter_of(struct rapl_source *s, struct energy_zones *zones, const struct powercap_zone *z,
                                       const char *label) {
        for (size_t i = 0; i < s->n_counters; i++)
                if (strcmp(s->counters[i].entry, z->entry) == 0)
                        return &s->counters[i];
        struct energy_zone *ez = energy_zone_get(zones, label);
        if (!ez || array_reserve((void **) &s->counters, &s->cap_counters, s->n_counters + 1, sizeof(*s->counters)) < 0)
                return NULL;
        struct rapl_counter *c = &s->counters[s->n_counters++];
        *c = (struct rapl_counter){.zone = (size_t) (ez - zones->v), .max_uw = zone_max_uw(s, z)};
        (void) snprintf(c->entry, sizeof(c->entry), "%s", z->entry);
        return c;
}

/* The energy since the last read, in µJ: across one wrap, or, when the
 * counter went back by more than a wrap at the zone's maximum power
 * could explain (the zone was reset), what it counted since. */
static double rapl_delta_uj(const struct rapl_counter *c, uint64_t uj, uint64_t now_ns) {
        if (uj >= c->last_uj)
                return (double) (uj - c->last_uj);
        double wrapped = (double) (c->range_uj - c->last_uj) + (double) uj;
        double most = c->max_uw * RAPL_MARGIN * (double) (now_ns - c->last_ns) / 1e9;
        return wrapped <= most ? wrapped : (double) uj;
}

static int rapl_read(void *state, struct energy_zones *zones, const struct energy_read *rd) {
        struct rapl_source *s = state;
        int r = powercap_zones_read(&s->pz);
        if (r < 0)
                return r;
        bool psys = false;
        for (size_t i = 0; i < s->pz.n; i++)
                psys |= strcmp(s->pz.zones[i].name, "psys") == 0;
        struct energy_tally t = {0};
        for (size_t i = 0; i < s->pz.n; i++) {
                const struct powercap_zone *z = &s->pz.zones[i];
                if (mmio_twin(&s->pz, z))
                        continue;
                char label[96];
                (void) snprintf(label, sizeof(label), "%s-%u", z->name, z->index);
                struct rapl_counter *c = counter_of(s, zones, z, label);
                if (!c)
                        return -ENOMEM;
                struct energy_zone *ez = &zones->v[c->zone];
                uint64_t uj;
                int e = powercap_zone_energy_uj(&s->pz, z, &uj);
                energy_tally_add(&t, e < 0 ? e : 1);
                if (e < 0)
                        continue;
                ez->seen = true;
                ez->host = psys ? strcmp(z->name, "psys") == 0
                                : (z->depth == 0 && strcmp(z->name, "package") == 0) || strcmp(z->name, "dram") == 0;
                if (c->last_ns != 0 && c->range_uj == z->max_energy_range_uj)
                        ez->joules += rapl_delta_uj(c, uj, rd->now_ns) / 1e6;
                c->last_uj = uj;
                c->last_ns = rd->now_ns;
                c->range_uj = z->max_energy_range_uj;
        }
        return energy_tally_result(&t); /* -ENOENT: powercap without a RAPL zone */
}

static uint64_t rapl_max_gap_ms(void *state) {
        struct rapl_source *s = state;
        double min_s = 0;
        for (size_t i = 0; i < s->n_counters; i++) {
                const struct rapl_counter *c = &s->counters[i];
                if (c->range_uj == 0)
                        continue;
                double wrap_s = (double) c->range_uj / c->max_uw;
                if (min_s == 0 || wrap_s < min_s)
                        min_s = wrap_s;
        }
        uint64_t ms = (uint64_t) (min_s / RAPL_MARGIN * 1000);
        return min_s > 0 && ms < 1000 ? 1000 : ms;
}

const struct energy_source energy_rapl_source = {
        .name = "rapl",
        .init = rapl_init,
        .read = rapl_read,
        .max_gap_ms = rapl_max_gap_ms,
        .free = rapl_free,
};
