"""Typed settings, read once from the environment (TAKEDOWN_*) and passed down."""

from __future__ import annotations

from pathlib import Path

import platformdirs
from pydantic import BaseModel, Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from takedown.i18n import N_

DEV_SECRET = "dev-insecure-secret-change-me"
ENVIRONMENTS = ("development", "test", "production")
NCMEC_TEST_URL = "https://exttest.cybertip.org/ispws"
NCMEC_PRODUCTION_URL = "https://report.cybertip.org/ispws"


def _default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir("takedown"))


class HelpResource(BaseModel):
    """Where a reporter can get help beside us, shown on the receipt and status pages."""

    name: str
    url: str
    description: str = ""


def _default_help() -> list[HelpResource]:
    # The descriptions are msgids of the reporters' catalogues (src/takedown/locale).
    return [
        HelpResource(
            name="NCMEC CyberTipline",
            url="https://report.cybertip.org/",
            description=N_(
                "Report the sexual exploitation of a child to the US National Center "
                "for Missing & Exploited Children, online or at 1-800-843-5678."
            ),
        ),
        HelpResource(
            name="Take It Down",
            url="https://takeitdown.ncmec.org/",
            description=N_(
                "Free help to remove nude or sexual images or videos taken of you "
                "before you were 18, without sending them to anyone."
            ),
        ),
        HelpResource(
            name="StopNCII",
            url="https://stopncii.org/",
            description=N_(
                "Stop intimate images of you as an adult being shared on the "
                "platforms that take part."
            ),
        ),
        HelpResource(
            name="988 Suicide & Crisis Lifeline",
            url="https://988lifeline.org/",
            description=N_(
                "If you feel unsafe or overwhelmed, call or text 988 (US) to talk to "
                "someone now, any time."
            ),
        ),
    ]


