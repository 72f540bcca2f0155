#!/usr/bin/env bash
# An agent nobody scrapes wakes no one: with its default collectors (the
# energy model among them, which samples nothing), its HTTP server (whose
# deadline reaper sleeps while no connection has a deadline) and a
# kept-alive connection gone quiet, its threads make no context switch
# over 5 s once that connection's idle deadline is past.
source "$(dirname "$0")/lib.sh"
need curl python3

switches() {
        cat /proc/"$VIGIE_PID"/task/*/status 2>/dev/null | awk '/ctxt_switches/ { s += $2 } END { print s }'
}

printf '[web]\nconnection_timeout = 2s\n' >"$T/vigie.conf"
start_vigie idle --config "$T/vigie.conf"
serves "$VIGIE_URL/metrics" '^node_cpu_seconds_total' || fail "no metrics"
# a kept-alive connection that goes quiet: its idle deadline (2 s) is the
# reaper's one wake-up, then nothing
python3 - "$VIGIE_PORT" <<'PY' &
import http.client, sys, time
c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]))
c.request("GET", "/metrics")
c.getresponse().read()
time.sleep(8)
PY
PIDS+=($!)
sleep 4
a=$(switches)
sleep 5
b=$(switches)
echo "context switches in 5 s idle: $((b - a)), threads: $(ls /proc/"$VIGIE_PID"/task | wc -l)"
[ $((b - a)) -le 1 ] || fail "$((b - a)) context switches in 5 s while idle"
