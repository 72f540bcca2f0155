#!/usr/bin/env bash
# Status handling: a batch refused with 400 (one bad series makes the whole
# request 400 in Prometheus) is dropped and counted, and the batches behind
# it are delivered; 500 and 429 are retried until accepted, nothing lost;
# extra headers (a tenant header) go with every request.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/push-lib.sh"

# 400 for the first request, then 500, 500, 429, then 204 for good
python3 "$(dirname "$0")/fake_receiver.py" "$T/port" "$T/requests" 400 500 500 429 204 &
PIDS+=($!)
wait_for 10 test -s "$T/port" || fail "fake receiver did not start"
printf '[push.target.central]\nurl = http://127.0.0.1:%s/api/v1/write\nheader.X-Scope-OrgID = commune-42\n' \
        "$(cat "$T/port")" >"$T/vigie.conf"
start_vigie vigie --config "$T/vigie.conf" --log.level=debug --push.interval=1s --push.queue-dir="$T/queue"
wait_for 60 metric_is 'vigie_push_samples_sent_total{target="central"}' -gt 0 || fail "nothing delivered"
wait_for 30 metric_is 'vigie_push_queue_batches{target="central"}' -le 1 || fail "the queue did not drain"
dropped=$(metric 'vigie_push_samples_dropped_total{reason="http_4xx",target="central"}')
retries=$(metric 'vigie_push_retries_total{target="central"}')
first=$(sed -n '1s/.*queued \([0-9]*\) samples.*/\1/p' <(grep ': queued ' "$T/vigie.log"))
echo "dropped for 4xx: $dropped (the first batch had $first); retries: $retries"
[ "$dropped" = "$first" ] || fail "the 400 batch was not dropped alone"
[ "$retries" -ge 3 ] || fail "500, 500 and 429 were not retried"
# samples of retried sends are counted as retried (kept), never as lost
retried=$(metric 'vigie_push_samples_retried_total{target="central"}')
[ "$retried" != none ] && [ "$retried" -ge "$first" ] || fail "retried samples not counted: $retried"
grep -q '^vigie_push_samples_failed_total' "$T/self.prom" && fail "the old name samples_failed_total is still served"
grep -q "HTTP 400: the target refused a batch" "$T/vigie.log" || fail "the refusal was not logged"
stop_pid "$VIGIE_PID" || fail "vigie exited with $?"
# every request carried the tenant header, and no request was malformed (415)
! grep -v ' commune-42$' "$T/requests" || fail "a request without the tenant header"
! grep -q '^415 ' "$T/requests" || fail "a request without the Remote-Write headers"
# what was accepted (204) is every batch but the refused one
accepted=$(grep -c '^204 ' "$T/requests")
batches=$(queued_batches "$T/vigie.log")
echo "requests: $(wc -l <"$T/requests"); accepted $accepted of $batches batches"
[ "$accepted" -ge $((batches - 2)) ] && [ "$accepted" -le $((batches - 1)) ] || fail "accepted $accepted of $batches"
echo "push-status: ok"
