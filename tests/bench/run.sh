#!/usr/bin/env bash
# The benchmark: vigie (release build) and Debian's node_exporter 1.5 side
# by side on loopback, with the same collectors, measured in the same run,
# and reported as ratios in tests/bench/RESULTS.md. A benchmark, not a test:
# nothing fails on a slow machine (the callgrind guard is the test).
# Run it through tools/setup.sh bench, which installs wrk and the rest.
# BENCH_ROUNDS=1 BENCH_FLEET=0 make a short run, to try a change to the
# report (the fleet alone takes 15 minutes); RESULTS.md then says what
# was left out.
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$top"
for c in prometheus-node-exporter wrk valgrind python3 curl openssl; do
        command -v "$c" >/dev/null || { echo "bench: $c is missing (tools/setup.sh bench installs it)" >&2; exit 1; }
done

if [ ! -f build-release/build.ninja ]; then
        meson setup build-release --buildtype=release -Db_ndebug=true -Dtests=true >/dev/null
fi
ninja -C build-release >/dev/null
VIGIE=build-release/vigie
BENCH=build-release/tests/bench/bench_scrape
FLOOR=build-release/tests/bench/bench_floor
GZIP=build-release/tests/bench/bench_gzip
FUSE_SLOW=build-release/tests/fuse_slow # built where libfuse3 is found

T=$(mktemp -d /tmp/vigie-bench.XXXXXX)
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$T"' EXIT
# what else the machine runs: the report gives the load at the start and end
cp /proc/loadavg "$T/loadavg.start"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

collectors=(cpu stat meminfo loadavg pressure uname os time netdev netclass diskstats filesystem hwmon thermal_zone
        powersupplyclass rapl textfile entropy filefd sockstat softnet conntrack udp_queues schedstat timex vmstat netstat
        nfs nfsd xfs arp cpufreq edac nvme mdadm bonding tapestats fibrechannel infiniband
        bcache selinux dmi btrfs ipvs zfs)
mkdir "$T/textfile"
echo 'backup_ok{job="archives"} 1' >"$T/textfile/backup.prom"
flags=(--collector.disable-defaults --collector.textfile.directory="$T/textfile")
for c in "${collectors[@]}"; do flags+=("--collector.$c"); done
# upstream defaults for Debian's binary (netdev from netlink for both)
ne_extra=(--collector.netdev.device-exclude=
        '--collector.filesystem.mount-points-exclude=^/(dev|proc|run/credentials/.+|sys|var/lib/docker/.+|var/lib/containers/storage/.+)($|/)')

vport=$(free_port)
"$VIGIE" --web.listen-address="127.0.0.1:$vport" "${flags[@]}" >"$T/vigie.log" 2>&1 &
vpid=$!
PIDS+=($vpid)
nport=$(free_port)
prometheus-node-exporter --web.listen-address="127.0.0.1:$nport" "${flags[@]}" "${ne_extra[@]}" >"$T/ne.log" 2>&1 &
npid=$!
PIDS+=($npid)
for u in "http://127.0.0.1:$vport/metrics" "http://127.0.0.1:$nport/metrics"; do
        for _ in $(seq 100); do curl -fs -o /dev/null "$u" && break; sleep 0.1; done
done

# Three rounds, the two agents in turn, so that a slow spell of this shared
# machine falls on both; the report takes the median of each figure.
ROUNDS=${BENCH_ROUNDS:-3}
for r in $(seq "$ROUNDS"); do
        echo "bench: round $r/$ROUNDS: vigie over HTTP (10000 scrapes, then wrk)..." >&2
        python3 tests/bench/measure.py vigie "$vpid" "http://127.0.0.1:$vport/metrics" 10000 40 >"$T/vigie.$r.json"
        echo "bench: round $r/$ROUNDS: node_exporter over HTTP (up to 1000 scrapes, then wrk)..." >&2
        python3 tests/bench/measure.py node_exporter "$npid" "http://127.0.0.1:$nport/metrics" 1000 40 >"$T/ne.$r.json"
done
# CPU per scrape in alternating blocks (1000 scrapes of vigie, 100 of
# node_exporter, fifteen times): both agents see the same spells of the
# machine, a finer weave than the rounds above.
echo "bench: CPU per scrape, the two agents in alternating blocks..." >&2
python3 tests/bench/interleave.py 15 "$vpid" "http://127.0.0.1:$vport/metrics" 1000 \
        "$npid" "http://127.0.0.1:$nport/metrics" 100 >"$T/interleave.json"
