#!/usr/bin/env python3
"""A remote-write receiver that answers from a script of status codes (the
last repeats), and records what it accepted. Usage:
fake_receiver.py PORT_FILE LOG_FILE STATUS [STATUS...]
It checks every request as Prometheus would take it: the headers of
Remote-Write 1.0 and a snappy body (its first bytes are the length)."""
import http.server
import sys

port_file, log_file, script = sys.argv[1], sys.argv[2], [int(s) for s in sys.argv[3:]]
calls = [0]


class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        ok = (self.headers.get("Content-Encoding") == "snappy"
              and self.headers.get("Content-Type") == "application/x-protobuf"
              and self.headers.get("X-Prometheus-Remote-Write-Version") == "0.1.0"
              and self.headers.get("User-Agent", "").startswith("vigie/") and len(body) > 0)
        status = script[min(calls[0], len(script) - 1)] if ok else 415
        calls[0] += 1
        with open(log_file, "a") as f:
            f.write("%d %d %s\n" % (status, len(body), self.headers.get("X-Scope-OrgID", "-")))
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *a):
        pass


s = http.server.HTTPServer(("127.0.0.1", 0), H)
with open(port_file + ".tmp", "w") as f:
    f.write(str(s.server_address[1]))
import os
os.rename(port_file + ".tmp", port_file)
s.serve_forever()
