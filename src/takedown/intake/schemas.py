"""What a report must carry. Shared by the JSON API and the HTML form."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
)
from pydantic_core import PydanticCustomError

from takedown.i18n import N_


class ReporterRole(StrEnum):
    victim = "victim"
    parent_guardian = "parent_guardian"
    law_enforcement = "law_enforcement"
    ngo = "ngo"
    platform_user = "platform_user"
    trusted_flagger = "trusted_flagger"


class MinorDepicted(StrEnum):
    yes = "yes"
    no = "no"
    unsure = "unsure"


ROLE_LABELS = {
    ReporterRole.victim: N_("I am the person shown"),
    ReporterRole.parent_guardian: N_("I am a parent or guardian of the person shown"),
    ReporterRole.law_enforcement: N_("Law enforcement"),
    ReporterRole.ngo: N_("A child-protection or victim-support organisation"),
    ReporterRole.platform_user: N_("Someone who saw it"),
    ReporterRole.trusted_flagger: N_("Trusted flagger"),
}


class TakeItDownIn(BaseModel):
    """A removal request under the TAKE IT DOWN Act (its four required elements)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    signature: str = Field(
        min_length=1, max_length=200, description="your full name, as an electronic signature"
    )
    good_faith: Literal[True] = Field(
        description="you believe in good faith that it was published without consent"
    )
    identification: str = Field(
        "", max_length=5000, description="what the image or video is, beyond the links given"
    )
    contact: str | None = Field(
        None, max_length=320, description="how to reach you; the report's contact if unset"
    )


class ReportIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    where_seen: str = Field(
        "",
        max_length=2000,
        description="no link: where the reporter saw it, in their words (then `content` "
        "may be empty)",
    )
    content: list[str] = Field(
        default_factory=list,
        validate_default=True,
        max_length=50,
        description="links to the content (with or without https://), its ids, or the "
        "usernames of accounts; links the platform never registered are welcome too",
    )
    reporter_role: ReporterRole
    minor_depicted: MinorDepicted
    age_at_time: int | None = Field(None, ge=0, le=120, description="age when it was made")
    law_enforcement_case_number: str | None = Field(None, max_length=200)
    statement: str = Field("", max_length=10_000)
    contact: str | None = Field(None, max_length=320, description="e-mail or phone, optional")
    take_it_down: TakeItDownIn | None = Field(
        None, description="a request under the TAKE IT DOWN Act: removal within 48 hours"
    )
    proof_of_work: str | None = Field(
        None,
        max_length=200,
        description="`challenge:solution` for a challenge from GET /v1/reports/challenge, "
        "when the service asks for one (report_pow_bits)",
    )

    @field_validator("*", mode="before")
    @classmethod
    def _no_nul(cls, value: object) -> object:
        """NUL cannot be stored in PostgreSQL text: drop it rather than lose the report."""
        if isinstance(value, str):
            return value.replace("\x00", "")
        if isinstance(value, list):
            return [v.replace("\x00", "") if isinstance(v, str) else v for v in value]
        return value

    @field_validator("content")
    @classmethod
    def _non_empty_refs(cls, refs: list[str], info: ValidationInfo) -> list[str]:
        cleaned = [r.strip() for r in refs if r and r.strip()]
        if not cleaned and not info.data.get("where_seen"):
            raise PydanticCustomError(
                "nothing_to_find", "give a link, an id or a username, or say where you saw it"
            )
        if any(len(r) > 2000 for r in cleaned):
            raise ValueError("a content link is longer than 2000 characters")
        return cleaned

    @field_validator("law_enforcement_case_number", "contact")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        return value or None

    @field_validator("take_it_down")
    @classmethod
    def _take_it_down_contact(
        cls, value: TakeItDownIn | None, info: ValidationInfo
    ) -> TakeItDownIn | None:
        if value is not None and not (value.contact or info.data.get("contact")):
            raise ValueError("a request under the TAKE IT DOWN Act needs contact information")
        return value


class Receipt(BaseModel):
    case_number: str
    pin: str
    priority: str
    state: str
    status_url: str
    message: str
    received_at: str | None = None
    notice: str | None = Field(None, description="the confirmation DSA Article 16 requires")
    removal_due_at: str | None = Field(None, description="TAKE IT DOWN Act requests: by when")
    decision_due_at: str | None = Field(None, description="by when a person decides the case")
    unresolved: int = Field(0, description="links, ids or descriptions a person must find")
    protection: str = Field(
        "none",
        description="what was done at once: restricted, limited (some items queued), burst "
        "(a supervisor checks first), paused (many reports from this client), unproven (no "
        "proof of work for a bare claim), reviewed_before, unresolved, none (not P0)",
    )


class Challenge(BaseModel):
    challenge: str
    bits: int = Field(description="leading zero bits SHA-256(challenge ':' solution) needs")
    expires_in: int = Field(description="seconds")


class StatusItem(BaseModel):
    kind: str
    message: str
    at: str


class PublicStatus(BaseModel):
    case_number: str
    state: str
    state_label: str
    priority: str
    reports: int
    content_items: int
    hidden_items: int
    removed_items: int
    updates: list[StatusItem]
