"""The HMA-compatible API, over real HTTP: the requests HMA's API documents (and ROOST's Coop
sends, in the order its HmaService sends them), the response shapes HMA's schemas give,
Takedown's API keys with roles, and the attacker's requests beside the client's."""

from __future__ import annotations

import secrets
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from threading import Thread

import httpx
import pytest
from tests.matching.helpers import image
from tests.support import LiveServer, wait_for

from takedown import matching
from takedown.demo.media import image_variant
from takedown.fingerprints import hash_bytes
from takedown.people import create_user

ROLES = ("curator", "hasher", "matcher", "reviewer")


@pytest.fixture
def keys(db) -> dict[str, dict[str, str]]:
    made = {}
    with db.session() as session:
        for role in ROLES:
            key = create_user(session, f"{role}-{uuid.uuid4().hex[:8]}", role).api_key
            made[role] = {"authorization": f"Bearer {key}"}
    return made


def _bank_name() -> str:
    return f"COOP_{uuid.uuid4().hex[:8].upper()}_BANK"


def _flip(pdq: str, bits: int) -> str:
    value = int(pdq, 16) ^ ((1 << bits) - 1)
    return f"{value:064x}"


def test_roles_guard_every_prefix(client, keys):
    assert client.get("/c/banks").status_code == 401
    assert client.get("/c/banks", headers=keys["reviewer"]).json()["error"]["code"] == "forbidden"
    # Each role includes the ones before it: hasher < matcher < curator.
    assert client.get("/m/index/status", headers=keys["hasher"]).status_code == 403
    assert client.get("/c/banks", headers=keys["matcher"]).status_code == 403
    assert client.post("/h/hash", headers=keys["reviewer"]).status_code == 403
    assert client.get("/m/index/status", headers=keys["matcher"]).status_code == 200
    assert client.get("/m/index/status", headers=keys["curator"]).status_code == 200
    assert client.get("/hma/status").text == "I-AM-ALIVE"  # HMA's health check: open
    assert client.get("/hma/c/banks", headers=keys["curator"]).status_code == 200  # same API


def test_bank_lifecycle_with_hma_shapes_and_rules(client, keys, db):
    curator = keys["curator"]
    name = _bank_name()
    # Coop's createBank: enabled_ratio as a string.
    made = client.post("/c/banks", json={"name": name, "enabled_ratio": "1"}, headers=curator)
    assert made.status_code == 201 and made.json() == {"name": name, "matching_enabled_ratio": 1.0}
    assert client.post("/c/banks", json={"name": name}, headers=curator).status_code == 403
    with db.session() as session:
        assert matching.get_bank(session, name).action == "review"  # holds, never blocks alone
    for bad in ("lower_case", "1STARTS_WITH_DIGIT", "HAS-DASH", "", "X" * 101, 7):
        refused = client.post("/c/banks", json={"name": bad}, headers=curator)
        assert refused.status_code == 400 and refused.json()["error"]["code"] == "bad_bank_name"
    assert {"name": name, "matching_enabled_ratio": 1.0} in client.get(
        "/c/banks", headers=curator
    ).json()
    off = client.put(f"/c/bank/{name}", json={"enabled_ratio": 0}, headers=curator)
    assert off.json() == {"name": name, "matching_enabled_ratio": 0.0}
    half = client.put(f"/c/bank/{name}", json={"enabled_ratio": 0.5}, headers=curator)
    assert half.status_code == 400 and half.json()["error"]["code"] == "not_supported"
    renamed = name + "_2"
    moved = client.put(f"/c/bank/{name}", json={"name": renamed, "enabled": True}, headers=curator)
    assert moved.json() == {"name": renamed, "matching_enabled_ratio": 1.0}
    assert client.get(f"/c/bank/{name}", headers=curator).status_code == 404
    assert client.delete(f"/c/bank/{renamed}", headers=curator).json() == {"message": "Done"}
    assert client.get(f"/c/bank/{renamed}", headers=curator).status_code == 404
    assert client.delete(f"/c/bank/{renamed}", headers=curator).json() == {"message": "Done"}
    assert renamed not in [b["name"] for b in client.get("/c/banks", headers=curator).json()]
    again = client.post("/c/banks", json={"name": renamed}, headers=curator)
    assert again.status_code == 201  # the name is free again
    with db.session() as session:
        matching.service.confirmed_bank(session)
    confirmed = client.delete(f"/c/bank/{matching.CONFIRMED_BANK}", headers=curator)
    assert confirmed.status_code == 400  # Takedown's own bank is never deleted here