# node_exporter's opt-in collectors, each alone on both agents, then all
# of them with the defaults above (tests/bench/optin.py; about 3 minutes)
echo "bench: the opt-in collectors, alone and with the defaults..." >&2
python3 tests/bench/optin.py "$T/optin.json" "$VIGIE" /usr/bin/prometheus-node-exporter "${flags[@]}" --ne "${ne_extra[@]}"
# the energy collector's cost: the same agent with energy on, against the
# one above, in alternating blocks; then its sampler's wake-ups on idle
# agents over fixture trees (tests/bench/energy.sh)
eport=$(free_port)
"$VIGIE" --web.listen-address="127.0.0.1:$eport" "${flags[@]}" --collector.energy >"$T/vigie-energy.log" 2>&1 &
epid=$!
PIDS+=($epid)
for _ in $(seq 100); do curl -fs -o /dev/null "http://127.0.0.1:$eport/metrics" && break; sleep 0.1; done
echo "bench: CPU per scrape with the energy collector on and off, in alternating blocks..." >&2
python3 tests/bench/interleave.py 10 "$epid" "http://127.0.0.1:$eport/metrics" 1000 \
        "$vpid" "http://127.0.0.1:$vport/metrics" 1000 >"$T/energy-cpu.json"
curl -fs "http://127.0.0.1:$eport/metrics" | grep -E '^vigie_energy_(source_up|host_power_watts)' >"$T/energy-sources.txt" || true
kill "$epid"
tests/bench/energy.sh "$T/energy.json" "$VIGIE" 60
# RSS with the sixteen collectors the benchmark ran when the core issue
# started (5620-5912 kB after the load then), the same load
echo "bench: RSS with the core issue's sixteen collectors..." >&2
flags16=(--collector.disable-defaults --collector.textfile.directory="$T/textfile")
for c in cpu stat meminfo loadavg pressure uname os time netdev netclass diskstats filesystem hwmon thermal_zone \
        powersupplyclass textfile; do flags16+=("--collector.$c"); done
sport=$(free_port)
"$VIGIE" --web.listen-address="127.0.0.1:$sport" "${flags16[@]}" >"$T/vigie16.log" 2>&1 &
spid=$!
PIDS+=($spid)
for _ in $(seq 100); do curl -fs -o /dev/null "http://127.0.0.1:$sport/metrics" && break; sleep 0.1; done
python3 tests/bench/measure.py vigie16 "$spid" "http://127.0.0.1:$sport/metrics" 10000 40 >"$T/vigie16.json"
kill "$spid"
# The same agents again with one web config, node_exporter's format: TLS
# with a self-signed certificate (RSA 2048), scraped on kept-alive and new
# connections, and with sessions resumed, beside the plain ones above.
echo "bench: scrapes over TLS beside plain ones..." >&2
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=127.0.0.1" -addext "subjectAltName=IP:127.0.0.1" \
        -keyout "$T/tls.key" -out "$T/tls.crt" 2>/dev/null
printf 'tls_server_config:\n  cert_file: %s\n  key_file: %s\n' "$T/tls.crt" "$T/tls.key" >"$T/web.yml"
# one client holds wrk's 64 connections below (vigie's default gives one
# address 10; node_exporter's serves 40 at once and answers 503 past them)
printf '[web]\nmax_requests = 100\nmax_requests_per_client = 0\n' >"$T/load.conf"
vtport=$(free_port)
"$VIGIE" --config "$T/load.conf" --web.listen-address="127.0.0.1:$vtport" --web.config.file="$T/web.yml" "${flags[@]}" \
        >"$T/vigie-tls.log" 2>&1 &
vtpid=$!
PIDS+=($vtpid)
ntport=$(free_port)
prometheus-node-exporter --web.listen-address="127.0.0.1:$ntport" --web.config.file="$T/web.yml" \
        --web.max-requests=100 "${flags[@]}" "${ne_extra[@]}" >"$T/ne-tls.log" 2>&1 &
ntpid=$!
PIDS+=($ntpid)
for u in "https://127.0.0.1:$vtport/metrics" "https://127.0.0.1:$ntport/metrics"; do
        for _ in $(seq 100); do curl -fs --cacert "$T/tls.crt" -o /dev/null "$u" && break; sleep 0.1; done
