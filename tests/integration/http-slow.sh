#!/usr/bin/env bash
# A slow collection holds no endpoint but the scrapes waiting for it: while
# one /metrics request is held in a collection that lasts seconds,
# /-/healthy, /-/ready and the landing page answer within 0.5 s, and a
# second /metrics request that arrived meanwhile gets a whole answer from
# a collection that started after it; SIGTERM during a collection stops
# vigie once the collection returns, with no request left hanging.
# The slow collector is os, reading os-release from a FIFO under
# --path.rootfs: its read waits until http_slow.py writes, so a collection
# lasts exactly as long as the script holds the FIFO.
source "$(dirname "$0")/lib.sh"
need python3 curl

mkdir -p "$T/root/etc"
fifo="$T/root/etc/os-release"
mkfifo "$fifo"
# a collection still waiting on the FIFO must not hold vigie's exit
before_cleanup() { timeout 2 sh -c "printf 'ID=x\n' >'$fifo'" 2>/dev/null || true; }

# idle connections time out after 1 s: a connection whose scrape waits
# longer than that must still get its answer
printf '[web]\nconnection_timeout = 1s\n' >"$T/http.conf"
args=(--config "$T/http.conf" --collector.disable-defaults --collector.os --path.rootfs="$T/root")

start_vigie vigie "${args[@]}"
python3 "$(dirname "$0")/http_slow.py" 127.0.0.1 "${VIGIE_URL##*:}" "$fifo" serve ||
        fail "a slow collection held other requests"
kill -0 "$VIGIE_PID" || fail "vigie died"
stop_pid "$VIGIE_PID" || fail "vigie exited with $? on SIGTERM"

start_vigie vigie-stop "${args[@]}"
python3 "$(dirname "$0")/http_slow.py" 127.0.0.1 "${VIGIE_URL##*:}" "$fifo" stop "$VIGIE_PID" ||
        fail "stopping during a slow collection"
rc=0
wait "$VIGIE_PID" || rc=$?
[ "$rc" -eq 0 ] || fail "vigie exited with $rc on SIGTERM during a collection"
! grep -Eq "AddressSanitizer|runtime error" "$T/vigie.log" "$T/vigie-stop.log" ||
        fail "sanitizer report: $(cat "$T/vigie.log" "$T/vigie-stop.log")"
echo "http-slow: ok"
