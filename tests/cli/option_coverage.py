#!/usr/bin/env python3
"""Every option that takes a value has a bad-value test: for each subcommand, each such option
in `cxlprobe SUB --help` must appear in a usage-error test (`--rc 2`) of tests/cli/CMakeLists.txt
for that subcommand, or, for an option many subcommands share (one parser behind it), in such a
test of any subcommand. Every option of a numeric type (INT, UINT, FLOAT) must print its range
in --help (a CLI::Range: "INT in [1 - 100000]"; docs/errors.md lists them). Prints the options
that break either rule and exits 1 if there are any.
usage: option_coverage.py CXLPROBE CMAKELISTS"""
import re
import subprocess
import sys

exe, lists = sys.argv[1], sys.argv[2]


def help_of(*args):
    return subprocess.run([exe, *args, "--help"], capture_output=True, text=True).stdout


subs = re.findall(r"^  (\w+) {2,}", help_of().split("Subcommands:")[1], re.M)
# Options that take a value: "--name TYPE" or "--name TEXT=default" (flags have no value part).
# A short alias ("-o,--output") counts as the option.
opt_re = re.compile(r"^\s+(?:(-\w),)?(--[\w-]+)(?: |=)[A-Z]", re.M)
aliases = {}
options = {}
# A numeric option's line: "--name INT:INT in [1 - 100000]=10" when it has a range.
num_re = re.compile(r"^\s+(?:-\w,)?(--[\w-]+) (?:INT|UINT|FLOAT)\b(\S*)", re.M)
unbounded = []
for s in subs:
    options[s] = set()
    sub_help = help_of(s)
    unbounded += [f"{s} {o}" for o, rest in num_re.findall(sub_help) if " in [" not in
                  sub_help.split(o, 1)[1].split("\n", 1)[0]]
    for short, long in opt_re.findall(sub_help):
        options[s].add(long)
        if short:
            aliases[long] = short
shared = {o for o in set().union(*options.values())
          if sum(o in v for v in options.values()) > 1}

# Each cli_test / add_test call as one string (they span lines).
text = open(lists).read()
# set(NAME words...) variables used inside the tests, expanded.
for name, value in re.findall(r"^set\((\w+) (.*?)\)$", text, re.M):
    if name == "CXLPROBE":
        continue
    text = text.replace("${" + name + "}", value)
calls = re.findall(r"(?:cli_test|add_test)\((.*?)\)\n", text, re.S)
bad = [c for c in calls if "--rc 2" in c]


def tested(sub, opt):
    for c in bad:
        m = re.search(r"\$\{CXLPROBE\}\s+(\w+)(.*)", c, re.S)
        spellings = [opt] + ([aliases[opt]] if opt in aliases else [])
        if not m or not any(re.search(r"(?<![\w-])" + re.escape(x) + r"(?![\w-])", m.group(2))
                            for x in spellings):
            continue
        if m.group(1) == sub or opt in shared:
            return True
    return False


missing = [f"{s} {o}" for s in subs for o in sorted(options[s]) if not tested(s, o)]
total = sum(len(v) for v in options.values())
if unbounded:
    print(f"{len(unbounded)} numeric options print no range in --help:")
    print("\n".join("  " + u for u in unbounded))
    sys.exit(1)
if missing:
    print(f"{len(missing)} of {total} options lack a bad-value test (--rc 2):")
    print("\n".join("  " + m for m in missing))
    sys.exit(1)
print(f"all {total} value options of {len(subs)} subcommands have a bad-value test")