def test_signals_lookup_and_raw_lookup(client, keys):
    curator, matcher = keys["curator"], keys["matcher"]
    name = _bank_name()
    client.post("/c/banks", json={"name": name}, headers=curator)
    pdq, md5 = secrets.token_hex(32), secrets.token_hex(16)
    added = client.post(
        f"/c/bank/{name}/signal", json={"pdq": pdq, "video_md5": md5}, headers=curator
    ).json()
    assert set(added) == {"id", "signals"} and isinstance(added["id"], int)
    assert added["signals"] == {"pdq": pdq, "video_md5": md5}

    near = _flip(pdq, 6)
    found = wait_for(
        lambda: client.get(
            "/m/lookup", params={"signal_type": "pdq", "signal": near}, headers=matcher
        ).json(),
        what="the new signal in the index",
    )
    assert found == {name: [{"bank_content_id": added["id"], "distance": "6"}]}
    exact = client.get(
        "/m/lookup", params={"signal_type": "video_md5", "signal": md5}, headers=matcher
    ).json()
    assert list(exact) == [name] and exact[name][0]["distance"] == "0"
    raw = client.get(
        "/m/raw_lookup", params={"signal_type": "pdq", "signal": near}, headers=matcher
    ).json()
    assert added["id"] in raw["matches"] and all(isinstance(i, int) for i in raw["matches"])
    with_distance = client.get(
        "/m/raw_lookup",
        params={"signal_type": "pdq", "signal": near, "include_distance": "true", "banks": name},
        headers=matcher,
    ).json()
    assert with_distance == {"matches": [{"bank_content_id": added["id"], "distance": "6"}]}
    far = client.get(
        "/m/lookup", params={"signal_type": "pdq", "signal": _flip(pdq, 40)}, headers=matcher
    )
    assert far.json() == {}
    other = client.get(
        "/m/lookup",
        params={"signal_type": "pdq", "signal": near, "banks": "NO_SUCH_BANK"},
        headers=matcher,
    )
    assert other.json() == {}

    # Disabled bank: lookup stops matching (raw_lookup, as HMA's, does not check).
    client.put(f"/c/bank/{name}", json={"enabled": False}, headers=curator)
    params = {"signal_type": "pdq", "signal": near}
    wait_for(
        lambda: client.get("/m/lookup", params=params, headers=matcher).json() == {},
        what="the disabled bank to stop matching",
    )
    status = client.get("/m/index/status", headers=matcher).json()
    assert set(status) == {"pdq", "video_md5"}
    assert set(status["pdq"]) == {"built_to", "present", "size"} and status["pdq"]["present"]


@pytest.mark.parametrize(
    "body",
    [
        {"pdq": "zz" * 32},
        {"pdq": "ab" * 31},
        {"tmk": "ab" * 32},
        {},
        ["pdq"],
    ],
)
def test_bad_signals_are_400_not_500(client, keys, body):
    name = _bank_name()
    client.post("/c/banks", json={"name": name}, headers=keys["curator"])
    refused = client.post(f"/c/bank/{name}/signal", json=body, headers=keys["curator"])
    assert refused.status_code in (400, 422), refused.text  # 422: not a JSON object at all
    assert refused.json()["error"]["code"] in ("bad_signal", "bad_request", "invalid_input")
    lookup = client.get(
        "/m/lookup", params={"signal_type": "pdq", "signal": "x"}, headers=keys["matcher"]
    )
    assert lookup.status_code == 400


