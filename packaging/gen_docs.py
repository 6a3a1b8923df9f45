#!/usr/bin/env python3
"""Writes the man page (cxlprobe.1, a section per command) and the bash completion from the
binary's own --help, so that both say what the binary does.
usage: gen_docs.py CXLPROBE VERSION OUT_MAN OUT_COMPLETION"""
import os
import re
import subprocess
import sys

exe, version, out_man, out_comp = sys.argv[1:5]


def run(*args):
    # A sanitizer build's leak report must not end up in the page.
    env = dict(os.environ, ASAN_OPTIONS="detect_leaks=0")
    p = subprocess.run([exe, *args], capture_output=True, text=True, env=env)
    return p.stdout + p.stderr


def roff(text):
    # Lines starting with . or ' are requests in roff; backslashes escape.
    out = []
    for line in text.replace("\\", "\\e").splitlines():
        out.append("\\&" + line if line.startswith((".", "'")) else line)
    return "\n".join(out)


bare = run()
commands = re.findall(r"^  ([a-z]+) +(.*)$", bare.split("Commands:")[1].split("\n\n")[0], re.M)
exit_help = run("--help").split("Exit codes", 1)
man = [
    f'.TH CXLPROBE 1 "" "cxlprobe {version}" "User Commands"',
    ".SH NAME",
    "cxlprobe \\- profile how bytes move between CXL memory, host DRAM and GPUs, and say which"
    " link or tier sets the floor",
    ".SH SYNOPSIS",
    ".B cxlprobe",
    ".I COMMAND",
    "[\\fIOPTIONS\\fR]",
    ".SH DESCRIPTION",
    roff(run("--help").split("\n\n")[0].split("\n")[0]),
    ".PP",
    "Start with \\fBcxlprobe explain\\fR. Each command also exists as \\fBcxlprobe-COMMAND\\fR"
    " for the probes (topo, bw, lat, dma, scale, replay).",
    ".SH COMMANDS",
]
options = {}
for name, summary in commands:
    text = run(name, "--help")
    options[name] = sorted(set(re.findall(r"^\s+(?:-\w,)?(--[a-z][a-z0-9-]*)", text, re.M)))
    man += [f".SS {name}", ".nf", roff(text), ".fi"]
if len(exit_help) == 2:
    man += [".SH EXIT STATUS", ".nf", roff("Exit codes" + exit_help[1].rstrip()), ".fi"]
man += [".SH FILES", "/usr/share/cxlprobe/cxlprobe_plot.py \\- the plot script (matplotlib)",
        ".SH SEE ALSO", "\\fBlstopo\\fR(1), \\fBdaxctl\\fR(1), \\fBcxl\\fR(1)"]
open(out_man, "w").write("\n".join(man) + "\n")

cases = "\n".join(f'    {c}) opts="{" ".join(o)}" ;;' for c, o in options.items())
open(out_comp, "w").write(f"""# bash completion for cxlprobe (generated from its --help by packaging/gen_docs.py)
_cxlprobe() {{
  local cur=${{COMP_WORDS[COMP_CWORD]}} cmd=${{COMP_WORDS[1]}} opts
  if [ "$COMP_CWORD" -eq 1 ]; then
    COMPREPLY=($(compgen -W "{' '.join(options)}" -- "$cur"))
    return
  fi
  case "$cmd" in
{cases}
    *) opts="" ;;
  esac
  if [[ "$cur" == -* ]]; then
    COMPREPLY=($(compgen -W "$opts" -- "$cur"))
  else
    COMPREPLY=($(compgen -f -- "$cur"))
  fi
}}
complete -F _cxlprobe cxlprobe
""")
