#!/usr/bin/env bash
# report.html in a real browser: headless chromium renders the page of a recorded explain run to
# a PNG (not blank: a white page of this size compresses to a few KB) and dumps its DOM, which
# must hold the floor sentences, a real table and the plots as data URIs (nothing fetched from
# beside the file). Exit 77 without chromium (scripts/deps installs Debian's).
# usage: browser_report.sh CXLPROBE RESULT.json OUTDIR
set -u
exe=$1 result=$2 out=$3
browser=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
[ -n "$browser" ] || { echo "skipped: no chromium (apt-get install chromium)"; exit 77; }
rm -rf "$out" && mkdir -p "$out"
"$exe" report -q "$result" -o "$out/report" || { echo "FAIL: report"; exit 1; }
# Alone in its folder: a page that still needed the PNG files beside it would show no plots.
mkdir -p "$out/alone" && cp "$out/report/report.html" "$out/alone/"
flags=(--headless=new --no-sandbox --disable-gpu --hide-scrollbars --user-data-dir="$out/profile")
timeout 120 "$browser" "${flags[@]}" --window-size=1400,2400 --screenshot="$out/shot.png" \
  "file://$out/alone/report.html" >"$out/chromium.log" 2>&1
timeout 120 "$browser" "${flags[@]}" --dump-dom "file://$out/alone/report.html" >"$out/dom.html" 2>>"$out/chromium.log"
fail=0
size=$(stat -c %s "$out/shot.png" 2>/dev/null || echo 0)
[ "$size" -gt 40000 ] && echo "ok: the rendered page is not blank ($size bytes of PNG)" ||
  { echo "FAIL: screenshot of $size bytes (blank or missing)"; tail -5 "$out/chromium.log"; fail=1; }
n=$(grep -c "binds at" "$out/dom.html")
[ "$n" -ge 1 ] && echo "ok: the DOM holds $n floor sentence(s)" || { echo "FAIL: no floor sentence in the DOM"; fail=1; }
grep -q "<th>what sets the floor</th>" "$out/dom.html" && echo "ok: the floors are a real table" ||
  { echo "FAIL: no floors table"; fail=1; }
grep -q 'src="data:image/png;base64,' "$out/dom.html" && echo "ok: plots as data URIs" ||
  { echo "FAIL: no data-URI plot"; fail=1; }
exit $fail
