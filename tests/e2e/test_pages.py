"""The reporter's pages over real HTTP (no JavaScript needed). Browser tests come with review."""

from __future__ import annotations

import re

from tests.e2e.helpers import seed_family


def _form(**fields: str) -> dict[str, str]:
    base = {
        "content": "",
        "reporter_role": "",
        "minor_depicted": "",
        "age_at_time": "",
        "law_enforcement_case_number": "",
        "statement": "",
        "contact": "",
    }
    base.update(fields)
    return base


def test_form_renders_with_labels(client):
    page = client.get("/report")
    assert page.status_code == 200
    for field in ("content", "age_at_time", "law_enforcement_case_number", "statement"):
        assert f'for="f-{field}"' in page.text
    assert 'name="viewport"' in page.text


def test_broken_form_comes_back_filled_in(client):
    typed = _form(
        content="https://example.social/p/x",
        statement="It is me, I was 13",
        age_at_time="13",
        law_enforcement_case_number="HSI-1",
    )
    page = client.post("/report", data=typed)
    assert page.status_code == 422
    assert "Who are you?" in page.text and "Choose who you are" in page.text
    assert "It is me, I was 13" in page.text
    assert 'value="HSI-1"' in page.text
    assert "https://example.social/p/x" in page.text


def test_unknown_link_is_taken_and_hides_nothing(client):
    typed = _form(
        content="https://example.social/p/nothing",
        reporter_role="victim",
        minor_depicted="yes",
        statement="please help",
    )
    page = client.post("/report", data=typed)
    assert page.status_code == 303 and page.headers["location"] == "/receipt"
    receipt = client.get("/receipt")
    assert receipt.status_code == 200
    assert "we do not know this content yet" in receipt.text


def test_report_then_status_shows_each_step(client, platform):
    ids = seed_family(client, platform["api_key"])
    page = client.post(
        "/report",
        data=_form(
            content=f"https://example.social/p/{ids['repost1']}\n",
            reporter_role="parent_guardian",
            minor_depicted="yes",
            age_at_time="13",
            statement="My son is 13.",
        ),
    )
    assert page.status_code == 303, page.text
    page = client.get(page.headers["location"])
    case = re.search(r'id="case-number">([^<]+)<', page.text).group(1)
    pin = re.search(r'id="pin">(\d+)<', page.text).group(1)

    shown = client.post("/status", data={"case_number": case, "pin": pin}, follow_redirects=True)
    assert shown.status_code == 200
    assert "Hidden while people review it" in shown.text
    assert "We received your report" in shown.text
    assert "is now hidden from everyone" in shown.text

    wrong = client.post("/status", data={"case_number": case, "pin": "12345678"})
    assert wrong.status_code == 404
    assert "No case matches" in wrong.text
