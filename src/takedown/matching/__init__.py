"""Banks of known hashes, the platform's media fingerprints, and the exact match index."""

from takedown.matching import bulk, lists, service
from takedown.matching.engine import MatchEngine, engine_of
from takedown.matching.errors import UnknownBank
from takedown.matching.index import ExactIndex, Matches, PdqIndex, warm_up
from takedown.matching.models import Bank, BankEntry, MediaHash
from takedown.matching.query import MediaQuery, from_fingerprint, from_hashes
from takedown.matching.service import (
    CONFIRMED_BANK,
    BankMatch,
    CopyMatch,
    EntryIn,
    add_entries,
    bank_content,
    copies_of,
    copy_matches_of,
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
    "Bank",
    "BankEntry",
    "BankMatch",
    "CopyMatch",
    "EntryIn",
    "ExactIndex",
    "MatchEngine",
    "Matches",
    "MediaHash",
    "MediaQuery",
    "PdqIndex",
    "UnknownBank",
    "add_entries",
    "bank_content",
    "bulk",
    "copies_of",
    "copy_matches_of",
    "create_bank",
    "engine_of",
    "export_entries",
    "find_copies",
    "from_fingerprint",
    "from_hashes",
    "get_bank",
    "index_media",
    "list_banks",
    "lists",
    "match_banks",
    "service",
    "set_bank_enabled",
    "set_entry_enabled",
    "stored_query",
    "unbank_content",
    "warm_up",
]
