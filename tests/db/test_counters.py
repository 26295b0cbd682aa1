"""Rate counters: one statement each, counted even when the caller rolls back; a take
never grants past its cap, however many take at once."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from uuid import uuid4

import pytest
from sqlalchemy import text

from takedown.db import counters

HOUR = timedelta(hours=1)


def test_a_take_grants_what_is_left_of_the_cap(db):
    key = f"hide|{uuid4().hex}"
    with db.session() as session:
        assert counters.take(session, key, HOUR, 3, 5) == 3
        assert counters.take(session, key, HOUR, 3, 5) == 2
        assert counters.take(session, key, HOUR, 3, 5) == 0
        assert counters.hit(session, key, HOUR, 0) == 5  # what was not granted was given back


def test_takers_at_once_never_get_more_than_the_cap(db):
    key = f"hide|{uuid4().hex}"

    def take(_: int) -> int:
        with db.session() as session:
            return counters.take(session, key, HOUR, 2, 15)

    with ThreadPoolExecutor(16) as pool:
        granted = list(pool.map(take, range(40)))
    assert sum(granted) <= 15
    assert sum(granted) >= 2  # the first taker at least got its share
    with db.session() as session:
        assert counters.hit(session, key, HOUR, 0) == sum(granted)


def test_a_hit_counts_even_when_the_caller_rolls_back(db):
    key = f"reports|{uuid4().hex}"
    with pytest.raises(RuntimeError), db.session() as session:
        assert counters.hit(session, key, HOUR) == 1
        raise RuntimeError("the caller's work failed")
    with db.session() as session:
        assert counters.hit(session, key, HOUR) == 2
        rows = session.scalar(text("SELECT count(*) FROM rate_counters WHERE key = :k"), {"k": key})
        assert rows == 1
