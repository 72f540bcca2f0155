#!/usr/bin/env bash
# cppcheck and clang-tidy over every C file of the agent (agent/,
# collectors/, exporters/), with the configuration committed here (cppcheck's
# flags below, clang-tidy's in .clang-tidy, which says what it leaves out and
# why): any finding fails the test. A finding that is wrong is suppressed
# where it stands, with the reason (cppcheck-suppress / NOLINT), never here.
source "$(dirname "$0")/lib.sh"
need cppcheck clang-tidy
: "${BUILD_ROOT:?}"
[ -f "$BUILD_ROOT/compile_commands.json" ] || skip "no compile_commands.json in $BUILD_ROOT"

cd "$SOURCE_ROOT"
mapfile -t files < <(find agent collectors exporters -name '*.c' | sort)
[ ${#files[@]} -gt 50 ] || fail "found only ${#files[@]} C files"

cppcheck --enable=warning,portability,performance --inline-suppr --quiet --std=c11 --error-exitcode=1 \
        -D_GNU_SOURCE -I agent -I collectors -I exporters -I "$BUILD_ROOT" "${files[@]}" >"$T/cppcheck.log" 2>&1 ||
        { cat "$T/cppcheck.log"; fail "cppcheck has findings"; }

# one clang-tidy per file, as many at once as there are CPUs
printf '%s\n' "${files[@]}" |
        xargs -P "$(nproc)" -n 4 clang-tidy -p "$BUILD_ROOT" --quiet >"$T/clang-tidy.log" 2>"$T/clang-tidy.err" ||
        true
if grep -qE '(warning|error): ' "$T/clang-tidy.log"; then
        grep -E -A3 '(warning|error): ' "$T/clang-tidy.log" | head -80
        fail "clang-tidy has $(grep -cE '(warning|error): ' "$T/clang-tidy.log") findings"
fi
echo "cppcheck and clang-tidy: no finding in ${#files[@]} files"
