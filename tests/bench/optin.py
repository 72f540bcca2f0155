#!/usr/bin/env python3
"""The opt-in collectors' cost, vigie against node_exporter in the same run.

For each of node_exporter 1.5's opt-in collectors that vigie has, both
agents are started with that collector alone (and without it, the
baseline: what serving the agent's own series costs), then with every
default and every opt-in collector together, and scraped as Prometheus
scrapes (gzip, keep-alive) in alternating blocks. CPU is each process's
run time from /proc/PID/task/*/schedstat (nanoseconds: a collector alone
costs too little for clock ticks), per scrape. A collector that finds no
data on this machine is said so: its cost then is that of looking.

Usage: optin.py OUT.json VIGIE NODE_EXPORTER [FLAG...]
FLAGs are given to both agents for the "all" case (the defaults of
run.sh), and flags after "--ne" to node_exporter alone in every case.
section(path) gives the report's lines."""
import glob
import http.client
import json
import os
import socket
import subprocess
import sys
import time

# the opt-in collectors, with what each needs to serve anything
OPT_IN = {
    "processes": [], "interrupts": [], "tcpstat": [], "mountstats": [], "ethtool": [], "cgroups": [],
    "meminfo_numa": [], "buddyinfo": [], "zoneinfo": [], "slabinfo": [],
    "sysctl": ["--collector.sysctl.include=vm.swappiness", "--collector.sysctl.include=fs.file-nr",
               "--collector.sysctl.include=net.ipv4.ip_local_port_range:min,max"],
    "network_route": [], "qdisc": [], "ksmd": [], "lnstat": [], "drm": [], "wifi": [], "perf": [], "logind": [],
}
BLOCKS, N_VIGIE, N_NE = 3, 2000, 200


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def cpu_ns(pid):
    total = 0
    for path in glob.glob("/proc/%d/task/*/schedstat" % pid):
        try:
            total += int(open(path).read().split()[0])
        except (OSError, ValueError, IndexError):
            pass  # a thread that ended between the listing and the read
    return total


class Agent:
    def __init__(self, argv, n):
        self.port = free_port()
        self.proc = subprocess.Popen(argv + ["--web.listen-address=127.0.0.1:%d" % self.port],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.n, self.ns, self.scrapes = n, 0, 0
        for _ in range(100):
            try:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                self.body = self.scrape()
                break
            except OSError:
                time.sleep(0.1)
        else:
            raise SystemExit("optin: %s did not start" % argv[0])

    def scrape(self):
        self.conn.request("GET", "/metrics", headers={"Accept-Encoding": "gzip"})
        r = self.conn.getresponse()
        body = r.read()
        if r.status != 200:
            raise SystemExit("optin: HTTP %d" % r.status)
        return body

    def block(self):
        t0 = cpu_ns(self.proc.pid)
        for _ in range(self.n):
            self.scrape()
        self.ns += cpu_ns(self.proc.pid) - t0
        self.scrapes += self.n

    def exposition(self):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        conn.request("GET", "/metrics")
        text = conn.getresponse().read().decode("utf-8", "replace")
        conn.close()
        return text

    def stop(self):
        self.proc.terminate()
        self.proc.wait(10)


def measure(vigie, ne, vflags, nflags, collector):
    a, b = Agent([vigie] + vflags, N_VIGIE), Agent([ne] + nflags, N_NE)
    try:
        for _ in range(20):
            a.scrape()
            b.scrape()
        for _ in range(BLOCKS):
            a.block()
            b.block()
        out = {}
        for name, agent in (("vigie", a), ("ne", b)):
            text = agent.exposition()
            series = [l for l in text.splitlines() if l and not l.startswith("#")]
            ok = 'node_scrape_collector_success{collector="%s"} 1' % collector in text if collector else True
            out[name] = {"cpu_ms_per_scrape": agent.ns / 1e6 / agent.scrapes, "series": len(series),
                         "collector_ok": ok, "names": sorted({l.split("{")[0].split(" ")[0] for l in series})}
        return out
    finally:
        a.stop()
        b.stop()


def main(argv):
    out_path, vigie, ne = argv[1], argv[2], argv[3]
    rest = argv[4:]
    ne_only = rest[rest.index("--ne") + 1:] if "--ne" in rest else []
    defaults = rest[:rest.index("--ne")] if "--ne" in rest else rest
    base = ["--collector.disable-defaults"]
    cases = [("none", None, base, base)]
    for c, extra in OPT_IN.items():
        flags = base + ["--collector." + c] + extra
        cases.append((c, c, flags, flags))
    everything = defaults + [f for c, extra in OPT_IN.items() for f in ["--collector." + c] + extra]
    cases.append(("all", None, everything, everything))
    results = []
    for name, collector, vflags, nflags in cases:
        print("bench: opt-in collectors: %s..." % name, file=sys.stderr)
        r = measure(vigie, ne, vflags, nflags + ne_only, collector)
        r["case"] = name
        results.append(r)
    # a collector has data here when it served families beyond what an
    # agent without collectors serves
    for r in results:
        for agent in ("vigie", "ne"):
            base = set(results[0][agent]["names"])
            r[agent]["collector_families"] = len([n for n in r[agent]["names"] if n not in base and
                                                  not n.startswith(("node_scrape_collector_", "vigie_collector_"))])
    for r in results:
        for agent in ("vigie", "ne"):
            del r[agent]["names"]
    json.dump({"blocks": BLOCKS, "n_vigie": N_VIGIE, "n_ne": N_NE, "cases": results}, open(out_path, "w"))


def section(path):
    """The report's lines for optin.json."""
    title = "## The opt-in collectors\n"
    if not os.path.exists(path):
        return [title, "Not measured in this run.\n"]
    r = json.load(open(path))
    out = [title,
           "tests/bench/optin.py: for each of node_exporter 1.5's opt-in collectors, both agents with that "
           "collector alone, then with every default and opt-in collector together, scraped as Prometheus "
           "scrapes (gzip, keep-alive) in %d alternating blocks (%d scrapes of vigie, %d of node_exporter); CPU "
           "per scrape from each process's run time in /proc/PID/task/*/schedstat (nanoseconds). The row "
           "\"none\" is an agent with no collector: its own series and the HTTP server. A collector with no "
           "data on this machine (no such hardware or service) costs what looking costs.\n"
           % (r["blocks"], r["n_vigie"], r["n_ne"])]
    out.append("| collectors | vigie CPU per scrape | node_exporter | ratio | series (vigie, node_exporter) | data here |")
    out.append("|---|---|---|---|---|---|")
    for c in r["cases"]:
        v, n = c["vigie"], c["ne"]
        name = {"none": "none", "all": "every default and opt-in collector"}.get(c["case"], c["case"])
        if c["case"] in ("none", "all"):
            data = ""
        elif v["collector_families"] or n["collector_families"]:
            data = "yes" if v["collector_ok"] and v["collector_families"] else "only node_exporter has"
        else:
            data = "none on this machine"
        ratio = "1/%.1f" % (n["cpu_ms_per_scrape"] / v["cpu_ms_per_scrape"]) if v["cpu_ms_per_scrape"] > 0 else "-"
        out.append("| %s | %.3f ms | %.3f ms | %s | %d, %d | %s |"
                   % (name, v["cpu_ms_per_scrape"], n["cpu_ms_per_scrape"], ratio, v["series"], n["series"], data))
    out.append("")
    return out


if __name__ == "__main__":
    main(sys.argv)
