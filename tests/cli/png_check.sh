#!/usr/bin/env bash
# Runs a plotting command, then checks that every PNG it reports is a real PNG of plausible size.
#   png_check.sh MIN_FILES -- command...
set -u
min=$1; shift 2
json=$("$@" --json - -q) || { echo "FAIL: command failed: $*"; exit 1; }
files=$(echo "$json" | python3 -c 'import json,sys; print("\n".join(r["params"]["file"] for r in json.load(sys.stdin)["results"]))')
n=0
for f in $files; do
  sig=$(head -c 8 "$f" | od -An -tx1 | tr -d ' \n')
  [ "$sig" = "89504e470d0a1a0a" ] || { echo "FAIL: $f is not a PNG ($sig)"; exit 1; }
  size=$(stat -c %s "$f")
  [ "$size" -gt 15000 ] || { echo "FAIL: $f is only $size bytes"; exit 1; }
  n=$((n + 1))
done
[ "$n" -ge "$min" ] || { echo "FAIL: $n PNG files, expected at least $min"; exit 1; }
echo "ok: $n PNG files: $files"
