#!/usr/bin/env python3
"""The measuring half of tests/bench/fleet.sh (a fleet of vigie agents
pushing to one VictoriaMetrics, which goes down and comes back).

  fleet.py sample VM_URL DIR       every second until killed: the receiver's
                                   remote-write request count, and every
                                   2 s the agents' CPU time, RSS and PSS
                                   (DIR/pids) and the load average, into
                                   DIR/samples.jsonl
  fleet.py drained DIR             exits 0 when every agent (DIR/agents/*/
                                   port) has at most one batch queued
  fleet.py summarize VM_URL DIR OUT.json AGENTS OUTAGE_S INTERVAL_S PACE
                                   what each agent queued (its debug log)
                                   against what VictoriaMetrics holds for its
                                   instance, the peak request rate during the
                                   catch-up, CPU and memory in each phase
  fleet.py section OUT.json        the benchmark report's section (markdown)
"""
import glob
import json
import os
import re
import subprocess
import sys
import time
import urllib.parse
import urllib.request

WINDOW_S = 5  # the peak request rate is the highest over this many seconds
TICK = os.sysconf("SC_CLK_TCK")


def get(url, timeout=5):
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return r.read()


def write_requests(vm):
    """vm_http_requests_total for remote write, or None while it is down."""
    try:
        text = get(vm + "/metrics", 2).decode()
    except OSError:
        return None
    m = re.search(r'^vm_http_requests_total\{path="/api/v1/write"[^}]*\} (\d+)', text, re.M)
    return int(m.group(1)) if m else None


def proc(pid):
    """(CPU seconds, RSS kB, PSS kB) of a process, or None once it is gone."""
    try:
        stat = open("/proc/%d/stat" % pid).read()
        fields = stat[stat.rindex(")") + 2:].split()
        cpu = (int(fields[11]) + int(fields[12])) / TICK
        rss = next(int(l.split()[1]) for l in open("/proc/%d/status" % pid) if l.startswith("VmRSS:"))
        pss = next(int(l.split()[1]) for l in open("/proc/%d/smaps_rollup" % pid) if l.startswith("Pss:"))
        return cpu, rss, pss
    except (OSError, ValueError, StopIteration):
        return None


def sample(vm, d):
    out = open(os.path.join(d, "samples.jsonl"), "a", buffering=1)
    n = 0
    while True:
        t = time.time()
        req = write_requests(vm)
        # the counter is read some time within the request: its middle, and its ends
        t1 = time.time()
        rec = {"t": (t + t1) / 2, "t0": t, "t1": t1, "req": req}
        if n % 2 == 0 and os.path.exists(os.path.join(d, "pids")):
            pids = [int(p) for p in open(os.path.join(d, "pids")).read().split()]
            rec["procs"] = [proc(p) for p in pids]
            rec["load"] = float(open("/proc/loadavg").read().split()[0])
        out.write(json.dumps(rec) + "\n")
        n += 1
        time.sleep(max(0.0, t + 1 - time.time()))


def queue_batches(port):
    try:
        text = get("http://127.0.0.1:%s/metrics" % port, 2).decode()
    except OSError:
        return None
    m = re.search(r'^vigie_push_queue_batches\{target="central"\} (\S+)', text, re.M)
    return float(m.group(1)) if m else None


def drained(d):
    for f in sorted(glob.glob(os.path.join(d, "agents", "*", "port"))):
        q = queue_batches(open(f).read().strip())
        if q is None or q > 1:
            return 1
    return 0


def phases(d):
    """name -> (start, end) in seconds since the epoch, from DIR/phases."""
    marks = [(l.split()[0], float(l.split()[1])) for l in open(os.path.join(d, "phases"))]
    return {name: (t, marks[i + 1][1]) for i, (name, t) in enumerate(marks[:-1])}


def vm_counts(vm, job):
    """Samples VictoriaMetrics holds per instance of job (raw, from /api/v1/export)."""
    try:
        get(vm + "/internal/force_flush", 30)
    except OSError:
        pass
    # what was ingested last becomes searchable a moment later: counted
    # until two counts agree
    last = None
    while True:
        counts = {}
        q = urllib.parse.urlencode({"match[]": '{job="%s"}' % job})
        with urllib.request.urlopen(vm + "/api/v1/export?" + q, timeout=300) as r:
            for line in r:
                s = json.loads(line)
                per_ts = counts.setdefault(s["metric"].get("instance", ""), {})
                for ts in s["timestamps"]:
                    per_ts[ts] = per_ts.get(ts, 0) + 1
        total = sum(sum(c.values()) for c in counts.values())
        if total == last:
            return counts
        last = total
        time.sleep(3)


