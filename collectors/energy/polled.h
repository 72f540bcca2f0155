/* What a source that reads its hardware off the collector's lock (its
 * .poll: a BMC, a GPU driver, which may take seconds to answer) hands to
 * its reads: zones and a status under a lock of their own, so that a
 * scrape never waits on the hardware. Such a source's state begins with
 * its struct energy_polled, so that its read and max_gap_ms are the ones
 * below. */
#pragma once

#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "source.h"

/* How often a polled source asks its hardware: BMCs refresh their reading
 * about once a second and GPU drivers average power over about one, so
 * every 5 s follows the load closely enough for energy. */
#define ENERGY_POLL_PERIOD_MS 5000
/* Power integrated over a longer gap than this is no data. */
#define ENERGY_POLL_MAX_GAP_NS (3ull * ENERGY_POLL_PERIOD_MS * 1000000)

struct energy_polled {
        pthread_mutex_t lock;
        struct energy_zones zones; /* the poll's; read copies them */
        int status;                /* the last poll's; -ENOENT before the first */
        bool stopped;              /* polled no more: no such hardware */
};

/* Starts p, and reads the source's key (a device or a library: def when
 * unset) into path; an empty one stops p before its first poll. The diag
 * of a path too long: -EINVAL, and p is not started. */
int energy_polled_init(struct energy_polled *p, const struct config_section *section, const char *key, const char *def,
                       char path[static PATH_MAX], struct diag *diag);
void energy_polled_free(struct energy_polled *p);
/* Under the lock: sets zone name's joules (found or added; seen, and part
 * of the host figure if host); -ENOMEM when it cannot be added. */
int energy_polled_zone(struct energy_polled *p, const char *name, double joules, bool host);
/* Under the lock: the poll's status, and whether polling goes on;
 * -ENOMEM changes nothing (the next poll tries again). */
void energy_polled_done(struct energy_polled *p, int status, bool stop);
/* Whether polling has stopped. */
bool energy_polled_stopped(struct energy_polled *p);
/* The source's read: the polled zones into zones, and the last poll's
 * status; state begins with its struct energy_polled. */
int energy_polled_read(void *state, struct energy_zones *zones, const struct energy_read *rd);
/* The source's max_gap_ms: ENERGY_POLL_PERIOD_MS, or 0 once stopped. */
uint64_t energy_polled_gap(void *state);

/* A power reading integrated into joules, on the poll's side: the
 * trapezoid from the previous reading, unless that is more than
 * ENERGY_POLL_MAX_GAP_NS old (a gap is no data, not a guess). */
struct energy_power_sum {
        double joules;
        double last_watts;
        uint64_t last_ns; /* 0: no previous reading to go on from */
};
void energy_power_add(struct energy_power_sum *p, double watts, uint64_t now_ns);
