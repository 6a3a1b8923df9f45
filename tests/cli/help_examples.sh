#!/usr/bin/env bash
# Every command's --help starts with its purpose, then "Examples:" with 2-4 command lines, then
# its own options, then "Shared options:". Every option an example uses exists in that
# command's --help; the examples that need no GPU, CXL device or input file run (exit 0).
# usage: help_examples.sh CXLPROBE
set -u
exe=$1
fail=0
commands=$("$exe" 2>&1 | awk '/^Commands:/ {on=1; next} on && /^  [a-z]/ {print $1} /^$/ && on {on=0}')
[ -n "$commands" ] || { echo "FAIL: bare cxlprobe lists no commands"; exit 1; }
for c in $commands; do
  help=$("$exe" "$c" --help 2>&1)
  first=$(printf '%s\n' "$help" | head -1)
  [ -n "$first" ] && [ "${first#Usage}" = "$first" ] || { echo "FAIL: $c --help does not start with its purpose"; fail=1; }
  n=$(printf '%s\n' "$help" | awk '/^Examples:/ {on=1; next} on && /^  cxlprobe / {n++} on && !/^  / {on=0} END {print n+0}')
  if [ "$n" -lt 2 ] || [ "$n" -gt 4 ]; then echo "FAIL: $c has $n examples (2-4 wanted)"; fail=1; fi
  own=$(printf '%s\n' "$help" | grep -n "^Options:" | cut -d: -f1)
  shared=$(printf '%s\n' "$help" | grep -n "^Shared options:" | cut -d: -f1)
  ex=$(printf '%s\n' "$help" | grep -n "^Examples:" | cut -d: -f1)
  if [ -z "$own" ] || [ -z "$shared" ] || [ -z "$ex" ] || [ "$ex" -gt "$own" ] || [ "$own" -gt "$shared" ]; then
    echo "FAIL: $c --help order is not purpose, Examples, Options, Shared options"; fail=1
  fi
  printf '%s\n' "$help" | grep -q " TEXT" && { echo "FAIL: $c --help still says TEXT:"; printf '%s\n' "$help" | grep " TEXT"; fail=1; }
  while read -r line; do
    cmd=${line%%#*}
    for opt in $(printf '%s\n' "$cmd" | grep -oE -- '(^| )--?[a-z][a-z0-9-]*' | tr -d ' '); do
      printf '%s\n' "$help" | grep -qE -- "(^|[ ,])$opt([ ,=]|$)" || { echo "FAIL: $c example uses $opt, which $c --help does not list"; fail=1; }
    done
  done < <(printf '%s\n' "$help" | awk '/^Examples:/ {on=1; next} on && /^  cxlprobe / {sub(/^  cxlprobe [a-z]+/, ""); print} on && !/^  / {on=0}')
done
for run in "explain --plan-only" "topo"; do
  # shellcheck disable=SC2086
  "$exe" $run -q >/dev/null 2>&1 && echo "ok: cxlprobe $run" || { echo "FAIL: the example 'cxlprobe $run' exits $?"; fail=1; }
done
[ "$fail" = 0 ] && echo "ok: every command's help has its purpose, 2-4 examples, own then shared options"
exit $fail