def test_hash_upload_content_and_lookup_as_coop_sends_them(client, keys):
    curator, hasher = keys["curator"], keys["hasher"]
    both = {"authorization": keys["matcher"]["authorization"]}
    picture = image(701)
    expected = hash_bytes(picture).pdq
    hashed = client.post(
        "/h/hash", files={"photo": ("a.jpg", picture, "image/jpeg")}, headers=hasher
    )
    assert hashed.status_code == 200 and hashed.json() == {"pdq": expected}
    two = client.post(
        "/h/hash",
        files=[("photo", ("a.jpg", picture, "image/jpeg")), ("photo", ("b.jpg", picture, "x"))],
        headers=hasher,
    )
    assert two.status_code == 400
    wrong_field = client.post("/h/hash", files={"media": ("a.jpg", picture)}, headers=hasher)
    assert wrong_field.status_code == 400

    # Coop's addContentToBank: multipart, the field named for the content type.
    name = _bank_name()
    client.post("/c/banks", json={"name": name, "enabled_ratio": "1"}, headers=curator)
    added = client.post(
        f"/c/bank/{name}/content",
        files={"photo": ("a.jpg", picture, "image/jpeg")},
        data={"content_id": "coop-1", "note": "n" * 400},
        headers=curator,
    ).json()
    assert added["signals"] == {"pdq": expected}
    # Coop's checkImageMatch: GET /m/lookup with signal_type and signal.
    recoded = image_variant(picture, mirror=False, crop=0.005, quality=70, scale=0.8)
    copy_pdq = hash_bytes(recoded).pdq  # HMA looks up the hash as given: no mirror here
    found = wait_for(
        lambda: client.get(
            "/m/lookup", params={"signal_type": "pdq", "signal": copy_pdq}, headers=both
        ).json(),
        what="the banked content in the index",
    )
    assert found[name][0]["bank_content_id"] == added["id"]
    uploaded = client.post(
        "/m/lookup", files={"photo": ("c.jpg", recoded, "image/jpeg")}, headers=both
    ).json()
    assert uploaded["pdq"][name][0]["bank_content_id"] == added["id"]
    assert (
        client.post(
            "/m/lookup", files={"photo": ("c.jpg", picture, "image/jpeg")}, headers=hasher
        ).status_code
        == 403
    )


def test_exchanges_as_coop_configures_them(client, keys):
    curator = keys["curator"]
    apis = client.get("/c/exchanges/apis", headers=curator).json()
    assert {"ncmec", "stop_ncii", "tat", "local_file"} <= set(apis)
    info = client.get("/c/exchanges/api/ncmec", headers=curator).json()
    assert set(info) == {"supports_authentification", "has_set_authentification"}
    assert info["supports_authentification"] is True
    local = client.get("/c/exchanges/api/local_file", headers=curator).json()
    assert local["supports_authentification"] is False

    name = f"COOP_{uuid.uuid4().hex[:8].upper()}_NCMEC"
    body = {"bank": name, "api": "ncmec", "api_json": {"environment": NCMEC_ENV}}
    made = client.post("/c/exchanges", json=body, headers=curator)
    assert made.status_code == 201 and made.json() == {"message": "Created successfully"}
    assert name in client.get("/c/exchanges", headers=curator).json()
    shown = client.get(f"/c/exchange/{name}", headers=curator).json()
    assert shown["name"] == name and shown["api"] == "ncmec" and shown["enabled"] is True
    assert shown["environment"] == NCMEC_ENV
    assert {"name": name, "matching_enabled_ratio": 1.0} in client.get(
        "/c/banks", headers=curator
    ).json()  # the exchange's bank, as HMA makes it
    # HMA fetches a new exchange at once: here it fails (no NCMEC credentials on this server).
    status = wait_for(
        lambda: (
            (r := client.get(f"/c/exchange/{name}/status", headers=curator).json())[
                "last_fetch_complete_ts"
            ]
            and r
        ),
        timeout=60,
        what="the first fetch",
    )
    assert status["last_fetch_succeeded"] is False and status["success"] is False
    assert status["fetched_items"] == 0 and status["up_to_date"] is False
    assert {"last_fetch_succeeded", "running_fetch_start_ts", "last_fetch_complete_ts"} <= set(
        status
    )
    paused = client.put(f"/c/exchange/{name}", json={"enabled": False}, headers=curator)
    assert paused.json()["enabled"] is False
    assert client.delete(f"/c/exchange/{name}", headers=curator).json() == {"message": "success"}
    assert client.get(f"/c/exchange/{name}", headers=curator).status_code == 404


