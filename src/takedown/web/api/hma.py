"""HMA-compatible API (`/c` curation, `/h` hashing, `/m` matching), so HMA clients such as
ROOST's Coop can point at Takedown unchanged: at the root, or under `/hma` (HMA's own
`/status` is `/hma/status`: Takedown's `/status` is the reporters' status page).

Every route needs a Takedown API key (`Authorization: Bearer`) of a user whose role fits,
each role including the ones before it: `hasher` (`/h`), `matcher` (`/m`, and hashing, as a
lookup by file or URL hashes first), `curator` (`/c`, and both; the key to give Coop), and
`admin`."""

from __future__ import annotations

from typing import Annotated, Any, overload

from fastapi import APIRouter, Query, Request
from fastapi.responses import PlainTextResponse
from starlette.concurrency import run_in_threadpool

from takedown import exchanges, fingerprints, people
from takedown.config import Settings
from takedown.db import Database
from takedown.exchanges import hma
from takedown.legal import media as media_fetch
from takedown.web import hashing
from takedown.web.api.media import _json
from takedown.web.deps import BearerDep, DatabaseDep, MatcherDep, SettingsDep

router = APIRouter(tags=["hma"])
status_router = APIRouter(tags=["hma"])
CURATORS = ("curator", "admin")
MATCHERS = ("matcher", *CURATORS)
HASHERS = ("hasher", *MATCHERS)
NOTE_CHARS = 255
# Multipart uploads these routes take (up to max_upload_bytes, as /v1/content does).
UPLOAD_PATHS = ("/h/hash", "/m/lookup", "/hma/h/hash", "/hma/m/lookup")


def _caller(db: Database, key: str | None, roles: tuple[str, ...], what: str) -> str:
    with db.session() as session:
        user = people.require(people.authenticate(session, key), roles, what)
        return f"user:{user.username}"


def _body(data: Any) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise hma.HmaError("this endpoint expects a json object payload")
    return data


async def _json_body(request: Request) -> dict[str, Any]:
    raw = (await request.body()).decode("utf-8", "replace")
    return _body(_json(raw or "{}", "body"))


# -- curation: banks ------------------------------------------------------------------------


@router.get("/c/banks")
def banks_index(db: DatabaseDep, key: BearerDep) -> list[dict[str, object]]:
    """Every bank, as HMA's BankConfig: `name`, `matching_enabled_ratio` (0 or 1)."""
    _caller(db, key, CURATORS, "list banks")
    with db.session() as session:
        return hma.banks(session)


@router.post("/c/banks", status_code=201)
async def bank_create(request: Request, db: DatabaseDep, key: BearerDep) -> dict[str, object]:
    """Create a bank: `name` (UPPER_WITH_UNDERSCORE), `enabled_ratio` or `enabled`."""
    actor = await run_in_threadpool(_caller, db, key, CURATORS, "create banks")
    body = await _json_body(request)

    def work() -> dict[str, object]:
        enabled = _enabled(body, default=True)
        with db.session() as session:
            return hma.bank_config(hma.create_bank(session, body.get("name"), enabled, actor))

    return await run_in_threadpool(work)


@overload
def _enabled(body: dict[str, Any], default: bool) -> bool: ...
@overload
def _enabled(body: dict[str, Any], default: None) -> bool | None: ...
def _enabled(body: dict[str, Any], default: bool | None) -> bool | None:
    if body.get("enabled_ratio") is not None:
        return hma.ratio(body["enabled_ratio"])
    if body.get("enabled") is not None:
        value = body["enabled"]
        return value if isinstance(value, bool) else str(value).lower() in ("1", "true")
    return default


@router.get("/c/bank/{bank_name}")
def bank_show(bank_name: str, db: DatabaseDep, key: BearerDep) -> dict[str, object]:
    _caller(db, key, CURATORS, "see banks")
    with db.session() as session:
        return hma.bank_config(hma.bank(session, bank_name))


@router.put("/c/bank/{bank_name}")
async def bank_update(
    bank_name: str, request: Request, db: DatabaseDep, key: BearerDep
) -> dict[str, object]:
    """Rename (`name`) or switch (`enabled`, `enabled_ratio`) a bank."""
    actor = await run_in_threadpool(_caller, db, key, CURATORS, "change banks")
    body = await _json_body(request)

    def work() -> dict[str, object]:
        with db.session() as session:
            found = hma.update_bank(
                session, bank_name, body.get("name"), _enabled(body, None), actor
            )
            return hma.bank_config(found)

    return await run_in_threadpool(work)


