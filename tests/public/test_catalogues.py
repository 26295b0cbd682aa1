"""The reporters' languages cannot drift: every visible string of the public templates is
marked for translation, the committed template (messages.pot) is what extraction finds
today, and every catalogue translates every message, with the same placeholders."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from takedown import i18n

ROOT = Path(__file__).resolve().parents[2]
LOCALE = ROOT / "src" / "takedown" / "locale"
TEMPLATES = ROOT / "src" / "takedown" / "web" / "pages" / "templates"
PUBLIC = ("base.html", "report.html", "receipt.html", "status.html", "_help.html")
# Text that is the same in every language (a time zone's name, after a time).
SAME_EVERYWHERE = {"UTC"}


def _extract(tmp_path: Path) -> dict[object, object]:
    out = tmp_path / "fresh.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            str(LOCALE / "babel.cfg"),
            "-k",
            "tr",
            "-k",
            "N_",
            "--no-location",
            "--omit-header",
            "-o",
            str(out),
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with out.open("rb") as f:
        return {m.id: m for m in read_po(f) if m.id}


def test_every_visible_string_of_the_public_templates_is_marked():
    for name in PUBLIC:
        text = (TEMPLATES / name).read_text()
        text = re.sub(r"{#.*?#}|{%.*?%}|{{.*?}}", " ", text, flags=re.S)
        text = re.sub(r"<[^>]*>|&\w+;", " ", text)
        text = re.sub(r'\s[\w-]+="[^"]*"', " ", text)  # attributes a macro writes
        words = set(re.findall(r"[^\W\d_]{2,}", text)) - SAME_EVERYWHERE
        assert not words, f"{name}: text outside _() {sorted(words)}"


def test_the_committed_template_is_what_extraction_finds(tmp_path):
    fresh = _extract(tmp_path)
    with (LOCALE / "messages.pot").open("rb") as f:
        committed = {m.id for m in read_po(f) if m.id}
    assert set(fresh) == committed, "run `make messages` and translate what is new"
    assert len(committed) > 100


@pytest.mark.parametrize("locale", sorted(i18n.LANGUAGES))
def test_every_catalogue_is_complete(tmp_path, locale):
    fresh = _extract(tmp_path)
    with i18n.catalogue_path(locale).open("rb") as f:
        catalogue = {m.id: m for m in read_po(f, locale=locale) if m.id}
    missing = [mid for mid in fresh if mid not in catalogue]
    assert not missing, f"{locale}: not in the catalogue: {missing[:5]}"
    for mid in fresh:
        message = catalogue[mid]
        forms = message.string if isinstance(message.string, tuple) else (message.string,)
        assert all(forms), f"{locale}: untranslated {mid!r}"
        wanted = set(re.findall(r"%\(\w+\)\w", str(mid)))
        for form in forms:
            assert set(re.findall(r"%\(\w+\)\w", form)) == wanted, f"{locale}: {mid!r}"
        assert not message.fuzzy, f"{locale}: fuzzy {mid!r}"


def test_spanish_is_chosen_from_the_browser_and_the_switcher_wins():
    assert i18n.negotiate(None, "es-MX,es;q=0.9,en;q=0.8") == "es"
    assert i18n.negotiate(None, "de-DE, en;q=0.5, es;q=0.4") == "en"
    assert i18n.negotiate("en", "es") == "en"
    assert i18n.negotiate("xx", "es") == "es"
    assert i18n.negotiate(None, "es;q=0, en") == "en"
    assert i18n.translator("es")("Check a report") == "Consultar un reporte"


def test_a_spanish_page_from_accept_language(client):
    page = client.get("/report", headers={"accept-language": "es-ES,es;q=0.9"})

    assert page.headers["content-language"] == "es"
    assert '<html lang="es">' in page.text and "Enviar reporte" in page.text
    chosen = client.get("/report?lang=en", headers={"accept-language": "es"})
    assert "Send report" in chosen.text and "td_lang=en" in chosen.headers["set-cookie"]
