#!/usr/bin/env bash
# Redirects: 307 and 308 within the target's origin are followed with the
# body, relative or absolute, and every batch arrives; 301, 302, a redirect
# loop and a 307 to another origin drop nothing: the batches stay queued,
# the log says so once per change, naming the status and the Location,
# and they arrive once the receiver stops redirecting. Neither samples nor
# the token go to the other origin.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/push-lib.sh"

ctl=$T/control
echo 307=/accept >"$ctl"
python3 "$(dirname "$0")/fake_receiver.py" "$T/port" "$T/requests" "@$ctl" &
PIDS+=($!)
python3 "$(dirname "$0")/fake_receiver.py" "$T/port2" "$T/requests2" 204 &
PIDS+=($!)
wait_for 10 test -s "$T/port" -a -s "$T/port2" || fail "fake receivers did not start"
port=$(cat "$T/port") port2=$(cat "$T/port2")
touch "$T/requests" "$T/requests2"
printf 'tok3n\n' >"$T/token"
chmod 600 "$T/token"
printf '[push.target.central]\nurl = http://127.0.0.1:%s/api/v1/write\nbearer_token_file = %s\n' \
        "$port" "$T/token" >"$T/vigie.conf"
# run NAME: vigie started anew (a fresh backoff; the queue stays on disk)
run() { start_vigie "$1" --config "$T/vigie.conf" --log.level=debug --push.interval=1s --push.queue-dir="$T/queue"; }
# accepted_at_least PATH N: N batches accepted (204) at PATH
accepted_at_least() { [ "$(grep -c "^204 [0-9]* $1 " "$T/requests")" -ge "$2" ]; }
# kept NAME TEXT: a run of a few intervals drops nothing, keeps the batches
# queued and logs TEXT once
kept() {
        run "$1"
        sleep 3.5
        metric_is 'vigie_push_samples_dropped_total{reason="http_4xx",target="central"}' -eq 0 ||
                fail "$1: batches were dropped"
        metric_is 'vigie_push_queue_batches{target="central"}' -ge 3 || fail "$1: the batches did not stay queued"
        retries=$(metric 'vigie_push_retries_total{target="central"}')
        stop_pid "$VIGIE_PID" || fail "$1: vigie exited with $?"
        [ "$(grep -cF -- "$2" "$T/$1.log")" = 1 ] || fail "$1: not logged once: $2"
}

# a 307 with a relative Location, then a 308 with an absolute one: followed
run follow
wait_for 20 accepted_at_least /accept 3 || fail "307 not followed: $(tail -3 "$T/follow.log")"
grep -q '^307 [0-9]* /api/v1/write ' "$T/requests" || fail "no 307 seen"
echo "308=http://127.0.0.1:$port/accept2" >"$ctl"
wait_for 20 accepted_at_least /accept2 3 || fail "308 not followed"
stop_pid "$VIGIE_PID" || fail "vigie exited with $?"
! grep -q "push central: HTTP 30[78]" "$T/follow.log" || fail "a followed redirect was logged as a problem"

# 301 and 302: not followed (a POST would become a GET), the queue kept
echo 301=/moved >"$ctl"
kept moved301 "push central: HTTP 301 to http://127.0.0.1:$port/moved: only 307 and 308 are followed"
echo 302=/moved >"$ctl"
kept moved302 "push central: HTTP 302 to http://127.0.0.1:$port/moved: only 307 and 308 are followed"
! grep -q " /moved " "$T/requests" || fail "a 301 or 302 was followed"

# a loop: bounded (the first request and 5 hops per send), the queue kept
echo 307=/api/v1/write >"$ctl"
before=$(wc -l <"$T/requests")
kept loop "push central: HTTP 307 to http://127.0.0.1:$port/api/v1/write: more than 5 redirects in a row"
loop=$(($(wc -l <"$T/requests") - before))
echo "redirect loop: $loop requests in $retries sends"
[ "$retries" -gt 0 ] && [ "$loop" -ge $((6 * retries)) ] && [ "$loop" -le $((6 * retries + 6)) ] ||
        fail "a loop of $loop requests in $retries sends is not 6 a send"

# a 307 to another origin (another port): not followed, nothing goes there
echo "307=http://127.0.0.1:$port2/accept" >"$ctl"
kept cross "push central: HTTP 307 to http://127.0.0.1:$port2/accept, another origin"
[ ! -s "$T/requests2" ] || fail "samples or the token went to another origin"

# the receiver accepts again: everything queued arrives, in order, once
echo 204 >"$ctl"
run back
wait_for 30 metric_is 'vigie_push_queue_batches{target="central"}' -eq 0 || fail "the queue did not drain"
grep -q "push central: delivering" "$T/back.log" || fail "the recovery was not logged"
stop_pid "$VIGIE_PID" || fail "vigie exited with $?"
cat "$T"/{follow,moved301,moved302,loop,cross,back}.log |
        sed -n 's/.*push central: queued [0-9]* samples at \([0-9]*\).*/\1/p' >"$T/queued"
# (a batch accepted as vigie stopped is sent again at the next start: uniq)
awk '$1 == 204 { print $4 }' "$T/requests" | uniq >"$T/accepted"
echo "$(wc -l <"$T/queued") batches queued, $(wc -l <"$T/accepted") accepted"
# the last batch may have been queued just before the stop
head -n "$(wc -l <"$T/accepted")" "$T/queued" | diff - "$T/accepted" || fail "accepted batches differ from queued"
[ $(($(wc -l <"$T/queued") - $(wc -l <"$T/accepted"))) -le 1 ] || fail "batches missing"
! awk '$1 == 204 && $5 != "Bearer_tok3n"' "$T/requests" | grep -q . || fail "a batch without its token"
echo "push-redirect: ok"
