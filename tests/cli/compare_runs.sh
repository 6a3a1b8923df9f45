#!/usr/bin/env bash
# Two explain runs, the second on one CPU only (as another node with fewer CPUs would be), then
# compare: every row must match (stand-in file names and thread counts differ), exit 0.
# usage: compare_runs.sh CXLPROBE OUTDIR
set -u
exe=$1; out=$2
mkdir -p "$out"
rm -f "$out/A.json" "$out/B.json"
"$exe" explain --quick --size 8MiB --json "$out/A.json" -q || { echo "FAIL: explain A"; exit 1; }
taskset -c 0 "$exe" explain --quick --size 8MiB --json "$out/B.json" -q || { echo "FAIL: explain B"; exit 1; }
text=$("$exe" compare "$out/A.json" "$out/B.json" 2>&1)
rc=$?
echo "$text"
[ "$rc" = 0 ] || { echo "FAIL: compare exit $rc"; exit 1; }
echo "$text" | grep -q "Summary: [1-9][0-9]* matched, 0 only in A, 0 only in B" ||
  { echo "FAIL: not every row matched"; exit 1; }
echo "$text" | grep -q "stand-in" || { echo "FAIL: the stand-in tier is not named by its role"; exit 1; }
echo "$text" | grep -q "threads=1" || { echo "FAIL: B's thread count is not shown beside A's"; exit 1; }
echo ok
