#!/usr/bin/env bash
# A 4xx-poisoned batch followed by good ones, with a real Prometheus: run B
# queues batches two hours in the past (libfaketime) while the receiver is
# down; run C finds them first in the queue. Prometheus refuses them (400,
# out of bounds): vigie drops and counts exactly those, and the good batch
# behind them arrives.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/push-lib.sh"
LIBFAKETIME=$(ls /usr/lib/*/faketime/libfaketime.so.1 2>/dev/null | head -n 1)
[ -n "$LIBFAKETIME" ] || skip "libfaketime is not installed (package faketime)"

start_receiver
push=(--log.level=debug --push.url="$PROM_URL/api/v1/write" --push.queue-dir="$T/queue")
start_vigie runA "${push[@]}" --push.interval=1s
wait_for 20 metric_is 'vigie_push_samples_sent_total{target="url1"}' -gt 1000 || fail "run A delivered nothing"
stop_pid "$VIGIE_PID" || fail "run A exited with $?"
stop_receiver

# run B lives two hours ago (the wall clock only: timers keep real time)
VIGIE_REAL=$VIGIE
printf '#!/bin/sh\nLD_PRELOAD=%s FAKETIME=-2h FAKETIME_DONT_FAKE_MONOTONIC=1 exec %s "$@"\n' "$LIBFAKETIME" \
        "$VIGIE_REAL" >"$T/vigie-past"
chmod +x "$T/vigie-past"
VIGIE="$T/vigie-past"
start_vigie runB "${push[@]}" --push.interval=1s
wait_for 30 metric_is 'vigie_push_queue_batches{target="url1"}' -ge 3 || fail "run B did not queue"
stop_pid "$VIGIE_PID" || fail "run B exited with $?"
VIGIE=$VIGIE_REAL
old=$(queued_samples "$T/runB.log")
past=$(sed -n 's/.*queued [0-9]* samples at \([0-9]*\).*/\1/p' "$T/runB.log" | head -n 1)
now_ms=$(date +%s%3N)
[ $((now_ms - past)) -gt 6000000 ] || fail "run B's batches are not two hours old"

start_receiver
start_vigie runC "${push[@]}" --push.interval=1h
wait_for 60 metric_is 'vigie_push_queue_batches{target="url1"}' -eq 0 || fail "run C did not drain the queue"
dropped=$(metric 'vigie_push_samples_dropped_total{reason="http_4xx",target="url1"}')
stop_pid "$VIGIE_PID" || fail "run C exited with $?"
grep -q "HTTP 400: the target refused a batch" "$T/runC.log" || fail "no 400 logged"
good=$(($(queued_samples "$T/runA.log") + $(queued_samples "$T/runC.log")))
got=$(received '{job="vigie"}')
echo "run B queued $old samples two hours old; dropped for 4xx: $dropped; good samples $good, received $got"
[ "$dropped" = "$old" ] || fail "dropped $dropped, but run B queued $old"
[ "$got" = "$good" ] || fail "the good batches behind the refused ones did not all arrive"
echo "push-poison: ok"
