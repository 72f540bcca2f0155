#!/usr/bin/env bash
# Push to VictoriaMetrics (Debian's victoria-metrics, single node): the
# samples are queryable with vigie's values and labels.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/push-lib.sh"
need victoria-metrics

port=$(free_port)
victoria-metrics -httpListenAddr="127.0.0.1:$port" -storageDataPath="$T/vm" -search.latencyOffset=0s \
        -loggerLevel=ERROR >"$T/vm.log" 2>&1 &
PIDS+=($!)
VM="http://127.0.0.1:$port"
wait_for 30 curl -fsS "$VM/health" || fail "victoria-metrics did not start: $(tail -3 "$T/vm.log")"
start_vigie vigie --log.level=debug --push.url="$VM/api/v1/write" --push.interval=1s --push.queue-dir="$T/queue" \
        --push.label=site=mairie
vm_query() {
        curl -fsS --get --data-urlencode "query=$1" "$VM/api/v1/query" | python3 -c '
import json, sys
r = json.load(sys.stdin)["data"]["result"]
print(r[0]["value"][1] if r else "none")'
}
arrived() { [ "$(vm_query 'count(node_cpu_seconds_total{job="vigie",site="mairie",mode="idle"})')" = "$(nproc)" ]; }
wait_for 60 arrived || fail "node_cpu_seconds_total did not arrive in VictoriaMetrics"
boot=$(vm_query 'node_boot_time_seconds{job="vigie"}')
local_boot=$(metric node_boot_time_seconds)
python3 -c "import sys; sys.exit(0 if float('$boot') == float('$local_boot') else 1)" ||
        fail "node_boot_time_seconds: VictoriaMetrics $boot, vigie $local_boot"
[ "$(metric 'vigie_push_samples_dropped_total{reason="http_4xx",target="url1"}')" = 0 ] || fail "VictoriaMetrics refused batches"
stop_pid "$VIGIE_PID" || fail "vigie exited with $?"
echo "push-victoriametrics: ok"
