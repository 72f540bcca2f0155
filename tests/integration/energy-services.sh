#!/usr/bin/env bash
# Energy per service against a real systemd system instance: two services
# burn a known share of a CPU (busy for 15 ms, then 40 ms, of every
# 100 ms), vigie runs inside the instance with the energy collector alone
# (the model: this machine has no sensor), and two scrapes some seconds
# apart show each service's energy in proportion to the CPU time its
# cgroup used, idle and not attributed series, and the parts adding up to
# the host total within 1%. Other tests' instances may share the unified
# cgroup tree: the units have names of their own, and other groups'
# figures are only summed, never checked.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/system-instance.sh"
need curl python3
si_boot

cgroups=/sys/fs/cgroup/unified/system.slice
cat >"$T/burn.py" <<'PY'
import sys, time
duty = int(sys.argv[1]) / 1000
while True:
    t = time.monotonic()
    while time.monotonic() - t < duty:
        pass
    time.sleep(0.1 - duty)
PY
for duty in 15 40; do
        si_unit "vigie-energy2-burn$duty.service" <<EOF
[Service]
ExecStart=/usr/bin/python3 $T/burn.py $duty
EOF
        si systemctl start "vigie-energy2-burn$duty.service"
done
for duty in 15 40; do
        [ -r "$cgroups/vigie-energy2-burn$duty.service/cpu.stat" ] ||
                skip "no cgroup with cpu.stat for the services under $cgroups"
done

port=$(free_port)
: >"$T/vigie.log"
# nsenter itself in the background, not the si function: $! is then the
# process the cleanup must stop (a subshell's nsenter outlived it, stopped)
nsenter -t "$SI_PID" -a "$VIGIE" --web.listen-address="127.0.0.1:$port" --log.target=stderr \
        --collector.disable-defaults --collector.energy --collector.energy.model-tdp-watts=100 >>"$T/vigie.log" 2>&1 &
PIDS+=("$!")
wait_for 10 si curl -fsS "http://127.0.0.1:$port/-/ready" || fail "vigie not ready in the instance"

# one scrape, with the services' cgroup CPU time and /proc/stat read just
# before it
scrape() {
        local n=$1 duty
        for duty in 15 40; do
                sed -n 's/^usage_usec //p' "$cgroups/vigie-energy2-burn$duty.service/cpu.stat" >"$T/cpu$duty.$n"
        done
        head -1 /proc/stat >"$T/stat.$n"
        si curl -fsS "http://127.0.0.1:$port/metrics" -o "$T/metrics.$n"
}
sleep 2
scrape 1
sleep 8
scrape 2

python3 - "$T" <<'PY' || fail "energy per service does not add up (metrics in $T)"
import os, re, sys
d = sys.argv[1]
hz = os.sysconf("SC_CLK_TCK")

def series(n):
    out = {}
    for line in open(os.path.join(d, "metrics.%d" % n)):
        if line.startswith("#") or not line.strip():
            continue
        name, value = line.rsplit(" ", 1)
        out[name] = float(value)
    return out

def busy(n):
    v = [int(x) for x in open(os.path.join(d, "stat.%d" % n)).read().split()[1:9]]
    return (v[0] + v[1] + v[2] + v[5] + v[6]) / hz

def cpu(duty, n):
    return int(open(os.path.join(d, "cpu%d.%d" % (duty, n))).read()) / 1e6

m = [None, series(1), series(2)]
host = 'vigie_energy_host_joules_total{source="model",method="estimated"}'
bad = []
for n in (1, 2):
    s = m[n]
    if host not in s:
        sys.exit("no host total in scrape %d" % n)
    for part in ("idle", "unattributed"):
        if 'vigie_energy_%s_joules_total{method="estimated"}' % part not in s:
            bad.append("no %s series in scrape %d" % (part, n))
    total = sum(v for k, v in s.items() if re.match(
        r'vigie_energy_(service|idle|unattributed|service_forgotten)_joules_total\{.*method="estimated"\}$', k))
    if abs(total - s[host]) > 0.01 * s[host]:
        bad.append("scrape %d: the parts make %.3f J, the host total %.3f J" % (n, total, s[host]))
    print("scrape %d: host %.3f J, parts %.3f J" % (n, s[host], total))

def delta(key):
    return m[2].get(key, 0) - m[1].get(key, 0)

dynamic = delta(host) - delta('vigie_energy_idle_joules_total{method="estimated"}')
busy_s = busy(2) - busy(1)
shares = {}
for duty in (15, 40):
    key = 'vigie_energy_service_joules_total{service="vigie-energy2-burn%d.service",method="estimated"}' % duty
    if key not in m[2]:
        bad.append("no series for the %d%% service" % duty)
        continue
    e, c = delta(key), cpu(duty, 2) - cpu(duty, 1)
    shares[duty] = (e, c)
    want = dynamic * c / busy_s
    print("%d%% service: %.3f J for %.3f s of CPU out of %.3f s busy (%.3f J by its share)" % (duty, e, c, busy_s, want))
    if abs(e - want) > 0.25 * want:
        bad.append("the %d%% service has %.3f J, its CPU share makes %.3f J" % (duty, e, want))
if len(shares) == 2:
    (e1, c1), (e2, c2) = shares[15], shares[40]
    if e1 <= 0 or c1 <= 0 or abs((e2 / e1) / (c2 / c1) - 1) > 0.15:
        bad.append("energy ratio %.3f against CPU ratio %.3f" % (e2 / e1 if e1 else 0, c2 / c1 if c1 else 0))
for b in bad:
    print("FAIL:", b)
sys.exit(1 if bad else 0)
PY
echo "energy-services: ok"
