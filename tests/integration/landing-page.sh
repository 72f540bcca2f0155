#!/usr/bin/env bash
# The landing page as a person sees it: headless Chromium opens / of a
# running vigie and what it shows is checked (the summary, each collector
# with its status, one with no data on this host told apart from one that
# failed, uptime, a push target delivering and one behind, the host's
# power, energy and CO2e from the energy collector's model). The
# screenshots (a desktop's and a phone's width) and the page's DOM are
# kept as the test's artefacts in ARTEFACTS_DIR (meson's log directory:
# build/meson-logs/landing-page{,-phone}.png and landing-page.html).
source "$(dirname "$0")/lib.sh"
need python3 curl
command -v chromium >/dev/null 2>&1 || skip "chromium is not installed (tools/setup.sh test installs it)"
out=${ARTEFACTS_DIR:-$T}
mkdir -p "$out"

# A procfs with /proc/stat alone (the live one, whose ticks the energy
# model reads), loadavg a directory (a collector that fails), and an
# empty sysfs (hwmon: no data on this host; energy: no sensor, so the
# model gives the host's figures, estimated).
mkdir -p "$T/proc/loadavg" "$T/sys"
ln -s /proc/stat "$T/proc/stat"

python3 "$(dirname "$0")/fake_receiver.py" "$T/port" "$T/requests" 204 &
PIDS+=($!)
wait_for 10 test -s "$T/port" || fail "fake receiver did not start"
# the second target points at a port where nothing listens
printf '[push.target.central]\nurl = http://127.0.0.1:%s/api/v1/write\n[push.target.backup]\nurl = http://127.0.0.1:%s/api/v1/write\n' \
        "$(cat "$T/port")" "$(free_port)" >"$T/vigie.conf"
start_vigie vigie --config "$T/vigie.conf" --collector.disable-defaults --collector.cpu --collector.loadavg \
        --collector.hwmon --collector.energy --path.procfs="$T/proc" --path.sysfs="$T/sys" --push.interval=1s \
        --push.queue-dir="$T/queue"
# central has delivered, and backup is past three intervals behind
wait_for 30 grep -q '^204 ' "$T/requests" || fail "central received nothing"
sleep 4.5

chrome() {
        HOME="$T" timeout 90 chromium --headless=new --no-sandbox --disable-gpu --hide-scrollbars \
                --no-first-run --user-data-dir="$T/chromium" "$@" 2>>"$T/chromium.log"
}
chrome --dump-dom "$VIGIE_URL/" >"$out/landing-page.html" || fail "chromium could not open the page"
chrome --window-size=1200,900 --screenshot="$out/landing-page.png" "$VIGIE_URL/" >/dev/null ||
        fail "chromium took no screenshot"
chrome --window-size=390,844 --screenshot="$out/landing-page-phone.png" "$VIGIE_URL/" >/dev/null ||
        fail "chromium took no phone screenshot"
for f in landing-page.png landing-page-phone.png; do
        [ "$(head -c 8 "$out/$f" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] || fail "$f is not a PNG"
done

# What a person reads: the text of the rendered page, cell by cell.
python3 - "$out/landing-page.html" "$(hostname)" <<'PY' || fail "the page does not show what it should (DOM: $out/landing-page.html)"
import html.parser, re, sys

class Page(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.rows, self.row, self.cell, self.text, self.tags = [], None, None, [], []
        self.scripts = 0
    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag in ("script", "img", "link", "iframe"):
            self.scripts += 1
        if tag == "tr":
            self.row = []
        elif tag in ("td", "th"):
            self.cell = []
    def handle_endtag(self, tag):
        if tag in ("td", "th") and self.cell is not None:
            self.row.append(" ".join("".join(self.cell).split()))
            self.cell = None
        elif tag == "tr" and self.row is not None:
            self.rows.append(self.row)
            self.row = None
    def handle_data(self, data):
        if "style" not in self.tags[-1:]:
            self.text.append(data)
        if self.cell is not None:
            self.cell.append(data)

p = Page()
p.feed(open(sys.argv[1]).read())
text = " ".join("".join(p.text).split())
rows = {r[0]: r for r in p.rows if r and r[0] not in ("collector", "target")}
bad = []
def want(ok, what):
    if not ok:
        bad.append(what)
want(p.scripts == 0, "a script, an image or a link to fetch")
want("vigie on " + sys.argv[2] in text, "the host name in the heading")
want(re.search(r"Version \d+\.\d+\.\d+ \(revision \w+\), up \d+ s \(since \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\)", text),
     "version and uptime")
want("1 collector failed (loadavg)" in text and "2 collectors ok, 1 with no data on this host" in text,
     "the summary: %s" % text[:300])
want("push behind (backup)" in text, "the summary's push target behind")
want(rows.get("cpu", [None, None])[1] == "ok", "cpu ok: %s" % rows.get("cpu"))
want(re.fullmatch(r"\d+\.\d{3} ms", rows.get("cpu", ["", "", ""])[2] or ""), "cpu's duration")
want(rows.get("hwmon", [None, None])[1] == "no data on this host", "hwmon: %s" % rows.get("hwmon"))
want("No such file" not in text, "a collector with no data shown as an error")
loadavg = rows.get("loadavg", [None] * 4)
want(loadavg[1] == "failed" and loadavg[3] == "Is a directory", "loadavg failed: %s" % loadavg)
central = rows.get("central", [None] * 7)
want(central[1] == "up to date" and re.search(r"UTC \(\d+ s ago\)", central[4] or ""),
     "central up to date, with its last success: %s" % central)
want(re.match(r"\d+ batches, ", central[2] or ""), "central's queue size: %s" % central)
backup = rows.get("backup", [None] * 7)
want(backup[1] == "behind" and backup[4] == "none since the start" and re.match(r"\d+ s old", backup[3] or ""),
     "backup behind, with its oldest queued sample: %s" % backup)
# the energy: the agent started today, so the sums say since when
since = next((k[len("energy "):] for k in rows if k.startswith("energy ")), None)
want(since is not None and re.fullmatch(r"since \d\d:\d\d", since), "the energy's day: %s" % since)
for what, unit in (("power now", "W"), ("energy %s" % since, "kWh"), ("CO2e %s" % since, "g")):
    row = rows.get(what, [None] * 3)
    m = re.fullmatch(r"(\d+(?:\.\d+)?) " + unit, row[1] or "")
    want(m and float(m.group(1)) > 0 and row[2] == "model, estimated", "%s: %s" % (what, row))
want(re.search(r"As of the last collection, \d+ s ago", text), "when the energy figures were collected")
for b in bad:
    print("FAIL:", b)
sys.exit(1 if bad else 0)
PY
echo "landing-page: ok; screenshots in $out/landing-page.png and $out/landing-page-phone.png"
