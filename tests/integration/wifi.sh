#!/usr/bin/env bash
# The wifi collector against a real kernel: Debian's kernel boots under
# qemu with an initramfs built here (busybox, the mac80211_hwsim modules,
# hostapd, wpa_supplicant, vigie and Debian's prometheus-node-exporter).
# Inside, hwsim's two radios make an access point (hostapd, an SSID with
# a quote, a backslash, a newline and a byte that is not UTF-8) and a station (wpa_supplicant, on an interface
# whose name has a quote too); once they are associated both agents are
# read, their expositions go out on the serial console between markers,
# and the host compares them family by family. No network leaves the VM:
# it has no network device at all.
# WIFI_CAPTURE=DIR keeps the raw nl80211 answers the VM captured (the
# unit test's and the fuzzer's fixtures come from there). The VM runs
# under TCG (about a minute here); WIFI_ACCEL=kvm asks for KVM, which
# this project's machines open but cannot run (nested KVM that refuses
# qemu's MSRs, or hangs), hence not the default.
source "$(dirname "$0")/lib.sh"
need qemu-system-x86_64 busybox hostapd wpa_supplicant iw prometheus-node-exporter python3 cpio gzip
: "${NL80211_CAPTURE:?NL80211_CAPTURE must point at the capture helper (meson sets it)}"

kernel=$(ls /boot/vmlinuz-* 2>/dev/null | sort -V | tail -n 1 || true)
[ -n "$kernel" ] || skip "no kernel image in /boot (tools/setup.sh test installs linux-image-amd64)"
[ -r "$kernel" ] || skip "$kernel is not readable by this user"
kver=${kernel#/boot/vmlinuz-}
moddir=/lib/modules/$kver
[ -f "$moddir/modules.dep" ] || skip "no modules for $kver in $moddir"
hwsim=$(grep -o '^[^:]*/mac80211_hwsim\.ko[^:]*' "$moddir/modules.dep" || true)
[ -n "$hwsim" ] || skip "kernel $kver has no mac80211_hwsim module"
busybox_bin=$(command -v busybox)
# a dynamically linked busybox would need its libraries too; the static one does not
case $(ldd "$busybox_bin" 2>&1 || true) in
*"not a dynamic"*) ;;
*) skip "busybox is not the static one (busybox-static)" ;;
esac

# A host without nl80211 (this one has no cfg80211): no data, success 0,
# and one look for the family over five scrapes, not a socket each time.
if ! "$NL80211_CAPTURE" >"$T/host-capture.out" 2>&1 && grep -q 'family No such file' "$T/host-capture.out" &&
        command -v strace >/dev/null; then
        port=$(free_port)
        strace -f -qq -e trace=socket -o "$T/strace.out" "$VIGIE" --web.listen-address="127.0.0.1:$port" \
                --collector.disable-defaults --collector.wifi >"$T/host-vigie.log" 2>&1 &
        strace_pid=$!
        PIDS+=($strace_pid)
        wait_for 20 curl -fsS "http://127.0.0.1:$port/-/ready" || fail "vigie did not start under strace"
        for _ in 1 2 3 4 5; do
                curl -fsS "http://127.0.0.1:$port/metrics" -o "$T/host.prom"
        done
        grep -q '^node_scrape_collector_success{collector="wifi"} 0$' "$T/host.prom" || fail "no nl80211: not success 0"
        ! grep -q '^node_wifi_' "$T/host.prom" || fail "no nl80211, yet wifi series"
        n=$(grep -c 'socket(AF_NETLINK, [^,]*, NETLINK_GENERIC)' "$T/strace.out" || true)
        [ "$n" = 1 ] || fail "no nl80211: $n generic netlink sockets over five scrapes, not 1"
        echo "host without nl80211: success 0, no series, one lookup over five scrapes"
        vigie_pid=$(pgrep -P "$strace_pid" || true)
        [ -z "$vigie_pid" ] || kill "$vigie_pid"
        wait "$strace_pid" || true
fi

R=$T/root
mkdir -p "$R"/{bin,dev,proc,sys,tmp,run,etc,lib/modules}
cp "$busybox_bin" "$R/bin/busybox"

# copy_exe PATH [DEST]: a program (at DEST inside, else at PATH) and the
# shared libraries ldd names for it, at the same paths inside
copy_exe() {
        local f=$1 dest=${2:-$1} lib
        mkdir -p "$R$(dirname "$dest")"
        cp -L "$f" "$R$dest"
        for lib in $(ldd "$f" | awk '/=> \//{print $3} /^\t\//{print $1}'); do
                [ -e "$R$lib" ] && continue
                mkdir -p "$R$(dirname "$lib")"
                cp -L "$lib" "$R$lib"
        done
}
for p in hostapd wpa_supplicant iw prometheus-node-exporter; do
        copy_exe "$(command -v $p)"
