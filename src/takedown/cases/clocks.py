"""SLA clocks: time since the first report and time left to the decision deadline."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from takedown.cases.models import Case

AMBER_SHARE = 0.25  # amber when less than a quarter of the window is left


@dataclass(frozen=True)
class Clock:
    since_report_s: float
    left_s: float
    window_s: float
    status: str  # ok, amber, red, done

    @property
    def label(self) -> str:
        if self.status == "done":
            return "decided"
        if self.left_s < 0:
            return f"overdue by {_span(-self.left_s)}"
        return f"{_span(self.left_s)} left"

    @property
    def age(self) -> str:
        return _span(self.since_report_s)


def clock(case: Case, now: datetime) -> Clock:
    since = (now - case.first_report_at).total_seconds()
    left = (case.deadline_at - now).total_seconds()
    window = max((case.deadline_at - case.first_report_at).total_seconds(), 1.0)
    if case.decided_at is not None and case.state in ("confirmed", "dismissed"):
        status = "done"
    elif left < 0:
        status = "red"
    elif left < AMBER_SHARE * window:
        status = "amber"
    else:
        status = "ok"
    return Clock(since, left, window, status)


def _span(seconds: float) -> str:
    minutes = int(seconds // 60)
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes:02d} min"
    return f"{hours // 24} d {hours % 24} h"
