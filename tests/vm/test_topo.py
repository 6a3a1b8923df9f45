#!/usr/bin/env python3
"""Guest test: live `topo` ties dax0.0 -> region0 -> mem0 -> its PCI function and link with
Debian 12's hwloc 2.9 (no CXLDevice attribute: the sysfs chain and libcxl do it), then the
CPU-less NUMA node the device becomes in system-ram mode."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import guest  # noqa: E402

g = guest.Guest("vm topo")
guest.cxl_devdax(g)

p = g.cxlprobe("topo", "--json", "-")
g.expect_rc(p, 0, "topo --json - exits 0")
topo = g.json_of(p, "topo").get("context", {}).get("topology", {})
g.expect(topo.get("hwloc_version", "").startswith("2.9"), "hwloc 2.9 (no CXLDevice attribute)",
         topo.get("hwloc_version"))
dax = {d["name"]: d for d in topo.get("dax_devices", [])}
d = dax.get("dax0.0", {})
g.expect(d.get("mode") == "devdax", "dax0.0 found in devdax mode", d)
g.expect(d.get("cxl_region") == "region0", "dax0.0 lies in CXL region0 (by address)", d)
g.expect(d.get("cxl_devices") == ["0000:0d:00.0"], "dax0.0's CXL device is 0000:0d:00.0", d)
g.expect(d.get("interleave_ways") == 1, "dax0.0: 1-way interleave", d)
regions = {r["name"]: r for r in topo.get("cxl_regions", [])}
r = regions.get("region0", {})
g.expect(r.get("memdevs") == ["mem0"] and r.get("targets") == ["decoder2.0"],
         "region0 -> decoder2.0 -> mem0", r)
g.expect(r.get("mode") == "pmem" and r.get("bytes") == 256 << 20, "region0: pmem, 256 MiB", r)
g.expect("libcxl" in r.get("source", "") and "sysfs" in r.get("source", ""),
         "region0 read from sysfs and confirmed by libcxl", r.get("source"))
mems = {m["name"]: m for m in topo.get("cxl_memdevs", [])}
g.expect(mems.get("mem0", {}).get("pci_busid") == "0000:0d:00.0", "mem0 on PCI 0000:0d:00.0",
         mems.get("mem0"))
pci = {x.get("busid"): x for x in topo.get("pci", [])}
dev = pci.get("0000:0d:00.0", {})
link = dev.get("link", {})
g.expect(link.get("gen") == 1 and link.get("width") == 1, "the CXL device's link: Gen1 x1", link)
g.expect("0000:0c:00.0" in dev.get("path_to_host", []), "its root port 0000:0c:00.0 is above it",
         dev.get("path_to_host"))
cpu_paths = [x for x in topo.get("paths", []) if x.get("via") == "cpu"]
g.expect(any(x["tier"] == "dax:/dev/dax0.0" and x["binding"] == "cxl:0000:0d:00.0"
             for x in cpu_paths), "the dax tier's path binds at the CXL device's link", cpu_paths)

p = g.cxlprobe("topo")
g.expect_rc(p, 0, "topo table names the chain with its link",
            match="dax0.0 -> region0 -> mem0 -> 0000:0d:00.0  Gen1 x1")
# The table wraps long lines at 120 columns: compare with whitespace runs as one space.
g.expect("port above 0000:0c:00.0" in " ".join(p.stdout.split()), "topo table names the root port")

node = guest.to_system_ram(g)
p = g.cxlprobe("topo", "--json", "-")
topo = g.json_of(p, "topo after system-ram").get("context", {}).get("topology", {})
nodes = {n["os_index"]: n for n in topo.get("numa_nodes", [])}
n = nodes.get(node, {})
g.expect(n.get("cpu_less") is True, f"node {node} is CPU-less", n)
g.expect(n.get("cxl_regions") == ["region0"], f"node {node} holds region0 (memory blocks)", n)
g.expect(n.get("cxl_devices") == ["0000:0d:00.0"], f"node {node}'s CXL device is 0000:0d:00.0", n)
g.expect(not nodes.get(0, {}).get("cxl_devices"), "node 0 has no CXL device", nodes.get(0))
p = g.cxlprobe("topo")
g.expect_rc(p, 0, "topo table ties the node to the chain",
            match=f"node:{node} -> region0 -> mem0 -> 0000:0d:00.0")
g.done()
