/* Which file of which fixture case each collector parses: the mutation
 * test of test-collectors.c and the libFuzzer harness of tests/fuzz/ both
 * rewrite that file and collect. Add a row when a collector reads a new
 * format. */
#include "fixture_targets.h"

#include <stdio.h>

const struct fixture_target fixture_targets[] = {
        {"cpu", "cpu/regular", "proc/stat"},
        {"stat", "stat/regular", "proc/stat"},
        {"meminfo", "meminfo/regular", "proc/meminfo"},
        {"loadavg", "loadavg/regular", "proc/loadavg"},
        {"pressure", "pressure/regular", "proc/pressure/io"},
        {"netdev", "netdev/regular", "proc/net/dev"},
        {"diskstats", "diskstats/regular", "proc/diskstats"},
        {"filesystem", "filesystem/regular", "proc/1/mountinfo"},
        {"os", "os/regular", "root/etc/os-release"},
        {"powersupplyclass", "powersupplyclass/regular", "sys/devices/platform/ups/power_supply/ups/voltage_now"},
        {"powersupplyclass", "powersupplyclass/regular", "sys/devices/platform/ups/power_supply/ups/status"},
        {"textfile", "textfile/regular", "dir/metrics.prom", "dir"},
        {"netclass", "netclass/regular", "sys/devices/virtual/net/eth0/speed"},
        {"netclass", "netclass/regular", "sys/devices/virtual/net/eth0/flags"},
        {"hwmon", "hwmon/regular", "sys/devices/platform/coretemp.0/hwmon/hwmon0/temp2_input"},
        {"thermal_zone", "thermal_zone/regular", "sys/devices/virtual/thermal/thermal_zone0/temp"},
        {"rapl", "rapl/intel", "sys/devices/virtual/powercap/intel-rapl/intel-rapl:0/energy_uj"},
        {"rapl", "rapl/intel", "sys/devices/virtual/powercap/intel-rapl/intel-rapl:0/name"},
        {"energy", "energy/intel", "sys/devices/virtual/powercap/intel-rapl/intel-rapl:0/energy_uj"},
        {"energy", "energy/hwmon", "sys/devices/virtual/hwmon/hwmon0/power1_average"},
        {"entropy", "entropy/regular", "proc/sys/kernel/random/entropy_avail"},
        {"filefd", "filefd/regular", "proc/sys/fs/file-nr"},
        {"sockstat", "sockstat/regular", "proc/net/sockstat"},
        {"sockstat", "sockstat/regular", "proc/net/sockstat6"},
        {"softnet", "softnet/regular", "proc/net/softnet_stat"},
        {"conntrack", "conntrack/regular", "proc/net/stat/nf_conntrack"},
        {"udp_queues", "udp_queues/regular", "proc/net/udp"},
        {"schedstat", "schedstat/regular", "proc/schedstat"},
        {"vmstat", "vmstat/regular", "proc/vmstat"},
        {"netstat", "netstat/regular", "proc/net/netstat"},
        {"netstat", "netstat/regular", "proc/net/snmp"},
        {"netstat", "netstat/regular", "proc/net/snmp6"},
        {"nfs", "nfs/regular", "proc/net/rpc/nfs"},
        {"nfsd", "nfsd/regular", "proc/net/rpc/nfsd"},
        {"xfs", "xfs/regular", "sys/fs/xfs/sda1/stats/stats"},
        {"arp", "arp/regular", "proc/net/arp"},
        {"cpufreq", "cpufreq/acpi", "sys/devices/system/cpu/cpufreq/policy0/cpuinfo_cur_freq"},
        {"cpufreq", "cpufreq/acpi", "sys/devices/system/cpu/cpufreq/policy1/scaling_cur_freq"},
        {"edac", "edac/regular", "sys/devices/system/edac/mc/mc0/ce_count"},
        {"edac", "edac/regular", "sys/devices/system/edac/mc/mc0/csrow1/ue_count"},
        {"nvme", "nvme/regular", "sys/class/nvme/nvme0/model"},
        {"mdadm", "mdadm/regular", "proc/mdstat"},
        {"bonding", "bonding/regular", "sys/class/net/bonding_masters"},
        {"bonding", "bonding/regular", "sys/class/net/bond1/bonding/slaves"},
        {"tapestats", "tapestats/regular",
         "sys/devices/pci0000:00/0000:00:1f.0/host7/target7:0:0/7:0:0:0/scsi_tape/st0/stats/io_ns"},
        {"fibrechannel", "fibrechannel/regular",
         "sys/devices/pci0000:00/0000:00:03.0/0000:07:00.1/host1/fc_host/host1/statistics/rx_words"},
        {"fibrechannel", "fibrechannel/regular",
         "sys/devices/pci0000:00/0000:00:03.0/0000:07:00.0/host0/fc_host/host0/symbolic_name"},
        {"infiniband", "infiniband/regular",
         "sys/devices/pci0000:00/0000:00:02.0/0000:5e:00.0/infiniband/mlx4_0/ports/2/rate"},
        {"infiniband", "infiniband/regular",
         "sys/devices/pci0000:00/0000:00:02.0/0000:5e:00.0/infiniband/mlx4_0/ports/1/state"},
        {"infiniband", "infiniband/regular",
         "sys/devices/pci0000:00/0000:00:02.0/0000:3b:00.0/infiniband/mlx5_0/ports/1/counters/port_rcv_data"},
        {"bcache", "bcache/regular", "sys/devices/virtual/block/sdb/bcache/writeback_rate_debug"},
        {"bcache", "bcache/regular", "sys/fs/bcache/deaddd54-c735-46d5-868e-f331c5fd7c74/btree_cache_size"},
        {"selinux", "selinux/enforcing", "sys/fs/selinux/enforce"},
        {"selinux", "selinux/enforcing", "root/etc/selinux/config"},
        {"dmi", "dmi/regular", "sys/devices/virtual/dmi/id/product_name"},
        {"btrfs", "btrfs/regular",
         "sys/fs/btrfs/7d2c19b4-3e8f-4a61-b5d0-c8e9f1a2b3c4/allocation/data/raid5/used_bytes"},
        {"btrfs", "btrfs/regular", "sys/fs/btrfs/7d2c19b4-3e8f-4a61-b5d0-c8e9f1a2b3c4/label"},
        {"btrfs", "btrfs/mounted", "proc/1/mounts"},
        {"ipvs", "ipvs/regular", "proc/net/ip_vs"},
        {"ipvs", "ipvs/regular", "proc/net/ip_vs_stats"},
        {"zfs", "zfs/regular", "proc/spl/kstat/zfs/arcstats"},
        {"zfs", "zfs/regular", "proc/spl/kstat/zfs/tank/io"},
        {"zfs", "zfs/regular", "proc/spl/kstat/zfs/tank/objset-0x37"},
        {"processes", "processes/regular", "proc/1234/stat"},
        {"processes", "processes/regular", "proc/1234/task/1236/stat"},
        {"interrupts", "interrupts/regular", "proc/interrupts"},
        {"meminfo_numa", "meminfo_numa/regular", "sys/devices/system/node/node0/meminfo"},
        {"meminfo_numa", "meminfo_numa/regular", "sys/devices/system/node/node1/numastat"},
        {"buddyinfo", "buddyinfo/regular", "proc/buddyinfo"},
        {"ksmd", "ksmd/regular", "sys/kernel/mm/ksm/pages_shared"},
        {"zoneinfo", "zoneinfo/regular", "proc/zoneinfo"},
        {"sysctl", "sysctl/regular", "proc/sys/net/ipv4/tcp_rmem", NULL, "include",
         "net.ipv4.tcp_rmem net.ipv4.ip_local_port_range:min,max"},
        {"sysctl", "sysctl/regular", "proc/sys/kernel/version", NULL, "include_info", "kernel.version"},
        {"lnstat", "lnstat/regular", "proc/net/stat/rt_cache"},
        {"slabinfo", "slabinfo/regular", "proc/slabinfo"},
        {"mountstats", "mountstats/regular", "proc/4242/mountstats"},
        {"mountstats", "mountstats/regular", "proc/4242/mountinfo"},
        {"cgroups", "cgroups/regular", "proc/cgroups"},
        {"drm", "drm/regular", "sys/devices/pci0000:00/0000:03:00.0/gpu_busy_percent"},
        {"drm", "drm/regular", "sys/devices/pci0000:00/0000:03:00.0/uevent"},
};

