#!/usr/bin/env bash
# Runs one libFuzzer harness: first every input kept in
# tests/fuzz/regressions/NAME/ (each a crash found once, fixed since), then
# fuzzing from seeds taken from the fixtures, FUZZ_SECONDS (default 2) per
# target. A crash fails the test; its input is kept under FUZZ_ARTIFACTS
# (default: fuzz-artifacts/ in the build directory) to add to regressions/.
# Usage: run.sh HARNESS NAME
set -euo pipefail
bin=$1
name=$2
secs=${FUZZ_SECONDS:-2}
: "${SOURCE_ROOT:?}"
artifacts=${FUZZ_ARTIFACTS:-$PWD/fuzz-artifacts}/$name
mkdir -p "$artifacts"
T=$(mktemp -d "${TMPDIR:-/tmp}/vigie-fuzz-run.XXXXXX")
trap 'rm -rf "$T"' EXIT

# -rss_limit_mb: the agent bounds what it reads, so a harness that needs
# more than this has found a missing bound
opts=(-rss_limit_mb=512 -timeout=10 -max_len=65536 -print_final_stats=1 "-artifact_prefix=$artifacts/")

replay() { # DIR: every file in it, once
        [ -d "$1" ] || return 0
        local files=("$1"/*)
        [ -e "${files[0]}" ] || return 0
        "$bin" "${opts[@]}" "${files[@]}" >"$T/replay.log" 2>&1 || {
                tail -40 "$T/replay.log"
                echo "FAIL: $name: a regression input of $1 crashes again"
                exit 1
        }
}

fuzz() { # LABEL CORPUS_DIR
        "$bin" "${opts[@]}" -max_total_time="$secs" "$2" >"$T/fuzz.log" 2>&1 || {
                tail -60 "$T/fuzz.log"
                echo "FAIL: $name ($1): crash input kept in $artifacts"
                exit 1
        }
        echo "$name ($1): $(grep -o 'stat::number_of_executed_units: [0-9]*' "$T/fuzz.log" || grep -Eo '#[0-9]+ +(DONE|pulse|NEW)' "$T/fuzz.log" | tail -1)"
}

case "$name" in
fuzz-collectors)
        mapfile -t targets < <(VIGIE_FUZZ_LIST=1 "$bin")
        for t in "${targets[@]}"; do
                collector=${t%%:*}
                rel=${t#*:}             # CASE/FILE
                file=${rel#*/*/}        # FILE (cases are COLLECTOR/CASE)
                corpus="$T/corpus-${collector}-$(echo "$file" | tr '/' '_')"
                mkdir -p "$corpus"
                i=0
                for seed in "$SOURCE_ROOT/tests/fixtures/$collector"/*/"$file"; do
                        [ -f "$seed" ] && cp "$seed" "$corpus/seed$((i++))"
                done
                export VIGIE_FUZZ_TARGET=$t
                replay "$SOURCE_ROOT/tests/fuzz/regressions/$name/$collector-$(echo "$file" | tr '/' '_')"
                fuzz "$t" "$corpus"
        done
        ;;
fuzz-config)
        mkdir -p "$T/corpus"
        cp "$SOURCE_ROOT/packaging/vigie.conf" "$T/corpus/"
        cp "$SOURCE_ROOT"/tests/fuzz/seeds/config/* "$T/corpus/"
        replay "$SOURCE_ROOT/tests/fuzz/regressions/$name"
        fuzz config "$T/corpus"
        ;;
fuzz-web-config)
        mkdir -p "$T/corpus"
        cp "$SOURCE_ROOT"/tests/fuzz/seeds/web-config/* "$T/corpus/"
        replay "$SOURCE_ROOT/tests/fuzz/regressions/$name"
        fuzz web-config "$T/corpus"
        ;;
fuzz-dcmi)
        mkdir -p "$T/corpus"
        # a Dell iDRAC's answer: 210 W now, active (tests/unit/test-ipmi-dcmi.c)
        printf '\x00\xdc\xd2\x00\x64\x00\x90\x01\xc8\x00\x00\x10\x5e\x5f\xe8\x03\x00\x00\x40' >"$T/corpus/reading"
        replay "$SOURCE_ROOT/tests/fuzz/regressions/$name"
        fuzz dcmi "$T/corpus"
        ;;
fuzz-nl80211)
        # what a real kernel answered to the wifi collector (wifi.sh's VM)
        mkdir -p "$T/corpus"
        cp "$SOURCE_ROOT"/tests/unit/nl80211/*.bin "$T/corpus/"
        replay "$SOURCE_ROOT/tests/fuzz/regressions/$name"
        fuzz nl80211 "$T/corpus"
        ;;
fuzz-queue)
        : "${QUEUE_DRIVER:?}"
        mkdir -p "$T/corpus"
        "$QUEUE_DRIVER" "$T/q" 1000000 a1:100 a2:50 a3:3000 p >/dev/null
        cp "$T/q"/*.seg "$T/corpus/segment"
        { printf 'H'; cat "$T/q/head"; cat "$T/q"/*.seg; } >"$T/corpus/head-and-segment"
        replay "$SOURCE_ROOT/tests/fuzz/regressions/$name"
        fuzz queue "$T/corpus"
        ;;
*)
        echo "run.sh: no seeds for $name" >&2
        exit 2
        ;;
esac
