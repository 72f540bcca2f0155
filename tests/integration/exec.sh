#!/bin/bash
# The exec collector inside the agent: programs that hang, leave a child
# holding the pipe, ignore SIGTERM, escape with setsid, print too much, no
# final newline, CRLF, TYPE after samples, exit 1 with valid output;
# long-running programs that answer, never end a frame, or die; the
# scrape stays fast meanwhile, and the agent's descriptors and children
# stay flat over many runs. Each program's leftovers are found by a
# number of its own in its command line.
. "$(dirname "$0")/lib.sh"
need curl

value() { sed -n "s/^$1 \(.*\)$/\1/p" "$T/served"; }
# processes of the programs (sleep 300N) older than any run of theirs;
# not those older than this test (another run's, stopped half-way)
leftovers() {
        local pid t
        for pid in $(pgrep -f 'sleep 300[0-9]' || true); do
                t=$(ps -o etimes= -p "$pid" || true)
                if [ -n "$t" ] && [ "$t" -gt 3 ] && [ "$t" -le "$SECONDS" ]; then
                        ps -o pid,etimes,cmd -p "$pid" || true
                fi
        done
}
children() { ps -o pid= --ppid "$1" | wc -l; }
# the fewest descriptors over 2 s: runs going on hold a few each
fds() {
        local n min=1000000
        for _ in $(seq 20); do
                n=$(ls "/proc/$1/fd" | wc -l)
                [ "$n" -lt "$min" ] && min=$n
                sleep 0.1
        done
        echo "$min"
}

# no program configured: no series, no thread of its own
start_vigie idle
serves "$VIGIE_URL/metrics" '^node_scrape_collector_success{collector="exec"} 1$' || fail "exec collector not ok when idle"
serves_without "$VIGIE_URL/metrics" '^vigie_exec_' || fail "exec series without a program"
stop_pid "$VIGIE_PID" || true

# as root, a program is refused unless allow_root says otherwise
if [ "$(id -u)" = 0 ]; then
        printf '[exec.app]\ncommand = echo m 1\n' >"$T/root.conf"
        if "$VIGIE" --config "$T/root.conf" --check-config >"$T/root.out" 2>&1; then
                fail "a program accepted as root without allow_root"
        fi
        grep -q 'vigie runs as root, and a program runs as the agent does' "$T/root.out" ||
                fail "no word on root: $(cat "$T/root.out")"
        ROOT='allow_root = true'
else
        ROOT=
fi

# from the first scrape on (--once): a family that a built-in collector
# (loadavg's node_load1) or a program before has, printed again, is left
# out, with another type as with the same: never a series twice
cat >"$T/once.conf" <<CONF
[exec.same_help]
command = sh -c 'echo "# HELP node_load1 1m load average."; echo "# TYPE node_load1 gauge"; echo node_load1 42'
$ROOT

[exec.counter]
command = sh -c 'echo "# TYPE node_load1 counter"; echo node_load1 7'
$ROOT

[exec.first]
command = sh -c 'echo "# HELP backup_ok Whether the backup went well."; echo "# TYPE backup_ok gauge"; echo backup_ok 1'
$ROOT

[exec.second]
command = sh -c 'echo "# HELP backup_ok Whether the backup went well."; echo "# TYPE backup_ok gauge"; echo backup_ok 0'
$ROOT
CONF
"$VIGIE" --once --config "$T/once.conf" >"$T/once.prom" 2>"$T/once.log" || fail "--once: exit $?: $(cat "$T/once.log")"
[ "$(grep -c '^node_load1 ' "$T/once.prom")" = 1 ] && ! grep -Eq '^node_load1 (42|7)$' "$T/once.prom" ||
        fail "--once: node_load1 not loadavg's alone: $(grep '^node_load1 ' "$T/once.prom")"
[ "$(grep -c '^backup_ok ' "$T/once.prom")" = 1 ] && grep -qx 'backup_ok 1' "$T/once.prom" ||
        fail "--once: backup_ok: $(grep '^backup_ok ' "$T/once.prom")"
PYTHONPATH="$SOURCE_ROOT/tests/integration" python3 -c 'import sys, expfmt; expfmt.parse(open(sys.argv[1]).read())' \
        "$T/once.prom" || fail "--once: the exposition does not parse"
