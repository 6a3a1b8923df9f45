#!/usr/bin/env bash
# Inputs read whole (--topology, --trace) must be regular files: a FIFO (no writer: it would
# block forever), /dev/zero (it would never end), a directory or an empty --topology "" answer
# exit 2 within a second with a message naming the path.
#   usage: input_files.sh CXLPROBE TMPDIR
set -u
cx=$1 tmp=$2/input-files
rm -rf "$tmp" && mkdir -p "$tmp" && mkfifo "$tmp/fifo"
fail() { echo "FAIL: $*"; exit 1; }
check() {  # check PATTERN ARGS...
  local want=$1; shift
  local start out rc ms
  start=$(date +%s%N)
  out=$(timeout 10 "$cx" "$@" 2>&1)
  rc=$?
  ms=$((($(date +%s%N) - start) / 1000000))
  [ "$rc" = 2 ] || fail "$*: exit $rc (124 = hung): $out"
  grep -q -- "$want" <<<"$out" || fail "$*: lacks /$want/: $out"
  [ "$ms" -lt "${CXLPROBE_TEST_LIMIT_MS:-1000}" ] || fail "$*: took $ms ms"
}
check "topology file '$tmp/fifo' is a FIFO" topo --topology "$tmp/fifo"
check "topology file '/dev/zero' is a character device" topo --topology /dev/zero
check "--topology: the path is empty" topo --topology ""
check "trace '$tmp/fifo' is a FIFO" replay --trace "$tmp/fifo" --model qwen3-30b-a3b
check "trace '/dev/zero' is a character device" replay --trace /dev/zero --model qwen3-30b-a3b
check "trace '$tmp' is a directory" replay --trace "$tmp" --model qwen3-30b-a3b
echo "ok: FIFOs, devices, directories and empty paths refused within a second"
