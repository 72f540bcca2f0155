#!/usr/bin/env python3
"""Scrapes over TLS beside plain ones: for each agent, its CPU per scrape
(utime+stime) and the client's latency, on one kept-alive connection, on
a new connection each (a full handshake with TLS), and with TLS on a new
connection each that offers the last one's session (resumed when the
server issues tickets). The agents take turns, ROUNDS times, so that both
see the same spells of the machine; the figures are the rounds' medians.
Usage: tls.py CAFILE ROUNDS LABEL=PID,URL,N...
Prints a JSON object: rounds, and in agents, for each label and mode,
cpu_ms_per_scrape, p50_ms and resumed_share (of the connections)."""
import http.client
import json
import os
import socket
import ssl
import sys
import time
import urllib.parse

HZ = os.sysconf("SC_CLK_TCK")
cafile, rounds = sys.argv[1], int(sys.argv[2])
ctx = ssl.create_default_context(cafile=cafile)
ctx.check_hostname = False


def cpu_ticks(pid):
    fields = open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def request(conn, path):
    conn.request("GET", path, headers={"Accept-Encoding": "gzip"})
    r = conn.getresponse()
    r.read()  # TLS 1.3 tickets come after the handshake
    if r.status != 200:
        raise SystemExit("tls.py: HTTP %d" % r.status)


class Agent:
    def __init__(self, spec):
        self.label, rest = spec.split("=", 1)
        pid, url, n = rest.split(",")
        self.pid, self.n = int(pid), int(n)
        u = urllib.parse.urlparse(url)
        self.host, self.port, self.path, self.tls = u.hostname, u.port, u.path, u.scheme == "https"
        self.modes = ("kept_alive", "new", "resumed") if self.tls else ("kept_alive", "new")
        self.kept = self.connect()
        self.session = None
        self.results = {m: [] for m in self.modes}

    def connect(self, session=None):
        if not self.tls:
            return http.client.HTTPConnection(self.host, self.port, timeout=30)
        raw = socket.create_connection((self.host, self.port), timeout=30)
        s = ctx.wrap_socket(raw, session=session)
        c = http.client.HTTPConnection(self.host, self.port, timeout=30)
        c.sock = s
        return c

    def scrape(self, mode):
        """One scrape; True when its connection resumed a session."""
        if mode == "kept_alive":
            request(self.kept, self.path)
            return False
        c = self.connect(self.session if mode == "resumed" else None)
        request(c, self.path)
        resumed = False
        if self.tls:
            resumed = c.sock.session_reused
            self.session = c.sock.session
        c.close()
        return resumed

    def block(self, mode):
        self.scrape(mode)  # a kept connection, a session to resume
        lat, resumed = [], 0
        t0 = cpu_ticks(self.pid)
        for _ in range(self.n):
            s = time.perf_counter()
            resumed += self.scrape(mode)
            lat.append(time.perf_counter() - s)
        cpu = (cpu_ticks(self.pid) - t0) * 1000.0 / HZ / self.n
        lat.sort()
        self.results[mode].append({"cpu_ms_per_scrape": cpu, "p50_ms": lat[len(lat) // 2] * 1000,
                                   "resumed_share": resumed / self.n})

    def figures(self):
        out = {}
        for mode, rs in self.results.items():
            out[mode] = {k: sorted(r[k] for r in rs)[len(rs) // 2] for k in rs[0]}
            out[mode]["scrapes"] = self.n * len(rs)
        return out


agents = [Agent(a) for a in sys.argv[3:]]
for _ in range(rounds):
    for mode in ("kept_alive", "new", "resumed"):
        for a in agents:
            if mode in a.modes:
                a.block(mode)
print(json.dumps({"rounds": rounds, "agents": {a.label: a.figures() for a in agents}}))
