#!/usr/bin/env bash
# vigie's set-up: installs what is missing from Debian 12's packages, builds,
# then runs the agent in the foreground (run) or the whole test suite (test).
#   tools/setup.sh run [vigie flags...]
#   tools/setup.sh test
#   tools/setup.sh bench   (the benchmark against node_exporter: tests/bench/RESULTS.md,
#                           then tests/bench/systemd.sh for the systemd collector)
#   tools/setup.sh fuzz [SECONDS]   (every libFuzzer harness, SECONDS per target, default 300)
set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$top"

mode=${1:-}
[ $# -gt 0 ] && shift
case "$mode" in
run | test | bench | fuzz) ;;
*)
        echo "usage: $0 run [vigie flags...] | test | bench | fuzz [SECONDS]" >&2
        exit 2
        ;;
esac

# What building vigie needs, and what its tests need on top (real
# Prometheus, node_exporter, promtool, valgrind, a systemd user manager,
# the tools that build and check the Debian and RPM packages...).
build_pkgs=(gcc meson ninja-build pkg-config git libmicrohttpd-dev libinih-dev zlib1g-dev
        libisal-dev libprotobuf-c-dev protobuf-c-compiler libsnappy-dev libcurl4-gnutls-dev scdoc libsystemd-dev
        libyaml-dev libgnutls28-dev libcrypt-dev)
test_pkgs=(libcmocka-dev clang clang-tidy cppcheck prometheus prometheus-node-exporter curl python3 valgrind systemd dbus
        dbus-user-session procps libfuse3-dev fuse3 victoria-metrics openssl faketime strace clang-format
        chromium python3-yaml dpkg-dev debhelper lintian rpm rpm2cpio abigail-tools btrfs-progs libpam-systemd wrk
        qemu-system-x86 linux-image-amd64 busybox-static hostapd wpasupplicant iw cpio)

pkgs=("${build_pkgs[@]}")
[ "$mode" != run ] && pkgs+=("${test_pkgs[@]}")

missing=()
for p in "${pkgs[@]}"; do
        [ "$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null)" = installed ] || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
        echo "setup: installing from Debian: ${missing[*]}"
        sudo=()
        if [ "$(id -u)" -ne 0 ]; then
                command -v sudo >/dev/null || {
                        echo "setup: these packages are missing and installing them needs root: ${missing[*]}" >&2
                        exit 1
                }
                sudo=(sudo)
        fi
        # Packages such as prometheus and prometheus-node-exporter start their
        # service when installed; the tests start their own on free ports, so
        # keep the host's ports as they were.
        created_policy=
        if [ ! -e /usr/sbin/policy-rc.d ]; then
                printf '#!/bin/sh\nexit 101\n' | "${sudo[@]}" tee /usr/sbin/policy-rc.d >/dev/null
                "${sudo[@]}" chmod 755 /usr/sbin/policy-rc.d
                created_policy=1
        fi
        trap '[ -n "$created_policy" ] && "${sudo[@]}" rm -f /usr/sbin/policy-rc.d' EXIT
        "${sudo[@]}" apt-get update -q
        DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
        [ -n "$created_policy" ] && "${sudo[@]}" rm -f /usr/sbin/policy-rc.d
        created_policy=
fi

# $1 build directory; the rest: meson options
build() {
        local dir=$1
        shift
        if [ -f "$dir/build.ninja" ]; then
                meson configure "$dir" "$@" >/dev/null
        else
                meson setup "$dir" "$@"
        fi
        ninja -C "$dir"
}

if [ "$mode" = bench ]; then
        tests/bench/run.sh
        # the systemd collector against node_exporter's, in a systemd
        # instance of its own (root only): its table goes to the README
        if [ "$(id -u)" -eq 0 ]; then
                exec tests/bench/systemd.sh
        fi
        echo "setup: tests/bench/systemd.sh needs root (a systemd instance in private namespaces); left out" >&2
        exit 0
fi

# The libFuzzer harnesses (tests/fuzz): clang, ASan+UBSan, coverage.
fuzz_build() {
        CC=clang build build-fuzz -Dtests=true -Dwerror=true -Dfuzz=true -Db_sanitize=address,undefined \
                -Db_lundef=false -Dbuildtype=debug
}

if [ "$mode" = fuzz ]; then
        fuzz_build
        FUZZ_SECONDS=${1:-300} exec meson test -C build-fuzz --print-errorlogs --suite fuzz --timeout-multiplier 0
fi

if [ "$mode" = run ]; then
        build build -Dtests=false
        echo "setup: starting vigie with its embedded defaults; metrics on http://localhost:9100/metrics (Ctrl-C stops)"
        exec ./build/vigie "$@"
fi

# The whole suite: gcc with -Werror (unit + integration), the unit tests and
# the HTTP tests again under ASan+UBSan, and a clang -Werror build of the
# unit tests; then each libFuzzer harness briefly.
export CMOCKA_MESSAGE_OUTPUT=stdout
build build -Dtests=true -Dwerror=true
meson test -C build --print-errorlogs --num-processes 2

build build-asan -Dtests=true -Dwerror=true -Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debug
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
        meson test -C build-asan --print-errorlogs --suite unit --suite sanitized

CC=clang build build-clang -Dtests=true -Dwerror=true
meson test -C build-clang --print-errorlogs --suite unit

fuzz_build
FUZZ_SECONDS=1 meson test -C build-fuzz --print-errorlogs --suite fuzz
