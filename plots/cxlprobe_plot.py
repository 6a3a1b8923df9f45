#!/usr/bin/env python3
"""Plots of cxlprobe result documents (docs/schema.md) with matplotlib.

usage: cxlprobe_plot.py RESULT.json OUT.(png|svg|pdf) [--kind KIND]
KIND: auto (every kind the file holds), size, kv, scaling, threads, tiers, latency, floor,
replay, fleet. With several kinds, OUT's stem gets "-KIND" per plot (x.png -> x-size.png, x-kv.png);
with one, OUT itself. Prints the files written, one per line. GB/s = 1e9 B/s in every axis.
Every y axis starts at 0; bars span p5..p95 of the repetitions; counts get integer ticks; the
path's effective and raw ceilings are drawn where the file holds its topology; emulated tiers
say so in the legend; the knee of a scaling sweep is marked.
"""
import json
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import matplotlib.ticker  # noqa: E402

GB = 1e9


def median(result, name):
    for m in result.get("metrics", []):
        if m["name"] == name and m.get("stat") in ("median", "value") and m["value"] is not None:
            return m["value"]
    return None


def stat(result, name, which):
    for m in result.get("metrics", []):
        if m["name"] == name and m.get("stat") == which and m["value"] is not None:
            return m["value"]
    return None


def point(result, name, x, scale=GB):
    """(x, median, p5, p95) scaled; p5/p95 fall back to the median (a single value)."""
    v = median(result, name)
    if v is None:
        return None
    lo, hi = stat(result, name, "p5"), stat(result, name, "p95")
    return (x, v / scale, (lo if lo is not None else v) / scale, (hi if hi is not None else v) / scale)


def tier_label(params):
    t = str(params.get("tier", ""))
    return f"{t} (emulated)" if params.get("emulated") else t


def ceilings(doc, ax, tiers):
    """The path's effective and raw ceilings (topology paths) of the tiers plotted, as lines."""
    paths = doc.get("context", {}).get("topology", {}).get("paths", [])
    drawn = set()
    for p in paths:
        # "dram" is the process's local memory: the nodes whose paths cross no socket.
        local = "dram" in tiers and str(p.get("tier", "")).startswith("node:") and not p.get("crosses_socket")
        if p.get("tier") not in tiers and not local:
            continue
        for key, style, what in (("min_effective_bps", "--", "effective"), ("min_raw_bps", ":", "raw")):
            v = p.get(key)
            if not v or (p["tier"], key, v) in drawn:
                continue
            drawn.add((p["tier"], key, v))
            ax.axhline(v / GB, ls=style, lw=1, color="gray",
                       label=f'{what} ceiling {p["tier"]} -> {p.get("gpu", "")} ({v / GB:.1f})')


def machine(doc):
    host = doc.get("meta", {}).get("host", "")
    gpus = doc.get("context", {}).get("topology", {}).get("gpus", [])
    names = sorted({g.get("name", "") for g in gpus if g.get("name")})
    date = doc.get("meta", {}).get("start_time", "")[:10]
    parts = [p for p in [host, ", ".join(names), date] if p]
    return " / ".join(parts) if parts else "unknown machine"


def ok(doc, probe):
    return [r for r in doc.get("results", []) if r.get("probe") == probe and r.get("status") == "ok"]


def fmt_size(b):
    for unit, f in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if b >= f:
            v = b / f
            return f"{v:.3g} {unit}"
    return f"{b} B"


