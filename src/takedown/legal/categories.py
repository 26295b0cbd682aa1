"""What a reviewer's category means in law: the one place that maps it.

The decisions API takes categories such as `csam_a1`; the review console owns the list.
Anything starting with `csam` is child sexual abuse material (18 U.S.C. 2258A: report it).
NCMEC's industry classification is the letter and digit after it (A1, A2, B1, B2)."""

from __future__ import annotations

from dataclasses import dataclass

CSAM_PREFIX = "csam"
INDUSTRY_CLASSIFICATIONS = ("A1", "A2", "B1", "B2")
CSAM_LEGAL_GROUND = (
    "Child sexual abuse material: Directive 2011/93/EU, Article 5; 18 U.S.C. 2252A; "
    "and the law of each Member State"
)
NCII_LEGAL_GROUND = (
    "Non-consensual intimate imagery: Directive (EU) 2024/1385, Article 5; "
    "TAKE IT DOWN Act (47 U.S.C. 223(h))"
)


@dataclass(frozen=True)
class Meaning:
    csam: bool
    dsa_category: str
    dsa_keywords: tuple[str, ...]
    legal_ground: str | None  # None: a breach of the terms of service, not illegal as such


def is_csam(category: str | None) -> bool:
    return bool(category) and category.lower().startswith(CSAM_PREFIX)  # type: ignore[union-attr]


def industry_classification(category: str | None) -> str | None:
    """csam_a1 -> A1; None when the category carries no classification."""
    if not is_csam(category):
        return None
    code = category.lower().removeprefix(CSAM_PREFIX).strip("_- ").upper()  # type: ignore[union-attr]
    return code if code in INDUSTRY_CLASSIFICATIONS else None


def meaning(category: str | None) -> Meaning:
    if is_csam(category):
        return Meaning(
            True,
            "STATEMENT_CATEGORY_PROTECTION_OF_MINORS",
            ("KEYWORD_CHILD_SEXUAL_ABUSE_MATERIAL",),
            CSAM_LEGAL_GROUND,
        )
    if category and category.lower() == "ncii":
        return Meaning(
            False,
            "STATEMENT_CATEGORY_CYBER_VIOLENCE",
            ("KEYWORD_NON_CONSENSUAL_IMAGE_SHARING",),
            NCII_LEGAL_GROUND,
        )
    return Meaning(False, "STATEMENT_CATEGORY_PROTECTION_OF_MINORS", (), None)
