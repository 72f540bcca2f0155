#!/usr/bin/env bash
# Side by side with Debian's prometheus-node-exporter on the same machine:
# for every family both expose, the same names, types, help, label sets and
# agreeing values (tests/integration/compare.py says how).
source "$(dirname "$0")/lib.sh"
need prometheus-node-exporter python3 curl

# node_exporter with the collectors vigie has, and vigie with the same set
collectors=(cpu stat meminfo loadavg pressure uname os time netdev netclass diskstats filesystem hwmon thermal_zone
        powersupplyclass rapl textfile entropy filefd sockstat softnet conntrack udp_queues schedstat timex vmstat netstat
        nfs nfsd xfs arp cpufreq edac nvme mdadm bonding tapestats fibrechannel infiniband
        bcache selinux dmi btrfs ipvs zfs qdisc ethtool mountstats cgroups drm
        processes interrupts meminfo_numa buddyinfo zoneinfo slabinfo ksmd lnstat sysctl)
# The opt-in collectors left out have a side-by-side test of their own:
# tcpstat (the test's own connections change the states between the
# reads), perf (counts since each agent opened its events), network_route,
# logind and wifi (set up in a namespace or VM of their own).
# Debian patches some of node_exporter's defaults; vigie follows upstream
# 1.5's, so Debian's binary is given upstream's values here. Both read
# netdev's counters from netlink, node_exporter's default.
ne_flags=(--collector.disable-defaults "${NE_UPSTREAM_FLAGS[@]}")
vigie_flags=(--collector.disable-defaults)
for c in "${collectors[@]}"; do
        ne_flags+=("--collector.$c")
        vigie_flags+=("--collector.$c")
done

# sysctl reads only what it is asked for: a plain value, one split into
# named fields, and an info one
for f in --collector.sysctl.include=vm.swappiness --collector.sysctl.include=net.ipv4.ip_local_port_range:min,max \
        --collector.sysctl.include=fs.file-nr --collector.sysctl.include-info=kernel.ostype; do
        ne_flags+=("$f")
        vigie_flags+=("$f")
done

# both read the same textfile directory
mkdir "$T/textfile"
printf '# HELP backup_ok Whether the last backup worked.\n# TYPE backup_ok gauge\nbackup_ok{job="archives"} 1\n' \
        >"$T/textfile/backup.prom"
ne_flags+=(--collector.textfile.directory="$T/textfile")
vigie_flags+=(--collector.textfile.directory="$T/textfile")

port=$(free_port)
prometheus-node-exporter --web.listen-address="127.0.0.1:$port" "${ne_flags[@]}" >"$T/node_exporter.log" 2>&1 &
PIDS+=($!)
wait_for 20 curl -fsS "http://127.0.0.1:$port/metrics" || fail "node_exporter did not start"
start_vigie vigie "${vigie_flags[@]}"

# the comparison runs several times: a flake in value agreement would show
for i in 1 2 3; do
        python3 "$(dirname "$0")/compare.py" "http://127.0.0.1:$port/metrics" "$VIGIE_URL/metrics" >"$T/compare.out" ||
                fail "round $i: $(cat "$T/compare.out")"
done
cat "$T/compare.out"
grep -q "node_cpu_seconds_total" "$T/compare.out" || fail "node_cpu_seconds_total was not compared"
echo "node_exporter: ok"
