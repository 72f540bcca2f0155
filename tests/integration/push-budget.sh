#!/usr/bin/env bash
# A disk budget too small for the outage: the oldest batches are dropped,
# and vigie_push_samples_dropped_total{reason="queue_full"} equals exactly
# what is missing from the receiver.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/push-lib.sh"

printf '[push]\nqueue_max_bytes = 64KiB\n' >"$T/vigie.conf"
start_receiver
push=(--config "$T/vigie.conf" --log.level=debug --push.url="$PROM_URL/api/v1/write" --push.queue-dir="$T/queue")
start_vigie run1 "${push[@]}" --push.interval=1s
wait_for 20 metric_is 'vigie_push_samples_sent_total{target="url1"}' -gt 0 || fail "nothing delivered at first"
stop_receiver
sleep 15
start_receiver
wait_for 90 metric_is 'vigie_push_queue_batches{target="url1"}' -le 1 || fail "the queue did not drain"
dropped=$(metric 'vigie_push_samples_dropped_total{reason="queue_full",target="url1"}')
stop_pid "$VIGIE_PID" || fail "run 1 exited with $?"
[ "$dropped" != 0 ] && [ "$dropped" != none ] || fail "the budget dropped nothing; the test proves nothing"

start_vigie run2 "${push[@]}" --push.interval=1h
wait_for 60 metric_is 'vigie_push_queue_batches{target="url1"}' -eq 0 || fail "run 2 did not drain the queue"
stop_pid "$VIGIE_PID" || fail "run 2 exited with $?"

queued=$(queued_samples "$T/run1.log" "$T/run2.log")
got=$(received '{job="vigie"}')
echo "queued $queued samples, dropped $dropped for the budget, Prometheus has $got"
[ "$((queued - got))" = "$dropped" ] || fail "missing $((queued - got)), but the drop counter says $dropped"
echo "push-budget: ok"
