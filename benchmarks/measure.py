"""Run a command and measure it: wall time, CPU seconds of the whole process tree,
peak resident memory of the tree (RSS: every process's resident pages, shared ones
counted in each; PSS: a page shared by n processes counts 1/n in each), and the CPU
seconds of each process of the tree by role (sampled from /proc every 50 ms)."""

from __future__ import annotations

import os
import resource
import subprocess
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

PAGE = os.sysconf("SC_PAGE_SIZE")
TICK = os.sysconf("SC_CLK_TCK")


@dataclass
class Measurement:
    seconds: float
    cpu_seconds: float
    peak_mb: float
    returncode: int
    stdout: str
    stderr: str
    #: peak of the tree's proportional set size (shared pages counted once in the sum)
    peak_pss_mb: float = 0.0
    #: CPU seconds of the tree's processes by role ("main" is the command's own process)
    cpu_by_role: dict[str, float] = field(default_factory=dict)
    #: the largest resident size one process of each role reached (MB)
    peak_rss_by_role: dict[str, float] = field(default_factory=dict)


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            pass
    return found


def tree_pids(pid: int) -> list[int]:
    """`pid` and all its descendants."""
    found, stack = [], [pid]
    while stack:
        current = stack.pop()
        found.append(current)
        stack += _children(current)
    return found


def tree_rss(pid: int) -> int:
    """Resident bytes of `pid` and all its descendants."""
    total = 0
    for current in tree_pids(pid):
        try:
            total += int(Path(f"/proc/{current}/statm").read_text().split()[1]) * PAGE
        except (OSError, IndexError, ValueError):
            continue
    return total


def _pss(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return 0


def _cpu(pid: int) -> float:
    """CPU seconds the process has used so far (user + system)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICK
    except (OSError, IndexError, ValueError):
        return 0.0


def _role(pid: int, root: int) -> str:
    if pid == root:
        return "main"
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return "child"
    text = b" ".join(command).decode(errors="replace")
    for marker, role in (
        ("spawn_main", "extraction workers"),
        ("resource_tracker", "resource tracker"),
        ("playwright/driver", "playwright driver"),
        ("chrom", "browser"),
    ):
        if marker in text:
            return role
    return "child"


def run(command: list[str], **kwargs) -> Measurement:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kwargs)
    peak = peak_pss = 0
    last_cpu: dict[int, tuple[str, float]] = {}
    role_peak: Counter[str] = Counter()
    done = threading.Event()

    def sample() -> None:
        nonlocal peak, peak_pss
        samples = 0
        while not done.is_set():
            pids = tree_pids(process.pid)
            rss = 0
            for pid in pids:
                try:
                    resident = int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE
                except (OSError, IndexError, ValueError):
                    continue
                rss += resident
                role = last_cpu[pid][0] if pid in last_cpu else _role(pid, process.pid)
                role_peak[role] = max(role_peak[role], resident)
                last_cpu[pid] = (role, max(_cpu(pid), last_cpu.get(pid, ("", 0.0))[1]))
            peak = max(peak, rss)
            if samples % 4 == 0:  # smaps_rollup walks the page tables: every 200 ms
                peak_pss = max(peak_pss, sum(_pss(pid) for pid in pids))
            samples += 1
            time.sleep(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    stdout, stderr = process.communicate()
    seconds = time.perf_counter() - start
    done.set()
    sampler.join()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    by_role: Counter[str] = Counter()
    for role, seconds_used in last_cpu.values():
        by_role[role] += seconds_used
    return Measurement(
        seconds,
        cpu,
        peak / 2**20,
        process.returncode,
        stdout,
        stderr,
        peak_pss / 2**20,
        dict(by_role),
        {role: value / 2**20 for role, value in role_peak.items()},
    )
