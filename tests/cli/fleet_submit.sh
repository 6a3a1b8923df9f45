#!/usr/bin/env bash
# fleet submit --dry-run prints an sbatch script (one exclusive task per node, the nodes and
# partition asked for); its srun line, run here as one node would run it (SLURMD_NODENAME set,
# srun left out), leaves NODE.json and NODE.rc = 0, which fleet report then reads. Slurm itself
# is exercised by the `slurm` label (not yet: see the issue).
# usage: fleet_submit.sh CXLPROBE OUTDIR
set -u
exe=$1 out=$2
rm -rf "$out" && mkdir -p "$out"
fail=0
say() { echo "$1: $2"; if [ "$1" = FAIL ]; then fail=1; fi; return 0; }
"$exe" fleet submit --nodelist 'gpu[01-02]' --partition gpu --time 00:20:00 --out "$out/runs" \
  --dry-run -q -- topo >"$out/script.sh" || { echo "FAIL: dry run"; exit 1; }
for want in '^#!/bin/bash' '^#SBATCH --nodelist=gpu\[01-02\]' '^#SBATCH --partition=gpu' \
  '^#SBATCH --ntasks-per-node=1' '^#SBATCH --exclusive' '^#SBATCH --time=00:20:00' '^srun '; do
  grep -q -- "$want" "$out/script.sh" && say ok "script has $want" || say FAIL "script lacks $want"
done
bash -n "$out/script.sh" && say ok "the script parses" || say FAIL "the script does not parse"
[ ! -e "$out/runs" ] && say ok "a dry run writes nothing (no output folder)" || say FAIL "the dry run made $out/runs"
mkdir -p "$out/runs"  # as the real submission does before sbatch
line=$(grep '^srun ' "$out/script.sh" | sed 's/^srun --ntasks-per-node=1 //')
SLURMD_NODENAME=node-a bash -c "$line"
[ -s "$out/runs/node-a.json" ] && [ "$(cat "$out/runs/node-a.rc" 2>/dev/null)" = 0 ] &&
  say ok "a node leaves NODE.json and NODE.rc = 0" || say FAIL "no node-a.json / rc"
"$exe" fleet report "$out/runs" -q && say ok "fleet report reads the node's file" || say FAIL "fleet report: exit $?"
echo 1 > "$out/runs/node-b.rc"  # a node that failed and left no result file
"$exe" fleet report "$out/runs" --json "$out/failed.json" -q; rc=$?
[ "$rc" = 4 ] && python3 -c 'import json,sys; f=json.load(open(sys.argv[1]))["analysis"]["fleet"]; sys.exit(not (f["failed"] == [{"node": "node-b", "reason": "exit status 1, no result file"}] and len(f["nodes"]) == 1))' "$out/failed.json" &&
  say ok "a failed node is recorded (exit 4), the others still reported" || say FAIL "failed node: exit $rc"
# --out where no folder can be made: refused before sbatch runs (a stand-in sbatch that records
# being called must not be).
mkdir -p "$out/bin" && printf '#!/bin/sh\ntouch "%s/sbatch-called"\necho 1\n' "$out" >"$out/bin/sbatch" && chmod +x "$out/bin/sbatch"
PATH="$out/bin:$PATH" "$exe" fleet submit --nodes 2 --out /proc/cxlprobe-fleet -q -- topo 2>"$out/err.txt"; rc=$?
[ "$rc" = 2 ] && grep -q "give a folder on a filesystem every node writes" "$out/err.txt" && [ ! -e "$out/sbatch-called" ] &&
  say ok "--out that cannot be made: exit 2, named, sbatch not run" || say FAIL "--out /proc/...: exit $rc $(cat "$out/err.txt")"
exit $fail
