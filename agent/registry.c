/* The list of built-in collectors. Adding a collector: one file in
 * collectors/, one line here, one line in collectors/meson.build. */
#include "registry.h"

#include <errno.h>
#include <string.h>

extern const struct collector cpu_collector;
extern const struct collector stat_collector;
extern const struct collector meminfo_collector;
extern const struct collector loadavg_collector;
extern const struct collector pressure_collector;
extern const struct collector uname_collector;
extern const struct collector os_collector;
extern const struct collector time_collector;
extern const struct collector netdev_collector;
extern const struct collector netclass_collector;
extern const struct collector diskstats_collector;
extern const struct collector filesystem_collector;
extern const struct collector hwmon_collector;
extern const struct collector thermal_zone_collector;
extern const struct collector powersupplyclass_collector;
extern const struct collector probe_collector;
extern const struct collector rapl_collector;
extern const struct collector energy_collector;
extern const struct collector exec_collector;
extern const struct collector textfile_collector;
extern const struct collector entropy_collector;
extern const struct collector filefd_collector;
extern const struct collector sockstat_collector;
extern const struct collector softnet_collector;
extern const struct collector conntrack_collector;
extern const struct collector udp_queues_collector;
extern const struct collector schedstat_collector;
extern const struct collector timex_collector;
extern const struct collector vmstat_collector;
extern const struct collector netstat_collector;
extern const struct collector nfs_collector;
extern const struct collector nfsd_collector;
extern const struct collector xfs_collector;
extern const struct collector arp_collector;
extern const struct collector cpufreq_collector;
extern const struct collector edac_collector;
extern const struct collector nvme_collector;
extern const struct collector mdadm_collector;
extern const struct collector bonding_collector;
extern const struct collector tapestats_collector;
extern const struct collector fibrechannel_collector;
extern const struct collector infiniband_collector;
extern const struct collector bcache_collector;
extern const struct collector selinux_collector;
extern const struct collector systemd_collector;
extern const struct collector dmi_collector;
extern const struct collector btrfs_collector;
extern const struct collector ipvs_collector;
extern const struct collector zfs_collector;
extern const struct collector processes_collector;
extern const struct collector interrupts_collector;
extern const struct collector meminfo_numa_collector;
extern const struct collector buddyinfo_collector;
extern const struct collector ksmd_collector;
extern const struct collector tcpstat_collector;
extern const struct collector zoneinfo_collector;
extern const struct collector sysctl_collector;
extern const struct collector network_route_collector;
extern const struct collector lnstat_collector;
extern const struct collector slabinfo_collector;
extern const struct collector qdisc_collector;
extern const struct collector ethtool_collector;
extern const struct collector mountstats_collector;
extern const struct collector cgroups_collector;
extern const struct collector drm_collector;
extern const struct collector logind_collector;
extern const struct collector perf_collector;
extern const struct collector wifi_collector;

/* one a line, in run order: clang-format would pack them into a grid */
// clang-format off
const struct collector *const registry_collectors[] = {
        &cpu_collector,
        &stat_collector,
        &meminfo_collector,
        &loadavg_collector,
        &pressure_collector,
        &uname_collector,
        &os_collector,
        &time_collector,
        &netdev_collector,
        &netclass_collector,
        &diskstats_collector,
        &filesystem_collector,
        &hwmon_collector,
        &thermal_zone_collector,
        &powersupplyclass_collector,
        &probe_collector,
        &rapl_collector,
        &energy_collector,
        &textfile_collector,
        &entropy_collector,
        &exec_collector,
        &filefd_collector,
        &sockstat_collector,
        &softnet_collector,
        &conntrack_collector,
        &udp_queues_collector,
        &schedstat_collector,
        &timex_collector,
        &vmstat_collector,
        &netstat_collector,
        &nfs_collector,
        &nfsd_collector,
        &xfs_collector,
        &arp_collector,
        &cpufreq_collector,
        &edac_collector,
        &nvme_collector,
        &mdadm_collector,
        &bonding_collector,
        &tapestats_collector,
        &fibrechannel_collector,
        &infiniband_collector,
        &bcache_collector,
        &selinux_collector,
        &systemd_collector,
        &dmi_collector,
        &btrfs_collector,
        &ipvs_collector,
        &zfs_collector,
        &processes_collector,
        &interrupts_collector,
        &meminfo_numa_collector,
        &buddyinfo_collector,
        &ksmd_collector,
        &tcpstat_collector,
        &zoneinfo_collector,
        &sysctl_collector,
        &network_route_collector,
        &lnstat_collector,
        &slabinfo_collector,
        &qdisc_collector,
        &ethtool_collector,
        &mountstats_collector,
        &cgroups_collector,
        &drm_collector,
        &logind_collector,
        &perf_collector,
        &wifi_collector,
};
// clang-format on

const size_t registry_count = ELEMENTSOF(registry_collectors);

_Static_assert(ELEMENTSOF(registry_collectors) <= REGISTRY_MAX, "raise REGISTRY_MAX");

int registry_find(const char *name) {
        for (size_t i = 0; i < registry_count; i++)
                if (strcmp(registry_collectors[i]->name, name) == 0)
                        return (int) i;
        return -ENOENT;
}
