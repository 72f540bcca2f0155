#!/usr/bin/env bash
# mTLS and basic auth: Prometheus with --web.config.file asking for a
# client certificate signed by a CA made here with openssl, and a user and
# password; vigie pushes with its certificate, the CA file and the password
# from a file. A wrong password is refused (401), counted and logged.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/push-lib.sh"
need openssl

cd "$T"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=vigie test CA" -keyout ca.key -out ca.crt 2>/dev/null
make_cert() { # make_cert NAME EXT
        openssl req -newkey rsa:2048 -nodes -subj "/CN=$1" -keyout "$1.key" -out "$1.csr" 2>/dev/null
        printf '%s\n' "$2" >"$1.ext"
        openssl x509 -req -in "$1.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 -extfile "$1.ext" \
                -out "$1.crt" 2>/dev/null
}
make_cert server "subjectAltName=IP:127.0.0.1"
make_cert client "extendedKeyUsage=clientAuth"
hash=$(python3 -c "import crypt; print(crypt.crypt('s3cret', crypt.mksalt(crypt.METHOD_BLOWFISH)))" 2>/dev/null) ||
        skip "python3 cannot make a bcrypt hash here"
cat >web.yml <<YML
tls_server_config:
  cert_file: $T/server.crt
  key_file: $T/server.key
  client_auth_type: RequireAndVerifyClientCert
  client_ca_file: $T/ca.crt
basic_auth_users:
  vigie: '$hash'
YML
cd - >/dev/null
PROM_URL="https://127.0.0.1:$PROM_PORT"
PROM_CURL=(--cacert "$T/ca.crt" --cert "$T/client.crt" --key "$T/client.key" -u vigie:s3cret)
start_receiver --web.config.file="$T/web.yml"

printf 's3cret\n' >"$T/password"
chmod 600 "$T/password"
cat >"$T/vigie.conf" <<CONF
[push.target.central]
url = $PROM_URL/api/v1/write
ca_file = $T/ca.crt
cert_file = $T/client.crt
key_file = $T/client.key
username = vigie
password_file = $T/password

[push.target.wrong]
url = $PROM_URL/api/v1/write
ca_file = $T/ca.crt
cert_file = $T/client.crt
key_file = $T/client.key
username = vigie
password = not-the-password
CONF
start_vigie vigie --config "$T/vigie.conf" --push.interval=1s --push.queue-dir="$T/queue"
arrived() { [ "$(query 'count(vigie_build_info{job="vigie"})')" = 1 ]; }
wait_for 60 arrived || fail "nothing arrived over mTLS with basic auth: $(tail -5 "$T/vigie.log")"
wait_for 30 metric_is 'vigie_push_samples_dropped_total{reason="http_4xx",target="wrong"}' -gt 0 ||
        fail "the wrong password was not refused and counted"
grep -q "push wrong: HTTP 401" "$T/vigie.log" || fail "the 401 was not logged"
! grep -q "s3cret\|not-the-password" "$T/vigie.log" || fail "a password appeared in the log"
stop_pid "$VIGIE_PID" || fail "vigie exited with $?"
echo "push-tls: ok"
