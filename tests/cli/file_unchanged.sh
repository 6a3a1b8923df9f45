#!/usr/bin/env bash
# Creates a file with known content, runs a command that must refuse to write it (exit 2), and
# checks the content is byte-for-byte unchanged.  usage: file_unchanged.sh FILE -- command...
set -u
file=$1; shift; shift
head -c 1048576 /dev/urandom >"$file"
before=$(sha256sum "$file" | cut -d' ' -f1)
"$@" >/dev/null 2>"$file.err"
rc=$?
after=$(sha256sum "$file" | cut -d' ' -f1)
msg=$(cat "$file.err"); rm -f "$file" "$file.err"
[ "$rc" = 2 ] || { echo "FAIL: exit $rc, expected 2: $msg"; exit 1; }
[ "$before" = "$after" ] || { echo "FAIL: content changed"; exit 1; }
echo "$msg" | grep -q -- "--allow-write" || { echo "FAIL: message does not name --allow-write: $msg"; exit 1; }
echo "ok: refused, content unchanged"
