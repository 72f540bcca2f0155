#!/usr/bin/env bash
# A benchmark phase (tests/bench/run.sh calls it): the energy collector's
# sampler on an idle host. RAPL's counters wrap at max_energy_range_uj, so
# vigie reads them between scrapes, every half of the time the fastest zone
# takes to wrap at its maximum power (its power constraint, the package's
# for a sub-zone, else 1000 W); hwmon and the model have nothing that
# wraps and are read at scrapes only. Four agents with the energy
# collector alone, on fixture trees, nobody scraping them, for SECONDS at
# once: RAPL (tests/fixtures/energy/intel), the same tree with every
# range cut so that the fastest zone wraps in 10 s (the sampler's period
# made short enough to count), hwmon (energy/hwmon) and the model (no
# sensor, this host's /proc/stat). Wake-ups are counted as
# tests/integration/idle-wakeups.sh counts them: the context switches of
# every thread of the agent.
# Usage: energy.sh OUT.json VIGIE [SECONDS]
# Writes OUT.json: for each case, the derivation (the fastest wrap, its
# zone and power, the sampling period) and the wake-ups per minute (all
# context switches, and the voluntary ones).
set -euo pipefail
out=$1 vigie=$2 seconds=${3:-60}
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
F="$top/tests/fixtures/energy"

T=$(mktemp -d /tmp/vigie-bench-energy.XXXXXX)
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$T"' EXIT

# the Intel tree with every range cut to 10 kJ: 10 s at 1000 W
cp -r "$F/intel" "$T/fastwrap"
find "$T/fastwrap" -name max_energy_range_uj -exec sh -c 'echo 10000000000 >"$1"' _ {} \;

cases=("rapl $F/intel/sys $F/intel/proc" "rapl_fast_wrap $T/fastwrap/sys $T/fastwrap/proc"
        "hwmon $F/hwmon/sys $F/hwmon/proc" "model $F/missing/sys /proc")
for c in "${cases[@]}"; do
        set -- $c
        "$vigie" --web.listen-address=127.0.0.1:0 --log.target=stderr --collector.disable-defaults --collector.energy \
                --path.sysfs="$2" --path.procfs="$3" >"$T/$1.log" 2>&1 &
        PIDS+=($!)
        echo "$1 $! $2" >>"$T/agents"
done
# past the start (the first sample of every source), then idle
sleep 3
# every context switch, and the voluntary ones alone (the agent's own
# sleeps, not preemption by the rest of a busy machine)
switches() {
        cat /proc/"$1"/task/*/status 2>/dev/null |
                awk '/ctxt_switches/ { s += $2 } /^voluntary/ { v += $2 } END { print s + 0, v + 0 }'
}
while read -r name pid sys; do
        kill -0 "$pid" 2>/dev/null || { echo "bench: energy: the $name agent stopped: $(tail -3 "$T/$name.log")" >&2; exit 1; }
        echo "$name $pid $sys $(switches "$pid")" >>"$T/before"
done <"$T/agents"
echo "bench: energy: ${seconds} s of idle agents with RAPL, hwmon and the model..." >&2
sleep "$seconds"
while read -r name pid sys before voluntary; do
        read -r now now_voluntary < <(switches "$pid")
        echo "$name $sys $((now - before)) $((now_voluntary - voluntary))" >>"$T/after"
done <"$T/before"

python3 - "$T/after" "$seconds" >"$out" <<'PY'
import glob, json, os, sys

FALLBACK_UW = 1000e6  # vigie's bound for a zone without a power constraint


def read(path):
    try:
        return int(open(path).read())
    except (OSError, ValueError):
        return 0


def constraint_uw(zone):
    return max([read(p) for p in glob.glob(os.path.join(zone, "constraint_*_max_power_uw"))] or [0])


def derivation(sys_root):
    """The fastest wrap of the tree's RAPL zones (MSR ones: the MMIO twins
    are not counted) at their maximum power, and the period vigie derives."""
    fastest = None
    for rng in glob.glob(os.path.join(sys_root, "devices/virtual/powercap/intel-rapl/**/max_energy_range_uj"),
                         recursive=True):
        zone = os.path.dirname(rng)
        name = open(os.path.join(zone, "name")).read().strip()
        uw = constraint_uw(zone)
        if uw <= 0 and ":" in os.path.basename(zone).split("intel-rapl:", 1)[1] and name != "dram":
            uw = constraint_uw(os.path.dirname(zone))
        bound = "its power constraint" if uw > 0 else "no power constraint"
        uw = uw if uw > 0 else FALLBACK_UW
        wrap_s = read(rng) / uw
        if fastest is None or wrap_s < fastest["wrap_s"]:
            fastest = {"zone": name, "max_w": uw / 1e6, "bound": bound, "range_j": read(rng) / 1e6, "wrap_s": wrap_s}
    if fastest:
        fastest["period_s"] = max(1.0, fastest["wrap_s"] / 2)
        fastest["expected_per_min"] = 60 / fastest["period_s"]
    return fastest


seconds = float(sys.argv[2])
out = {"seconds": seconds, "cases": []}
for line in open(sys.argv[1]):
    name, sys_root, switches, voluntary = line.split()
    out["cases"].append({"name": name, "derivation": derivation(sys_root),
                         "wakeups_per_min": int(switches) * 60 / seconds,
                         "voluntary_per_min": int(voluntary) * 60 / seconds})
print(json.dumps(out))
PY
