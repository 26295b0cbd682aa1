"""The transparency report as one self-contained HTML page (inline SVG charts, no script)."""

from __future__ import annotations

from html import escape

from takedown.reporting import charts
from takedown.reporting.labels import ACTIONS, CATEGORIES, ROLES, STATES, words
from takedown.reporting.transparency import TIMES, Figures

STYLE = """
body{font-family:system-ui,sans-serif;max-width:760px;margin:2rem auto;padding:0 1rem;color:#111827}
.wide{overflow-x:auto}table{border-collapse:collapse;margin:.5rem 0 1.5rem}
td,th{border:1px solid #d1d5db;padding:.3rem .6rem;text-align:left}caption{text-align:left}
td.n{text-align:right}figure{margin:1rem 0}svg{max-width:100%;height:auto}.note{color:#4b5563}
@media (max-width:480px){body{margin:1rem auto;font-size:15px}td,th{padding:.25rem .4rem}}
"""


def render(fig: Figures) -> str:
    period = f"{fig.start:%Y-%m-%d %H:%M} to {fig.end:%Y-%m-%d %H:%M} UTC"
    sources = words(ROLES, dict(sorted(fig.notices_by_source.items())))
    categories = words(CATEGORIES, dict(sorted(fig.notices_by_category.items())))
    actions = words(ACTIONS, dict(sorted(fig.actions_by_type.items())))
    sections = [
        f"<h1>Transparency report</h1><p>{escape(period)}. Notices are reports received; "
        "times run from a case's first report.</p>",
        "<h2>Notices received</h2>",
        _figure(charts.bars("Notices by source", sources)),
        _table("By source", sources),
        _figure(charts.bars("Notices by category", categories)),
        _table("By category", categories),
        "<h2>Actions taken</h2>",
        _figure(charts.bars("Actions by type", actions)),
        _table("By type", actions),
        "<h2>How fast</h2>",
        _figure(charts.duration_bars("Time from the first report", _series(fig))),
        _times_table(fig),
        "<h2>Views after the first report</h2>",
        f"<p>{fig.views_after_first_report:,} views in total over {fig.cases} case(s); "
        f"median per case: {_plain(fig.views_after_first_report_median)}.</p>",
        "<h2>Appeals</h2>",
        f'<p class="note">{escape(fig.appeals_note)}</p>',
        _table("Appeals", words(STATES, fig.appeals)),
        "<h2>Reports to NCMEC (CyberTipline)</h2>",
        f"<p>{fig.ncmec_filed} filed.</p>",
        _table("CyberTipline reports by state", words(STATES, fig.ncmec_reports)),
        "<h2>Statements of reasons (DSA Art. 17)</h2>",
        _table("Statements by state", words(STATES, fig.statements_of_reasons)),
        "<h2>TAKE IT DOWN Act requests</h2>",
        _table("Requests", words(STATES, fig.take_it_down)),
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
    return f'<div class="wide"><table><caption>{escape(caption)}</caption>{rows}</table></div>'


def _times_table(fig: Figures) -> str:
    rows = "".join(
        f"<tr><td>{escape(TIMES[name])}</td><td class='n'>{t.count}</td>"
        f"<td class='n'>{_duration(t.median_s)}</td><td class='n'>{_duration(t.p95_s)}</td></tr>"
        for name, t in fig.times.items()
    )
    return (
        '<div class="wide"><table><tr><th>Measure</th><th>Cases</th><th>Median</th>'
        f"<th>95th percentile</th></tr>{rows}</table></div>"
    )


def _duration(seconds: float | None) -> str:
    return "none" if seconds is None else charts.human_duration(seconds)


def _plain(value: float | None) -> str:
    return "none" if value is None else f"{value:,.0f}"
