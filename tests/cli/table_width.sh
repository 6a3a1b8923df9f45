#!/usr/bin/env bash
# The console fits 120 columns by default: bw, replay, explain and topo (the floor sentences
# and paths wrap); a message repeated on rows is written once as a numbered note; --wide prints
# every column (wider than 120 for replay); a metric named in seconds and shown in ms has no
# "_s" in its header.
# usage: table_width.sh CXLPROBE FIXTURES_DIR
set -u
exe=$1 fix=$2
fail=0
check_width() {  # NAME TEXT
  local long
  long=$(printf '%s\n' "$2" | awk 'length($0) > 120' | head -3)
  if [ -n "$long" ]; then
    echo "FAIL: $1 prints lines over 120 columns:"; printf '%s\n' "$long"; fail=1
  else
    echo "ok: $1 within 120 columns"
  fi
}
rw=(replay --workload agentic --model qwen3-30b-a3b --prefill-time 40s@174000 --load-bw 50GB/s --contexts 3 --turns 3)
bw=$("$exe" bw --size 8MiB --threads 1 --reps 2 --warmup 0 --tier file:/dev/shm/cxlprobe-width-$$.bin 2>/dev/null)
rm -f /dev/shm/cxlprobe-width-$$.bin
check_width "bw" "$bw"
n=$(printf '%s\n' "$bw" | grep -c "emulated tier (file-backed stand-in)")
[ "$n" = 1 ] && echo "ok: the stand-in message is written once" ||
  { echo "FAIL: the stand-in message appears $n times"; fail=1; }
replay=$("$exe" "${rw[@]}" 2>/dev/null)
check_width "replay" "$replay"
printf '%s\n' "$replay" | grep -q "ttft_mean \[s\]" && echo "ok: header ttft_mean [s]" ||
  { echo "FAIL: no 'ttft_mean [s]' header"; fail=1; }
printf '%s\n' "$replay" | grep -q "_s \[" && { echo "FAIL: a header carries _s beside its unit"; fail=1; }
wide=$("$exe" "${rw[@]}" --wide 2>/dev/null)
printf '%s\n' "$wide" | awk 'length($0) > 120 {found=1} END {exit !found}' &&
  printf '%s\n' "$wide" | grep -q "ttft_turn3_mean" && echo "ok: --wide prints every column" ||
  { echo "FAIL: --wide is not wider"; fail=1; }
check_width "explain on nvidiaDGX2.xml" "$("$exe" explain --topology "$fix/hwloc/nvidiaDGX2.xml" 2>/dev/null)"
check_width "topo on nvidiaDGX2.xml" "$("$exe" topo --topology "$fix/hwloc/nvidiaDGX2.xml" 2>/dev/null)"
exit $fail
