#!/usr/bin/env bash
# The wall clock stepping back while pushing (NTP correcting a VM's clock
# after a resume), with a real Prometheus: vigie's clock runs 8 s ahead
# (libfaketime, its offset read from a file at each call, timers on the
# real monotonic clock), delivers, then steps back to the true time. The
# batches taken before the clock catches up with the last delivered one
# are out of order: Prometheus refuses them (400), vigie drops and counts
# exactly those, and the queue goes on (the batches after them arrive, as
# they come, without a stall). A second run drains what is left: every
# sample queued is received or counted as dropped.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/push-lib.sh"
LIBFAKETIME=$(ls /usr/lib/*/faketime/libfaketimeMT.so.1 2>/dev/null | head -n 1)
[ -n "$LIBFAKETIME" ] || skip "libfaketime is not installed (package faketime)"

start_receiver
ahead=8
echo "+$ahead" >"$T/offset"
VIGIE_REAL=$VIGIE
printf '#!/bin/sh\nLD_PRELOAD=%s FAKETIME_TIMESTAMP_FILE=%s FAKETIME_NO_CACHE=1 FAKETIME_DONT_FAKE_MONOTONIC=1 exec %s "$@"\n' \
        "$LIBFAKETIME" "$T/offset" "$VIGIE_REAL" >"$T/vigie-faked"
chmod +x "$T/vigie-faked"
VIGIE="$T/vigie-faked"
push=(--log.level=debug --push.url="$PROM_URL/api/v1/write" --push.queue-dir="$T/queue")
sent='vigie_push_samples_sent_total{target="url1"}'
dropped='vigie_push_samples_dropped_total{reason="http_4xx",target="url1"}'
start_vigie ahead "${push[@]}" --push.interval=1s
VIGIE=$VIGIE_REAL
wait_for 30 metric_is "$sent" -gt 1000 || fail "nothing delivered with the clock ahead"
three_batches() { [ "$(queued_batches "$T/ahead.log")" -ge 3 ]; }
wait_for 10 three_batches || fail "fewer than 3 batches queued"
echo "+0" >"$T/offset" # the step back
stepped=$(date +%s%3N)
before=$(metric "$sent")
# refused while the clock catches up, then delivered again, nothing held
wait_for 30 metric_is "$dropped" -gt 0 || fail "no batch refused after the step back"
wait_for 30 metric_is "$sent" -gt "$before" || fail "nothing delivered after the step back"
wait_for 30 metric_is 'vigie_push_queue_batches{target="url1"}' -le 1 || fail "the queue is held after the step back"
after=$(metric "$sent")
wait_for 10 metric_is "$sent" -gt "$after" || fail "delivery stopped after the step back"
counted=$(metric "$dropped")
stop_pid "$VIGIE_PID" || fail "vigie exited with $?"
grep -q "HTTP 400: the target refused a batch" "$T/ahead.log" || fail "no 400 logged"

# a batch is refused when its time is before the newest delivered one
# (each holds the same series: one out of order refuses it whole)
# (each holds the same series: one out of order refuses it whole); the
# batch at the catch-up itself may go either way (a clean-clone run once
# counted one batch more than the queue's times predict), so the count
# is those batches, or those and one more
read -r refused largest < <(sed -n 's/.*: queued \([0-9]*\) samples at \([0-9]*\).*/\1 \2/p' "$T/ahead.log" | awk '
        { if ($2 < newest) refused += $1; else newest = $2; if ($1 > largest) largest = $1 }
        END { print refused + 0, largest + 0 }')
echo "stepped back ${ahead} s at $stepped: $counted samples counted as refused, $refused queued before the clock caught up"
[ "$counted" -ge "$refused" ] && [ "$counted" -le $((refused + largest)) ] ||
        fail "counted $counted refused samples, but $refused were queued out of order (batches of at most $largest)"

# what the first run left queued arrives; nothing else is missing
start_vigie drain "${push[@]}" --push.interval=1h
wait_for 60 metric_is 'vigie_push_queue_batches{target="url1"}' -eq 0 || fail "the queue did not drain"
stop_pid "$VIGIE_PID" || fail "vigie (drain) exited with $?"
queued=$(($(queued_samples "$T/ahead.log") + $(queued_samples "$T/drain.log")))
got=$(received '{job="vigie"}')
echo "queued $queued samples, received $got, refused $counted"
[ "$got" -eq $((queued - counted)) ] || fail "received $got, not $queued queued less $counted refused"
! grep -q "could not queue" "$T/ahead.log" "$T/drain.log" || fail "a batch could not be queued"
echo "push-clock-jump: ok"
