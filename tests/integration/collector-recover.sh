#!/usr/bin/env bash
# A collector comes back whole once a read fault has passed. Several keep
# what they read from one scrape to the next (a parse until the file
# changes, what firmware or a device says once), so a value read during
# a fault, or a failure, could stay long after the fault: vigie --once
# (collector-faults.sh) cannot see that. Here one vigie daemon per
# collector serves its regular fixture tree through fuse_faults; for each
# file of the tree, and each of the faults eio and short (a vanished file
# is looked for again only once a minute, as meant), it is scraped clean,
# with the fault, and clean again: that last scrape must give every
# series of the whole tree with its value (what moves between two clean
# scrapes aside) and node_scrape_collector_success 1, and no daemon logs
# a sanitizer report. fuse_faults makes a broken file look rewritten, so
# that what is kept until a file changes is read during the fault. Then,
# for what is read once, a daemon starts with each file cut short in
# turn, and must serve the same once the file is whole again
# (FAULTS_FROM_START=0 leaves that part out).
# FAULTS_ONLY="os dmi" limits it to some collectors.
source "$(dirname "$0")/faults-lib.sh"

python3 - "$VIGIE" "$mnt" "$T/control" "$T" <<'PY' || fail "a collector did not come back after a fault"
import os, re, subprocess, sys, time, urllib.request
from fault_tree import NOT_COMPARED, collector_args, fault, moving, report, samples, trees
vigie, mnt, control, tmp = sys.argv[1:5]


def start(c):
    """a vigie daemon on a port the kernel picks, running c alone"""
    log = os.path.join(tmp, "vigie-%s.log" % c)
    with open(log, "w") as f:
        p = subprocess.Popen([vigie, "--web.listen-address=127.0.0.1:0", "--log.target=stderr"] +
                             collector_args(mnt, c, "regular"), stdout=f, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and p.poll() is None:
        m = re.search(r"listening on 127\.0\.0\.1:([0-9]+)", open(log).read())
        if m:
            p.log = log
            return p, "http://127.0.0.1:%s/metrics" % m.group(1)
        time.sleep(0.01)
    p.kill()
    p.wait()
    return None, open(log).read().strip()[-300:]


def scrape(url):
    with urllib.request.urlopen(url, timeout=30) as r:
        return samples(r.read().decode())


def stop(daemon, where):
    """stops it; what a sanitizer said in its log, if anything"""
    daemon.terminate()
    daemon.wait()
    said = [l for l in open(daemon.log) if "Sanitizer" in l or "runtime error" in l]
    return "%s: %s" % (where, said[0].strip()) if said else None


def check(where, success, got, whole, moves):
    """what is wrong with got, the scrape after a fault, if anything"""
    lost = sorted(k for k in whole if k not in moves and k not in got)
    wrong = sorted(k for k in got if k not in moves and not k.startswith(NOT_COMPARED) and got[k] != whole.get(k))
    if got.get(success) != "1":
        return "%s: %s %s" % (where, success, got.get(success))
    if lost:
        return "%s: %s missing (%d series)" % (where, lost[0], len(lost))
    if wrong:
        return "%s: served %s %s (the whole tree gives %s)" % (where, wrong[0], got[wrong[0]],
                                                              whole.get(wrong[0], "no such series"))
    return None


collectors, checks, failures = 0, 0, []
only = os.environ.get("FAULTS_ONLY", "").split()
from_start = os.environ.get("FAULTS_FROM_START", "1") != "0"
for c, files in trees(mnt, only):
    fault(control, "none", "-")
    daemon, url = start(c)
    if not daemon:
        failures.append("%s: vigie did not start: %s" % (c, url))
        continue
    success = 'node_scrape_collector_success{collector="%s"}' % c
    try:
        scrape(url)  # a first scrape may differ from the next (what has no previous value)
        whole = scrape(url)
        if whole.get(success) != "1":
            continue  # not a collector of this name, or one that needs more options
        collectors += 1
        moves = moving(whole, scrape(url))
        for rel in files:
            for kind in ("eio", "short"):
                # the clean scrape before the fault is the last one checked
                fault(control, kind, rel)
                scrape(url)
                fault(control, "none", "-")
                checks += 1
                failures.append(check("%s, after %s %s" % (c, kind, rel), success, scrape(url), whole, moves))
    finally:
        failures.append(stop(daemon, c))
    if not from_start:
        continue
    # What a collector reads once (at its first scrape, once per device,
    # or again only when a directory changes) meets a fault only if it is
    # there from the start: a daemon for each file, cut short (fileio
    # makes that the EIO the other fault gives; to a reader that does not
    # go through fileio, it is the one that reads as a plausible file).
    for rel in files:
        fault(control, "short", rel)
        daemon, url = start(c)
        if not daemon:
            failures.append("%s: vigie did not start with short %s: %s" % (c, rel, url))
            continue
        try:
            scrape(url)
            fault(control, "none", "-")
            checks += 1
            failures.append(check("%s, started with short %s" % (c, rel), success, scrape(url), whole, moves))
        finally:
            failures.append(stop(daemon, "%s, started with short %s" % (c, rel)))
failures = [f for f in failures if f]
fault(control, "none", "-")
sys.exit(report(collectors, checks, "faults passed", failures, only))
PY
echo "collector-recover: ok"