def agent_log(path):
    """(samples queued by collection time, samples left queued at stop, batches refused or dropped) from an
    agent's log."""
    queued, left, refused = {}, 0, 0
    for line in open(path, errors="replace"):
        m = re.search(r"push [^:]*: queued (\d+) samples at (\d+)", line)
        if m:
            queued[int(m.group(2))] = int(m.group(1))
            continue
        m = re.search(r"push [^:]*: stopping: \d+ batches \((\d+) samples\) stay queued", line)
        if m:
            left += int(m.group(1))
        elif "refused a batch" in line or "dropped (counted" in line or "are dropped" in line:
            refused += 1
    return queued, left, refused


def summarize(vm, d, out, agents, outage_s, interval_s, pace):
    ph = phases(d)
    recs = [json.loads(l) for l in open(os.path.join(d, "samples.jsonl"))]

    # the receiver's request rate: the highest over WINDOW_S seconds in
    # the catch-up, and the steady rate before the outage. With low, the
    # lowest that highest can be, counting the longest time the two reads
    # may be apart: what the test holds against the bound, whatever the
    # reads' latency on a loaded machine.
    def peak(start, end, low=False):
        pts = [r for r in recs if r["req"] is not None and start <= r["t"] <= end]
        best, j = 0.0, 0
        for i in range(len(pts)):
            while j < len(pts) and pts[j]["t"] - pts[i]["t"] < WINDOW_S:
                j += 1
            if j < len(pts):
                secs = pts[j]["t1"] - pts[i]["t0"] if low else pts[j]["t"] - pts[i]["t"]
                best = max(best, (pts[j]["req"] - pts[i]["req"]) / secs)
        return best

    def mean_rate(start, end):
        pts = [(r["t"], r["req"]) for r in recs if r["req"] is not None and start <= r["t"] <= end]
        return (pts[-1][1] - pts[0][1]) / (pts[-1][0] - pts[0][0]) if len(pts) > 1 else 0.0

    # the agents' CPU (share of one core, all agents together and per
    # agent) and RSS in each phase
    def usage(name):
        start, end = ph[name]
        ps = [r for r in recs if "procs" in r and start <= r["t"] <= end]
        if len(ps) < 2:
            return None
        first, last = ps[0], ps[-1]
        cpu = sum(b[0] - a[0] for a, b in zip(first["procs"], last["procs"]) if a and b)
        secs = last["t"] - first["t"]
        rss = [p[1] for r in ps for p in r["procs"] if p]
        per_sample_total = [sum(p[1] for p in r["procs"] if p) for r in ps]
        pss_total = [sum(p[2] for p in r["procs"] if p) for r in ps]
        loads = [r["load"] for r in ps]
        return {"seconds": secs, "cpu_fleet_pct": 100 * cpu / secs, "cpu_agent_pct": 100 * cpu / secs / agents,
                "rss_agent_max_kb": max(rss), "rss_agent_mean_kb": sum(rss) / len(rss),
                "rss_fleet_max_kb": max(per_sample_total), "pss_fleet_max_kb": max(pss_total),
                "load_mean": sum(loads) / len(loads), "load_max": max(loads)}

    counts = vm_counts(vm, "fleet")
    per_agent, lost, extra, refused = [], 0, 0, 0
    for adir in sorted(glob.glob(os.path.join(d, "agents", "*"))):
        name = os.path.basename(adir)
        batches, left, bad = agent_log(os.path.join(adir, "vigie.log"))
        got_ts = counts.get(name, {})
        q, got = sum(batches.values()), sum(got_ts.values())
        # the batches short of samples in VictoriaMetrics: collection time, queued, received
        short = [[ts, n, got_ts.get(ts, 0)] for ts, n in sorted(batches.items()) if got_ts.get(ts, 0) < n]
        per_agent.append({"instance": name, "queued": q, "left_queued": left, "received": got, "short": short})
        lost += max(0, q - left - got)
        extra += max(0, got - (q - left))
        refused += bad
    restarted, caught_up = ph["catchup"]
    # each agent has one request in flight at most, started 1/pace after
    # the one before: within a window the receiver sees at most pace ×
    # window of them, plus one at each end
    bound = agents * (pace + 2.0 / WINDOW_S) if pace > 0 else None
    res = {
        "agents": agents, "outage_s": outage_s, "interval_s": interval_s, "max_batches_per_second": pace,
        "window_s": WINDOW_S, "catchup_s": caught_up - restarted,
        "peak_requests_per_s": peak(restarted, caught_up),
        "peak_requests_per_s_low": peak(restarted, caught_up, low=True),
        # the receiver's requests each second, from its restart to the end
        "requests_each_second": [b["req"] - a["req"] for a, b in zip(recs, recs[1:])
                                 if a["req"] is not None and b["req"] is not None and b["t"] >= restarted],
        "steady_requests_per_s": mean_rate(*ph["steady"]),
        "bound_requests_per_s": bound,
        "queued_samples": sum(a["queued"] for a in per_agent),
        "received_samples": sum(a["received"] for a in per_agent),
        "left_queued_samples": sum(a["left_queued"] for a in per_agent),
        "lost_samples": lost, "extra_samples": extra, "refused_or_dropped": refused,
        "agents_short": {a["instance"]: a["short"] for a in per_agent if a["received"] < a["queued"] - a["left_queued"]},
        "agents_counted": len(per_agent), "instances_in_vm": len(counts),
        "usage": {name: usage(name) for name in ("steady", "outage", "catchup")},
        "load": open("/proc/loadavg").read().split()[:3], "nproc": os.cpu_count(),
        "date": time.strftime("%Y-%m-%d", time.gmtime()),
        "vigie": subprocess.run([os.environ["VIGIE"], "--version"], capture_output=True, text=True).stdout.strip(),
    }
    json.dump(res, open(out, "w"), indent=1)


