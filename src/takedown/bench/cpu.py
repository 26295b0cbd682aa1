"""CPU time spent by a set of processes, from /proc: what one report costs the web
process, the workers and PostgreSQL, whatever else the machine is doing at the time."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

TICK_S = 1.0 / os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> list[str] | None:
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return raw.rpartition(")")[2].split()  # after "pid (comm)": state is field 0


def own_seconds(pid: int) -> float:
    """utime + stime of the process (all its threads)."""
    fields = _stat(pid)
    return (int(fields[11]) + int(fields[12])) * TICK_S if fields else 0.0


def tree_seconds(pid: int) -> float:
    """The process, its children that ended (cutime + cstime) and its live children."""
    fields = _stat(pid)
    if not fields:
        return 0.0
    total = sum(int(f) for f in fields[11:15]) * TICK_S
    return total + sum(own_seconds(child) for child in _children(pid))


def _children(pid: int) -> list[int]:
    out = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            out += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return out


@dataclass
class Meter:
    """CPU seconds of named process trees, read before and after a stretch of work."""

    roots: dict[str, list[int]]

    def read(self) -> dict[str, float]:
        return {name: sum(tree_seconds(p) for p in pids) for name, pids in self.roots.items()}

    @staticmethod
    def per_item(before: dict[str, float], after: dict[str, float], n: int) -> dict[str, float]:
        """Milliseconds of CPU per item, by process kind."""
        if n <= 0:
            return {}
        return {k: round((after[k] - before[k]) * 1000 / n, 1) for k in before}
