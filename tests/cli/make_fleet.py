#!/usr/bin/env python3
"""Writes a synthetic fleet: N copies of one node's explain result with host names node-001..,
every figure moved by up to +-1% (seeded), and planted odd nodes:
  slow-tier:  the CPU read of dram 25% below the others
  downtrain:  a GPU link seen below its capability during the copies
  other-topo: another topology fingerprint
usage: make_fleet.py TEMPLATE.json OUT_DIR N [plant ...]"""
import copy
import json
import os
import random
import sys

template, out, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
plants = sys.argv[4:]
base = json.load(open(template))
os.makedirs(out, exist_ok=True)
rng = random.Random(1234)
names = [f"node-{i:03d}" for i in range(1, n + 1)]
planted = dict(zip(names[1:], plants))  # node-002 gets the first plant, and so on
for name in names:
    doc = copy.deepcopy(base)
    doc["meta"]["host"] = name
    doc["context"].setdefault("machine", {})["host"] = name
    for r in doc["results"]:
        for m in r.get("metrics", []):
            if m.get("value") is not None and m.get("unit") == "B/s":
                m["value"] *= 1 + rng.uniform(-0.01, 0.01)
    for f in doc.get("analysis", {}).get("floors", []):
        if f.get("measured_h2d_bps"):
            f["measured_h2d_bps"] *= 1 + rng.uniform(-0.01, 0.01)
    plant = planted.get(name)
    if plant == "slow-tier":
        for r in doc["results"]:
            if r["probe"] == "bw" and r["params"].get("tier") == "dram":
                for m in r["metrics"]:
                    if m["name"] == "bandwidth" and m.get("value") is not None:
                        m["value"] *= 0.75
    elif plant == "downtrain":
        for r in doc["results"]:
            if r["probe"] == "dma" and r["params"].get("pattern") == "bulk":
                r["params"]["link_downtrained"] = True
    elif plant == "other-topo":
        doc["context"]["machine"]["topology_fingerprint"] = "0000000000000000"
    json.dump(doc, open(os.path.join(out, f"{name}.json"), "w"))
print(" ".join(f"{k}={v}" for k, v in planted.items()))
