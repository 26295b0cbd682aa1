"""What Takedown owes an exchange after a decision: feedback on the exchange's hash that an
item matched (NCMEC's entry feedback, StopNCII's SubmitFeedback), and, when the exchange is
set to share back, the confirmed item's own hashes (StopNCII's SubmitHashes, a local file).

A decision only queues a job in its transaction; the job finds the matches with the
process's index, writes one outbox row per call, and each row is sent by its own job,
retried with doubling back-off until sent or failed. Every send is audited.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from takedown import audit, matching
from takedown.config import Settings
from takedown.db import Database, utcnow
from takedown.exchanges import apis
from takedown.exchanges.models import Exchange, ExchangeItem, ExchangeOutbox
from takedown.jobs import enqueue
from takedown.matching import MatchEngine

COLLECT_TASK = "exchanges:collect"
SEND_TASK = "exchanges:send"
VERDICTS = {"confirmed", "dismissed"}
log = logging.getLogger(__name__)


def on_decided(
    session: Session, case_id: int, items: list[tuple[int, int, str]], actor: str
) -> None:
    """Items (case item id, content id, state) just decided: queue what is owed, in the
    decision's transaction. Only final states count (a first P0 dismissal is not one)."""
    final = [[ci, content, state] for ci, content, state in items if state in VERDICTS]
    if not final:
        return
    wanted = select(Exchange.id).where(
        Exchange.enabled, Exchange.send_feedback | Exchange.share_back
    )
    wanted = wanted.limit(1)
    if session.scalar(wanted) is None:
        return
    enqueue(session, COLLECT_TASK, queue="exchanges", case_id=case_id, items=final, actor=actor)


def collect(
    db: Database, engine: MatchEngine, case_id: int, items: list[list], actor: str
) -> list[int]:
    """Write the outbox rows for decided items and queue their sends; returns their ids."""
    with db.session() as session:
        exchanges = list(session.scalars(select(Exchange).where(Exchange.enabled)))
        by_bank = {x.bank_id: x for x in exchanges if x.send_feedback}
        sharing = [x for x in exchanges if x.share_back]
        banks = {b.name: b.id for b in session.scalars(select(matching.models.Bank))}
        ids: list[int] = []
        for case_item_id, content_id, state in items:
            query = matching.stored_query(session, content_id)
            for match in matching.match_banks(session, engine, query):
                exchange = by_bank.get(banks.get(match.bank, -1))
                if exchange is not None:
                    ids += _feedback_rows(
                        session, exchange, match, state, case_id, case_item_id, actor
                    )
            if state == "confirmed":
                for exchange in sharing:
                    ids += _share_rows(session, exchange, query, case_id, case_item_id, actor)
        for outbox_id in ids:
            enqueue(session, SEND_TASK, queue="exchanges", outbox_id=outbox_id)
    return ids


def _feedback_rows(
    session: Session,
    exchange: Exchange,
    match: matching.BankMatch,
    state: str,
    case_id: int,
    case_item_id: int,
    actor: str,
) -> list[int]:
    rows = session.scalars(
        select(ExchangeItem).where(
            ExchangeItem.exchange_id == exchange.id,
            ExchangeItem.key == (match.entry_id or ""),
            ExchangeItem.signal == match.signal,
        )
    ).all()
    return [
        i
        for row in rows
        if (i := _row(session, exchange, "feedback", row.signal, row.value, row.key, state,
                      case_id, case_item_id, actor)) is not None
    ]  # fmt: skip


def _share_rows(
    session: Session,
    exchange: Exchange,
    query: matching.MediaQuery,
    case_id: int,
    case_item_id: int,
    actor: str,
) -> list[int]:
    # What the programmes take: an image's PDQ, a video's MD5 (StopNCII's VideoMD5).
    if query.is_video:
        hashes = [("md5", query.md5)] if query.md5 is not None else []
    else:
        hashes = [("pdq", p[0].tobytes()) for p in query.pdqs[:1]]
    out = []
    for signal, value in hashes:
        i = _row(session, exchange, "share", signal, value, None, "confirmed", case_id,
                 case_item_id, actor)  # fmt: skip
        if i is not None:
            out.append(i)
    return out


def _row(
    session: Session,
    exchange: Exchange,
    kind: str,
    signal: str,
    value: bytes,
    key: str | None,
    verdict: str,
    case_id: int,
    case_item_id: int,
    actor: str,
) -> int | None:
    return session.scalar(
        insert(ExchangeOutbox)
        .values(
            exchange_id=exchange.id,
            kind=kind,
            signal=signal,
            value=value,
            key=key,
            verdict=verdict,
            case_id=case_id,
            case_item_id=case_item_id,
            actor=actor,
            state="pending",
            attempts=0,
            created_at=utcnow(),
        )
        .on_conflict_do_nothing()
        .returning(ExchangeOutbox.id)
    )


