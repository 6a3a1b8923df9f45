#!/usr/bin/env bash
# Checks that two commands print the same result document on stdout, ignoring meta (argv, time).
set -eu
a=$(mktemp); b=$(mktemp)
trap 'rm -f "$a" "$b"' EXIT
sep=$(printf '%s\n' "$@" | grep -n '^---$' | cut -d: -f1)
cmd_a=("${@:1:$((sep - 1))}")
cmd_b=("${@:$((sep + 1))}")
"${cmd_a[@]}" >"$a"
"${cmd_b[@]}" >"$b"
python3 - "$a" "$b" <<'PY'
import json, sys
docs = [json.load(open(p)) for p in sys.argv[1:3]]
for d in docs:
    d.pop("meta")
if docs[0] != docs[1]:
    sys.exit("the two documents differ")
print("same document")
PY
