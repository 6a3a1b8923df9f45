#!/usr/bin/env bash
# The agentic workload of the published deployment (FACTS.md: Qwen3-30B-A3B, 10 contexts of 174K
# tokens, 5 turns, one request at a time, TTFT ~40 s without offload, ~1-3.5 s for later turns
# with the L1 on CXL) through the event-driven engine, with the H200's measured dma results:
# OFF re-prefills every turn (~40 s), ON pays a small store on turn 1 and loads later turns
# (under 3.5 s); two replicas halve OFF's wall time.
# usage: replay_published.sh CXLPROBE DMA_RESULTS.json OUTDIR
set -u
exe=$1 dma=$2 out=$3
mkdir -p "$out"
run() {  # run NAME ARGS...
  local name=$1
  shift
  "$exe" replay --workload agentic --model qwen3-30b-a3b --prefill-time 40s@174000 \
    --from-results "$dma" --gpu 0 --decode-time 2s "$@" --json "$out/$name.json" -q
}
run one || exit 1
run two --replicas 2 || exit 1
python3 - "$out/one.json" "$out/two.json" <<'PY'
import json, sys
def figures(path):
    out = {}
    for r in json.load(open(path))["results"]:
        out[r["params"]["offload"]] = {m["name"]: m["value"] for m in r["metrics"] if m.get("value") is not None}
    return out
one, two = figures(sys.argv[1]), figures(sys.argv[2])
ok = True
def check(cond, what):
    global ok
    print(("ok: " if cond else "FAIL: ") + what)
    ok = ok and cond
off, on = one["off"], one["on"]
check(all(39 < off[f"ttft_turn{t}_mean_s"] < 43 for t in range(1, 6)),
      "OFF: every turn re-prefills, TTFT 39-43 s (" + ", ".join(f"{off[f'ttft_turn{t}_mean_s']:.1f}" for t in range(1, 6)) + ")")
check(40 <= on["ttft_turn1_mean_s"] < 41, f"ON turn 1: the prefill plus a small store ({on['ttft_turn1_mean_s']:.2f} s)")
check(all(0.5 < on[f"ttft_turn{t}_mean_s"] < 3.5 for t in range(2, 6)),
      "ON turns 2-5 load the prefix: 0.5-3.5 s (" + ", ".join(f"{on[f'ttft_turn{t}_mean_s']:.2f}" for t in range(2, 6)) + ")")
check(3.5 < on["speedup_wall"] < 4.5, f"wall time OFF / ON about 4x ({on['speedup_wall']:.2f})")
half = two["off"]["wall_s"] / off["wall_s"]
check(0.45 < half < 0.55, f"two replicas: OFF wall time about half of one replica's ({half:.3f})")
sys.exit(0 if ok else 1)
PY