done
python3 tests/bench/tls.py "$T/tls.crt" 3 "vigie=$vpid,http://127.0.0.1:$vport/metrics,300" \
        "ne=$npid,http://127.0.0.1:$nport/metrics,30" "vigie_tls=$vtpid,https://127.0.0.1:$vtport/metrics,300" \
        "ne_tls=$ntpid,https://127.0.0.1:$ntport/metrics,30" >"$T/tls.json"
# wrk with 64 connections for 30 s (after 2 s to warm up), HTTP and
# HTTPS, each agent's memory around it
echo "bench: wrk -c64 for 30 s, over HTTP and HTTPS..." >&2
vlport=$(free_port)
"$VIGIE" --config "$T/load.conf" --web.listen-address="127.0.0.1:$vlport" "${flags[@]}" >"$T/vigie-load.log" 2>&1 &
vlpid=$!
PIDS+=($vlpid)
nlport=$(free_port)
prometheus-node-exporter --web.listen-address="127.0.0.1:$nlport" --web.max-requests=100 "${flags[@]}" \
        "${ne_extra[@]}" >"$T/ne-load.log" 2>&1 &
nlpid=$!
PIDS+=($nlpid)
for u in "http://127.0.0.1:$vlport/metrics" "http://127.0.0.1:$nlport/metrics"; do
        for _ in $(seq 100); do curl -fs -o /dev/null "$u" && break; sleep 0.1; done
done
for run in "vigie $vlpid http://127.0.0.1:$vlport" "ne $nlpid http://127.0.0.1:$nlport" \
        "vigie_tls $vtpid https://127.0.0.1:$vtport" "ne_tls $ntpid https://127.0.0.1:$ntport"; do
        set -- $run
        python3 tests/integration/wrk_load.py "$2" "$3/metrics" 64 2 30 >"$T/load.$1.json"
done
series_vigie=$(curl -fs "http://127.0.0.1:$vport/metrics" | grep -vc '^#')
series_ne=$(curl -fs "http://127.0.0.1:$nport/metrics" | grep -vc '^#')

echo "bench: in-process, floor and callgrind..." >&2
"$FLOOR" 3000 >"$T/floor.txt"
# the kernel's part of one of vigie's scrapes: the calls strace sees it
# make to the files it keeps open (pread), statfs, stat, the rtnetlink
# dump (of the links, or of their counters alone) and adjtimex, replayed by bench_floor with nothing parsed (what
# it opens and reads anew, a textfile, is left out)
if command -v strace >/dev/null; then
        strace -f -y -qq -e trace=pread64,statfs,newfstatat,sendto,clock_adjtime -o "$T/strace.txt" \
                -p "$vpid" &
        spid=$!
        sleep 1 # strace attaches to every thread
        curl -fs -o /dev/null "http://127.0.0.1:$vport/metrics"
        sleep 0.5
        kill "$spid" 2>/dev/null || true
        wait "$spid" 2>/dev/null || true
        python3 - "$T/strace.txt" >"$T/replay.txt" <<'PY'
import re, sys
seen, out = set(), []
for line in open(sys.argv[1]):
    m = re.search(r"pread64\(\d+<([^>]+)>", line)
    call = None
    if m and not m.group(1).startswith(("TCP", "UDP", "socket:", "NETLINK")):
        call = "pread " + m.group(1)
    elif (m := re.search(r'\bstatfs\("([^"]+)"', line)):
        call = "statfs " + m.group(1)
    elif (m := re.search(r'newfstatat\(AT_FDCWD(?:<[^>]*>)?, "([^"]+)"', line)):
        call = "stat " + m.group(1)
    elif "RTM_GETLINK" in line and "sendto(" in line:
        call = "netlink"
    elif "RTM_GETSTATS" in line and "sendto(" in line:
        call = "netlink-stats"
    elif "clock_adjtime(" in line:
        call = "adjtimex"
    if call and call not in seen:
        seen.add(call)
        out.append(call)
print("\n".join(out))
PY
        "$FLOOR" 3000 --replay "$T/replay.txt" >"$T/floor-replay.txt"
