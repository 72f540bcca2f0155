#!/usr/bin/env bash
# /proc and /sys reads failing half-way, for every collector: each
# collector's regular fixture tree is served through a FUSE file system
# (tests/integration/fuse_faults.c) that breaks one file at a time, each
# file in turn and each way: EIO after its first half, its first half
# only (a size that says more), or gone between readdir and open. vigie
# --once runs the collector on it every time: it must finish (exit 0, the
# collector's node_scrape_collector_success in the exposition), with no
# sanitizer report, whatever the file and the fault; and never serve a
# wrong value: every series it serves is one the whole tree gives, with
# the same value. What a fault takes away is counted: a file that failed
# or came back cut short leaves the collector failed (success 0) or its
# vigie_collector_parse_errors_total above 0, and counted once: one
# faulted file adds at most 1 to it, whichever reader met the fault and
# whatever the collector made of it. (A file that vanished is a device
# gone: its series are simply missing.)
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
import os, re, subprocess, sys
vigie, mnt, control = sys.argv[1:4]
roots = (("proc", "--path.procfs"), ("sys", "--path.sysfs"), ("root", "--path.rootfs"), ("udev", "--path.udev.data"))
# what a collector that reads nothing by default reads (the sysctls of
# tests/unit/test-collectors.c)
OPTIONS = {"sysctl": ["--collector.sysctl.include=vm.swappiness net.ipv4.ip_local_port_range:min,max "
                      "net.ipv4.tcp_rmem fs.file-nr kernel.perf_event_paranoid net.ipv4.conf.lo.forwarding",
                      "--collector.sysctl.include-info=kernel.ostype kernel.version kernel.printk"]}


def run(collector, case):
    args = [vigie, "--once", "--collector.disable-defaults", "--collector." + collector] + OPTIONS.get(collector, [])
    args += ["%s=%s/%s/%s/%s" % (flag, mnt, collector, case, d) for d, flag in roots
             if os.path.isdir(os.path.join(mnt, collector, case, d))]
    p = subprocess.run(args, capture_output=True, text=True, timeout=60)
    return p.returncode, p.stdout, p.stderr


def samples(out):
    """series -> value of an exposition, the engine's own timings aside"""
    got = {}
    for line in out.splitlines():
        if line and not line.startswith("#"):
            series, _, value = line.rpartition(" ")
            got[series] = value
    return got


LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def split(series):
    name, _, labels = series.partition("{")
    return name, dict(LABEL.findall(labels))


def unknown_labels(series, value, whole):
    """a whole series with the same value, but for labels left empty or
    out: an attribute that could not be read, as node_exporter leaves it"""
    name, labels = split(series)
    for k, v in whole.items():
        n, l = split(k)
        if n == name and v == value and labels.keys() <= l.keys() and \
                all(labels[x] in ("", l[x]) for x in labels):
            return True
    return False


def counted(got, c):
    return (got.get('node_scrape_collector_success{collector="%s"}' % c) == "0"
            or got.get('vigie_collector_parse_errors_total{collector="%s"}' % c, "0") != "0")


def errors(got, c):
    return int(got.get('vigie_collector_parse_errors_total{collector="%s"}' % c, "0"))


def fault(kind, rel):
    with open(control + ".tmp", "w") as f:
        f.write("%s %s\n" % (kind, rel))
    os.rename(control + ".tmp", control)


# Where a file vanished, what may change: what counts processes counts
# one fewer; and node_exporter 1.5 reads a Fibre Channel statistic, or an
# operstate, that the kernel does not have as 0 (down), and vigie with it.
VANISHED_MAY_CHANGE = ("node_processes_", "node_fibrechannel_", "node_network_up{")

collectors, runs, failures = 0, 0, []
only = os.environ.get("FAULTS_ONLY", "").split()
for c in sorted(os.listdir(mnt)):
    if only and c not in only:
        continue
    tree = os.path.join(mnt, c, "regular")
    if not os.path.isdir(tree):
        continue
    fault("none", "-")
    rc, out, err = run(c, "regular")
    success = 'node_scrape_collector_success{collector="%s"}' % c
    if rc != 0 or success not in out:
        continue  # not a collector of this name, or one that needs more options
    collectors += 1
    whole = samples(out)
    # what moves from one run to the next (durations, clocks) is not compared
    again = samples(run(c, "regular")[1])
    moving = {k for k in whole if again.get(k) != whole[k]} | {k for k in again if k not in whole}
    # and what the host's own file systems give (filesystem's statfs)
    moving |= {k for k in whole if k.startswith(("node_scrape_collector_", "vigie_collector_parse_errors_total",
                                                 "process_", "node_filesystem_files_free", "node_filesystem_free",
                                                 "node_filesystem_avail", "node_filesystem_files{"))}
    files = sorted(os.path.relpath(os.path.join(d, f), mnt) for d, _, fs in os.walk(tree) for f in fs)
    for rel in files:
        for kind in ("eio", "short", "vanish"):
            fault(kind, rel)
            rc, out, err = run(c, "regular")
            runs += 1
            where = "%s, %s %s" % (c, kind, rel)
            if rc != 0 or success not in out or "Sanitizer" in err or "runtime error" in err:
                failures.append("%s: exit %d: %s" % (where, rc, err.strip()[-300:]))
                continue
            got = samples(out)
            lost = [k for k in whole if k not in moving and k not in got]
            new = [k for k in got if k not in moving and k not in whole]
            if kind == "vanish":
                # a device gone: its series are missing, an attribute gone
                # leaves its label empty or another name in its place; what
                # counts devices counts one fewer
                families = {split(k)[0] for k in whole}
                new = [k for k in new if split(k)[0] not in families]
                changed = [k for k in got if k in whole and k not in moving and whole[k] != got[k]
                           and not k.startswith(VANISHED_MAY_CHANGE)]
            else:
                changed = [k for k in got if k in whole and k not in moving and whole[k] != got[k]]
                if counted(got, c):
                    new = [k for k in new if not unknown_labels(k, got[k], whole)]
            wrong = sorted(changed + new)
            if wrong:
                failures.append("%s: served %s %s (the whole file gives %s)" %
                                (where, wrong[0], got[wrong[0]], whole.get(wrong[0], "no such series")))
            elif kind != "vanish" and (lost or new) and not counted(got, c):
                failures.append("%s: %s missing, and nothing counted" % (where, lost[0]))
            elif kind != "vanish" and errors(got, c) - errors(whole, c) > 1:
                failures.append("%s: one fault counted %d times" % (where, errors(got, c) - errors(whole, c)))
fault("none", "-")
print("%d collectors, %d runs with a fault, %d failures" % (collectors, runs, len(failures)))
for f in failures[:int(os.environ.get("FAULTS_SHOWN", "60"))]:
    print("FAIL " + f)
sys.exit(1 if failures or collectors < (1 if only else 30) else 0)
PY
echo "collector-faults: ok"
