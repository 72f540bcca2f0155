#!/usr/bin/env bash
# A damaged queue (a power cut, a bad disk): bytes flipped in the middle of
# a segment and its end cut off, between two runs. vigie does not crash;
# the damaged records are skipped and counted; the rest is delivered.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/push-lib.sh"

# run 1 queues with nothing listening
down=$(free_port)
start_vigie run1 --log.level=debug --push.url="http://127.0.0.1:$down/api/v1/write" --push.interval=1s \
        --push.queue-dir="$T/queue"
wait_for 30 metric_is 'vigie_push_queue_batches{target="url1"}' -ge 8 || fail "run 1 did not queue"
stop_pid "$VIGIE_PID" || fail "run 1 exited with $?"
seg=$(ls "$T"/queue/url1/*.seg | head -n 1)
size=$(stat -c %s "$seg")
# Eight bytes flipped in the payload of the record in the middle of the
# segment (records: a 24-byte header whose second word is the payload's
# length, then the payload), so that one record is damaged there (flipped
# across two records, they would wipe the second one's header and take it
# too, which vigie_push_queue_corrupt_bytes_total shows but the record
# count cannot). The script prints where to flip, and how many bytes the two
# damaged records (that one, and the last, cut short below) leave to skip.
read -r mid damaged_bytes < <(python3 - "$seg" <<'PY'
import struct, sys
data = open(sys.argv[1], "rb").read()
off, mid, middle_len, last = 0, None, 0, 0
while off + 24 <= len(data):
    length = struct.unpack_from("<I", data, off + 4)[0]
    if mid is None and off + 24 + length > len(data) // 2:
        mid, middle_len = off + 24 + length // 2, 24 + length
    last = off
    off += 24 + length
print(mid, middle_len + (len(data) - 100 - last))
PY
)
[ -n "$mid" ] && [ "$mid" != None ] || fail "no record in the middle of $seg"
printf 'XXXXXXXX' | dd of="$seg" bs=1 seek="$mid" conv=notrunc 2>/dev/null
truncate -s $((size - 100)) "$seg"
queued=$(queued_samples "$T/run1.log")

# run 2 delivers what is sound to a receiver that is up
start_receiver
start_vigie run2 --log.level=debug --push.url="$PROM_URL/api/v1/write" --push.interval=1h --push.queue-dir="$T/queue"
wait_for 60 metric_is 'vigie_push_queue_batches{target="url1"}' -eq 0 || fail "run 2 did not drain the queue"
corrupt=$(metric 'vigie_push_queue_corrupt_records_total{target="url1"}')
corrupt_bytes=$(metric 'vigie_push_queue_corrupt_bytes_total{target="url1"}')
stop_pid "$VIGIE_PID" || fail "run 2 exited with $? on a damaged queue"
got=$(received '{job="vigie"}')
queued=$((queued + $(queued_samples "$T/run2.log")))
per_batch=$(sed -n 's/.*queued \([0-9]*\) samples.*/\1/p' "$T/run1.log" | sort -n | tail -n 1)
echo "queued $queued, delivered $got, damaged records skipped: $corrupt (batches of about $per_batch)"
[ "$corrupt" -ge 2 ] || fail "the damage was not found (2 damaged places)"
lost=$((queued - got))
[ "$lost" -gt 0 ] && [ "$lost" -le $((corrupt * per_batch)) ] || fail "lost $lost samples for $corrupt damaged records"
[ "$corrupt_bytes" = "$damaged_bytes" ] || fail "skipped $corrupt_bytes bytes, the damaged records held $damaged_bytes"
echo "push-corruption: ok"
