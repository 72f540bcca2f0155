#!/usr/bin/env bash
# Lifecycle without systemd: SIGHUP applies a good config and refuses a
# broken one (the running one stays), SIGINT/SIGTERM stop cleanly, and
# socket activation (systemd-socket-activate) serves on the passed socket.
source "$(dirname "$0")/lib.sh"
need curl

has_cpu() { serves "$VIGIE_URL${1:-/metrics}" '^node_cpu_seconds_total{'; }

printf '[collectors]\ncpu = true\n' >"$T/vigie.conf"
start_vigie vigie --config "$T/vigie.conf"
has_cpu || fail "cpu series missing at start"

# a good new config: cpu off, metrics moved
printf '[web]\ntelemetry_path = /other\n[collectors]\ncpu = false\n' >"$T/vigie.conf"
kill -HUP "$VIGIE_PID"
wait_for 10 grep -q "configuration reloaded" "$T/vigie.log" || fail "reload not logged"
serves "$VIGIE_URL/other" '^node_boot_time_seconds ' || fail "new telemetry path not served"
! has_cpu /other || fail "cpu still on after reload"
[ "$(curl -s -o /dev/null -w '%{http_code}' "$VIGIE_URL/metrics")" = 404 ] || fail "old telemetry path still served"

# a broken config: refused with file:line, the running config stays
printf '[web]\ntelemetry_path = /other\n[collectors]\ncpu = true\nstat = sometimes\n' >"$T/vigie.conf"
kill -HUP "$VIGIE_PID"
wait_for 10 grep -q "reload refused: $T/vigie.conf:5: \[collectors\] stat: 'sometimes' is not a boolean" "$T/vigie.log" ||
        fail "broken reload not refused with file:line"
kill -0 "$VIGIE_PID" || fail "vigie died on a broken reload"
! has_cpu /other || fail "the broken config was partly applied"
serves "$VIGIE_URL/other" '^node_boot_time_seconds ' || fail "not serving after a refused reload"

# the file disappears: refused as well
rm "$T/vigie.conf"
kill -HUP "$VIGIE_PID"
wait_for 10 grep -q "reload refused: $T/vigie.conf: cannot open" "$T/vigie.log" || fail "missing file not refused"

kill -INT "$VIGIE_PID"
rc=0
wait "$VIGIE_PID" || rc=$?
[ $rc -eq 0 ] || fail "SIGINT: exit code $rc"
grep -q "stopped" "$T/vigie.log" || fail "stop not logged"

# cannot listen: exit 1 and a clear line
port=$(free_port)
python3 -c "import socket,time; s=socket.socket(); s.bind(('127.0.0.1',$port)); s.listen(); time.sleep(30)" &
PIDS+=($!)
wait_for 10 python3 -c "import socket; socket.create_connection(('127.0.0.1',$port))"
rc=0
"$VIGIE" --web.listen-address="127.0.0.1:$port" --log.target=stderr >"$T/busy.log" 2>&1 || rc=$?
[ $rc -eq 1 ] || fail "port in use: exit $rc"
grep -q "cannot listen on 127.0.0.1:$port: Address already in use" "$T/busy.log" || fail "port in use: $(cat "$T/busy.log")"

# --web.systemd-socket without a socket from systemd: a clear refusal
rc=0
"$VIGIE" --web.systemd-socket --log.target=stderr >"$T/nosock.log" 2>&1 || rc=$?
[ $rc -eq 1 ] && grep -q "systemd passed no socket" "$T/nosock.log" || fail "systemd-socket without socket: $rc"

# socket activation
if command -v systemd-socket-activate >/dev/null; then
        port=$(free_port)
        systemd-socket-activate -l "127.0.0.1:$port" "$VIGIE" --web.systemd-socket --log.target=stderr \
                >"$T/activated.log" 2>&1 &
        PIDS+=($!)
        act=$!
        wait_for 10 curl -fsS "http://127.0.0.1:$port/metrics" || fail "socket activation: no answer"
        serves "http://127.0.0.1:$port/metrics" '^node_cpu_seconds_total{' || fail "socket activation: no cpu"
        grep -q "(socket from systemd)" "$T/activated.log" || fail "socket activation not logged"
        stop_pid "$act" || fail "socket-activated vigie exited $?"
else
        echo "note: systemd-socket-activate missing, socket activation not tried here"
fi
echo "lifecycle: ok"
