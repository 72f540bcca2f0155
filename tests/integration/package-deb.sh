#!/usr/bin/env bash
# The Debian package, built from a copy of the tree with dpkg-buildpackage,
# lintian clean, installed with dpkg inside a real systemd system instance
# (system-instance.sh) so that its maintainer scripts talk to that systemd:
# the files where the README says, the service started hardened through
# Type=notify and serving every collector it runs with success 1 (netdev and
# netclass through rtnetlink), a push over TLS and the system bus from the
# sandbox, reload, the watchdog, a config error not restarted in a loop,
# the journal's levels; an upgrade to a rebuilt package keeping a changed
# config and the queue; remove and purge leaving nothing. The instance's
# root is this machine's: the package is purged at exit whatever happens.
# 70 to 140 s on 2 busy cores, 40 s of it the two builds.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/system-instance.sh"
source "$(dirname "$0")/package-lib.sh"
need dpkg-buildpackage dh lintian openssl python3 curl systemd-analyze
[ "$(id -u)" -eq 0 ] || skip "installing a package needs root"
pkg_refuse_installed

# The textfile directory of Debian's node_exporter, which the package's
# vigie.conf reads and its tmpfiles.d entry makes: the test writes a file
# of its own there, and removes it.
textdir=/var/lib/prometheus/node-exporter
textfile=$textdir/vigie-package-test.prom
textdir_before=$([ -d "$textdir" ] && echo yes || true)
[ -e "$textfile" ] && skip "$textfile is there already"

# A failed run leaves no package behind: purged inside the instance while
# it runs (its postrm talks to it), on the host otherwise.
installed=
before_cleanup() {
        rm -f "$textfile"
        if [ -n "$installed" ]; then
                si dpkg --purge vigie >"$T/purge-at-exit.log" 2>&1 || dpkg --purge vigie >>"$T/purge-at-exit.log" 2>&1 || true
        fi
        si_stop
}

# --- build, lintian, the file list -------------------------------------
pkg_copy_tree "$T/src"
cp -r "$T/src/packaging/debian" "$T/src/debian"
build_deb() {
        (cd "$T/src" && dpkg-buildpackage -us -uc -b "$@") >>"$T/build.log" 2>&1 ||
                fail "dpkg-buildpackage failed: $(tail -20 "$T/build.log")"
}
build_deb
version=$(dpkg-parsechangelog -l "$T/src/debian/changelog" -S Version)
deb=$(echo "$T"/vigie_"$version"_*.deb)
[ -f "$deb" ] || fail "no vigie_${version}_*.deb was built"

# lintian, pedantic too, has nothing to say
lintian --pedantic "$T"/vigie_"$version"_*.changes >"$T/lintian.log" 2>&1 || true
if grep -v '^running with root privileges' "$T/lintian.log" | grep -q .; then
        fail "lintian: $(cat "$T/lintian.log")"
fi

pkg_readme_files >"$T/readme.files"
dpkg-deb -c "$deb" | awk '$1 !~ /^d/ { print $6 }' | pkg_listed_files >"$T/deb.files"
diff -u "$T/readme.files" "$T/deb.files" >"$T/files.diff" ||
        fail "the package's files are not the README's (- README, + package): $(cat "$T/files.diff")"
for lib in libcrypt1 libcurl3-gnutls libsnappy1v5 libsystemd0 libyaml-0-2; do
        dpkg-deb -f "$deb" Depends | grep -q "\b$lib\b" || fail "Depends lacks $lib, which vigie loads: $(dpkg-deb -f "$deb" Depends)"
done
[ "$(dpkg-deb --ctrl-tarfile "$deb" | tar -xOf - ./conffiles)" = /etc/vigie/vigie.conf ] ||
        fail "/etc/vigie/vigie.conf is not the package's only conffile"

# the shipped unit's hardening score (systemd-analyze security, 0 to 10)
score=$(systemd-analyze security --offline=yes "$T/src/packaging/systemd/vigie.service" 2>&1 |
        sed -n 's/.*Overall exposure level for vigie.service: \([0-9.]*\).*/\1/p')
