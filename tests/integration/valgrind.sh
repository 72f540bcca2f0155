#!/usr/bin/env bash
# valgrind finds no leak and no error in a --once run, nor in a daemon that
# serves scrapes (plain and gzip), a reload and a stop.
source "$(dirname "$0")/lib.sh"
need valgrind curl

vg=(valgrind --quiet --error-exitcode=99 --leak-check=full --show-leak-kinds=all --errors-for-leak-kinds=all
        --suppressions="$(dirname "$0")/valgrind.supp"
        --track-fds=no --num-callers=40)

"${vg[@]}" --log-file="$T/once.log" "$VIGIE" --once >"$T/once.prom" ||
        fail "valgrind --once: $(cat "$T/once.log")"
[ ! -s "$T/once.log" ] || fail "valgrind --once reported: $(cat "$T/once.log")"
grep -q node_cpu_seconds_total "$T/once.prom" || fail "--once under valgrind printed no cpu series"

"${vg[@]}" --log-file="$T/check.log" "$VIGIE" --check-config --config "$SOURCE_ROOT/packaging/vigie.conf" >/dev/null ||
        fail "valgrind --check-config: $(cat "$T/check.log")"
[ ! -s "$T/check.log" ] || fail "valgrind --check-config reported: $(cat "$T/check.log")"

printf '[web]\nmax_requests = 10001\n' >"$T/bad.conf"
rc=0
"${vg[@]}" --log-file="$T/bad.log" "$VIGIE" --check-config --config "$T/bad.conf" >/dev/null 2>&1 || rc=$?
[ $rc -eq 2 ] || fail "bad config under valgrind: exit $rc: $(cat "$T/bad.log")"
[ ! -s "$T/bad.log" ] || fail "valgrind on a refused config reported: $(cat "$T/bad.log")"

# the daemon: scrapes, a reload, SIGTERM
printf '[collectors]\nstat = true\n' >"$T/ok.conf"
VIGIE_REAL=$VIGIE
VIGIE_WRAPPED="$T/vigie-under-valgrind"
printf '#!/bin/sh\nexec %s --log-file=%s %s "$@"\n' "${vg[*]}" "$T/daemon.vg" "$VIGIE_REAL" >"$VIGIE_WRAPPED"
chmod +x "$VIGIE_WRAPPED"
VIGIE=$VIGIE_WRAPPED
# with a push target nothing listens on: encoding, the disk queue and
# libcurl's error path run too
start_vigie daemon --config "$T/ok.conf" --push.url="http://127.0.0.1:$(free_port)/api/v1/write" --push.interval=1s \
        --push.queue-dir="$T/queue"
queued_any() { ls "$T"/queue/url1/*.seg >/dev/null 2>&1; }
wait_for 60 queued_any || fail "nothing queued under valgrind"
for i in $(seq 20); do
        curl -fsS "$VIGIE_URL/metrics" >/dev/null
        curl -fsS --compressed "$VIGIE_URL/metrics" >/dev/null
done
curl -fsS "$VIGIE_URL/" >/dev/null
curl -sS -X POST "$VIGIE_URL/metrics" >/dev/null
kill -HUP "$VIGIE_PID"
sleep 1
curl -fsS "$VIGIE_URL/metrics" >/dev/null
stop_pid "$VIGIE_PID" || fail "daemon under valgrind exited $?: $(cat "$T/daemon.vg")"
[ ! -s "$T/daemon.vg" ] || fail "valgrind on the daemon reported: $(cat "$T/daemon.vg")"
echo "valgrind: ok"
