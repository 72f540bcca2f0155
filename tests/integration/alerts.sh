#!/usr/bin/env bash
# The rules of packaging/prometheus/: vigie-alerts.yml (vigie's own
# health) and vigie-energy.yml (the energy report). Each: `promtool check
# rules` clean, `promtool test rules` passing with a case where each alert
# fires and one where it does not and a test of each recording rule, and
# every series the rules read served by a running vigie (so that a
# renamed metric breaks the test, not the rules): one with a push target
# for the first, one with the energy collector on a cgroup tree with a
# service for the second.
source "$(dirname "$0")/lib.sh"
need promtool python3 curl
python3 -c 'import yaml' 2>/dev/null || skip "python3-yaml is not installed (tools/setup.sh test installs it)"

# check_rules NAME METRICS: packaging/prometheus/NAME.yml against
# tests/integration/NAME.test.yml and the exposition in METRICS
check_rules() {
        local rules="$SOURCE_ROOT/packaging/prometheus/$1.yml" tests="$SOURCE_ROOT/tests/integration/$1.test.yml"
        promtool check rules "$rules" >"$T/check.log" 2>&1 || fail "promtool check rules $1: $(cat "$T/check.log")"
        ! grep -qiE 'warn|error' "$T/check.log" || fail "promtool check rules $1 has remarks: $(cat "$T/check.log")"
        promtool test rules "$tests" >"$T/test.log" 2>&1 || fail "promtool test rules $1: $(cat "$T/test.log")"
        python3 - "$rules" "$tests" "$2" <<'PY' || fail "the rules of $1 and their tests do not agree"
import re, sys, yaml
rules, tests, served = yaml.safe_load(open(sys.argv[1])), yaml.safe_load(open(sys.argv[2])), open(sys.argv[3]).read()
names = {l.split()[2] for l in served.splitlines() if l.startswith("# TYPE ")}
all_rules = [r for g in rules["groups"] for r in g["rules"]]
names |= {r["record"] for r in all_rules if "record" in r}
bad = []
promql = {"by", "on", "and", "unless", "or", "count", "sum", "max", "min", "increase", "delta", "present_over_time",
          "max_over_time", "ignoring", "group_left", "without", "job", "instance", "collector", "target", "reason",
          "source", "method", "service"}
cases = [c for t in tests["tests"] for c in t.get("alert_rule_test", [])]
exprs = [c["expr"] for t in tests["tests"] for c in t.get("promql_expr_test", [])]
for r in all_rules:
    name = r.get("alert") or r["record"]
    # the words of the expression, less ranges, label matchers, strings and numbers
    expr = re.sub(r"\[[^]]*\]|\{[^}]*\}|\"[^\"]*\"|\b\d+(\.\d+)?(e\d+)?\b", " ", r["expr"])
    for word in re.findall(r"[a-zA-Z_:][a-zA-Z0-9_:]*", expr):
        if word not in promql and word not in names:
            bad.append("%s reads %s, which vigie does not serve" % (name, word))
    if "record" in r:
        if not any(re.search(r"\b%s\b" % re.escape(name), e) for e in exprs):
            bad.append("no test of the recording rule %s" % name)
        continue
    if not r.get("labels", {}).get("severity"):
        bad.append("%s has no severity" % name)
    mine = [c for c in cases if c["alertname"] == name]
    if not any(c.get("exp_alerts") for c in mine):
        bad.append("no test where %s fires" % name)
    if not any(not c.get("exp_alerts") for c in mine):
        bad.append("no test where %s stays quiet" % name)
for b in bad:
    print("FAIL:", b)
print("%d rules, each alert tested firing and quiet, each record tested; series read: all served" % len(all_rules))
sys.exit(1 if bad else 0)
PY
}

# vigie's own health, from a vigie with a push target
start_vigie vigie --push.url="http://127.0.0.1:$(free_port)/api/v1/write" --push.interval=1s \
        --push.queue-dir="$T/queue"
wait_for 10 serves "$VIGIE_URL/metrics" '^vigie_push_queue_batches{' || fail "no push series in /metrics"
curl -fsS "$VIGIE_URL/metrics" -o "$T/metrics.prom"
check_rules vigie-alerts "$T/metrics.prom"

# the energy report, from a vigie whose energy collector sees a service
# (a cgroup v2 tree of its own) and has an embodied figure
mkdir -p "$T/sys/fs/cgroup/system.slice/web.service"
: >"$T/sys/fs/cgroup/cgroup.controllers"
echo "usage_usec 1000" >"$T/sys/fs/cgroup/system.slice/web.service/cpu.stat"
start_vigie energy --collector.disable-defaults --collector.energy --path.sysfs="$T/sys" \
        --collector.energy.embodied-kgco2e=1000
wait_for 10 serves "$VIGIE_URL/metrics" '^vigie_energy_service_joules_total{' || fail "no service energy in /metrics"
curl -fsS "$VIGIE_URL/metrics" -o "$T/energy.prom"
check_rules vigie-energy "$T/energy.prom"
echo "alerts: ok"