done
copy_exe "$VIGIE" /usr/bin/vigie
copy_exe "$NL80211_CAPTURE" /usr/bin/nl80211_capture
# the /usr/lib64 symlink of usrmerge systems: ld.so at the path programs name
[ -e "$R/lib64/ld-linux-x86-64.so.2" ] || { mkdir -p "$R/lib64" && cp -L /lib64/ld-linux-x86-64.so.2 "$R/lib64/"; }

# mac80211_hwsim and what it needs, in the order to insert them (modules.dep
# lists a module's dependencies, the ones it needs last: inserted first)
deps=$(grep "^$hwsim:" "$moddir/modules.dep" | cut -d: -f2)
order=
for m in $deps; do
        order="$m $order"
done
order="$order $hwsim"
: >"$R/modules"
for m in $order; do
        # busybox's insmod takes plain modules: a compressed one (later
        # Debian kernels) is uncompressed on the way in
        ko=${m%.xz}
        ko=${ko%.zst}
        mkdir -p "$R/lib/modules/$(dirname "$m")"
        case $m in
        *.xz) xz -dc "$moddir/$m" >"$R/lib/modules/$ko" ;;
        *.zst) zstd -qdc "$moddir/$m" >"$R/lib/modules/$ko" ;;
        *) cp "$moddir/$m" "$R/lib/modules/$ko" ;;
        esac
        echo "/lib/modules/$ko" >>"$R/modules"
done

# the SSID and the station's interface name: a quote and a backslash each,
# and in the SSID a newline and a byte that is not UTF-8
ssid=$'vigie "wifi" \\ test\n\xff'
ssid_hex=$(printf '%s' "$ssid" | od -An -tx1 | tr -d ' \n')
station_if='wl"an\1'
cat >"$R/hostapd.conf" <<EOF
interface=wlan0
driver=nl80211
ssid2=$ssid_hex
hw_mode=g
channel=6
EOF
cat >"$R/wpa_supplicant.conf" <<EOF
network={
	ssid=$ssid_hex
	key_mgmt=NONE
	scan_freq=2437
}
EOF
printf '%s' "$station_if" >"$R/station_if"

cat >"$R/init" <<'EOF'
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin:/usr/bin:/usr/sbin:/sbin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
ip link set lo up
say() { echo "@@$*"; }
for m in $(cat /modules); do
        case $m in
        */mac80211_hwsim.ko) insmod "$m" radios=2 || say "FAIL insmod $m" ;;
        *) insmod "$m" || say "FAIL insmod $m" ;;
        esac
done
sta=$(cat /station_if)
n=0
while [ ! -e /sys/class/net/wlan1 ] && [ $n -lt 50 ]; do sleep 0.1; n=$((n + 1)); done
ip link set wlan1 name "$sta" || say "FAIL rename"
hostapd -B -P /run/hostapd.pid /hostapd.conf >/tmp/hostapd.log 2>&1 || { say "FAIL hostapd"; cat /tmp/hostapd.log; }
wpa_supplicant -B -i "$sta" -c /wpa_supplicant.conf -P /run/wpa.pid >/tmp/wpa.log 2>&1 || say "FAIL wpa_supplicant"
n=0
until iw dev "$sta" link 2>/dev/null | grep -q '^Connected'; do
        n=$((n + 1))
        [ $n -gt 300 ] && { say "FAIL association"; cat /tmp/hostapd.log /tmp/wpa.log; break; }
        sleep 0.1
done
say "ASSOCIATED after $n"
# some traffic over the link, for the byte and packet counters
ip addr add 10.9.0.1/24 dev wlan0; ip addr add 10.9.0.2/24 dev "$sta"
ping -c 3 -W 1 -I "$sta" 10.9.0.1 >/dev/null 2>&1 || true
say "BEGIN iw"; iw dev; iw dev "$sta" link; iw dev wlan0 station dump; say "END iw"
say "BEGIN capture"; /usr/bin/nl80211_capture; say "END capture"
prometheus-node-exporter --web.listen-address=127.0.0.1:9100 --collector.disable-defaults --collector.wifi \
        >/tmp/ne.log 2>&1 &
n=0
until wget -q -O /tmp/ne1.prom http://127.0.0.1:9100/metrics 2>/dev/null; do
        n=$((n + 1)); [ $n -gt 300 ] && { say "FAIL node_exporter"; cat /tmp/ne.log; break; }; sleep 0.1
done
# node_exporter, vigie, node_exporter: counters read by vigie lie between
/usr/bin/vigie --once --collector.disable-defaults --collector.wifi >/tmp/vigie.prom 2>/tmp/vigie.log ||
        { say "FAIL vigie"; cat /tmp/vigie.log; }
