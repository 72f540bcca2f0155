/* Splits the host's energy among systemd services by their CPU time,
 * with "idle" and "not attributed" kept as parts of their own, so that
 * the parts add up to the whole.
 *
 * The model, interval by interval (the collector feeds one per sampling
 * interval):
 * - idle is the energy the host would use over the interval at 0% CPU:
 *   idle_watts x seconds, never more than the host used. idle_watts is the
 *   configured idle power where one is set, else the 0% point of the
 *   utilisation model for this host (12% of its TDP, or its minimum
 *   watts), whether the host energy itself is measured or estimated. Idle
 *   is kept apart, not shared among services: it is what having the
 *   server on costs, whatever runs on it.
 * - the rest, the energy above idle, goes to the CPU time the host spent
 *   busy (from /proc/stat, steal excluded): each service gets the share of
 *   it that its cgroups used, and what no service used (the kernel, its
 *   threads and interrupts, processes outside any service) is "not
 *   attributed". When the services' times add up to more than the host's
 *   (the two are read a moment apart), the services share all of it. An
 *   interval with no busy time at all is idle throughout.
 * So services + idle + not attributed = the host's energy, exactly but for
 * rounding, and every counter only grows.
 *
 * CPU time is taken group by group (cgroup_cpu's groups, summed per
 * name): a group seen in the previous sample adds what it grew by; one
 * whose time went down (a restart makes a new cgroup, a counter reset) or
 * one that is new adds its whole time, which it used since it was made
 * within the interval. No group adds more than the CPU time the host had
 * in the interval. The first feed, and the one after a feed without
 * groups, only take the groups' times as a base: their energy is idle and
 * not attributed.
 *
 * Each counter is kept apart by the kind of the energy it came from,
 * measured or estimated, so that a figure never passes an estimate off as
 * a measurement. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "cgroup_cpu.h"

enum attribution_kind {
        ATTRIBUTION_MEASURED,
        ATTRIBUTION_ESTIMATED,
        ATTRIBUTION_KINDS,
};

/* At most this many services are counted; a service past it goes to
 * "not attributed" (and to dropped) until another is forgotten. */
#define ATTRIBUTION_MAX_SERVICES 1024
/* A service not seen for this long is forgotten: its counter stays frozen
 * until then, so that a query's rate over a window that saw it running
 * is not broken, and then it is gone (counted in forgotten). */
#define ATTRIBUTION_KEEP_SECONDS 3600.0

struct attribution_interval {
        double seconds; /* since the previous feed, by a monotonic clock */
        double joules;  /* the host's energy over it */
        enum attribution_kind kind;
        double idle_watts;   /* the host's power at 0% CPU, as the model above says */
        double busy_seconds; /* CPU time over all CPUs: user, nice, system, irq, softirq */
        double idle_seconds; /* idle and iowait; with busy, the time the CPUs had (steal excluded) */
        /* the groups' CPU times at the end of the interval; NULL when they
         * could not be read: then no service gets anything this time */
        const struct cgroup_cpu_sample *cpu;
};

struct attribution_service {
        char *name; /* "nginx.service", "user.slice": cgroup_cpu's names */
        double joules[ATTRIBUTION_KINDS];
        bool present;          /* in the last sample */
        double unseen_seconds; /* since it was last in a sample */
        double cpu_seconds;    /* in the last interval */
};

struct attribution_totals {
        double host[ATTRIBUTION_KINDS]; /* all the energy fed */
        double idle[ATTRIBUTION_KINDS];
        double unattributed[ATTRIBUTION_KINDS];
        double forgotten[ATTRIBUTION_KINDS]; /* what services that were forgotten had */
        unsigned long dropped;               /* groups whose share went unattributed for lack of room */
};

struct attribution;

int attribution_new(struct attribution **ret);
/* Adds one interval. -EINVAL for a negative, infinite or NaN figure, or an
 * unknown kind: nothing is added then. -ENOMEM leaves the counters as
 * they were. */
int attribution_feed(struct attribution *a, const struct attribution_interval *in);
/* The services, sorted by name, valid until the next feed. */
const struct attribution_service *attribution_services(const struct attribution *a, size_t *ret_n);
const struct attribution_totals *attribution_totals(const struct attribution *a);
void attribution_free(struct attribution *a);
