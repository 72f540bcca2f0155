#!/usr/bin/env python3
"""A slow collection and the other requests. vigie's only collector reads
a FIFO (FIFO below); opening it for writing tells when a collection has
started, and the collection waits until this script writes.
Usage: http_slow.py HOST PORT FIFO serve   (requests during a collection)
       http_slow.py HOST PORT FIFO stop PID (SIGTERM during a collection)"""
import errno
import gzip
import http.client
import os
import re
import signal
import sys
import threading
import time

HOST, PORT, FIFO, MODE = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
HOLD = 3.0  # seconds the first collection waits on the FIFO
CONTENT = b'ID=debian\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\n'
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL " + what)


started = threading.Event()  # the first collection opened the FIFO
release = threading.Event()  # the script lets it read
done = threading.Event()


def feeder():
    """Gives each reader of the FIFO its content; holds the first one until
    release. Opening for writing fails with ENXIO while nobody reads."""
    while not done.is_set():
        try:
            fd = os.open(FIFO, os.O_WRONLY | os.O_NONBLOCK)
        except OSError as e:
            if e.errno != errno.ENXIO:
                raise
            time.sleep(0.005)
            continue
        if not started.is_set():
            started.set()
            release.wait()
        try:
            os.write(fd, CONTENT)
        except BrokenPipeError:
            pass
        except BlockingIOError:
            # the pipe is full: a reader slowed by a loaded machine still
            # holds the copies this loop wrote since it opened
            time.sleep(0.005)
        os.close(fd)


def scrape(out):
    """A keep-alive scrape, then /-/healthy on the same connection."""
    t0 = time.monotonic()
    c = http.client.HTTPConnection(HOST, PORT, timeout=HOLD + 10)
    try:
        c.request("GET", "/metrics", headers={"Accept-Encoding": "gzip"})
        r = c.getresponse()
        body = r.read()
        if r.getheader("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        out.update(status=r.status, body=body, took=time.monotonic() - t0, at=time.monotonic())
        sock = c.sock  # http.client would open a new one if the server had closed it
        c.request("GET", "/-/healthy")
        r = c.getresponse()
        out.update(after=(r.status, r.read(), sock is not None and c.sock is sock))
    except (OSError, http.client.HTTPException) as e:
        out.update(error=repr(e), took=time.monotonic() - t0)
    finally:
        c.close()


def timed_get(path, timeout=2.0):
    t0 = time.monotonic()
    c = http.client.HTTPConnection(HOST, PORT, timeout=timeout)
    try:
        c.request("GET", path)
        r = c.getresponse()
        return r.status, r.read(), time.monotonic() - t0
    except (OSError, http.client.HTTPException) as e:
        return 0, repr(e).encode(), time.monotonic() - t0
    finally:
        c.close()


def os_duration(body):
    m = re.search(rb'^node_scrape_collector_duration_seconds\{collector="os"\} (\S+)$', body, re.M)
    return float(m.group(1)) if m else None


threading.Thread(target=feeder, daemon=True).start()
first, second = {}, {}
a = threading.Thread(target=scrape, args=(first,))
a.start()
check(started.wait(10), "the first scrape never opened the FIFO")
t_start = time.monotonic()
b = threading.Thread(target=scrape, args=(second,))

if MODE == "serve":
    b.start()
    time.sleep(0.2)  # the second scrape is in
    for path, want in (("/-/healthy", b"Healthy\n"), ("/-/ready", b"Ready\n"), ("/", b"<td>os</td>")):
        status, body, took = timed_get(path)
        print("%s during the collection: %d in %.3f s" % (path, status, took))
        check(status == 200 and want in body and took < 0.5,
              "%s during a collection: %d in %.3f s: %r" % (path, status, took, body[:100]))
    check(not first and not second, "a scrape was answered before its collection ended")
    time.sleep(max(0, HOLD - (time.monotonic() - t_start)))
    release.set()
    a.join(HOLD + 15)
    b.join(HOLD + 15)
    done.set()
    for name, r in (("first", first), ("second", second)):
        check(r.get("status") == 200, "%s scrape: %s" % (name, r))
        if r.get("status") != 200:
            continue
        check(b'node_os_info{build_id="",id="debian"' in r["body"] and
              b'node_scrape_collector_success{collector="os"} 1\n' in r["body"],
              "%s scrape's body: %r" % (name, r["body"][:300]))
        check(r["after"] == (200, b"Healthy\n", True), "%s connection after the scrape: %r" % (name, r["after"]))
        print("%s scrape: %.3f s, the os collector's duration %s s" % (name, r["took"], os_duration(r["body"])))
    check(first.get("took", 0) >= HOLD - 0.5, "the first scrape did not wait on the FIFO: %s" % first.get("took"))
    # the second scrape came while the first collection ran: a collection
    # that started after it answers it (a short one), not the first
    d1, d2 = os_duration(first.get("body", b"")), os_duration(second.get("body", b""))
    check(d1 is not None and d1 >= HOLD - 0.5, "the first collection's duration: %s" % d1)
    check(d2 is not None and d2 < 1.0, "the second scrape shared the collection that began before it: %s" % d2)
    check("at" in first and "at" in second and second["at"] >= first["at"] - 0.05,
          "the second scrape was answered before the first")
    status, body, took = timed_get("/")
    check(status == 200 and b"<td>os</td><td>ok</td>" in body, "landing page after the collection: %r" % body[-400:])
else:
    # SIGTERM while a scrape waits on the collection and another is queued:
    # vigie stops once the collection returns, and no request hangs
    pid = int(sys.argv[5])
    b.start()
    time.sleep(0.2)
    os.kill(pid, signal.SIGTERM)
    time.sleep(0.5)
    # still serving while it waits for the collection
    status, body, took = timed_get("/-/ready")
    check(status == 503 and took < 0.5, "/-/ready while stopping: %d in %.3f s" % (status, took))
    release.set()
    a.join(15)
    b.join(15)
    check(not a.is_alive() and not b.is_alive(), "a scrape hung while vigie stopped")

    def exited():
        try:
            return open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()[0] in ("Z", "X")
        except FileNotFoundError:
            return True

    deadline = time.monotonic() + 10
    while not exited() and time.monotonic() < deadline:
        time.sleep(0.05)
    check(exited(), "vigie did not exit once the collection returned")
    check(second.get("status") in (None, 503), "the queued scrape while stopping: %s" % second)
    print("while stopping: first %s, second %s" % (first.get("status", first.get("error")),
                                                  second.get("status", second.get("error"))))
    done.set()

print("http_slow %s: %d failure(s)" % (MODE, len(failures)))
sys.exit(1 if failures else 0)
