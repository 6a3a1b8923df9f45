#!/usr/bin/env bash
# Wall time of `cxlprobe fleet report DIR` on a synthetic fleet of N node files (tests/cli/
# make_fleet.py from one explain result, one slow tier planted), median and max of R runs, in ms.
# usage: benchmarks/fleet_report.sh TEMPLATE.json [CXLPROBE] [N] [R]   (target: < 2000 ms, N = 50)
# The target lives here, not in the ctest: a sanitizer build is ~20x slower and proves nothing
# about speed.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
template=${1:?usage: fleet_report.sh TEMPLATE.json [CXLPROBE] [N] [R]}
exe=${2:-$root/build/cli/cxlprobe}
n=${3:-50}
runs=${4:-10}
[ -x "$exe" ] || { echo "fleet_report: $exe is not an executable; build first" >&2; exit 2; }
[ -r "$template" ] || { echo "fleet_report: cannot read $template (an explain --json result)" >&2; exit 2; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
python3 "$root/tests/cli/make_fleet.py" "$template" "$dir/fleet" "$n" slow-tier >/dev/null
times=()
for _ in $(seq "$runs"); do
  t0=$(date +%s%N)
  rc=0
  "$exe" fleet report "$dir/fleet" -q || rc=$?
  t1=$(date +%s%N)
  [ "$rc" = 4 ] || { echo "fleet_report: expected exit 4 (the planted slow tier), got $rc" >&2; exit 1; }
  times+=($(((t1 - t0) / 1000000)))
done
sorted=$(printf '%s\n' "${times[@]}" | sort -n)
median=$(echo "$sorted" | sed -n "$(((runs + 1) / 2))p")
max=$(echo "$sorted" | tail -n 1)
echo "fleet report of $n nodes: median ${median} ms, max ${max} ms over $runs runs"