if command -v promtool >/dev/null; then
        promtool check metrics <"$T/once.prom" >"$T/promtool.out" 2>&1 || true
        ! grep -q 'error' "$T/promtool.out" || fail "--once: promtool: $(grep error "$T/promtool.out")"
fi
grep -q 'exec.counter: family node_load1 is loadavg.s already, with another type' "$T/once.log" ||
        fail "--once: the clash not said: $(cat "$T/once.log")"

cat >"$T/crlf.sh" <<'SH'
#!/bin/sh
printf 'm_crlf 1\r\n'
SH
cat >"$T/noterm.sh" <<'SH'
#!/bin/sh
trap '' TERM
sleep 3003
sleep 3003
SH
chmod +x "$T/crlf.sh" "$T/noterm.sh"

cat >"$T/vigie.conf" <<CONF
[exec.hang]
command = sleep 3001
interval = 2s
timeout = 500ms
$ROOT

[exec.holds_pipe]
command = sh -c 'sleep 3002 & echo m_holds_pipe 1'
interval = 1s
$ROOT

[exec.noterm]
command = $T/noterm.sh
interval = 3s
timeout = 200ms
$ROOT

[exec.escape]
command = setsid sleep 3004 & echo m_escape 1
shell = true
interval = 1s
$ROOT

[exec.big]
command = yes m_big 1
interval = 1s
max_output_bytes = 10000
$ROOT

[exec.long_line]
command = printf 'm_long_line{a="%0200d"} 1\n' 0
shell = true
max_line_length = 100
interval = 1s
$ROOT

[exec.no_newline]
command = printf 'm_no_newline 1'
interval = 1s
$ROOT

[exec.crlf]
command = $T/crlf.sh
interval = 1s
$ROOT

[exec.type_after]
command = printf 'm_type_after 1\n# TYPE m_type_after gauge\n'
interval = 1s
$ROOT

[exec.exit1]
command = sh -c 'echo m_exit1 7; echo something went wrong >&2; exit 1'
interval = 1s
$ROOT

[exec.clash_builtin]
command = sh -c 'echo "# TYPE node_load1 counter"; echo node_load1 1'
interval = 1s
$ROOT

[exec.dup_a]
command = echo m_shared 1
interval = 1s
$ROOT

[exec.dup_b]
command = echo m_shared 2
interval = 1s
$ROOT

[exec.env]
command = sh -c 'echo "m_env{site=\"\$SITE\",home=\"\${HOME:-none}\"} 1"'
env.SITE = mairie
interval = 1s
$ROOT

[exec.stream]
command = sh -c 'n=0; while read -r _; do n=\$((n+1)); echo "m_stream \$n"; echo "# EOF"; done'
mode = stream
interval = 1s
$ROOT

[exec.stream_no_eof]
command = sh -c 'while read -r _; do echo m_stream_no_eof 1; done'
mode = stream
interval = 1s
timeout = 300ms
$ROOT

[exec.stream_dies]
command = sh -c 'read -r _; exit 4'
mode = stream
interval = 1s
$ROOT
CONF
start_vigie execs --config "$T/vigie.conf"
wait_for 10 serves "$VIGIE_URL/metrics" '^vigie_exec_timeouts_total{program="noterm"} [1-9]' ||
        fail "noterm never timed out: $(grep exec "$T/served")"

# a scrape never waits for a program, hung or not
for _ in 1 2 3 4 5; do
        t=$(curl -fsS -o "$T/served" -w '%{time_total}' "$VIGIE_URL/metrics")
        awk -v t="$t" 'BEGIN { exit !(t < 0.5) }' || fail "a scrape took ${t}s while programs hang"
done

serves "$VIGIE_URL/metrics" '^vigie_exec_success{program="hang"} 0$' || fail "hang: not failed"
# each program as the engine shows a collector, for the alerts on collectors
serves "$VIGIE_URL/metrics" '^node_scrape_collector_success{collector="exec.hang"} 0$' || fail "hang: no collector row"
serves "$VIGIE_URL/metrics" '^node_scrape_collector_success{collector="exec.exit1"} 1$' || fail "exit1: no collector row"
serves "$VIGIE_URL/metrics" '^node_scrape_collector_duration_seconds{collector="exec.holds_pipe"} ' ||
        fail "holds_pipe: no collector duration"
