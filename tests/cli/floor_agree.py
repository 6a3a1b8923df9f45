#!/usr/bin/env python3
"""`topo` and `explain --topology` must give the same floor for every (tier, GPU) pair of every
fixture: topo's per-GPU share (share_effective_bps at share_binding) against explain's floor
(binding_bps at binding), and both must mark a socket crossing as an unknown floor.

usage: floor_agree.py CXLPROBE FIXTURE.xml...
"""
import json
import subprocess
import sys


def run(cmd):
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    if out.returncode != 0:
        raise SystemExit(f"FAIL: {' '.join(cmd)} exited {out.returncode}: {out.stderr[-2000:]}")
    return json.loads(out.stdout)


def main() -> int:
    exe, fixtures = sys.argv[1], sys.argv[2:]
    pairs = 0
    fail = False
    for fx in fixtures:
        topo = run([exe, "topo", "--topology", fx, "--json", "-"])
        paths = {(p["tier"], p["gpu"]): p for p in topo["context"]["topology"]["paths"]}
        floors = run([exe, "explain", "--topology", fx, "--json", "-"])["analysis"]["floors"]
        if len(floors) != len(paths):
            print(f"FAIL: {fx}: topo has {len(paths)} paths, explain {len(floors)} floors")
            fail = True
        for f in floors:
            p = paths.get((f["tier"], f["gpu"]))
            if p is None:
                print(f"FAIL: {fx}: explain's {f['tier']} -> {f['gpu']} is not among topo's paths")
                fail = True
                continue
            pairs += 1
            a, b = p["share_effective_bps"], f["binding_bps"]
            same = (a is None and b is None) or (a is not None and b is not None
                                                 and abs(a - b) <= 1e-9 * max(a, b))
            if not same or p["share_binding"] != f["binding"]:
                print(f"FAIL: {fx}: {f['tier']} -> {f['gpu']}: topo {a} at {p['share_binding']}, "
                      f"explain {b} at {f['binding']}")
                fail = True
            if p["floor_known"] != f["floor_known"]:
                print(f"FAIL: {fx}: {f['tier']} -> {f['gpu']}: floor_known differs")
                fail = True
    if pairs == 0:
        print("FAIL: no pair compared")
        return 1
    if not fail:
        print(f"ok: {pairs} pairs in {len(fixtures)} fixtures agree")
    return 1 if fail else 0


if __name__ == "__main__":
    sys.exit(main())
