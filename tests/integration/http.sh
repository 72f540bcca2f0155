#!/usr/bin/env bash
# HTTP: routes, methods, gzip, HEAD, the landing page, and hostile requests
# that must neither crash nor leak (run under ASan too: suite 'sanitized').
source "$(dirname "$0")/lib.sh"
need python3 curl

printf '[web]\nmax_requests = 8\nconnection_timeout = 1s\n' >"$T/http.conf"
start_vigie vigie --config "$T/http.conf"
port=${VIGIE_URL##*:}
python3 "$(dirname "$0")/http_check.py" 127.0.0.1 "$port" "$VIGIE_PID" || fail "http checks failed"
kill -0 "$VIGIE_PID" || fail "vigie died"
stop_pid "$VIGIE_PID" || fail "vigie exited with $? on SIGTERM"
! grep -Eq "AddressSanitizer|runtime error" "$T/vigie.log" || fail "sanitizer report: $(cat "$T/vigie.log")"
echo "http: ok"
