#!/usr/bin/env bash
# A real Prometheus (Debian's 2.42) scrapes vigie on loopback: the target is
# up and node_cpu_seconds_total is queryable through the HTTP API.
source "$(dirname "$0")/lib.sh"
need prometheus curl python3

start_vigie vigie
start_prometheus "${VIGIE_URL#http://}"
api=$PROMETHEUS_API

# query EXPR: prints the JSON result
query() { curl -fsS --get --data-urlencode "query=$1" "$api/query"; }

up_ok() {
        curl -fsS "$api/targets" | python3 -c '
import json, sys
t = json.load(sys.stdin)["data"]["activeTargets"]
sys.exit(0 if t and all(x["health"] == "up" and not x["lastError"] for x in t) else 1)'
}
wait_for 30 up_ok || fail "target not up: $(curl -fsS "$api/targets")"

cpu_ok() {
        query 'count(node_cpu_seconds_total{job="vigie",mode="idle"})' | python3 -c '
import json, os, sys
r = json.load(sys.stdin)["data"]["result"]
sys.exit(0 if r and int(r[0]["value"][1]) == os.cpu_count() else 1)'
}
wait_for 30 cpu_ok || fail "node_cpu_seconds_total not ingested: $(query 'node_cpu_seconds_total')"

# a rate over the ingested counter works (the counter really counts)
sleep 3
query 'sum(rate(node_cpu_seconds_total{job="vigie"}[5s]))' | python3 -c '
import json, os, sys
r = json.load(sys.stdin)["data"]["result"]
v = float(r[0]["value"][1])
# all modes of all CPUs together advance by about one second per second per CPU
sys.exit(0 if 0.5 * os.cpu_count() < v < 1.5 * os.cpu_count() else 1)' ||
        fail "rate of node_cpu_seconds_total is off: $(query 'sum(rate(node_cpu_seconds_total[5s]))')"
query 'up{job="vigie"}' | grep -q '"1"\]' || fail "up is not 1"
echo "prometheus: ok"
