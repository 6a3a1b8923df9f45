#!/usr/bin/env bash
# compare keys on what was asked, not on what a run picked or observed: B is A (a recorded H200
# staged KV sweep) with another ring shape (stage_* picks, sized from each run's own copy-engine
# curve) and another link state seen during the copies (link_*). Every row must match, exit 0,
# with the differing slot shown as a pick; a different request (--stage-slot) must not match.
# usage: compare_picks.sh CXLPROBE A.json OUTDIR
set -u
exe=$1 a=$2 out=$3
mkdir -p "$out"
python3 - "$a" "$out/B.json" "$out/C.json" <<'PY' || exit 1
import json, sys
src, b_path, c_path = sys.argv[1:4]
doc = json.load(open(src))
for r in doc["results"]:
    p = r["params"]
    p["stage_slot_bytes"] = p["stage_slot_bytes"] * 2
    p["stage_blocks_per_slot"] = p["stage_blocks_per_slot"] * 2
    p["stage_ce_curve"] = p["stage_ce_curve"][:3]
    p["link_gen_during"] = 4
    p["link_downtrained"] = True
json.dump(doc, open(b_path, "w"))
for r in doc["results"]:
    r["params"]["stage_slot"] = 8 << 20  # asked for: a key
json.dump(doc, open(c_path, "w"))
PY
text=$("$exe" compare "$a" "$out/B.json" 2>&1)
rc=$?
echo "$text" | tail -3
[ "$rc" = 0 ] || { echo "FAIL: compare exit $rc"; exit 1; }
echo "$text" | grep -q "Summary: 9 matched, 0 only in A, 0 only in B" || { echo "FAIL: not all 9 matched"; exit 1; }
echo "$text" | grep -q "stage_slot_bytes=" || { echo "FAIL: the slot picked is not shown"; exit 1; }
echo "$text" | grep -q "stage_ce_curve" && { echo "FAIL: a curve is shown as a pick"; exit 1; }
text=$("$exe" compare "$a" "$out/C.json" 2>&1)
echo "$text" | grep -q "Summary: 0 matched, 9 only in A, 9 only in B" || { echo "FAIL: a different --stage-slot matched"; echo "$text" | tail -2; exit 1; }
echo ok