[ "$(grep -c '^# TYPE node_scrape_collector_success ' "$T/served")" = 1 ] || fail "node_scrape_collector_success twice"
serves "$VIGIE_URL/metrics" '^vigie_exec_timeouts_total{program="hang"} [1-9]' || fail "hang: no timeout counted"
serves "$VIGIE_URL/metrics" '^vigie_exec_last_exit_code{program="hang"} 143$' || fail "hang: not ended by SIGTERM"
serves "$VIGIE_URL/metrics" '^vigie_exec_last_exit_code{program="noterm"} 137$' || fail "noterm: not ended by SIGKILL"
d=$(value 'vigie_exec_duration_seconds{program="noterm"}')
awk -v d="$d" 'BEGIN { exit !(d >= 1.1 && d < 3) }' || fail "noterm took ${d}s: not its timeout and a grace"

serves "$VIGIE_URL/metrics" '^m_holds_pipe 1$' || fail "holds_pipe: its output not served"
d=$(value 'vigie_exec_duration_seconds{program="holds_pipe"}')
awk -v d="$d" 'BEGIN { exit !(d < 0.5) }' || fail "holds_pipe took ${d}s: the run waited for its child"
serves "$VIGIE_URL/metrics" '^m_escape 1$' || fail "escape: its output not served"
serves "$VIGIE_URL/metrics" '^m_no_newline 1$' || fail "no_newline: refused"
serves "$VIGIE_URL/metrics" '^m_exit1 7$' || fail "exit1: its valid output not served"
serves "$VIGIE_URL/metrics" '^vigie_exec_last_exit_code{program="exit1"} 1$' || fail "exit1: exit code not 1"
serves "$VIGIE_URL/metrics" '^m_env{home="none",site="mairie"} 1$' ||
        serves "$VIGIE_URL/metrics" '^m_env{site="mairie",home="none"} 1$' || fail "env: not the configured environment"
grep -q 'exec exit1: stderr: something went wrong' "$T/execs.log" || fail "exit1: its stderr not logged"

for p in big long_line crlf type_after; do
        serves "$VIGIE_URL/metrics" "^vigie_exec_success{program=\"$p\"} 0$" || fail "$p: accepted"
        serves "$VIGIE_URL/metrics" "^vigie_exec_output_errors_total{program=\"$p\"} [1-9]" || fail "$p: no output error"
        serves_without "$VIGIE_URL/metrics" "^m_$p" || fail "$p: part of its output served"
done
grep -q 'exec big: output refused: more than 10000 bytes' "$T/execs.log" || fail "big: no word"
grep -q 'exec long_line: output refused: line 1 is longer than 100 bytes' "$T/execs.log" || fail "long_line: no word"
grep -q 'exec crlf: output refused: line 1 ends in CR' "$T/execs.log" || fail "crlf: no word"
grep -q 'exec type_after: output refused: line 2: TYPE for m_type_after after its samples' "$T/execs.log" ||
        fail "type_after: no word"

# long-running: one process answers frame after frame
serves "$VIGIE_URL/metrics" '^vigie_exec_restarts_total{program="stream"} 0$' || fail "stream: restarted"
n=$(value m_stream)
[ "${n:-0}" -ge 2 ] || fail "stream: frame $n: not one process asked again and again"
# no # EOF: the frame times out, nothing of it is served, the program is
# started again; one that dies is started again after 1 s, 2 s, 4 s...
serves "$VIGIE_URL/metrics" '^vigie_exec_timeouts_total{program="stream_no_eof"} [1-9]' || fail "stream_no_eof: no timeout"
serves_without "$VIGIE_URL/metrics" '^m_stream_no_eof' || fail "stream_no_eof: a frame without # EOF served"
grep -q 'exec stream_no_eof: no frame ended by # EOF within its timeout of 300 ms' "$T/execs.log" ||
        fail "stream_no_eof: no word"
# its restart comes 1 s after the timeout at the soonest: waited for
wait_for 10 serves "$VIGIE_URL/metrics" '^vigie_exec_restarts_total{program="stream_no_eof"} [1-9]' ||
        fail "stream_no_eof: not restarted"
serves "$VIGIE_URL/metrics" '^vigie_exec_last_exit_code{program="stream_dies"} 4$' || fail "stream_dies: not its exit code"
grep -q 'exec stream_dies: exited before its frame ended by # EOF' "$T/execs.log" || fail "stream_dies: no word"


