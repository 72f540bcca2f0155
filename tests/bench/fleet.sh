#!/usr/bin/env bash
# A fleet, simulated on one machine: AGENTS vigie agents (each its own
# port, queue directory and instance label, loadavg and meminfo only, so
# that hundreds fit on two cores), started one after another over one
# interval as a real fleet's clocks would be, push every INTERVAL_S to one
# VictoriaMetrics, each target paced at MAX_BATCHES_PER_SECOND. The
# receiver is stopped for OUTAGE_S and started again on the same data;
# once every queue has drained, the agents are stopped. tests/bench/
# fleet.py samples the receiver's request count every second and the
# agents' CPU, RSS and PSS and the load average every 2 s, and writes OUT.json: what each agent
# queued (its debug log) against what VictoriaMetrics holds for its
# instance, the peak request rate during the catch-up against the bound
# the pace sets, CPU and memory before, during and after the outage.
# tests/bench/run.sh runs it full length (200 agents, 10 minutes out),
# tests/integration/push-fleet.sh shortened, with assertions.
# Usage: fleet.sh OUT.json [AGENTS [OUTAGE_S [INTERVAL_S [MAX_BATCHES_PER_SECOND]]]]
# (VIGIE and SOURCE_ROOT set, as meson sets them for the tests)
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/../integration/lib.sh"
out=$1 agents=${2:-200} outage=${3:-600} interval=${4:-15} pace=${5:-2}
need victoria-metrics curl python3
fleet=(python3 "$here/fleet.py")

port=$(free_port)
VM="http://127.0.0.1:$port"
start_vm() {
        victoria-metrics -httpListenAddr="127.0.0.1:$port" -storageDataPath="$T/vm" -search.latencyOffset=0s \
                -loggerLevel=ERROR >>"$T/vm.log" 2>&1 &
        VM_PID=$!
        PIDS+=("$VM_PID")
        wait_for 60 curl -fsS "$VM/health" || fail "victoria-metrics did not start: $(tail -3 "$T/vm.log")"
}
stop_vm() {
        kill "$VM_PID"
        wait "$VM_PID" 2>/dev/null || true
}
mark() { echo "$1 $(date +%s.%N)" >>"$T/phases"; }
say() { echo "fleet: $(date +%T) $*" >&2; }
# how many agents' logs match a regex
agents_saying() { grep -l -- "$1" "$T"/agents/*/vigie.log 2>/dev/null | wc -l; }
all_say() { [ "$(agents_saying "$1")" -eq "$agents" ]; }

start_vm
"${fleet[@]}" sample "$VM" "$T" &
sampler=$!
PIDS+=("$sampler")

say "starting $agents agents over $interval s (push every $interval s, at most $pace batches a second)"
mkdir "$T/agents"
pids=()
gap=$(python3 -c "print($interval / $agents)")
for i in $(seq -f %03g "$agents"); do
        d="$T/agents/agent-$i"
        mkdir "$d"
        cat >"$d/vigie.conf" <<EOF
[collectors]
disable_defaults = true
[push]
interval = ${interval}s
queue_dir = $d/queue
instance = agent-$i
job = fleet
[push.target.central]
url = $VM/api/v1/write
max_batches_per_second = $pace
EOF
        "$VIGIE" --config "$d/vigie.conf" --web.listen-address=127.0.0.1:0 --log.target=stderr --log.level=debug \
                --collector.loadavg --collector.meminfo >"$d/vigie.log" 2>&1 &
        pids+=($!)
        PIDS+=($!)
        echo $! >>"$T/pids"
        sleep "$gap"
done
wait_for 60 all_say "listening on" || fail "$(agents_saying "listening on") of $agents agents listen"
for d in "$T"/agents/*; do
        sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$d/vigie.log" | head -n 1 >"$d/port"
done
wait_for $((interval * 2 + 30)) all_say "push central: delivering" ||
        fail "$(agents_saying "push central: delivering") of $agents agents deliver"

steady=$((interval * 2 > 10 ? interval * 2 : 10))
mark steady
say "all deliver; steady for $steady s"
sleep "$steady"
mark outage
say "receiver stopped for $outage s"
stop_vm
sleep "$outage"
start_vm
mark catchup
say "receiver back; waiting for every queue to drain"
wait_for $((outage + 600)) "${fleet[@]}" drained "$T" || fail "not every queue drained"
mark after
say "drained"
sleep "$interval"
for p in "${pids[@]}"; do kill "$p"; done
bad=0
for p in "${pids[@]}"; do wait "$p" || bad=$((bad + 1)); done
mark end
[ "$bad" -eq 0 ] || fail "$bad agents exited with an error"
kill "$sampler"
wait "$sampler" 2>/dev/null || true
say "agents stopped; counting"
"${fleet[@]}" summarize "$VM" "$T" "$out" "$agents" "$outage" "$interval" "$pace"
