#!/usr/bin/env bash
# report.html in a real browser: headless chromium renders the page of a recorded explain run to
# a PNG (not blank: a white page of this size compresses to a few KB) and dumps its DOM, which
# must hold the floor sentences, a real table and the plots as data URIs (nothing fetched from
# beside the file). With `fleet`: the page of `fleet report DIR -o` on 8 synthetic nodes made from
# RESULT.json (make_fleet.py, three odd nodes planted) must hold the findings first, the nodes x
# measurements table with the slow node's cell marked, and the per-node bar chart.
# Exit 77 without chromium (scripts/deps installs Debian's).
# usage: browser_report.sh CXLPROBE RESULT.json OUTDIR [fleet]
set -u
exe=$1 result=$2 out=$3 mode=${4:-}
browser=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
[ -n "$browser" ] || { echo "skipped: no chromium (apt-get install chromium)"; exit 77; }
rm -rf "$out" && mkdir -p "$out"
if [ "$mode" = fleet ]; then
  python3 "$(dirname "$0")/make_fleet.py" "$result" "$out/nodes" 8 slow-tier downtrain other-topo >/dev/null
  "$exe" fleet report -q "$out/nodes" -o "$out/report"
  [ $? = 4 ] || { echo "FAIL: fleet report (exit 4 expected: odd nodes planted)"; exit 1; }
else
  "$exe" report -q "$result" -o "$out/report" || { echo "FAIL: report"; exit 1; }
fi
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
expect() {  # expect PATTERN WHAT
  grep -q -- "$1" "$out/dom.html" && echo "ok: $2" || { echo "FAIL: $2 (no '$1' in the DOM)"; fail=1; }
}
if [ "$mode" = fleet ]; then
  expect "<h2>Fleet: " "the fleet's answer has its section"
  expect "<li>node-002: cpu read dram [0-9.]* GB/s, 25% below the fleet's median" "the slow node is named first"
  expect "<li>node-003: GPU 0 link below its capability" "the downtrained link is named"
  expect "<li>node-004: topology differs" "the other topology is named"
  expect "<td>[0-9.]* (-25%)</td>" "the slow node's cell is marked in the nodes x measurements table"
  expect "<td>median</td>" "the table ends with the fleet's median"
else
  n=$(grep -c "binds at" "$out/dom.html")
  [ "$n" -ge 1 ] && echo "ok: the DOM holds $n floor sentence(s)" || { echo "FAIL: no floor sentence in the DOM"; fail=1; }
  expect "<th>what sets the floor</th>" "the floors are a real table"
fi
grep -q 'src="data:image/png;base64,' "$out/dom.html" && echo "ok: plots as data URIs" ||
  { echo "FAIL: no data-URI plot"; fail=1; }
exit $fail