def section(path):
    """The report's lines for fleet.json (None when it is not there)."""
    if not os.path.exists(path):
        return ["## A fleet replaying after the receiver's outage\n",
                "Not measured in this run (tests/bench/fleet.sh did not run).\n"]
    r = json.load(open(path))
    u = r["usage"]
    out = ["## A fleet replaying after the receiver's outage\n"]
    out.append(
        "tests/bench/fleet.sh, %s, %s: %d vigie agents on this machine (release build; loadavg and meminfo, %d s interval, "
        "each its own port, queue directory and instance label, started over one interval) push to one "
        "VictoriaMetrics, which is stopped for %d s and started again; each target's `max_batches_per_second` "
        "is %g. Load average at the end %s on %d CPUs, shared with other work: the CPU figures move with it.\n"
        % (r["date"], r["vigie"], r["agents"], r["interval_s"], r["outage_s"], r["max_batches_per_second"], ", ".join(r["load"]),
           r["nproc"]))
    bound = r["bound_requests_per_s"]
    out.append("| | |")
    out.append("|---|---|")
    out.append("| samples queued by the agents / in VictoriaMetrics / left queued at the stop | %d / %d / %d |"
               % (r["queued_samples"], r["received_samples"], r["left_queued_samples"]))
    out.append("| samples lost, agents short of samples, batches refused or dropped | %d, %d, %d |"
               % (r["lost_samples"], len(r["agents_short"]), r["refused_or_dropped"]))
    out.append("| catch-up: from the receiver's restart to every queue drained | %.0f s |" % r["catchup_s"])
    out.append("| receiver's requests per second before the outage | %.1f |" % r["steady_requests_per_s"])
    out.append("| receiver's peak requests per second in the catch-up (over %d s, vm_http_requests_total) | %.1f |"
               % (r["window_s"], r["peak_requests_per_s"]))
    if bound:
        out.append("| bound from the pace: agents × (max_batches_per_second + 2/%d s) | %.1f |" % (r["window_s"], bound))
    out.append("")
    out.append("| the agents | CPU, the whole fleet (one core: 100%) | CPU per agent | RSS per agent, mean and max "
               "| RSS of the fleet | PSS of the fleet (shared pages shared out) | load average, mean and max |")
    out.append("|---|---|---|---|---|---|---|")
    for name, label in (("steady", "before the outage"), ("outage", "during the outage"),
                        ("catchup", "during the catch-up")):
        x = u.get(name)
        if x:
            out.append("| %s (%.0f s) | %.1f%% | %.3f%% | %.1f, %.1f MiB | %.0f MiB | %s | %s |"
                       % (label, x["seconds"], x["cpu_fleet_pct"], x["cpu_agent_pct"], x["rss_agent_mean_kb"] / 1024,
                          x["rss_agent_max_kb"] / 1024, x["rss_fleet_max_kb"] / 1024,
                          "%.0f MiB" % (x["pss_fleet_max_kb"] / 1024) if "pss_fleet_max_kb" in x else "not sampled",
                          "%.1f, %.1f" % (x["load_mean"], x["load_max"]) if "load_mean" in x else "not sampled"))
    out.append("")
    met = r["lost_samples"] == 0 and not r["agents_short"] and (not bound or r["peak_requests_per_s"] <= bound)
    out.append("Target: every agent catches up with nothing lost, the receiver's peak rate bounded by the pace: %s."
               % ("met" if met else "**missed**"))
    out.append("")
    return out


def main():
    cmd = sys.argv[1]
    if cmd == "sample":
        sample(sys.argv[2], sys.argv[3])
    elif cmd == "drained":
        sys.exit(drained(sys.argv[2]))
    elif cmd == "summarize":
        vm, d, out = sys.argv[2:5]
        summarize(vm, d, out, int(sys.argv[5]), int(sys.argv[6]), int(sys.argv[7]), float(sys.argv[8]))
    elif cmd == "section":
        print("\n".join(section(sys.argv[2])))
    else:
        sys.exit("usage: see fleet.py's docstring")


if __name__ == "__main__":
    main()