def draw_lines(ax, series, size_axis=False, every=True, marker_size=3, counts=False):
    """One line per series (label -> [(x, y)] or [(x, y, p5, p95)], bars from p5 to p95); x as
    sizes on a log2 axis when size_axis, integer ticks when counts."""
    for label, pts in sorted(series.items()):
        pts.sort()
        xs, ys = [q[0] for q in pts], [q[1] for q in pts]
        if all(len(q) == 4 for q in pts):
            err = [[q[1] - q[2] for q in pts], [q[3] - q[1] for q in pts]]
            ax.errorbar(xs, ys, yerr=err, marker="o", ms=marker_size, capsize=2, label=label)
        else:
            ax.plot(xs, ys, marker="o", ms=marker_size, label=label)
    if counts:
        ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    if size_axis:
        ax.set_xscale("log", base=2)
        xs = sorted({q[0] for pts in series.values() for q in pts})
        ticks = xs if every else xs[:: max(1, len(xs) // 8)]
        ax.set_xticks(ticks)
        ax.set_xticklabels([fmt_size(t) for t in ticks], rotation=30)


def gpus(doc):
    names = sorted({g.get("name", "") for g in doc.get("context", {}).get("topology", {}).get("gpus", [])
                    if g.get("name")})
    return ", ".join(names) or "GPU"


def plot_size(doc, ax):
    series, tiers = {}, set()
    for r in ok(doc, "dma"):
        p = r["params"]
        if p.get("pattern", "bulk") != "bulk" or "size" not in p:
            continue
        if p.get("gpu_busid") is None and p.get("aggregate"):
            continue  # several GPUs: each GPU's own line, not their sum
        label = f'{tier_label(p)} {p.get("host")} {p.get("dir")} {p.get("engine")}{" " + p["kernel"] if "kernel" in p else ""}'
        q = point(r, "bandwidth", p["size"])
        if q:
            series.setdefault(label, []).append(q)
            tiers.add(p.get("tier"))
    if not series:
        return False
    draw_lines(ax, series, size_axis=True, every=False)
    ceilings(doc, ax, tiers)
    ax.set_xlabel("transfer size")
    ax.set_ylabel("bandwidth [GB/s]")
    ax.set_title(f"GPU DMA bandwidth vs transfer size: {', '.join(sorted(tiers))} -> {gpus(doc)}")
    return True


def plot_kv(doc, ax):
    series, tiers = {}, set()
    for r in ok(doc, "dma"):
        p = r["params"]
        if p.get("pattern") not in ("kv-restore", "kv-offload"):
            continue
        label = f'{tier_label(p)} {p["pattern"]} {p.get("method")}{" " + p["kernel"] if "kernel" in p else ""}'
        q = point(r, "bandwidth", p["block"])
        if q:
            series.setdefault(label, []).append(q)
            tiers.add(p.get("tier"))
    if not series:
        return False
    draw_lines(ax, series, size_axis=True)
    ceilings(doc, ax, tiers)
    ax.set_xlabel("KV block size")
    ax.set_ylabel("bandwidth [GB/s]")
    ax.set_title(f"Scattered KV blocks by method: {', '.join(sorted(tiers))} <-> {gpus(doc)}")
    return True


def plot_scaling(doc, ax):
    series, tiers, knees = {}, set(), []
    for r in ok(doc, "scale"):
        p = r["params"]
        tiers.add(p.get("tier"))
        if p.get("sweep") == "mix":
            # Who gets starved: the GPU's and the CPUs' shares, not only their sum.
            for name, label in (("gpu_bandwidth", "GPU h2d"), ("cpu_write_bandwidth", "CPU writes")):
                q = point(r, name, p["workers"])
                if q:
                    series.setdefault(f'mix on {tier_label(p)}: {label}', []).append(q)
            continue
        q = point(r, "aggregate_bandwidth", p["workers"])
        if q:
            series.setdefault(f'{p.get("sweep")} on {tier_label(p)}', []).append(q)
            if r.get("message", "").startswith("knee:"):
                knees.append((q[0], q[1], r["message"]))
    if not series:
        return False
    draw_lines(ax, series, marker_size=6, counts=True)
    for x, y, msg in knees:
        ax.annotate("knee", (x, y), xytext=(0, 14), textcoords="offset points", ha="center",
                    arrowprops={"arrowstyle": "->"}, fontsize=8)
    ceilings(doc, ax, tiers)
    ax.set_xlabel("workers (threads, processes, streams, GPUs or CPU writers)")
    ax.set_ylabel("aggregate bandwidth [GB/s]")
    ax.set_title(f"Concurrency scaling on {', '.join(sorted(t for t in tiers if t))}")
    return True


def plot_threads(doc, ax):
    series = {}
    for r in ok(doc, "bw"):
        p = r["params"]
        q = point(r, "bandwidth", p["threads"])
        if q:
            series.setdefault(f'{p.get("op")} on {tier_label(p)}', []).append(q)
    if not series or all(len(v) < 2 for v in series.values()):
        return False
    draw_lines(ax, series, marker_size=6, counts=True)
    ax.set_xlabel("CPU threads")
    ax.set_ylabel("bandwidth [GB/s]")
    ax.set_title("CPU bandwidth of the tier vs threads")
    return True


def plot_tiers(doc, ax):
    """CPU bandwidth per tier at one thread count (explain's reads): bars with p5..p95."""
    rows = []
    for r in ok(doc, "bw"):
        p = r["params"]
        if "cpu_node" in p:
            continue  # the bandwidth matrix: a cell each, not a tier
        q = point(r, "bandwidth", 0)
        if q:
            rows.append((f'{tier_label(p)}\n{p.get("op")}, {p.get("threads")} thr', q))
    threads = {r["params"].get("threads") for r in ok(doc, "bw") if "cpu_node" not in r["params"]}
    if not rows or len(threads) > 1:
        return False  # a sweep of thread counts is the threads plot
    xs = range(len(rows))
    ax.bar(xs, [q[1] for _, q in rows],
           yerr=[[q[1] - q[2] for _, q in rows], [q[3] - q[1] for _, q in rows]], capsize=3)
    for x, (_, q) in zip(xs, rows):
        ax.text(x, q[1], f"{q[1]:.1f}", ha="center", va="bottom", fontsize=8)
    ax.set_xticks(list(xs))
    ax.set_xticklabels([name for name, _ in rows], fontsize=8)
    ax.set_ylabel("CPU bandwidth [GB/s]")
    ax.set_title("CPU bandwidth of each tier")
    return True


def plot_latency(doc, ax):
    series = {}
    for r in ok(doc, "lat"):
        p = r["params"]
        q = point(r, "latency", p["size"], scale=1e-9)
        if q:
            series.setdefault(tier_label(p), []).append(q)
    if not series:
        return False
    draw_lines(ax, series, size_axis=True, every=False, marker_size=6)
    ax.set_xlabel("working set")
    ax.set_ylabel("load latency [ns]")
    ax.set_title("Pointer-chase latency vs working set")
    return True


def plot_floor(doc, ax):
    floors = doc.get("analysis", {}).get("floors", [])
    if not floors:
        return False
    labels, groups = [], []
    for f in floors:
        bars = []
        for el in f["elements"]:
            if el.get("capacity_bps") is not None:
                short = el["name"] if el["kind"] != "tier" else "tier (CPU read)"
                bars.append((short, el["capacity_bps"] / GB, el["name"] == f.get("binding")))
        for key, name in (("measured_h2d_bps", "measured H2D"), ("measured_d2h_bps", "measured D2H")):
            if f.get(key) is not None:
                bars.append((name, f[key] / GB, False))
        labels.append(f'{f["tier"]} -> {f["gpu"]}')
        groups.append(bars)
    x = 0
    ticks, names = [], []
    top = max((v for bars in groups for _, v, _ in bars), default=1)
    for label, bars in zip(labels, groups):
        first = x
        for name, v, binding in bars:
            color = "tab:red" if binding else ("tab:green" if name.startswith("measured") else "tab:blue")
            ax.bar(x, v, color=color)
            ax.text(x, v, f"{v:.1f}", ha="center", va="bottom", fontsize=8)
            ticks.append(x)
            names.append(name if name.startswith(("measured", "tier")) else f"link {name}")
            x += 1
        # The pair once, above its group.
        ax.text((first + x - 1) / 2, top * 1.12, label, ha="center", fontsize=8)
        x += 1
    ax.set_ylim(0, top * 1.22)
    ax.set_xticks(ticks)
    ax.set_xticklabels(names, rotation=30, ha="right", fontsize=8)
    ax.set_ylabel("GB/s (capacity = effective ceiling / sharers)")
    ax.set_title("Floor: ceilings (blue, binding red) and measured DMA (green)")
    return True


def plot_replay(doc, ax):
    rs = [r for r in ok(doc, "replay") if r["params"].get("mode") == "workload"]
    if not rs:
        return False
    speed = ""
    for r in rs:
        turns = sorted(
            (int(m["name"][len("ttft_turn"):-len("_mean_s")]), m["value"])
            for m in r["metrics"]
            if m["name"].startswith("ttft_turn") and m["value"] is not None
        )
        ax.plot([t for t, _ in turns], [v for _, v in turns], marker="o", label=f'offload {r["params"]["offload"]}')
        if r["params"]["offload"] == "on":
            sw, st, sr = (median(r, k) for k in ("speedup_wall", "speedup_ttft_mean", "speedup_warm_request"))
            speed = f"speedup: wall {sw:.2f}x, mean TTFT {st:.2f}x, warm request {sr:.2f}x" if sr else ""
    ax.set_ylim(bottom=0)
    ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    ax.set_xlabel("turn")
    ax.set_ylabel("mean TTFT [s]")
    ax.set_title(f'KV replay: TTFT per turn, offload OFF vs ON ({rs[0]["params"].get("model", "")})\n{speed}')
    return True


def finish_axes(ax):
    """What every plot shares: y from 0 (a 2% dip must not look like a collapse) with room above
    the highest point, a light grid, the legend."""
    ax.set_ylim(0, max(ax.get_ylim()[1], ax.dataLim.y1 * 1.1))
    ax.grid(True, alpha=0.3)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=8)


def plot_fleet(doc, ax):
    """fleet report: a panel per measurement, a bar per node, the fleet's median as a line and the
    outliers in red (at most 12 measurements: the ones with outliers first)."""
    fleet = doc.get("analysis", {}).get("fleet")
    if not fleet or not fleet.get("measurements"):
        return False
    flagged = {(o["node"], o["measurement"]) for o in fleet.get("outliers", [])}
    ms = sorted(fleet["measurements"],
                key=lambda m: (not any(k[1] == m["name"] for k in flagged), m["name"]))[:12]
    fig = ax.figure
    fig.delaxes(ax)
    cols = 3 if len(ms) > 4 else len(ms)
    rows = (len(ms) + cols - 1) // cols
    fig.set_size_inches(5 * cols, 3.2 * rows)
    nodes = fleet["nodes"]
    for i, m in enumerate(ms):
        a = fig.add_subplot(rows, cols, i + 1)
        vals = [m["values"].get(n) for n in nodes]
        colors = ["tab:red" if (n, m["name"]) in flagged else "tab:blue" for n in nodes]
        a.bar(range(len(nodes)), [v / GB if v is not None else 0 for v in vals], color=colors)
        a.axhline(m["median"] / GB, color="black", ls="--", lw=1, label=f'median {m["median"] / GB:.2f}')
        a.set_title(m["name"], fontsize=9)
        a.set_ylim(0, max(v for v in vals if v is not None) / GB * 1.15)
        a.set_xticks(range(len(nodes)))
        a.set_xticklabels(nodes, rotation=90, fontsize=6 if len(nodes) > 16 else 8)
        a.set_ylabel("GB/s", fontsize=8)
        a.legend(fontsize=7)
    fig.suptitle(f'Fleet of {len(nodes)} nodes: a bar per node, the median dashed, outliers red')
    return "figure"


KINDS = {
    "size": plot_size,
    "kv": plot_kv,
    "scaling": plot_scaling,
    "threads": plot_threads,
    "tiers": plot_tiers,
    "latency": plot_latency,
    "floor": plot_floor,
    "replay": plot_replay,
    "fleet": plot_fleet,
}


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    src, out = argv[1], argv[2]
    kind = "auto"
    if len(argv) >= 5 and argv[3] == "--kind":
        kind = argv[4]
    if kind != "auto" and kind not in KINDS:
        print(f"unknown plot kind '{kind}'; use auto or one of: {', '.join(KINDS)}", file=sys.stderr)
        return 2
    with open(src) as f:
        doc = json.load(f)
    wanted = KINDS if kind == "auto" else {kind: KINDS[kind]}
    made = []
    stem, ext = os.path.splitext(out)
    for name, fn in wanted.items():
        fig, ax = plt.subplots(figsize=(10, 6))
        drawn = fn(doc, ax)
        if not drawn:
            plt.close(fig)
            continue
        if drawn != "figure":  # a plot of its own panels sets them up itself
            host = doc.get("meta", {}).get("host", "")
            if host:
                ax.set_title(f"{ax.get_title()}  [{host}]")
            finish_axes(ax)
        fig.text(0.99, 0.01, f"{machine(doc)}   GB/s = 1e9 B/s", ha="right", fontsize=8, color="gray")
        fig.tight_layout()
        made.append((name, fig))
    if not made:
        print(f"{src}: nothing to plot (no {kind if kind != 'auto' else 'known'} results)", file=sys.stderr)
        return 3
    for name, fig in made:
        path = out if len(made) == 1 else f"{stem}-{name}{ext}"
        fig.savefig(path, dpi=120)
        plt.close(fig)
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
