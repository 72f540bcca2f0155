/* What the energy collector asks of each of its sources (RAPL, hwmon,
 * power_supply, the model; later IPMI and NVML): zones, each with a joule
 * counter of vigie's own that never goes back, kept across the kernel's
 * wraps and resets. A source is a row of energy.c's table. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "collector.h"

struct energy_zone {
        char name[96]; /* label "zone": "package-0", "BAT0", "power_meter/hwmon0/power1" */
        double joules; /* since vigie started reading it */
        bool host;     /* part of the source's host figure (psys, or packages and DRAM, not cores) */
        bool seen;     /* read at least once: exposed from then on, its counter kept when a read fails */
        /* the energy collector's own: watts over the interval between two
         * collects (the first starts at the read that found the zone) */
        double collected_joules;
        uint64_t collected_ns;
        double watts;
        bool has_watts;
};

/* One read of a source. */
struct energy_read {
        uint64_t now_ns;            /* CLOCK_MONOTONIC */
        struct scrape_cache *cache; /* the scrape's; NULL in a sample between scrapes */
};

struct energy_source {
        const char *name; /* label "source" */
        bool estimated;   /* label "method": estimated rather than measured */
        /* Reads the section's keys it owns; private state. */
        int (*init)(const struct collector_env *env, const struct config_section *section, struct diag *diag,
                    void **ret_state);
        /* Reads the hardware and adds what was used since the last read to
         * its zones: 0, or why it has nothing (-ENOENT: no such hardware,
         * -EACCES: permission denied, -EBADMSG: a value that does not
         * parse, another errno). */
        int (*read)(void *state, const struct energy_read *r);
        /* The longest it may go unread without losing energy (a counter that
         * wraps), in ms, as of its last read; 0: no bound, no clock needed.
         * NULL for none. */
        uint64_t (*max_gap_ms)(void *state);
        /* Its zones, valid until the next read. */
        struct energy_zone *(*zones)(void *state, size_t *ret_n);
        void (*free)(void *state);
};

extern const struct energy_source energy_rapl_source;
extern const struct energy_source energy_hwmon_source;
extern const struct energy_source energy_power_supply_source;
extern const struct energy_source energy_model_source;

/* Shared by the sources: the zone called name, found or added (NULL on
 * ENOMEM); its counter starts at 0. */
struct energy_zone *energy_zone_get(struct energy_zone **zones, size_t *n, size_t *cap, const char *name);