def send(db: Database, settings: Settings, outbox_id: int, attempt: int = 1) -> str:
    """One attempt at one call; a failure queues the next attempt itself (with back-off)."""
    with db.session() as session:
        row = session.get(ExchangeOutbox, outbox_id, with_for_update=True)
        if row is None or row.state != "pending":
            return row.state if row else "missing"
        exchange = session.get(Exchange, row.exchange_id)
        assert exchange is not None
        item = None
        if row.key is not None:
            item = session.scalar(
                select(ExchangeItem).where(
                    ExchangeItem.exchange_id == exchange.id,
                    ExchangeItem.key == row.key,
                    ExchangeItem.signal == row.signal,
                )
            )
        try:
            _call(exchange, row, item.meta if item else {})
        except NotImplementedError:
            row.state, row.last_error = "not_supported", f"{exchange.api} takes no {row.kind}"
        except Exception as exc:  # the exchange's errors, the network's
            _failed(session, settings, row, attempt, exc)
            return row.state
        else:
            row.state, row.sent_at = "sent", utcnow()
        row.attempts = attempt
        audit.record(
            session,
            f"exchange.{row.kind}_{row.state}",
            actor=row.actor,
            subject_type="case",
            subject_id=row.case_id,
            data={
                "exchange": exchange.name,
                "signal": row.signal,
                "hash": row.value.hex(),
                "verdict": row.verdict,
                "key": row.key,
            },
        )
        return row.state


def _failed(
    session: Session, settings: Settings, row: ExchangeOutbox, attempt: int, exc: Exception
) -> None:
    status = getattr(getattr(exc, "response", None), "status_code", None)
    row.attempts = attempt
    row.last_error = type(exc).__name__ + (f" (HTTP {status})" if status else "")
    if attempt >= settings.exchange_max_attempts:
        row.state = "failed"
        audit.record(
            session,
            f"exchange.{row.kind}_failed",
            actor=row.actor,
            subject_type="case",
            subject_id=row.case_id,
            data={"outbox_id": row.id, "attempts": attempt, "error": row.last_error},
        )
        return
    delay = settings.exchange_backoff_base_s * 2 ** (attempt - 1)
    enqueue(
        session,
        SEND_TASK,
        queue="exchanges",
        scheduled_at=utcnow() + timedelta(seconds=delay),
        outbox_id=row.id,
        attempt=attempt + 1,
    )


def _call(exchange: Exchange, row: ExchangeOutbox, meta: dict[str, object]) -> None:
    api = apis.build(exchange)
    if exchange.api == "ncmec" and row.kind == "feedback":
        _ncmec_feedback(api, exchange, row, meta)
    elif exchange.api == "stop_ncii" and row.kind == "feedback":
        _stopncii_feedback(api, row)
    elif exchange.api == "stop_ncii" and row.kind == "share":
        from threatexchange.exchanges.clients.stopncii import api as sn

        kind = (
            sn.StopNCIISignalType.ImagePDQ
            if row.signal == "pdq"
            else sn.StopNCIISignalType.VideoMD5
        )
        api.api.submit_hash(kind, row.value.hex())  # type: ignore[attr-defined]
    elif exchange.api == "local_file" and row.kind == "share":
        from threatexchange.exchanges.fetch_state import SignalOpinion, SignalOpinionCategory

        signal_type = apis.SIGNAL_TYPES[0] if row.signal == "pdq" else apis.SIGNAL_TYPES[1]
        api.report_opinion(
            signal_type,
            row.value.hex(),
            SignalOpinion(True, SignalOpinionCategory.POSITIVE_CLASS, set()),
        )
    else:
        raise NotImplementedError


def _ncmec_feedback(api: object, exchange: Exchange, row: ExchangeOutbox, meta: dict) -> None:
    from threatexchange.exchanges.clients.ncmec import hash_api as nc

    client = api.get_client(apis.collab(exchange).environment)  # type: ignore[attr-defined]
    kind = nc.FingerprintType.pdq if row.signal == "pdq" else nc.FingerprintType.md5
    vote = nc.FeedbackType.upvote if row.verdict == "confirmed" else nc.FeedbackType.downvote
    client.submit_feedback(int(meta["esp_id"]), str(meta["entry_id"]), kind, vote)


def _stopncii_feedback(api: object, row: ExchangeOutbox) -> None:
    from threatexchange.exchanges.clients.stopncii import api as sn

    kind = sn.StopNCIISignalType.ImagePDQ if row.signal == "pdq" else sn.StopNCIISignalType.VideoMD5
    value = (
        sn.StopNCIICSPFeedbackValue.Blocked
        if row.verdict == "confirmed"
        else sn.StopNCIICSPFeedbackValue.NotBlocked
    )
    api.api.submit_feedback(kind, row.value.hex(), value)  # type: ignore[attr-defined]


def for_case(session: Session, case_id: int) -> list[dict[str, object]]:
    """What was owed to exchanges for a case and how it went, for the case view."""
    rows = session.execute(
        select(ExchangeOutbox, Exchange.name)
        .join(Exchange, Exchange.id == ExchangeOutbox.exchange_id)
        .where(ExchangeOutbox.case_id == case_id)
        .order_by(ExchangeOutbox.id)
    ).all()
    return [
        {
            "exchange": name,
            "kind": r.kind,
            "signal": r.signal,
            "hash": r.value.hex(),
            "verdict": r.verdict,
            "state": r.state,
            "attempts": r.attempts,
            "last_error": r.last_error,
            "sent_at": r.sent_at,
        }
        for r, name in rows
    ]
