#!/usr/bin/env bash
# The agent needs nothing it does not use: started as root it says so in
# one warning line, started as another user it does not; and, traced with
# strace -f while it serves scrapes, pushes through its disk queue,
# reloads and stops, it writes nothing outside its state directory (no
# file opened for writing, made, removed, renamed or changed elsewhere),
# even as root.
source "$(dirname "$0")/lib.sh"
need python3 curl strace setpriv
[ "$(id -u)" -eq 0 ] || skip "needs root (to start vigie as root and as another user)"

warned() { grep -c 'level=warn msg="running as root' "$T/$1.log" || true; }

# as root: one warning
start_vigie root
n=$(warned root)
[ "$n" -eq 1 ] || fail "started as root: $n warning line(s), not 1: $(cat "$T/root.log")"
stop_pid "$VIGIE_PID" || fail "vigie (root) exited with $?"

# as nobody: none (the binary and the test directory readable by all)
chmod 755 "$T"
: >>"$T/nobody.log"
setpriv --reuid=65534 --regid=65534 --clear-groups -- "$VIGIE" --web.listen-address=127.0.0.1:0 \
        --log.target=stderr >>"$T/nobody.log" 2>&1 &
pid=$!
PIDS+=("$pid")
wait_for 10 grep -q 'listening on 127\.0\.0\.1:' "$T/nobody.log" || fail "vigie as nobody: $(cat "$T/nobody.log")"
n=$(warned nobody)
[ "$n" -eq 0 ] || fail "started as nobody: $n root warning(s)"
stop_pid "$pid" || fail "vigie (nobody) exited with $?"

# traced, as root, each thread apart, from / so that a relative path would show: a push
# target (its queue in the state directory), scrapes, SIGHUP, SIGTERM
python3 "$(dirname "$0")/fake_receiver.py" "$T/port" "$T/requests" 204 &
PIDS+=($!)
wait_for 10 test -s "$T/port" || fail "fake receiver did not start"
state="$T/state"
mkdir -p "$state" "$T/textfile"
echo 'backup_ok 1' >"$T/textfile/backup.prom"
printf '[push.target.central]\nurl = http://127.0.0.1:%s/api/v1/write\n' "$(cat "$T/port")" >"$T/vigie.conf"
: >>"$T/traced.log"
# LeakSanitizer cannot run under ptrace: off for the traced run
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
(cd / && exec strace -ff -qq -y -o "$T/strace" -e trace=%file,%desc -e signal=none \
        "$VIGIE" --config "$T/vigie.conf" --web.listen-address=127.0.0.1:0 --log.target=stderr --push.interval=1s \
        --push.queue-dir="$state/queue" --collector.textfile.directory="$T/textfile" >>"$T/traced.log" 2>&1) &
tracer=$!
PIDS+=("$tracer")
wait_for 30 grep -q 'listening on 127\.0\.0\.1:' "$T/traced.log" || fail "traced vigie did not start: $(cat "$T/traced.log")"
VIGIE_URL="http://127.0.0.1:$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$T/traced.log" | head -n 1)"
wait_for 30 serves "$VIGIE_URL/metrics" '^vigie_push_samples_sent_total{target="central"} [1-9]' || fail "nothing pushed"
for _ in 1 2 3; do curl -fsS "$VIGIE_URL/metrics" -o /dev/null; done
vpid=$(pgrep -P "$tracer" -x vigie || pgrep -P "$tracer")
printf '[web]\ntelemetry_path = /reloaded\n' >>"$T/vigie.conf"
kill -HUP "$vpid"
wait_for 10 serves "$VIGIE_URL/reloaded" '^vigie_push' || fail "no reload: $(tail -5 "$T/traced.log")"
kill "$vpid"
wait "$tracer" || fail "traced vigie exited with $?"
cat "$T"/strace.* >"$T/trace.all" # one file per thread: no call split in two
grep -q ' = ' "$T/trace.all" || fail "strace recorded nothing"

python3 - "$T/trace.all" "$state" <<'PY' || fail "vigie wrote outside its state directory"
import os, re, sys
trace, state = sys.argv[1], os.path.realpath(sys.argv[2])
# the calls that change the file system, and which of their arguments are paths
MUTATE = {"mkdir": [0], "mkdirat": [1], "rmdir": [0], "unlink": [0], "unlinkat": [1], "rename": [0, 1],
          "renameat": [1, 3], "renameat2": [1, 3], "link": [1], "linkat": [3], "symlink": [1], "symlinkat": [2],
          "chmod": [0], "fchmodat": [1], "chown": [0], "lchown": [0], "fchownat": [1], "truncate": [0],
          "utimes": [0], "utimensat": [1], "mknod": [0], "mknodat": [1], "setxattr": [0], "lsetxattr": [0],
          "removexattr": [0], "lremovexattr": [0], "creat": [0]}
WRITE = re.compile(r"O_WRONLY|O_RDWR|O_CREAT|O_TRUNC")
call = re.compile(r"^(\w+)\((.*)\) += (-?\d+)")
bad = []


def where(dirfd, path):
    """The absolute path a call names (dirfd as strace -y shows it)."""
    if path.startswith("/"):
        return os.path.normpath(path)
    m = re.match(r"\d+<(.*)>", dirfd)
    return os.path.normpath(os.path.join(m.group(1) if m else "/", path))


def inside(p):
    return p == state or p.startswith(state + "/")


for line in open(trace):
    m = call.match(line)
    if not m or int(m.group(3)) < 0:
        continue
    name, args = m.group(1), m.group(2)
    strs = re.findall(r'(\d+<[^>]*>|AT_FDCWD|"(?:[^"\\]|\\.)*")', args)
    if name in ("open", "openat", "openat2"):
        if not WRITE.search(args):
            continue
        dirfd = strs[0] if name != "open" else "AT_FDCWD"
        path = next(s for s in strs if s.startswith('"'))[1:-1]
        p = where(dirfd, path)
        if not inside(p) and p not in ("/dev/null",):
            bad.append(line.strip())
    elif name in MUTATE:
        paths = [s[1:-1] for s in strs if s.startswith('"')]
        dirfds = [s for s in strs if not s.startswith('"')]
        for i, path in enumerate(paths):
            p = where(dirfds[i] if i < len(dirfds) else "AT_FDCWD", path)
            if not inside(p):
                bad.append(line.strip())
    elif name in ("ftruncate", "fchmod", "fchown", "fsetxattr"):
        m2 = re.match(r"\d+<(.*?)>", args)
        if m2 and not inside(m2.group(1)):
            bad.append(line.strip())
writes = sum(1 for l in open(trace) if state in l and WRITE.search(l))
print("%d opens for writing in the state directory, %d changes outside it" % (writes, len(bad)))
for b in bad[:20]:
    print("outside: " + b)
sys.exit(1 if bad or writes == 0 else 0)
PY
echo "privileges: ok"
