#!/usr/bin/env bash
# Out of memory ends with exit 1 and a message that says so, never an abort (exit 134).
# A trace of 40 MB parsed under a 150 MB address-space limit runs out of memory in the parser.
# usage: out_of_memory.sh CXLPROBE MAKE_BIG_TRACE_PY
set -u
exe=$1 make_trace=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 "$make_trace" "$tmp/big.jsonl" 40 || exit 1
# The limit must first let the program start: find the smallest of a few that fails as OOM.
for limit_kb in 120000 150000 180000; do
  (ulimit -v "$limit_kb" && exec "$exe" replay --trace "$tmp/big.jsonl" --kv-bytes-per-token 100 -q) \
    >"$tmp/out" 2>"$tmp/err"
  rc=$?
  if [ "$rc" -eq 1 ] && grep -q "error: out of memory" "$tmp/err"; then
    echo "ok: exit 1 under ulimit -v $limit_kb: $(cat "$tmp/err")"
    exit 0
  fi
  if [ "$rc" -ne 0 ] && [ "$rc" -ne 1 ]; then
    echo "FAIL: exit $rc under ulimit -v $limit_kb (an abort or a signal): $(cat "$tmp/err")"
    exit 1
  fi
done
echo "FAIL: no limit made the parse run out of memory with the message; last exit $rc: $(cat "$tmp/err")"
exit 1
