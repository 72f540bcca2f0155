#!/bin/bash
# The plugin ABI against its baseline (tests/abi/vigie-plugin.abi, abidw
# of tests/abi/abi.c built from include/vigie-plugin.h): a change that
# breaks ABI 1 (a field moved, retyped or removed, a struct shrunk) fails;
# a slot appended at the end of a struct is what a new minor does and
# passes. The check is first shown to catch a retyped parameter and a
# swapped pair of fields on copies of the header.
# Regenerate the baseline at a release (from the source root):
#   cc -g -O0 -shared -fPIC -fvisibility=hidden -Iinclude tests/abi/abi.c -o /tmp/abi.so
#   abidw --no-corpus-path --no-show-locs --no-comp-dir-path /tmp/abi.so > tests/abi/vigie-plugin.abi
source "$(dirname "$0")/lib.sh"
need abidiff
need cc

# a build of abi.c against the header in $1, compared with the baseline;
# prints the report, returns 0 when ABI 1 still holds
compatible() {
        (cd "$SOURCE_ROOT" && cc -g -O0 -shared -fPIC -fvisibility=hidden -I"$1" tests/abi/abi.c -o "$T/abi.so") ||
                fail "tests/abi/abi.c does not build against $1/vigie-plugin.h"
        local rc=0
        abidiff "$SOURCE_ROOT/tests/abi/vigie-plugin.abi" "$T/abi.so" > "$T/report.txt" || rc=$?
        cat "$T/report.txt"
        [ $rc -eq 0 ] && return 0
        [ $((rc & 3)) -ne 0 ] && fail "abidiff failed ($rc)"
        [ $((rc & 8)) -ne 0 ] && return 1
        # rc 4: a change; compatible only if it is an append
        if grep -Eq "type name changed|offset changed|data member deletion|[1-9][0-9]* Removed|name of .* changed" \
                "$T/report.txt"; then
                return 1
        fi
        if grep -E "type size changed from [0-9]+ to [0-9]+" "$T/report.txt" |
                awk '{ if ($(NF-3) + 0 > $(NF-1) + 0) bad = 1 } END { exit !bad }'; then
                return 1
        fi
        return 0
}

mkdir -p "$T/retyped" "$T/swapped"
sed 's/void (\*log)(vigie_host_ctx \*ctx, int level/void (*log)(vigie_host_ctx *ctx, long level/' \
        "$SOURCE_ROOT/include/vigie-plugin.h" > "$T/retyped/vigie-plugin.h"
awk '/const char \*name;    \/\* for messages \*\//{ held = $0; next }
     /const char \*version; \/\* the plugin.s own \*\//{ print; print held; next } { print }' \
        "$SOURCE_ROOT/include/vigie-plugin.h" > "$T/swapped/vigie-plugin.h"
cmp -s "$T/retyped/vigie-plugin.h" "$SOURCE_ROOT/include/vigie-plugin.h" && fail "the retyping edit did not apply"
cmp -s "$T/swapped/vigie-plugin.h" "$SOURCE_ROOT/include/vigie-plugin.h" && fail "the swapping edit did not apply"
compatible "$T/retyped" > "$T/retyped.txt" && fail "a retyped log() was not caught"
grep -q "type name changed from 'int' to 'long int'" "$T/retyped.txt" || fail "retyped: $(cat "$T/retyped.txt")"
compatible "$T/swapped" > "$T/swapped.txt" && fail "swapped name and version were not caught"
grep -q "offset changed" "$T/swapped.txt" || fail "swapped: $(cat "$T/swapped.txt")"

if ! compatible "$SOURCE_ROOT/include"; then
        fail "include/vigie-plugin.h breaks plugin ABI 1 (above): append instead, or make it ABI 2 (vigie_plugin_v2)"
fi
echo "OK: include/vigie-plugin.h keeps plugin ABI 1"
