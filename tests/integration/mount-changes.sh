#!/usr/bin/env bash
# filesystem parses the mount table again only when the kernel flags a
# change: a mount, a remount read-only and an umount made while vigie runs
# must each show at the next scrape, and a scrape with no change must not
# read mountinfo at all. tmpfs mounts in a mount namespace of the test's own.
if [ -z "${VIGIE_IN_NS:-}" ]; then
        [ "$(id -u)" -eq 0 ] || { echo "SKIP: mounts in a private namespace need root here"; exit 77; }
        command -v unshare >/dev/null || { echo "SKIP: unshare is missing"; exit 77; }
        # --fork: vigie reads /proc/1/mountinfo, which must be this namespace's
        exec unshare --mount --pid --fork --mount-proc --propagation private env VIGIE_IN_NS=1 bash "$0" "$@"
fi
source "$(dirname "$0")/lib.sh"
need curl

start_vigie vigie --collector.disable-defaults --collector.filesystem
serves "$VIGIE_URL/metrics" '^node_filesystem_size_bytes' || fail "no file system reported at all"
mkdir "$T/m1"
ro() { serves "$VIGIE_URL/metrics" "^node_filesystem_readonly{device=\"vigie-mount-changes\",fstype=\"tmpfs\",mountpoint=\"$T/m1\"} $1\$"; }

mount -t tmpfs -o size=1m vigie-mount-changes "$T/m1" || skip "cannot mount tmpfs here"
ro 0 || fail "a tmpfs mounted while vigie runs is not reported"
mount -o remount,ro "$T/m1" || fail "cannot remount read-only"
ro 1 || fail "remounted read-only: readonly is not 1"
umount "$T/m1" || fail "cannot unmount $T/m1"
serves_without "$VIGIE_URL/metrics" 'device="vigie-mount-changes"' || fail "an unmounted tmpfs is still reported: $(grep vigie-mount-changes "$T/served"; grep m1 /proc/1/mountinfo)"

# nothing changes from here: mountinfo is not read again, statfs is
if command -v strace >/dev/null; then
        strace -f -e trace=pread64,read,openat,statfs -p "$VIGIE_PID" -o "$T/strace.txt" &
        tracer=$!
        # scrape until the tracer shows one (attaching takes a moment on a busy machine)
        for _ in $(seq 100); do
                curl -fsS -o /dev/null "$VIGIE_URL/metrics"
                grep -q 'statfs(' "$T/strace.txt" 2>/dev/null && break
                sleep 0.1
        done
        mark=$(wc -l <"$T/strace.txt")
        for i in 1 2 3; do curl -fsS -o /dev/null "$VIGIE_URL/metrics"; done
        sleep 0.2
        kill "$tracer"
        wait "$tracer" 2>/dev/null || true
        tail -n +"$((mark + 1))" "$T/strace.txt" >"$T/strace3.txt"
        grep -q 'statfs(' "$T/strace3.txt" || fail "no statfs in three scrapes: $(head "$T/strace3.txt")"
        reads=$(grep -Ec 'pread64\([0-9]+, "[0-9]+ [0-9]+ [0-9]+:[0-9]+ ' "$T/strace3.txt" || true)
        [ "$reads" -eq 0 ] || fail "mountinfo read $reads times in three scrapes with no change"
        echo "three scrapes: statfs $(grep -c 'statfs(' "$T/strace3.txt") times, mountinfo 0 times"
else
        echo "strace is missing: the check that unchanged scrapes do not read mountinfo is left out"
fi
stop_pid "$VIGIE_PID" || fail "vigie exited with $?"
echo "mount-changes: ok"
