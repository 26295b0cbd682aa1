"""The transparency report as one self-contained HTML page (inline SVG charts, no script)."""

from __future__ import annotations

from html import escape

from takedown.legal import charts
from takedown.legal.transparency import TIMES, Figures

ROLES = {
    "victim": "The person shown",
    "parent_guardian": "Parent or guardian",
    "law_enforcement": "Law enforcement",
    "ngo": "Child-protection organisation",
    "platform_user": "Someone who saw it",
    "trusted_flagger": "Trusted flagger (DSA Art. 22)",
}
STYLE = """
body{font-family:system-ui,sans-serif;max-width:760px;margin:2rem auto;padding:0 1rem;color:#111827}
table{border-collapse:collapse;margin:.5rem 0 1.5rem}
td,th{border:1px solid #d1d5db;padding:.3rem .6rem;text-align:left}
td.n{text-align:right}figure{margin:1rem 0}.note{color:#4b5563}
"""


def render(fig: Figures) -> str:
    period = f"{fig.start:%Y-%m-%d %H:%M} to {fig.end:%Y-%m-%d %H:%M} UTC"
    sources = {ROLES.get(k, k): v for k, v in sorted(fig.notices_by_source.items())}
    sections = [
        f"<h1>Transparency report</h1><p>{escape(period)}. Notices are reports received; "
        "times run from a case's first report.</p>",
        "<h2>Notices received</h2>",
        _figure(charts.bars("Notices by source", sources)),
        _table("By source", sources),
        _figure(charts.bars("Notices by category", dict(sorted(fig.notices_by_category.items())))),
        "<h2>Actions taken</h2>",
        _figure(charts.bars("Actions by type", dict(sorted(fig.actions_by_type.items())))),
        "<h2>How fast</h2>",
        _figure(charts.log_bars("Time from first report (log scale)", _series(fig))),
        _times_table(fig),
        "<h2>Views after the first report</h2>",
        f"<p>{fig.views_after_first_report:,} views in total over {fig.cases} case(s); "
        f"median per case: {_plain(fig.views_after_first_report_median)}.</p>",
        "<h2>Appeals</h2>",
        f'<p class="note">{escape(fig.appeals_note)}</p>',
        _table("Appeals", fig.appeals),
        "<h2>Reports to NCMEC (CyberTipline)</h2>",
        f"<p>{fig.ncmec_filed} filed.</p>",
        _table("CyberTipline reports by state", fig.ncmec_reports),
        "<h2>Statements of reasons (DSA Art. 17)</h2>",
        _table("Statements by state", fig.statements_of_reasons),
        "<h2>TAKE IT DOWN Act requests</h2>",
        _table("Requests", fig.take_it_down),
    ]
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Transparency report {escape(period)}</title><style>{STYLE}</style></head>"
        f"<body>{''.join(sections)}</body></html>\n"
    )


def _series(fig: Figures) -> dict[str, dict[str, float | None]]:
    return {
        TIMES[name]: {"median": t.median_s, "95th percentile": t.p95_s}
        for name, t in fig.times.items()
    }


def _figure(svg: str) -> str:
    return f"<figure>{svg}</figure>"


def _table(caption: str, counts: dict[str, int]) -> str:
    rows = "".join(
        f'<tr><td>{escape(str(k))}</td><td class="n">{v:,}</td></tr>' for k, v in counts.items()
    )
    rows = rows or '<tr><td>none</td><td class="n">0</td></tr>'
    return f"<table><caption>{escape(caption)}</caption>{rows}</table>"


def _times_table(fig: Figures) -> str:
    rows = "".join(
        f"<tr><td>{escape(TIMES[name])}</td><td class='n'>{t.count}</td>"
        f"<td class='n'>{_duration(t.median_s)}</td><td class='n'>{_duration(t.p95_s)}</td></tr>"
        for name, t in fig.times.items()
    )
    return (
        "<table><tr><th>Measure</th><th>Cases</th><th>Median</th>"
        f"<th>95th percentile</th></tr>{rows}</table>"
    )


def _duration(seconds: float | None) -> str:
    return "none" if seconds is None else charts.human_duration(seconds)


def _plain(value: float | None) -> str:
    return "none" if value is None else f"{value:,.0f}"