[ -n "$score" ] && awk -v s="$score" 'BEGIN { exit !(s <= 2.0) }' ||
        fail "systemd-analyze security scores the unit ${score:-?}, above 2.0"

# --- install inside a real systemd -------------------------------------
si_boot
# A policy-rc.d on this machine (container images ship one that refuses
# everything; tools/setup.sh makes one while it installs packages) would
# keep the postinst from starting vigie: inside the instance's mount
# namespace, one that allows everything goes over it.
if [ -e /usr/sbin/policy-rc.d ]; then
        printf '#!/bin/sh\nexit 0\n' >"$T/policy-rc.d"
        chmod 755 "$T/policy-rc.d"
        si mount --bind "$T/policy-rc.d" /usr/sbin/policy-rc.d
fi
installed=1
si dpkg -i "$deb" >"$T/install.log" 2>&1 || fail "dpkg -i failed: $(cat "$T/install.log")"
while read -r f; do
        [ -f "$f" ] || fail "$f is not installed"
done <"$T/readme.files"
getent passwd vigie >/dev/null && getent group vigie >/dev/null || fail "no system user and group vigie"
si /usr/sbin/vigie --check-config --config /etc/vigie/vigie.conf >"$T/check-config.log" 2>&1 ||
        fail "--check-config refused the installed config: $(cat "$T/check-config.log")"

prop() { si systemctl show vigie.service -p "$1" --value; }
[ "$(prop Type)" = notify ] || fail "the unit is not Type=notify"
[ "$(si systemctl is-enabled vigie.service)" = enabled ] || fail "the package did not enable vigie.service"
[ "$(si systemctl is-enabled vigie.socket)" = disabled ] || fail "the package enabled vigie.socket"
# Type=notify: the postinst's start returned once READY=1 came
[ "$(prop ActiveState)" = active ] || fail "vigie is not active after install: $(si systemctl status vigie 2>&1)"
[ "$(prop User)" = vigie ] || fail "the service does not run as vigie"

