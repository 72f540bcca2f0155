#!/usr/bin/env bash
# A receiver that accepts the connection and never answers does not hold
# up collecting: with a 1 s interval and a 5 s timeout, a batch is queued
# every second all the same, none skipped; the first failure is logged;
# once the receiver answers, every batch arrives, in order, and the
# recovery is logged with how long it was out and its backlog. A stop does
# not wait for the hung request.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/push-lib.sh"

ctl=$T/control
echo hang >"$ctl"
python3 "$(dirname "$0")/fake_receiver.py" "$T/port" "$T/requests" "@$ctl" &
PIDS+=($!)
wait_for 10 test -s "$T/port" || fail "fake receiver did not start"
printf '[push.target.central]\nurl = http://127.0.0.1:%s/api/v1/write\ntimeout = 5s\n' "$(cat "$T/port")" \
        >"$T/vigie.conf"
run() { start_vigie "$1" --config "$T/vigie.conf" --log.level=debug --push.interval=1s --push.queue-dir="$T/queue"; }
ms() { echo $(($(date +%s%N) / 1000000)); }
started=$(ms)
run vigie
sleep 12
batches=$(metric 'vigie_push_queue_batches{target="central"}')
elapsed=$(($(ms) - started))
sent=$(metric 'vigie_push_samples_sent_total{target="central"}')
skipped=$(metric 'vigie_push_collections_skipped_total{target="central"}')
logged=$(queued_batches "$T/vigie.log")
echo "after $elapsed ms of a receiver that never answers: $batches batches queued ($logged logged)," \
        "$sent samples sent, $skipped collections skipped"
[ "$sent" = 0 ] || fail "a hung receiver acknowledged something"
# one at the start, then one a second: allow one more or less
due=$((elapsed / 1000 + 1))
[ "$batches" -ge $((due - 1)) ] && [ "$batches" -le $((due + 1)) ] ||
        fail "$batches batches queued in $elapsed ms at a 1 s interval"
none_skipped "$skipped" "$T/vigie.log" || fail "collections were skipped"
grep -q "push central: .*timed out.*; batches stay queued and are retried" "$T/vigie.log" ||
        fail "the first failure was not logged"

# the receiver answers again: everything arrives, in order
echo 204 >"$ctl"
wait_for 60 metric_is 'vigie_push_queue_batches{target="central"}' -eq 0 || fail "the queue did not drain"
grep -Eq "push central: delivering again after [0-9]+\.[0-9] s out; sending the backlog: [0-9]+ batches, [0-9]+ samples, [0-9]+ bytes" "$T/vigie.log" ||
        fail "the recovery was not logged with the outage and the backlog"

# a stop while a request hangs is prompt
echo hang >"$ctl"
sleep 2
before=$SECONDS
stop_pid "$VIGIE_PID" || fail "vigie exited with $?"
echo "stopped in $((SECONDS - before)) s during a hung request"
[ $((SECONDS - before)) -le 3 ] || fail "the stop waited for the hung request"
echo 204 >"$ctl"
sed -n 's/.*push central: queued [0-9]* samples at \([0-9]*\).*/\1/p' "$T/vigie.log" >"$T/queued"
awk '$1 == 204 { print $4 }' "$T/requests" >"$T/accepted"
echo "$(wc -l <"$T/queued") batches queued, $(wc -l <"$T/accepted") accepted"
# those queued after the receiver hung again wait for the next start
head -n "$(wc -l <"$T/accepted")" "$T/queued" | diff - "$T/accepted" || fail "accepted batches differ from queued"
[ "$(wc -l <"$T/accepted")" -ge "$logged" ] || fail "batches of the outage missing"
echo "push-hang: ok"
