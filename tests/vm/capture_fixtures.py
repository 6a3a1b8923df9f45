#!/usr/bin/env python3
"""Guest script: builds the CXL stack and copies what cxlprobe reads (sysfs, lstopo XML) into
$VM_OUT/fixtures.tar.gz, twice: with dax0.0 as devdax and after it became system RAM. The files
become tests/fixtures/sysfs/qemu-cxl-* and tests/fixtures/hwloc/qemu-cxl-*.xml (see
tests/fixtures/README.md for how to refresh them)."""
import os
import subprocess
import sys
import tarfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import guest  # noqa: E402
import sysfs_snapshot  # noqa: E402

g = guest.Guest("capture")
guest.cxl_devdax(g)
stage = "/tmp/fixtures"
os.makedirs(stage, exist_ok=True)


def capture(tag):
    root = os.path.join(stage, f"sysfs/qemu-cxl-{tag}")
    count = sysfs_snapshot.snapshot(root)
    g.log(f"{tag}: {count} sysfs entries")
    xml = os.path.join(stage, f"hwloc/qemu-cxl-{tag}.xml")
    os.makedirs(os.path.dirname(xml), exist_ok=True)
    g.run(["lstopo", "--of", "xml", "--whole-io", xml], timeout=120, check=True)
    for cmd, name in ((["cxl", "list", "-v", "-M", "-R", "-D", "-T", "-E", "-P"], "cxl-list"),
                      (["daxctl", "list", "-D", "-R"], "daxctl-list"),
                      (["ndctl", "list", "-N", "-R"], "ndctl-list")):
        p = g.run(cmd, timeout=60)
        with open(os.path.join(root, f"{name}.json"), "w") as f:
            f.write(p.stdout)


capture("devdax")
node = guest.to_system_ram(g)
g.log(f"dax0.0 is now NUMA node {node}")
capture("system-ram")
with tarfile.open(os.path.join(guest.OUT, "fixtures.tar.gz"), "w:gz") as t:
    t.add(stage, arcname="fixtures")
g.done()