fi
curl -fs -o "$T/exposition.txt" "http://127.0.0.1:$vport/metrics"
"$GZIP" "$T/exposition.txt" 300 >"$T/gzip.txt"
"$BENCH" 3000 --gzip "${flags[@]}" >"$T/inproc_gzip.txt"
"$BENCH" 3000 "${flags[@]}" >"$T/inproc_text.txt"
callgrind() { # callgrind NAME ARGS...: instructions per scrape and series
        local name=$1
        shift
        valgrind --tool=callgrind --callgrind-out-file="$T/cg.$name" --toggle-collect=measure "$BENCH" 10 "$@" \
                >"$T/cg.$name.out" 2>/dev/null
        echo "$name $(($(sed -n 's/^summary: //p' "$T/cg.$name") / 10)) $(sed -n 's/.*series=\([0-9]*\).*/\1/p' "$T/cg.$name.out")"
}
F="$top/tests/fixtures"
python3 - "$T/cpu64" <<'PY'
import os, sys
os.makedirs(os.path.join(sys.argv[1], "proc"))
with open(os.path.join(sys.argv[1], "proc", "stat"), "w") as f:
    f.write("cpu  0 0 0 0 0 0 0 0 0 0\n")
    for c in range(64):
        f.write("cpu%d %s\n" % (c, " ".join(str(c * 1000 + i * 7 + 13) for i in range(10))))
    f.write("intr 1\nctxt 1\nbtime 1\nprocesses 1\nprocs_running 1\nprocs_blocked 0\n")
PY
{
        callgrind live --gzip "${flags[@]}"
        callgrind live-text "${flags[@]}"
        for c in "cpu4 $F/cpu/regular/proc" "cpu64 $T/cpu64/proc" "cpu256 $F/cpu/cpu256/proc"; do
                set -- $c
                callgrind "$1" --collector.disable-defaults --collector.cpu --web.disable-exporter-metrics --path.procfs="$2"
        done
        # the same with the example plugin: what a plugin adds to a scrape
        printf 'state=running\nqueue=12\nlast_sync=1733100000\n' >"$T/municipal.status"
        printf '[plugins]\ndirectory = %s\n[plugin.registry]\nfile = municipal.so\nstatus_file = %s\n' \
                "$top/build-release/examples/plugin" "$T/municipal.status" >"$T/plugin.conf"
        callgrind cpu4-plugin --config "$T/plugin.conf" --collector.disable-defaults --collector.cpu \
                --web.disable-exporter-metrics --path.procfs="$F/cpu/regular/proc"
        callgrind mounts10 --collector.disable-defaults --collector.filesystem --web.disable-exporter-metrics \
                --path.procfs="$F/filesystem/regular/proc"
        callgrind mounts500 --collector.disable-defaults --collector.filesystem --web.disable-exporter-metrics \
                --path.procfs="$F/filesystem/mounts500/proc"
        callgrind disks4 --collector.disable-defaults --collector.diskstats --web.disable-exporter-metrics \
                --path.procfs="$F/diskstats/regular/proc" --path.udev.data="$F/diskstats/regular/udev"
        callgrind disks64 --collector.disable-defaults --collector.diskstats --web.disable-exporter-metrics \
                --path.procfs="$F/diskstats/disks64/proc"
} >"$T/callgrind.txt"

# a push queue on a disk whose fsync takes 2 s, and on the plain disk
echo "bench: scrapes while the push queue's disk crawls..." >&2
tests/bench/slow-disk.sh "$T/slow-disk.json" "$VIGIE" "$FUSE_SLOW" 20

# 200 agents pushing to one VictoriaMetrics, down for 10 minutes: what
# each queued against what arrived, the receiver's peak request rate in
# the catch-up, the agents' CPU and memory (about 15 minutes; not
# measured where victoria-metrics is missing: the report says so)
if [ "${BENCH_FLEET:-1}" != 0 ]; then
        echo "bench: a fleet of 200 agents, the receiver down for 10 minutes..." >&2
        VIGIE="$top/$VIGIE" SOURCE_ROOT="$top" tests/bench/fleet.sh "$T/fleet.json" 200 600 15 2 ||
                echo "bench: the fleet was not measured (exit $?)" >&2
else
        echo "bench: the fleet left out (BENCH_FLEET=0)" >&2
fi

BENCH_COLLECTORS="${collectors[*]}" python3 tests/bench/report.py "$T" "$VIGIE" /usr/bin/prometheus-node-exporter "$series_vigie" "$series_ne" \
        >tests/bench/RESULTS.md
echo "bench: written to tests/bench/RESULTS.md" >&2
cat tests/bench/RESULTS.md
