#!/usr/bin/env bash
# Checks a built cxlprobe .deb: its Depends name the runtime libraries, matplotlib is
# recommended, the binaries, man page, bash completion and plot script are in their FHS places,
# and the packaged binary runs from an unpacked tree (finding its plot script beside it).
# usage: check_deb.sh PACKAGE.deb
set -u
deb=$1
fail=0
say() { echo "$1: $2"; if [ "$1" = FAIL ]; then fail=1; fi; return 0; }
depends=$(dpkg-deb -f "$deb" Depends)
for lib in libhwloc15 libfmt9 libnuma1 libstdc++6; do
  [[ "$depends" == *"$lib"* ]] && say ok "Depends names $lib" || say FAIL "Depends lacks $lib ($depends)"
done
[[ "$(dpkg-deb -f "$deb" Recommends)" == *python3-matplotlib* ]] && say ok "Recommends python3-matplotlib" ||
  say FAIL "python3-matplotlib is not recommended"
contents=$(dpkg-deb -c "$deb" | awk '{print $6}')
for f in ./usr/bin/cxlprobe ./usr/bin/cxlprobe-bw ./usr/share/man/man1/cxlprobe.1 \
  ./usr/share/bash-completion/completions/cxlprobe ./usr/share/cxlprobe/cxlprobe_plot.py; do
  grep -qx -- "$f" <<<"$contents" && say ok "contains $f" || say FAIL "lacks $f"
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
dpkg-deb -x "$deb" "$tmp"
"$tmp/usr/bin/cxlprobe" --version | grep -q "^cxlprobe " && say ok "the packaged binary runs" ||
  say FAIL "the packaged binary does not run"
page=$tmp/usr/share/man/man1/cxlprobe.1
if command -v man >/dev/null; then rendered=$(man -l "$page" 2>/dev/null); else rendered=$(sed -n 's/^\.SS /   /p' "$page"); fi
grep -q "^   replay" <<<"$rendered" && grep -q "^   explain" <<<"$rendered" &&
  say ok "the man page has a section per command" || say FAIL "the man page lacks the command sections"
bash -n "$tmp/usr/share/bash-completion/completions/cxlprobe" && say ok "the completion parses" ||
  say FAIL "the completion does not parse"
exit $fail
