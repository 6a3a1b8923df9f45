#!/usr/bin/env bash
# fleet report on synthetic fleets (tests/cli/make_fleet.py): uniform nodes give exit 0 and no
# flag; planted odd nodes (a slow tier, a downtrained link, another topology) are all found,
# exit 4, and no uniform node is flagged; 50 nodes give exit 4 (their speed is measured by
# benchmarks/fleet_report.sh, not here); --csv is nodes x measurements.
# usage: fleet_report.sh CXLPROBE TEMPLATE.json OUTDIR
set -u
exe=$1 template=$2 out=$3
rm -rf "$out" && mkdir -p "$out"
fail=0
say() { echo "$1: $2"; if [ "$1" = FAIL ]; then fail=1; fi; return 0; }
python3 "$(dirname "$0")/make_fleet.py" "$template" "$out/uniform" 3 >/dev/null
"$exe" fleet report "$out/uniform" >"$out/uniform.txt" 2>&1
rc=$?
[ "$rc" = 0 ] && grep -q "Summary: 3 nodes, [0-9]* measurements: uniform" "$out/uniform.txt" &&
  say ok "3 uniform nodes: exit 0, uniform" || { say FAIL "uniform fleet: exit $rc"; cat "$out/uniform.txt"; }
python3 "$(dirname "$0")/make_fleet.py" "$template" "$out/odd" 8 slow-tier downtrain other-topo >/dev/null
"$exe" fleet report "$out/odd" --json "$out/odd.json" --csv "$out/odd.csv" >"$out/odd.txt" 2>&1
rc=$?
[ "$rc" = 4 ] && say ok "odd nodes: exit 4" || say FAIL "odd fleet: exit $rc"
python3 - "$out/odd.json" <<'PY' || fail=1
import json, sys
f = json.load(open(sys.argv[1]))["analysis"]["fleet"]
slow = {o["node"] for o in f["outliers"]}
down = {d["node"] for d in f["downtrained"]}
ok = True
def check(cond, what):
    global ok
    print(("ok: " if cond else "FAIL: ") + what)
    ok = ok and cond
check(slow == {"node-002"}, f"the slow tier is the only outlier node ({sorted(slow)})")
check(any(o["measurement"] == "cpu read dram" and o["below_median"] > 0.2 for o in f["outliers"]),
      "its CPU read of dram is flagged about 25% below the median")
check(down == {"node-003"}, f"the downtrained link is found on node-003 only ({sorted(down)})")
check(f["topology_differs"] == ["node-004"], f"the other topology is node-004 ({f['topology_differs']})")
check(len(f["nodes"]) == 8 and not f["uniform"], "8 nodes, not uniform")
sys.exit(0 if ok else 1)
PY
head -1 "$out/odd.csv" | grep -q '^node,"cpu read dram \[GB/s\]"' && [ "$(wc -l <"$out/odd.csv")" = 9 ] &&
  say ok "--csv: a row per node, a column per measurement" || say FAIL "--csv shape: $(head -1 "$out/odd.csv")"
if /usr/bin/python3 -c "import matplotlib" 2>/dev/null; then
  "$exe" plot "$out/odd.json" --kind fleet -o "$out/fleet.png" -q && [ -s "$out/fleet.png" ] &&
    say ok "plot --kind fleet: a bar per node per measurement" || say FAIL "plot --kind fleet"
fi
python3 "$(dirname "$0")/make_fleet.py" "$template" "$out/fifty" 50 slow-tier >/dev/null
"$exe" fleet report "$out/fifty" --json "$out/fifty.json" -q
rc=$?
[ "$rc" = 4 ] && python3 -c 'import json,sys; f=json.load(open(sys.argv[1]))["analysis"]["fleet"]; sys.exit(0 if len(f["nodes"]) == 50 and {o["node"] for o in f["outliers"]} == {"node-002"} else 1)' "$out/fifty.json" &&
  say ok "50 nodes: exit 4, node-002 the only outlier" || say FAIL "50 nodes: exit $rc"
# A node Slurm gave the job that left nothing (killed at the time limit) is a failed node.
cp -r "$out/uniform" "$out/timeout" && printf 'node-001\nnode-002\nnode-003\nnode-009\n' >"$out/timeout/allocated-nodes.txt"
"$exe" fleet report "$out/timeout" --json "$out/timeout.json" -q
rc=$?
[ "$rc" = 4 ] && python3 -c 'import json,sys; f=json.load(open(sys.argv[1]))["analysis"]["fleet"]["failed"]; sys.exit(0 if [x["node"] for x in f] == ["node-009"] and "time limit" in f[0]["reason"] else 1)' "$out/timeout.json" &&
  say ok "a node that left no exit status and no result is failed (exit 4)" || say FAIL "timed-out node: exit $rc"
"$exe" fleet report "$out/none" >/dev/null 2>&1; rc=$?
[ "$rc" = 2 ] && say ok "a missing folder is a usage error" || say FAIL "missing folder: exit $rc"
exit $fail
