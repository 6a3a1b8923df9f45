#!/usr/bin/env bash
# A second SIGINT ends a run at once: exit 130 and the message that says so, whatever the run was
# doing with the first. usage: signal_twice.sh -- command...
set -u
. "$(dirname "$0")/wait_for_handler.sh"
shift
err=$(mktemp)
"$@" 2>"$err" >/dev/null &
pid=$!
wait_for_handler "$pid"
sleep 0.5
t0=$(date +%s%N)
kill -INT "$pid"
# Two signals sent together may merge into one pending signal: the second comes 50 ms later,
# while the first is still being honoured (the run finishes its current pass).
sleep 0.05
kill -INT "$pid"
wait "$pid"
rc=$?
ms=$((($(date +%s%N) - t0) / 1000000))
msg=$(cat "$err"); rm -f "$err"
[ "$rc" = 130 ] || { echo "FAIL: exit $rc, expected 130"; exit 1; }
echo "$msg" | grep -q "second signal: exiting at once" || { echo "FAIL: no second-signal message: $msg"; exit 1; }
[ "$ms" -lt 1000 ] || { echo "FAIL: took $ms ms"; exit 1; }
echo "ok: exit 130 in $ms ms"