# descriptors and children flat over many runs (a run a second for each
# of the programs above)
fd0=$(fds "$VIGIE_PID")
runs0=$(value 'vigie_exec_runs_total{program="escape"}')
sleep 12
serves "$VIGIE_URL/metrics" '^vigie_exec_runs_total' || fail "no runs counted"
runs1=$(value 'vigie_exec_runs_total{program="escape"}')
[ $((runs1 - runs0)) -ge 8 ] || fail "escape ran $((runs1 - runs0)) times in 12 s"
# what the programs left behind went with their runs: their children,
# the setsid escape, the one that ignored SIGTERM
[ -z "$(leftovers)" ] || fail "processes outlived their runs: $(leftovers)"
fd1=$(fds "$VIGIE_PID")
[ "$fd1" -le "$fd0" ] || fail "descriptors grew from $fd0 to $fd1"
# a run may be going on right now: its program and what it started
[ "$(children "$VIGIE_PID")" -le 6 ] || fail "children pile up: $(ps -o pid,stat,cmd --ppid "$VIGIE_PID")"
[ "$(ps -o stat= --ppid "$VIGIE_PID" | grep -c Z)" -le 2 ] ||
        fail "zombies pile up: $(ps -o pid,stat,cmd --ppid "$VIGIE_PID")"

grep -q 'exec stream_dies: started again in 4000 ms' "$T/execs.log" ||
        fail "stream_dies: no backoff: $(grep 'stream_dies: started again' "$T/execs.log")"
serves "$VIGIE_URL/metrics" '^vigie_exec_restarts_total{program="stream_dies"} [2-9]' || fail "stream_dies: not restarted"
serves "$VIGIE_URL/metrics" '^vigie_exec_restarts_total{program="stream"} 0$' || fail "stream: restarted"

# a family of a built-in collector (loadavg's gauge node_load1) printed
# as a counter is left out, run after run, the program's run accepted;
# two programs printing one family: the second's is left out, so that
# /metrics never holds a series twice
serves "$VIGIE_URL/metrics" '^vigie_exec_success{program="clash_builtin"} 1$' || fail "clash_builtin: run refused"
serves_without "$VIGIE_URL/metrics" '^node_load1 1$' || fail "clash_builtin: a built-in family taken"
grep -q "exec.clash_builtin: family node_load1 is loadavg's already, with another type" "$T/execs.log" ||
        fail "clash_builtin: not said: $(grep clash_builtin "$T/execs.log")"
[ "$(grep -c 'exec.clash_builtin: family node_load1' "$T/execs.log")" = 1 ] || fail "clash_builtin: said again and again"
curl -fsS "$VIGIE_URL/metrics" >"$T/dup.txt"
[ "$(grep -c '^m_shared ' "$T/dup.txt")" = 1 ] && grep -qx 'm_shared 1' "$T/dup.txt" ||
        fail "dup: $(grep m_shared "$T/dup.txt")"
grep -q "exec.dup_b: family m_shared is exec.dup_a's already, with another help" "$T/execs.log" ||
        fail "dup_b: not said: $(grep dup_b "$T/execs.log")"

# a reload stops the old long-running program and starts the new one
old_stream=$(pgrep -f 'echo "m_stream' || true)
[ -n "$old_stream" ] || fail "stream: no process"
printf '\n[exec.added]\ncommand = echo m_added 1\n%s\n' "$ROOT" >>"$T/vigie.conf"
kill -HUP "$VIGIE_PID"
wait_for 5 grep -q 'configuration reloaded' "$T/execs.log" || fail "no reload: $(tail -3 "$T/execs.log")"
wait_for 5 serves "$VIGIE_URL/metrics" '^m_added 1$' || fail "added: not run after the reload"
wait_for 5 bash -c "! kill -0 $old_stream 2>/dev/null" || fail "stream: the old process outlived the reload"
new_stream=$(pgrep -f 'echo "m_stream' || true)
[ -n "$new_stream" ] && [ "$new_stream" != "$old_stream" ] || fail "stream: not started again after the reload"
serves "$VIGIE_URL/metrics" '^m_stream [1-9]' || fail "stream: not served after the reload"

# stopping the agent leaves no program of it behind once their runs end
stop_pid "$VIGIE_PID" || true
wait_for 5 bash -c '! pgrep -f "sleep 300[0-9]"' || fail "programs left after the agent: $(pgrep -af 'sleep 300')"
echo "ok"
