"""threatexchange's SignalExchangeAPI implementations, built for one exchange row.

Each API is the package's own class. Takedown adds three things: an operator's base URL
(for a test server), credentials read from the exchange's file (threatexchange's format, or
JSON with the same field names), and two repairs of upstream slips noted where they are.
"""

from __future__ import annotations

import hashlib
import json
import time
import typing as t
from dataclasses import dataclass
from pathlib import Path

from threatexchange.exchanges import fetch_state
from threatexchange.exchanges.clients.ncmec import hash_api as ncmec_api
from threatexchange.exchanges.clients.stopncii import api as stopncii_api
from threatexchange.exchanges.clients.techagainstterrorism import api as tat_api
from threatexchange.exchanges.impl.file_api import (
    LocalFileSignalExchangeAPI,
)
from threatexchange.exchanges.impl.ncmec_api import (
    NCMECCredentials,
    NCMECSignalExchangeAPI,
)
from threatexchange.exchanges.impl.stop_ncii_api import (
    StopNCIICheckpoint,
    StopNCIICredentials,
    StopNCIISignalExchangeAPI,
    StopNCIISignalMetadata,
)
from threatexchange.exchanges.impl.techagainstterrorism_api import (
    TATCredentials,
    TATSignalExchangeAPI,
)
from threatexchange.exchanges.signal_exchange_api import AnySignalExchangeAPI, TSignalExchangeAPI
from threatexchange.signal_type.md5 import VideoMD5Signal
from threatexchange.signal_type.pdq.signal import PdqSignal
from threatexchange.signal_type.signal_base import SignalType
from threatexchange.utils import dataclass_json

from takedown.exchanges.errors import ExchangeUnavailable
from takedown.exchanges.models import Exchange

SIGNAL_TYPES = (PdqSignal, VideoMD5Signal)
# threatexchange's signal names and Takedown's (a video MD5 is an MD5 of the file).
TO_TAKEDOWN = {"pdq": "pdq", "video_md5": "md5", "md5": "md5"}
TO_EXCHANGE = {"pdq": "pdq", "md5": "video_md5"}
SIZES = {"pdq": 32, "md5": 16}


@dataclass
class Hash:
    signal: str  # Takedown's: pdq, md5
    value: bytes
    meta: dict[str, object]


# A fetched page, as Takedown stores it: each key's hashes now (empty: the key is gone).
Changes = dict[str, list[Hash]]


class _NCMEC(NCMECSignalExchangeAPI):
    base_url: str | None = None

    def get_client(self, environment: ncmec_api.NCMECEnvironment) -> ncmec_api.NCMECHashAPI:
        client = super().get_client(environment)
        if self.base_url:
            client._base_url = self.base_url.rstrip("/")
        return client


class _StopNCIIClient(stopncii_api.StopNCIIAPI):
    def submit_hashes(
        self,
        hashes: dict[tuple[stopncii_api.StopNCIISignalType, str], stopncii_api.StopNCIICSPFeedback],
    ) -> None:
        # Upstream sends str(enum) ("StopNCIISignalType.ImagePDQ"); the API names the value.
        now = int(time.time())
        records = [
            {
                "lastModtimestamp": now,
                "signalType": signal_type.value,
                "hashValue": value,
                "CSPFeedbacks": [feedback.as_dict_for_post()],
            }
            for (signal_type, value), feedback in hashes.items()
        ]
        self._post(
            stopncii_api.StopNCIIEndpoint.SubmitHashes,
            json={"count": len(records), "hashRecords": records},
        )