const size_t n_fixture_targets = sizeof(fixture_targets) / sizeof(fixture_targets[0]);

const struct config_section *fixture_target_section(const struct fixture_target *t, const char *root,
                                                    struct fixture_section *storage) {
        if (!t->directory && !t->option)
                return NULL;
        if (t->directory)
                (void) snprintf(storage->value, sizeof(storage->value), "%s/%s", root, t->directory);
        else
                (void) snprintf(storage->value, sizeof(storage->value), "%s", t->option_value);
        storage->entry = (struct config_entry){
                .key = (char *) (t->directory ? "directory" : t->option), .value = storage->value, .line = 1};
        storage->sec = (struct config_section){.name = (char *) t->collector,
                                               .kind = "collector",
                                               .file = "fixture.conf",
                                               .entries = &storage->entry,
                                               .n_entries = 1};
        return &storage->sec;
}

void fixture_env_at(const char *root, struct fixture_env *ret) {
        (void) snprintf(ret->procfs, sizeof(ret->procfs), "%s/proc", root);
        (void) snprintf(ret->sysfs, sizeof(ret->sysfs), "%s/sys", root);
        (void) snprintf(ret->rootfs, sizeof(ret->rootfs), "%s/root", root);
        (void) snprintf(ret->udev, sizeof(ret->udev), "%s/udev", root);
        ret->env = (struct collector_env){ret->procfs, ret->sysfs, ret->rootfs, ret->udev};
}
