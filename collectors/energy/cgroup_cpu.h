/* The CPU time of each systemd service, from the cgroup tree under a
 * sysfs root: cgroup v2, the unified hierarchy of a hybrid setup, or
 * cgroup v1's cpuacct, whichever that root has. What energy attribution
 * splits the host's energy by.
 *
 * What is read, and under which name it counts:
 * - each service of system.slice, nested slices included
 *   (system.slice/system-getty.slice/getty@tty1.service), under its unit
 *   name; the instances of a template count together under the template
 *   ("getty@.service"), so that no instance string (a uid in
 *   user-runtime-dir@1000.service, a client address in a socket-activated
 *   sshd@3-192.0.2.1:22-198.51.100.7:50000.service) reaches a label, and
 *   per-connection instances do not make a series each;
 * - every other top-level slice as one aggregate under its own name:
 *   user.slice (all user sessions together, never per user),
 *   machine.slice (VMs and containers), an administrator's own slices;
 * - init.scope (systemd itself).
 * Scopes inside system.slice and groups outside any slice count toward
 * nothing: their time is part of what attribution leaves "not attributed". */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* bounds on one read: cgroups read, and slices inside system.slice */
#define CGROUP_CPU_MAX 4096
#define CGROUP_CPU_MAX_DEPTH 8

enum cgroup_layout {
        CGROUP_LAYOUT_V2,     /* fs/cgroup, cpu.stat usage_usec */
        CGROUP_LAYOUT_HYBRID, /* fs/cgroup/unified, cpu.stat usage_usec */
        CGROUP_LAYOUT_V1,     /* fs/cgroup/cpuacct or cpu,cpuacct, cpuacct.usage in ns */
};

struct cgroup_cpu_usage {
        /* the cgroup's path in its hierarchy ("system.slice/nginx.service"):
         * tells one counter apart from the next sample's; never a label */
        const char *group;
        /* what its time counts toward: "nginx.service", "getty@.service",
         * "user.slice", "init.scope" (several groups may share a name) */
        const char *name;
        uint64_t usage_ns; /* CPU time since the cgroup was made */
};

struct cgroup_cpu_sample {
        const struct cgroup_cpu_usage *usage; /* valid until the next read */
        size_t n;
        /* skipped this read: garbage lines, values out of range, names that
         * are not UTF-8, files and slices unreadable for another reason
         * than being gone (a read fault aside: fileio counts that) */
        unsigned parse_errors;
        unsigned dropped; /* cgroups past CGROUP_CPU_MAX, left out */
};

struct cgroup_cpu;

/* Finds the cgroup layout under sysfs (the --path.sysfs root: "/sys").
 * -ENOENT when there is none that holds CPU times. */
int cgroup_cpu_open(const char *sysfs, struct cgroup_cpu **ret);
enum cgroup_layout cgroup_cpu_layout(const struct cgroup_cpu *c);
/* Reads every group's CPU time. A group that disappears between the
 * listing and the read is simply absent, one that cannot be read or
 * listed counts in parse_errors; only a hierarchy whose root cannot be
 * listed, and -ENOMEM, are errors (a negative errno). */
int cgroup_cpu_read(struct cgroup_cpu *c, struct cgroup_cpu_sample *ret);
void cgroup_cpu_free(struct cgroup_cpu *c);
