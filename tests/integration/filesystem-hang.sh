#!/usr/bin/env bash
# A dead mount never holds a scrape: a FUSE file system whose statfs blocks
# (tests/integration/fuse_hang.c) is mounted, and vigie must answer within
# its mount_timeout with that mount as node_filesystem_device_error 1,
# keep answering fast over many scrapes without piling up threads or
# descriptors, and report the mount again once statfs returns.
# Runs in its own mount and PID namespace, so nothing outlives it.
if [ -z "${VIGIE_IN_NS:-}" ]; then
        [ "$(id -u)" -eq 0 ] || { echo "SKIP: mounting FUSE in a private namespace needs root here"; exit 77; }
        command -v unshare >/dev/null || { echo "SKIP: unshare is missing"; exit 77; }
        exec unshare --mount --pid --fork --mount-proc --propagation private env VIGIE_IN_NS=1 bash "$0" "$@"
fi
source "$(dirname "$0")/lib.sh"
need curl python3
[ -n "${FUSE_HANG:-}" ] && [ -x "$FUSE_HANG" ] || skip "fuse_hang was not built (libfuse3-dev missing)"
[ -c /dev/fuse ] || skip "/dev/fuse is missing"

mnt="$T/hung mount"
mkdir -p "$mnt"
touch "$T/block"
before_cleanup() { rm -f "$T/block"; }
"$FUSE_HANG" "$T/block" "$mnt" -f -o fsname=vigie-hang >"$T/fuse.log" 2>&1 &
PIDS+=($!)
wait_for 10 grep -q "vigie-hang" /proc/self/mountinfo || skip "cannot mount FUSE here: $(cat "$T/fuse.log")"

# a deadline well apart from load noise: a scrape that waited again takes
# at least 1.5 s, one that did not takes milliseconds
start_vigie vigie --collector.filesystem.mount-timeout=1500ms
pid=$VIGIE_PID

series() { # the device_error sample of the hung mount, as printed
        grep "^node_filesystem_device_error{device=\"vigie-hang\"" "$1" || true
}
scrape() { # scrape OUT: the body in OUT, the time taken on stdout
        curl -fsS -o "$1" -w '%{time_total}' "$VIGIE_URL/metrics"
}

t=$(scrape "$T/first")
python3 -c "import sys; sys.exit(0 if $t < 3.5 else 1)" || fail "first scrape with a hung mount took ${t}s"
[ "$(series "$T/first")" = "node_filesystem_device_error{device=\"vigie-hang\",device_error=\"statfs timed out\",fstype=\"fuse\",mountpoint=\"$mnt\"} 1" ] ||
        fail "hung mount not reported: $(series "$T/first")"
grep -q '^node_filesystem_size_bytes{device="vigie-hang"' "$T/first" && fail "a size was reported for the hung mount"
grep -q '^node_filesystem_size_bytes{.*mountpoint="/"} ' "$T/first" || fail "the other mounts were not reported"
grep -q '^vigie_filesystem_statfs_blocked 1$' "$T/first" || fail "vigie_filesystem_statfs_blocked is not 1"
echo "first scrape with a hung mount: ${t}s"

# the second scrape starts one worker to replace the blocked one (two stay
# free): from then on the count must not move
scrape "$T/second" >/dev/null
threads0=$(ls "/proc/$pid/task" | wc -l)
fds0=$(ls "/proc/$pid/fd" | wc -l)
slowest=0
for i in $(seq 40); do
        t=$(scrape "$T/again")
        slowest=$(python3 -c "print(max($slowest, $t))")
        grep -q 'device_error="statfs timed out"' "$T/again" || fail "scrape $i: the hung mount is no longer reported"
done
threads=$(ls "/proc/$pid/task" | wc -l)
fds=$(ls "/proc/$pid/fd" | wc -l)
echo "40 more scrapes: slowest ${slowest}s; threads $threads0 -> $threads; fds $fds0 -> $fds"
python3 -c "import sys; sys.exit(0 if $slowest < 1.0 else 1)" ||
        fail "later scrapes waited on the hung mount again (slowest ${slowest}s)"
[ "$threads" -le "$threads0" ] || fail "threads piled up: $threads0 -> $threads"
[ "$fds" -le "$fds0" ] || fail "descriptors piled up: $fds0 -> $fds"

# the server comes back: statfs returns and the mount is reported again
rm "$T/block"
recovered() {
        scrape "$T/after" >/dev/null &&
                grep -q "^node_filesystem_size_bytes{device=\"vigie-hang\",fstype=\"fuse\",mountpoint=\"$mnt\"} 4096000$" "$T/after"
}
wait_for 10 recovered || fail "the mount did not come back: $(series "$T/after")"
[ "$(series "$T/after")" = "node_filesystem_device_error{device=\"vigie-hang\",device_error=\"\",fstype=\"fuse\",mountpoint=\"$mnt\"} 0" ] ||
        fail "device_error after recovery: $(series "$T/after")"
grep -q '^vigie_filesystem_statfs_blocked 0$' "$T/after" || fail "the blocked thread did not come back"
grep -q "^node_filesystem_avail_bytes{device=\"vigie-hang\",fstype=\"fuse\",mountpoint=\"$mnt\"} 1638400$" "$T/after" ||
        fail "avail after recovery"
threads=$(ls "/proc/$pid/task" | wc -l)
[ "$threads" -le "$threads0" ] || fail "threads after recovery: $threads0 -> $threads"
stop_pid "$pid" || fail "vigie exited with $? on SIGTERM"
echo "filesystem-hang: ok"
