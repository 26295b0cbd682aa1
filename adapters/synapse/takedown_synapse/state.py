"""What the adapter must remember across restarts, in one JSON file written atomically:
the last event report filed (so a restart never files one twice), per item the newest
Takedown action applied (so a late or replayed webhook never undoes a newer one), and its
admin account's access token (so the file is private to Synapse's user, mode 0600)."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path


class State:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._item_locks: dict[str, threading.Lock] = {}
        self._data: dict[str, object] = {"last_report_id": 0, "actions": {}}
        if path.exists():
            self._data.update(json.loads(path.read_text()))

    @property
    def last_report_id(self) -> int:
        with self._lock:
            return int(self._data["last_report_id"])  # type: ignore[arg-type]

    def set_last_report_id(self, report_id: int) -> None:
        with self._lock:
            self._data["last_report_id"] = max(report_id, int(self._data["last_report_id"]))  # type: ignore[arg-type]
            self._save()

    @property
    def bot_token(self) -> str | None:
        with self._lock:
            token = self._data.get("bot_token")
            return token if isinstance(token, str) else None

    def set_bot_token(self, token: str) -> None:
        with self._lock:
            self._data["bot_token"] = token
            self._save()

    def last_action(self, key: str) -> int:
        with self._lock:
            return int(self._actions().get(key, 0))

    def set_last_action(self, key: str, action_id: int) -> None:
        with self._lock:
            actions = self._actions()
            actions[key] = max(action_id, int(actions.get(key, 0)))
            self._save()

    def item_lock(self, key: str) -> threading.Lock:
        """One webhook at a time per item: the order check and the change go together."""
        with self._lock:
            return self._item_locks.setdefault(key, threading.Lock())

    def _actions(self) -> dict[str, int]:
        return self._data["actions"]  # type: ignore[return-value]

    def _save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temp = self.path.with_suffix(".tmp")
        # It holds the adapter's admin token: readable by Synapse's user only.
        descriptor = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as out:
            json.dump(self._data, out)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, self.path)
