#!/usr/bin/env bash
# A receiver that answers 413 to large batches: while a textfile adds
# 20,000 series, each batch is refused, dropped and counted exactly (its
# samples in vigie_push_samples_dropped_total{reason="http_4xx"}), never
# retried, and leave no backlog; the smaller batches before and
# after arrive in order; memory stays flat while the large batches come.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/push-lib.sh"

ctl=$T/control
echo 204 >"$ctl"
python3 "$(dirname "$0")/fake_receiver.py" "$T/port" "$T/requests" "@$ctl" &
PIDS+=($!)
wait_for 10 test -s "$T/port" || fail "fake receiver did not start"
mkdir "$T/textfile"
printf '[push.target.central]\nurl = http://127.0.0.1:%s/api/v1/write\n' "$(cat "$T/port")" >"$T/vigie.conf"
start_vigie vigie --config "$T/vigie.conf" --log.level=debug --push.interval=1s --push.queue-dir="$T/queue" \
        --collector.textfile.directory="$T/textfile"
rss() { sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\).*/\1/p' "/proc/$VIGIE_PID/status"; }
answered() { [ "$(grep -c "^$1 " "$T/requests" || true)" -ge "$2" ]; }
wait_for 20 answered 204 3 || fail "nothing delivered"
largest=$(awk '{ if ($2 > m) m = $2 } END { print m }' "$T/requests")
echo "413>$((largest * 2))" >"$ctl"
python3 -c '
for i in range(20000):
    print("big_series{index=\"%d\"} %d" % (i, i))' >"$T/textfile/big.prom.tmp"
mv "$T/textfile/big.prom.tmp" "$T/textfile/big.prom"
wait_for 30 answered 413 3 || fail "no large batch refused"
rss_first=$(rss)
wait_for 30 answered 413 10 || fail "fewer than 10 large batches refused"
rss_later=$(rss)
rm "$T/textfile/big.prom"
n413=$(grep -c '^413 ' "$T/requests")
wait_for 30 answered 204 $(($(grep -c '^204 ' "$T/requests") + 3)) || fail "nothing delivered after the large batches"
wait_for 30 metric_is 'vigie_push_queue_batches{target="central"}' -le 1 || fail "the refusals left a backlog"
counted=$(metric 'vigie_push_samples_dropped_total{reason="http_4xx",target="central"}')
retries=$(metric 'vigie_push_retries_total{target="central"}')
stop_pid "$VIGIE_PID" || fail "vigie exited with $?"
echo "$n413+ large batches refused, $counted samples counted as dropped, $retries retries; RSS $rss_first then $rss_later kB"
[ "$retries" = 0 ] || fail "$retries retries of refused batches"
[ $((rss_later - rss_first)) -le 1024 ] || fail "RSS grew from $rss_first to $rss_later kB with the large batches"
python3 - "$T/requests" "$T/vigie.log" "$counted" <<'PY' || fail "refusals not counted exactly, or batches out of order"
import re, sys
reqs = [l.split() for l in open(sys.argv[1])]
samples = {int(m.group(2)): int(m.group(1))
           for m in re.finditer(r": queued (\d+) samples at (\d+)", open(sys.argv[2]).read())}
ts = [int(r[3]) for r in reqs]
refused = sum(samples[int(r[3])] for r in reqs if r[0] == "413")
print("requests %d (%d refused, %d samples in them), counted %s" % (len(reqs), sum(r[0] == "413" for r in reqs),
                                                                    refused, sys.argv[3]))
ok = refused == int(sys.argv[3]) and ts == sorted(ts) and len(set(ts)) == len(ts)
sys.exit(0 if ok and all(r[0] in ("204", "413") for r in reqs) else 1)
PY
echo "push-too-large: ok"
