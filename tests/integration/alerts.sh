#!/usr/bin/env bash
# packaging/prometheus/vigie-alerts.yml: `promtool check rules` clean,
# `promtool test rules` passing with a case where each rule fires and one
# where it does not, and every series the rules read served by a running
# vigie with a push target (so that a renamed metric breaks the test, not
# the alerts).
source "$(dirname "$0")/lib.sh"
need promtool python3 curl
python3 -c 'import yaml' 2>/dev/null || skip "python3-yaml is not installed (tools/setup.sh test installs it)"
rules="$SOURCE_ROOT/packaging/prometheus/vigie-alerts.yml"
tests="$SOURCE_ROOT/tests/integration/vigie-alerts.test.yml"

promtool check rules "$rules" >"$T/check.log" 2>&1 || fail "promtool check rules: $(cat "$T/check.log")"
! grep -qiE 'warn|error' "$T/check.log" || fail "promtool check rules has remarks: $(cat "$T/check.log")"
promtool test rules "$tests" >"$T/test.log" 2>&1 || fail "promtool test rules: $(cat "$T/test.log")"

# every series the rules name, from vigie's own /metrics
start_vigie vigie --push.url="http://127.0.0.1:$(free_port)/api/v1/write" --push.interval=1s \
        --push.queue-dir="$T/queue"
wait_for 10 serves "$VIGIE_URL/metrics" '^vigie_push_queue_batches{' || fail "no push series in /metrics"
curl -fsS "$VIGIE_URL/metrics" -o "$T/metrics.prom"

python3 - "$rules" "$tests" "$T/metrics.prom" <<'PY' || fail "the rules and their tests do not agree"
import re, sys, yaml
rules, tests, served = yaml.safe_load(open(sys.argv[1])), yaml.safe_load(open(sys.argv[2])), open(sys.argv[3]).read()
names = {l.split()[2] for l in served.splitlines() if l.startswith("# TYPE ")}
alerts = {r["alert"]: r for g in rules["groups"] for r in g["rules"]}
bad = []
promql = {"by", "on", "and", "unless", "or", "count", "sum", "max", "min", "increase", "delta", "present_over_time",
          "max_over_time", "ignoring", "group_left", "job", "instance", "collector", "target", "reason"}
for name, r in alerts.items():
    for word in re.findall(r"[a-z_][a-z0-9_]*", re.sub(r"\[[^]]*\]", "", r["expr"])):
        if word not in promql and word not in names:
            bad.append("%s reads %s, which vigie does not serve" % (name, word))
    if not r.get("labels", {}).get("severity"):
        bad.append("%s has no severity" % name)
    cases = [c for t in tests["tests"] for c in t.get("alert_rule_test", []) if c["alertname"] == name]
    if not any(c.get("exp_alerts") for c in cases):
        bad.append("no test where %s fires" % name)
    if not any(not c.get("exp_alerts") for c in cases):
        bad.append("no test where %s stays quiet" % name)
for b in bad:
    print("FAIL:", b)
print("%d rules, each tested firing and quiet; series read: all served" % len(alerts))
sys.exit(1 if bad else 0)
PY
echo "alerts: ok"
