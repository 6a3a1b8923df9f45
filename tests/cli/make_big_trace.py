#!/usr/bin/env python3
"""Writes a valid Mooncake-style trace of about SIZE_MB megabytes (for the SIGINT-during-parse
test). usage: make_big_trace.py OUT SIZE_MB"""
import json
import sys

out, size_mb = sys.argv[1], int(sys.argv[2])
line = json.dumps({"timestamp": 0, "input_length": 512 * 200, "output_length": 10,
                   "hash_ids": list(range(200))}) + "\n"
with open(out, "w") as f:
    f.write(line * (size_mb * (1 << 20) // len(line)))
