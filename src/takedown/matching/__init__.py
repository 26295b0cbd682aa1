"""Banks of known hashes, the platform's media fingerprints, and the exact match index."""

from takedown.matching.engine import MatchEngine
from takedown.matching.index import ExactIndex, Matches, PdqIndex, warm_up
from takedown.matching.query import MediaQuery, from_fingerprint, from_hashes
from takedown.matching.service import (
    CONFIRMED_BANK,
    BankMatch,
    CopyMatch,
    EntryIn,
    add_entries,
    bank_content,
    copies_of,
    create_bank,
    export_entries,
    find_copies,
    get_bank,
    index_media,
    list_banks,
    match_banks,
    set_bank_enabled,
    set_entry_enabled,
    stored_query,
    unbank_content,
)

__all__ = [
    "CONFIRMED_BANK",
    "BankMatch",
    "CopyMatch",
    "EntryIn",
    "ExactIndex",
    "MatchEngine",
    "Matches",
    "MediaQuery",
    "PdqIndex",
    "add_entries",
    "bank_content",
    "copies_of",
    "create_bank",
    "export_entries",
    "find_copies",
    "from_fingerprint",
    "from_hashes",
    "get_bank",
    "index_media",
    "list_banks",
    "match_banks",
    "set_bank_enabled",
    "set_entry_enabled",
    "stored_query",
    "unbank_content",
    "warm_up",
]
