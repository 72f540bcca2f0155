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
source "$(dirname "$0")/faults-lib.sh"

python3 - "$VIGIE" "$mnt" "$T/control" <<'PY' || fail "a collector did not come through a fault"
import os, subprocess, sys
from fault_tree import collector_args, fault, moving, report, samples, split, trees
vigie, mnt, control = sys.argv[1:4]


def run(collector, case):
    p = subprocess.run([vigie, "--once"] + collector_args(mnt, collector, case), capture_output=True, text=True,
                       timeout=60)
    return p.returncode, p.stdout, p.stderr


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


# Where a file vanished, what may change: what counts processes counts
# one fewer; and node_exporter 1.5 reads a Fibre Channel statistic, or an
# operstate, that the kernel does not have as 0 (down), and vigie with it.
VANISHED_MAY_CHANGE = ("node_processes_", "node_fibrechannel_", "node_network_up{")

collectors, runs, failures = 0, 0, []
only = os.environ.get("FAULTS_ONLY", "").split()
for c, files in trees(mnt, only):
    fault(control, "none", "-")
    rc, out, err = run(c, "regular")
    success = 'node_scrape_collector_success{collector="%s"}' % c
    if rc != 0 or success not in out:
        continue  # not a collector of this name, or one that needs more options
    collectors += 1
    whole = samples(out)
    moves = moving(whole, samples(run(c, "regular")[1]))
    for rel in files:
        for kind in ("eio", "short", "vanish"):
            fault(control, kind, rel)
            rc, out, err = run(c, "regular")
            runs += 1
            where = "%s, %s %s" % (c, kind, rel)
            if rc != 0 or success not in out or "Sanitizer" in err or "runtime error" in err:
                failures.append("%s: exit %d: %s" % (where, rc, err.strip()[-300:]))
                continue
            got = samples(out)
            lost = [k for k in whole if k not in moves and k not in got]
            new = [k for k in got if k not in moves and k not in whole]
            if kind == "vanish":
                # a device gone: its series are missing, an attribute gone
                # leaves its label empty or another name in its place; what
                # counts devices counts one fewer
                families = {split(k)[0] for k in whole}
                new = [k for k in new if split(k)[0] not in families]
                changed = [k for k in got if k in whole and k not in moves and whole[k] != got[k]
                           and not k.startswith(VANISHED_MAY_CHANGE)]
            else:
                changed = [k for k in got if k in whole and k not in moves and whole[k] != got[k]]
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
fault(control, "none", "-")
sys.exit(report(collectors, runs, "runs with a fault", failures, only))
PY
echo "collector-faults: ok"
