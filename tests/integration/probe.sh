#!/bin/bash
# Local probes against servers started here on loopback (probe_servers.py):
# HTTP 200 and 500, HTTPS with a throwaway certificate expiring in 20 days,
# an unknown CA, a closed port, a port that accepts and never answers, a
# TCP banner, a unix socket; and no probe thread when none is configured.
. "$(dirname "$0")/lib.sh"
need curl openssl python3

threads() { ls "/proc/$1/task" | wc -l; }
value() { sed -n "s/^$1 \(.*\)$/\1/p" "$T/served"; }

# no probe configured: the probe collector starts no thread
start_vigie idle
serves "$VIGIE_URL/metrics" '^node_scrape_collector_success{collector="probe"} 1$' || fail "probe collector not ok when idle"
serves_without "$VIGIE_URL/metrics" '^probe_' || fail "probe series without a probe"
idle_threads=$(threads "$VIGIE_PID")
stop_pid "$VIGIE_PID" || true
start_vigie without --no-collector.probe
[ "$(threads "$VIGIE_PID")" = "$idle_threads" ] ||
        fail "no probe configured: $idle_threads threads, $(threads "$VIGIE_PID") without the probe collector"
stop_pid "$VIGIE_PID" || true

DAYS=20
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/key.pem" -out "$T/cert.pem" -days $DAYS \
        -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 2>/dev/null
not_after=$(date -d "$(openssl x509 -in "$T/cert.pem" -noout -enddate | cut -d= -f2)" +%s)
want_expiry=$(($(date +%s) + DAYS * 86400))

HTTP=$(free_port) HTTPS=$(free_port) SILENT=$(free_port) BANNER=$(free_port) CLOSED=$(free_port)
python3 "$SOURCE_ROOT/tests/integration/probe_servers.py" "$HTTP" "$HTTPS" "$SILENT" "$BANNER" \
        "$T/cert.pem" "$T/key.pem" "$T/db.sock" >"$T/servers.log" 2>&1 &
SERVERS_PID=$!
PIDS+=("$SERVERS_PID")
wait_for 10 grep -q ready "$T/servers.log" || fail "the servers did not start: $(cat "$T/servers.log")"

cat >"$T/vigie.conf" <<CONF
[probe.web]
kind = http
target = http://127.0.0.1:$HTTP/
interval = 1s

[probe.broken]
kind = http
target = http://127.0.0.1:$HTTP/err
interval = 1s

[probe.portal]
kind = https
target = https://127.0.0.1:$HTTPS/
ca_file = $T/cert.pem
interval = 1s

[probe.unknown_ca]
kind = https
target = https://127.0.0.1:$HTTPS/
interval = 1s

[probe.closed]
kind = tcp
target = 127.0.0.1:$CLOSED
interval = 1s

[probe.hang]
kind = http
target = http://127.0.0.1:$SILENT/
interval = 3s
timeout = 2s

[probe.ssh]
kind = tcp
target = 127.0.0.1:$BANNER
expect = ^SSH-2\.0-
interval = 1s

[probe.smtp]
kind = tcp
target = localhost:$BANNER
send = EHLO vigie\r\n
expect = ^220
interval = 1s

[probe.db]
kind = unix
target = $T/db.sock
expect = ^SSH
interval = 1s

[probe.gone]
kind = unix
target = $T/none.sock
interval = 1s
CONF
"$VIGIE" --config "$T/vigie.conf" --check-config >"$T/check" 2>&1 || fail "--check-config: $(cat "$T/check")"
start_vigie probes --config "$T/vigie.conf"
# the hung probe takes its whole timeout: wait for its first result
wait_for 10 serves "$VIGIE_URL/metrics" '^probe_success{probe="hang"} 0$' || fail "the hung probe never ended"