@router.delete("/c/bank/{bank_name}")
def bank_delete(bank_name: str, db: DatabaseDep, key: BearerDep) -> dict[str, str]:
    """Disable the bank and its entries and free its name (the rows stay, as provenance)."""
    actor = _caller(db, key, CURATORS, "delete banks")
    with db.session() as session:
        hma.delete_bank(session, bank_name, actor)
    return {"message": "Done"}


@router.post("/c/bank/{bank_name}/signal")
async def bank_add_signals(
    bank_name: str, request: Request, db: DatabaseDep, key: BearerDep
) -> dict[str, object]:
    """Add hashes as one piece of content: `{"pdq": "...", "video_md5": "..."}`."""
    actor = await run_in_threadpool(_caller, db, key, CURATORS, "add to banks")
    body = await _json_body(request)

    def work() -> dict[str, object]:
        with db.session() as session:
            return hma.add_signals(session, bank_name, body, actor)

    return await run_in_threadpool(work)


@router.post("/c/bank/{bank_name}/content")
async def bank_add_content(
    bank_name: str,
    request: Request,
    db: DatabaseDep,
    settings: SettingsDep,
    key: BearerDep,
    url: str | None = None,
) -> dict[str, object]:
    """Hash media (`url`, fetched through the SSRF guard, or a multipart `photo`/`video`
    file) and add its hashes to the bank."""
    actor = await run_in_threadpool(_caller, db, key, CURATORS, "add to banks")
    if url:
        fp, note = await hashing.run(_fetch_and_hash, settings, url), None
    else:
        fp, note = await _hash_upload(request)

    def work() -> dict[str, object]:
        with db.session() as session:
            return hma.add_signals(session, bank_name, hma.hashes_of(fp), actor, note)

    return await run_in_threadpool(work)


@router.get("/c/bank/{bank_name}/content/{content_id}")
def bank_content(
    bank_name: str, content_id: int, db: DatabaseDep, key: BearerDep
) -> dict[str, object]:
    _caller(db, key, CURATORS, "see bank content")
    with db.session() as session:
        return hma.content(session, bank_name, content_id)


@router.put("/c/bank/{bank_name}/content/{content_id}")
async def bank_content_update(
    bank_name: str, content_id: int, request: Request, db: DatabaseDep, key: BearerDep
) -> dict[str, object]:
    """Disable (`disable_until_ts`: 0) or enable (1) one entry: a false positive's switch."""
    actor = await run_in_threadpool(_caller, db, key, CURATORS, "change bank content")
    body = await _json_body(request)

    def work() -> dict[str, object]:
        with db.session() as session:
            return hma.set_content_enabled(
                session, bank_name, content_id, body.get("disable_until_ts"), actor
            )

    return await run_in_threadpool(work)


@router.delete("/c/bank/{bank_name}/content/{content_id}")
def bank_content_delete(
    bank_name: str, content_id: int, db: DatabaseDep, key: BearerDep
) -> dict[str, int]:
    """HMA removes the content; Takedown disables it (the row stays, as provenance)."""
    actor = _caller(db, key, CURATORS, "change bank content")
    with db.session() as session:
        hma.set_content_enabled(session, bank_name, content_id, 0, actor)
    return {"deleted": 1}


# -- curation: exchanges ----------------------------------------------------------------------


@router.get("/c/exchanges/apis")
def exchange_apis(db: DatabaseDep, key: BearerDep) -> list[str]:
    _caller(db, key, CURATORS, "list exchange APIs")
    return hma.exchange_apis()


@router.get("/c/exchanges/api/{api_name}")
def exchange_api(api_name: str, db: DatabaseDep, key: BearerDep) -> dict[str, bool]:
    """Whether the API takes credentials and whether the server has them (from files)."""
    _caller(db, key, CURATORS, "see exchange APIs")
    return hma.exchange_api(api_name)


@router.post("/c/exchanges/api/{api_name}")
async def exchange_api_update(
    api_name: str, request: Request, db: DatabaseDep, key: BearerDep
) -> dict[str, bool]:
    """HMA sets credentials here; Takedown refuses them (they live in files on the server)."""
    await run_in_threadpool(_caller, db, key, CURATORS, "change exchange APIs")
    hma.refuse_credentials(await _json_body(request))
    return hma.exchange_api(api_name)


