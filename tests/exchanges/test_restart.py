"""A fetch whose process is killed mid-way (SIGKILL, no clean-up) resumes from the last page
it committed, in a new process, and loses nothing."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys

from tests.e2e.helpers import uid
from tests.support import wait_for

from takedown import exchanges
from takedown.exchanges.models import Exchange


def test_a_killed_fetch_resumes_from_its_checkpoint(db, settings, fake_stopncii, stopncii_creds):
    name = uid("KILL").upper().replace("-", "_")
    with db.session() as session:
        exchanges.add(
            session, name, "stop_ncii", {}, actor="test", base_url=fake_stopncii.url + "/v1",
            credentials_file=stopncii_creds,
        )  # fmt: skip
    values = [secrets.token_hex(32) for _ in range(10)]
    for n, value in enumerate(values):
        fake_stopncii.put(value, 1000 + n)
    fake_stopncii.delay_s = 0.4  # 2 hashes a page: the fetch takes a few seconds
    env = {**os.environ, "TAKEDOWN_DATABASE_URL": settings.database_url}
    proc = subprocess.Popen(
        [sys.executable, "-m", "takedown.cli", "exchange", "fetch", name, "--json"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(lambda: _row(db, name).fetched_items >= 4, timeout=120, what="two pages")
    finally:
        proc.kill()  # SIGKILL: no exception handler, no clean-up runs
        proc.wait(timeout=30)
    row = _row(db, name)
    assert 4 <= row.fetched_items < 10 and not row.up_to_date
    checkpoint = row.checkpoint["update_time"]
    assert checkpoint >= 1001

    fake_stopncii.delay_s = 0.0
    before = len(fake_stopncii.calls)
    result = exchanges.fetch(db, name)  # the lock died with the killed process
    assert not result.skipped and result.up_to_date
    first = fake_stopncii.calls[before]
    assert first.query["startTimestamp"] == [str(checkpoint)]  # not from the beginning
    with db.session() as session:
        status = exchanges.status(session, name)
    assert status.entries == 10 and status.last_fetch_succeeded
    assert status.running_fetch_start_ts is None
    assert json.dumps(status.to_dict())  # the status is plain JSON


def _row(db, name) -> Exchange:
    with db.session() as session:
        return session.query(Exchange).filter_by(name=name).one()
