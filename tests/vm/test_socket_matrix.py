#!/usr/bin/env python3
"""Guest test on a two-socket guest (run_vm --sockets2: two packages of one CPU, a NUMA node
each): topo sees two packages; explain's default plan measures the read bandwidth matrix (the
CPUs of node i reading the memory of node j) live; and those figures, explained against the
two-socket GPU fixture, give the socket hop its measured floor instead of "not measured"."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import guest  # noqa: E402

g = guest.Guest("vm socket matrix")
src = os.environ.get("CXLPROBE_SOURCE_DIR") or os.path.abspath(
    os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))

p = g.cxlprobe("topo", "--json", "-")
g.expect_rc(p, 0, "topo on the two-socket guest")
topo = g.json_of(p, "topo").get("context", {}).get("topology", {})
numa = topo.get("numa_nodes", [])
g.expect(sorted(n.get("os_index") for n in numa) == [0, 1], "two NUMA nodes", numa)
packages = sorted({n.get("package") for n in numa})
g.expect(packages == [0, 1], f"one package each ({packages})")

out = os.path.join(os.environ.get("VM_OUT", "/tmp"), "explain-matrix.json")
p = g.cxlprobe("explain", "--quick", "--size", "16MiB", "--tier", "dram", "--json", out,
               timeout=300)
g.expect_rc(p, 0, "explain's default plan on two sockets")
import json  # noqa: E402
doc = json.load(open(out))
matrix = {}
for r in doc.get("results", []):
    prm = r.get("params", {})
    if r.get("probe") == "bw" and "cpu_node" in prm:
        matrix[(prm["cpu_node"], prm["tier"])] = guest.metric(r, "bandwidth")
g.log(f"matrix (B/s): {matrix}")
want = {(i, f"node:{j}") for i in (0, 1) for j in (0, 1)}
g.expect(set(matrix) == want, "every CPU node read every node's memory", sorted(matrix))
g.expect(all(v and v > 0 for v in matrix.values()), "each cell measured", matrix)

# The fixture's GPU sits on package 1 and its dram tier is node 0: dram -> GPU crosses the
# sockets, and its socket element must carry the cell "CPUs of node 1 reading node 0" measured
# above (the CPUs by the GPU reading the tier's node).
fixture = os.path.join(src, "tests", "fixtures", "hwloc", "two-socket-gpu-far.xml")
p = g.cxlprobe("explain", "--results", out, "--topology", fixture, "--json", "-")
g.expect_rc(p, 0, "explain of the recorded matrix against the two-socket GPU fixture")
floors = g.json_of(p, "explain --results").get("analysis", {}).get("floors", [])
far = [f for f in floors if f.get("tier") == "dram" and f.get("consumer") == "gpu"]
sock = [e for f in far for e in f.get("elements", []) if e.get("kind") == "socket"]
g.expect(len(sock) == 1, "dram -> GPU has one socket element", far)
if sock:
    got = sock[0].get("capacity_bps")
    g.expect(got is not None and abs(got - matrix.get((1, "node:0"), -1)) < 1,
             f"the socket hop carries the measured cell (1, node:0): {got}", sock[0])
    g.expect("measured" in sock[0].get("label", "") and "not measured" not in sock[0]["label"],
             "the label says measured", sock[0])
    g.expect(far[0].get("binding") == "socket", "the measured hop binds (TCG: a few GB/s)", far)
g.done()
