#!/usr/bin/env bash
# The perf collector's hardware and cache counters, where the machine has
# a hardware PMU (most virtual machines have none: skipped there): every
# CPU has the hardware families the PMU offers, cycles and instructions
# grow, and the families, help texts, types and label sets are node_exporter
# 1.5's on the same host.
source "$(dirname "$0")/lib.sh"
need curl python3
[ "$(id -u)" -eq 0 ] || skip "counting every process on a CPU needs root"
ls -d /sys/bus/event_source/devices/cpu* >/dev/null 2>&1 ||
        skip "no hardware PMU on this machine (/sys/bus/event_source/devices has no cpu): hardware and cache events cannot be opened"

ncpu=$(nproc)
families() {
        python3 "$(dirname "$0")/families.py" "$1" node_perf_
}
total() {
        awk -v f="$2" 'index($0, f "{") == 1 { s += $2 } END { printf "%d\n", s }' "$1"
}

start_vigie perf --collector.disable-defaults --collector.perf
curl -fsS "$VIGIE_URL/metrics" -o "$T/m1"
sleep 1
curl -fsS "$VIGIE_URL/metrics" -o "$T/m2"
for f in node_perf_cpucycles_total node_perf_instructions_total; do
        [ "$(grep -c "^$f{cpu=\"[0-9]*\"} " "$T/m2")" = "$ncpu" ] || fail "$f: not one series per CPU: $(grep "^$f" "$T/m2")"
        [ "$(total "$T/m2" $f)" -gt "$(total "$T/m1" $f)" ] || fail "$f does not grow"
done
if command -v prometheus-node-exporter >/dev/null; then
        port=$(free_port)
        prometheus-node-exporter --web.listen-address="127.0.0.1:$port" --collector.disable-defaults --collector.perf \
                >"$T/ne.log" 2>&1 &
        PIDS+=($!)
        wait_for 20 curl -fsS -o "$T/ne" "http://127.0.0.1:$port/metrics" ||
                fail "node_exporter does not serve: $(tail -3 "$T/ne.log")"
        diff <(families "$T/m2") <(families "$T/ne") >"$T/ne.diff" || fail "families differ: $(head -20 "$T/ne.diff")"
fi
echo "perf-hardware: ok"
