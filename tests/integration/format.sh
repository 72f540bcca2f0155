#!/usr/bin/env bash
# The C sources follow the committed .clang-format: a file clang-format
# would change fails the suite, with the diff. Debian 12's clang-format 14,
# the one tools/setup.sh installs, so that every machine formats alike.
source "$(dirname "$0")/lib.sh"
need clang-format git
cd "$SOURCE_ROOT" || fail "no source tree"
git rev-parse --git-dir >/dev/null 2>&1 || skip "not a git checkout: no list of the sources"
bad=0
while IFS= read -r f; do
        if ! clang-format --dry-run -Werror "$f" >/dev/null 2>&1; then
                echo "not formatted: $f"
                clang-format "$f" | diff -u "$f" - | head -40
                bad=$((bad + 1))
        fi
done < <(git ls-files '*.c' '*.h')
[ "$bad" -eq 0 ] || fail "$bad file(s) differ from .clang-format: run clang-format -i on them"
echo "format: ok"
