#!/usr/bin/env python3
"""Runs `bw --counters EVENTS --json -` and checks that every requested event is accounted for.

Each event must be either counted (a metric `counter:EVENT` on every result) or named in the
result's `counters` parameter as not counted; the run must exit 0 with every result ok. An event
that cannot exist must never be counted. This holds on machines with hardware counters, with
only software events, with none (VMs without perf events), and without PAPI compiled in.

usage: counters_check.py --events A,B,C --bogus NAME -- command args...
"""
import json
import subprocess
import sys


def main() -> int:
    args = sys.argv[1:]
    sep = args.index("--")
    opts, cmd = args[:sep], args[sep + 1:]
    events = opts[opts.index("--events") + 1].split(",")
    bogus = opts[opts.index("--bogus") + 1]
    run = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    if run.returncode != 0:
        print(f"FAIL: exit {run.returncode}\n{run.stderr[-3000:]}")
        return 1
    doc = json.loads(run.stdout)
    results = doc.get("results", [])
    if not results:
        print("FAIL: no results")
        return 1
    fail = False
    for r in results:
        if r.get("status") != "ok":
            print(f"FAIL: result status {r.get('status')}: {r.get('message')}")
            fail = True
        counted = {m["name"][len("counter:"):] for m in r.get("metrics", [])
                   if m["name"].startswith("counter:")}
        missing = r.get("params", {}).get("counters", "")
        if bogus in counted:
            print(f"FAIL: {bogus} was reported as counted")
            fail = True
        for e in events:
            if e in counted:
                continue
            if e in missing or "PAPI not compiled in" in missing:
                continue
            print(f"FAIL: {e} is neither counted nor recorded as missing (counters: {missing!r})")
            fail = True
    if not fail:
        print(f"ok: {len(results)} result(s); every event counted or recorded as missing")
    return 1 if fail else 0


if __name__ == "__main__":
    sys.exit(main())
