"""Takedown for Matrix Synapse: an upload check, a report poller and a webhook receiver.

homeserver.yaml:

    modules:
      - module: takedown_synapse.TakedownModule
        config: {takedown_url: ..., api_key: ..., webhook_secret: ..., synapse_url: ...,
                 state_path: ...}
"""

from __future__ import annotations

from typing import Any

__all__ = ["TakedownModule"]


def __getattr__(name: str) -> Any:
    # Synapse is imported only when Synapse loads the module: the rest runs without it.
    if name == "TakedownModule":
        from takedown_synapse.module import TakedownModule

        return TakedownModule
    raise AttributeError(name)
