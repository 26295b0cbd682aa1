"""The Content-Security-Policy in a real Chromium: Swagger UI at /docs renders from local
files with no violation, and the report form's proof of work still runs under it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from takedown.web.live import LiveServer
from tests.console.test_browser import browser, watch_csp  # noqa: F401  (the fixture)
from tests.support import wait_for


def test_docs_render_from_local_files_without_violations(browser, live):  # noqa: F811
    context = browser.new_context()
    page = context.new_page()
    violations = watch_csp(page)
    outside: list[str] = []
    page.on(
        "request",
        lambda r: outside.append(r.url) if not r.url.startswith((live.url, "data:")) else None,
    )
    page.goto(f"{live.url}/docs")
    page.wait_for_selector(".swagger-ui .info .title")
    assert "Takedown" in page.inner_text(".swagger-ui .info .title")
    page.wait_for_selector(".opblock-summary-path")  # the operations, from /openapi.json
    assert violations == [] and outside == []
    context.close()


@pytest.fixture(scope="module")
def pow_server(strict_settings, db, live) -> Iterator[LiveServer]:  # type: ignore[no-untyped-def]
    from takedown.web.app import create_app

    settings = strict_settings.model_copy(update={"report_pow_bits": 8})
    with LiveServer(create_app(settings, db=db, run_worker=False)) as server:
        yield server


def test_the_report_forms_proof_of_work_runs_under_the_policy(browser, pow_server):  # noqa: F811
    context = browser.new_context()
    page = context.new_page()
    violations = watch_csp(page)
    page.goto(f"{pow_server.url}/report")
    # Polled from here: the page's CSP (rightly) refuses wait_for_function's in-page eval.
    wait_for(lambda: ":" in page.input_value("#f-pow"), what="the proof of work")
    assert violations == []
    context.close()