wget -q -O /tmp/ne2.prom http://127.0.0.1:9100/metrics || say "FAIL node_exporter"
for f in ne1 vigie ne2; do say "BEGIN $f"; cat /tmp/$f.prom; say "END $f"; done
say "DONE"
poweroff -f
EOF
chmod +x "$R/init"
(cd "$R" && find . | cpio -o -H newc --quiet | gzip -1) >"$T/initrd.gz"

accel=tcg cpu=max
if [ "${WIFI_ACCEL:-}" = kvm ] && [ -r /dev/kvm ] && [ -w /dev/kvm ] && python3 -c 'import os; os.close(os.open("/dev/kvm", os.O_RDWR))' 2>/dev/null; then
        accel=kvm cpu=kvm64
fi
echo "booting $kver under qemu ($accel), initramfs $(du -k "$T/initrd.gz" | cut -f1) kB"
start=$SECONDS
timeout 200 qemu-system-x86_64 -machine q35,accel=$accel -cpu $cpu -m 768 -smp 2 -nodefaults -no-reboot \
        -display none -serial file:"$T/console.log" \
        -kernel "$kernel" -initrd "$T/initrd.gz" \
        -append "console=ttyS0 rdinit=/init panic=-1 quiet loglevel=3" >"$T/qemu.log" 2>&1 ||
        fail "qemu: $(cat "$T/qemu.log"; tail -n 40 "$T/console.log")"
echo "VM ran $((SECONDS - start)) s"
tr -d '\r' <"$T/console.log" >"$T/console.txt"
grep '^@@FAIL' "$T/console.txt" && fail "in the VM: $(cat "$T/console.txt")"
grep -q '^@@DONE' "$T/console.txt" || fail "the VM did not finish: $(tail -n 40 "$T/console.txt")"
grep '^@@ASSOCIATED' "$T/console.txt"
section() {
        sed -n "/^@@BEGIN $1\$/,/^@@END $1\$/p" "$T/console.txt" | sed '1d;$d'
}
section iw
for f in ne1 vigie ne2; do
        section $f >"$T/$f.prom"
done
if [ -n "${WIFI_CAPTURE:-}" ]; then
        mkdir -p "$WIFI_CAPTURE"
        python3 - "$T/console.txt" "$WIFI_CAPTURE" <<'PY'
import sys
out = {}
for line in open(sys.argv[1]):
    if line.startswith("@@CAP "):
        _, name, hexed = line.split()
        out.setdefault(name, bytearray()).extend(bytes.fromhex(hexed))
for name, data in out.items():
    with open("%s/%s.bin" % (sys.argv[2], name), "wb") as f:
        f.write(data)
    print("captured", name, len(data), "bytes")
PY
fi

# family by family: counters between node_exporter's two reads, stable
# values equal, the moving ones (tests/integration/compare.py) by shape
python3 "$SOURCE_ROOT/tests/integration/compare.py" "file://$T/ne1.prom" "file://$T/vigie.prom" "file://$T/ne2.prom" \
        >"$T/compare.out" || fail "$(cat "$T/compare.out")"
cat "$T/compare.out"
families="node_wifi_interface_frequency_hertz node_wifi_station_beacon_loss_total
node_wifi_station_connected_seconds_total node_wifi_station_inactive_seconds node_wifi_station_info
node_wifi_station_receive_bits_per_second node_wifi_station_receive_bytes_total node_wifi_station_signal_dbm
node_wifi_station_transmit_bits_per_second node_wifi_station_transmit_bytes_total
node_wifi_station_transmit_failed_total node_wifi_station_transmit_retries_total"
for f in $families; do
        grep -q "^compared .*[ ,]$f\(,\|\$\)" "$T/compare.out" || fail "$f was not compared"
done
# the hostile names, escaped as node_exporter escapes them
grep -qF 'node_wifi_station_info{device="wl\"an\\1",bssid="02:00:00:00:00:00",ssid="vigie \"wifi\" \\ test\n'$'\xef\xbf\xbd''",mode="client"} 1' \
        "$T/vigie.prom" || fail "station_info: $(grep station_info "$T/vigie.prom")"
grep -q '^node_scrape_collector_success{collector="wifi"} 1$' "$T/vigie.prom" || fail "wifi did not succeed"
# promtool's one remark, about node_exporter's own names, allowed
if command -v promtool >/dev/null; then
        promtool check metrics <"$T/vigie.prom" >"$T/promtool.out" 2>&1 || true
        remarks=$(grep -v '^node_wifi_station_[a-z]*_bits_per_second use base unit "bytes" instead of "bits"$' \
                "$T/promtool.out" | grep -v '^$' || true)
        [ -z "$remarks" ] || fail "promtool: $remarks"
fi
echo "wifi: ok"
