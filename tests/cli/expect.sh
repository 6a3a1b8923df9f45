#!/usr/bin/env bash
# Runs a command and checks its exit code and output.
#   expect.sh [--rc N] [--match ERE]... [--nomatch ERE]... [--absent PATH]... [--exists PATH]...
#             [--json-stdout] -- command args...
# --match/--nomatch look at stdout and stderr together; --json-stdout requires stdout to be one
# JSON document with schema_version 1; --absent checks that the run wrote nothing at PATH.
set -u
rc_want=0
matches=()
nomatches=()
absent=()
exists=()
json_stdout=0
while [ $# -gt 0 ]; do
  case "$1" in
    --rc) rc_want=$2; shift 2 ;;
    --match) matches+=("$2"); shift 2 ;;
    --nomatch) nomatches+=("$2"); shift 2 ;;
    --absent) absent+=("$2"); shift 2 ;;
    --exists) exists+=("$2"); shift 2 ;;
    --json-stdout) json_stdout=1; shift ;;
    --) shift; break ;;
    *) echo "expect.sh: unknown option $1" >&2; exit 99 ;;
  esac
done
for p in ${absent[@]+"${absent[@]}"} ${exists[@]+"${exists[@]}"}; do rm -f "$p"; done
out=$(mktemp)
err=$(mktemp)
trap 'rm -f "$out" "$err"' EXIT
"$@" >"$out" 2>"$err"
rc=$?
fail=0
if [ "$rc" != "$rc_want" ]; then
  echo "FAIL: exit code $rc, expected $rc_want"
  fail=1
fi
for re in ${matches[@]+"${matches[@]}"}; do
  if ! cat "$out" "$err" | grep -Eq -- "$re"; then echo "FAIL: output lacks /$re/"; fail=1; fi
done
for re in ${nomatches[@]+"${nomatches[@]}"}; do
  if cat "$out" "$err" | grep -Eq -- "$re"; then echo "FAIL: output has /$re/"; fail=1; fi
done
for p in ${absent[@]+"${absent[@]}"}; do
  if [ -e "$p" ]; then echo "FAIL: $p was written"; fail=1; fi
done
for p in ${exists[@]+"${exists[@]}"}; do
  if [ ! -s "$p" ]; then echo "FAIL: $p was not written"; fail=1; fi
done
if [ "$json_stdout" = 1 ]; then
  if ! grep -q '"schema_version": 1' "$out" || ! python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$out" 2>/dev/null; then
    echo "FAIL: stdout is not one JSON result document"
    fail=1
  fi
fi
if [ "$fail" != 0 ]; then
  echo "--- command: $*"
  echo "--- stdout:"; head -c 3000 "$out"
  echo "--- stderr:"; head -c 3000 "$err"
  exit 1
fi
echo "ok: $*"
