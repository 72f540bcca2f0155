#!/usr/bin/env bash
# A receiver that answers 200 only after 60 s, with a 90 s timeout: while
# the first request waits, collecting goes on (a batch queued every
# second, none skipped), /metrics answers at once and vigie's memory stays
# flat (the batches wait on disk, not in memory); then the backlog arrives whole and in
# order, none retried, none dropped. (A receiver slower than the timeout
# is one that never answers: push-hang.)
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/push-lib.sh"

python3 "$(dirname "$0")/fake_receiver.py" "$T/port" "$T/requests" 200/60 204 &
PIDS+=($!)
wait_for 10 test -s "$T/port" || fail "fake receiver did not start"
printf '[push.target.central]\nurl = http://127.0.0.1:%s/api/v1/write\ntimeout = 90s\n' "$(cat "$T/port")" \
        >"$T/vigie.conf"
start_vigie vigie --config "$T/vigie.conf" --log.level=debug --push.interval=1s --push.queue-dir="$T/queue"
rss() { sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\).*/\1/p' "/proc/$VIGIE_PID/status"; }
wait_for 20 metric_is 'vigie_push_queue_batches{target="central"}' -ge 5 || fail "nothing queued"
rss_early=$(rss)
sleep 40
# still waiting for the first answer: queued, not lost, scrapes quick
[ ! -s "$T/requests" ] || fail "answered early: $(cat "$T/requests")"
t0=$(date +%s%N)
curl -fsS "$VIGIE_URL/metrics" -o "$T/during.prom"
scrape_ms=$((($(date +%s%N) - t0) / 1000000))
waiting=$(metric 'vigie_push_queue_batches{target="central"}')
rss_late=$(rss)
echo "40 s into the wait: $waiting batches queued, a scrape in $scrape_ms ms, RSS $rss_early then $rss_late kB"
[ "$waiting" -ge 35 ] || fail "only $waiting batches queued in 45 s at a 1 s interval"
[ "$scrape_ms" -lt 1000 ] || fail "a scrape took $scrape_ms ms while the push waited"
[ $((rss_late - rss_early)) -le 1024 ] || fail "RSS grew from $rss_early to $rss_late kB while the batches queued"
wait_for 60 metric_is 'vigie_push_queue_batches{target="central"}' -le 1 || fail "the backlog was not delivered"
[ "$(metric 'vigie_push_retries_total{target="central"}')" = 0 ] || fail "retries: $(metric 'vigie_push_retries_total{target="central"}')"
none_skipped "$(metric 'vigie_push_collections_skipped_total{target="central"}')" "$T/vigie.log" ||
        fail "collections were skipped"
! grep '^vigie_push_samples_dropped_total{.*} [1-9]' "$T/self.prom" || fail "samples dropped"
stop_pid "$VIGIE_PID" || fail "vigie exited with $?"
# every batch queued arrived once, in the order it was taken
python3 - "$T/requests" "$T/vigie.log" <<'PY' || fail "the backlog did not arrive whole and in order"
import re, sys
got = [int(l.split()[3]) for l in open(sys.argv[1]) if l.split()[0] in ("200", "204")]
queued = [int(m.group(1)) for m in re.finditer(r": queued \d+ samples at (\d+)", open(sys.argv[2]).read())]
print("%d requests answered, %d batches queued" % (len(got), len(queued)))
sent = queued[:len(got)]
sys.exit(0 if got == sent and len(queued) - len(got) <= 1 and got == sorted(got) else 1)
PY
echo "push-slow-answer: ok"
