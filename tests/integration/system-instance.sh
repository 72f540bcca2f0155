# A real systemd *system* instance for the tests that need one (sourced after
# lib.sh): it boots as PID 1 of a private PID, mount and network namespace,
# with a real system bus, journald, real cgroups, DynamicUser and
# sandboxing. Only basic.target starts, so none of the host's enabled
# services run inside; the private network namespace keeps its ports apart.
# The test directory $T, the source tree and the build (where a clean
# clone sits under /tmp or /var/tmp) are visible inside at the same paths:
# bound in before the instance's private /tmp and /var/tmp go on.
#
#   si_boot                 boots it (skips the test where it cannot run)
#   si CMD...               runs CMD inside (all namespaces of PID 1)
#   si_unit NAME <<EOF      writes a unit file into /run/systemd/system inside
#   si_stop                 powers it off (also done at exit)
#   scrape                  the metrics of a vigie inside on 127.0.0.1:9100, into $M
#   has REGEX               the last scrape has a line matching it
#   scrapes_with SECONDS REGEX  scrapes until a line matches

SI_PID=

si_boot() {
        need unshare nsenter
        [ -x /lib/systemd/systemd ] || skip "/lib/systemd/systemd is missing"
        [ "$(id -u)" -eq 0 ] || skip "a systemd system instance in private namespaces needs root"
        [ -e /usr/share/dbus-1/system.conf ] || skip "dbus is not installed (tools/setup.sh test installs it)"
        # what lies under /tmp or /var/tmp and must be seen inside; a path
        # inside another one on the list comes with it
        local keep=() p k inside
        for p in "$T" "$SOURCE_ROOT" "$(dirname "$VIGIE")" "${BUILD_ROOT:-}"; do
                [ -n "$p" ] || continue # no BUILD_ROOT outside meson (tests/bench/systemd.sh)
                p=$(realpath -m "$p")
                case "$p" in /tmp/* | /var/tmp/*) ;; *) continue ;; esac
                inside=
                for k in "${keep[@]}"; do
                        case "$p/" in "$k"/*) inside=1 ;; esac
                done
                [ -n "$inside" ] || keep+=("$p")
        done
        local bind_in="" bind_back=""
        for k in "${!keep[@]}"; do
                bind_in+="mkdir /run/si-keep$k && mount --bind '${keep[$k]}' /run/si-keep$k"$'\n'
                bind_back+="mkdir -p '${keep[$k]}' && mount --bind /run/si-keep$k '${keep[$k]}' && umount /run/si-keep$k && rmdir /run/si-keep$k"$'\n'
        done
        # a script file: the same steps inlined with sh -c did not come up
        cat >"$T/si-boot.sh" <<BOOT
#!/bin/sh
set -e
mount --make-rprivate /
mount -t tmpfs tmpfs /run
$bind_in
# at boot systemd-tmpfiles empties /tmp: without a tmpfs of its own it
# would empty the host's
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /var/tmp
$bind_back
mount -t proc proc /proc
ip link set lo up
exec env container=vigie-test /lib/systemd/systemd --system --unit=basic.target
BOOT
        chmod +x "$T/si-boot.sh"
        unshare --pid --mount --net --fork --kill-child "$T/si-boot.sh" >"$T/si-console.log" 2>&1 &
        local unshare_pid=$!
        PIDS+=("$unshare_pid")
        # PID 1 of the new namespace is the child of unshare
        local i
        for i in $(seq 100); do
                SI_PID=$(pgrep -P "$unshare_pid" 2>/dev/null | head -1) || true
                [ -n "$SI_PID" ] && break
                sleep 0.1
        done
        [ -n "$SI_PID" ] || skip "the systemd instance did not start: $(tail -3 "$T/si-console.log")"
        # systemd makes /run/systemd/system and its private socket early at boot:
        # before them, systemctl says "offline" at once instead of waiting
        wait_for 30 nsenter -t "$SI_PID" -a test -S /run/systemd/private ||
                skip "the systemd instance did not start: $(tail -3 "$T/si-console.log")"
        local state
        state=$(timeout 60 nsenter -t "$SI_PID" -a systemctl is-system-running --wait 2>&1) || true
        case "$state" in
        running | degraded) ;;
        *) skip "the systemd instance did not come up ($state): $(tail -3 "$T/si-console.log")" ;;
        esac
        si test -S /run/dbus/system_bus_socket || si systemctl start dbus.socket
}

si() {
        nsenter -t "$SI_PID" -a "$@"
}

M="$T/metrics"
scrape() {
        si curl -fsS http://127.0.0.1:9100/metrics -o "$M"
}
has() {
        grep -q -- "$1" "$M"
}
scrapes_with() {
        local deadline=$((SECONDS + $1))
        while :; do
                scrape && has "$2" && return 0
                [ $SECONDS -lt $deadline ] || return 1
                sleep 0.2
        done
}

si_unit() {
        si sh -c "cat >/run/systemd/system/$1"
        si systemctl daemon-reload
}

si_stop() {
        [ -n "$SI_PID" ] || return 0
        if kill -0 "$SI_PID" 2>/dev/null; then
                si systemctl poweroff --no-block >/dev/null 2>&1 || true
                local deadline=$((SECONDS + 15))
                while kill -0 "$SI_PID" 2>/dev/null && [ $SECONDS -lt $deadline ]; do
                        sleep 0.2
                done
        fi
        SI_PID=
}

before_cleanup() {
        si_stop
}
