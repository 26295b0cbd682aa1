"""Actions out: a verified Takedown webhook, applied to Synapse through its admin API.

Content ids are what the adapter registered: `mxc://server/id` for media, `$event` for the
event that posted it. Each item remembers the newest `action_id` applied; an older or
repeated one (a retry, a replay, a redrive) is acknowledged and does nothing."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from takedown_synapse.state import State
from takedown_synapse.synapse_admin import Mxc, NotFound, SynapseAdmin

log = logging.getLogger(__name__)

KNOWN = ("content.restricted", "content.removed", "content.restored", "account.suspended")


@dataclass(frozen=True)
class Outcome:
    applied: bool
    detail: str


class Applier:
    def __init__(self, state: State, admin: SynapseAdmin, server_name: str) -> None:
        self.state = state
        self.admin = admin
        self.server_name = server_name

    def apply(self, event: dict) -> Outcome:
        kind = event.get("type")
        data = event.get("data") or {}
        if kind not in KNOWN or not isinstance(data, dict):
            return Outcome(False, f"ignored: {kind!r} is not an action")
        key = _key(kind, data)
        action_id = data.get("action_id")
        if key is None or not isinstance(action_id, int):
            return Outcome(False, "ignored: no item or action_id")
        with self.state.item_lock(key):
            newest = self.state.last_action(key)
            if action_id <= newest:
                return Outcome(False, f"ignored: action {action_id} is not newer than {newest}")
            detail = self._act(kind, data)
            self.state.set_last_action(key, action_id)
        log.info("takedown %s %s (action %s): %s", kind, key, action_id, detail)
        return Outcome(True, detail)

    def _act(self, kind: str, data: dict) -> str:
        if kind == "account.suspended":
            return self._suspend(str(data["account_id"]))
        content_id = str(data["content_id"])
        mxc = Mxc.parse(content_id)
        if mxc is not None:
            return self._media(kind, mxc)
        if content_id.startswith("$"):
            return self._event(kind, content_id, str(data.get("reason") or ""))
        return f"nothing: {content_id!r} is neither media nor an event"

    def _media(self, kind: str, mxc: Mxc) -> str:
        if kind == "content.restricted":
            self.admin.quarantine(mxc)  # NotFound (not stored yet): Takedown tries again
            return "quarantined"
        if kind == "content.restored":
            try:
                self.admin.unquarantine(mxc)
            except NotFound:
                return "nothing: media gone"
            return "unquarantined"
        if mxc.server != self.server_name:
            self.admin.quarantine(mxc)  # remote media cannot be deleted, only kept out
            return "quarantined (remote media)"
        try:
            self.admin.delete_media(mxc)
        except NotFound:
            return "nothing: already deleted"
        return "deleted"

    def _event(self, kind: str, event_id: str, reason: str) -> str:
        if kind != "content.removed":
            # Restriction hides the event's media (its own item); a redaction is final, so
            # only a removal redacts, and a restoration has nothing to put back here.
            return "nothing for the event itself"
        try:
            event = self.admin.event(event_id)
        except NotFound:
            return "nothing: event unknown"
        if event.get("unsigned", {}).get("redacted_because"):
            return "nothing: already redacted"
        redact_id = self.admin.redact(event, reason[:500] or "removed by Takedown")
        return f"redaction {redact_id} started"

    def _suspend(self, user_id: str) -> str:
        if not user_id.startswith("@") or user_id.partition(":")[2] != self.server_name:
            return f"nothing: {user_id} is not a local user"
        try:
            self.admin.deactivate(user_id)
        except NotFound:
            return "nothing: user unknown"
        return "deactivated"


def _key(kind: str, data: dict) -> str | None:
    if kind == "account.suspended":
        account = data.get("account_id")
        return f"account:{account}" if isinstance(account, str) and account else None
    content = data.get("content_id")
    return f"content:{content}" if isinstance(content, str) and content else None
