#!/usr/bin/env python3
"""Writes tests/bench/RESULTS.md from run.sh's measurements (argv[1] is its
temporary directory). Every ratio compares figures from the same run."""
import datetime
import json
import os
import platform
import re
import subprocess
import sys

T, vigie_bin, ne_bin, series_v, series_n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
def rounds(name):
    """The measure.py outputs of every round, in order."""
    out, r = [], 1
    while os.path.exists(os.path.join(T, "%s.%d.json" % (name, r))):
        out.append(json.load(open(os.path.join(T, "%s.%d.json" % (name, r)))))
        r += 1
    return out


def median(objs):
    """Each numeric figure's median over the rounds."""
    m = dict(objs[0])
    for k, x in objs[0].items():
        if isinstance(x, (int, float)):
            xs = sorted(o[k] for o in objs if k in o)
            m[k] = xs[len(xs) // 2] if len(xs) % 2 else (xs[len(xs) // 2 - 1] + xs[len(xs) // 2]) / 2
    return m


def summary(objs):
    """Medians, but idle figures from before any load (round 1), and memory
    and wake-ups at their highest over the rounds."""
    m = median(objs)
    for k in ("rss_idle_kb", "threads_idle"):
        m[k] = objs[0][k]
    for k in ("rss_after_kb", "pss_after_kb", "private_after_kb", "heap_after_kb", "threads_after",
              "idle_wakeups_per_s"):
        m[k] = max(o.get(k, 0) for o in objs)
    return m


v_rounds, n_rounds = rounds("vigie"), rounds("ne")
v, n = summary(v_rounds), summary(n_rounds)
# CPU per scrape from the alternating blocks (interleave.py), which both
# agents ran through the same spells of the machine
inter = json.load(open(os.path.join(T, "interleave.json")))
for k in ("cpu_ms_per_scrape", "user_ms_per_scrape", "system_ms_per_scrape"):
    v[k], n[k] = inter["a"][k], inter["b"][k]
block_ratios = sorted(inter["block_ratios"])


def kv(path):
    return {k: float(x) for k, x in re.findall(r"(\w+)=([\d.]+)", open(os.path.join(T, path)).read())}


floor = kv("floor.txt")["cpu_us_per_read"]
# the kernel's part of vigie's own scrape (bench_floor --replay), where strace was there to see it
replay = kv("floor-replay.txt") if os.path.exists(os.path.join(T, "floor-replay.txt")) else None
gz = kv("inproc_gzip.txt")
gzip_alone = kv("gzip.txt")
text = kv("inproc_text.txt")
cg = {}
for line in open(os.path.join(T, "callgrind.txt")):
    name, instr, series = line.split()
    cg[name] = (int(instr), int(series))

cpu_model = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
rev = subprocess.run(["git", "rev-parse", "--short=12", "HEAD"], capture_output=True, text=True).stdout.strip()
mib = 1024.0


def ok(cond):
    return "met" if cond else "**missed**"


rows = []
cpu_ratio = n["cpu_ms_per_scrape"] / max(v["cpu_ms_per_scrape"], 1e-9)
p50_ratio = n["p50_ms"] / v["p50_ms"]
rps_ratio = v["wrk_rps"] / max(n["wrk_rps"], 1e-9)
heap_growth = max(r["heap_after_seq_kb"] - r["heap_warm_kb"] for r in v_rounds)
# the machine's load average (1 min) when the run started (run.sh keeps
# it) and now, at its end: what else ran beside the two agents
load_path = os.path.join(T, "loadavg.start")
load_start = float(open(load_path).read().split()[0]) if os.path.exists(load_path) else None
load_note = "The 1-minute load average of this %d-CPU machine: %s%.1f at its end." % (
    os.cpu_count(), "%.1f when the run started, " % load_start if load_start is not None else "", os.getloadavg()[0])
out = []
out.append("# vigie benchmark\n")
out.append("Written by `tools/setup.sh bench` (tests/bench/run.sh) on %s, vigie %s. Machine: %d CPU (%s), "
           "Linux %s. vigie's release build and Debian's prometheus-node-exporter 1.5.0 run side by side on "
           "loopback with the same collectors (%s), scraped as Prometheus does (gzip, keep-alive); every ratio "
           "comes from this one run: CPU per scrape from blocks in which the two agents alternate, the rest as the "
           "median of %d rounds in which they take turns. Shared "
           "machines are noisy: read the ratios, not the absolute times. %s\n"
           % (datetime.date.today().isoformat(), rev, os.cpu_count(), cpu_model, platform.release(),
              ", ".join(os.environ.get("BENCH_COLLECTORS", "?").split()), len(v_rounds), load_note))
out.append("## Side by side\n")
out.append("| | vigie | node_exporter | ratio | target | |")
out.append("|---|---|---|---|---|---|")
out.append("| CPU per scrape (server's utime+stime, %d alternating blocks of %d and %d scrapes) | %.3f ms | %.3f ms "
           "| 1/%.1f | at most 1/25 | %s |"
           % (len(block_ratios), inter["a"]["scrapes"] // len(block_ratios), inter["b"]["scrapes"] // len(block_ratios),
              v["cpu_ms_per_scrape"], n["cpu_ms_per_scrape"], cpu_ratio, ok(cpu_ratio >= 25)))
newconn_ratio = n["newconn_cpu_ms_per_scrape"] / max(v["newconn_cpu_ms_per_scrape"], 1e-9)
out.append("| CPU per scrape on a new connection each (sequential rounds, %d scrapes) | %.3f ms | %.3f ms | 1/%.1f "
           "| at most 1/20 | %s |"
           % (v["newconn_scrapes"], v["newconn_cpu_ms_per_scrape"], n["newconn_cpu_ms_per_scrape"], newconn_ratio,
              ok(newconn_ratio >= 20)))
out.append("| CPU ratio in the blocks: lowest, median, highest | 1/%.1f, 1/%.1f, 1/%.1f | | | | |"
           % (block_ratios[0], block_ratios[len(block_ratios) // 2], block_ratios[-1]))
out.append("| CPU ratio in each round (the sequential scrapes below) | %s | | | | |" % ", ".join(
    "1/%.1f" % (b["cpu_ms_per_scrape"] / max(a["cpu_ms_per_scrape"], 1e-9)) for a, b in zip(v_rounds, n_rounds)))
out.append("| of which in the kernel (stime) / in vigie (utime) | %.3f / %.3f ms | %.3f / %.3f ms | | | |"
           % (v["system_ms_per_scrape"], v["user_ms_per_scrape"], n["system_ms_per_scrape"], n["user_ms_per_scrape"]))
out.append("| latency p50, sequential | %.3f ms | %.3f ms | 1/%.1f | at most 1/10 | %s |"
           % (v["p50_ms"], n["p50_ms"], p50_ratio, ok(p50_ratio >= 10)))
out.append("| latency p99, sequential | %.3f ms | %.3f ms | 1/%.1f | | |"
           % (v["p99_ms"], n["p99_ms"], n["p99_ms"] / v["p99_ms"]))
out.append("| wrk -t2 -c8, requests/s | %.0f | %.0f | %.1fx | at least 20x | %s |"
           % (v["wrk_rps"], n["wrk_rps"], rps_ratio, ok(rps_ratio >= 20)))
out.append("| wrk -t2 -c8, p99 | %.2f ms | %.2f ms | 1/%.1f | | |"
           % (v.get("wrk_p99_ms", 0), n.get("wrk_p99_ms", 0), n.get("wrk_p99_ms", 0) / max(v.get("wrk_p99_ms", 1e-9), 1e-9)))
out.append("| RSS idle | %.1f MiB | %.1f MiB | 1/%.1f | | |" % (v["rss_idle_kb"] / mib, n["rss_idle_kb"] / mib, n["rss_idle_kb"] / v["rss_idle_kb"]))
out.append("| RSS after the load | %.1f MiB | %.1f MiB | 1/%.1f | at most 5 MiB | %s |"
           % (v["rss_after_kb"] / mib, n["rss_after_kb"] / mib, n["rss_after_kb"] / v["rss_after_kb"], ok(v["rss_after_kb"] <= 5 * 1024)))
out.append("| of which heap and stacks (RssAnon) | %.1f MiB | %.1f MiB | | | |" % (v["heap_after_kb"] / mib, n["heap_after_kb"] / mib))
out.append("| PSS after the load (shared pages counted in part) | %.1f MiB | %.1f MiB | | | |" % (v.get("pss_after_kb", 0) / mib, n.get("pss_after_kb", 0) / mib))
out.append("| private memory after the load (smaps_rollup: Private_Clean + Private_Dirty) | %.1f MiB | %.1f MiB | "
           "1/%.1f | | |" % (v.get("private_after_kb", 0) / mib, n.get("private_after_kb", 0) / mib,
                             n.get("private_after_kb", 0) / max(v.get("private_after_kb", 0), 1)))
v16_path = os.path.join(T, "vigie16.json")
if os.path.exists(v16_path):
    v16 = json.load(open(v16_path))
    out.append("| RSS after the load with the sixteen collectors of the core issue's start (cpu to textfile, "
               "5620-5912 kB then) | %d kB, private %d kB | | | no worse than then | %s |"
               % (v16["rss_after_kb"], v16.get("private_after_kb", 0), ok(v16["rss_after_kb"] <= 5912)))
out.append("| threads idle / after load | %d / %d | %d / %d | | | |" % (v["threads_idle"], v["threads_after"], n["threads_idle"], n["threads_after"]))
out.append("| binary size | %.0f kB | %.0f kB | 1/%.0f | | |" % (os.path.getsize(vigie_bin) / 1024, os.path.getsize(ne_bin) / 1024, os.path.getsize(ne_bin) / os.path.getsize(vigie_bin)))
out.append("| series per scrape, gzip body | %d, %d bytes | %d, %d bytes | | | |" % (series_v, v["body_bytes"], series_n, n["body_bytes"]))
out.append("| wake-ups per second, idle | %.1f | %.1f | | none beyond energy sampling | %s |"
           % (v["idle_wakeups_per_s"], n["idle_wakeups_per_s"], ok(v["idle_wakeups_per_s"] < 0.5)))
out.append("| heap growth over %d scrapes | %+d kB | | | none | %s |" % (v["sequential_scrapes"], heap_growth, ok(heap_growth <= 64)))
out.append("")
out.append("## The floor\n")
out.append("The cheapest a scrape can be: reading /proc/stat, meminfo, diskstats, net/dev, loadavg and mountinfo "
           "and statfs'ing every mount, in-process, with nothing parsed (tests/bench/bench_floor.c).\n")
out.append("| | CPU per scrape | ratio to the floor |")
out.append("|---|---|---|")
out.append("| the floor | %.0f us | 1 |" % floor)
out.append("| vigie in-process: collect and encode (text) | %.0f us | %.1f |" % (text["cpu_us_per_scrape"], text["cpu_us_per_scrape"] / floor))
out.append("| vigie in-process: collect, encode and gzip | %.0f us | %.1f |" % (gz["cpu_us_per_scrape"], gz["cpu_us_per_scrape"] / floor))
out.append("| vigie over HTTP (server CPU) | %.0f us | %.1f |" % (v["cpu_ms_per_scrape"] * 1000, v["cpu_ms_per_scrape"] * 1000 / floor))
floor_enc = floor + gz["encode_us_per_scrape"]
out.append("| the floor plus encoding (vigie's text encoding and gzip, %.0f us) | %.0f us | %.1f |"
           % (gz["encode_us_per_scrape"], floor_enc, floor_enc / floor))
out.append("| allocations per scrape in steady state | %.0f | |" % gz["allocs_per_scrape"])
if replay:
    out.append("| the kernel's part of vigie's scrape: the %d calls strace saw one scrape make, replayed with nothing "
               "parsed (bench_floor --replay) | %.0f us | %.1f |"
               % (replay["calls"], replay["cpu_us_per_read"], replay["cpu_us_per_read"] / floor))
out.append("")
if replay:
    out.append("node_exporter's CPU per scrape is %.0fx the kernel's part of vigie's scrape: the ratio an agent "
               "reading the same kernel sources would reach if the rest (parsing, encoding, gzip, HTTP) cost nothing. "
               "vigie over HTTP is %.1fx that part; in-process, collect, encode and gzip %.1fx."
               % (n["cpu_ms_per_scrape"] * 1000 / replay["cpu_us_per_read"],
                  v["cpu_ms_per_scrape"] * 1000 / replay["cpu_us_per_read"],
                  gz["cpu_us_per_scrape"] / replay["cpu_us_per_read"]))
    out.append("")
out.append("Target: CPU per scrape within 2x of the floor plus encoding. In-process, vigie's collect, encode and "
           "gzip is %.1fx it; over HTTP, with loopback TCP and the HTTP server, %.1fx: %s (judged over HTTP)."
           % (gz["cpu_us_per_scrape"] / floor_enc, v["cpu_ms_per_scrape"] * 1000 / floor_enc,
              ok(v["cpu_ms_per_scrape"] * 1000 <= 2 * floor_enc)))
out.append("")
out.append("gzip alone, on this run's exposition (%d bytes; tests/bench/bench_gzip.c): vigie's ISA-L igzip at "
           "level 0 with a table made from the exposition %.0f us for %d bytes; zlib at level 1, its cheapest setting, %.0f us for %d bytes."
           % (gzip_alone["input_bytes"], gzip_alone["isal_us"], gzip_alone["isal_bytes"], gzip_alone["zlib_us"],
              gzip_alone["zlib_bytes"]))
out.append("")
out.append("## Instructions per scrape (callgrind)\n")
out.append("Instruction counts do not depend on how busy the machine is. The guard test `callgrind-guard` keeps "
           "the figure for a fixed fixture machine in tests/bench/callgrind-baseline.txt.\n")
out.append("| input | instructions per scrape | series | per series |")
out.append("|---|---|---|---|")
labels = {"live": "this machine, all collectors, gzip", "live-text": "this machine, all collectors, text",
          "cpu4": "cpu, 4 CPUs", "cpu4-plugin": "cpu, 4 CPUs, and the example plugin",
          "cpu64": "cpu, 64 CPUs", "cpu256": "cpu, 256 CPUs",
          "mounts10": "filesystem, 10 mounts", "mounts500": "filesystem, 500 mounts",
          "disks4": "diskstats, 4 disks", "disks64": "diskstats, 64 disks"}
for k, label in labels.items():
    if k in cg:
        i, s = cg[k]
        out.append("| %s | %s | %d | %s |" % (label, format(i, ","), s, format(i // max(s, 1), ",")))
if "cpu4" in cg and "cpu4-plugin" in cg:
    (i0, s0), (i1, s1) = cg["cpu4"], cg["cpu4-plugin"]
    out.append("")
    out.append("The example plugin (examples/plugin, %d series with its status ones) adds %s instructions to a "
               "scrape: the copy of its snapshot and the encoding of its series, as any collector's; its collect "
               "runs on its own thread, not in the scrape." % (s1 - s0, format(i1 - i0, ",")))
out.append("")
out.append("## Scrapes while the push queue's disk crawls\n")
slow_path = os.path.join(T, "slow-disk.json")
sd = json.load(open(slow_path)) if os.path.exists(slow_path) else {"unavailable": "slow-disk.sh did not run"}
if "unavailable" in sd:
    out.append("Not measured in this run: %s. (tests/bench/slow-disk.sh mounts tests/integration/fuse_slow.c, "
               "a FUSE file system whose fsync crawls, in a private mount namespace.)\n" % sd["unavailable"])
else:
    sl, pl = sd["slow"], sd["plain"]
    out.append("tests/bench/slow-disk.sh: vigie pushes at a %d s interval to a local receiver "
               "(tests/integration/fake_receiver.py), its queue directory on a FUSE passthrough whose fsync sleeps "
               "%d ms (tests/integration/fuse_slow.c), and is scraped as Prometheus scrapes (gzip, one kept-alive "
               "connection, the next scrape 10 ms after the last) for %.0f s; and, just before in the same run, "
               "the same with the queue on the plain disk underneath (%s). Default push settings.\n"
               % (sd["push_interval_s"], sd["fsync_ms"], sd["seconds"], sd["plain_fs"]))
    out.append("| queue on | scrapes | latency p50 | p99 | max | batches collected per second | queued to disk per "
               "second | waiting in memory at the end | samples dropped (disk_slow) |")
    out.append("|---|---|---|---|---|---|---|---|---|")
    for label, r in (("fsync %d ms" % sd["fsync_ms"], sl), ("the plain disk", pl)):
        out.append("| %s | %d | %.2f ms | %.2f ms | %.2f ms | %.2f | %.2f | %d | %d |"
                   % (label, r["scrapes"], r["p50_ms"], r["p99_ms"], r["max_ms"], r["collected_per_s"],
                      r["queued_per_s"], r["memory_batches"], r["dropped_disk_slow"]))
    out.append("")
    held = (sl["max_ms"] >= sd["fsync_ms"] / 10 or sl["collected_per_s"] < 0.9 / sd["push_interval_s"]
            or sl["collections_skipped"] > 0)
    out.append("Target: no scrape waits on the queue's disk (the slowest under a tenth of one fsync, a collection "
               "every interval): %s. %s" % (ok(not held), (
        "While each fsync takes %d ms, the slowest of %d scrapes took %.1f ms (%.1f ms with the queue on the plain "
        "disk) and the push still collected %.2f batches a second: the disk slows only what reaches it, the rest "
        "waits in memory (at most queue_memory_batches, then counted as disk_slow)."
        % (sd["fsync_ms"], sl["scrapes"], sl["max_ms"], pl["max_ms"], sl["collected_per_s"])) if not held else (
        "While each fsync takes %d ms, the slowest scrape took %.1f ms (%.1f ms on the plain disk) and the push "
        "collected %.2f batches a second at a %d s interval: the crawling disk held scrapes or the push clock."
        % (sd["fsync_ms"], sl["max_ms"], pl["max_ms"], sl["collected_per_s"], sd["push_interval_s"]))))
    out.append("")
out.append("## The energy collector\n")
energy_cpu_path, energy_path = os.path.join(T, "energy-cpu.json"), os.path.join(T, "energy.json")
if os.path.exists(energy_cpu_path) and os.path.exists(energy_path):
    ecpu, en = json.load(open(energy_cpu_path)), json.load(open(energy_path))
    on, off = ecpu["a"], ecpu["b"]
    sources = [l.split()[0] for l in open(os.path.join(T, "energy-sources.txt"))
               if l.startswith("vigie_energy_source_up") and l.split()[-1] == "1"]
    working = ", ".join(re.sub(r'.*source="([^"]*)".*', r"\1", x) for x in sources) or "none"
    out.append("CPU per scrape of the agent above with the energy collector on, against the same agent without it, "
               "in %d alternating blocks of %d scrapes (gzip, keep-alive); the sources that work on this machine: %s. "
               "The collector's refreshes and samples between scrapes are in its figure.\n"
               % (len(ecpu["block_ratios"]), on["scrapes"] // max(len(ecpu["block_ratios"]), 1), working))
    out.append("| | CPU per scrape | of which kernel / vigie | difference |")
    out.append("|---|---|---|---|")
    out.append("| energy off | %.3f ms | %.3f / %.3f ms | |"
               % (off["cpu_ms_per_scrape"], off["system_ms_per_scrape"], off["user_ms_per_scrape"]))
    out.append("| energy on | %.3f ms | %.3f / %.3f ms | %+.3f ms (%+.0f%%) |"
               % (on["cpu_ms_per_scrape"], on["system_ms_per_scrape"], on["user_ms_per_scrape"],
                  on["cpu_ms_per_scrape"] - off["cpu_ms_per_scrape"],
                  100 * (on["cpu_ms_per_scrape"] / max(off["cpu_ms_per_scrape"], 1e-9) - 1)))
    out.append("")
    out.append("The sampler on an idle host (tests/bench/energy.sh): agents with the energy collector alone on fixture "
               "trees, nobody scraping them, for %.0f s at once; wake-ups counted as tests/integration/idle-wakeups.sh "
               "counts them (every context switch of every thread; the voluntary ones, the agent's own sleeps, "
               "beside them). RAPL's counters wrap at max_energy_range_uj: vigie reads them every half of the time "
               "the fastest zone takes to wrap at its maximum power (its power constraint, the package's for a "
               "sub-zone, else 1000 W, or [collector.energy] rapl_max_watts); hwmon and the model have nothing that "
               "wraps and are read at scrapes only.\n" % en["seconds"])
    # what one sample costs, from the tree whose sampler is fast enough to count
    fast = next((c for c in en["cases"] if c["name"] == "rapl_fast_wrap" and c["derivation"]), None)
    per_sample = fast["voluntary_per_min"] / fast["derivation"]["expected_per_min"] if fast else 3
    out.append("| sources | fastest wrap at maximum power | reads needed per minute (one a wrap) | vigie's period "
               "| samples per minute | wake-ups per minute (voluntary) | target | |")
    out.append("|---|---|---|---|---|---|---|---|")
    labels = {"rapl": "RAPL, Intel fixture (2 packages, core, uncore, dram, psys)",
              "rapl_fast_wrap": "RAPL, the same with every range cut to 10 kJ",
              "hwmon": "hwmon power and energy (fixture)", "model": "the model (no sensor, this host's /proc/stat)"}
    for c in en["cases"]:
        d = c["derivation"]
        if d:
            wrap = "%.0f s (%s: %.0f kJ at %.0f W, %s)" % (d["wrap_s"], d["zone"], d["range_j"] / 1e3, d["max_w"],
                                                         d["bound"])
            need, period, samples = "%.2f" % (60 / d["wrap_s"]), "%.0f s" % d["period_s"], d["expected_per_min"]
            target = "the samples' wake-ups only"
            # one sample more or less in the window
            met = c["voluntary_per_min"] <= per_sample * (samples + 60 / en["seconds"]) + 0.5
        else:
            wrap, need, period, samples, target = "nothing wraps", "0", "none", 0, "none"
            met = c["wakeups_per_min"] == 0
        out.append("| %s | %s | %s | %s | %.2f | %.1f (%.1f) | %s | %s |"
                   % (labels.get(c["name"], c["name"]), wrap, need, period, samples, c["wakeups_per_min"],
                      c["voluntary_per_min"], target, ok(met)))
    if fast:
        rapl = next((c for c in en["cases"] if c["name"] == "rapl" and c["derivation"]), None)
        out.append("")
        out.append("vigie reads twice per wrap, so that a timer late by up to half a wrap still misses none. Each "
                   "sample costs %.1f voluntary context switches (the cut-range tree: %.1f a minute for %.0f "
                   "samples; measured per thread, one of the scheduler's threads wakes twice and another once).%s"
                   % (per_sample, fast["voluntary_per_min"], fast["derivation"]["expected_per_min"],
                      " On the Intel fixture a sample comes every %.0f s, so the %.0f s window sees one at most."
                      % (rapl["derivation"]["period_s"], en["seconds"]) if rapl else ""))
else:
    out.append("Not measured in this run.")
out.append("")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fleet  # noqa: E402 (tests/bench/fleet.py, beside this script)
import optin  # noqa: E402 (tests/bench/optin.py)
out.extend(optin.section(os.path.join(T, "optin.json")))
out.extend(fleet.section(os.path.join(T, "fleet.json")))
out.append("## Scrapes over TLS\n")
tls_path = os.path.join(T, "tls.json")
if not os.path.exists(tls_path):
    out.append("Not measured in this run (tests/bench/tls.py did not run).\n")
else:
    tls_run = json.load(open(tls_path))
    tl = tls_run["agents"]
    out.append("tests/bench/tls.py: the agents above, and the same two again with one web config (node_exporter's "
               "format, TLS only, a self-signed RSA 2048 certificate), take turns in %d rounds; each figure is the "
               "rounds' median. CPU is the server's utime+stime per scrape; latency is the client's (Python's "
               "ssl and http.client, gzip). A new connection with TLS pays a full handshake; resumed, it offers "
               "the session of the connection before it.\n" % tls_run["rounds"])
    out.append("| scrape | vigie CPU | node_exporter CPU | ratio | vigie p50 | node_exporter p50 | resumed (vigie, "
               "node_exporter) |")
    out.append("|---|---|---|---|---|---|---|")
    for label, a, b, mode in (("HTTP, kept alive", "vigie", "ne", "kept_alive"),
                              ("HTTP, a new connection each", "vigie", "ne", "new"),
                              ("HTTPS, kept alive", "vigie_tls", "ne_tls", "kept_alive"),
                              ("HTTPS, a new connection each (full handshake)", "vigie_tls", "ne_tls", "new"),
                              ("HTTPS, a new connection each, session resumed", "vigie_tls", "ne_tls", "resumed")):
        x, y = tl[a][mode], tl[b][mode]
        out.append("| %s | %.3f ms | %.3f ms | 1/%.1f | %.2f ms | %.2f ms | %s |"
                   % (label, x["cpu_ms_per_scrape"], y["cpu_ms_per_scrape"],
                      y["cpu_ms_per_scrape"] / max(x["cpu_ms_per_scrape"], 1e-9), x["p50_ms"], y["p50_ms"],
                      "%.0f%%, %.0f%%" % (x["resumed_share"] * 100, y["resumed_share"] * 100)
                      if mode == "resumed" else ""))
    out.append("")
out.append("## Load: wrk with 64 connections for 30 s\n")
loads = {k: json.load(open(os.path.join(T, "load.%s.json" % k))) for k in ("vigie", "ne", "vigie_tls", "ne_tls")
         if os.path.exists(os.path.join(T, "load.%s.json" % k))}
if len(loads) < 4:
    out.append("Not measured in this run (tests/integration/wrk_load.py did not run).\n")
else:
    out.append("tests/integration/wrk_load.py: `wrk -t2 -c64 -d30s --timeout 10s` against /metrics (gzip) after 2 s of the same "
               "to warm up, over HTTP and over HTTPS (the web config above); vigie with `max_requests = 100` and "
               "`max_requests_per_client = 0`, so that one client may hold 64 connections, node_exporter with "
               "`--web.max-requests=100` (at its default, 40, it answers 503 past 40 at once). Memory is read before "
               "the 30 s and 1 s after them: RSS, and private memory (smaps_rollup's Private_Clean and "
               "Private_Dirty). Errors are wrk's socket errors (connect, read, write, timeout) and answers not 200.\n")
    out.append("| | requests/s | p99 | errors | RSS before / after | private before / after |")
    out.append("|---|---|---|---|---|---|")
    for k, label in (("vigie", "vigie, HTTP"), ("ne", "node_exporter, HTTP"), ("vigie_tls", "vigie, HTTPS"),
                     ("ne_tls", "node_exporter, HTTPS")):
        r = loads[k]
        out.append("| %s | %.0f | %.1f ms | %d | %.1f / %.1f MiB | %.1f / %.1f MiB |"
                   % (label, r["rps"], r["p99_ms"], r["socket_errors"] + r["non_2xx"], r["rss_before_kb"] / mib,
                      r["rss_after_kb"] / mib, r["private_before_kb"] / mib, r["private_after_kb"] / mib))
    out.append("")
# resident kB of the libraries GnuTLS brings, and of libc and ld.so, in
# the round where vigie's RSS peaked
peak = max(v_rounds, key=lambda r: r["rss_after_kb"]).get("rss_by_file_kb", {})
tls_libs = ("libgnutls", "libp11-kit", "libnettle", "libhogweed", "libgmp", "libtasn1", "libunistring", "libidn2",
            "libffi")
tls_kb = sum(kb for f, kb in peak.items() if f.startswith(tls_libs))
libc_kb = sum(kb for f, kb in peak.items() if f.startswith(("libc.so", "ld-linux")))
gz_share = 1 - cg["live-text"][0] / cg["live"][0] if "live" in cg and "live-text" in cg else 0
out.append("## Where the time goes, and what would reach the missed targets\n")
out.append("""- **CPU per scrape** (target: 1/25 of node_exporter's with all of its default collectors, here %(target).0f us).
  Of vigie's %(total).0f us, %(sys).0f us are the kernel's (stime): making each procfs and sysfs file at
  every read, statfs, the rtnetlink dump, and loopback TCP, whose receiving side the kernel charges to
  the sender; and %(user).0f us are vigie's own (utime), of which gzip is about %(gzpct).0f%% by instruction
  count (callgrind, above: %(gzi)s of %(alli)s instructions per scrape). %(replay_text)s
  Steady state allocates nothing, files stay open between scrapes (pread), connections stay open
  (keep-alive), numbers print without printf, a series seen in the last scrape copies its name and
  labels from it, and gzip is ISA-L's igzip at level 0 with Huffman codes made from a recent body
  (alone, above: %(isal).0f us against zlib's %(zlib).0f us). Sixteen of netclass's twenty-two
  attributes per interface come from one rtnetlink dump, netdev's counters from the same dump, and two
  attributes are read once per interface; the mount table is parsed again only when the kernel flags
  a change, os-release, udev's device files and the textfile directory when stat() says they
  changed; net/udp and udp6, which walk the kernel's whole UDP hash table at each read, are not read
  while sockstat counts no UDP socket of their family. In-process, collect, encode and gzip cost
  %(inproc).1fx the floor plus encoding (table above); over HTTP, %(overhttp).1fx: the difference is
  loopback TCP, the HTTP server's wake-ups, and caches gone cold while the client runs between
  scrapes. What is left is spread thin: no single part of vigie's own work is over a sixth of the
  scrape (gzip is the largest), and node_exporter compatibility fixes the files read and the text
  served (half of the body is HELP and TYPE lines, which gzip compresses at every scrape). The
  absolute figures of this shared 2-core VM move by 30%% from one minute to the next (the CPU ratio
  of each block is shown above); the callgrind counts do not move.
- **Latency p50** (target 1/10) follows the CPU per scrape, and the client's own time (Python's
  http.client) is in both figures.
- **wrk throughput** (target 20x): collections run one at a time (one metric set, under the
  engine's lock), but the scrapes that come while one runs share the next (exporters/scrape_share.c):
  one collection, encoding and gzip answers up to the three HTTP threads' requests at once, on a
  2-core machine that also runs wrk.
- **RSS after the load** (target 5 MiB): vigie's own heap and stacks are %(anon).1f MiB; the rest is pages
  of its binary and of shared libraries, of which the C library and the dynamic linker %(libc).1f MiB.
  Its private memory (what it alone holds: heap, stacks, relocated data, its binary's pages) is
  %(private).1f MiB. Debian's
  libmicrohttpd is built with HTTPS and loads GnuTLS with p11-kit, nettle, hogweed, gmp, libtasn1,
  libunistring, libidn2 and libffi: %(tls).1f MiB resident in this run, used only when the web config
  asks for TLS. Without them vigie would weigh %(notls).1f MiB. libyaml and libcrypt, which read the
  web config and check its bcrypt hashes, are loaded only when one is given: about 160 kB less
  for the others.
  Since the core issue's start, with its sixteen collectors (the row above), the binary's pages
  grew most: its code doubled with the collectors, energy, systemd, probes and settings added since
  (255 to 454 kB of text and data), and fault-around maps every 64 kB window the scrape path touches,
  so most of it is resident even where few collectors run (placing the code of collectors and
  features a server does not use apart would leave about 90 kB of it unmapped with sixteen
  collectors, measured by relinking by hand, nothing with the defaults); each of the three HTTP
  threads, which collect inline since the pool, touches about 28 kB of stack (hwmon's and
  dirlist's path buffers). Reaching the target takes an HTTP server without a TLS
  library: Debian's libmicrohttpd has none without GnuTLS (linked into an empty program, it adds
  3.0 MiB of RSS; libevent's HTTP server, Debian's libevent-2.1-7, which needs only the C library,
  adds 0.4 MiB; measured by hand on this machine), and issue 2 chose libmicrohttpd, so that is left
  for a decision. libsystemd, which brought five more libraries (about 1 MiB), is no longer
  linked: vigie speaks systemd's notification and journal protocols itself. PSS, which shares library
  pages among the processes using them, is %(pss).1f MiB. (No push target here: libcurl and libsnappy are
  loaded only when one is configured, about 6 MiB more.)
""" % {"target": n["cpu_ms_per_scrape"] * 1000 / 25, "total": v["cpu_ms_per_scrape"] * 1000,
       "sys": v["system_ms_per_scrape"] * 1000, "user": v["user_ms_per_scrape"] * 1000, "gzpct": gz_share * 100,
       "gzi": format(cg.get("live", (0, 0))[0] - cg.get("live-text", (0, 0))[0], ","),
       "alli": format(cg.get("live", (0, 0))[0], ","), "floor": floor,
       "replay_text": ("The kernel's part of vigie's scrape, the calls it makes replayed alone in a loop (the "
                       "floor table), is %.0f us: node_exporter's CPU per scrape is %.0fx it, the ratio an agent "
                       "whose parsing, encoding, gzip and HTTP cost nothing would reach."
                       % (replay["cpu_us_per_read"], n["cpu_ms_per_scrape"] * 1000 / replay["cpu_us_per_read"]))
       if replay else "",
       "isal": gzip_alone["isal_us"], "zlib": gzip_alone["zlib_us"],
       "inproc": gz["cpu_us_per_scrape"] / floor_enc, "overhttp": v["cpu_ms_per_scrape"] * 1000 / floor_enc, "anon": v["heap_after_kb"] / mib,
       "pss": v.get("pss_after_kb", 0) / mib, "tls": tls_kb / mib, "notls": (v["rss_after_kb"] - tls_kb) / mib,
       "libc": libc_kb / mib, "private": v.get("private_after_kb", 0) / mib})
print("\n".join(out))
