#!/usr/bin/env python3
"""Slowloris and floods against an exporter, with scrapes beside them.
Strangers connect from other loopback addresses than the scraper
(127.0.0.2, 127.0.0.3...), as they would from other hosts.
Usage: http_slowloris.py HOST PORT MODE HOLD [SCHEME]
  MODE halfopen: 60 connections from one client, each a request line and
       one header, never finished (one more header byte a second, so that
       no idle timeout sees them idle)
  MODE flood: as many connections as it can open from one client, held
  MODE spread: 60 half-open connections from each of several clients
HOLD: seconds the connections are held while a scrape runs every 0.5 s;
every scrape must be answered 200 within 2 s. Prints how many of the held
connections the server had closed by the end."""
import socket
import ssl
import sys
import threading
import time
import urllib.request

HOST, PORT, MODE, HOLD = sys.argv[1], int(sys.argv[2]), sys.argv[3], float(sys.argv[4])
SCHEME = sys.argv[5] if len(sys.argv) > 5 else "http"
HALF = b"GET /metrics HTTP/1.1\r\nHost: x\r\n"


def connect(src):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(2)
    s.bind((src, 0))
    s.connect((HOST, PORT))
    return s


def half_open(src, n):
    """n connections from src that started a request and stay in it; over
    TLS the handshake is never started (a handshake that never finishes)."""
    held = []
    for _ in range(n):
        try:
            s = connect(src)
            if SCHEME == "http":
                s.sendall(HALF)
            held.append(s)
        except OSError:
            pass
    return held


def flood(src):
    held = []
    for _ in range(2000):
        try:
            held.append(connect(src))
        except OSError:
            pass
    return held


def closed_by_server(s):
    s.setblocking(False)
    try:
        return s.recv(1) == b""
    except BlockingIOError:
        return False
    except OSError:
        return True


stop = threading.Event()


def trickle(held):
    """One header byte a second on every held connection."""
    while not stop.wait(1):
        for s in held:
            try:
                s.send(b"X" if SCHEME == "http" else b"\x16")
            except OSError:
                pass


if MODE == "halfopen":
    held = half_open("127.0.0.2", 60)
elif MODE == "flood":
    held = flood("127.0.0.2")
elif MODE == "spread":
    held = [s for i in range(2, 8) for s in half_open("127.0.0.%d" % i, 60)]
else:
    sys.exit("unknown mode " + MODE)
threading.Thread(target=trickle, args=(held,), daemon=True).start()
print("%s: %d connection(s) held" % (MODE, len(held)))

ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
ok = failed = 0
worst = 0.0
errors = []
t_end = time.monotonic() + HOLD
while time.monotonic() < t_end:
    t0 = time.monotonic()
    try:
        req = urllib.request.Request("%s://%s:%d/metrics" % (SCHEME, HOST, PORT))
        with urllib.request.urlopen(req, timeout=2, context=ctx if SCHEME == "https" else None) as r:
            body = r.read()
            good = r.status == 200 and b"node_" in body
    except Exception as e:  # noqa: BLE001: any failure is a failed scrape
        good = False
        errors.append(repr(e))
    took = time.monotonic() - t0
    worst = max(worst, took)
    if good:
        ok += 1
    else:
        failed += 1
    time.sleep(max(0, 0.5 - took))
stop.set()
closed = sum(closed_by_server(s) for s in held)
for s in held:
    s.close()
print("%s: %d scrape(s) answered, %d failed, slowest %.3f s; %d of %d held connection(s) closed by the server"
      % (MODE, ok, failed, worst, closed, len(held)))
if errors:
    print("first error: " + errors[0])
print("closed=%d" % closed)
sys.exit(0 if failed == 0 and ok > 0 else 1)
