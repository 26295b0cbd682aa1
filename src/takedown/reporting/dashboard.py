"""Figures for supervisors: open cases, deadlines at risk, times to act, views after reports."""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from takedown.cases import ACTIVE, Case, CaseItem, clock
from takedown.db import utcnow
from takedown.platforms import ContentItem


def figures(session: Session, days: int = 14) -> dict[str, object]:
    now = utcnow()
    since = now - timedelta(days=days)
    recent = list(session.scalars(select(Case).where(Case.first_report_at >= since)))
    active = list(session.scalars(select(Case).where(Case.state.in_(ACTIVE))))
    statuses = Counter(clock(c, now).status for c in active)
    return {
        "open_by_priority": dict(sorted(Counter(c.priority for c in active).items())),
        "at_risk": statuses.get("amber", 0),
        "overdue": statuses.get("red", 0),
        "median_to_restriction_s": _median(_durations(recent, "restricted_at")),
        "median_to_decision_s": _median(_durations(recent, "decided_at")),
        "per_day": _per_day(session, recent, since, days),
    }


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 1) if values else None


def _durations(cases: list[Case], end: str) -> list[float]:
    out = []
    for case in cases:
        finished = getattr(case, end)
        if finished is not None:
            out.append((finished - case.first_report_at).total_seconds())
    return out


def _per_day(session: Session, cases: list[Case], since: datetime, days: int) -> list[dict]:
    reports: Counter[str] = Counter(c.first_report_at.date().isoformat() for c in cases)
    views: defaultdict[str, int] = defaultdict(int)
    ids = {c.id: c.first_report_at.date().isoformat() for c in cases}
    if ids:
        rows = session.execute(
            select(CaseItem.case_id, ContentItem.view_count, CaseItem.views_at_join)
            .join(ContentItem, ContentItem.id == CaseItem.content_id)
            .where(CaseItem.case_id.in_(list(ids)))
        )
        for case_id, now_views, at_join in rows:
            views[ids[case_id]] += max(now_views - at_join, 0)
    out = []
    for offset in range(days, -1, -1):
        day = (utcnow() - timedelta(days=offset)).date().isoformat()
        out.append({"day": day, "reports": reports.get(day, 0), "views_after_report": views[day]})
    return out
