#!/usr/bin/env python3
"""Scrape latency over a stretch of time, as Prometheus scrapes (gzip,
keep-alive: one connection throughout), a scrape every PAUSE_MS after the
last one ends, so that scrapes fall on every moment of what the agent does
meanwhile. Usage: scrape_latency.py URL SECONDS PAUSE_MS
Prints a JSON object: scrapes, p50_ms, p99_ms, max_ms, seconds."""
import http.client
import json
import sys
import time
import urllib.parse

url, seconds, pause = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]) / 1000
u = urllib.parse.urlparse(url)
conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
headers = {"Accept-Encoding": "gzip"}
lat = []
start = time.monotonic()
while time.monotonic() - start < seconds:
    t0 = time.perf_counter()
    conn.request("GET", u.path, headers=headers)
    r = conn.getresponse()
    r.read()
    if r.status != 200:
        raise SystemExit("scrape_latency: HTTP %d" % r.status)
    lat.append(time.perf_counter() - t0)
    time.sleep(pause)
elapsed = time.monotonic() - start
conn.close()
lat.sort()
print(json.dumps({"scrapes": len(lat), "seconds": elapsed, "p50_ms": lat[len(lat) // 2] * 1000,
                  "p99_ms": lat[min(len(lat) - 1, int(len(lat) * 0.99))] * 1000, "max_ms": lat[-1] * 1000}))
