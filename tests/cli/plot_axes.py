#!/usr/bin/env python3
"""The plots read right (issue: y from 0, ceilings, error bars, integer counts, emulated tiers,
the knee, explain's CPU-only results): each plot function is run on recorded result files and
its axes inspected. Exit 77 without matplotlib.
usage: plot_axes.py PLOT_SCRIPT RESULTS_DIR"""
import importlib.util
import json
import os
import sys

try:
    import matplotlib  # noqa: F401
except ImportError:
    print("skipped: matplotlib is not installed")
    sys.exit(77)

script, results = sys.argv[1], sys.argv[2]
spec = importlib.util.spec_from_file_location("cxlprobe_plot", script)
plot = importlib.util.module_from_spec(spec)
spec.loader.exec_module(plot)
plt = plot.plt
failures = []


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        failures.append(what)


def axes_of(kind, path):
    doc = json.load(open(os.path.join(results, path)))
    fig, ax = plt.subplots()
    drawn = plot.KINDS[kind](doc, ax)
    plot.finish_axes(ax)
    return drawn, ax, fig


drawn, ax, fig = axes_of("size", "h200-2026-11-26/dma_sweep.json")
labels = ax.get_legend_handles_labels()[1]
check(drawn and ax.get_ylim()[0] == 0, "size: y starts at 0")
check(any("effective ceiling" in l for l in labels) and any("raw ceiling" in l for l in labels),
      "size: the path's effective and raw ceilings are drawn")
check(len(ax.containers) > 0, "size: error bars (p5..p95) are drawn")
check("NVIDIA H200" in ax.get_title() and "dram" in ax.get_title(), "size: the title names tier and GPU")

drawn, ax, fig = axes_of("scaling", "h200-2026-12-02-explain/scale.json")
check(drawn and ax.get_ylim()[0] == 0, "scaling: y starts at 0")
ticks = [t for t in ax.get_xticks() if ax.get_xlim()[0] <= t <= ax.get_xlim()[1]]
check(all(float(t).is_integer() for t in ticks), f"scaling: integer ticks for counts ({ticks})")
check(any(t.get_text() == "knee" for t in ax.texts), "scaling: the knee is marked")

drawn, ax, fig = axes_of("tiers", "h200-2026-12-02-explain/explain.json")
labels = [t.get_text() for t in ax.get_xticklabels()]
check(drawn, "explain with CPU results only at one thread count: the tiers plot draws them")
check(any("(emulated)" in l for l in labels), "tiers: the emulated stand-in is marked")

drawn, ax, fig = axes_of("kv", "h200-2026-11-26/dma_kv_restore.json")
check(drawn and ax.get_ylim()[0] == 0, "kv: y starts at 0")
sys.exit(1 if failures else 0)
