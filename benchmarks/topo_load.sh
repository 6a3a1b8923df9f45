#!/usr/bin/env bash
# Wall time of `cxlprobe topo --topology FILE` (XML trial load in a child, the load, links,
# paths of every tier and GPU, the text), median and max of N runs, in milliseconds.
# usage: benchmarks/topo_load.sh [CXLPROBE] [FILE.xml] [N]   (target: < 200 ms on nvidiaDGX2.xml)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
exe=${1:-$root/build/cli/cxlprobe}
xml=${2:-$root/tests/fixtures/hwloc/nvidiaDGX2.xml}
n=${3:-20}
[ -x "$exe" ] || { echo "topo_load: $exe is not an executable; build first" >&2; exit 2; }
[ -r "$xml" ] || { echo "topo_load: cannot read $xml" >&2; exit 2; }
times=()
for _ in $(seq "$n"); do
  t0=$(date +%s%N)
  "$exe" topo --topology "$xml" >/dev/null
  t1=$(date +%s%N)
  times+=($(((t1 - t0) / 1000000)))
done
sorted=$(printf '%s\n' "${times[@]}" | sort -n)
median=$(echo "$sorted" | sed -n "$(((n + 1) / 2))p")
max=$(echo "$sorted" | tail -n 1)
echo "topo $(basename "$xml"): median ${median} ms, max ${max} ms over $n runs"
