#!/usr/bin/env bash
# Sends SIGNAL to a long probe run after a second; checks exit 130, a prompt stop and a partial
# result file marked incomplete.  usage: signal_partial.sh SIGNAL OUT.json -- command...
set -u
sig=$1; out=$2; shift 3
rm -f "$out"
start=$(date +%s%N)
"$@" --json "$out" -q &
pid=$!
sleep 1
kill "-$sig" "$pid"
wait "$pid"
rc=$?
elapsed_ms=$(( ($(date +%s%N) - start) / 1000000 ))
[ "$rc" = 130 ] || { echo "FAIL: exit $rc, expected 130"; exit 1; }
python3 - "$out" <<'PY' || exit 1
import json, sys
d = json.load(open(sys.argv[1]))
assert d["meta"]["complete"] is False, "not marked incomplete"
print(f"partial results: {len(d['results'])}")
PY
# Stopped within a second of the signal (the run itself would take far longer).
if [ "$elapsed_ms" -gt 2500 ]; then echo "FAIL: took ${elapsed_ms} ms to stop"; exit 1; fi
echo "ok: stopped ${elapsed_ms} ms after the start (signal at 1000 ms)"
