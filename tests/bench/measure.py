#!/usr/bin/env python3
"""Measures one running agent over HTTP, as Prometheus scrapes it (gzip,
keep-alive), and as a client that opens a connection per scrape does.
Usage: measure.py NAME PID URL SCRAPES SECONDS
Prints a JSON object: CPU per scrape (from the server's own utime+stime),
the same on a new connection each (a tenth of the scrapes),
user and system parts, sequential latency p50/p99, RSS and threads before and after, heap (RssAnon)
before and after, private memory (smaps_rollup's Private_Clean and
Private_Dirty) after, idle wake-ups per second, and wrk's throughput and
p99."""
import http.client
import json
import os
import re
import subprocess
import sys
import time
import urllib.parse

name, pid, url, scrapes, seconds = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), float(sys.argv[5])
HZ = os.sysconf("SC_CLK_TCK")


def cpu_ticks(p):
    """(user, system) ticks of the process."""
    fields = open("/proc/%d/stat" % p).read().rsplit(")", 1)[1].split()
    return int(fields[11]), int(fields[12])


def status(p, key):
    for line in open("/proc/%d/status" % p):
        if line.startswith(key + ":"):
            return int(line.split()[1])
    return 0


def wakeups(p):
    total = 0
    for t in os.listdir("/proc/%d/task" % p):
        for line in open("/proc/%d/task/%s/status" % (p, t)):
            if line.startswith(("voluntary_ctxt_switches", "nonvoluntary_ctxt_switches")):
                total += int(line.split()[1])
    return total


u = urllib.parse.urlparse(url)
out = {"name": name}
out["rss_idle_kb"] = status(pid, "VmRSS")
out["threads_idle"] = status(pid, "Threads")
w0 = wakeups(pid)
time.sleep(5)
out["idle_wakeups_per_s"] = (wakeups(pid) - w0) / 5.0

conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
headers = {"Accept-Encoding": "gzip"}


def scrape():
    conn.request("GET", u.path, headers=headers)
    r = conn.getresponse()
    body = r.read()
    if r.status != 200:
        raise SystemExit("%s: HTTP %d" % (name, r.status))
    return len(body)


for _ in range(20):
    scrape()
out["rss_warm_kb"] = status(pid, "VmRSS")
out["heap_warm_kb"] = status(pid, "RssAnon")
lat = []
c0 = cpu_ticks(pid)
t_end = time.time() + seconds
while len(lat) < scrapes and time.time() < t_end:
    t0 = time.perf_counter()
    out["body_bytes"] = scrape()
    lat.append(time.perf_counter() - t0)
c1 = cpu_ticks(pid)
lat.sort()
out["sequential_scrapes"] = len(lat)
out["user_ms_per_scrape"] = (c1[0] - c0[0]) * 1000.0 / HZ / len(lat)
out["system_ms_per_scrape"] = (c1[1] - c0[1]) * 1000.0 / HZ / len(lat)
out["cpu_ms_per_scrape"] = out["user_ms_per_scrape"] + out["system_ms_per_scrape"]
out["p50_ms"] = lat[len(lat) // 2] * 1000
out["p99_ms"] = lat[min(len(lat) - 1, int(len(lat) * 0.99))] * 1000
out["heap_after_seq_kb"] = status(pid, "RssAnon")
conn.close()

# a new connection per scrape (a client without keep-alive)
fresh = 0
c0 = cpu_ticks(pid)
t_end = time.time() + seconds / 4
while fresh < max(1, scrapes // 10) and time.time() < t_end:
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
    scrape()
    conn.close()
    fresh += 1
c1 = cpu_ticks(pid)
out["newconn_scrapes"] = fresh
out["newconn_cpu_ms_per_scrape"] = (c1[0] - c0[0] + c1[1] - c0[1]) * 1000.0 / HZ / fresh

wrk = subprocess.run(["wrk", "-t2", "-c8", "-d10s", "--latency", "-H", "Accept-Encoding: gzip", url],
                     capture_output=True, text=True, check=True).stdout
m = re.search(r"Requests/sec:\s+([\d.]+)", wrk)
out["wrk_rps"] = float(m.group(1)) if m else 0.0
m = re.search(r"99%\s+([\d.]+)(us|ms|s)\b", wrk)
if m:
    out["wrk_p99_ms"] = float(m.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[m.group(2)]
out["rss_after_kb"] = status(pid, "VmRSS")
# private memory: what this process alone holds, its own pages of shared
# libraries and of its binary included
out["private_after_kb"] = 0
for line in open("/proc/%d/smaps_rollup" % pid):
    if line.startswith("Pss:"):
        out["pss_after_kb"] = int(line.split()[1])
    elif line.startswith(("Private_Clean:", "Private_Dirty:")):
        out["private_after_kb"] += int(line.split()[1])
out["heap_after_kb"] = status(pid, "RssAnon")
# resident kB of each mapped file (libraries), to say where the RSS goes
by_file, name = {}, None
for line in open("/proc/%d/smaps" % pid):
    parts = line.split()
    if re.match(r"^[0-9a-f]+-[0-9a-f]+ ", line):
        name = os.path.basename(parts[5]) if len(parts) > 5 and parts[5].startswith("/") else None
    elif parts and parts[0] == "Rss:" and name:
        by_file[name] = by_file.get(name, 0) + int(parts[1])
out["rss_by_file_kb"] = by_file
out["threads_after"] = status(pid, "Threads")
print(json.dumps(out))
