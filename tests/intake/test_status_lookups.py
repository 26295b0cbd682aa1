"""Status lookups: throttled per client (never a lock on the case), one answer for an unknown
case and a wrong PIN, and a busy case that stays readable while reports keep coming."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor

import httpx
from sqlalchemy import select

from takedown.cases import Case
from takedown.cases.models import Report
from takedown.intake import pins
from tests.e2e.helpers import report, seed_family


def _as_new_client() -> dict[str, str]:
    return {"x-forwarded-for": f"client-{uuid.uuid4().hex}"}


def _lookup(
    client: httpx.Client, case_number: str, pin: str, who: dict[str, str]
) -> httpx.Response:
    return client.get(f"/v1/reports/{case_number}", headers={"x-report-pin": pin, **who})


def _filed(client: httpx.Client, content: list[str]) -> dict:
    r = report(client, content, headers=_as_new_client())
    assert r.status_code == 201, r.text
    return r.json()


def _add_report(db, case_number: str, **pin_fields: str | None) -> None:
    """A report stored directly, with the PIN fields given (as older code stored them)."""
    with db.session() as session:
        case = session.scalar(select(Case).where(Case.number == case_number))
        assert case is not None
        session.add(
            Report(
                case_id=case.id,
                reporter_role="victim",
                minor_depicted="yes",
                statement="stored before PIN digests",
                content_refs=["stored-directly"],
                **pin_fields,
            )
        )


def _pin_digests(db, case_number: str) -> list[str | None]:
    with db.session() as session:
        return list(
            session.scalars(
                select(Report.pin_digest)
                .join(Case, Case.id == Report.case_id)
                .where(Case.number == case_number)
            )
        )


def test_wrong_pins_pause_the_guessing_client_not_the_reporter(
    strict_client, strict_settings, platform
):
    ids = seed_family(strict_client, platform["api_key"])
    receipt = _filed(strict_client, [ids["video"]])
    case, pin = receipt["case_number"], receipt["pin"]
    attacker, reporter = _as_new_client(), _as_new_client()

    for n in range(strict_settings.pin_max_failures):
        r = _lookup(strict_client, case, f"{n:08d}", attacker)
        assert r.status_code == 404, r.text
        assert r.json()["error"]["code"] == "case_not_found"

    for tried in (f"{99:08d}", pin):
        paused = _lookup(strict_client, case, tried, attacker)
        assert paused.status_code == 429, paused.text
        assert paused.json()["error"]["code"] == "status_locked"
        assert int(paused.headers["retry-after"]) > 0
    elsewhere = _lookup(strict_client, "TD-AAAA-AAAA", "00000000", attacker)
    assert elsewhere.status_code == 429  # the pause is the client's, on every case

    seen = _lookup(strict_client, case, pin, reporter)
    assert seen.status_code == 200, seen.text
    assert seen.json()["case_number"] == case


def test_unknown_case_and_wrong_pin_get_the_same_answer(strict_client, platform):
    ids = seed_family(strict_client, platform["api_key"])
    case = _filed(strict_client, [ids["video"]])["case_number"]
    who = _as_new_client()

    wrong = _lookup(strict_client, case, "12345678", who)
    unknown = _lookup(strict_client, "TD-ZZZZ-ZZZZ", "12345678", who)

    assert wrong.status_code == unknown.status_code == 404
    assert wrong.content == unknown.content
    assert wrong.json()["error"]["code"] == "case_not_found"


def test_a_busy_case_answers_parallel_lookups_while_reports_keep_coming(client, platform):
    ids = seed_family(client, platform["api_key"])
    receipts = [_filed(client, [ids["video"]]) for _ in range(30)]
    case = receipts[0]["case_number"]
    assert {r["case_number"] for r in receipts} == {case}

    def look(n: int) -> httpx.Response:
        return _lookup(client, case, receipts[n % len(receipts)]["pin"], _as_new_client())

    with ThreadPoolExecutor(max_workers=41) as pool:
        lookups = [pool.submit(look, n) for n in range(40)]
        late = pool.submit(report, client, [ids["repost1"]])
        answers = [f.result() for f in lookups]
        filed = late.result()

    assert [a.status_code for a in answers] == [200] * 40, [a.text for a in answers]
    assert all(a.json()["case_number"] == case for a in answers)
    assert filed.status_code == 201, filed.text
    assert filed.json()["case_number"] == case


def test_a_report_with_only_a_legacy_pin_hash_still_opens(client, db, settings, platform):
    ids = seed_family(client, platform["api_key"])
    case = _filed(client, [ids["video"]])["case_number"]
    pin = pins.new_pin()
    _add_report(db, case, pin_hash=pins.hash_pin(pin), pin_digest=None)

    seen = _lookup(client, case, pin, _as_new_client())

    assert seen.status_code == 200, seen.text
    assert seen.json()["case_number"] == case
    expected = pins.pin_digest(settings.secret_key, case, pin)
    assert expected in _pin_digests(db, case)  # given its digest on first use


def test_a_report_with_only_a_pin_digest_opens(client, db, settings, platform):
    ids = seed_family(client, platform["api_key"])
    case = _filed(client, [ids["video"]])["case_number"]
    pin = pins.new_pin()
    _add_report(db, case, pin_hash="", pin_digest=pins.pin_digest(settings.secret_key, case, pin))

    seen = _lookup(client, case, pin, _as_new_client())

    assert seen.status_code == 200, seen.text
    assert seen.json()["case_number"] == case


def test_the_status_page_pauses_the_guessing_client_too(strict_client, strict_settings, platform):
    ids = seed_family(strict_client, platform["api_key"])
    receipt = _filed(strict_client, [ids["video"]])
    guesser = _as_new_client()

    def page(pin: str, who: dict[str, str]) -> httpx.Response:
        form = {"case_number": receipt["case_number"], "pin": pin}
        return strict_client.post("/status", data=form, headers=who)

    answers = [page("00000000", guesser) for _ in range(strict_settings.pin_max_failures)]
    assert {a.status_code for a in answers} == {404}

    paused = page(receipt["pin"], guesser)
    assert paused.status_code == 429
    assert int(paused.headers["retry-after"]) > 0
    assert page(receipt["pin"], _as_new_client()).status_code == 303  # opened: to /status
