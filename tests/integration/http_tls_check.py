#!/usr/bin/env python3
"""HTTPS with client certificates and basic auth, sessions resumed with
tickets, and a certificate rotated by SIGHUP, against a running vigie.
Usage: http_tls_check.py PORT DIR PID PASSWORD
DIR holds ca.crt, client.crt/key (signed by ca), stranger.crt/key (another
CA), and server2.crt/key (the certificate SIGHUP makes vigie serve once
DIR/server.crt and server.key are replaced by them)."""
import base64
import http.client
import os
import shutil
import signal
import socket
import ssl
import sys
import time
import warnings

PORT, DIR, PID, PASSWORD = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4]
failures = []
warnings.simplefilter("ignore", DeprecationWarning)  # TLS 1.1, asked for to be refused


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL " + what)


def context(cert=None, version=None):
    ctx = ssl.create_default_context(cafile=os.path.join(DIR, "ca.crt"))
    ctx.check_hostname = False
    if cert:
        ctx.load_cert_chain(os.path.join(DIR, cert + ".crt"), os.path.join(DIR, cert + ".key"))
    if version:
        ctx.minimum_version = ctx.maximum_version = version
    return ctx


def auth(user, password):
    return {"Authorization": "Basic " + base64.b64encode(("%s:%s" % (user, password)).encode()).decode()}


def get(ctx, headers=None, conn=None, path="/metrics"):
    """(status, headers, body, connection); status 0 and the error when the
    handshake or the request failed."""
    c = conn or http.client.HTTPSConnection("127.0.0.1", PORT, context=ctx, timeout=5)
    try:
        c.request("GET", path, headers=headers or {})
        r = c.getresponse()
        return r.status, r.headers, r.read(), c
    except (OSError, http.client.HTTPException) as e:
        c.close()
        return 0, None, repr(e).encode(), None


def subject_cn(ctx):
    with socket.create_connection(("127.0.0.1", PORT), timeout=5) as raw:
        with ctx.wrap_socket(raw) as s:
            cert = s.getpeercert()
            return dict(x[0] for x in cert["subject"])["commonName"]


good = context("client")
status, h, body, kept = get(good, auth("prom", PASSWORD))
check(status == 200 and b"node_cpu_seconds_total" in body, "a good scrape: %d %r" % (status, body[:100]))
check(h is not None and h.get("X-Frame-Options") == "deny", "the web config's header: %s" % (h and dict(h)))
for name, ctx, hdrs, want in (
        ("a wrong password", good, auth("prom", "wrong"), 401),
        ("an unknown user", good, auth("mallory", PASSWORD), 401),
        ("no credentials", good, {}, 401),
        ("no client certificate", context(), auth("prom", PASSWORD), 0),
        ("a client certificate of another CA", context("stranger"), auth("prom", PASSWORD), 0),
        ("TLS 1.1", context("client", ssl.TLSVersion.TLSv1_1), auth("prom", PASSWORD), 0),
        ("TLS 1.2", context("client", ssl.TLSVersion.TLSv1_2), auth("prom", PASSWORD), 200),
        ("TLS 1.3", context("client", ssl.TLSVersion.TLSv1_3), auth("prom", PASSWORD), 200)):
    try:
        status, h, body, c = get(ctx, hdrs)
    except ssl.SSLError as e:  # TLS 1.1 may be off in this Python
        status, body, c = 0, repr(e).encode(), None
    if c:
        c.close()
    print("%s: %d" % (name, status))
    check(status == want, "%s: %d, not %d: %r" % (name, status, want, body[:200]))
    if want == 401:
        check(h.get("WWW-Authenticate") == "Basic", "%s: WWW-Authenticate %s" % (name, h.get("WWW-Authenticate")))

# a successful check is cached: the next scrapes do not pay bcrypt
t0 = time.monotonic()
for _ in range(10):
    status, _, _, kept = get(good, auth("prom", PASSWORD), kept)
    check(status == 200, "a kept-alive scrape: %d" % status)
print("10 kept-alive scrapes with basic auth: %.3f s" % (time.monotonic() - t0))

def scrape_session(ctx, session=None):
    """(status, resumed, session) of one scrape on a new connection that
    offers session."""
    with socket.create_connection(("127.0.0.1", PORT), timeout=5) as raw:
        with ctx.wrap_socket(raw, session=session) as s:
            c = http.client.HTTPConnection("127.0.0.1", PORT)
            c.sock = s
            c.request("GET", "/metrics", headers=auth("prom", PASSWORD))
            r = c.getresponse()
            r.read()  # TLS 1.3 tickets come after the handshake
            return r.status, s.session_reused, s.session


# a client that reconnects resumes its session, client certificate and all
sessions = {}
for v in (ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_3):
    ctx = context("client", v)
    status, resumed, session = scrape_session(ctx)
    check(status == 200 and not resumed, "%s: a first scrape: %d, resumed %s" % (v.name, status, resumed))
    for i in range(2):
        status, resumed, session = scrape_session(ctx, session)
        print("%s: reconnect %d: %d, resumed %s" % (v.name, i + 1, status, resumed))
        check(status == 200 and resumed, "%s: reconnect %d: %d, resumed %s" % (v.name, i + 1, status, resumed))
    sessions[v] = (ctx, session)

# SIGHUP with a new certificate: new handshakes get it, the connection
# kept alive from before goes on, the listener stays; the ticket key is
# new, so that no session of before resumes
check(subject_cn(good) == "server", "the first certificate")
for ext in ("crt", "key"):
    shutil.copy(os.path.join(DIR, "server2." + ext), os.path.join(DIR, "server." + ext + ".new"))
    os.rename(os.path.join(DIR, "server." + ext + ".new"), os.path.join(DIR, "server." + ext))
os.kill(PID, signal.SIGHUP)
deadline = time.monotonic() + 10
cn = None
while time.monotonic() < deadline:
    cn = subject_cn(good)
    if cn == "server2":
        break
    time.sleep(0.2)
check(cn == "server2", "the certificate after SIGHUP: %s" % cn)
status, _, _, kept = get(good, auth("prom", PASSWORD), kept)
check(status == 200, "the connection kept alive across SIGHUP: %d" % status)
for v, (ctx, session) in sessions.items():
    status, resumed, session = scrape_session(ctx, session)
    check(status == 200 and not resumed, "%s: a session of before SIGHUP: %d, resumed %s" % (v.name, status, resumed))
    status, resumed, _ = scrape_session(ctx, session)
    check(status == 200 and resumed, "%s: a session of after SIGHUP: %d, resumed %s" % (v.name, status, resumed))

print("http_tls_check: %d failure(s)" % len(failures))
sys.exit(1 if failures else 0)
