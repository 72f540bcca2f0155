#!/usr/bin/env bash
# A benchmark phase (tests/bench/run.sh calls it): scrape latency while
# the push queue's disk crawls. vigie pushes at a 1 s interval to a local
# fake receiver, its queue directory on a FUSE passthrough whose fsync
# sleeps 2 s (tests/integration/fuse_slow.c), and is scraped as
# Prometheus scrapes (gzip, one kept-alive connection) for SECONDS; and,
# for comparison and first, the same with the queue on the plain disk
# underneath.
# Usage: slow-disk.sh OUT.json VIGIE FUSE_SLOW [SECONDS]
# Writes OUT.json: for "slow" and "plain", scrape latency p50, p99 and max,
# and the batches collected and queued per second; or, where FUSE cannot
# be mounted here, {"unavailable": why}. Exits 0 either way: the rest of
# the benchmark goes on. Runs in its own mount and PID namespace, so that
# nothing outlives it.
set -euo pipefail
out=$1 vigie=$2 fuse_slow=$3 seconds=${4:-20}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

if [ -z "${VIGIE_IN_NS:-}" ]; then
        unavailable() {
                python3 -c 'import json, sys; print(json.dumps({"unavailable": sys.argv[1]}))' "$1" >"$out"
                echo "bench: slow disk: not measured: $1" >&2
                exit 0
        }
        [ "$(id -u)" -eq 0 ] || unavailable "mounting FUSE in a private mount namespace needs root"
        command -v unshare >/dev/null || unavailable "unshare is missing"
        [ -x "$fuse_slow" ] || unavailable "fuse_slow was not built (libfuse3-dev missing)"
        [ -c /dev/fuse ] || unavailable "/dev/fuse is missing"
        # the plain disk: the FUSE file system's backing directory and the
        # comparison's queue, outside the namespace's tmpfs
        disk=$(mktemp -d "${TMPDIR:-/var/tmp}/vigie-slow-disk.XXXXXX")
        rm -f "$out"
        echo "bench: slow disk: ${seconds} s of scrapes with the push queue on the plain disk," \
                "then on one whose fsync takes 2 s..." >&2
        rc=0
        unshare --mount --pid --fork --mount-proc --propagation private \
                env VIGIE_IN_NS=1 SLOW_DISK_DIR="$disk" VIGIE="$vigie" SOURCE_ROOT="$here/../.." \
                bash "${BASH_SOURCE[0]}" "$@" >"$out.log" 2>&1 || rc=$?
        # the namespace is gone, and every process in it
        rm -rf "$disk"
        if [ $rc -ne 0 ] || [ ! -s "$out" ]; then
                why=$(grep -E '^(SKIP|FAIL|unshare)' "$out.log" | tail -n 1 || true)
                unavailable "${why:-exit status $rc: $(tail -n 1 "$out.log")}"
        fi
        exit 0
fi

source "$here/../integration/lib.sh"
need curl python3
disk=$SLOW_DISK_DIR
mkdir -p "$disk/backing" "$disk/plain" "$T/slow"
fsync_ms=2000
echo $fsync_ms >"$T/fsync_ms"
"$fuse_slow" "$T/fsync_ms" "$disk/backing" "$T/slow" -f -o fsname=vigie-slow >"$T/fuse.log" 2>&1 &
PIDS+=($!)
wait_for 10 grep -q "vigie-slow" /proc/self/mountinfo || skip "cannot mount FUSE here: $(cat "$T/fuse.log")"

python3 "$here/../integration/fake_receiver.py" "$T/port" "$T/requests" 204 &
PIDS+=($!)
wait_for 10 test -s "$T/port" || fail "fake receiver did not start"
printf '[push.target.central]\nurl = http://127.0.0.1:%s/api/v1/write\n' "$(cat "$T/port")" >"$T/vigie.conf"

# series NAME{labels}: vigie's value of one of its series
series() {
        curl -fsS "$VIGIE_URL/metrics" -o "$T/self.prom"
        awk -v s="$1" '$1 == s { print $2; found = 1; exit } END { if (!found) print 0 }' "$T/self.prom"
}
collected() { grep -c 'push central: collected [0-9]* samples at ' "$T/$1.log" || true; }
queued() { grep -c 'push central: queued [0-9]* samples at ' "$T/$1.log" || true; }

# measure NAME QUEUE_DIR: SECONDS of scrapes, into $T/NAME.json
measure() {
        local name=$1 queue=$2
        start_vigie "$name" --config "$T/vigie.conf" --log.level=debug --push.interval=1s --push.queue-dir="$queue"
        # a few ticks first, so that fsyncs are in flight from the start
        sleep 3
        local c0 q0 d0 t0 t1
        c0=$(collected "$name") q0=$(queued "$name")
        d0=$(series 'vigie_push_samples_dropped_total{reason="disk_slow",target="central"}')
        t0=$(date +%s%N)
        python3 "$here/scrape_latency.py" "$VIGIE_URL/metrics" "$seconds" 10 >"$T/$name.latency.json"
        t1=$(date +%s%N)
        python3 - "$T/$name.latency.json" "$((t1 - t0))" "$(($(collected "$name") - c0))" \
                "$(($(queued "$name") - q0))" \
                "$(series 'vigie_push_samples_dropped_total{reason="disk_slow",target="central"}')" "$d0" \
                "$(series 'vigie_push_collections_skipped_total{target="central"}')" \
                "$(series 'vigie_push_memory_batches{target="central"}')" >"$T/$name.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
window = int(sys.argv[2]) / 1e9
r["collected_per_s"] = int(sys.argv[3]) / window
r["queued_per_s"] = int(sys.argv[4]) / window
r["dropped_disk_slow"] = float(sys.argv[5]) - float(sys.argv[6])
r["collections_skipped"] = float(sys.argv[7])
r["memory_batches"] = float(sys.argv[8])
print(json.dumps(r))
PY
        # the figures are in: let the disk be fast for the stop
        echo 0 >"$T/fsync_ms"
        stop_pid "$VIGIE_PID" || fail "vigie exited with $? (log: $T/$name.log)"
        echo $fsync_ms >"$T/fsync_ms"
}

measure plain "$disk/plain/queue"
measure slow "$T/slow/queue"
python3 - "$T/plain.json" "$T/slow.json" "$(findmnt -n -o FSTYPE -T "$disk" || stat -f -c %T "$disk")" "$seconds" \
        "$fsync_ms" >"$out" <<'PY'
import json, sys
print(json.dumps({"plain": json.load(open(sys.argv[1])), "slow": json.load(open(sys.argv[2])), "plain_fs": sys.argv[3],
                  "seconds": float(sys.argv[4]), "fsync_ms": int(sys.argv[5]), "push_interval_s": 1}))
PY
