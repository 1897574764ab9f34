"""How many render processes a worker's machine carries.

The CPUs this process may use (its affinity, capped by the cgroup's CPU quota) and the memory
it could still take (MemAvailable, capped by the cgroup's limit), so a worker never runs more
render processes at once than its machine can, whatever its settings ask for.
"""

from __future__ import annotations

import math
import os
from pathlib import Path


def usable_cpus() -> float:
    """CPUs this process may use: its affinity, capped by a cgroup v2 (or v1) CPU quota."""
    try:
        cpus = float(len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        cpus = float(os.cpu_count() or 1)
    quota = _cgroup_cpu_quota()
    if quota is not None:
        cpus = min(cpus, quota)
    return max(cpus, 1.0)


def _cgroup_cpu_quota() -> float | None:
    try:  # cgroup v2: "max 100000" or "200000 100000"
        fields = Path("/sys/fs/cgroup/cpu.max").read_text().split()
        if fields and fields[0] != "max":
            return int(fields[0]) / int(fields[1])
        return None
    except (OSError, ValueError, IndexError):
        pass
    try:  # cgroup v1
        quota = int(Path("/sys/fs/cgroup/cpu/cpu.cfs_quota_us").read_text())
        period = int(Path("/sys/fs/cgroup/cpu/cpu.cfs_period_us").read_text())
        return quota / period if quota > 0 and period > 0 else None
    except (OSError, ValueError):
        return None


def available_memory_bytes() -> int | None:
    """Memory this process could still use: MemAvailable, capped by a cgroup memory limit."""
    available: int | None = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                available = int(line.split()[1]) * 1024
                break
    except (OSError, ValueError, IndexError):
        pass
    for limit_file, usage_file in (
        ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current"),
        ("/sys/fs/cgroup/memory/memory.limit_in_bytes", "/sys/fs/cgroup/memory/memory.usage_in_bytes"),
    ):
        try:
            raw = Path(limit_file).read_text().strip()
            if raw == "max" or int(raw) >= 1 << 60:
                break
            room = int(raw) - int(Path(usage_file).read_text().strip())
            available = room if available is None else min(available, room)
            break
        except (OSError, ValueError):
            continue
    return available


def render_capacity(*, per_render_bytes: int, cpus: float | None = None, memory: int | None = None) -> int:
    """How many render processes fit at once: one per usable CPU, fewer if memory is short (>= 1)."""
    cpus = usable_cpus() if cpus is None else cpus
    memory = available_memory_bytes() if memory is None else memory
    by_cpu = max(1, math.floor(cpus))
    by_memory = max(1, memory // per_render_bytes) if memory is not None and per_render_bytes > 0 else by_cpu
    return max(1, min(by_cpu, by_memory))
