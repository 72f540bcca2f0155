/* The RAPL zones of /sys/class/powercap (intel-rapl and intel-rapl-mmio;
 * AMD and Hygon use the same control type), named and indexed as
 * node_exporter 1.5 (procfs's GetRaplZones) does: "package-0" is zone
 * "package" index 0, and a name without such an index counts its
 * earlier uses ("core" 0, "core" 1). Shared by the rapl collector and the
 * energy collector's RAPL source. */
#pragma once

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include "dirlist.h"

struct powercap_zone {
        char entry[64];      /* "intel-rapl:0:1" */
        char name[64];       /* node_exporter's: "package", "core", "dram", "psys" */
        char raw_name[64];   /* the name file: "package-0" */
        char path[PATH_MAX]; /* --path.sysfs as given, cleaned as Go's filepath.Join: label "path" */
        unsigned index;
        unsigned depth; /* 0: a zone ("intel-rapl:0"); 1: its sub-zone ("intel-rapl:0:1") */
        bool mmio;      /* intel-rapl-mmio: the same counters as an MSR zone, through MMIO */
        uint64_t max_energy_range_uj;
};

struct powercap_zones {
        char dir[PATH_MAX]; /* sysfs/class/powercap */
        struct dirlist entries;
        uint64_t missing_until_ns; /* optional_file.h: a host without powercap looks once a minute */
        struct powercap_zone *zones;
        size_t n, cap;
};

/* Sets z up for sysfs; -ENAMETOOLONG. */
int powercap_zones_init(struct powercap_zones *z, const char *sysfs);
/* Lists the zones anew: 0, -ENOENT without powercap, -EBADMSG for a zone
 * whose max_energy_range_uj is not a number, or the errno of a read. */
int powercap_zones_read(struct powercap_zones *z);
/* The zone's energy_uj: 0, -EACCES (root-only since CVE-2020-8694),
 * -EBADMSG, or another errno of the read. */
int powercap_zone_energy_uj(const struct powercap_zones *z, const struct powercap_zone *zone, uint64_t *ret);
void powercap_zones_free(struct powercap_zones *z);
