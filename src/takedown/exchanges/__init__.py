"""Hash exchanges (threatexchange's NCMEC, StopNCII, TCAP and local-file APIs) feeding banks,
with feedback and sharing back through a durable outbox."""

from takedown.exchanges import hma, hygiene
from takedown.exchanges.outbox import for_case, on_decided
from takedown.exchanges.service import (
    FetchResult,
    Status,
    add,
    check_name,
    fetch,
    get,
    names,
    remove,
    set_options,
    status,
    statuses,
)

__all__ = [
    "FetchResult",
    "Status",
    "add",
    "check_name",
    "fetch",
    "for_case",
    "get",
    "hma",
    "hygiene",
    "names",
    "on_decided",
    "remove",
    "set_options",
    "status",
    "statuses",
]
