#!/usr/bin/env bash
# packaging/grafana/vigie-energy.json against a real Prometheus (Debian's
# 2.42) that scrapes a running vigie: every panel's expression and every
# variable's query, with Grafana's variables given values ($job and
# $instance all, the period a minute), returns data; every panel reads
# the dashboard's data source variable; the authority and site variables
# offer what the target's labels say. vigie's energy collector sees a
# cgroup tree of the test's own with a service, and has an embodied
# figure, so that every series the dashboard reads exists.
source "$(dirname "$0")/lib.sh"
need prometheus curl python3

mkdir -p "$T/sys/fs/cgroup/system.slice/web.service"
: >"$T/sys/fs/cgroup/cgroup.controllers"
echo "usage_usec 1000" >"$T/sys/fs/cgroup/system.slice/web.service/cpu.stat"
start_vigie vigie --collector.disable-defaults --collector.energy --path.sysfs="$T/sys" \
        --collector.energy.embodied-kgco2e=1000
start_prometheus "${VIGIE_URL#http://}" "{authority: 'departement-du-cher', site: 'mairie-de-bourges'}"
api=$PROMETHEUS_API

# the service's counter grows, so that its rate has data too
(
        usec=1000
        while sleep 0.5; do
                usec=$((usec + 200000))
                echo "usage_usec $usec" >"$T/sys/fs/cgroup/system.slice/web.service/cpu.stat.new"
                mv "$T/sys/fs/cgroup/system.slice/web.service/cpu.stat.new" \
                        "$T/sys/fs/cgroup/system.slice/web.service/cpu.stat"
        done
) &
PIDS+=($!)
ingested() {
        curl -fsS --get --data-urlencode 'query=count_over_time(vigie_energy_service_joules_total[1m]) > 5' \
                "$api/query" | grep -q '"result":\[{'
}
wait_for 60 ingested || fail "vigie's service energy not ingested"

python3 - "$SOURCE_ROOT/packaging/grafana/vigie-energy.json" "$api" <<'PY' || fail "the dashboard does not read what vigie serves"
import json, re, sys, urllib.parse, urllib.request
dash, api = json.load(open(sys.argv[1])), sys.argv[2]
values = {"authority": ".*", "site": ".*", "job": ".*", "instance": ".*", "__range": "1m", "__rate_interval": "10s", "__interval": "15s"}

def fill(expr):
    return re.sub(r"\$\{?(\w+)\}?", lambda m: values[m.group(1)], expr)

def query(expr):
    url = api + "/query?" + urllib.parse.urlencode({"query": expr})
    return json.load(urllib.request.urlopen(url))["data"]["result"]

bad, n = [], 0
for v in dash["templating"]["list"]:
    if v["type"] != "query":
        continue
    m = re.fullmatch(r"label_values\((.*), *(\w+)\)", v["definition"])
    if not m:
        bad.append("variable %s: not label_values(SERIES, LABEL)" % v["name"])
        continue
    n += 1
    got = [r["metric"].get(m.group(2)) for r in query("count by (%s) (%s)" % (m.group(2), fill(m.group(1))))]
    want = {"authority": "departement-du-cher", "site": "mairie-de-bourges"}.get(v["name"])
    if not got or (want and got != [want]):
        bad.append("variable %s: values %r" % (v["name"], got))
for p in dash["panels"]:
    if p.get("datasource", {}).get("uid") != "${datasource}":
        bad.append("panel %r does not read the datasource variable" % p["title"])
    for t in p["targets"]:
        n += 1
        if not query(fill(t["expr"])):
            bad.append("panel %r: no data for %s" % (p["title"], t["expr"]))
for b in bad:
    print("FAIL:", b)
print("%d expressions, each with data" % n)
sys.exit(1 if bad else 0)
PY
echo "energy-dashboard: ok"
