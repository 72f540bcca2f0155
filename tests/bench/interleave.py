#!/usr/bin/env python3
"""CPU per scrape of two agents measured in alternating blocks, so that
both see the same spells of a shared machine: BLOCKS times, N1 scrapes of
the first, then N2 of the second, each as Prometheus scrapes (gzip,
keep-alive), each agent's utime+stime read around its own block.
Usage: interleave.py BLOCKS PID1 URL1 N1 PID2 URL2 N2
Prints a JSON object: for "a" and "b", CPU, user and system milliseconds
per scrape over all blocks; "block_ratios", b's CPU per scrape over a's in
each block."""
import http.client
import json
import os
import sys
import urllib.parse

HZ = os.sysconf("SC_CLK_TCK")


def cpu_ticks(pid):
    fields = open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()
    return int(fields[11]), int(fields[12])


class Agent:
    def __init__(self, pid, url, n):
        self.pid, self.n = int(pid), int(n)
        u = urllib.parse.urlparse(url)
        self.path = u.path
        self.conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
        self.user = self.system = self.scrapes = 0

    def scrape(self):
        self.conn.request("GET", self.path, headers={"Accept-Encoding": "gzip"})
        r = self.conn.getresponse()
        r.read()
        if r.status != 200:
            raise SystemExit("interleave: HTTP %d from %s" % (r.status, self.path))

    def block(self):
        """Scrapes n times; returns the CPU milliseconds per scrape."""
        u0, s0 = cpu_ticks(self.pid)
        for _ in range(self.n):
            self.scrape()
        u1, s1 = cpu_ticks(self.pid)
        self.user += u1 - u0
        self.system += s1 - s0
        self.scrapes += self.n
        return ((u1 - u0) + (s1 - s0)) * 1000.0 / HZ / self.n

    def figures(self):
        ms = 1000.0 / HZ / self.scrapes
        return {"cpu_ms_per_scrape": (self.user + self.system) * ms, "user_ms_per_scrape": self.user * ms,
                "system_ms_per_scrape": self.system * ms, "scrapes": self.scrapes}


blocks = int(sys.argv[1])
a, b = Agent(*sys.argv[2:5]), Agent(*sys.argv[5:8])
for agent in (a, b):  # warm: buffers, connections, caches of their own
    for _ in range(20):
        agent.scrape()
ratios = []
for _ in range(blocks):
    x = a.block()
    y = b.block()
    ratios.append(y / x if x > 0 else 0.0)
print(json.dumps({"a": a.figures(), "b": b.figures(), "block_ratios": ratios}))
