"""The adapter's parts that need no Synapse: settings, what media an event names, the
state file, the upload's media type."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from takedown_synapse.config import ConfigError, parse
from takedown_synapse.poller import event_media
from takedown_synapse.state import State
from takedown_synapse.upload_check import sniff

from takedown.demo.media import synthetic_image

GOOD = {
    "takedown_url": "http://127.0.0.1:1/",
    "api_key": "tdp_x",
    "webhook_secret": "whsec_QUJD",
    "synapse_url": "http://127.0.0.1:2",
    "state_path": "/tmp/state.json",
}


def test_settings_are_read_and_bad_ones_refused() -> None:
    config = parse(GOOD)
    assert config.takedown_url == "http://127.0.0.1:1"
    assert config.fail_open is False and config.timeout_s == 5.0
    assert config.minor_pattern.search("a CHILD is shown")
    assert not config.minor_pattern.search("spam")
    with pytest.raises(ConfigError, match="api_key"):
        parse({**GOOD, "api_key": ""})
    for bad in ({"timeout_s": 0}, {"fail_open": "yes"}, {"minor_reason_pattern": "("}):
        with pytest.raises(ConfigError):
            parse({**GOOD, **bad})


def test_only_the_events_own_file_is_its_media() -> None:
    image = {"type": "m.room.message", "content": {"msgtype": "m.image", "url": "mxc://s/a"}}
    assert str(event_media(image)) == "mxc://s/a"
    sticker = {"type": "m.sticker", "content": {"url": "mxc://s/b"}}
    assert str(event_media(sticker)) == "mxc://s/b"
    text = {"type": "m.room.message", "content": {"msgtype": "m.text", "url": "mxc://s/c"}}
    assert event_media(text) is None
    thumb_only = {
        "type": "m.room.message",
        "content": {"msgtype": "m.image", "info": {"thumbnail_url": "mxc://s/d"}},
    }
    assert event_media(thumb_only) is None
    for url in ("https://s/e", "mxc://s/a/b", "mxc:///x", 7, None):
        bad = {"type": "m.room.message", "content": {"msgtype": "m.image", "url": url}}
        assert event_media(bad) is None
    assert event_media({"type": "m.room.message"}) is None


def test_the_state_file_survives_a_restart_and_never_goes_back(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    state = State(path)
    state.set_last_report_id(5)
    state.set_last_report_id(3)
    state.set_last_action("content:mxc://s/a", 9)
    state.set_last_action("content:mxc://s/a", 4)
    state.set_bot_token("syt_secret")
    again = State(path)
    assert again.last_report_id == 5
    assert again.last_action("content:mxc://s/a") == 9
    assert again.last_action("content:mxc://s/other") == 0
    assert again.bot_token == "syt_secret"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600  # it holds an admin token


def test_an_uploads_type_comes_from_its_bytes() -> None:
    assert sniff(synthetic_image(1)) == "image/jpeg"
    assert sniff(b"\x89PNG\r\n\x1a\n....") == "image/png"
    assert sniff(b"\x00\x00\x00\x18ftypmp42") == "video/mp4"
    assert sniff(b"hello") is None