expect_series() {
        grep -qx -- "$1" "$T/served" || fail "no '$1' in: $(grep -E '^(probe|vigie_probe)' "$T/served")"
}
serves "$VIGIE_URL/metrics" '^probe_success' || fail "no probe series"
expect_series 'probe_success{probe="web"} 1'
expect_series 'probe_http_status_code{probe="web"} 200'
expect_series 'probe_success{probe="broken"} 0'
expect_series 'probe_http_status_code{probe="broken"} 500'
expect_series 'vigie_probe_failed{probe="broken",reason="status"} 1'
expect_series 'probe_success{probe="portal"} 1'
expect_series 'probe_http_status_code{probe="portal"} 200'
expect_series 'probe_success{probe="unknown_ca"} 0'
expect_series 'vigie_probe_failed{probe="unknown_ca",reason="tls"} 1'
expect_series 'probe_success{probe="closed"} 0'
expect_series 'vigie_probe_failed{probe="closed",reason="connect"} 1'
expect_series 'vigie_probe_failed{probe="hang",reason="timeout"} 1'
expect_series 'probe_success{probe="ssh"} 1'
expect_series 'probe_success{probe="smtp"} 0'
expect_series 'vigie_probe_failed{probe="smtp",reason="banner"} 1'
expect_series 'probe_success{probe="db"} 1'
expect_series 'vigie_probe_failed{probe="gone",reason="connect"} 1'
grep -q '^probe_http_status_code{probe="closed"}' "$T/served" && fail "a status code for a tcp probe"

expiry=$(value 'probe_ssl_earliest_cert_expiry{probe="portal"}')
[ -n "$expiry" ] || fail "no probe_ssl_earliest_cert_expiry"
[ "${expiry%.*}" = "$not_after" ] || fail "expiry $expiry, the certificate says $not_after"
diff=$((${expiry%.*} - want_expiry))
[ ${diff#-} -le 60 ] || fail "expiry $expiry is $diff s from now + $DAYS days"

hang_duration=$(value 'probe_duration_seconds{probe="hang"}')
python3 -c "import sys; d=float(sys.argv[1]); sys.exit(not 1.9 <= d < 3)" "$hang_duration" ||
        fail "the hung probe took $hang_duration s, not its 2 s timeout"

# scrapes stay fast while the hung probe waits out its timeout, and the
# other probes keep their 1 s interval meanwhile
for i in $(seq 10); do
        t=$(curl -fsS -o "$T/served" -w '%{time_total}' "$VIGIE_URL/metrics")
        python3 -c "import sys; sys.exit(float(sys.argv[1]) > 0.5)" "$t" || fail "scrape $i took $t s"
        sleep 0.3
done
d1=$(value 'probe_duration_seconds{probe="web"}')
sleep 1.5
serves "$VIGIE_URL/metrics" '^probe_success{probe="web"} 1$' || fail "web stopped succeeding"
d2=$(value 'probe_duration_seconds{probe="web"}')
[ "$d1" != "$d2" ] || fail "the web probe did not run again within 1.5 s (duration $d1 twice)"

# a reload while the hung probe waits out its timeout: the old probes stop
# (the hung one is left to finish and is freed after), the new ones run
sed -i '/^\[probe.broken\]/,/^$/d' "$T/vigie.conf"
kill -HUP "$VIGIE_PID"
wait_for 5 grep -q 'configuration reloaded' "$T/probes.log" || fail "no reload: $(tail -3 "$T/probes.log")"
serves_without "$VIGIE_URL/metrics" 'probe="broken"' || fail "the probe taken out of the file still shows"
serves "$VIGIE_URL/metrics" '^probe_success{probe="ssh"} 1$' || fail "ssh not probed after the reload"
sleep 2.5 # the hung probe's abandoned run ends meanwhile

# the server gone: its probes say so
kill "$SERVERS_PID"
wait_for 5 serves "$VIGIE_URL/metrics" '^vigie_probe_failed{probe="web",reason="connect"} 1$' ||
        fail "web still up with its server gone"
stop_pid "$VIGIE_PID" || fail "vigie did not stop cleanly: $(tail -5 "$T/probes.log")"
echo "ok: probes"
