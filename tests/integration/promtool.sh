#!/usr/bin/env bash
# `promtool check metrics` over vigie's output reports nothing: --once, a
# live gzip scrape, and the 256-CPU fixture.
source "$(dirname "$0")/lib.sh"
need promtool curl

# promtool's remarks allowed: camelCase in node_memory_* and node_netstat_*
# names (node_memory_AnonHugePages_bytes, node_netstat_Tcp_InSegs...) and the bits of node_entropy_*_bits,
# which are node_exporter's own and which dashboards query; node_exporter
# gets the very same remarks.
check() {
        local what=$1 file=$2 out rest
        out=$(promtool check metrics <"$file" 2>&1) || true
        rest=$(printf '%s\n' "$out" |
                grep -Ev "^node_(memory|netstat)_[A-Za-z0-9_]* metric names should be written in 'snake_case' not 'camelCase'$" |
                grep -v '^node_entropy_[a-z_]*_bits use base unit "bytes" instead of "bits"$' | grep -v '^$' || true)
        [ -z "$rest" ] || fail "$what: promtool complained: $rest"
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
