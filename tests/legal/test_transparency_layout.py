"""The transparency report as people read it: words instead of codes, a linear time chart
with a labelled axis, and a page that fits a phone (checked in Debian's Chromium)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from lxml import etree

from takedown.reporting import report_html
from takedown.reporting.charts import duration_bars
from takedown.reporting.transparency import Figures, Timing
from tests.console.test_browser import browser  # noqa: F401

SVG_NS = "{http://www.w3.org/2000/svg}"


def _figures() -> Figures:
    fig = Figures(datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC))
    fig.notices_by_source = {"victim": 3, "platform_user": 7}
    fig.notices_by_category = {"csam_a1": 2, "not decided": 5}
    fig.actions_by_type = {"restrict": 9, "remove": 4, "suspend": 1}
    fig.times = {
        "report_to_restriction": Timing(5, 0.43, 1.2),
        "report_to_removal": Timing(4, 1803.0, 3300.0),
    }
    fig.ncmec_reports = {"filed": 1, "not_sent": 1}
    fig.take_it_down = {"received": 1, "removed_within_48h": 1, "removed_late": 0, "open": 0}
    return fig


def _visible_text(html: str) -> str:
    return re.sub(r"<[^>]+>", " ", re.sub(r"<style>.*?</style>", " ", html, flags=re.S))


def test_the_report_says_words_not_codes():
    text = _visible_text(report_html.render(_figures()))

    for code in ("csam_a1", "restrict", "not_sent", "removed_within_48h", "platform_user"):
        assert not re.search(rf"\b{code}\b", text), code
    for words in ("Hidden while reviewed", "Account suspended", "Removed within 48 hours"):
        assert words in text
    assert "Child sexual abuse material (A1" in text


def test_the_time_chart_is_linear_with_an_axis():
    series = {"First report to removal": {"median": 1800.0, "95th percentile": 3600.0}}
    root = etree.fromstring(duration_bars("Times", series).encode())

    ticks = [t.text for t in root.iter(f"{SVG_NS}text")]
    assert "0" in ticks and "time from the first report" in ticks
    assert {"15 min", "30 min", "45 min", "60 min"} <= set(ticks)
    bars = [float(r.get("width")) for r in root.iter(f"{SVG_NS}rect") if r.get("height") == "16"]
    assert len(bars) == 2 and abs(bars[1] - 2 * bars[0]) < 0.5  # linear: twice the time


def test_the_report_fits_a_phone(browser):  # noqa: F811
    context = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True)
    page = context.new_page()
    page.set_content(report_html.render(_figures()))

    overflow = page.evaluate("() => document.documentElement.scrollWidth")
    widest = page.evaluate(
        "() => Math.max(...[...document.querySelectorAll('svg')]"
        ".map(s => s.getBoundingClientRect().right))"
    )
    assert overflow <= 360 and widest <= 360
    context.close()
