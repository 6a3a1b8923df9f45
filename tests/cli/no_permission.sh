#!/usr/bin/env bash
# A file tier this user may not read: exit 2, a message naming the file and the fix, nothing
# written. As root the probe runs as user nobody (setpriv); skipped (77) where that cannot run.
#   usage: no_permission.sh CXLPROBE TMPDIR
set -u
cx=$1 tmp=$2
mkdir -p "$tmp"
f=$tmp/no-permission.bin
# The result file's folder is writable for that user too: outputs are checked before the tier.
out_dir=$tmp/no-permission-out
mkdir -p "$out_dir" && chmod 1777 "$out_dir"
json=$out_dir/no-permission.json
rm -f "$f" "$json"
head -c 1048576 /dev/zero >"$f" && chmod 000 "$f"
as=()
if [ "$(id -u)" = 0 ]; then
  as=(setpriv --reuid=65534 --regid=65534 --clear-groups)
  "${as[@]}" "$cx" --version >/dev/null 2>&1 || { echo "skipped: cannot run as nobody here"; exit 77; }
fi
before=$(sha256sum <"$f")
out=$("${as[@]}" "$cx" bw --tier "file:$f" --op read --threads 1 --size 1MiB --reps 1 \
  --json "$json" 2>&1)
rc=$?
[ "$rc" = 2 ] || { echo "FAIL: exit $rc, expected 2: $out"; exit 1; }
grep -q "cannot open file tier '$f': Permission denied" <<<"$out" || { echo "FAIL: message: $out"; exit 1; }
grep -q "change its mode or owner" <<<"$out" || { echo "FAIL: no fix named: $out"; exit 1; }
[ ! -e "$json" ] || { echo "FAIL: a result file was written"; exit 1; }
[ "$(sha256sum <"$f")" = "$before" ] || { echo "FAIL: the file changed"; exit 1; }
echo "ok: $out"