NCMEC_ENV = "https://exttest.cybertip.org/hashsharing"


@pytest.mark.parametrize(
    "body",
    [
        # A curator must not point an exchange (and its credentials) at a host of choice.
        {"api": "ncmec", "api_json": {"environment": NCMEC_ENV, "base_url": "http://10.0.0.1"}},
        {"api": "stop_ncii", "api_json": {}, "credential_json": {"fetch_function_key": "k"}},
        {"api": "ncmec", "api_json": {"environment": "http://attacker.example/hashsharing"}},
        {"api": "local_file", "api_json": {"filename": "/etc/passwd", "credentials_file": "/x"}},
        {"api": "local_file", "api_json": {"filename": "/etc/passwd"}},  # a server file: no
        {"api": "no_such_api", "api_json": {}},
        {"api": "ncmec", "api_json": "not an object"},
    ],
)
def test_attacker_exchange_configs_are_refused(client, keys, body):
    name = f"EVIL_{uuid.uuid4().hex[:8].upper()}"
    refused = client.post("/c/exchanges", json={"bank": name, **body}, headers=keys["curator"])
    assert 400 <= refused.status_code < 500, refused.text
    assert name not in client.get("/c/exchanges", headers=keys["curator"]).json()
    creds = client.post(
        "/c/exchanges/api/ncmec",
        json={"credential_json": {"user": "u", "password": "p"}},
        headers=keys["curator"],
    )
    assert creds.status_code == 400 and creds.json()["error"]["code"] == "not_supported"


class _Media:
    """A loopback server that counts requests (the SSRF guard must send it none)."""

    def __init__(self, body: bytes) -> None:
        self.hits = 0
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                owner.hits += 1
                self.send_response(200)
                self.send_header("content-type", "image/jpeg")
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/a.jpg"
        Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_hash_by_url_goes_through_the_ssrf_guard(settings, db, live, client, keys):
    picture = image(702)
    media = _Media(picture)
    try:
        # The test server may fetch from loopback (its fakes live there) ...
        allowed = client.get("/h/hash", params={"url": media.url}, headers=keys["hasher"])
        assert allowed.json() == {"pdq": hash_bytes(picture).pdq} and media.hits == 1
        # ... a server with the shipped setting refuses it, and connects to nothing.
        from takedown.web.app import create_app

        shipped = settings.model_copy(update={"media_fetch_private_hosts": False})
        server = LiveServer(create_app(shipped, db=db, run_worker=False))
        with server, httpx.Client(base_url=server.url, timeout=30) as other:
            for url in (
                media.url,
                "http://169.254.169.254/latest/meta-data/",
                "http://[::ffff:127.0.0.1]/a.jpg",
                "file:///etc/passwd",
            ):
                refused = other.get("/h/hash", params={"url": url}, headers=keys["hasher"])
                assert refused.status_code == 400, (url, refused.text)
            lookup = other.get("/m/lookup", params={"url": media.url}, headers=keys["matcher"])
            assert lookup.status_code == 400
        assert media.hits == 1
    finally:
        media.close()


def test_a_curator_key_cannot_make_a_bank_block_or_allow_anything(client, keys, db):
    """The key given to an HMA client adds only to banks made through HMA (they hold a match
    for a person): never to Takedown's confirmed bank, nor to one that blocks or allows."""
    curator = keys["curator"]
    pdq = hash_bytes(image(8_801)).pdq
    names = []
    with db.session() as session:
        for action in ("block", "allow"):
            made = matching.create_bank(session, f"OPS_{uuid.uuid4().hex[:8].upper()}", action)
            names.append(made.name)
    for name in [matching.CONFIRMED_BANK, *names]:
        added = client.post(f"/c/bank/{name}/signal", json={"pdq": pdq}, headers=curator)
        assert 400 <= added.status_code < 500, (name, added.text)
    off = client.put(f"/c/bank/{matching.CONFIRMED_BANK}", json={"enabled": False}, headers=curator)
    assert 400 <= off.status_code < 500, off.text
    ours = _bank_name()
    client.post("/c/banks", json={"name": ours}, headers=curator)
    assert client.post(f"/c/bank/{ours}/signal", json={"pdq": pdq}, headers=curator).is_success
