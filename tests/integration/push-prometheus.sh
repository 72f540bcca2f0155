#!/usr/bin/env bash
# Push to a real Prometheus (--web.enable-remote-write-receiver): the
# samples arrive with vigie's values, the identity labels (instance, job)
# and the external labels, and a sample of every batch
# vigie queued is there, those its stop left queued (one collected as
# SIGTERM came) once the next start has sent them.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/push-lib.sh"

start_receiver
push=(--log.level=debug --push.url="$PROM_URL/api/v1/write" --push.queue-dir="$T/queue"
        --push.label=site=mairie-de-test --push.label=authority=commune-42)
start_vigie vigie "${push[@]}" --push.interval=1s
arrived() { [ "$(query 'count(vigie_build_info{job="vigie",site="mairie-de-test",authority="commune-42"})')" = 1 ]; }
wait_for 30 arrived ||
        fail "vigie_build_info did not arrive: $(tail -5 "$T/vigie.log")"
host=$(hostname)
[ "$(query "count(node_boot_time_seconds{instance=\"$host\",job=\"vigie\"})")" = 1 ] || fail "instance label is not the host name"

# the values are vigie's own
boot_pushed=$(query 'node_boot_time_seconds')
boot_local=$(metric node_boot_time_seconds)
python3 -c "import sys; sys.exit(0 if float('$boot_pushed') == float('$boot_local') else 1)" ||
        fail "node_boot_time_seconds: pushed $boot_pushed, served $boot_local"
[ "$(query 'count(node_cpu_seconds_total{mode="idle"})')" = "$(nproc)" ] || fail "not every CPU's series arrived"

# (metadata is sent too, but Prometheus 2.42 does not keep what it
# receives; test-remote-write checks it in the request itself)

sleep 3
stop_pid "$VIGIE_PID" || fail "vigie exited with $?"
left=$(left_queued_batches "$T/vigie.log")
# a last run collects once (a 1 h interval) and sends what the stop left
start_vigie drain "${push[@]}" --push.interval=1h
wait_for 30 grep -q ': queued [0-9]* samples at ' "$T/drain.log" || fail "the last run queued nothing"
wait_for 60 metric_is 'vigie_push_queue_batches{target="url1"}' -eq 0 || fail "the last run did not empty the queue"
stop_pid "$VIGIE_PID" || fail "vigie (drain) exited with $?"
batches=$(queued_batches "$T/vigie.log" "$T/drain.log")
got=$(received 'vigie_build_info')
[ "$got" = "$batches" ] || fail "vigie queued $batches batches, Prometheus has $got samples of vigie_build_info"
samples=$(queued_samples "$T/vigie.log" "$T/drain.log")
total=$(received '{job="vigie"}')
[ "$total" = "$samples" ] || fail "vigie queued $samples samples, Prometheus has $total"
echo "push-prometheus: $batches batches, $samples samples, all there ($left left queued by the first stop)"
