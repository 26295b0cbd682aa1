"""The demo's legal outputs, the transparency report made from the demo's data (its charts
rendered and looked at), and /metrics."""

from __future__ import annotations

import csv
import json
import re
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from lxml import etree
from PIL import Image

from takedown.legal import dsa, ncmec
from takedown.reporting import transparency
from takedown.reporting.charts import bars
from tests.conftest import METRICS_TOKEN
from tests.legal.conftest import SCHEMA, XSD
from tests.legal.helpers import confirm, report, upload

SVG = re.compile(r"<svg .*?</svg>", re.DOTALL)


@pytest.fixture(scope="module")
def demo(demo_run) -> tuple[dict, Path]:  # type: ignore[no-untyped-def]
    return demo_run


def test_demo_files_its_report_with_the_fake_and_keeps_the_evidence(demo):
    result, out = demo
    assert result["ncmec_state"] == "filed" and result["ncmec_report_id"]
    held = datetime.fromisoformat(result["evidence_held_until"])
    assert held - datetime.fromisoformat(result["ncmec_filed_at"]) >= timedelta(days=365)
    (xml,) = (out / "ncmec").glob("*.xml")
    ncmec.validate(xml.read_bytes(), XSD)
    doc = etree.fromstring(xml.read_bytes())
    assert doc.findtext("victim/victimPerson/age") == "13"
    assert "DEMO-2020-0121" in doc.findtext("incidentSummary/escalateToHighPriority")
    statements = sorted((out / "dsa").glob("*.json"))
    assert len(statements) >= 2
    kinds = set()
    for path in statements:
        body = json.loads(path.read_text())
        dsa.validate(body, SCHEMA)
        kinds.add(body["decision_visibility"][0])
    assert kinds == {"DECISION_VISIBILITY_CONTENT_DISABLED", "DECISION_VISIBILITY_CONTENT_REMOVED"}


def test_transparency_report_from_the_demo(demo):
    _, out = demo
    rows = list(csv.DictReader((out / "transparency" / "report.csv").read_text().splitlines()))
    values = {(r["section"], r["name"]): r["value"] for r in rows}
    assert values[("notices_by_source", "victim")] == "1"
    assert values[("notices_by_category", "csam_a1")] == "1"
    assert values[("ncmec_reports", "filed")] == "1"
    assert int(values[("actions_by_type", "restrict")]) >= 1
    assert int(values[("actions_by_type", "remove")]) >= 1
    assert values[("appeals", "received")] == "0"
    assert float(values[("times_s", "report_to_restriction_median")]) < float(
        values[("times_s", "report_to_removal_median")]
    )
    html = (out / "transparency" / "report.html").read_text()
    assert "Appeals" in html and "none" in html.lower()
    svgs = SVG.findall(html)
    assert len(svgs) == 4
    for svg in svgs:
        root = etree.fromstring(svg.encode())
        assert root.tag == "{http://www.w3.org/2000/svg}svg" and root.findtext(
            "{http://www.w3.org/2000/svg}title"
        )
        widths = [float(r.get("width")) for r in root.iter("{http://www.w3.org/2000/svg}rect")]
        assert any(1 < w < 640 for w in widths), "a chart with no bars"


def _browser() -> str | None:
    return next(
        (
            shutil.which(b)
            for b in ("chromium", "chromium-browser", "google-chrome")
            if shutil.which(b)
        ),
        None,
    )


@pytest.mark.skipif(_browser() is None, reason="no headless Chromium here to render the charts")
def test_charts_render_in_a_real_browser(demo, tmp_path):
    """Render the report to PNG in headless Chromium and look for the bars' colours."""
    _, out = demo
    png = out / "transparency" / "report.png"
    subprocess.run(
        [_browser(), "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
         f"--user-data-dir={tmp_path / 'profile'}", f"--screenshot={png}",
         "--window-size=800,2600", (out / "transparency" / "report.html").as_uri()],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    with Image.open(png) as image:
        pixels = image.convert("RGB")
        colours = {pixels.getpixel((x, y)) for x in range(0, 800, 4) for y in range(0, 2600, 4)}
    assert (0x1F, 0x5F, 0xA8) in colours  # the bars
    assert (0xC2, 0x41, 0x0C) in colours  # the 95th-percentile bars


def test_percentile_is_nearest_rank():
    assert transparency.percentile([], 95) is None
    assert transparency.percentile([3.0], 95) == 3.0
    assert transparency.percentile([float(n) for n in range(1, 101)], 95) == 95.0
    assert transparency.percentile([1.0, 2.0, 10.0], 50) == 2.0


def test_charts_escape_labels_and_handle_nothing():
    svg = bars("A <chart>", {"x & y": 2, "z": 1})
    root = etree.fromstring(svg.encode())
    assert "x & y" in "".join(root.itertext())
    etree.fromstring(bars("Empty", {}).encode())


def test_transparency_command_writes_both_files(settings, tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from takedown.cli import app

    monkeypatch.setenv("TAKEDOWN_DATABASE_URL", settings.database_url)
    now = datetime.now(UTC)
    result = CliRunner().invoke(
        app,
        ["transparency", "--from", (now - timedelta(days=1)).strftime("%Y-%m-%d"),
         "--to", (now + timedelta(days=1)).strftime("%Y-%m-%d"), "--out", str(tmp_path)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert (tmp_path / "report.html").read_text().startswith("<!doctype html>")
    assert (tmp_path / "report.csv").read_text().startswith("section,name,value")


METRICS = {"authorization": f"Bearer {METRICS_TOKEN}"}


def _metrics(client) -> dict[str, float]:  # type: ignore[no-untyped-def]
    response = client.get("/metrics", headers=METRICS)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    samples = {}
    for line in response.text.splitlines():
        if line.startswith("#"):
            assert re.fullmatch(r"# (HELP|TYPE) takedown_\w+ .+", line), line
            continue
        name, value = line.rsplit(" ", 1)
        assert re.fullmatch(r'takedown_\w+(\{\w+="[^"]*"\})?', name), line
        samples[name] = float(value)
    return samples


def test_metrics_count_what_happened(client, platform, staff):
    before = _metrics(client)
    ids = upload(client, platform["api_key"])
    receipt = report(client, [ids["post"]], reporter_role="ngo")
    confirm(client, staff["child_safety_specialist"][1], receipt["case_number"], "csam_b1")
    after = _metrics(client)
    key = 'takedown_notices_total{source="ngo"}'
    assert after[key] == before.get(key, 0) + 1
    for kind in ("restrict", "remove", "suspend"):
        name = f'takedown_actions_total{{kind="{kind}"}}'
        assert after[name] > before.get(name, 0)
    ncmec_total = sum(v for k, v in after.items() if k.startswith("takedown_ncmec_reports_total"))
    assert ncmec_total >= 1
    text = client.get("/metrics", headers=METRICS).text
    for family in ("takedown_cases", "takedown_evidence_holds", "takedown_appeals_total"):
        assert f"# TYPE {family} " in text
