"""Domain events: legal hears what the rooms below it publish, and a process that forgot to
wire its subscribers is refused rather than silently skipping a legal duty."""

from __future__ import annotations

import subprocess
import sys

from takedown import events, legal
from takedown.cases import CaseConfirmed
from takedown.enforcement import ContentActioned
from takedown.intake import TakeItDownRequested
from takedown.wiring import wire


def test_wiring_subscribes_legal_to_each_event_once() -> None:
    wire()
    wire()  # idempotent: a second app in one process adds nothing
    assert events._subscribers[ContentActioned] == [legal.on_content_actioned]
    assert events._subscribers[CaseConfirmed] == [legal.on_case_confirmed]
    assert events._subscribers[TakeItDownRequested] == [legal.on_take_it_down]


def test_an_unwired_process_cannot_publish() -> None:
    code = (
        "from takedown import events\n"
        "from takedown.cases import CaseConfirmed\n"
        "try:\n"
        "    events.publish(None, CaseConfirmed(None, 'csam'))\n"
        "except events.NotWired as exc:\n"
        "    print('refused:', exc)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    assert done.stdout.startswith("refused: CaseConfirmed published before"), done.stderr