class _StopNCII(StopNCIISignalExchangeAPI):
    def fetch_iter(
        self,
        _supported_signal_types: t.Sequence[type],
        checkpoint: StopNCIICheckpoint | None,
    ) -> t.Iterator[fetch_state.FetchDelta]:
        # Upstream compares the hash value (not its status) with Withdrawn/Deleted, so a
        # withdrawn case would never leave the bank; the status is what says it.
        start = checkpoint.update_time if checkpoint else self.api.DEFAULT_START_TIME
        gone = (stopncii_api.StopNCIICaseStatus.Withdrawn, stopncii_api.StopNCIICaseStatus.Deleted)
        names = {
            stopncii_api.StopNCIISignalType.ImagePDQ: "pdq",
            stopncii_api.StopNCIISignalType.VideoMD5: "video_md5",
        }
        for result in self.api.fetch_hashes_iter(start_timestamp=start):
            updates: dict[tuple[str, str], StopNCIISignalMetadata | None] = {}
            for record in result.hashRecords:
                name = names.get(record.signalType)
                if name:
                    live = record.hashStatus not in gone
                    updates[name, record.hashValue] = (
                        StopNCIISignalMetadata(record.CSPFeedbacks) if live else None
                    )
            yield fetch_state.FetchDelta(updates, StopNCIICheckpoint.from_stopncii_fetch(result))


class _TATClient(tat_api.TATHashListAPI):
    BASE_URL: t.ClassVar[str] = tat_api.TATHashListAPI.BASE_URL


class _TAT(TATSignalExchangeAPI):
    base_url: str | None = None

    def get_client(self) -> tat_api.TATHashListAPI:
        if not self.base_url:
            return super().get_client()
        cls = type("TATClient", (_TATClient,), {"BASE_URL": self.base_url.rstrip("/") + "/"})
        return cls(username=self.username, password=self.password)


class _LocalFile(LocalFileSignalExchangeAPI):
    def report_opinion(
        self, s_type: type[SignalType], signal: str, opinion: fetch_state.SignalOpinion
    ) -> None:
        # Upstream opens the file with mode "wta", which Python refuses; same line format.
        if opinion.category != fetch_state.SignalOpinionCategory.POSITIVE_CLASS or opinion.tags:
            raise NotImplementedError
        path = Path(self.collab.filename)
        text = path.read_text() if path.exists() else ""
        with path.open("a") as handle:
            handle.write(
                ("" if not text or text.endswith("\n") else "\n")
                + f"{s_type.get_name()} {signal}\n"
            )


APIS: dict[str, type[_NCMEC] | type[_StopNCII] | type[_TAT] | type[_LocalFile]] = {
    "ncmec": _NCMEC,
    "stop_ncii": _StopNCII,
    "tat": _TAT,
    "local_file": _LocalFile,
}
CREDENTIALS: dict[
    str, type[NCMECCredentials] | type[StopNCIICredentials] | type[TATCredentials]
] = {"ncmec": NCMECCredentials, "stop_ncii": StopNCIICredentials, "tat": TATCredentials}


def config_class(api: str) -> type:
    return APIS[api].get_config_cls()


def collab(exchange: Exchange) -> t.Any:
    """The exchange's CollaborationConfig, as threatexchange's API takes it."""
    data = {**exchange.config, "name": exchange.name, "api": exchange.api, "enabled": True}
    return dataclass_json.dataclass_load_dict(data, config_class(exchange.api))


def check_config(api: str, name: str, config: dict[str, object]) -> None:
    """Raise ValueError unless threatexchange accepts this config for the API."""
    if api not in APIS:
        raise ValueError(f"no such exchange API {api!r}; one of {', '.join(APIS)}")
    data = {**config, "name": name, "api": api, "enabled": True}
    dataclass_json.dataclass_load_dict(data, config_class(api))


def read_credentials(api: str, path: str | None) -> t.Any:
    """The API's credentials: from the exchange's file, else where threatexchange looks
    (its environment variable or its file in the home directory)."""
    cls = CREDENTIALS[api]
    if path is None:
        return cls.get(APIS[api])
    text = Path(path).read_text().strip()
    if text.startswith("{"):
        fields = json.loads(text)
        known = {k: v for k, v in fields.items() if k in cls.__dataclass_fields__}
        return cls(**known)
    return cls._from_str(text)


