#!/usr/bin/env bash
# Slowloris and connection floods never stop a scrape: 60 half-open
# connections from one client (a request line and one header, then a byte
# a second, never finished), a flood of connections from one client, and
# 60 half-open ones from each of six clients; meanwhile a scrape every
# 0.5 s from another address must be answered within 2 s, and the held
# connections are ended by header_timeout. node_exporter 1.5 takes the
# same load first, as the reference; then vigie over TLS, with handshakes
# begun and never finished. Run under ASan too (suite 'sanitized').
source "$(dirname "$0")/lib.sh"
need python3 curl
check=$(dirname "$0")/http_slowloris.py
python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.2", 0))' 2>/dev/null ||
        skip "cannot bind to 127.0.0.2 (the strangers' address)"

if command -v prometheus-node-exporter >/dev/null; then
        ne_port=$(free_port)
        prometheus-node-exporter --web.listen-address="127.0.0.1:$ne_port" >"$T/node-exporter.log" 2>&1 &
        PIDS+=($!)
        wait_for 10 curl -fsS "http://127.0.0.1:$ne_port/metrics" || fail "node_exporter did not start"
        for mode in halfopen flood; do
                python3 "$check" 127.0.0.1 "$ne_port" "$mode" 3 || fail "node_exporter under $mode"
        done
else
        echo "prometheus-node-exporter is not installed: no reference run"
fi

printf '[web]\nheader_timeout = 2s\nconnection_timeout = 30s\n' >"$T/web.conf"
start_vigie vigie --config "$T/web.conf"
port=${VIGIE_URL##*:}
# hold PORT MODE [SCHEME]: scrapes go on under MODE, and vigie ended every
# connection it held past header_timeout
hold() {
        local out held
        out=$(python3 "$check" 127.0.0.1 "$1" "$2" 4 "${3:-http}") || fail "vigie ${3:-http} under $2: $out"
        echo "${3:-http}: $out"
        held=$(sed -n 's/.*: \([0-9]*\) connection(s) held$/\1/p' <<<"$out")
        grep -q "^closed=$held$" <<<"$out" || fail "${3:-http} $2: connections outlived header_timeout: $out"
}
for mode in halfopen flood spread; do
        hold "$port" "$mode"
done
curl -fsS "$VIGIE_URL/metrics" -o "$T/metrics"
grep vigie_http_ "$T/metrics"
value() { sed -n "s/^$1 //p" "$T/metrics"; }
per_client=$(value 'vigie_http_connections_refused_total{reason="per_client"}')
reserved=$(value 'vigie_http_connections_refused_total{reason="reserved"}')
headers=$(value 'vigie_http_connections_timed_out_total{phase="headers"}')
# halfopen: 60 tried, 10 taken (max_requests_per_client), 50 refused
[ "${per_client:-0}" -ge 50 ] || fail "refusals per client not counted: $per_client"
[ "${reserved:-0}" -ge 1 ] || fail "refusals of the reserve not counted: $reserved"
[ "${headers:-0}" -ge 10 ] || fail "header timeouts not counted: $headers"
kill -0 "$VIGIE_PID" || fail "vigie died"
stop_pid "$VIGIE_PID" || fail "vigie exited with $? on SIGTERM"

# the same over TLS: TLS handshakes begun and never finished hold no slot
# past header_timeout, and scrapes over HTTPS go on meanwhile
if command -v openssl >/dev/null; then
        openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=127.0.0.1" -keyout "$T/tls.key" \
                -out "$T/tls.crt" 2>/dev/null
        printf 'tls_server_config:\n  cert_file: tls.crt\n  key_file: tls.key\n' >"$T/web.yml"
        launch_vigie vigie-tls --config "$T/web.conf" --web.config.file="$T/web.yml"
        wait_for 10 curl -fsSk "https://127.0.0.1:$VIGIE_PORT/-/ready" || fail "vigie over TLS not ready"
        for mode in halfopen spread; do
                hold "$VIGIE_PORT" "$mode" https
        done
        stop_pid "$VIGIE_PID" || fail "vigie over TLS exited with $? on SIGTERM"
else
        echo "openssl is not installed: no TLS run"
fi
! grep -Eq "AddressSanitizer|runtime error" "$T"/vigie*.log || fail "sanitizer report: $(cat "$T"/vigie*.log)"
echo "http-slowloris: ok"
