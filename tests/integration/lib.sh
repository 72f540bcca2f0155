# Shared helpers for the integration tests (sourced). Each test gets its own
# temporary directory; everything it starts is stopped by PID at exit.
# Traffic stays on loopback.
set -euo pipefail

: "${VIGIE:?VIGIE must point at the vigie binary (meson sets it)}"
: "${SOURCE_ROOT:?SOURCE_ROOT must point at the source tree (meson sets it)}"

T=$(mktemp -d "${TMPDIR:-/tmp}/vigie-it.XXXXXX")
PIDS=()
# In a test's private mount namespace, the test directory is a tmpfs of its
# own, so that whatever the test mounts under it goes with one umount.
if [ -n "${VIGIE_IN_NS:-}" ]; then
        mount -t tmpfs -o size=64m vigie-test "$T"
fi

cleanup() {
        local rc=$?
        # a test may define before_cleanup (to unblock a hung mount, say)
        if declare -F before_cleanup >/dev/null; then
                before_cleanup || true
        fi
        for pid in "${PIDS[@]}"; do
                kill "$pid" 2>/dev/null || true
        done
        # never wait forever: what has not stopped after 5 s is killed
        local deadline=$((SECONDS + 5))
        for pid in "${PIDS[@]}"; do
                while kill -0 "$pid" 2>/dev/null && [ $SECONDS -lt $deadline ]; do
                        sleep 0.1
                done
                kill -KILL "$pid" 2>/dev/null || true
                wait "$pid" 2>/dev/null || true
        done
        if [ $rc -ne 0 ] && [ $rc -ne 77 ]; then
                for f in "$T"/*.log; do
                        [ -f "$f" ] || continue
                        echo "----- $f (last 40 lines)"
                        tail -n 40 "$f"
                done
        fi
        if [ -n "${VIGIE_IN_NS:-}" ]; then
                umount --recursive --lazy "$T" 2>/dev/null || true
        fi
        rm -rf "$T"
        exit $rc
}
trap cleanup EXIT

skip() {
        echo "SKIP: $*"
        exit 77
}

fail() {
        echo "FAIL: $*"
        exit 1
}

need() {
        for c in "$@"; do
                command -v "$c" >/dev/null 2>&1 || skip "$c is not installed (tools/setup.sh test installs it)"
        done
}

# A TCP port free on 127.0.0.1 right now.
free_port() {
        python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# wait_for SECONDS COMMAND...: retries COMMAND every 0.1 s.
wait_for() {
        local deadline=$((SECONDS + $1))
        shift
        until "$@" >/dev/null 2>&1; do
                [ $SECONDS -lt $deadline ] || return 1
                sleep 0.1
        done
}

# serves URL REGEX: the page answers and a line matches. (Not curl | grep -q:
# grep quitting early kills curl with SIGPIPE, which pipefail reports.)
serves() {
        curl -fsS "$1" -o "$T/served" && grep -q -- "$2" "$T/served"
}
# serves_without URL REGEX: the page answers and no line matches.
serves_without() {
        curl -fsS "$1" -o "$T/served" && ! grep -q -- "$2" "$T/served"
}

# launch_vigie NAME ARGS...: starts vigie on 127.0.0.1 and a port the
# kernel picks, waits until it listens, and sets VIGIE_PID and VIGIE_PORT.
launch_vigie() {
        local name=$1
        shift
        # the log exists before vigie starts: reading it below must not race
        # with the background shell that opens it
        : >>"$T/$name.log"
        "$VIGIE" --web.listen-address=127.0.0.1:0 --log.target=stderr "$@" >>"$T/$name.log" 2>&1 &
        VIGIE_PID=$!
        PIDS+=("$VIGIE_PID")
        local port=
        for _ in $(seq 100); do
                port=$( (sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$T/$name.log" || true) | head -n 1)
                [ -n "$port" ] && break
                kill -0 "$VIGIE_PID" 2>/dev/null || fail "vigie exited at start: $(cat "$T/$name.log")"
                sleep 0.1
        done
        [ -n "$port" ] || fail "vigie did not start listening"
        VIGIE_PORT=$port
}

# start_vigie NAME ARGS...: launch_vigie, then waits until vigie is ready
# over HTTP, and sets VIGIE_URL too.
start_vigie() {
        launch_vigie "$@"
        VIGIE_URL="http://127.0.0.1:$VIGIE_PORT"
        wait_for 10 curl -fsS "$VIGIE_URL/-/ready" || fail "vigie not ready"
}

# stop_pid PID: SIGTERM, and the exit status of the process.
stop_pid() {
        kill -TERM "$1"
        local rc=0
        wait "$1" || rc=$?
        return $rc
}

# Debian patches two of node_exporter's defaults; the tests give its
# binary upstream 1.5's, which vigie follows: netdev excludes no device,
# and filesystem leaves out these mount points
NE_UPSTREAM_MP='^/(dev|proc|run/credentials/.+|sys|var/lib/docker/.+|var/lib/containers/storage/.+)($|/)'
NE_UPSTREAM_FLAGS=(--collector.netdev.device-exclude= "--collector.filesystem.mount-points-exclude=$NE_UPSTREAM_MP")

# start_prometheus TARGET [LABELS]: a real Prometheus on 127.0.0.1 that
# scrapes TARGET (host:port) every second as job vigie, giving its series
# the target labels LABELS ("{site: x}", YAML) if any; waits until it is
# ready and sets PROMETHEUS_API (its /api/v1).
start_prometheus() {
        local port
        port=$(free_port)
        cat >"$T/prometheus.yml" <<YML
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: vigie
    static_configs:
      - targets: ['$1']
        labels: ${2:-{\}}
YML
        prometheus --config.file="$T/prometheus.yml" --storage.tsdb.path="$T/data" \
                --web.listen-address="127.0.0.1:$port" --log.level=warn >"$T/prometheus.log" 2>&1 &
        PIDS+=($!)
        PROMETHEUS_API="http://127.0.0.1:$port/api/v1"
        wait_for 30 curl -fsS "http://127.0.0.1:$port/-/ready" || fail "prometheus did not become ready"
}
