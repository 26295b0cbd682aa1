"""`/metrics`: the transparency counters in Prometheus' text format (version 0.0.4).

Counted from the database at each scrape, so every process answers the same numbers.
Totals only grow (rows are never deleted), so they are counters; cases and evidence
holds by state are gauges."""

from __future__ import annotations

from sqlalchemy.orm import Session

from takedown.cases import Case, Report
from takedown.enforcement import Action
from takedown.legal import EvidenceHold, NcmecReport, StatementOfReasons, TakeItDownRequest
from takedown.reporting import transparency

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def render(session: Session) -> str:
    count = transparency.count_by  # the same counts as the transparency report
    appeals, _ = transparency.appeals(session, None, None)
    families = [
        (
            "takedown_notices_total",
            "counter",
            "Notices (reports) received, by reporter role.",
            "source",
            count(session, Report.reporter_role, None, None, None),
        ),
        (
            "takedown_actions_total",
            "counter",
            "Actions taken on the platform, by type.",
            "kind",
            count(session, Action.kind, None, None, None),
        ),
        (
            "takedown_cases",
            "gauge",
            "Cases, by state.",
            "state",
            count(session, Case.state, None, None, None),
        ),
        (
            "takedown_ncmec_reports_total",
            "counter",
            "CyberTipline reports, by state.",
            "state",
            count(session, NcmecReport.state, None, None, None),
        ),
        (
            "takedown_statements_of_reasons_total",
            "counter",
            "DSA statements, by state.",
            "state",
            count(session, StatementOfReasons.state, None, None, None),
        ),
        (
            "takedown_evidence_holds",
            "gauge",
            "Evidence holds, by state.",
            "state",
            count(session, EvidenceHold.state, None, None, None),
        ),
        (
            "takedown_take_it_down_requests_total",
            "counter",
            "TAKE IT DOWN Act requests.",
            "state",
            _take_it_down(session),
        ),
        (
            "takedown_appeals_total",
            "counter",
            "Appeals, by outcome (received: all).",
            "state",
            appeals,
        ),
    ]
    return "".join(_family(*family) for family in families)


def _take_it_down(session: Session) -> dict[str, int]:
    removed = TakeItDownRequest.removed_at.is_not(None)
    counts = transparency.count_by(session, removed, None, None, None)
    return {"removed" if key == "True" else "open": n for key, n in counts.items()}


def _family(name: str, kind: str, help_text: str, label: str, values: dict[str, int]) -> str:
    lines = [f"# HELP {name} {help_text}", f"# TYPE {name} {kind}"]
    if not values:
        lines.append(f"{name} 0")
    for key, value in sorted(values.items()):
        lines.append(f'{name}{{{label}="{_escape(key)}"}} {value}')
    return "\n".join(lines) + "\n"


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
