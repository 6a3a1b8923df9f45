#!/usr/bin/env bash
# Sends SIGNAL to a long probe run after a delay; checks exit 130 within a second of the signal
# and a partial result file marked incomplete.
#   usage: signal_partial.sh [options] SIGNAL OUT.json -- command...
#   --delay S         seconds before the signal (default 1)
#   --children        the probe's child processes at signal time must all be gone afterwards
#   --no-leftover GLB no path matching GLB may exist afterwards (files the probe created)
#   --needs-gpu       exit 77 (skipped) without a usable NVIDIA GPU
set -u
delay=1 children=0 leftover=""
while [ $# -gt 0 ]; do
  case $1 in
    --delay) delay=$2; shift 2 ;;
    --children) children=1; shift ;;
    --no-leftover) leftover=$2; shift 2 ;;
    --needs-gpu) nvidia-smi -L >/dev/null 2>&1 || { echo "skipped: no GPU"; exit 77; }; shift ;;
    *) break ;;
  esac
done
sig=$1; out=$2; shift 3
. "$(dirname "$0")/wait_for_handler.sh"
rm -f "$out"
"$@" --json "$out" -q &
pid=$!
wait_for_handler "$pid"
sleep "$delay"
kids=$(pgrep -P "$pid" | tr '\n' ' ')
if [ "$children" = 1 ] && [ -z "$kids" ]; then echo "FAIL: no worker processes at signal time"; kill -9 "$pid"; exit 1; fi
t0=$(date +%s%N)
kill "-$sig" "$pid"
wait "$pid"
rc=$?
stop_ms=$(( ($(date +%s%N) - t0) / 1000000 ))
[ "$rc" = 130 ] || { echo "FAIL: exit $rc, expected 130"; exit 1; }
python3 - "$out" <<'PY' || exit 1
import json, sys
d = json.load(open(sys.argv[1]))
assert d["meta"]["complete"] is False, "not marked incomplete"
print(f"partial results: {len(d['results'])}")
PY
if [ "$stop_ms" -gt 1000 ]; then echo "FAIL: took ${stop_ms} ms to stop after the signal"; exit 1; fi
for k in $kids; do
  if kill -0 "$k" 2>/dev/null; then echo "FAIL: worker process $k still runs"; exit 1; fi
done
if [ -n "$leftover" ] && compgen -G "$leftover" >/dev/null; then
  echo "FAIL: left behind: $(compgen -G "$leftover" | tr '\n' ' ')"; exit 1
fi
echo "ok: exit 130 ${stop_ms} ms after SIG${sig}${kids:+; workers gone: $kids}"
