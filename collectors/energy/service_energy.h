/* The energy collector's energy per service: the host total split among
 * systemd services by their CPU time, with idle and not attributed as
 * parts of their own (attribution.h has the model). Fed by the
 * collector with each interval of the host total. */
#pragma once

#include <stdint.h>

#include "attribution.h"
#include "metric.h"
#include "scrape_cache.h"

struct service_energy;

/* Reads cgroups under sysfs and /proc/stat under procfs (both kept as
 * given: they outlive it); ticks_per_s is USER_HZ. */
int service_energy_new(const char *procfs, const char *sysfs, long ticks_per_s, struct service_energy **ret);
/* Adds one interval ending at now_ns, by the monotonic clock: joules of
 * the host total, of kind, idle_watts its power at 0% CPU. The groups'
 * CPU times and /proc/stat (from cache, or read when NULL) as of now
 * end it. The first interval only takes them as a base: call it with 0
 * joules when the host total starts. Skipped cgroup lines are added to
 * *parse_errors. -ENOMEM, or attribution_feed's errors: the interval,
 * its joules included, then goes on into the next feed. */
int service_energy_feed(struct service_energy *s, struct scrape_cache *cache, uint64_t now_ns, double joules,
                        enum attribution_kind kind, double idle_watts, unsigned *parse_errors);
/* The per-service, idle and not attributed series, for each kind of
 * energy fed so far. */
void service_energy_emit(const struct service_energy *s, struct metric_set *set);
void service_energy_free(struct service_energy *s);
