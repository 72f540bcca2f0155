#!/usr/bin/env bash
# /metrics over HTTPS with --web.config.file, node_exporter's format: a CA,
# a server certificate and client certificates made here with openssl, a
# bcrypt user. Client certificates are required and verified, TLS 1.1 is
# refused, a wrong password is 401 and counted, the hash and passwords
# never reach the log; SIGHUP with a rotated certificate serves it to new
# handshakes and keeps the connections being served (http_tls_check.py).
# Then a real Prometheus scrapes over HTTPS with its tls_config and
# basic_auth (up), and with a wrong password (down, 401 counted).
source "$(dirname "$0")/lib.sh"
need openssl python3 curl

cd "$T"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=vigie test CA" -keyout ca.key -out ca.crt 2>/dev/null
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=another CA" -keyout other.key -out other.crt 2>/dev/null
make_cert() { # make_cert NAME EXT [CA]
        openssl req -newkey rsa:2048 -nodes -subj "/CN=$1" -keyout "$1.key" -out "$1.csr" 2>/dev/null
        printf '%s\n' "$2" >"$1.ext"
        openssl x509 -req -in "$1.csr" -CA "${3:-ca}.crt" -CAkey "${3:-ca}.key" -CAcreateserial -days 2 \
                -extfile "$1.ext" -out "$1.crt" 2>/dev/null
}
make_cert server "subjectAltName=IP:127.0.0.1"
make_cert server2 "subjectAltName=IP:127.0.0.1"
make_cert client "extendedKeyUsage=clientAuth"
make_cert stranger "extendedKeyUsage=clientAuth" other
password=s3cret-$RANDOM
hash=$(python3 -c "import crypt, sys; print(crypt.crypt(sys.argv[1], crypt.mksalt(crypt.METHOD_BLOWFISH)))" \
        "$password" 2>/dev/null) || skip "python3 cannot make a bcrypt hash here"
# node_exporter's documented form, relative paths included
cat >web.yml <<YML
tls_server_config:
  cert_file: server.crt
  key_file: server.key
  client_auth_type: RequireAndVerifyClientCert
  client_ca_file: ca.crt
  min_version: TLS12
http_server_config:
  headers:
    X-Frame-Options: deny
basic_auth_users:
  prom: '$hash'
YML
cd - >/dev/null

"$VIGIE" --check-config --web.config.file="$T/web.yml" >/dev/null || fail "--check-config refused the web config"
# files that do not load are refused with the web config's line, exit 2
printf 'tls_server_config:\n  cert_file: server.crt\n  key_file: client.key\n' >"$T/web-badkey.yml"
printf 'tls_server_config:\n  cert_file: nothere.crt\n  key_file: server.key\n' >"$T/web-nocert.yml"
for bad in "web-badkey.yml:3: tls_server_config.key_file: '$T/client.key': not the key of the certificate in cert_file" \
        "web-nocert.yml:2: tls_server_config.cert_file: '$T/nothere.crt': cannot read it"; do
        rc=0
        "$VIGIE" --check-config --web.config.file="$T/${bad%%:*}" >"$T/check.out" 2>&1 || rc=$?
        [ "$rc" -eq 2 ] && grep -qF "$T/$bad" "$T/check.out" || fail "exit $rc, not 2 with '$bad': $(cat "$T/check.out")"
done
launch_vigie vigie --web.config.file="$T/web.yml"
port=$VIGIE_PORT
curl_tls=(-fsS --cacert "$T/ca.crt" --cert "$T/client.crt" --key "$T/client.key" -u "prom:$password")
wait_for 10 curl "${curl_tls[@]}" "https://127.0.0.1:$port/-/ready" || fail "vigie not ready over HTTPS"
! curl -fsS -m 5 "http://127.0.0.1:$port/metrics" -o /dev/null 2>/dev/null || fail "plain HTTP answered"

python3 "$(dirname "$0")/http_tls_check.py" "$port" "$T" "$VIGIE_PID" "$password" || fail "HTTPS checks failed"

# a real Prometheus, once with the right credentials and once without
prom_port=$(free_port)
cat >"$T/prometheus.yml" <<YML
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: vigie
    scheme: https
    tls_config: {ca_file: $T/ca.crt, cert_file: $T/client.crt, key_file: $T/client.key}
    basic_auth: {username: prom, password: '$password'}
    static_configs: [{targets: ['127.0.0.1:$port']}]
  # a wrong password pays bcrypt in full (as a right one does once, then
  # cached), over a second under ASan on a loaded machine
  - job_name: wrong
    scrape_interval: 5s
    scrape_timeout: 5s
    scheme: https
    tls_config: {ca_file: $T/ca.crt, cert_file: $T/client.crt, key_file: $T/client.key}
    basic_auth: {username: prom, password: not-it}
    static_configs: [{targets: ['127.0.0.1:$port']}]
YML
if command -v prometheus >/dev/null; then
        prometheus --config.file="$T/prometheus.yml" --storage.tsdb.path="$T/data" \
                --web.listen-address="127.0.0.1:$prom_port" --log.level=warn >"$T/prometheus.log" 2>&1 &
        PIDS+=($!)
        api="http://127.0.0.1:$prom_port/api/v1"
        wait_for 30 curl -fsS "http://127.0.0.1:$prom_port/-/ready" || fail "prometheus did not become ready"
        health() { # health JOB HEALTH ERROR-REGEX
                curl -fsS "$api/targets" | python3 -c '
import json, re, sys
t = [x for x in json.load(sys.stdin)["data"]["activeTargets"] if x["labels"]["job"] == sys.argv[1]]
sys.exit(0 if t and t[0]["health"] == sys.argv[2] and re.search(sys.argv[3], t[0]["lastError"]) else 1)' "$@"
        }
        wait_for 30 health vigie up '^$' || fail "not up over HTTPS: $(curl -fsS "$api/targets")"
        wait_for 30 health wrong down '401' || fail "a wrong password not down with 401: $(curl -fsS "$api/targets")"
        in_prometheus() {
                curl -fsS --get --data-urlencode 'query=vigie_http_requests_unauthorized_total{job="vigie"} > 0' \
                        "$api/query" | grep -q '"value"'
        }
        wait_for 30 in_prometheus || fail "the 401s are not counted in vigie_http_requests_unauthorized_total"
else
        echo "prometheus is not installed: no scrape by a real Prometheus"
fi

curl "${curl_tls[@]}" "https://127.0.0.1:$port/metrics" -o "$T/metrics"
grep -q '^vigie_http_requests_unauthorized_total [1-9]' "$T/metrics" || fail "401s not counted"
! grep -qF -e "$password" -e "$hash" -e "not-it" "$T/vigie.log" || fail "a password or hash reached the log"
kill -0 "$VIGIE_PID" || fail "vigie died"
stop_pid "$VIGIE_PID" || fail "vigie exited with $? on SIGTERM"
! grep -Eq "AddressSanitizer|runtime error" "$T/vigie.log" || fail "sanitizer report: $(cat "$T/vigie.log")"
echo "http-tls: ok"
