#!/usr/bin/env bash
# Creates a file with known content, runs a command that must refuse before measuring (exit 2),
# and checks that the content is byte-for-byte unchanged, the message names the reason, and the
# refusal came within a second (the plan is checked before anything runs).
# usage: file_unchanged.sh FILE [--match TEXT] -- command...   (TEXT defaults to --allow-write)
set -u
file=$1; shift
match=--allow-write
if [ "$1" = --match ]; then match=$2; shift 2; fi
shift
head -c 1048576 /dev/urandom >"$file"
before=$(sha256sum "$file" | cut -d' ' -f1)
t0=$(date +%s%N)
"$@" >/dev/null 2>"$file.err"
rc=$?
ms=$((($(date +%s%N) - t0) / 1000000))
after=$(sha256sum "$file" | cut -d' ' -f1)
msg=$(cat "$file.err"); rm -f "$file" "$file.err"
[ "$rc" = 2 ] || { echo "FAIL: exit $rc, expected 2: $msg"; exit 1; }
[ "$before" = "$after" ] || { echo "FAIL: content changed"; exit 1; }
echo "$msg" | grep -q -- "$match" || { echo "FAIL: message does not name '$match': $msg"; exit 1; }
# One second for a refusal made in the plan; sanitizer builds (slow to start) set a larger budget.
limit=${CXLPROBE_TEST_LIMIT_MS:-1000}
[ "$ms" -lt "$limit" ] || { echo "FAIL: the refusal took $ms ms (> $limit ms): it was not made in the plan"; exit 1; }
echo "ok: refused in $ms ms, content unchanged"
