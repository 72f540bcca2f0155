#!/usr/bin/env python3
"""A remote-write receiver that answers from a script of status codes (the
last repeats), and records what it accepted. Usage:
fake_receiver.py PORT_FILE LOG_FILE STATUS [STATUS...]
fake_receiver.py PORT_FILE LOG_FILE @CONTROL_FILE
With @CONTROL_FILE, the status is read from that file at each request, so
that a test changes the answer while vigie runs. A status is a code (204,
500...), CODE=LOCATION (a redirect: 307=/elsewhere, 301=http://host:port/x)
or "hang" (read the request, then never answer; once the status is no
longer "hang", the connection is closed without an answer, logged as 0),
CODE/SECONDS (answer CODE after SECONDS), or CODE>BYTES (CODE to a body
longer than BYTES, 204 to the others).
The script answers requests to /api/v1/write; any other path (where a
redirect points) accepts with 204.
It checks every request as Prometheus would take it: the headers of
Remote-Write 1.0 and a snappy body (its first bytes are the length). One
line per request: STATUS BODY_LENGTH PATH TIMESTAMP AUTHORIZATION
UNEXPECTED_HEADERS TENANT, where TIMESTAMP is the first sample's (ms),
AUTHORIZATION has its spaces as '_', and "-" stands for none."""
import http.server
import os
import sys
import threading
import time

port_file, log_file, script = sys.argv[1], sys.argv[2], sys.argv[3:]
control = script[0][1:] if script and script[0].startswith("@") else None
calls = [0]
lock = threading.Lock()
EXPECTED = {"host", "user-agent", "accept", "content-length", "content-encoding", "content-type",
            "x-prometheus-remote-write-version", "authorization", "x-scope-orgid", "expect"}


def status_now(count):
    if control:
        with open(control) as f:
            return f.read().strip()
    return script[min(count, len(script) - 1)]


def varint(b, i):
    """The varint at b[i:] and the index past it (snappy and protobuf)."""
    v, shift = 0, 0
    while True:
        c = b[i]
        i += 1
        v |= (c & 0x7f) << shift
        shift += 7
        if c < 0x80:
            return v, i


def snappy_uncompress(b):
    """The block format: a varint length, then literals and copies."""
    n, i = varint(b, 0)
    out = bytearray()
    while i < len(b):
        tag = b[i]
        i += 1
        kind = tag & 3
        if kind == 0:
            length = tag >> 2
            if length >= 60:
                extra = length - 59
                length = int.from_bytes(b[i:i + extra], "little")
                i += extra
            length += 1
            out += b[i:i + length]
            i += length
            continue
        if kind == 1:
            length, offset = ((tag >> 2) & 7) + 4, ((tag >> 5) << 8) | b[i]
            i += 1
        elif kind == 2:
            length, offset = (tag >> 2) + 1, int.from_bytes(b[i:i + 2], "little")
            i += 2
        else:
            length, offset = (tag >> 2) + 1, int.from_bytes(b[i:i + 4], "little")
            i += 4
        for _ in range(length):
            out.append(out[-offset])
    if len(out) != n:
        raise ValueError("snappy length")
    return bytes(out)


def fields(b):
    """(field number, wire type, value) of a protobuf message."""
    i = 0
    while i < len(b):
        key, i = varint(b, i)
        num, wire = key >> 3, key & 7
        if wire == 0:
            v, i = varint(b, i)
            yield num, wire, v
        elif wire == 1:
            yield num, wire, b[i:i + 8]
            i += 8
        elif wire == 2:
            length, i = varint(b, i)
            yield num, wire, b[i:i + length]
            i += length
        elif wire == 5:
            yield num, wire, b[i:i + 4]
            i += 4
        else:
            raise ValueError("wire type")


def first_timestamp(body):
    """WriteRequest.timeseries[0].samples[0].timestamp, or "-"."""
    try:
        for num, _, series in fields(snappy_uncompress(body)):
            if num == 1:
                for n2, _, sample in fields(series):
                    if n2 == 2:
                        for n3, _, v in fields(sample):
                            if n3 == 2:
                                return str(v)
    except (IndexError, ValueError):
        pass
    return "-"


class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        ok = (self.headers.get("Content-Encoding") == "snappy"
              and self.headers.get("Content-Type") == "application/x-protobuf"
              and self.headers.get("X-Prometheus-Remote-Write-Version") == "0.1.0"
              and self.headers.get("User-Agent", "").startswith("vigie/") and len(body) > 0)
        path = self.path
        with lock:
            want = status_now(calls[0]) if path == "/api/v1/write" else "204"
            calls[0] += 1
        location = None
        if "=" in want:
            want, location = want.split("=", 1)
        if want == "hang":
            while status_now(0) == "hang":
                time.sleep(0.1)
            self.record(0, body, path)
            self.close_connection = True
            return
        if "/" in want:
            want, delay = want.split("/", 1)
            time.sleep(float(delay))
        if ">" in want:
            want, limit = want.split(">", 1)
            want = want if len(body) > int(limit) else "204"
        status = int(want) if ok else 415
        self.record(status, body, path)
        self.send_response(status)
        if location:
            self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def record(self, status, body, path):
        auth = self.headers.get("Authorization", "-").replace(" ", "_")
        unexpected = ",".join(k for k in self.headers.keys() if k.lower() not in EXPECTED) or "-"
        with lock, open(log_file, "a") as f:
            f.write("%d %d %s %s %s %s %s\n" % (status, len(body), path, first_timestamp(body), auth, unexpected,
                                                self.headers.get("X-Scope-OrgID", "-")))

    def log_message(self, *a):
        pass


s = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
s.daemon_threads = True
with open(port_file + ".tmp", "w") as f:
    f.write(str(s.server_address[1]))
os.rename(port_file + ".tmp", port_file)
s.serve_forever()
