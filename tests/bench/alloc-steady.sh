#!/usr/bin/env bash
# No allocation per scrape in steady state: after a warm-up, scraping the
# default collectors (and encoding, and gzip) calls malloc, calloc and
# realloc zero times, on this machine and on the fixture trees that have
# what a VM lacks (sensors, batteries, thermal zones, textfiles).
source "$(dirname "$0")/../integration/lib.sh"
[ -n "${BENCH_SCRAPE:-}" ] && [ -x "$BENCH_SCRAPE" ] || skip "bench_scrape is not built (sanitizer builds leave it out)"
F="$SOURCE_ROOT/tests/fixtures"

check() {
        local out
        out=$("$BENCH_SCRAPE" 200 --gzip "$@") || fail "bench_scrape $*: exit $?"
        echo "$out $*"
        [[ "$out" == *"allocs_per_scrape=0.000 "* ]] || fail "allocations per scrape: $out ($*)"
}
check
check --collector.disable-defaults --collector.hwmon --path.sysfs="$F/hwmon/regular/sys"
check --collector.disable-defaults --collector.thermal_zone --collector.powersupplyclass --path.sysfs="$F/powersupplyclass/regular/sys"
check --collector.disable-defaults --collector.textfile --collector.textfile.directory="$F/textfile/regular/dir"
check --collector.disable-defaults --collector.diskstats --path.procfs="$F/diskstats/disks64/proc"
check --collector.disable-defaults --collector.filesystem --path.procfs="$F/filesystem/mounts500/proc"
check --collector.disable-defaults --collector.nfs --path.procfs="$F/nfs/regular/proc"
check --collector.disable-defaults --collector.nfsd --path.procfs="$F/nfsd/regular/proc"
check --collector.disable-defaults --collector.xfs --path.sysfs="$F/xfs/regular/sys"
check --collector.disable-defaults --collector.tapestats --path.sysfs="$F/tapestats/regular/sys"
check --collector.disable-defaults --collector.fibrechannel --path.sysfs="$F/fibrechannel/regular/sys"
check --collector.disable-defaults --collector.infiniband --path.sysfs="$F/infiniband/regular/sys"
check --collector.disable-defaults --collector.bcache --path.sysfs="$F/bcache/regular/sys"
check --collector.disable-defaults --collector.arp --collector.cpufreq --path.procfs="$F/arp/regular/proc" \
        --path.sysfs="$F/cpufreq/regular/sys"
check --collector.disable-defaults --collector.edac --path.sysfs="$F/edac/regular/sys"
check --collector.disable-defaults --collector.nvme --path.sysfs="$F/nvme/regular/sys"
check --collector.disable-defaults --collector.mdadm --path.procfs="$F/mdadm/md64/proc"
check --collector.disable-defaults --collector.bonding --path.sysfs="$F/bonding/regular/sys"
# this machine's interfaces, over rtnetlink and SIOCETHTOOL
check --collector.disable-defaults --collector.qdisc --collector.ethtool
check --collector.disable-defaults --collector.mountstats --path.procfs="$F/mountstats/regular/proc"
check --collector.disable-defaults --collector.cgroups --collector.drm --path.procfs="$F/cgroups/regular/proc" \
        --path.sysfs="$F/drm/regular/sys"
for c in zoneinfo lnstat slabinfo; do
        check --collector.disable-defaults --collector.$c --path.procfs="$F/$c/regular/proc"
done
check --collector.disable-defaults --collector.sysctl --collector.sysctl.include=net.ipv4.tcp_rmem \
        --collector.sysctl.include=vm.swappiness --collector.sysctl.include-info=kernel.version \
        --path.procfs="$F/sysctl/regular/proc"
# this machine's routes (tcpstat is left out: the sockets of a shared
# machine come and go, and a scrape with more series than any before grows
# the buffers once)
check --collector.disable-defaults --collector.network_route
# a program's output checked against the built-ins in each scrape: a
# family joined (its duplicate series left out), one with another type
# left out, one of its own; run once in the window (every hour)
[ "$(id -u)" = 0 ] && ROOT='allow_root = true' || ROOT=
cat >"$T/exec.conf" <<CONF
[exec.clash]
command = sh -c 'echo "# HELP node_load1 1m load average."; echo "# TYPE node_load1 gauge"; echo node_load1 9; echo "# TYPE node_load5 counter"; echo node_load5 9; echo "app_up{a=\"b\"} 1"'
interval = 1h
$ROOT
CONF
check --config "$T/exec.conf"
echo "alloc-steady: ok"