metrics() { si curl -fsS http://127.0.0.1:9100/metrics -o "$T/metrics" && cat "$T/metrics"; }
metrics >/dev/null || fail "no /metrics on port 9100"

# every collector the agent says it runs (STATUS=) succeeds under the
# sandbox as it does outside it, as root (some have nothing to read here:
# no hwmon, no NFS...), and the ones that read more than /proc and /sys do
succeeded() { sed -n 's/^node_scrape_collector_success{collector="\([^"]*\)"} 1$/\1/p' "$1" | sort; }
status=$(prop StatusText)
running=$(echo "${status#*collectors: }" | tr -d ' ' | tr ',' '\n' | sort)
[ "$(echo "$running" | wc -l)" -ge 20 ] || fail "STATUS names too few collectors: $status"
grep -c '^node_scrape_collector_success{' "$T/metrics" | grep -qx "$(echo "$running" | wc -l)" ||
        fail "/metrics does not report every collector of STATUS=: $status"
si /usr/sbin/vigie --once --config /etc/vigie/vigie.conf >"$T/unsandboxed" 2>"$T/unsandboxed.log" ||
        fail "vigie --once failed: $(cat "$T/unsandboxed.log")"
degraded=$(comm -23 <(succeeded "$T/unsandboxed") <(succeeded "$T/metrics") | tr '\n' ' ')
[ -z "$degraded" ] || fail "collectors that fail under the unit only: $degraded"
for c in cpu diskstats filesystem netclass netdev timex; do
        succeeded "$T/metrics" | grep -qx "$c" || fail "collector $c failed under the unit"
done

# a host switched from Debian's node_exporter keeps its textfile series:
# the directory is there (made by the package where it was missing), and
# a file written to it is served from the sandbox
[ -d "$textdir" ] || fail "the package did not make $textdir"
grep -qx 'node_textfile_scrape_error 0' "$T/metrics" ||
        fail "textfile: $(grep '^node_textfile' "$T/metrics")"
printf '# HELP vigie_package_test_ok A file in node_exporter'"'"'s directory.\n# TYPE vigie_package_test_ok gauge\nvigie_package_test_ok 1\n' >"$textfile.tmp"
chmod 644 "$textfile.tmp" && mv "$textfile.tmp" "$textfile"
wait_for 10 sh -c "nsenter -t $SI_PID -a curl -fsS http://127.0.0.1:9100/metrics | grep -qx 'vigie_package_test_ok 1'" ||
        fail "a file in $textdir is not served: $(metrics | grep '^node_textfile')"
rm -f "$textfile"

# netdev and netclass read the rtnetlink dump, not their slower fallbacks:
# vigie keeps its NETLINK_ROUTE socket open between scrapes
pid=$(prop MainPID)
nl_inodes=$(si awk 'NR > 1 && $2 == 0 { print $NF }' "/proc/$pid/net/netlink")
route_socket=
for fd in $(si ls "/proc/$pid/fd"); do
        link=$(si readlink "/proc/$pid/fd/$fd") || continue
        for i in $nl_inodes; do
                [ "$link" = "socket:[$i]" ] && route_socket=$link
        done
done
[ -n "$route_socket" ] || fail "vigie has no rtnetlink socket under the unit (netdev and netclass fell back)"

# --- push over TLS from the sandbox, to a receiver in the instance -------
cd "$T"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=vigie test CA" -keyout ca.key -out ca.crt 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" -keyout server.key -out server.csr 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1\n' >server.ext
openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 -extfile server.ext \
        -out server.crt 2>/dev/null
cd - >/dev/null
# PrivateTmp hides $T from the service: its CA goes in the instance's /run
si install -D -m 644 "$T/ca.crt" /run/vigie-test/ca.crt
cat >"$T/receiver.py" <<'PY'
# a Remote-Write receiver over TLS: 204 to every POST, one line each
import http.server, ssl, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers["Content-Length"]))
        with open(sys.argv[1] + "/received", "a") as f:
            f.write(self.path + "\n")
        self.send_response(204)
        self.end_headers()
    def log_message(self, *a):
        pass
s = http.server.HTTPServer(("127.0.0.1", 9443), H)
c = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
c.load_cert_chain(sys.argv[1] + "/server.crt", sys.argv[1] + "/server.key")
s.socket = c.wrap_socket(s.socket, server_side=True)
s.serve_forever()
PY
start_receiver() {
        si systemd-run --unit=receiver --quiet python3 "$T/receiver.py" "$T"
        wait_for 10 si curl -fsS --cacert "$T/ca.crt" -X POST -d x https://127.0.0.1:9443/probe ||
                fail "the test's receiver did not start"
}
start_receiver

# the administrator's change: a push target, and cpu off (for the reload)
cp /etc/vigie/vigie.conf "$T/shipped.conf"
cat >>/etc/vigie/vigie.conf <<'CONF'

[push.target.central]
url = https://127.0.0.1:9443/api/v1/write
ca_file = /run/vigie-test/ca.crt
interval = 1s
CONF
cp /etc/vigie/vigie.conf "$T/changed.conf"
si systemctl restart vigie.service || fail "restart failed: $(si systemctl status vigie 2>&1)"
wait_for 30 grep -q /api/v1/write "$T/received" ||
        fail "no push arrived over TLS: $(si journalctl -u vigie --no-pager | tail -5)"
[ -d /var/lib/private/vigie/queue/central ] || fail "the queue is not in the StateDirectory"

# reload re-reads the config, in the same process
pid=$(prop MainPID)
serves_metrics() { metrics >/dev/null && grep -q "$1" "$T/metrics"; }
serves_metrics '^node_cpu_seconds_total' || fail "no node_cpu_seconds_total before the reload"
sed -i 's/^\[collectors\]$/[collectors]\ncpu = false/' /etc/vigie/vigie.conf
si systemctl reload vigie.service || fail "reload failed"
wait_for 10 sh -c "! nsenter -t $SI_PID -a curl -fsS http://127.0.0.1:9100/metrics | grep -q '^node_cpu_seconds_total'" ||
        fail "reload did not apply"
