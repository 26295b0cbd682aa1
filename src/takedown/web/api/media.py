"""Reading media from a request: a multipart file, or hashes the platform computed itself."""

from __future__ import annotations

import json
from typing import Any, TypeVar

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from takedown import platforms
from takedown.db import Database
from takedown.fingerprints import hash_bytes
from takedown.matching import MediaQuery, from_fingerprint, from_hashes
from takedown.web import hashing
from takedown.web.limits import json_problem

HEX64 = r"^[0-9a-fA-F]{64}$"
M = TypeVar("M", bound=BaseModel)


class Hashes(BaseModel):
    model_config = ConfigDict(extra="forbid")

    md5: str | None = Field(None, pattern=r"^[0-9a-fA-F]{32}$")
    sha256: str | None = Field(None, pattern=HEX64)
    pdq: list[str] = Field(
        default_factory=list,
        max_length=10_000,
        description="one PDQ for an image, one per frame for a video",
    )

    def query(self) -> MediaQuery:
        for value in self.pdq:
            if len(value) != 64 or any(c not in "0123456789abcdefABCDEF" for c in value):
                raise RequestValidationError(
                    [
                        {
                            "loc": ("body", "hashes", "pdq"),
                            "msg": "PDQ hashes are 64 hex digits",
                            "type": "value_error",
                        }
                    ]
                )
        return from_hashes(self.md5, self.sha256, self.pdq)


async def read_request(request: Request) -> tuple[dict[str, Any], bytes | None, str | None]:
    """(metadata, file bytes or None, filename) from JSON or multipart/form-data."""
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("multipart/form-data"):
        async with request.form() as form:  # closes the spooled upload files
            upload = form.get("media")
            raw = form.get("metadata") or "{}"
            metadata = _json(raw if isinstance(raw, str) else "{}", "metadata")
            if upload is None or isinstance(upload, str):
                return metadata, None, None
            return metadata, await upload.read(), upload.filename
    return _json((await request.body()).decode("utf-8", "replace") or "{}", "body"), None, None


def _json(text: str, where: str) -> dict[str, Any]:
    # A JSON body was checked by BodyLimit already; multipart `metadata` is checked here.
    problem = json_problem(text.encode("utf-8", "replace"))
    if problem is not None:
        raise RequestValidationError([{"loc": (where,), "msg": problem, "type": "json_invalid"}])
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise RequestValidationError(
            [{"loc": (where,), "msg": f"invalid JSON: {exc.msg}", "type": "json_invalid"}]
        ) from exc
    except (RecursionError, ValueError) as exc:  # a second net behind json_problem
        raise RequestValidationError(
            [{"loc": (where,), "msg": "JSON too deep or too large", "type": "json_invalid"}]
        ) from exc
    if not isinstance(value, dict):
        raise RequestValidationError(
            [{"loc": (where,), "msg": "expected a JSON object", "type": "dict_type"}]
        )
    return value


def parse(model: type[M], data: dict[str, Any]) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise RequestValidationError(
            [{**e, "loc": ("body", *e["loc"])} for e in exc.errors()]
        ) from exc


async def query_from(
    media: bytes | None, filename: str | None, hashes: Hashes | None
) -> MediaQuery | None:
    """Hash an uploaded file (safely, off the event loop), or take the given hashes."""
    if media is not None:
        fingerprint = await hashing.run(hash_bytes, media, filename, dihedral=True)
        return from_fingerprint(fingerprint)
    if hashes is not None:
        return hashes.query()
    return None


def authenticate_platform(db: Database, key: str | None, scope: str = "content") -> None:
    """Refuse an unknown caller before reading or hashing any upload."""
    with db.session() as session:
        platforms.authenticate(session, key, scope)
