"""Help beside us is configured per deployment (`help_resources`), with the defaults a
child in the US needs; the receipt shows it with the case's own deadline."""

from __future__ import annotations

import re

import httpx

from takedown.config import HelpResource, Settings
from takedown.web.live import LiveServer
from tests.e2e.helpers import uid


def test_the_defaults_name_the_four_services():
    names = [r.name for r in Settings.model_fields["help_resources"].default_factory()]  # type: ignore[misc]
    assert names == [
        "NCMEC CyberTipline",
        "Take It Down",
        "StopNCII",
        "988 Suicide & Crisis Lifeline",
    ]


def test_a_deployment_shows_its_own_help(settings, db):
    from takedown.web.app import create_app

    line = HelpResource(name="Childline", url="https://www.childline.org.uk/", description="")
    local = settings.model_copy(update={"help_resources": [line]})
    form = {
        "where_seen": "a chat at school",
        "reporter_role": "victim",
        "minor_depicted": "yes",
    }
    with (
        LiveServer(create_app(local, db=db, run_worker=False)) as server,
        httpx.Client(base_url=server.url, headers={"x-forwarded-for": uid("kid")}) as client,
    ):
        sent = client.post("/report", data=form)
        page = client.get(sent.headers["location"])

    assert page.status_code == 200
    assert 'href="https://www.childline.org.uk/"' in page.text
    assert "NCMEC CyberTipline" not in page.text
    assert re.search(r'id="deadline">[^<]*<time datetime="\d{4}-', page.text)
