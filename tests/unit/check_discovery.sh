#!/usr/bin/env bash
# Every test case the unit binary defines must be a ctest entry of its own, and every entry must
# run a test: a name that catch_discover_tests splits (';') would make entries that run nothing
# and pass. usage: check_discovery.sh UNIT_BINARY BUILD_DIR [ARGS...]  (ARGS: what the entries
# pass, --warn NoTests with Catch2 v2)
set -u
bin=$1; build=$2; shift 2
# Catch2 v2 lists names with --list-test-names-only, v3 with --list-tests --verbosity quiet.
# (v2 exits with the number of tests listed: the status says nothing here).
if "$bin" --help 2>&1 | grep -q -- --list-test-names-only; then
  names=$("$bin" --list-test-names-only)
else
  names=$("$bin" --list-tests --verbosity quiet)
fi
defined=$(printf '%s\n' "$names" | grep -c .)
entries=$(cd "$build" && ctest -N -L '^unit$' | grep -c 'Test *#[0-9]*: unit:')
echo "defined test cases: $defined, ctest entries: $entries"
[ "$defined" -gt 0 ] && [ "$defined" = "$entries" ] || { echo "FAIL: they differ"; exit 1; }
# An entry naming no test case must fail, or a split name would pass silently.
if "$bin" "$@" "no test has this name" >/dev/null 2>&1; then
  echo "FAIL: a filter that matches no test passes"; exit 1
fi
echo ok
