#!/usr/bin/env bash
# Output paths: devices (a character device like a DAX device, a block device, a symlink to one)
# are refused with exit 2 before anything is measured, and nothing is written to them; a FIFO,
# /dev/null and a regular file are written. A replaced file keeps its mode.
#   usage: output_targets.sh CXLPROBE TMPDIR     (mknod needs root: skipped (77) otherwise)
set -u
cx=$1 tmp=$2/output-targets
rm -rf "$tmp" && mkdir -p "$tmp"
[ "$(id -u)" = 0 ] || { echo "skipped: mknod needs root"; exit 77; }
fail() { echo "FAIL: $*"; exit 1; }
mknod "$tmp/chardev" c 1 5 || { echo "skipped: mknod refused here"; exit 77; }  # as /dev/zero
mknod "$tmp/blockdev" b 7 250 || { echo "skipped: mknod refused here"; exit 77; }
ln -s "$tmp/chardev" "$tmp/link-to-chardev"
for target in chardev blockdev link-to-chardev; do
  for opt in --json --csv; do
    start=$(date +%s%N)
    out=$("$cx" bw --op read --threads 1 --size 8MiB --reps 1 "$opt" "$tmp/$target" 2>&1)
    rc=$?
    ms=$((($(date +%s%N) - start) / 1000000))
    [ "$rc" = 2 ] || fail "$opt $target: exit $rc: $out"
    grep -q "output path '$tmp/$target' is a .*device" <<<"$out" || fail "$opt $target: $out"
    grep -q "bandwidth" <<<"$out" && fail "$opt $target: measured before refusing: $out"
    [ "$ms" -lt "${CXLPROBE_TEST_LIMIT_MS:-1000}" ] || fail "$opt $target: refusal took $ms ms"
  done
done
[ -c "$tmp/chardev" ] && [ -b "$tmp/blockdev" ] || fail "a device node was replaced"
[ -L "$tmp/link-to-chardev" ] || fail "the symlink was replaced"
# A FIFO gets the document in place.
mkfifo "$tmp/fifo"
cat "$tmp/fifo" >"$tmp/from-fifo.json" &
reader=$!
"$cx" topo --json "$tmp/fifo" -q || fail "--json FIFO: exit $?"
wait "$reader"
python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$tmp/from-fifo.json" || fail "FIFO content"
"$cx" topo --json /dev/null -q || fail "--json /dev/null: exit $?"
# A replaced regular file keeps its mode.
echo old >"$tmp/kept.json" && chmod 0600 "$tmp/kept.json"
"$cx" topo --json "$tmp/kept.json" -q || fail "--json FILE: exit $?"
[ "$(stat -c %a "$tmp/kept.json")" = 600 ] || fail "mode became $(stat -c %a "$tmp/kept.json")"
grep -q schema_version "$tmp/kept.json" || fail "file not replaced"
# plot -o through a symlink to a device is refused too.
ln -s "$tmp/chardev" "$tmp/plot.png"
out=$("$cx" plot "$tmp/kept.json" -o "$tmp/plot.png" 2>&1)
[ $? = 2 ] && grep -q "is a character device" <<<"$out" || fail "plot -o into a device: $out"
echo "ok: devices refused before measuring, FIFO, /dev/null and files written"