@router.get("/c/exchanges")
def exchange_list(db: DatabaseDep, key: BearerDep) -> list[str]:
    _caller(db, key, CURATORS, "list exchanges")
    with db.session() as session:
        return exchanges.names(session)


@router.post("/c/exchanges", status_code=201)
async def exchange_create(request: Request, db: DatabaseDep, key: BearerDep) -> dict[str, str]:
    """`bank` (its name, [A-Z0-9_]), `api`, `api_json` (the API's config, no credentials)."""
    actor = await run_in_threadpool(_caller, db, key, CURATORS, "add exchanges")
    body = await _json_body(request)

    def work() -> dict[str, str]:
        with db.session() as session:
            hma.create_exchange(session, body, actor)
        return {"message": "Created successfully"}

    return await run_in_threadpool(work)


@router.get("/c/exchange/{exchange_name}")
def exchange_show(exchange_name: str, db: DatabaseDep, key: BearerDep) -> dict[str, object]:
    _caller(db, key, CURATORS, "see exchanges")
    with db.session() as session:
        return hma.exchange_config(session, exchange_name)


@router.put("/c/exchange/{exchange_name}")
async def exchange_update(
    exchange_name: str, request: Request, db: DatabaseDep, key: BearerDep
) -> dict[str, object]:
    actor = await run_in_threadpool(_caller, db, key, CURATORS, "change exchanges")
    body = await _json_body(request)

    def work() -> dict[str, object]:
        enabled = body.get("enabled")
        with db.session() as session:
            exchanges.set_options(
                session,
                exchange_name,
                actor=actor,
                enabled=bool(enabled) if enabled is not None else None,
            )
            return hma.exchange_config(session, exchange_name)

    return await run_in_threadpool(work)


@router.delete("/c/exchange/{exchange_name}")
def exchange_delete(exchange_name: str, db: DatabaseDep, key: BearerDep) -> dict[str, str]:
    actor = _caller(db, key, CURATORS, "remove exchanges")
    with db.session() as session:
        if exchange_name in exchanges.names(session):
            exchanges.remove(session, exchange_name, actor=actor)
    return {"message": "success"}


@router.get("/c/exchange/{exchange_name}/status")
def exchange_status(exchange_name: str, db: DatabaseDep, key: BearerDep) -> dict[str, object]:
    """HMA's FetchStatus: checkpoint, running fetch, last fetch, up to date, items."""
    _caller(db, key, CURATORS, "see exchanges")
    with db.session() as session:
        return hma.exchange_status(session, exchange_name)


# -- hashing --------------------------------------------------------------------------------


def _fetch_and_hash(settings: Settings, url: str) -> fingerprints.Fingerprint:
    data = media_fetch.fetch(
        url, settings.max_upload_bytes, allow_private=settings.media_fetch_private_hosts
    )
    if data is None:
        raise hma.HmaError(
            "The URL could not be fetched (refused, unreachable, or too large).", field="url"
        )
    return fingerprints.hash_bytes(data)


async def _hash_upload(request: Request) -> tuple[fingerprints.Fingerprint, str | None]:
    """HMA's multipart upload: one file, under a field named for its content type."""
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise hma.HmaError("Missing multipart/form-data file upload")
    async with request.form() as form:
        files = [(k, v) for k, v in form.multi_items() if not isinstance(v, str)]
        note = form.get("note")
        if len(files) != 1:
            raise hma.HmaError("Exactly one file per request")
        field, upload = files[0]
        if field not in hma.CONTENT_TYPES:
            raise hma.HmaError(f"no such content_type: '{field}'", field="content_type")
        data = await upload.read()
    fp = await hashing.run(fingerprints.hash_bytes, data)
    text = note[:NOTE_CHARS] if isinstance(note, str) and note.strip() else None
    return fp, text


def _types(types: str | None) -> list[str] | None:
    return [t.strip() for t in types.split(",") if t.strip()] if types else None


