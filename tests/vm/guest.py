"""Helpers for the scripts that run inside the CXL test VM (tests/vm/run_vm).

Each guest test imports this, calls cxl_devdax() to build the real stack (CXL region, devdax
namespace), then records checks. Every command runs under a timeout; a failed check is printed
with what was expected and what came back, and the script's exit status is the number of failures
(capped), so ctest sees a failure without the run stopping at the first one.
"""
import hashlib
import json
import mmap
import os
import shlex
import subprocess
import sys
import time

OUT = os.environ.get("VM_OUT", "/run/vm")
CXLPROBE = os.environ.get("CXLPROBE", "cxlprobe")
MODULES = ["cxl_acpi", "cxl_pci", "cxl_mem", "cxl_pmem", "libnvdimm", "nd_pmem", "dax_pmem",
           "device_dax", "kmem"]


class Guest:
    def __init__(self, name):
        self.name = name
        self.failures = 0
        self.checks = 0
        self.t0 = time.monotonic()

    def log(self, msg):
        print(f"[{time.monotonic() - self.t0:6.1f}s] {msg}", flush=True)

    def run(self, args, timeout=120, check=False, env=None):
        """Runs a command; returns CompletedProcess with text stdout/stderr."""
        shown = " ".join(shlex.quote(a) for a in args)
        self.log(f"$ {shown}")
        full_env = dict(os.environ)
        if env:
            full_env.update(env)
        try:
            p = subprocess.run(args, capture_output=True, text=True, timeout=timeout, env=full_env)
        except subprocess.TimeoutExpired:
            self.fail(f"timed out after {timeout} s: {shown}")
            return subprocess.CompletedProcess(args, 124, "", "timeout")
        if p.returncode != 0:
            self.log(f"  exit {p.returncode}: {p.stderr.strip()[-600:]}")
        if check and p.returncode != 0:
            raise SystemExit(f"{self.name}: setup step failed: {shown}\n{p.stdout}\n{p.stderr}")
        return p

    def cxlprobe(self, *args, timeout=180, env=None):
        return self.run([CXLPROBE, *args], timeout=timeout, env=env)

    def expect(self, ok, what, detail=""):
        self.checks += 1
        if ok:
            self.log(f"ok   {what}")
        else:
            self.failures += 1
            self.log(f"FAIL {what}" + (f"\n     {detail}" if detail else ""))
        return ok

    def fail(self, what):
        self.expect(False, what)

    def expect_rc(self, p, rc, what, match=None):
        text = p.stdout + p.stderr
        ok = p.returncode == rc and (match is None or match in text)
        return self.expect(ok, what, f"exit {p.returncode} (wanted {rc}); wanted text "
                           f"{match!r}; got: {text.strip()[-800:]}")

    def json_of(self, p, what):
        try:
            return json.loads(p.stdout)
        except json.JSONDecodeError as e:
            self.fail(f"{what}: stdout is not JSON ({e}): {p.stdout[:300]!r}")
            return {}

    def done(self):
        self.log(f"{self.name}: {self.checks - self.failures}/{self.checks} checks passed")
        if self.checks == 0:
            self.log(f"{self.name}: no check ran: that is a failure")
            sys.exit(1)
        sys.exit(min(self.failures, 100))


def load_modules(g):
    for m in MODULES:
        g.run(["modprobe", m], timeout=60, check=True)


def wait_for(path, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if os.path.exists(path):
            return True
        time.sleep(0.2)
    return False


def verify_dax_data(g, device="/dev/dax0.0", length=2 << 20):
    """Writes a pattern into the first LENGTH bytes and reads it back. QEMU 7.2 reads zeros and
    drops writes when the host bridge decoder was never programmed (FACTS.md), while every setup
    step reports success: only the data tells."""
    fd = os.open(device, os.O_RDWR)
    try:
        m = mmap.mmap(fd, length, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE)
        pattern = hashlib.sha256(b"cxlprobe-vm").digest() * (4096 // 32)
        m[:4096] = pattern
        back = bytes(m[:4096])
        m.close()
    finally:
        os.close(fd)
    return g.expect(back == pattern, f"{device}: data written through the CXL decoders reads back")


def cxl_devdax(g):
    """mem0 -> region0 (pmem, 1 way) -> devdax namespace -> /dev/dax0.0; returns the device."""
    load_modules(g)
    if not wait_for("/sys/bus/cxl/devices/mem0"):
        raise SystemExit("mem0 never appeared under /sys/bus/cxl/devices")
    wait_for("/sys/bus/cxl/devices/endpoint2", 20)
    g.run(["cxl", "create-region", "-t", "pmem", "-m", "-d", "decoder0.0", "-w", "1", "mem0"],
          timeout=90, check=True)
    g.run(["ndctl", "create-namespace", "-m", "devdax", "-r", "region0"], timeout=90, check=True)
    if not wait_for("/dev/dax0.0"):
        raise SystemExit("/dev/dax0.0 never appeared")
    verify_dax_data(g)
    return "/dev/dax0.0"


def to_system_ram(g, device="dax0.0"):
    """Onlines the DAX device as CPU-less NUMA memory; returns the node number."""
    p = g.run(["daxctl", "reconfigure-device", "--mode=system-ram", "--force", device],
              timeout=120, check=True)
    info = json.loads(p.stdout)
    info = info[0] if isinstance(info, list) else info
    return int(info["target_node"])


def file_hash(path, length):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read(length)).hexdigest()


def dax_hash(device="/dev/dax0.0", length=16 << 20):
    """SHA-256 of the first LENGTH bytes of a DAX device (devdax has no read(): mapped)."""
    fd = os.open(device, os.O_RDONLY)
    try:
        m = mmap.mmap(fd, length, mmap.MAP_SHARED, mmap.PROT_READ)
        digest = hashlib.sha256(m[:length]).hexdigest()
        m.close()
    finally:
        os.close(fd)
    return digest


def metric(result, name, stat="median"):
    for m in result.get("metrics", []):
        if m.get("name") == name and m.get("stat", stat) == stat:
            return m.get("value")
    return None
