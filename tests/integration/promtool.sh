#!/usr/bin/env bash
# `promtool check metrics` over vigie's output reports nothing: --once, a
# live gzip scrape, and the 256-CPU fixture.
source "$(dirname "$0")/lib.sh"
need promtool curl

check() {
        local what=$1 file=$2 out
        out=$(promtool check metrics <"$file" 2>&1) || fail "$what: promtool: $out"
        [ -z "$out" ] || fail "$what: promtool complained: $out"
}

"$VIGIE" --once >"$T/once.prom"
check "--once" "$T/once.prom"

"$VIGIE" --once --path.procfs "$SOURCE_ROOT/tests/fixtures/cpu/cpu256/proc" >"$T/big.prom"
[ "$(grep -c '^node_cpu_seconds_total' "$T/big.prom")" -eq 2048 ] || fail "256 CPUs: not 2048 cpu series"
check "256 CPUs" "$T/big.prom"

start_vigie vigie
curl -fsS --compressed "$VIGIE_URL/metrics" >"$T/live.prom"
check "live scrape" "$T/live.prom"
echo "promtool: ok"
