# Helpers for the push tests (sourced after lib.sh): a Prometheus remote-
# write receiver that can be stopped and started again on the same data.
need prometheus curl python3

PROM_PORT=$(free_port)
PROM_URL="http://127.0.0.1:$PROM_PORT"
PROM_PID=
printf 'global:\n  scrape_interval: 1h\n' >"$T/prometheus.yml"

# start_receiver [extra prometheus flags...]
start_receiver() {
        prometheus --config.file="$T/prometheus.yml" --storage.tsdb.path="$T/tsdb" \
                --web.listen-address="127.0.0.1:$PROM_PORT" --web.enable-remote-write-receiver --log.level=warn \
                "$@" >>"$T/prometheus.log" 2>&1 &
        PROM_PID=$!
        PIDS+=("$PROM_PID")
        wait_for 30 curl -fsSk "$PROM_URL/-/ready" "${PROM_CURL[@]}" || fail "prometheus did not start: $(tail -5 "$T/prometheus.log")"
}
PROM_CURL=()

stop_receiver() {
        kill "$PROM_PID"
        wait "$PROM_PID" 2>/dev/null || true
}

# query EXPR: the value of a one-element instant vector, or "none"
query() {
        curl -fsSk "${PROM_CURL[@]}" --get --data-urlencode "query=$1" "$PROM_URL/api/v1/query" | python3 -c '
import json, sys
r = json.load(sys.stdin)["data"]["result"]
print(r[0]["value"][1] if r else "none")'
}

# received SELECTOR: how many samples Prometheus holds for the selector
# over the last hour (raw samples of a range selector: count_over_time
# would drop __name__ and make series of different metrics collide)
received() {
        curl -fsSk "${PROM_CURL[@]}" --get --data-urlencode "query=$1[1h]" "$PROM_URL/api/v1/query" | python3 -c '
import json, sys
r = json.load(sys.stdin)["data"]["result"]
print(sum(len(s["values"]) for s in r))'
}

# metric NAME{labels}: vigie's own value of a series, from its /metrics
metric() {
        curl -fsS "$VIGIE_URL/metrics" -o "$T/self.prom" && python3 - "$1" "$T/self.prom" <<'PY'
import sys
want = sys.argv[1]
for line in open(sys.argv[2]):
    if line.startswith(want + " "):
        print(line.split()[-1])
        break
else:
    print("none")
PY
}

# metric_is SERIES OP VALUE: vigie's value compared with test(1)'s OP,
# read anew on each call (for wait_for, which would otherwise retry a
# value expanded once)
metric_is() {
        local v
        v=$(metric "$1")
        [ "$v" != none ] && [ "$v" "$2" "$3" ]
}

# queued LOG...: batches and samples vigie says it queued (debug log lines)
queued_samples() { cat "$@" | sed -n 's/.*push [^:]*: queued \([0-9]*\) samples at .*/\1/p' | awk '{s+=$1} END {print s+0}'; }
not_queued_samples() { cat "$@" | sed -n 's/.*push [^:]*: could not queue \([0-9]*\) samples at .*/\1/p' | awk '{s+=$1} END {print s+0}'; }
queued_batches() { cat "$@" | grep -c ': queued [0-9]* samples at ' || true; }
# the batches a stop left in the queue on disk, for the next start
left_queued_batches() { cat "$@" | sed -n 's/.*push [^:]*: stopping: \([0-9]*\) batches .* stay queued.*/\1/p' | awk '{s+=$1} END {print s+0}'; }
# none_skipped SKIPPED LOG: whether the push missed no tick of its clock
# through its own fault. A push held by its receiver or its disk misses
# several at once (a timeout's worth); one tick missed by a collection
# slower than the interval but under 2.5 s is the test machine's load (the
# first collection compiles every filter pattern: 1.2 s once, under ASan
# on a loaded 2-core CI runner), allowed once. Says which on stderr.
none_skipped() {
        local slow
        slow=$(sed -n 's/.*push [^:]*: a collection took \([0-9]*\) ms.*/\1/p' "$2" | head -1)
        [ "$1" = 0 ] && return 0
        echo "$1 collection(s) skipped; a collection took ${slow:-?} ms" >&2
        [ "$1" = 1 ] && [ -n "$slow" ] && [ "$slow" -lt 2500 ]
}
