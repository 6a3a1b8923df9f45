#!/usr/bin/env bash
# Wall time of `cxlprobe replay --trace` with timing (the event-driven engine, offload ON and
# OFF) on the 12,031-request Mooncake conversation trace and on a 100,000-request trace made from
# it (copies shifted by the trace's span, hash ids offset per copy: new prefixes, the same shape).
# Median of R runs each. Targets (issue #20): < 0.3 s and < 3 s.
# usage: benchmarks/replay_speed.sh [CXLPROBE] [R]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
exe=${1:-$root/build/cli/cxlprobe}
runs=${2:-5}
[ -x "$exe" ] || { echo "replay_speed: $exe is not an executable; build first" >&2; exit 2; }
trace=$root/tests/fixtures/traces/mooncake_conversation_trace.jsonl
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
python3 - "$trace" "$dir/100k.jsonl" 100000 <<'PY'
import json, sys
src, out, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
lines = [json.loads(l) for l in open(src) if l.strip()]
span = max(l["timestamp"] for l in lines) - min(l["timestamp"] for l in lines) + 1
with open(out, "w") as f:
    k = 0
    while k < n:
        copy = k // len(lines)
        l = dict(lines[k % len(lines)])
        l["timestamp"] += copy * span
        l["hash_ids"] = [h + copy * 10**9 for h in l["hash_ids"]]
        f.write(json.dumps(l) + "\n")
        k += 1
PY
args=(--model qwen3-30b-a3b --prefill-time 40s@174000,0.9s@4000 --load-bw 50GB/s --store-bw 50GB/s
  --l1-capacity 256GiB --decode-token-time 30ms -q)
for t in "$trace" "$dir/100k.jsonl"; do
  times=()
  for _ in $(seq "$runs"); do
    t0=$(date +%s%N)
    "$exe" replay --trace "$t" "${args[@]}"
    times+=($((($(date +%s%N) - t0) / 1000000)))
  done
  median=$(printf '%s\n' "${times[@]}" | sort -n | sed -n "$(((runs + 1) / 2))p")
  echo "replay $(wc -l <"$t") requests: median ${median} ms over $runs runs"
done
