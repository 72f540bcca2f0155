#!/usr/bin/env bash
# Secrets: --check-config refuses, with file:line, a secret file that group
# or others may read or write, one owned by another user, and a control
# character (a line break that would add a request header) in a token, a
# password, a user name or an extra header. A secret file's trailing
# newline is no part of the secret. A password in the URL never reaches the
# log, and no injected header reaches the receiver.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/push-lib.sh"

python3 "$(dirname "$0")/fake_receiver.py" "$T/port" "$T/requests" 204 &
PIDS+=($!)
wait_for 10 test -s "$T/port" || fail "fake receiver did not start"
touch "$T/requests"
url="http://127.0.0.1:$(cat "$T/port")/api/v1/write"

# conf NAME LINE...: a config of one target to the receiver, with LINEs
conf() {
        local name=$1
        shift
        { printf '[push.target.central]\nurl = %s\n' "$url" && printf '%s\n' "$@"; } >"$T/$name.conf"
}
# secret NAME MODE CONTENT: a secret file
secret() {
        printf "$3" >"$T/$1"
        chmod "$2" "$T/$1"
}
# refused NAME TEXT: --check-config refuses NAME.conf, saying TEXT about line 3
refused() {
        local rc=0
        "$VIGIE" --config "$T/$1.conf" --check-config >"$T/$1.out" 2>&1 || rc=$?
        [ $rc = 2 ] || fail "$1: --check-config exited with $rc: $(cat "$T/$1.out")"
        grep -qF -- "$T/$1.conf:3: " "$T/$1.out" || fail "$1: no file:line in: $(cat "$T/$1.out")"
        grep -qF -- "$2" "$T/$1.out" || fail "$1: expected '$2' in: $(cat "$T/$1.out")"
        echo "$1: $(cat "$T/$1.out")"
}

secret token644 644 'tok\n'
conf open "bearer_token_file = $T/token644"
refused open "permissions 0644 for $T/token644 are too open"
secret password666 666 'pass\n'
conf open-password "password_file = $T/password666" "username = vigie"
refused open-password "permissions 0666 for $T/password666 are too open"
secret token-group 640 'tok\n'
conf group "bearer_token_file = $T/token-group"
refused group "permissions 0640 for $T/token-group are too open"
if [ "$(id -u)" = 0 ] && id nobody >/dev/null 2>&1; then
        secret token-nobody 600 'tok\n'
        chown nobody "$T/token-nobody"
        conf owner "bearer_token_file = $T/token-nobody"
        refused owner "$T/token-nobody is owned by uid $(id -u nobody), neither vigie's user (uid 0) nor root"
else
        echo "not root: the case of a file owned by another user is left out"
fi
secret token-crlf 600 'tok\r\nX-Injected: yes\n'
conf crlf "bearer_token_file = $T/token-crlf"
refused crlf "$T/token-crlf holds a control character"
secret password-lf 600 'pa\nss\n'
conf lf-password "password_file = $T/password-lf" "username = vigie"
refused lf-password "$T/password-lf holds a control character"
conf control-token "$(printf 'bearer_token = tok\033en')"
refused control-token "bearer_token: a control character"
conf control-user "$(printf 'username = vi\001gie')" "password = x"
refused control-user "username: a control character"
conf control-header "$(printf 'header.X-Scope-OrgID = commune\00142')"
refused control-header "header.X-Scope-OrgID: not a valid header"

# the daemon refuses the injecting token too: nothing reaches the receiver
rc=0
"$VIGIE" --config "$T/crlf.conf" --web.listen-address=127.0.0.1:0 --push.queue-dir="$T/queue" \
        >"$T/crlf-run.log" 2>&1 || rc=$?
[ $rc = 2 ] || fail "vigie started with a token holding CR LF (exit $rc)"

# a good token file: 0600, its newline stripped; a password in the URL is masked in the log
secret token 600 'tok3n\n'
printf '[push.target.central]\nurl = %s\nbearer_token_file = %s\n[push.target.userinfo]\nurl = %s\n' \
        "$url" "$T/token" "${url/http:\/\//http://alice:hunter2@}" >"$T/good.conf"
"$VIGIE" --config "$T/good.conf" --check-config >"$T/good.out" 2>&1 || fail "good.conf refused: $(cat "$T/good.out")"
start_vigie vigie --config "$T/good.conf" --log.level=debug --push.interval=1s --push.queue-dir="$T/queue"
wait_for 20 metric_is 'vigie_push_samples_sent_total{target="central"}' -gt 0 || fail "nothing delivered"
wait_for 20 metric_is 'vigie_push_samples_sent_total{target="userinfo"}' -gt 0 || fail "nothing delivered with userinfo"
stop_pid "$VIGIE_PID" || fail "vigie exited with $?"
grep -qF "push userinfo: to http://alice:xxxxx@127.0.0.1:" "$T/vigie.log" || fail "the URL is not shown masked"
! grep -q hunter2 "$T/vigie.log" "$T/good.out" || fail "the URL's password reached the log"
! grep -q hunter2 "$T"/*.out || fail "the URL's password reached --check-config's output"
grep -q ' Bearer_tok3n ' "$T/requests" || fail "the token did not arrive as it is in its file, less its newline"
grep -q ' Basic_' "$T/requests" || fail "the URL's user and password were not used"
! grep -v ' Bearer_tok3n \| Basic_' "$T/requests" || fail "a request with another Authorization"
! awk '$6 != "-"' "$T/requests" | grep -q . || fail "an unexpected header reached the receiver"

# a URL refused for its scheme is shown masked too
printf '[push.target.central]\nurl = ftp://alice:hunter2@127.0.0.1/x\n' >"$T/scheme.conf"
rc=0
"$VIGIE" --config "$T/scheme.conf" --check-config >"$T/scheme.out" 2>&1 || rc=$?
[ $rc = 2 ] && grep -qF "'ftp://alice:xxxxx@127.0.0.1/x' is not an http:// or https:// URL" "$T/scheme.out" ||
        fail "the ftp URL: $(cat "$T/scheme.out")"
! grep -q hunter2 "$T/scheme.out" || fail "the URL's password reached --check-config's output"
# and so is one given as a flag
rc=0
"$VIGIE" --push.url ftp://alice:hunter2@127.0.0.1/x --check-config >"$T/flag.out" 2>&1 || rc=$?
[ $rc = 2 ] && grep -qF "not an http:// or https:// URL" "$T/flag.out" || fail "the ftp URL flag: $(cat "$T/flag.out")"
! grep -q hunter2 "$T/flag.out" || fail "the flag URL's password reached the error message"
echo "push-secrets: ok"
