#!/usr/bin/env python3
"""Guest test: explain on the real CXL stack (sizes fitted to each tier, a tier it cannot
measure reported while the others go on, the dax tier's floor at the CXL device's link), then
the device as a CPU-less NUMA node: node:N with placement verified, and explain's default plan."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import guest  # noqa: E402

g = guest.Guest("vm node+explain")
dev = guest.cxl_devdax(g)


def cpu_floor(doc, tier):
    for f in doc.get("analysis", {}).get("floors", []):
        if f.get("consumer") == "cpu" and f.get("tier") == tier:
            return f
    return {}


# 64 MiB asked, 8 MiB available in the range: fitted, not refused.
rng = f"dax:{dev}@2MiB+8MiB"
canonical = f"dax:{dev}@2MiB+8MiB"  # how results name the range
p = g.cxlprobe("explain", "--quick", "--size", "64MiB", "--tier", "dram", "--tier", rng,
               "--tier", "node:9", "--json", "-", timeout=300)
g.expect_rc(p, 0, "explain with a tier it cannot measure still exits 0")
doc = g.json_of(p, "explain")
results = doc.get("results", [])
bw = {r["params"]["tier"]: r for r in results if r.get("probe") == "bw"}
g.expect(bw.get(canonical, {}).get("params", {}).get("size") == 8 << 20,
         "the dax range's read set was fitted to 8 MiB", list(bw))
g.expect(bw.get("dram", {}).get("status") == "ok", "dram measured beside it")
notes = doc.get("analysis", {}).get("plan_notes", [])
g.expect(any(rng in n and "fitted" in n for n in notes), f"the fitting is said: {notes}")
skipped = [r for r in results if r.get("probe") == "explain" and r["params"].get("tier") == "node:9"]
g.expect(skipped and skipped[0]["status"] == "skipped" and "does not exist" in skipped[0]["message"],
         "node:9 is reported with its reason", skipped)
f = cpu_floor(doc, canonical)
g.expect(f.get("binding") == "cxl:0000:0d:00.0", "the dax tier's floor binds at the CXL device", f)
g.expect(any("Gen1 x1" in e.get("label", "") for e in f.get("elements", [])),
         "the floor names the CXL device's link", f.get("elements"))
g.expect((f.get("measured_cpu_read_bps") or 0) > 0, "the CPU read of the tier stands beside it")

# The whole device with the default plan: 256 MiB asked (--quick), 250 MiB there. Only the plan
# is run (TCG reads DAX at ~10 MB/s: a full read set would take minutes).
p = g.cxlprobe("explain", "--quick", "--tier", f"dax:{dev}", "--plan-only", "--json", "-")
g.expect_rc(p, 0, "explain --plan-only on the whole device")
plan = g.json_of(p, "plan").get("analysis", {}).get("plan", [{}])[0]
g.expect(plan.get("bw_bytes") == 250 << 20 and plan.get("kv_total_bytes") == 246 << 20,
         "a plan larger than the device is fitted to it (read 250 MiB, KV total 246 MiB)", plan)
g.expect("fitted to the device size (250 MiB from offset 0)" in p.stderr, "and says so")

node = guest.to_system_ram(g)
p = g.cxlprobe("bw", "--tier", f"node:{node}", "--size", "8MiB", "--op", "write", "--threads",
               "1", "--reps", "2", "--counters", "none", "--json", "-")
g.expect_rc(p, 0, f"bw on node:{node} (the CXL memory as system RAM)")
res = g.json_of(p, "bw node").get("results", [{}])[0]
placement = guest.metric(res, "placement_on_node", "value") or guest.metric(res, "placement_on_node")
g.expect(placement == 1.0, f"every sampled page sits on node {node} ({placement})")

p = g.cxlprobe("explain", "--quick", "--size", "8MiB", "--json", "-", timeout=300)
g.expect_rc(p, 0, "explain's default plan on the node")
doc = g.json_of(p, "explain default")
tiers = sorted({r["params"].get("tier") for r in doc.get("results", []) if r.get("probe") == "bw"})
g.expect(tiers == ["dram", f"node:{node}"], f"default tiers: dram and the CPU-less node ({tiers})")
f = cpu_floor(doc, f"node:{node}")
g.expect(f.get("binding") == "cxl:0000:0d:00.0", f"node:{node}'s floor binds at the CXL device", f)
g.done()
