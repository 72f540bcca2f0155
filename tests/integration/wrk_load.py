#!/usr/bin/env python3
"""wrk against a running agent, with its memory around the load: wrk's
CONNECTIONS for WARMUP seconds first (buffers, connections, caches of its
own: what a first load leaves is not growth), then the agent's RSS and
private memory (smaps_rollup's Private_Clean + Private_Dirty), then wrk
for SECONDS, then the memory again once the connections are gone.
Usage: wrk_load.py PID URL CONNECTIONS WARMUP SECONDS
Prints a JSON object: requests, rps, p99_ms, socket_errors (wrk's connect,
read, write and timeout errors), non_2xx, and rss_idle_kb (before any
load), rss_before_kb, private_before_kb, rss_after_kb, private_after_kb."""
import json
import re
import subprocess
import sys
import time

pid, url, conns, warmup, seconds = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])


def memory():
    """(RSS, private) in kB."""
    rss = int(re.search(r"^VmRSS:\s+(\d+)", open("/proc/%d/status" % pid).read(), re.M).group(1))
    rollup = open("/proc/%d/smaps_rollup" % pid).read()
    private = sum(int(x) for x in re.findall(r"^Private_(?:Clean|Dirty):\s+(\d+)", rollup, re.M))
    return rss, private


def wrk(duration):
    # a timeout of 10 s: on a loaded machine a slow answer is not a socket error
    out = subprocess.run(["wrk", "-t2", "-c%d" % conns, "-d%ds" % duration, "--timeout", "10s", "--latency", "-H",
                          "Accept-Encoding: gzip", url], capture_output=True, text=True, check=True).stdout
    m = re.search(r"(\d+) requests in", out)
    res = {"requests": int(m.group(1)) if m else 0}
    m = re.search(r"Requests/sec:\s+([\d.]+)", out)
    res["rps"] = float(m.group(1)) if m else 0.0
    m = re.search(r"99%\s+([\d.]+)(us|ms|s)\b", out)
    res["p99_ms"] = float(m.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[m.group(2)] if m else 0.0
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    res["socket_errors"] = sum(int(x) for x in m.groups()) if m else 0
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    res["non_2xx"] = int(m.group(1)) if m else 0
    return res


def settled():
    """The memory once wrk's connections are closed on the agent's side."""
    time.sleep(1)
    return memory()


rss_idle, _ = memory()
if warmup > 0:
    wrk(warmup)
rss_before, private_before = settled()
out = wrk(seconds)
rss_after, private_after = settled()
out.update({"connections": conns, "seconds": seconds, "rss_idle_kb": rss_idle, "rss_before_kb": rss_before,
            "private_before_kb": private_before, "rss_after_kb": rss_after, "private_after_kb": private_after})
print(json.dumps(out))
