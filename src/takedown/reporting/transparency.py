"""Transparency figures for a period (DSA Articles 15 and 24): notices, actions, how fast,
views after the first report, appeals, CyberTipline reports. Read-only counts over the
rooms' tables; `report.html` (with SVG charts) and `report.csv` are written from them."""

from __future__ import annotations

import csv
import io
import math
import statistics
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import cast

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from takedown.cases import Appeal, Case, CaseItem, Report
from takedown.enforcement import Action
from takedown.legal import NcmecReport, StatementOfReasons, TakeItDownRequest
from takedown.platforms import ContentItem

TIMES = {
    "report_to_restriction": "First report to restriction",
    "report_to_decision": "First report to decision",
    "report_to_removal": "First report to removal",
}
NO_APPEALS_NOTE = "Appeals: none recorded in this period."


@dataclass
class Timing:
    count: int = 0
    median_s: float | None = None
    p95_s: float | None = None


@dataclass
class Figures:
    start: datetime
    end: datetime
    notices_by_source: dict[str, int] = field(default_factory=dict)
    notices_by_category: dict[str, int] = field(default_factory=dict)
    actions_by_type: dict[str, int] = field(default_factory=dict)
    times: dict[str, Timing] = field(default_factory=dict)
    cases: int = 0
    views_after_first_report: int = 0
    views_after_first_report_median: float | None = None
    appeals: dict[str, int] = field(default_factory=dict)
    appeals_note: str = NO_APPEALS_NOTE
    ncmec_reports: dict[str, int] = field(default_factory=dict)
    statements_of_reasons: dict[str, int] = field(default_factory=dict)
    take_it_down: dict[str, int] = field(default_factory=dict)

    @property
    def ncmec_filed(self) -> int:
        return self.ncmec_reports.get("filed", 0)


def percentile(values: list[float], pct: float) -> float | None:
    """Nearest-rank percentile: a value that occurred, never an interpolation."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(pct / 100 * len(ordered)) - 1)]


def figures(session: Session, start: datetime, end: datetime) -> Figures:
    out = Figures(start, end)
    reports = session.execute(
        select(Report.reporter_role, Case.category)
        .join(Case, Case.id == Report.case_id)
        .where(Report.created_at >= start, Report.created_at < end)
    ).all()
    for role, category in reports:
        _add(out.notices_by_source, role)
        _add(out.notices_by_category, category or "not decided")
    out.actions_by_type = count_by(session, Action.kind, Action.created_at, start, end)
    _case_figures(session, out)
    out.appeals, out.appeals_note = appeals(session, start, end)
    out.ncmec_reports = count_by(session, NcmecReport.state, NcmecReport.created_at, start, end)
    out.statements_of_reasons = count_by(
        session, StatementOfReasons.state, StatementOfReasons.created_at, start, end
    )
    out.take_it_down = _take_it_down(session, start, end)
    return out


def _add(counts: dict[str, int], key: str, n: int = 1) -> None:
    counts[key] = counts.get(key, 0) + n


def count_by(session: Session, column, at, start: datetime | None, end: datetime | None):
    """Rows per value of `column` (within [start, end) of `at`, when given)."""
    query = select(column, func.count()).group_by(column)
    if start is not None and end is not None:
        query = query.where(at >= start, at < end)
    return {str(key): int(cast(int, n)) for key, n in session.execute(query).all()}


def _case_figures(session: Session, out: Figures) -> None:
    rows = session.scalars(
        select(Case).where(
            Case.first_report_at >= out.start, Case.first_report_at < out.end, Case.report_count > 0
        )
    ).all()
    out.cases = len(rows)
    spans: dict[str, list[float]] = {name: [] for name in TIMES}
    for case in rows:
        for name, at in (
            ("report_to_restriction", case.restricted_at),
            ("report_to_decision", case.decided_at),
            ("report_to_removal", case.removed_at),
        ):
            if at is not None:
                spans[name].append(max(0.0, (at - case.first_report_at).total_seconds()))
    out.times = {
        name: Timing(len(v), statistics.median(v) if v else None, percentile(v, 95))
        for name, v in spans.items()
    }
    views = _views_after(session, [c.id for c in rows])
    out.views_after_first_report = sum(views)
    out.views_after_first_report_median = statistics.median(views) if views else None


def _views_after(session: Session, case_ids: list[int]) -> list[int]:
    """Per case: views its items gained after they joined it (the first report, or later)."""
    if not case_ids:
        return []
    gained = func.greatest(ContentItem.view_count - CaseItem.views_at_join, 0)
    rows = session.execute(
        select(CaseItem.case_id, func.sum(gained))
        .join(ContentItem, ContentItem.id == CaseItem.content_id)
        .where(CaseItem.case_id.in_(case_ids))
        .group_by(CaseItem.case_id)
    ).all()
    return [int(cast(int, n) or 0) for _, n in rows]


def appeals(
    session: Session, start: datetime | None, end: datetime | None
) -> tuple[dict[str, int], str]:
    """Appeals and re-review requests by outcome (open, granted, rejected)."""
    counts = count_by(session, Appeal.state, Appeal.created_at, start, end)
    counts["received"] = sum(counts.values())
    return counts, NO_APPEALS_NOTE if not counts["received"] else "Appeals by outcome."


def _take_it_down(session: Session, start: datetime, end: datetime) -> dict[str, int]:
    rows = session.scalars(
        select(TakeItDownRequest).where(
            TakeItDownRequest.received_at >= start, TakeItDownRequest.received_at < end
        )
    ).all()
    out = {"received": len(rows), "removed_within_48h": 0, "removed_late": 0, "open": 0}
    for r in rows:
        if r.removed_at is None:
            out["open"] += 1
        elif r.removed_at <= r.removal_due_at:
            out["removed_within_48h"] += 1
        else:
            out["removed_late"] += 1
    return out


def to_csv(fig: Figures) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["section", "name", "value"])
    writer.writerow(["period", "from", fig.start.isoformat()])
    writer.writerow(["period", "to", fig.end.isoformat()])
    for section, counts in (
        ("notices_by_source", fig.notices_by_source),
        ("notices_by_category", fig.notices_by_category),
        ("actions_by_type", fig.actions_by_type),
        ("appeals", fig.appeals),
        ("ncmec_reports", fig.ncmec_reports),
        ("statements_of_reasons", fig.statements_of_reasons),
        ("take_it_down_requests", fig.take_it_down),
    ):
        for name, value in sorted(counts.items()):
            writer.writerow([section, name, value])
    for name, timing in fig.times.items():
        writer.writerow(["times_s", f"{name}_count", timing.count])
        writer.writerow(["times_s", f"{name}_median", _num(timing.median_s)])
        writer.writerow(["times_s", f"{name}_p95", _num(timing.p95_s)])
    writer.writerow(["views", "after_first_report_total", fig.views_after_first_report])
    writer.writerow(
        ["views", "after_first_report_median", _num(fig.views_after_first_report_median)]
    )
    writer.writerow(["cases", "with_reports", fig.cases])
    return buffer.getvalue()


def _num(value: float | None) -> str:
    return "" if value is None else f"{value:.3f}"


def write(session: Session, start: datetime, end: datetime, out_dir: Path) -> Figures:
    """Write `report.html` and `report.csv` for the period into `out_dir`."""
    from takedown.reporting.report_html import render

    fig = figures(session, start, end)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "report.csv").write_text(to_csv(fig))
    (out_dir / "report.html").write_text(render(fig))
    return fig
