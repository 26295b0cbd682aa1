"""Bad input gets a clear 4xx JSON error with a stable code and a log line, never a 500."""

from __future__ import annotations

import logging
import uuid

import pytest

from tests.e2e.helpers import report, seed_family


def _error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == code
    assert error["message"]
    return error


def test_missing_fields_name_the_field(client):
    error = _error(client.post("/v1/reports", json={"content": ["x"]}), 422, "invalid_input")
    fields = {e["field"] for e in error["errors"]}
    assert {"reporter_role", "minor_depicted"} <= fields


def test_wrong_types_and_values_name_the_field(client):
    r = client.post(
        "/v1/reports",
        json={"content": [], "reporter_role": "alien", "minor_depicted": "yes", "age_at_time": -3},
    )
    fields = {e["field"] for e in _error(r, 422, "invalid_input")["errors"]}
    assert {"content", "reporter_role", "age_at_time"} <= fields


def test_malformed_json(client):
    r = client.post(
        "/v1/reports", content=b"{not json", headers={"content-type": "application/json"}
    )
    _error(r, 422, "invalid_input")


def test_unknown_content_is_taken_for_a_person(client):
    r = report(client, ["https://example.social/p/never-posted"])
    assert r.status_code == 201 and r.json()["protection"] == "unresolved", r.text


def test_oversized_body(client):
    huge = {
        "content": ["x"],
        "reporter_role": "victim",
        "minor_depicted": "yes",
        "statement": "a" * 100_000,
    }
    _error(client.post("/v1/reports", json=huge), 413, "body_too_large")


def test_oversized_chunked_body(client):
    def chunks():
        for _ in range(100):
            yield b"a" * 1000

    r = client.post("/v1/reports", content=chunks(), headers={"content-type": "application/json"})
    _error(r, 413, "body_too_large")


def test_wrong_pin_and_unknown_case_look_the_same(client, platform):
    ids = seed_family(client, platform["api_key"])
    receipt = report(client, [ids["video"]]).json()
    wrong = client.get(f"/v1/reports/{receipt['case_number']}", headers={"x-report-pin": "1"})
    unknown = client.get("/v1/reports/TD-AAAA-AAAA", headers={"x-report-pin": "1"})
    assert _error(wrong, 404, "case_not_found") == _error(unknown, 404, "case_not_found")


def test_repeated_wrong_pins_pause_that_client_not_the_case(
    strict_client, platform, strict_settings
):
    ids = seed_family(strict_client, platform["api_key"])
    guesser = {"x-forwarded-for": f"guesser-{uuid.uuid4().hex}"}
    reporter = {"x-forwarded-for": f"reporter-{uuid.uuid4().hex}"}
    receipt = report(strict_client, [ids["video"]], headers=reporter).json()
    url = f"/v1/reports/{receipt['case_number']}"
    for _ in range(strict_settings.pin_max_failures):
        r = strict_client.get(url, headers={"x-report-pin": "00000000", **guesser})
        _error(r, 404, "case_not_found")
    r = strict_client.get(url, headers={"x-report-pin": receipt["pin"], **guesser})
    _error(r, 429, "status_locked")
    assert r.headers["retry-after"].isdigit()
    r = strict_client.get(url, headers={"x-report-pin": receipt["pin"], **reporter})
    assert r.status_code == 200, r.text


@pytest.mark.parametrize("key", [None, "tdp_wrong"])
def test_platform_api_needs_its_key(client, key):
    headers = {"authorization": f"Bearer {key}"} if key else {}
    r = client.post("/v1/content", json={"id": "a", "author_id": "b"}, headers=headers)
    _error(r, 401, "unauthorized")


def test_repost_of_unknown_content(client, platform):
    r = client.post(
        "/v1/content",
        json={"id": "a1", "author_id": "b", "repost_of": "nope"},
        headers={"authorization": f"Bearer {platform['api_key']}"},
    )
    assert _error(r, 422, "unknown_repost_target")["field"] == "repost_of"


def test_views_for_unknown_content(client, platform):
    r = client.post(
        "/v1/content/nope/views",
        json={"count": 3},
        headers={"authorization": f"Bearer {platform['api_key']}"},
    )
    _error(r, 404, "unknown_content")


def test_decisions_need_a_reviewer_and_a_reason(client, platform, reviewers):
    ids = seed_family(client, platform["api_key"])
    case = report(client, [ids["video"]]).json()["case_number"]
    url = f"/v1/cases/{case}/decisions"
    _error(client.post(url, json={"decision": "dismiss", "reason": "x"}), 401, "unauthorized")
    r = client.post(
        url,
        json={"decision": "dismiss", "reason": "  "},
        headers={"authorization": f"Bearer {reviewers[0]}"},
    )
    _error(r, 422, "reason_required")
    r = client.post(
        url,
        json={"decision": "shrug", "reason": "x"},
        headers={"authorization": f"Bearer {reviewers[0]}"},
    )
    _error(r, 422, "invalid_input")


def test_unknown_route_is_json(client):
    _error(client.get("/v1/nothing-here"), 404, "not_found")


def test_errors_are_logged(client, caplog):
    with caplog.at_level(logging.WARNING, logger="takedown.web"):
        client.post("/v1/reports", json={})
    assert any("invalid_input" in rec.getMessage() for rec in caplog.records)


def test_nul_characters_and_odd_ids_get_4xx_not_500(client, platform):
    headers = {"authorization": f"Bearer {platform['api_key']}"}
    r = client.post("/v1/content", json={"id": "a\x00b", "author_id": "x"}, headers=headers)
    _error(r, 422, "invalid_input")
    r = client.post("/v1/content/a%00b/views", json={"count": 1}, headers=headers)
    assert r.status_code in (404, 422), r.text
    for ref in ("%C2%B2", "99999999999999999999"):
        r = client.get(f"/v1/cases/{ref}", headers={"authorization": "Bearer tdu_x"})
        assert r.status_code == 401  # identity first
    r = client.get("/v1/reports/TD-AAAA%00AAAA", headers={"x-report-pin": "1"})
    assert r.status_code in (404, 422), r.text


def test_a_report_with_a_nul_character_is_kept(client, platform):
    ids = seed_family(client, platform["api_key"])
    r = report(client, [ids["video"]], statement="I was 13\x00 and scared")
    assert r.status_code == 201, r.text
