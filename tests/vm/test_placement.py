#!/usr/bin/env python3
"""Guest test on a two-socket guest of two cores each (run_vm --sockets2x2: CPUs 0-1 on node 0,
2-3 on node 1): where `bw` runs two threads. Spread puts them on CPUs 0 and 2 (one per node),
compact on 0 and 1 (node 0). On dram the spread threads touch the pages first, so compact would
read node 1's pages from node 0: auto must not try it there. On node:0 (pages bound) both are
fair and both are tried; an explicit --placement is taken as given."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import guest  # noqa: E402

g = guest.Guest("vm placement")


def bw(*args):
    p = g.cxlprobe("bw", "--op", "read", "--threads", "2", "--size", "16MiB", "--reps", "2",
                   "--warmup", "1", "--counters", "none", *args, "--json", "-", timeout=240)
    g.expect_rc(p, 0, "bw " + " ".join(args))
    rs = g.json_of(p, "bw").get("results", [])
    return rs[0].get("params", {}) if rs else {}


cpus = sorted(int(c[3:]) for c in os.listdir("/sys/devices/system/cpu")
              if c.startswith("cpu") and c[3:].isdigit())
g.expect(cpus == [0, 1, 2, 3], "four CPUs", cpus)
nodes = sorted(n for n in os.listdir("/sys/devices/system/node") if n.startswith("node"))
g.expect(nodes == ["node0", "node1"], "two NUMA nodes", nodes)

p = bw("--tier", "dram")
g.expect(p.get("placements_tried") == "spread", "dram: only spread tried (compact would read "
         "the other socket's pages)", p)
g.expect(p.get("cpus") == "0,2", "dram: one thread per socket", p)

p = bw("--tier", "node:0")
g.expect(p.get("placements_tried") == "spread,compact", "node:0: spread and compact tried", p)
g.expect(p.get("placement") in ("spread", "compact"), "node:0: the faster kept and named", p)
g.expect(p.get("cpus") == {"spread": "0,2", "compact": "0,1"}.get(p.get("placement")),
         "node:0: the CPUs of the kept placement", p)

p = bw("--tier", "dram", "--placement", "compact")
g.expect(p.get("placements_tried") == "compact" and p.get("cpus") == "0,1",
         "an explicit --placement compact is taken as given", p)
g.done()
