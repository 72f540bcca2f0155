/* What the energy collector asks of each of its sources (IPMI DCMI, RAPL,
 * hwmon, NVML, power_supply, the model): zones, each with a joule
 * counter of vigie's own that never goes back, kept across the kernel's
 * wraps and resets. A source is a row of energy.c's table. */
#pragma once

#include <errno.h>
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

/* A source's zones, which the energy collector keeps for it. */
struct energy_zones {
        struct energy_zone *v;
        size_t n, cap;
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
         * its zones (energy_zone_get): 0, or why it has nothing (-ENOENT:
         * no such hardware, -EACCES: permission denied, -EBADMSG: a value
         * that does not parse, another errno). */
        int (*read)(void *state, struct energy_zones *zones, const struct energy_read *r);
        /* Asks hardware that may take seconds to answer (a BMC, a GPU
         * driver), on the engine's scheduler and outside the collector's
         * lock, so that no scrape waits on it; read then takes what it
         * found (polled.h). Needs max_gap_ms, its period. NULL for none. */
        void (*poll)(void *state, uint64_t now_ns);
        /* The longest it may go unread without losing energy (a counter that
         * wraps), in ms, as of its last read; 0: no bound, no clock needed.
         * NULL for none. */
        uint64_t (*max_gap_ms)(void *state);
        /* The host's power at 0% CPU by this source's reckoning, for
         * attribution's idle part (0: none known yet); NULL for none. */
        double (*idle_watts)(void *state);
        void (*free)(void *state);
};

extern const struct energy_source energy_ipmi_source;
extern const struct energy_source energy_rapl_source;
extern const struct energy_source energy_hwmon_source;
extern const struct energy_source energy_nvml_source;
extern const struct energy_source energy_power_supply_source;
extern const struct energy_source energy_model_source;

/* The zone called name, found or added (NULL on ENOMEM), its counter
 * starting at 0; a pointer valid until the next call, an index in
 * zones->v for good. */
struct energy_zone *energy_zone_get(struct energy_zones *zones, const char *name);

/* What the items of one read (chips, supplies, zones) came to. */
struct energy_tally {
        int first_error;
        unsigned read;
};
/* e: > 0 read, 0 nothing of ours, < 0 its error. */
static inline void energy_tally_add(struct energy_tally *t, int e) {
        if (e < 0 && t->first_error == 0)
                t->first_error = e;
        t->read += e > 0;
}
/* The read's outcome: its first error, else 0 if something was read, else -ENOENT. */
static inline int energy_tally_result(const struct energy_tally *t) {
        return t->first_error < 0 ? t->first_error : t->read > 0 ? 0 : -ENOENT;
}