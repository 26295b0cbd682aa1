"""The evidence hold route: `until` needs a timezone and stays within ten years, and only
someone who may open the case's evidence, in the case's queue, can extend it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.console.helpers import make_user
from tests.legal.test_evidence import sealed  # noqa: F401  (the fixture)


def _hold(client, number: str, key: str, until: str):  # type: ignore[no-untyped-def]
    return client.post(
        f"/v1/evidence/{number}/hold",
        json={"until": until, "reason": "HSI preservation request"},
        headers={"authorization": f"Bearer {key}"},
    )


def _invalid_until(response) -> str:  # type: ignore[no-untyped-def]
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "invalid_input" and error["field"] == "until"
    return error["message"]


@pytest.mark.parametrize("until", ["2030-01-01T00:00:00", "2030-01-01", "2030-01-01 12:00"])
def test_a_naive_until_is_a_422_not_a_500(sealed, client, staff, until):  # noqa: F811
    message = _invalid_until(_hold(client, sealed["number"], staff["admin"][1], until))
    assert "timezone" in message


def test_until_is_at_most_ten_years_away(sealed, client, staff):  # noqa: F811
    key = staff["law_enforcement_liaison"][1]
    for far in ("9999-12-31T23:59:59Z", (datetime.now(UTC) + timedelta(days=3660)).isoformat()):
        assert "ten years" in _invalid_until(_hold(client, sealed["number"], key, far))
    near = (datetime.now(UTC) + timedelta(days=3640)).isoformat()
    ok = _hold(client, sealed["number"], key, near)
    assert ok.status_code == 200, ok.text


def test_only_the_cases_queue_may_extend_its_hold(sealed, client, db):  # noqa: F811
    until = (sealed["hold"].held_until + timedelta(days=30)).isoformat()
    outsider = make_user(db, "law_enforcement_liaison", queues=["general"])
    refused = _hold(client, sealed["number"], outsider["api_key"], until)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "evidence_forbidden"
    reviewer = make_user(db, "reviewer")  # in the queue, but not a role that opens evidence
    refused = _hold(client, sealed["number"], reviewer["api_key"], until)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "evidence_forbidden"
    insider = make_user(db, "law_enforcement_liaison")  # the child-safety queue
    assert _hold(client, sealed["number"], insider["api_key"], until).status_code == 200
    admin = make_user(db, "admin", queues=[])  # an admin sees every queue
    later = (sealed["hold"].held_until + timedelta(days=60)).isoformat()
    assert _hold(client, sealed["number"], admin["api_key"], later).status_code == 200


def test_the_cli_keeps_the_same_ten_year_bound(sealed, staff, settings, monkeypatch):  # noqa: F811
    from typer.testing import CliRunner

    from takedown.cli import app as cli

    monkeypatch.setenv("TAKEDOWN_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("TAKEDOWN_DATA_DIR", str(settings.data_dir))
    who = staff["law_enforcement_liaison"][0]

    def extend(until: datetime):  # type: ignore[no-untyped-def]
        args = ["evidence", "extend", sealed["number"], "--until", until.strftime("%Y-%m-%d")]
        return CliRunner().invoke(cli, [*args, "--reason", "HSI request", "--as", who])

    far = extend(datetime.now(UTC) + timedelta(days=3700))
    assert far.exit_code == 2 and "hold_too_long" in far.output, far.output
    near = extend(datetime.now(UTC) + timedelta(days=3600))
    assert near.exit_code == 0 and "held until" in near.output, near.output