class Settings(BaseSettings):
    """Every setting of the service. Documented in docs/settings.md (a test keeps them in step)."""

    model_config = SettingsConfigDict(env_prefix="TAKEDOWN_", extra="ignore")

    environment: str = Field(
        default="development", description="development, test or production (any case)"
    )
    database_url: str | None = Field(
        default=None,
        description="PostgreSQL URL the service connects with (a role that owns no table); "
        "unset starts an embedded PostgreSQL under data_dir",
    )
    migrate_database_url: str | None = Field(
        default=None,
        description="PostgreSQL URL of the tables' owner, for migrations and grants; unset "
        "means database_url's role owns the tables (then nothing stops it disabling the "
        "audit triggers: /readyz says so)",
    )
    data_dir: Path = Field(default_factory=_default_data_dir, description="where state lives")
    secret_key: str = Field(default=DEV_SECRET, description="signs sessions and derives PIN hashes")
    public_url: str = Field(
        default="http://127.0.0.1:8000", description="base URL shown to reporters"
    )
    max_body_bytes: int = Field(default=2_000_000, description="largest JSON/form request accepted")
    max_upload_bytes: int = Field(default=50_000_000, description="largest media upload accepted")
    # 16: under more load than it can answer, a process keeps answering at its best rate (with
    # 40, twice as many transactions contended for two cores and answers fell by a fifth).
    web_threads: int = Field(
        default=16,
        ge=1,
        le=200,
        description="requests one web process works on at once (more wait their turn)",
    )
    webhook_timeout_s: float = Field(default=5.0, description="timeout of one webhook delivery")
    webhook_max_attempts: int = Field(
        default=20,
        ge=1,
        description="attempts before a delivery is dead (listed, alerted, redriven)",
    )
    webhook_backoff_base_s: float = Field(default=2.0, description="first retry delay, doubling")
    webhook_backoff_max_s: float = Field(default=3600.0, description="longest retry delay")
    webhook_backlog_alert_minutes: float = Field(
        default=30.0, gt=0, description="alert when a platform's oldest pending webhook is this old"
    )
    p0_decision_minutes: int = Field(default=60, description="P0 cases: decision deadline")
    default_decision_hours: int = Field(default=24, description="other cases: decision deadline")
    pin_max_failures: int = Field(
        default=20, description="wrong PINs one client may try in pin_lock_minutes before a pause"
    )
    pin_lock_minutes: int = Field(default=15, description="the window of that count, minutes")
    status_lookups_per_hour: int = Field(
        default=300, description="status lookups one client may make per hour"
    )
    client_ip_header: str | None = Field(
        default=None,
        description="header a trusted proxy puts the client address in (x-forwarded-for)",
    )
    report_item_cap: int = Field(
        default=5, description="items one unverified report may hide at once"
    )
    report_copy_cap: int = Field(
        default=20, description="copies by other authors one unverified report may hold"
    )
    client_hide_cap: int = Field(
        default=20, description="items one client's unverified reports may hide per hour"
    )
    client_report_limit: int = Field(default=60, description="reports one client may file per hour")
    client_unresolved_cases: int = Field(
        default=3,
        ge=1,
        description="cases one client's reports that name nothing registered may open per "
        "hour (and platforms asked to find); later ones join its latest",
    )
    help_resources: list[HelpResource] = Field(
        default_factory=_default_help,
        description="help shown to reporters (JSON list of name, url, description); "
        "defaults: NCMEC CyberTipline, Take It Down, StopNCII, 988 Lifeline",
    )
    report_pow_bits: int = Field(
        default=0,
        ge=0,
        le=28,
        description="proof of work a bare claim needs to hide content; 0: off",
    )
    burst_window_minutes: int = Field(
        default=10, description="window of the burst detector, minutes"
    )
    burst_account_items: int = Field(
        default=8, description="one account's items reported by unverified reports in it: a burst"
    )
    burst_platform_reports: int = Field(
        default=300, description="unverified P0 reports about one platform in it: a burst"
    )
    smtp_host: str | None = Field(default=None, description="SMTP server for e-mails to reporters")
    smtp_port: int = Field(default=25, description="SMTP port")
    smtp_from: str = Field(
        default="takedown@localhost", description="sender of e-mails to reporters"
    )
    escalate_before_minutes: int = Field(
        default=15, description="alert supervisors this long before a deadline"
    )
    media_fetch_private_hosts: bool = Field(
        default=False, description="let evidence/NCMEC fetch media_url from private addresses"
    )
    login_client_failures: int = Field(
        default=10,
        ge=1,
        description="wrong logins one client may try per login window before a pause",
    )
    login_user_failures: int = Field(
        default=100,
        ge=1,
        description="wrong logins on one username per window before each is slowed",
    )
    login_window_minutes: int = Field(default=15, ge=1, description="the window of those counts")
    login_slow_seconds: float = Field(
        default=2.0, ge=0, le=30, description="delay of each login on a username past that count"
    )
    metrics_token: str | None = Field(
        default=None,
        description="Bearer token /metrics requires; unset: /metrics only in development",
    )
    worker_concurrency: int = Field(default=4, description="jobs a worker runs at once")
    audit_signing_key_file: Path | None = Field(
        default=None,
        description="Ed25519 key (PEM) outside the database that signs chain checkpoints",
    )
    audit_public_key: str | None = Field(
        default=None, description="hex public key `audit verify` checks checkpoints against"
    )
    decode_slots: int = Field(
        default=2, ge=1, description="media files one process decodes at once"
    )
    shared_index: bool = Field(
        default=True,
        description="PDQ index in memory-mapped files under data_dir/index, one per machine",
    )
    ready_backlog_s: float = Field(
        default=300.0, description="/readyz fails when a due webhook has waited longer, seconds"
    )
    log_level: str = Field(default="INFO", description="logging level")
    # Legal duties (src/takedown/legal): NCMEC, evidence, DSA statements.
    ncmec_enabled: bool = Field(default=False, description="file CyberTipline reports with NCMEC")
    ncmec_base_url: str = Field(
        default=NCMEC_TEST_URL, description="CyberTipline API: the test URL, or the production one"
    )
    ncmec_username: str | None = Field(
        default=None, description="CyberTipline API user (HTTP Basic)"
    )
    ncmec_password: str | None = Field(default=None, description="CyberTipline API password")
    ncmec_reporter_name: str = Field(
        default="Trust and Safety",
        description="the platform's contact person NCMEC sees, 'First Last'",
    )
    ncmec_reporter_email: str | None = Field(default=None, description="that person's e-mail")
    ncmec_xsd_path: Path | None = Field(
        default=None, description="CyberTipline XSD; unset: the copy shipped in the package"
    )
    legal_max_attempts: int = Field(
        default=12, description="NCMEC and DSA submissions tried at most"
    )
    legal_backoff_base_s: float = Field(
        default=60.0, description="first resubmission delay, doubling"
    )
    evidence_master_key: str | None = Field(
        default=None, description="base64 32-byte key wrapping each case's evidence key"
    )
    evidence_key_file: Path | None = Field(
        default=None, description="file holding that key instead"
    )
    evidence_hold_days: int = Field(
        default=365, ge=365, description="legal hold from the report, days"
    )
    evidence_dir: Path | None = Field(
        default=None,
        description="where sealed evidence lives (its own volume); unset: data_dir/evidence",
    )
    evidence_backoff_base_s: float = Field(
        default=30.0,
        gt=0,
        description="first re-seal delay after a failed evidence write, doubling",
    )
    evidence_backoff_max_s: float = Field(
        default=900.0, gt=0, description="longest re-seal delay; a pending seal is never given up"
    )
    dsa_enabled: bool = Field(
        default=False, description="send statements of reasons to the DSA database"
    )
    dsa_base_url: str = Field(
        default="https://transparency.dsa.ec.europa.eu", description="DSA Transparency Database API"
    )
    dsa_token: str | None = Field(default=None, description="its API token (Bearer)")
    dsa_schema_path: Path | None = Field(
        default=None,
        description="statement-of-reasons JSON Schema; unset: the copy shipped in the package",
    )
    # Hash exchanges (src/takedown/exchanges): scheduled fetch, feedback and sharing back.
    exchange_fetch_minutes: float = Field(
        default=15.0,
        gt=0,
        description="fetch each enabled exchange when its last fetch is this old",
    )
    exchange_max_attempts: int = Field(
        default=12, ge=1, description="feedback or shared-hash calls tried before they are failed"
    )
    exchange_backoff_base_s: float = Field(
        default=30.0, gt=0, description="first delay before such a call is retried, doubling"
    )
    flood_matches: int = Field(
        default=50, ge=1, description="distinct items one bank entry may match in the flood window"
    )
    flood_window_minutes: float = Field(
        default=60.0, gt=0, description="past that many, the entry stops acting: quarantined"
    )

    @field_validator("environment")
    @classmethod
    def _normalise_environment(cls, value: str) -> str:
        # "Production" or " PRODUCTION" must not slip past the production checks, and
        # "prodution" must not run as development without a word.
        value = value.strip().lower()
        if value not in ENVIRONMENTS:
            raise ValueError(f"must be one of {', '.join(ENVIRONMENTS)}, not {value!r}")
        return value

    @model_validator(mode="after")
    def _refuse_unsafe_production(self) -> Settings:
        if self.environment != "production":
            return self
        if self.secret_key == DEV_SECRET:
            raise ValueError("TAKEDOWN_SECRET_KEY must be set in production")
        if not (self.evidence_master_key or self.evidence_key_file):
            raise ValueError(
                "TAKEDOWN_EVIDENCE_MASTER_KEY or TAKEDOWN_EVIDENCE_KEY_FILE must be set "
                "in production"
            )
        return self

    @property
    def pgdata_dir(self) -> Path:
        return self.data_dir / "pgdata"
