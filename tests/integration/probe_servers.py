#!/usr/bin/env python3
"""The servers tests/integration/probe.sh probes, all on loopback:
HTTP (200 on /, 500 on /err), HTTPS with a given certificate, a port that
accepts and never answers, a TCP banner, and a unix socket with a banner.
Usage: probe_servers.py HTTP HTTPS SILENT BANNER CERT KEY UNIX_PATH"""
import http.server
import socket
import ssl
import sys
import threading


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        code = 500 if self.path == "/err" else 200
        body = b"ok\n" if code == 200 else b"broken\n"
        self.send_response(code)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def serve_http(port, cert=None, key=None):
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
    if cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(cert, key)
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    threading.Thread(target=srv.serve_forever, daemon=True).start()


def accept_loop(listener, handle):
    def run():
        held = []
        while True:
            conn, _ = listener.accept()
            if handle(conn):
                held.append(conn)  # kept open, never answered
            else:
                conn.close()
    threading.Thread(target=run, daemon=True).start()


def banner(conn):
    conn.sendall(b"SSH-2.0-vigie-test\r\n")
    return False


def main():
    http_port, https_port, silent_port, banner_port = (int(a) for a in sys.argv[1:5])
    cert, key, unix_path = sys.argv[5:8]
    serve_http(http_port)
    serve_http(https_port, cert, key)
    for port, handle in ((silent_port, lambda c: True), (banner_port, banner)):
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", port))
        s.listen(16)
        accept_loop(s, handle)
    u = socket.socket(socket.AF_UNIX)
    u.bind(unix_path)
    u.listen(16)
    accept_loop(u, banner)
    print("ready", flush=True)
    threading.Event().wait()


main()
