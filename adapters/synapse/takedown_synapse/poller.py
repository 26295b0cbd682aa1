"""Reports in: each user's report of an event with media, filed with Takedown once.

Every `poll_interval_s` the poller reads Synapse's event reports newer than the last one it
filed (newest first, page by page, until it reaches that one), files them oldest first, and
records each report's id in the state file as soon as it is filed, so a restart resumes
after it and never files a report twice. If Takedown is unreachable it stops there and
tries again on the next tick; a report Takedown refuses (4xx) is logged and passed over."""

from __future__ import annotations

import logging
import time

from takedown_synapse.config import AdapterConfig
from takedown_synapse.state import State
from takedown_synapse.synapse_admin import Mxc, NotFound, SynapseAdmin
from takedown_synapse.takedown_api import TakedownClient, TakedownRefused, media_type

log = logging.getLogger(__name__)

MEDIA_MSGTYPES = ("m.image", "m.video", "m.file", "m.audio")
MAX_REASON = 4000


def event_media(event: dict) -> Mxc | None:
    """The one file an event carries: `content.url` of an m.image/m.video/m.file/m.audio
    message or a sticker. Nothing else in the event (a thumbnail, a link in the text, the
    reporter's reason) ever names the media to act on."""
    content = event.get("content") or {}
    if event.get("type") == "m.sticker" or (
        event.get("type") == "m.room.message" and content.get("msgtype") in MEDIA_MSGTYPES
    ):
        return Mxc.parse(content.get("url"))
    return None


class Poller:
    def __init__(
        self, config: AdapterConfig, state: State, admin: SynapseAdmin, takedown: TakedownClient
    ) -> None:
        self.config = config
        self.state = state
        self.admin = admin
        self.takedown = takedown

    def poll_once(self) -> int:
        """File every new report; return how many were handled."""
        handled = 0
        for report in self._new_reports():
            try:
                self.file(report)
            except TakedownRefused as exc:
                log.warning("Takedown refused event report %s: %s", report["id"], exc)
            except NotFound as exc:
                log.warning("event report %s names what Synapse lacks: %s", report["id"], exc)
            self.state.set_last_report_id(int(report["id"]))
            handled += 1
        return handled

    def _new_reports(self) -> list[dict]:
        last = self.state.last_report_id
        found: list[dict] = []
        offset = 0
        while True:
            page = self.admin.event_reports(offset, self.config.report_page)
            reports = page.get("event_reports", [])
            newer = [r for r in reports if int(r["id"]) > last]
            found.extend(newer)
            if len(newer) < len(reports) or "next_token" not in page or not reports:
                break
            offset = int(page["next_token"])
        return sorted(found, key=lambda r: int(r["id"]))

    def file(self, report: dict) -> dict | None:
        event = self.admin.event(report["event_id"])
        mxc = event_media(event)
        if mxc is None:
            log.info("event report %s: event %s has no media", report["id"], report["event_id"])
            return None
        self._register(event, mxc)
        reason = str(report.get("reason") or "")[:MAX_REASON]
        minor = "yes" if self.config.minor_pattern.search(reason) else "unsure"
        statement = (
            f"Reported in Matrix by {report.get('user_id')} in room {event['room_id']}"
            f" (event {event['event_id']}, score {report.get('score')}): {reason}"
        )
        receipt = self.takedown.report(
            {
                "content": [event["event_id"]],
                "reporter_role": "platform_user",
                "minor_depicted": minor,
                "statement": statement,
            }
        )
        log.info(
            "event report %s filed %.0f ms after it was made: case %s, %s",
            report["id"],
            time.time() * 1000 - float(report.get("received_ts") or 0),
            receipt.get("case_number"),
            receipt.get("protection"),
        )
        return receipt

    def _register(self, event: dict, mxc: Mxc) -> None:
        """The media (by its uploader, as Synapse recorded it) and the event that posted it
        (by its sender, as a repost of the media): acting on one reaches the other."""
        try:
            info = self.admin.media(mxc)
        except NotFound:
            info = {}  # remote media not cached here: its uploader is unknown
        declared = (event.get("content") or {}).get("info")
        mime = info.get("media_type") or (
            declared.get("mimetype") if isinstance(declared, dict) else None
        )
        kind = media_type(mime if isinstance(mime, str) else None)
        uploader = info.get("user_id") or f"remote:{mxc.server}"
        self.takedown.register(
            {"id": str(mxc), "author_id": uploader, "url": str(mxc), "media_type": kind}
        )
        self.takedown.register(
            {
                "id": event["event_id"],
                "author_id": event["sender"],
                "media_type": kind,
                "repost_of": str(mxc),
            }
        )
