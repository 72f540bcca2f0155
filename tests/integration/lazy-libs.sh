#!/usr/bin/env bash
# The libraries of features a server may not use are loaded only when the
# feature is on (dlopen), so that they cost the others no memory: an agent
# with its defaults maps neither libyaml nor libcrypt (--web.config.file),
# nor libcurl nor libsnappy (push, http probes); one given a web
# configuration maps libyaml and libcrypt, and checks a password with them.
# GnuTLS, which libmicrohttpd links, is mapped in every agent but
# initialised only with a web configuration (agent/tls_library.c): its
# code stays out of memory in the others.
source "$(dirname "$0")/lib.sh"
need curl python3

# mapped PID: the basenames of the files PID maps, a line each
mapped() {
        awk '$6 ~ /^\// { n = split($6, p, "/"); print p[n] }' /proc/"$1"/maps | sort -u
}

# code_kb PID: resident kB of libgnutls's executable mapping in PID
code_kb() {
        awk '$6 ~ /libgnutls\.so/ && $2 ~ /x/ { on = 1; next } /^[0-9a-f]+-/ { on = 0 } on && $1 == "Rss:" { print $2 }' \
                /proc/"$1"/smaps
}

start_vigie plain
serves "$VIGIE_URL/metrics" '^node_cpu_seconds_total' || fail "no metrics"
mapped "$VIGIE_PID" >"$T/plain.maps"
plain_tls_kb=$(code_kb "$VIGIE_PID")
for lib in libyaml libcrypt libcurl libsnappy; do
        ! grep -q "^$lib" "$T/plain.maps" || fail "$lib is mapped with no feature that needs it: $(grep "^$lib" "$T/plain.maps")"
done

password=s3cret-$RANDOM
hash=$(python3 -c "import crypt, sys; print(crypt.crypt(sys.argv[1], crypt.mksalt(crypt.METHOD_BLOWFISH)))" \
        "$password" 2>/dev/null) || skip "python3 cannot make a bcrypt hash here"
cat >"$T/web.yml" <<YML
basic_auth_users:
  prom: '$hash'
YML
# every endpoint asks for the password
launch_vigie web --web.config.file="$T/web.yml"
VIGIE_URL="http://127.0.0.1:$VIGIE_PORT"
wait_for 10 curl -fsS -u "prom:$password" "$VIGIE_URL/-/ready" || fail "vigie not ready"
code=$(curl -s -o /dev/null -w '%{http_code}' "$VIGIE_URL/metrics")
[ "$code" = 401 ] || fail "no password: HTTP $code, not 401"
curl -fsS -u "prom:$password" "$VIGIE_URL/metrics" -o "$T/served" || fail "the right password is refused"
grep -q '^node_cpu_seconds_total' "$T/served" || fail "no metrics with the right password"
mapped "$VIGIE_PID" >"$T/web.maps"
for lib in libyaml libcrypt; do
        grep -q "^$lib" "$T/web.maps" || fail "$lib is not mapped although the web configuration needs it"
done
web_tls_kb=$(code_kb "$VIGIE_PID")
[ -n "$plain_tls_kb" ] && [ -n "$web_tls_kb" ] || fail "libgnutls is not mapped (plain: '$plain_tls_kb', web: '$web_tls_kb')"
# initialised, GnuTLS runs about 550 kB of its code; left alone, the
# dynamic linker's fault-around maps one 64 kB window
[ $((plain_tls_kb * 2)) -lt "$web_tls_kb" ] ||
        fail "GnuTLS's code is resident without a web configuration: $plain_tls_kb kB, $web_tls_kb kB with one"
echo "lazy-libs: ok (mapped by default: $(grep -c . "$T/plain.maps") files; GnuTLS's code resident: $plain_tls_kb kB, $web_tls_kb kB with a web configuration)"
