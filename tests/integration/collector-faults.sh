#!/usr/bin/env bash
# /proc and /sys reads failing half-way, for every collector: each
# collector's regular fixture tree is served through a FUSE file system
# (tests/integration/fuse_faults.c) that breaks one file at a time, each
# file in turn and each way: EIO after its first half, its first half
# only (a size that says more), or gone between readdir and open. vigie
# --once runs the collector on it every time: it must finish (exit 0, the
# collector's node_scrape_collector_success in the exposition), with no
# sanitizer report, whatever the file and the fault.
# Runs in its own mount and PID namespace, so nothing outlives it.
if [ -z "${VIGIE_IN_NS:-}" ]; then
        [ "$(id -u)" -eq 0 ] || { echo "SKIP: mounting FUSE in a private namespace needs root here"; exit 77; }
        command -v unshare >/dev/null || { echo "SKIP: unshare is missing"; exit 77; }
        exec unshare --mount --pid --fork --mount-proc --propagation private env VIGIE_IN_NS=1 bash "$0" "$@"
fi
source "$(dirname "$0")/lib.sh"
need python3
[ -n "${FUSE_FAULTS:-}" ] && [ -x "$FUSE_FAULTS" ] || skip "fuse_faults was not built (libfuse3-dev missing)"
[ -c /dev/fuse ] || skip "/dev/fuse is missing"

mnt="$T/fixtures"
mkdir -p "$mnt"
echo none >"$T/control"
"$FUSE_FAULTS" "$T/control" "$SOURCE_ROOT/tests/fixtures" "$mnt" -f -o fsname=vigie-faults >"$T/fuse.log" 2>&1 &
PIDS+=($!)
wait_for 10 grep -q "vigie-faults" /proc/self/mountinfo || skip "cannot mount FUSE here: $(cat "$T/fuse.log")"

python3 - "$VIGIE" "$mnt" "$T/control" <<'PY' || fail "a collector did not come through a fault"
import os, subprocess, sys
vigie, mnt, control = sys.argv[1:4]
roots = (("proc", "--path.procfs"), ("sys", "--path.sysfs"), ("root", "--path.rootfs"), ("udev", "--path.udev.data"))


def run(collector, case):
    args = [vigie, "--once", "--collector.disable-defaults", "--collector." + collector]
    args += ["%s=%s/%s/%s/%s" % (flag, mnt, collector, case, d) for d, flag in roots
             if os.path.isdir(os.path.join(mnt, collector, case, d))]
    p = subprocess.run(args, capture_output=True, text=True, timeout=60)
    return p.returncode, p.stdout, p.stderr


def fault(kind, rel):
    with open(control + ".tmp", "w") as f:
        f.write("%s %s\n" % (kind, rel))
    os.rename(control + ".tmp", control)


collectors, runs, failures = 0, 0, []
for c in sorted(os.listdir(mnt)):
    tree = os.path.join(mnt, c, "regular")
    if not os.path.isdir(tree):
        continue
    fault("none", "-")
    rc, out, err = run(c, "regular")
    success = 'node_scrape_collector_success{collector="%s"}' % c
    if rc != 0 or success not in out:
        continue  # not a collector of this name, or one that needs more options
    collectors += 1
    files = sorted(os.path.relpath(os.path.join(d, f), mnt) for d, _, fs in os.walk(tree) for f in fs)
    for rel in files:
        for kind in ("eio", "short", "vanish"):
            fault(kind, rel)
            rc, out, err = run(c, "regular")
            runs += 1
            if rc != 0 or success not in out or "Sanitizer" in err or "runtime error" in err:
                failures.append("%s, %s %s: exit %d: %s" % (c, kind, rel, rc, err.strip()[-300:]))
fault("none", "-")
print("%d collectors, %d runs with a fault, %d failures" % (collectors, runs, len(failures)))
for f in failures[:20]:
    print("FAIL " + f)
sys.exit(1 if failures or collectors < 30 else 0)
PY
echo "collector-faults: ok"
