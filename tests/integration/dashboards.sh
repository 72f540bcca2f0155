#!/usr/bin/env bash
# One real Prometheus scrapes Debian's node_exporter (upstream 1.5's
# defaults) and vigie (its own defaults) on this machine every second,
# with the node-mixin's recording rules and alerts loaded
# (node-mixin-rules.yml); dashboards.py then asks it what the dashboards
# and alerts people run on node_exporter ask, for both jobs, and wants the
# same answers. The textfile directory both read holds a file that does
# not parse, so that the textfile alert has something to fire on.
source "$(dirname "$0")/lib.sh"
need prometheus-node-exporter prometheus python3 curl

mkdir "$T/textfile"
printf 'backup_ok{job="archives"} 1\n' >"$T/textfile/backup.prom"
printf 'this is not a metric\n' >"$T/textfile/broken.prom"
ne_flags=("${NE_UPSTREAM_FLAGS[@]}" --collector.textfile.directory="$T/textfile")
ne_port=$(free_port)
prometheus-node-exporter --web.listen-address="127.0.0.1:$ne_port" "${ne_flags[@]}" >"$T/node_exporter.log" 2>&1 &
PIDS+=($!)
wait_for 20 curl -fsS -o /dev/null "http://127.0.0.1:$ne_port/metrics" || fail "node_exporter did not start"
start_vigie vigie --collector.textfile.directory="$T/textfile"

port=$(free_port)
cp "$SOURCE_ROOT/tests/integration/node-mixin-rules.yml" "$T/rules.yml"
cat >"$T/prometheus.yml" <<YML
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
rule_files: ['$T/rules.yml']
scrape_configs:
  - job_name: node_exporter
    static_configs: [{targets: ['127.0.0.1:$ne_port']}]
  - job_name: vigie
    static_configs: [{targets: ['${VIGIE_URL#http://}']}]
YML
promtool check config "$T/prometheus.yml" >"$T/check.log" 2>&1 || fail "promtool check config: $(cat "$T/check.log")"
prometheus --config.file="$T/prometheus.yml" --storage.tsdb.path="$T/data" --web.listen-address="127.0.0.1:$port" \
        --log.level=warn >"$T/prometheus.log" 2>&1 &
PIDS+=($!)
api="http://127.0.0.1:$port/api/v1"
wait_for 30 curl -fsS "http://127.0.0.1:$port/-/ready" || fail "prometheus did not become ready"

up_ok() {
        curl -fsS --get --data-urlencode 'query=count(count_over_time(up[1m]) >= 5)' "$api/query" |
                grep -q '"value":\[[0-9.]*,"2"\]'
}
wait_for 60 up_ok || fail "both targets not scraped five times: $(curl -fsS "$api/targets")"
# irate and rate need two points, the rules a few evaluations
sleep 3
python3 "$SOURCE_ROOT/tests/integration/dashboards.py" "$api" >"$T/dashboards.out" 2>&1 ||
        fail "$(cat "$T/dashboards.out")"
cat "$T/dashboards.out"
grep -q "NodeTextFileCollectorScrapeError" "$T/dashboards.out" || fail "the textfile alert did not fire for both"
echo "dashboards: ok"
