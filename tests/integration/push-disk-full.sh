#!/usr/bin/env bash
# Disk full: the queue lives on a 96 KiB tmpfs while the collector is down.
# vigie keeps running, counts the batches it could not write
# (reason="write_error"), and what is missing in the end is exactly that.
if [ -z "${VIGIE_IN_NS:-}" ]; then
        [ "$(id -u)" -eq 0 ] || { echo "SKIP: a small tmpfs in a private namespace needs root here"; exit 77; }
        command -v unshare >/dev/null || { echo "SKIP: unshare is missing"; exit 77; }
        exec unshare --mount --propagation private env VIGIE_IN_NS=1 bash "$0" "$@"
fi
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/push-lib.sh"

mkdir "$T/queue"
mount -t tmpfs -o size=96k vigie-queue "$T/queue"
start_receiver
push=(--log.level=debug --push.url="$PROM_URL/api/v1/write" --push.queue-dir="$T/queue")
start_vigie run1 "${push[@]}" --push.interval=1s
wait_for 20 metric_is 'vigie_push_samples_sent_total{target="url1"}' -gt 0 || fail "nothing delivered at first"
stop_receiver
wait_for 60 metric_is 'vigie_push_samples_dropped_total{reason="write_error",target="url1"}' -gt 0 ||
        fail "the disk never filled"
sleep 2
kill -0 "$VIGIE_PID" || fail "vigie died on a full disk"
start_receiver
wait_for 90 metric_is 'vigie_push_queue_batches{target="url1"}' -le 1 || fail "the queue did not drain"
lost=$(metric 'vigie_push_samples_dropped_total{reason="write_error",target="url1"}')
full=$(metric 'vigie_push_samples_dropped_total{reason="queue_full",target="url1"}')
stop_pid "$VIGIE_PID" || fail "run 1 exited with $?"
start_vigie run2 "${push[@]}" --push.interval=1h
wait_for 60 metric_is 'vigie_push_queue_batches{target="url1"}' -eq 0 || fail "run 2 did not drain"
stop_pid "$VIGIE_PID" || fail "run 2 exited with $?"
queued=$(queued_samples "$T/run1.log" "$T/run2.log")
produced=$((queued + $(not_queued_samples "$T/run1.log" "$T/run2.log")))
got=$(received '{job="vigie"}')
echo "produced $produced, delivered $got, not written for a full disk: $lost"
[ "$full" = 0 ] || fail "the budget dropped batches too ($full), the count is not about the disk alone"
[ "$got" = "$queued" ] || fail "queued $queued but delivered $got"
[ "$((produced - got))" = "$lost" ] || fail "missing $((produced - got)), counted $lost"
echo "push-disk-full: ok"