@router.get("/h/hash")
async def hash_url(
    url: Annotated[str, Query(max_length=2000)],
    db: DatabaseDep,
    settings: SettingsDep,
    key: BearerDep,
    types: str | None = None,
) -> dict[str, str]:
    """Fetch the media at `url` (through the SSRF guard) and answer its hashes."""
    await run_in_threadpool(_caller, db, key, HASHERS, "hash media")
    return hma.hashes_of(await hashing.run(_fetch_and_hash, settings, url), _types(types))


@router.post("/h/hash")
async def hash_upload(request: Request, db: DatabaseDep, key: BearerDep) -> dict[str, str]:
    """Hash one uploaded file (multipart field `photo` or `video`)."""
    await run_in_threadpool(_caller, db, key, HASHERS, "hash media")
    fp, _ = await _hash_upload(request)
    return hma.hashes_of(fp, _types(request.query_params.get("types")))


# -- matching -------------------------------------------------------------------------------


@router.get("/m/raw_lookup")
def raw_lookup(
    signal: Annotated[str, Query(max_length=200)],
    signal_type: str,
    db: DatabaseDep,
    matcher: MatcherDep,
    key: BearerDep,
    banks: str | None = None,
    include_distance: bool = False,
) -> dict[str, list]:
    """Bank content ids in the index for a hash (with `include_distance`, and distances)."""
    _caller(db, key, MATCHERS, "look up hashes")
    only = hma.banks_param(banks)
    if only is not None:
        with db.session() as session:
            by_bank = hma.lookup(session, matcher, signal_type, signal, only)
        found = [(m["bank_content_id"], m["distance"]) for ms in by_bank.values() for m in ms]
    else:
        found = [(i, str(d)) for i, d in hma.raw_lookup(matcher, signal_type, signal)]
    if include_distance:
        return {"matches": [{"bank_content_id": i, "distance": d} for i, d in found]}
    return {"matches": [i for i, _ in found]}


@router.get("/m/lookup")
def lookup(
    db: DatabaseDep,
    settings: SettingsDep,
    matcher: MatcherDep,
    key: BearerDep,
    signal: Annotated[str | None, Query(max_length=200)] = None,
    signal_type: str | None = None,
    url: Annotated[str | None, Query(max_length=2000)] = None,
    types: str | None = None,
    banks: str | None = None,
) -> dict[str, Any]:
    """Matches by bank for a hash (`signal_type`, `signal`), or for the media at `url`
    (then keyed by signal type first)."""
    _caller(db, key, MATCHERS, "look up hashes")
    only = hma.banks_param(banks)
    if url:
        hashes = hma.hashes_of(_fetch_and_hash(settings, url), _types(types))
        with db.session() as session:
            found = {k: hma.lookup(session, matcher, k, v, only) for k, v in hashes.items()}
        return found.get(signal_type, {}) if signal_type else found
    if not signal or not signal_type:
        raise hma.HmaError("Either url or both signal and signal_type are required")
    with db.session() as session:
        return hma.lookup(session, matcher, signal_type, signal, only)


@router.post("/m/lookup")
async def lookup_upload(
    request: Request, db: DatabaseDep, matcher: MatcherDep, key: BearerDep
) -> dict[str, Any]:
    """Matches by signal type, then bank, for one uploaded file (`photo` or `video`)."""
    await run_in_threadpool(_caller, db, key, MATCHERS, "look up hashes")
    fp, _ = await _hash_upload(request)
    only = hma.banks_param(request.query_params.get("banks"))

    def work() -> dict[str, Any]:
        with db.session() as session:
            return {
                k: hma.lookup(session, matcher, k, v, only) for k, v in hma.hashes_of(fp).items()
            }

    return await run_in_threadpool(work)


@router.get("/m/index/status")
def index_status(
    db: DatabaseDep, matcher: MatcherDep, key: BearerDep, signal_type: str | None = None
) -> dict[str, object]:
    """Per signal type: `present`, `built_to` (the last follow of the database), `size`."""
    _caller(db, key, MATCHERS, "see the index")
    return hma.index_status(matcher, signal_type)


@status_router.get("/hma/status", response_class=PlainTextResponse)
def hma_status(request: Request) -> PlainTextResponse:
    """HMA's liveness and readiness: `I-AM-ALIVE`, or 503 `INDEX-NOT-LOADED`."""
    engine = getattr(request.app.state, "matcher", None)
    if engine is None or not engine.ready:
        return PlainTextResponse("INDEX-NOT-LOADED", status_code=503)
    return PlainTextResponse("I-AM-ALIVE")
