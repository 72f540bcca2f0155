#!/usr/bin/env bash
# Scrapes that come together share a collection (exporters/scrape_share.c):
# while six clients scrape /metrics as fast as they can (gzip and plain
# mixed), a textfile value is replaced 200 times, and a scrape made after
# each replacement must hold the new value, never the one before it: a
# shared collection starts only after its every member arrived. Every
# answer of the hammering clients is whole (a 200, the last family
# present, gzip that inflates), some were shared
# (vigie_http_scrapes_shared_total > 0), and nothing leaks or crashes
# (run under ASan too: suite 'sanitized').
source "$(dirname "$0")/lib.sh"
need python3 curl

mkdir "$T/tf"
echo 'shared_check 0' >"$T/tf/check.prom"
start_vigie vigie --collector.textfile.directory="$T/tf"
python3 - "$VIGIE_PORT" "$T/tf" <<'PY' || fail "shared scrapes: see above"
import gzip, http.client, os, sys, threading

port, tf = int(sys.argv[1]), sys.argv[2]
stop = threading.Event()
bad, answers = [], [0]

def hammer(use_gzip):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Accept-Encoding": "gzip"} if use_gzip else {}
    while not stop.is_set():
        c.request("GET", "/metrics", headers=headers)
        r = c.getresponse()
        body = r.read()
        if r.status != 200:
            bad.append("status %d" % r.status)
            return
        if use_gzip:
            if r.getheader("Content-Encoding") != "gzip":
                bad.append("no gzip")
                return
            body = gzip.decompress(body)
        if b"\nvigie_http_scrapes_shared_total " not in body or not body.endswith(b"\n"):
            bad.append("an answer cut short")
            return
        answers[0] += 1

threads = [threading.Thread(target=hammer, args=(i % 2 == 0,)) for i in range(6)]
for t in threads:
    t.start()
c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
for i in range(1, 201):
    tmp = os.path.join(tf, ".check.tmp")
    with open(tmp, "w") as f:
        f.write("shared_check %d\n" % i)
    os.rename(tmp, os.path.join(tf, "check.prom"))
    c.request("GET", "/metrics")
    r = c.getresponse()
    body = r.read().decode()
    line = [l for l in body.splitlines() if l.startswith("shared_check ")]
    if line != ["shared_check %d" % i]:
        bad.append("after writing %d, a scrape read %s" % (i, line))
        break
stop.set()
for t in threads:
    t.join()
c.request("GET", "/metrics")
body = c.getresponse().read().decode()
shared = [float(l.split()[1]) for l in body.splitlines() if l.startswith("vigie_http_scrapes_shared_total ")]
print("%d hammering answers; shared: %s" % (answers[0], shared))
if not shared or shared[0] <= 0:
    bad.append("no scrape was shared with six clients at once")
if bad:
    print("\n".join(bad))
    sys.exit(1)
PY
kill -0 "$VIGIE_PID" || fail "vigie died"
stop_pid "$VIGIE_PID" || fail "vigie exited with $? on SIGTERM"
! grep -Eq "AddressSanitizer|runtime error" "$T/vigie.log" || fail "sanitizer report: $(cat "$T/vigie.log")"
echo "http-shared: ok"
