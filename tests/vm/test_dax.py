#!/usr/bin/env python3
"""Guest test: bw, lat and scale on the real /dev/dax0.0 backed by emulated CXL memory: ranges
(offset and size), alignment and size errors, --allow-write refusals that leave the content
unchanged, a second process mapping the device refused unless --force, and two processes on
disjoint regions of the device."""
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import guest  # noqa: E402

g = guest.Guest("vm dax")
dev = guest.cxl_devdax(g)
rng = f"dax:{dev}@2MiB+8MiB"
quick = ["--reps", "2", "--warmup", "1", "--threads", "1", "--counters", "none"]

p = g.cxlprobe("bw", "--tier", rng, "--size", "8MiB", "--op", "read", *quick, "--json", "-")
g.expect_rc(p, 0, "bw read on a range of the device")
res = g.json_of(p, "bw read").get("results", [{}])[0]
g.expect(res.get("params", {}).get("tier") == f"dax:{dev}@2MiB+8MiB",
         "the range is recorded exactly, with units", res.get("params"))
bw = guest.metric(res, "bandwidth")
g.expect(bw is not None and bw > 0, f"read bandwidth measured ({bw} B/s; TCG, not hardware)")

p = g.cxlprobe("bw", "--tier", f"dax:{dev}@1MiB+8MiB", "--size", "8MiB", "--op", "read", *quick)
g.expect_rc(p, 2, "an offset off the 2 MiB alignment is refused",
            match="not a multiple of the device alignment")
p = g.cxlprobe("bw", "--tier", f"dax:{dev}@248MiB+8MiB", "--size", "8MiB", "--op", "read", *quick)
g.expect_rc(p, 2, "a range past the device's end is refused", match="runs past the end")
p = g.cxlprobe("bw", "--tier", f"dax:{dev}", "--size", "1GiB", "--op", "read", *quick)
g.expect_rc(p, 2, "a size larger than the device is refused", match="runs past the end")

before = guest.dax_hash(dev)
p = g.cxlprobe("bw", "--tier", f"dax:{dev}", "--size", "8MiB", "--op", "ntwrite", *quick)
g.expect_rc(p, 2, "ntwrite without --allow-write is refused", match="--allow-write")
p = g.cxlprobe("lat", "--tier", f"dax:{dev}", "--sizes", "1MiB")
g.expect_rc(p, 2, "lat (its chase is written into the device) needs --allow-write",
            match="--allow-write")
g.expect(guest.dax_hash(dev) == before, "after the refusals the device content is unchanged")
p = g.cxlprobe("lat", "--tier", f"dax:{dev}", "--sizes", "1MiB,4MiB", "--allow-write", "--json",
               "-")
g.expect_rc(p, 0, "lat with --allow-write measures")
lats = [guest.metric(r, "latency") for r in g.json_of(p, "lat").get("results", [])]
g.expect(len(lats) == 2 and all(v and v > 0 for v in lats), f"two latencies measured: {lats}")
g.expect(guest.dax_hash(dev) != before, "with --allow-write the device was written (as stated)")

# Another process maps the device: measuring would disturb it.
holder = subprocess.Popen([sys.executable, "-c", (
    "import mmap,os,sys,time\n"
    f"fd=os.open('{dev}',os.O_RDONLY); m=mmap.mmap(fd,2<<20,mmap.MAP_SHARED,mmap.PROT_READ)\n"
    "print('mapped',flush=True); time.sleep(120)")], stdout=subprocess.PIPE, text=True)
g.expect(holder.stdout.readline().strip() == "mapped", "a second process maps the device")
p = g.cxlprobe("bw", "--tier", rng, "--size", "8MiB", "--op", "read", *quick)
g.expect_rc(p, 2, "a device another process maps is refused", match=f"pid {holder.pid}")
p = g.cxlprobe("bw", "--tier", rng, "--size", "8MiB", "--op", "read", "--force", *quick)
g.expect_rc(p, 0, "--force measures it anyway")
holder.kill()
holder.wait()

p = g.cxlprobe("scale", "--tier", f"dax:{dev}@2MiB", "--procs", "2", "--size", "8MiB", "--reps",
               "2", "--json", "-")
g.expect_rc(p, 0, "scale --procs 2 on the device")
res = g.json_of(p, "scale").get("results", [])
two = [r for r in res if r.get("params", {}).get("workers") == 2]
regions = two[0]["params"].get("worker_regions", []) if two else []
g.expect(len(regions) == 2, f"two worker regions reported: {regions}")
if len(regions) == 2:
    (a, sa), (b, sb) = sorted(regions)
    g.expect(a >= 2 << 20 and a + sa <= b and b + sb <= 250 << 20,
             "the processes' regions are disjoint and inside the device", regions)
g.expect(two and guest.metric(two[0], "aggregate_bandwidth") > 0, "an aggregate was measured")
g.done()
