"""The reporter's language: gettext catalogues (Babel's .po files under locale/, compiled
in memory when first used, so a fresh checkout needs no build step), chosen from an
explicit choice or the browser's Accept-Language."""

from __future__ import annotations

import gettext
from collections.abc import Callable
from functools import cache
from io import BytesIO
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALE_DIR = Path(__file__).parent / "locale"
DEFAULT = "en"
# Shown in the switcher in their own language, in this order.
LANGUAGES = {"en": "English", "es": "Español"}
Translate = Callable[..., str]


def N_(message: str) -> str:
    """Mark a string for the catalogue; it is translated where it is shown."""
    return message


def catalogue_path(locale: str) -> Path:
    return LOCALE_DIR / locale / "LC_MESSAGES" / "messages.po"


@cache
def translations(locale: str) -> gettext.NullTranslations:
    """The compiled catalogue of `locale` (English: the msgids themselves)."""
    path = catalogue_path(locale)
    if locale not in LANGUAGES or not path.exists():
        return gettext.NullTranslations()
    with path.open("rb") as po:
        catalog = read_po(po, locale=locale)
    compiled = BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


def translator(locale: str) -> Translate:
    """`tr(msgid, **values)`: the text in `locale`, with %(name)s filled in."""
    found = translations(supported(locale))

    def tr(message: str, **values: object) -> str:
        text = found.gettext(message)
        return text % values if values else text

    return tr


def supported(locale: str | None) -> str:
    code = (locale or "").strip().lower().replace("_", "-").split("-")[0]
    return code if code in LANGUAGES else DEFAULT


def negotiate(choice: str | None, accept_language: str | None) -> str:
    """An explicit choice (query or cookie) first, then the browser's preferences by q."""
    if choice and supported(choice) == choice.strip().lower():
        return supported(choice)
    for code in _by_preference(accept_language or ""):
        if code in LANGUAGES:
            return code
    return DEFAULT


def _by_preference(header: str) -> list[str]:
    """Language codes of an Accept-Language header, most wanted first (at most 20 read)."""
    ranked: list[tuple[float, int, str]] = []
    for index, part in enumerate(header[:1000].split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        code = tag.strip().lower().split("-")[0]
        if code and quality > 0:
            ranked.append((-quality, index, code))
    return [code for _, _, code in sorted(ranked)]
