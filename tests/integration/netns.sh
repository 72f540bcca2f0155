# Sourced first (before lib.sh) by a test that makes interfaces, routes or
# sockets of its own: it runs again as root inside a network namespace and
# a private mount namespace of its own, or skips.
if [ -z "${VIGIE_IN_NS:-}" ]; then
        [ "$(id -u)" -eq 0 ] || { echo "SKIP: a private network namespace needs root here"; exit 77; }
        command -v unshare >/dev/null || { echo "SKIP: unshare is missing"; exit 77; }
        exec unshare --mount --net --propagation private env VIGIE_IN_NS=1 bash "$0" "$@"
fi
