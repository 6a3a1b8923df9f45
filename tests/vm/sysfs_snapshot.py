"""Copies the parts of a live sysfs that cxlprobe reads into a folder, keeping the layout and the
relative symlinks, so that ROOT/sys/bus/cxl/devices/mem0 resolves inside the copy as it does on
the machine. Attributes that cannot be read (write-only, busy) are left out."""
import os

import glob

ROOTS = ["/sys/bus/cxl", "/sys/bus/dax", "/sys/bus/nd", "/sys/bus/pci/devices",
         "/sys/devices/system/node", "/sys/devices/virtual/memory_tiering"]
FILES = ["/sys/devices/system/memory/block_size_bytes"]


def _device_trees():
    """Where the bus symlinks point: the CXL root (ACPI0017, with the nvdimm bridge and the
    regions) and every PCI host bridge."""
    return sorted(glob.glob("/sys/devices/platform/ACPI0017:*") + glob.glob("/sys/devices/pci*"))
SKIP_FILES = {"remove", "rescan", "reset", "rom", "uevent", "modalias", "label_storage_area"}
SKIP_DIRS = {"power", "subsystem", "driver", "firmware_node", "msi_irqs", "wakeup", "module",
             "iommu", "iommu_group", "consumer", "supplier", "holders"}
MAX_BYTES = 1 << 16


def _copy_file(src, dst):
    name = os.path.basename(src)
    if name in SKIP_FILES or name.startswith("resource") and name != "resource":
        return 0
    try:
        with open(src, "rb") as f:
            data = f.read(MAX_BYTES)
    except OSError:
        return 0
    with open(dst, "wb") as f:
        f.write(data)
    return 1


def _walk(src, dst_root):
    count = 0
    for dirpath, dirnames, filenames in os.walk(src, followlinks=False):
        rel = os.path.relpath(dirpath, "/")
        out = os.path.join(dst_root, rel)
        os.makedirs(out, exist_ok=True)
        keep = []
        for d in dirnames:
            full = os.path.join(dirpath, d)
            if os.path.islink(full):
                filenames.append(d)
            elif d not in SKIP_DIRS:
                keep.append(d)
        dirnames[:] = keep
        for f in filenames:
            full = os.path.join(dirpath, f)
            target = os.path.join(out, f)
            if os.path.islink(full):
                # driver links name the bound driver: kept; other links outside the copy dangle.
                if os.path.basename(full) not in SKIP_DIRS or f == "driver":
                    os.symlink(os.readlink(full), target)
                    count += 1
            elif os.path.isfile(full):
                count += _copy_file(full, target)
    return count


def snapshot(dst_root):
    count = 0
    for r in ROOTS + _device_trees():
        if os.path.exists(r):
            count += _walk(r, dst_root)
    for f in FILES:
        target = os.path.join(dst_root, os.path.relpath(f, "/"))
        os.makedirs(os.path.dirname(target), exist_ok=True)
        count += _copy_file(f, target)
    return count