def build(exchange: Exchange) -> AnySignalExchangeAPI:
    """An authenticated client for the exchange, pointed at its base URL if one is set."""
    cls = APIS.get(exchange.api)
    if cls is None:
        raise ExchangeUnavailable(f"Exchange API {exchange.api!r} is not installed.")
    config = collab(exchange)
    if issubclass(cls, _LocalFile):
        return cls(config)
    try:
        creds = read_credentials(exchange.api, exchange.credentials_file)
    except Exception as exc:  # threatexchange raises its own kinds, and files go missing
        raise ExchangeUnavailable(
            f"No usable credentials for {exchange.name}: {type(exc).__name__}"
        ) from None
    if issubclass(cls, _StopNCII):
        return cls(config, _stopncii_client(creds, exchange.base_url, exchange.credentials_file))
    api = cls.for_collab(config, creds)
    if not isinstance(api, (_NCMEC, _TAT)):  # upstream's for_collab builds the class it is on
        raise TypeError(f"{cls.__name__}.for_collab made a {type(api).__name__}")
    api.base_url = exchange.base_url
    return api


def _stopncii_client(creds: StopNCIICredentials, base_url: str | None, path: str | None) -> t.Any:
    keys = {}
    if path and Path(path).read_text().strip().startswith("{"):
        fields = json.loads(Path(path).read_text())
        endpoint = stopncii_api.StopNCIIEndpoint
        for name, point in (
            ("submit_feedback_key", endpoint.SubmitFeedback),
            ("submit_hashes_key", endpoint.SubmitHashes),
        ):
            if fields.get(name):
                keys[point] = fields[name]
    return _StopNCIIClient(
        creds.subscription_key,
        creds.fetch_function_key,
        additional_function_keys=keys,
        base_url_override=base_url or creds.base_url_override,
    )


def checkpoint_to_json(checkpoint: fetch_state.FetchCheckpointBase) -> dict[str, object]:
    return json.loads(dataclass_json.dataclass_dumps(checkpoint))


def checkpoint_from_json(api: TSignalExchangeAPI, data: dict[str, object] | None) -> t.Any:
    if data is None:
        return None
    return dataclass_json.dataclass_load_dict(data, api.get_checkpoint_cls())


KEY_CHARS = 200  # bank_entries.entry_id (which names the key feedback goes to)


def changes(exchange: Exchange, updates: dict[t.Any, t.Any]) -> Changes:
    """A fetched delta as Takedown stores it: every key with its hashes now. What an exchange
    sends is input like any other: keys and metadata are bounded, bad hashes dropped."""
    found = (_ncmec_changes if exchange.api == "ncmec" else _simple_changes)(exchange, updates)
    return {_bounded_key(k): v for k, v in found.items()}


def _bounded_key(key: str) -> str:
    if len(key) <= KEY_CHARS:
        return key
    return key[:120] + "#" + hashlib.sha256(key.encode()).hexdigest()


def _short(value: object) -> object:
    return value[:200] if isinstance(value, str) else value


def _simple_changes(exchange: Exchange, updates: dict[t.Any, t.Any]) -> Changes:
    out: Changes = {}
    for key, metadata in updates.items():
        type_name, signal_str = key
        out[f"{type_name}:{signal_str}"] = (
            [] if metadata is None else _one(type_name, signal_str, _meta(metadata))
        )
    return out


def _ncmec_changes(exchange: Exchange, updates: dict[str, t.Any]) -> Changes:
    only = set(exchange.config.get("only_esp_ids") or ())  # type: ignore[call-overload]
    out: Changes = {}
    for key, entry in updates.items():
        if entry.deleted or (only and entry.member_id not in only):
            out[key] = []
            continue
        meta = {
            "esp_id": entry.member_id,
            "entry_id": _short(entry.id),
            "classification": _short(entry.classification),
        }
        hashes = []
        for kind, value in entry.fingerprints.items():
            # An image's or a video's MD5 is the file's: Takedown's md5.
            name = {"md5": "video_md5", "pdq": "pdq"}.get(kind.lower())
            hashes += _one(name, value, meta) if name else []
        out[key] = hashes
    return out


def _one(type_name: str, signal_str: str, meta: dict[str, object]) -> list[Hash]:
    signal = TO_TAKEDOWN.get(type_name)
    if signal is None:
        return []
    try:
        raw = bytes.fromhex(signal_str.strip())
    except ValueError:
        return []
    if len(raw) != SIZES[signal]:
        return []
    return [Hash(signal, raw, meta)]


def _meta(metadata: object) -> dict[str, object]:
    if isinstance(metadata, StopNCIISignalMetadata):
        return {"feedbacks": [f.feedbackValue.value for f in metadata.feedbacks]}
    return {}
