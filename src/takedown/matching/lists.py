"""Hash lists as NCMEC, StopNCII and HMA users exchange them: CSV, or plain text."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from pathlib import Path

from takedown.matching.errors import BadHashList
from takedown.matching.service import EntryIn

SIZES = {"pdq": 32, "md5": 16, "sha256": 32}
CSV_COLUMNS = ("signal", "hash", "entry_id", "classification", "note")


def read(path: Path, fmt: str, signal: str | None) -> Iterator[EntryIn]:
    """Entries of a file; a bad line stops the import and names its line number."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = _csv_rows(handle, signal) if fmt == "csv" else _text_rows(handle, signal)
        for number, (kind, value, rest) in rows:
            yield EntryIn(kind, _value(kind, value, number), **rest)


def _text_rows(handle: Iterable[str], signal: str | None) -> Iterator[tuple[int, tuple]]:
    for number, line in enumerate(handle, start=1):
        text = line.split("#", 1)[0].strip()
        if text:
            yield number, (signal or _guess(text, number), text, {})


def _csv_rows(handle: io.TextIOBase, signal: str | None) -> Iterator[tuple[int, tuple]]:
    reader = csv.DictReader(handle)
    if not reader.fieldnames or "hash" not in reader.fieldnames:
        raise BadHashList("A CSV hash list needs a header with a `hash` column.", field="file")
    for number, row in enumerate(reader, start=2):
        kind = (row.get("signal") or signal or _guess(row["hash"] or "", number)).strip()
        rest = {k: (row.get(k) or None) for k in ("entry_id", "classification", "note")}
        yield number, (kind, (row["hash"] or "").strip(), rest)


def _guess(value: str, number: int) -> str:
    if len(value) == 32:
        return "md5"
    if len(value) == 64:
        return "pdq"  # lists of 64 hex digits are PDQ unless --signal sha256 says otherwise
    raise BadHashList(f"line {number}: {value[:80]!r} is not a PDQ or MD5 hash", field="file")


def _value(kind: str, value: str, number: int) -> bytes:
    if kind not in SIZES:
        raise BadHashList(f"line {number}: unknown signal {kind!r}", field="file")
    try:
        raw = bytes.fromhex(value)
    except ValueError:
        raise BadHashList(
            f"line {number}: {value[:80]!r} is not hexadecimal", field="file"
        ) from None
    if len(raw) != SIZES[kind]:
        raise BadHashList(
            f"line {number}: a {kind} hash has {SIZES[kind] * 2} hex digits", field="file"
        )
    return raw


def write(entries: Iterable, handle: io.TextIOBase, fmt: str) -> int:
    count = 0
    if fmt == "csv":
        writer = csv.writer(handle)
        writer.writerow(CSV_COLUMNS)
        for e in entries:
            writer.writerow(
                [e.signal, e.value.hex(), e.entry_id or "", e.classification or "", e.note or ""]
            )
            count += 1
        return count
    for e in entries:
        handle.write(e.value.hex() + "\n")
        count += 1
    return count
