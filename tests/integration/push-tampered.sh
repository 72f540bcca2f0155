#!/usr/bin/env bash
# A tampered queue: a 16 MiB segment with a plausible header (a length of
# 8 MiB) every 8 bytes, ahead of the sound ones. vigie's /metrics answers
# within a second all along, the resync gets through it in bounded time,
# skips and counts it, and every sound batch is delivered.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/push-lib.sh"

# run 1 queues with nothing listening
down=$(free_port)
start_vigie run1 --log.level=debug --push.url="http://127.0.0.1:$down/api/v1/write" --push.interval=1s \
        --push.queue-dir="$T/queue"
wait_for 30 metric_is 'vigie_push_queue_batches{target="url1"}' -ge 3 || fail "run 1 did not queue"
stop_pid "$VIGIE_PID" || fail "run 1 exited with $?"
queued=$(queued_samples "$T/run1.log")
# segment 0 comes before run 1's (nothing was acknowledged: no head yet)
python3 - "$T/queue/url1/0000000000000000.seg" <<'PY'
import struct, sys
open(sys.argv[1], "wb").write(struct.pack("<II", 0x31514756, 8 << 20) * (2 << 20))
PY
chmod 0600 "$T/queue/url1/0000000000000000.seg"

start_receiver
start=$SECONDS
start_vigie run2 --log.level=debug --push.url="$PROM_URL/api/v1/write" --push.interval=1h --push.queue-dir="$T/queue"
scrapes=0
while :; do
        curl -fsS --max-time 1 "$VIGIE_URL/metrics" -o "$T/scrape.prom" \
                || fail "/metrics did not answer within 1 s while the queue resynced"
        scrapes=$((scrapes + 1))
        grep -q '^vigie_push_queue_batches{target="url1"} 0$' "$T/scrape.prom" && break
        [ $((SECONDS - start)) -lt 20 ] || fail "the queue was not drained in 20 s"
        sleep 0.1
done
took=$((SECONDS - start))
corrupt=$(metric 'vigie_push_queue_corrupt_records_total{target="url1"}')
corrupt_bytes=$(metric 'vigie_push_queue_corrupt_bytes_total{target="url1"}')
stop_pid "$VIGIE_PID" || fail "run 2 exited with $? on a tampered queue"
queued=$((queued + $(queued_samples "$T/run2.log")))
got=$(received '{job="vigie"}')
echo "drained in ${took}s ($scrapes scrapes of /metrics meanwhile); skipped $corrupt records, $corrupt_bytes bytes; queued $queued, delivered $got"
[ "$corrupt" = 1 ] && [ "$corrupt_bytes" = $((16 << 20)) ] || fail "the tampered segment was not skipped and counted as one"
[ "$got" = "$queued" ] || fail "queued $queued samples, delivered $got"
echo "push-tampered: ok"
