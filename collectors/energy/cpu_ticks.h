/* /proc/stat's total cpu line as the energy collector counts it: busy
 * and counted ticks, steal left out. What the model's utilisation and
 * attribution's busy and idle CPU time both come from. */
#pragma once

#include <stdint.h>

#include "buf.h"

struct cpu_ticks {
        uint64_t busy;  /* user, nice, system, irq, softirq (guest is within user) */
        uint64_t total; /* busy, idle and iowait: steal, the time given to others, left out */
        unsigned cpus;  /* cpuN lines */
};

/* Parses /proc/stat's text; -EBADMSG without a cpu line of at least
 * eight figures or without a cpuN line. */
int cpu_ticks_parse(const struct buf *stat, struct cpu_ticks *ret);
