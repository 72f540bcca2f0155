#!/usr/bin/env bash
# A queue directory on a disk that crawls holds neither a scrape nor the
# push clock: the queue sits on a FUSE passthrough file system whose fsync
# sleeps 2 s (tests/integration/fuse_slow.c). While it crawls, /metrics
# answers in milliseconds, the target collects once a second (none
# skipped), and the batches waiting for the disk stay within
# queue_memory_batches, the others dropped and counted as disk_slow. Once
# the disk is fast again every queued sample arrives, in order, and
# collected = queued + dropped. A stop while the disk crawls waits for the
# fsyncs in flight only.
# Runs in its own mount and PID namespace, so nothing outlives it.
if [ -z "${VIGIE_IN_NS:-}" ]; then
        [ "$(id -u)" -eq 0 ] || { echo "SKIP: mounting FUSE in a private namespace needs root here"; exit 77; }
        command -v unshare >/dev/null || { echo "SKIP: unshare is missing"; exit 77; }
        exec unshare --mount --pid --fork --mount-proc --propagation private env VIGIE_IN_NS=1 bash "$0" "$@"
fi
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/push-lib.sh"
[ -n "${FUSE_SLOW:-}" ] && [ -x "$FUSE_SLOW" ] || skip "fuse_slow was not built (libfuse3-dev missing)"
[ -c /dev/fuse ] || skip "/dev/fuse is missing"

mkdir -p "$T/backing" "$T/slow"
echo 2000 >"$T/fsync_ms"
"$FUSE_SLOW" "$T/fsync_ms" "$T/backing" "$T/slow" -f -o fsname=vigie-slow >"$T/fuse.log" 2>&1 &
PIDS+=($!)
wait_for 10 grep -q "vigie-slow" /proc/self/mountinfo || skip "cannot mount FUSE here: $(cat "$T/fuse.log")"

python3 "$(dirname "$0")/fake_receiver.py" "$T/port" "$T/requests" 204 &
PIDS+=($!)
wait_for 10 test -s "$T/port" || fail "fake receiver did not start"
printf '[push]\nqueue_memory_batches = 3\n[push.target.central]\nurl = http://127.0.0.1:%s/api/v1/write\n' \
        "$(cat "$T/port")" >"$T/vigie.conf"
start_vigie vigie --config "$T/vigie.conf" --log.level=debug --push.interval=1s --push.queue-dir="$T/slow/queue"
ms() { echo $(($(date +%s%N) / 1000000)); }
started=$(ms)

# the disk crawls: a scrape a second, each timed
: >"$T/times"
for _ in $(seq 15); do
        curl -fsS -o /dev/null -w '%{time_total}\n' "$VIGIE_URL/metrics" >>"$T/times" || fail "a scrape failed"
        sleep 1
done
elapsed=$(($(ms) - started))
read -r median slowest < <(python3 -c '
import statistics, sys
t = [float(x) for x in open(sys.argv[1])]
print("%.3f %.3f" % (statistics.median(t), max(t)))' "$T/times")
collected=$(grep -c 'push central: collected [0-9]* samples at ' "$T/vigie.log" || true)
pending=$(metric 'vigie_push_memory_batches{target="central"}')
dropped=$(metric 'vigie_push_samples_dropped_total{reason="disk_slow",target="central"}')
skipped=$(metric 'vigie_push_collections_skipped_total{target="central"}')
echo "fsync 2 s, $elapsed ms: scrapes median ${median}s, slowest ${slowest}s; $collected collected," \
        "$(queued_batches "$T/vigie.log") queued, $pending waiting in memory, $dropped samples dropped," \
        "$skipped collections skipped"
python3 -c "import sys; sys.exit(0 if $median < 0.2 and $slowest < 0.2 else 1)" ||
        fail "scrapes waited on the disk: median ${median}s, slowest ${slowest}s"
due=$((elapsed / 1000 + 1))
[ "$collected" -ge $((due - 1)) ] && [ "$collected" -le $((due + 1)) ] ||
        fail "$collected collections in $elapsed ms at a 1 s interval"
none_skipped "$skipped" "$T/vigie.log" || fail "collections were skipped"
[ "$pending" != none ] && [ "$pending" -le 3 ] || fail "$pending batches waiting in memory, above the bound of 3"
[ "$dropped" != none ] && [ "$dropped" -gt 0 ] || fail "nothing dropped as disk_slow"
grep -q "push central: the disk queue is too slow" "$T/vigie.log" || fail "the drops were not logged"

# the disk is fast again: every queued batch arrives, in order
echo 0 >"$T/fsync_ms"
drained() {
        metric_is 'vigie_push_queue_batches{target="central"}' -eq 0 &&
                metric_is 'vigie_push_memory_batches{target="central"}' -eq 0
}
wait_for 60 drained || fail "the queue did not drain"
sleep 1.5 # the batch of the last tick is acknowledged
wait_for 30 drained || fail "the queue did not drain"
sed -n 's/.*push central: queued [0-9]* samples at \([0-9]*\).*/\1/p' "$T/vigie.log" >"$T/queued"
awk '$1 == 204 { print $4 }' "$T/requests" >"$T/accepted"
n=$(wc -l <"$T/accepted")
head -n "$n" "$T/queued" | diff - "$T/accepted" >/dev/null || fail "accepted batches differ from queued"
[ "$n" -ge $(($(wc -l <"$T/queued") - 1)) ] || fail "$(wc -l <"$T/queued") batches queued, $n accepted"
# one copy of the log for both counts: a tick between two reads would
# be queued in one and not collected in the other
dropped=$(metric 'vigie_push_samples_dropped_total{reason="disk_slow",target="central"}')
in_memory=$(metric 'vigie_push_memory_batches{target="central"}')
cp "$T/vigie.log" "$T/snapshot.log"
collected_samples=$(sed -n 's/.*push central: collected \([0-9]*\) samples at .*/\1/p' "$T/snapshot.log" | awk '{s+=$1} END {print s+0}')
queued=$(queued_samples "$T/snapshot.log")
echo "disk fast again: $n batches accepted; samples: $collected_samples collected, $queued queued, $dropped dropped"
# the last collection may be waiting in memory still, or be on its way
[ "$in_memory" = 0 ] || fail "$in_memory batches still in memory"
python3 -c "import sys; sys.exit(0 if 0 <= $collected_samples - $queued - $dropped <= $collected_samples / max(1, $(grep -c 'push central: collected' "$T/snapshot.log")) else 1)" ||
        fail "collected $collected_samples != queued $queued + dropped $dropped"

# a stop while the disk crawls waits for the append's fsync in flight (two
# when it starts a segment), neither for an acknowledgement's nor for the
# batches waiting in memory
echo 2000 >"$T/fsync_ms"
sleep 5
before=$(ms)
stop_pid "$VIGIE_PID" || fail "vigie exited with $?"
took=$(($(ms) - before))
echo "stopped in $took ms while fsync takes 2 s"
[ "$took" -le 4500 ] || fail "the stop took $took ms"
grep -q "push central: stopping: .* waiting for the disk are not queued" "$T/vigie.log" ||
        fail "what the stop left in memory was not logged"
echo 0 >"$T/fsync_ms"
echo "push-slow-disk: ok"
