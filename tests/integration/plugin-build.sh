#!/bin/bash
# A plugin built out of tree with nothing but what vigie installs: meson
# install into a DESTDIR, then the example plugin compiled with
# $(pkg-config --cflags vigie-plugin) alone. The agent loads it from its
# [plugins] directory and serves its series; vigie-plugin-run runs it in
# a process of its own: a newline in, one frame ending with "# EOF" out,
# end of stdin exits 0, a failing collect exits 1 with why on stderr; and
# an [exec.NAME] section in stream mode runs it under the agent.
source "$(dirname "$0")/lib.sh"
need cc pkg-config meson
: "${BUILD_ROOT:?BUILD_ROOT must point at the build directory (meson sets it)}"

meson install -C "$BUILD_ROOT" --destdir "$T/root" --no-rebuild --quiet > "$T/install.log" 2>&1 ||
        fail "meson install: $(tail -5 "$T/install.log")"
pc=$(find "$T/root" -name vigie-plugin.pc | head -1)
[ -n "$pc" ] || fail "no vigie-plugin.pc installed"
header=$(find "$T/root" -name vigie-plugin.h | head -1)
[ -n "$header" ] || fail "no vigie-plugin.h installed"
runner=$(find "$T/root" -name vigie-plugin-run -type f | head -1)
[ -x "$runner" ] || fail "no vigie-plugin-run installed"

# the .pc's prefix points at /usr: make it the DESTDIR's
export PKG_CONFIG_SYSROOT_DIR="$T/root"
export PKG_CONFIG_PATH
PKG_CONFIG_PATH=$(dirname "$pc")
cflags=$(pkg-config --cflags vigie-plugin)
case "$cflags" in *"$T/root"*) ;; *) fail "pkg-config --cflags vigie-plugin gives '$cflags'" ;; esac
[ "$(pkg-config --variable=abi_major vigie-plugin)" = 1 ] || fail "abi_major is not 1"
mkdir -p "$T/plugins"
cp "$SOURCE_ROOT/examples/plugin/municipal.c" "$T/"
# out of the source tree: no -I of it, only what pkg-config gives
(cd "$T" && cc -std=c99 -Wall -Wextra -Werror -fPIC -shared -fvisibility=hidden $cflags municipal.c \
        -o plugins/municipal.so) || fail "the example does not build from the installed header"

printf 'state=degraded\nqueue=7\nlast_sync=1733100000\n' > "$T/status"
cat > "$T/vigie.conf" <<CONF
[plugins]
directory = $T/plugins
[collectors]
disable_defaults = true
[plugin.registry]
file = municipal.so
status_file = $T/status
application = civil-registry
CONF
"$VIGIE" --config "$T/vigie.conf" --once > "$T/once.txt" 2> "$T/once.log" || fail "vigie --once: $(cat "$T/once.log")"
grep -qx 'municipal_application_state{application="civil-registry",state="degraded"} 1' "$T/once.txt" ||
        fail "no state series: $(cat "$T/once.txt")"
grep -qx 'municipal_application_queue_length{application="civil-registry"} 7' "$T/once.txt" || fail "no queue"
grep -qx 'node_scrape_collector_success{collector="plugin.registry"} 1' "$T/once.txt" || fail "not a success"
grep -qx 'vigie_plugin_up{plugin="registry"} 1' "$T/once.txt" || fail "not up"

# isolated: two ticks, two frames
frames=$( (echo; sleep 0.2; echo) | timeout 10 "$runner" --name registry "$T/plugins/municipal.so" \
        "status_file=$T/status" application=civil-registry 2> "$T/run.log") || fail "vigie-plugin-run: $(cat "$T/run.log")"
[ "$(grep -c '^# EOF$' <<< "$frames")" = 2 ] || fail "not two frames: $frames"
[ "$(tail -1 <<< "$frames")" = "# EOF" ] || fail "the output does not end with # EOF"
grep -qx 'municipal_application_queue_length{application="civil-registry"} 7' <<< "$frames" || fail "frame: $frames"
# the first frame is whole before the second tick comes
first=$( (echo; sleep 5) | timeout 2 "$runner" "$T/plugins/municipal.so" "status_file=$T/status" 2>/dev/null || true)
[ "$(tail -1 <<< "$first")" = "# EOF" ] || fail "the first frame was not flushed: $first"
# a collect that fails: exit 1, why on stderr
rc=0
echo | timeout 10 "$runner" "$T/plugins/municipal.so" status_file=/nonexistent > /dev/null 2> "$T/fail.log" || rc=$?
[ $rc -eq 1 ] || fail "a failing collect exited $rc"
grep -q "No such file or directory" "$T/fail.log" || fail "no reason: $(cat "$T/fail.log")"
# a plugin that does not load: exit 2
rc=0
timeout 10 "$runner" "$T/nothere.so" < /dev/null > /dev/null 2> "$T/load.log" || rc=$?
[ $rc -eq 2 ] || fail "a missing plugin exited $rc"
# isolated under the agent: the exec collector's long-running mode runs
# the runner, which the agent can kill at the program's timeout
cat > "$T/isolated.conf" <<CONF
[collectors]
disable_defaults = true
exec = true
[exec.registry]
command = '$runner' --name registry '$T/plugins/municipal.so' 'status_file=$T/status' application=civil-registry
mode = stream
interval = 1s
allow_root = true
CONF
"$VIGIE" --config "$T/isolated.conf" --once > "$T/isolated.txt" 2> "$T/isolated.log" ||
        fail "vigie --once, isolated: $(cat "$T/isolated.log")"
grep -qx 'municipal_application_queue_length{application="civil-registry"} 7' "$T/isolated.txt" ||
        fail "the isolated plugin's series are not served: $(cat "$T/isolated.txt" "$T/isolated.log")"
grep -qx 'vigie_exec_success{program="registry"} 1' "$T/isolated.txt" || fail "the runner's frame was not accepted"
echo "OK: built out of tree, loaded by the agent, run isolated, alone and under the agent"