[ "$(prop MainPID)" = "$pid" ] || fail "reload restarted the process"
cp /etc/vigie/vigie.conf "$T/changed.conf"

# the system bus answers from inside the unit's sandbox (the systemd
# collector's way in): busctl as the unit's ExecStartPost=, with every one
# of its settings
si mkdir -p /run/systemd/system/vigie.service.d
printf '[Service]\nExecStartPost=/usr/bin/busctl --system get-property org.freedesktop.systemd1 /org/freedesktop/systemd1 org.freedesktop.systemd1.Manager Version\n' |
        si sh -c 'cat >/run/systemd/system/vigie.service.d/bus.conf'
si systemctl daemon-reload
si systemctl restart vigie.service || fail "the system bus is out of the unit's reach: $(si journalctl -u vigie --no-pager | tail -3)"
si rm /run/systemd/system/vigie.service.d/bus.conf

# the watchdog restarts an agent that stops answering (3 s here, 30 s shipped)
printf '[Service]\nWatchdogSec=3s\n' | si sh -c 'cat >/run/systemd/system/vigie.service.d/watchdog.conf'
si systemctl daemon-reload
si systemctl restart vigie.service
pid=$(prop MainPID)
restarts=$(prop NRestarts)
si kill -STOP "$pid"
wait_for 20 sh -c "[ \"\$(nsenter -t $SI_PID -a systemctl show vigie -p MainPID --value)\" != $pid ] &&
        [ \"\$(nsenter -t $SI_PID -a systemctl show vigie -p ActiveState --value)\" = active ]" ||
        fail "the watchdog did not restart a frozen vigie: $(prop ActiveState) $(prop Result)"
[ "$(prop NRestarts)" -gt "$restarts" ] || fail "NRestarts did not count the watchdog's restart"
si rm -r /run/systemd/system/vigie.service.d
si systemctl daemon-reload

# a config error is not restarted in a loop (RestartPreventExitStatus=2)
printf '[nosuchsection]\nkey = value\n' >>/etc/vigie/vigie.conf
si systemctl restart vigie.service 2>/dev/null && fail "vigie started with a broken config"
sleep 5 # RestartSec=2s: a loop would have restarted it twice by now
[ "$(prop ActiveState)" = failed ] && [ "$(prop ExecMainStatus)" = 2 ] ||
        fail "a config error: $(prop ActiveState) $(prop ExecMainStatus)"
[ "$(prop NRestarts)" = 0 ] || fail "a config error was restarted $(prop NRestarts) times"
cp "$T/changed.conf" /etc/vigie/vigie.conf
si systemctl reset-failed vigie.service
si systemctl start vigie.service || fail "no start once the config is fixed"

# the journal has vigie's lines, each with its level
si journalctl -u vigie.service -o json --no-pager >"$T/journal.json"
python3 - "$T/journal.json" <<'PY' || fail "the journal lacks vigie's lines or their levels"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
ours = [l for l in lines if l.get("SYSLOG_IDENTIFIER") == "vigie"]
def has(prio, text):
    return any(l.get("PRIORITY") == prio and text in l.get("MESSAGE", "") for l in ours)
ok = has("6", "listening on") and has("3", "nosuchsection")
if not ok:
    for l in ours[-10:]:
        print(l.get("PRIORITY"), l.get("MESSAGE"))
sys.exit(0 if ok else 1)
PY

# --- upgrade to a rebuilt package, the receiver down -------------------
si systemctl stop receiver.service
wait_for 30 sh -c "metrics_now=\$(nsenter -t $SI_PID -a curl -fsS http://127.0.0.1:9100/metrics) &&
        echo \"\$metrics_now\" | grep -q '^vigie_push_queue_batches{target=\"central\"} [1-9]'" ||
        fail "nothing queued while the receiver is down"
si systemctl stop vigie.service # a still queue to compare with
(cd /var/lib/private/vigie/queue && find . -type f -printf '%p %s\n' | sort) >"$T/queue.before"
si systemctl start vigie.service
pid=$(prop MainPID)
next="$version+1"
{
        printf 'vigie (%s) unstable; urgency=medium\n\n  * A rebuild to test upgrades.\n\n' "$next"
        printf ' -- vigie developers <vigie@lists.vigie.invalid>  %s\n\n' "$(date -R)"
        cat "$T/src/debian/changelog"
} >"$T/changelog.new"
mv "$T/changelog.new" "$T/src/debian/changelog"
build_deb -nc
deb2=$(echo "$T"/vigie_"$next"_*.deb)
[ -f "$deb2" ] || fail "no vigie_${next}_*.deb was rebuilt"
si dpkg -i "$deb2" >"$T/upgrade.log" 2>&1 || fail "the upgrade failed: $(cat "$T/upgrade.log")"
[ "$(dpkg-query -W -f='${Version}' vigie)" = "$next" ] || fail "the upgrade did not install $next"
cmp -s /etc/vigie/vigie.conf "$T/changed.conf" || fail "the upgrade did not keep the changed config"
[ "$(prop ActiveState)" = active ] && [ "$(prop MainPID)" != "$pid" ] ||
        fail "the upgrade did not restart vigie: $(prop ActiveState)"
while read -r f size; do
        now=$(stat -c %s "/var/lib/private/vigie/queue/$f" 2>/dev/null) || fail "the upgrade lost queue file $f"
        [ "$now" -ge "$size" ] || fail "the upgrade shrank queue file $f ($size to $now bytes)"
done <"$T/queue.before"
# ...and what was queued is sent once the receiver is back
: >"$T/received"
start_receiver
wait_for 30 sh -c "nsenter -t $SI_PID -a curl -fsS http://127.0.0.1:9100/metrics |
        grep -q '^vigie_push_queue_batches{target=\"central\"} 0$'" || fail "the kept queue was not sent"
si systemctl stop receiver.service

# --- remove, then purge ------------------------------------------------
si dpkg -r vigie >"$T/remove.log" 2>&1 || fail "dpkg -r failed: $(cat "$T/remove.log")"
[ ! -e /usr/sbin/vigie ] || fail "remove left /usr/sbin/vigie"
[ "$(prop LoadState)" = not-found ] || fail "remove left the unit loaded: $(prop LoadState)"
[ -f /etc/vigie/vigie.conf ] && [ -d /var/lib/private/vigie/queue ] || fail "remove did not keep the config and the queue"
si dpkg --purge vigie >"$T/purge.log" 2>&1 || fail "dpkg --purge failed: $(cat "$T/purge.log")"
installed=
[ "$(dpkg-query -W -f='${db:Status-Status}' vigie 2>/dev/null)" = not-installed ] ||
        [ -z "$(dpkg-query -W -f='${db:Status-Status}' vigie 2>/dev/null)" ] || fail "purge left vigie in dpkg's database"
left=$(ls -d /etc/vigie /var/lib/vigie /var/lib/private/vigie /usr/lib/sysusers.d/vigie.conf \
        /lib/systemd/system/vigie.* /etc/systemd/system/*/vigie.* 2>/dev/null || true)
[ -z "$left" ] || fail "purge left: $left"
# the textfile directory goes with the package that made it, not when
# another package (node_exporter's) owns it
[ -n "$textdir_before" ] || [ ! -e "$textdir" ] || fail "purge left $textdir, which the package made"
[ -z "$textdir_before" ] || [ -d "$textdir" ] || fail "purge removed $textdir, which was there before"
! getent passwd vigie >/dev/null && ! getent group vigie >/dev/null || fail "purge left the user or group vigie"
echo "package-deb: ok"
