#!/usr/bin/env bash
# Nothing lost: the central collector goes down for several intervals,
# vigie is killed with SIGKILL during the outage and started again, then
# the collector comes back. Every sample vigie queued (its debug log says
# what it queued, run by run) must be in Prometheus, none refused (a batch
# out of time order would be refused with 400, which vigie logs).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/push-lib.sh"

start_receiver
push=(--log.level=debug --push.url="$PROM_URL/api/v1/write" --push.queue-dir="$T/queue")
start_vigie run1 "${push[@]}" --push.interval=1s
wait_for 20 metric_is 'vigie_push_samples_sent_total{target="url1"}' -gt 0 || fail "nothing delivered at first"

stop_receiver
sleep 4
kill -KILL "$VIGIE_PID"
wait "$VIGIE_PID" 2>/dev/null || true
echo "run 1: $(queued_batches "$T/run1.log") batches queued, killed with SIGKILL during the outage"

start_vigie run2 "${push[@]}" --push.interval=1s
grep -q "samples queued from before" "$T/run2.log" || fail "run 2 did not find the queue"
sleep 3
start_receiver
wait_for 90 metric_is 'vigie_push_queue_batches{target="url1"}' -le 1 || fail "the queue did not drain"
stop_pid "$VIGIE_PID" || fail "run 2 exited with $?"
echo "run 2: $(queued_batches "$T/run2.log") batches queued; receiver back, queue drained"

# a last run collects once (a 1 h interval) and delivers what is left
start_vigie run3 "${push[@]}" --push.interval=1h
wait_for 60 metric_is 'vigie_push_queue_batches{target="url1"}' -eq 0 || fail "run 3 did not drain the queue"
stop_pid "$VIGIE_PID" || fail "run 3 exited with $?"

! grep -h "refused a batch" "$T"/run*.log || fail "the receiver refused batches"
queued=$(queued_samples "$T/run1.log" "$T/run2.log" "$T/run3.log")
batches=$(queued_batches "$T/run1.log" "$T/run2.log" "$T/run3.log")
got=$(received '{job="vigie"}')
got_batches=$(received 'vigie_build_info')
echo "queued $batches batches, $queued samples; Prometheus has $got_batches batches, $got samples"
[ "$got_batches" = "$batches" ] || fail "batches lost"
[ "$got" = "$queued" ] || fail "samples lost: $((queued - got))"
echo "push-outage: ok"
