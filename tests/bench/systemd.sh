#!/usr/bin/env bash
# The systemd collector's cost, with 1000 loaded units in a real systemd
# system instance (tests/integration/system-instance.sh), measured in one
# run: vigie's CPU per scrape with the collector on and off (alternating
# blocks, tests/bench/interleave.py), node_exporter 1.5's with
# --collector.systemd on the same instance, and what the collector's
# refreshes cost per minute with no scrape at all (vigie, and systemd plus
# dbus-daemon answering it). A benchmark, not a test: it prints a
# Markdown table for the README's Performance section. Needs root (the
# instance's namespaces); run by tools/setup.sh bench.
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$top"
for c in prometheus-node-exporter python3 curl unshare nsenter systemd-run; do
        command -v "$c" >/dev/null || { echo "bench: $c is missing (tools/setup.sh bench installs it)" >&2; exit 1; }
done
if [ ! -f build-release/build.ninja ]; then
        meson setup build-release --buildtype=release -Db_ndebug=true -Dtests=true >/dev/null
fi
ninja -C build-release >/dev/null
export VIGIE="$top/build-release/vigie" SOURCE_ROOT="$top"
UNITS=${BENCH_SYSTEMD_UNITS:-1000}
IDLE_S=${BENCH_SYSTEMD_IDLE_S:-60}

source tests/integration/lib.sh
source tests/integration/system-instance.sh
# lib.sh's skip exits 77: a benchmark that cannot run says so and fails
skip() {
        echo "bench: systemd: cannot run: $*" >&2
        exit 1
}
si_boot

echo "bench: systemd: $UNITS transient units..." >&2
si sh -c "for i in \$(seq 1 $UNITS); do systemd-run --quiet --no-block --unit=bench-\$i --remain-after-exit true; done"
wait_for 120 sh -c "[ \$(nsenter -t $SI_PID -a systemctl list-units --no-legend --state=active 'bench-*' | wc -l) -ge $UNITS ]" ||
        fail "the $UNITS units did not come up"

# agent NAME PORT ARGS...: runs ARGS as a unit of the instance on PORT; prints its PID inside
agent() {
        local name=$1 port=$2
        shift 2
        si systemd-run --quiet --unit="$name" -p StandardOutput="append:$T/$name.log" \
                -p StandardError="append:$T/$name.log" "$@" --web.listen-address="127.0.0.1:$port"
        wait_for 30 si curl -fs -o /dev/null "http://127.0.0.1:$port/metrics" || fail "$name does not serve"
        si systemctl show -p MainPID --value "$name"
}
on=$(agent vigie-on 9101 "$VIGIE")
off=$(agent vigie-off 9102 "$VIGIE" --no-collector.systemd)
ne=$(agent node-exporter 9103 /usr/bin/prometheus-node-exporter --collector.systemd)
series() {
        si curl -fs "http://127.0.0.1:$1/metrics" | grep -c "^node_systemd_unit_state{" || true
}
# vigie's first look at the units ends after it serves
wait_for 60 sh -c "[ \$(nsenter -t $SI_PID -a curl -fs http://127.0.0.1:9101/metrics | grep -c '^node_systemd_unit_state{name=\"bench-') -ge $((UNITS * 5)) ]" ||
        fail "vigie does not report the $UNITS units"
echo "bench: systemd: unit state series: vigie $(series 9101), node_exporter $(series 9103)" >&2

ticks() { # ticks PID...: utime+stime of each, summed (inside the instance)
        si sh -c 'for p in "$@"; do cut -d" " -f14,15 /proc/$p/stat; done' sh "$@" | awk '{ t += $1 + $2 } END { print t }'
}
hz=$(getconf CLK_TCK)
pid1_dbus=$(si sh -c 'echo 1 $(pgrep -x dbus-daemon)')
echo "bench: systemd: ${IDLE_S} s without scrapes..." >&2
a0=$(ticks "$on")
b0=$(ticks "$off")
c0=$(ticks $pid1_dbus)
sleep "$IDLE_S"
a1=$(ticks "$on")
b1=$(ticks "$off")
c1=$(ticks $pid1_dbus)
per_min() { awk -v t="$1" -v hz="$hz" -v s="$IDLE_S" 'BEGIN { printf "%.0f", t * 1000 / hz * 60 / s }'; }

echo "bench: systemd: CPU per scrape, collector on and off, alternating blocks..." >&2
si python3 "$top/tests/bench/interleave.py" 10 "$on" http://127.0.0.1:9101/metrics 200 "$off" http://127.0.0.1:9102/metrics \
        200 >"$T/on-off.json"
echo "bench: systemd: CPU per scrape, vigie and node_exporter --collector.systemd..." >&2
si python3 "$top/tests/bench/interleave.py" 5 "$on" http://127.0.0.1:9101/metrics 200 "$ne" http://127.0.0.1:9103/metrics \
        4 >"$T/on-ne.json"

python3 - "$T" "$UNITS" "$(per_min $((a1 - a0)))" "$(per_min $((b1 - b0)))" "$(per_min $((c1 - c0)))" <<'PY'
import json, os, statistics, sys
t, units, on_min, off_min, sd_min = sys.argv[1:]
oo = json.load(open(os.path.join(t, "on-off.json")))
one = json.load(open(os.path.join(t, "on-ne.json")))
on, off = oo["a"]["cpu_ms_per_scrape"], oo["b"]["cpu_ms_per_scrape"]
ne = one["b"]["cpu_ms_per_scrape"]
print("| systemd collector, %s loaded units | vigie | node_exporter 1.5 |" % units)
print("|---|---|---|")
print("| CPU per scrape, collector on | %.3f ms | %.1f ms |" % (on, ne))
print("| CPU per scrape, collector off | %.3f ms | |" % off)
print("| added by the collector, per scrape | %.3f ms | |" % (on - off))
print("| node_exporter's over vigie's, per scrape (median of blocks) | %.0fx | |"
      % statistics.median(one["block_ratios"]))
print("| refreshes without scrapes, CPU per minute | %s ms (collector off: %s ms) | |" % (on_min, off_min))
print("| systemd and dbus-daemon in that minute | %s ms | |" % sd_min)
PY
