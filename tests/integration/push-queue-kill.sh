#!/usr/bin/env bash
# A kill -9 at every system call that changes the queue on disk, one run
# per call, none sampled: strace's fault injection kills queue_driver at
# the Nth openat (then write, fsync, renameat...) for every N until a run
# gets through. A restart then appends two more batches, opens the queue
# again and drains it: every batch appended and not acknowledged must
# come back, in order, none acknowledged must, and at most the one batch
# whose acknowledgement the kill interrupted is sent again.
source "$(dirname "$0")/lib.sh"
need strace python3
: "${QUEUE_DRIVER:?QUEUE_DRIVER must point at queue_driver (meson sets it)}"
# LeakSanitizer cannot run under ptrace: in the sanitized build the driver
# keeps ASan's other checks and leaves leaks to the unit tests
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
strace -qq -o /dev/null -e trace=getpid -e inject=getpid:signal=KILL:when=1 true 2>/dev/null \
        || skip "strace cannot trace here (ptrace refused)"

# The scenarios: batches of 100000 bytes (two to a 256 KiB segment) and
# small ones, pops within a segment, at its end with more behind, and the
# last one, which empties the queue (and a restart right after that);
# then a 250000-byte budget, where appends drop the oldest batches.
big="a1:100000 a2:100000 a3:100000 p p p a4:3000 a5:3000 p p r a6:3000 a7:100000 a8:100000 p r p p"
budget="a1:100000 a2:100000 a3:100000 a4:100000 p a5:3000 a6:100000 r a7:100000 p p"
# (rename and unlink as either system call, whichever the code uses)
calls="openat write writev fsync fdatasync rename,renameat unlink,unlinkat close mkdir"

runs=0
for scenario in big budget; do
        case $scenario in
        big) max=100000000 steps=$big ;;
        budget) max=250000 steps=$budget ;;
        esac
        for call in $calls; do
                n=1
                while :; do
                        case_dir="$T/$scenario-$call-$n"
                        mkdir "$case_dir"
                        rc=0
                        # (braces: bash's "Killed" line goes to /dev/null too)
                        # shellcheck disable=SC2086 # the steps are words
                        { strace -qq -o /dev/null -e trace="$call" -e inject="$call:signal=KILL:when=$n" \
                                "$QUEUE_DRIVER" "$case_dir/q" "$max" $steps >"$case_dir/run.log" 2>"$case_dir/err.log"; } \
                                2>/dev/null || rc=$?
                        if [ "$rc" -eq 0 ]; then
                                # got through: every call of this kind was killed once
                                [ "$n" -gt 1 ] || fail "$scenario never calls $call: the list of calls is wrong"
                                rm -rf "$case_dir"
                                break
                        fi
                        [ "$rc" -eq 137 ] || fail "$scenario, killed at $call #$n: exit $rc: $(cat "$case_dir/err.log")"
                        "$QUEUE_DRIVER" "$case_dir/q" 100000000 a1001:3000 a1002:3000 r d >"$case_dir/restart.log" \
                                2>"$case_dir/err.log" || fail "$scenario, killed at $call #$n: the restart failed: $(cat "$case_dir/err.log")"
                        echo "$scenario $call $n" >>"$T/cases"
                        runs=$((runs + 1))
                        n=$((n + 1))
                done
        done
done

python3 - "$T" <<'PY'
import sys
root = sys.argv[1]
bad = 0
for line in open(root + "/cases"):
    scenario, call, n = line.split()
    d = "%s/%s-%s-%s" % (root, scenario, call, n)
    # what the queue holds at the kill, from what the driver said
    queue, dropped, inflight = [], 0, None
    for w in (l.split() for l in open(d + "/run.log")):
        if w[0] == "append":
            inflight = ("append", int(w[1]))
        elif w[0] == "appended":
            for _ in range(int(w[3]) - dropped):
                queue.pop(0)
            dropped = int(w[3])
            queue.append(int(w[1]))
            inflight = None
        elif w[0] == "pop":
            assert queue[0] == int(w[1]), (d, queue, w)
            inflight = ("pop", int(w[1]))
        elif w[0] == "acked":
            queue.pop(0)
            inflight = None
        elif w[0] == "reopened":
            dropped = 0
        elif w[0] == "notappended":
            print("%s: append %s failed" % (d, w[1]))
            bad += 1
    # what may come back: exactly that; with the batch being acknowledged
    # or not; with the batch being appended or not (and, past the budget,
    # the oldest it was dropping gone or not)
    allowed = [queue]
    if inflight and inflight[0] == "pop":
        allowed.append(queue[1:])
    if inflight and inflight[0] == "append":
        cuts = range(len(queue) + 1) if scenario == "budget" else [0]
        allowed += [queue[j:] + k for j in cuts for k in ([], [inflight[1]])]
    got = [int(l.split()[1]) for l in open(d + "/restart.log") if l.startswith("got ")]
    if got[-2:] != [1001, 1002] or got[:-2] not in allowed:
        print("%s: killed at %s #%s: the restart delivered %s, the queue held %s (in flight: %s)"
              % (scenario, call, n, got, queue, inflight))
        bad += 1
sys.exit(1 if bad else 0)
PY
echo "push-queue-kill: ok ($runs kills, each followed by a restart that lost and resent nothing it should not)"
