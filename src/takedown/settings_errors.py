"""Settings mistakes said in one line each: a value that does not parse (TAKEDOWN_PORT=abc,
TAKEDOWN_ENVIRONMENT=prodution) and a TAKEDOWN_ variable that is no setting but looks like
one (TAKEDOWN_DATABSE_URL), instead of a traceback or a silent default."""

from __future__ import annotations

import difflib
import os
from collections.abc import Mapping

from pydantic import ValidationError

from takedown.config import Settings

PREFIX = "TAKEDOWN_"
# Read by other tools, not by Settings: never reported as misspelt.
NOT_SETTINGS = frozenset({"TAKEDOWN_TEST_DATABASE_URL"})


def misspelt(environ: Mapping[str, str] | None = None) -> list[str]:
    """One line for each TAKEDOWN_ variable that is not a setting but is close to one."""
    names = [name.upper() for name in Settings.model_fields]
    lines = []
    for key in sorted(environ if environ is not None else os.environ):
        upper = key.upper()
        if not upper.startswith(PREFIX) or upper in NOT_SETTINGS:
            continue
        name = upper[len(PREFIX) :]
        if name in names:
            continue
        close = difflib.get_close_matches(name, names, n=1, cutoff=0.75)
        if close:
            lines.append(f"{key} is not a setting: did you mean {PREFIX}{close[0]}?")
    return lines


def describe(error: ValidationError) -> list[str]:
    """One line per invalid setting, naming its environment variable."""
    lines = []
    for item in error.errors():
        where = ".".join(str(p) for p in item.get("loc", ()) if p != "__root__")
        message = str(item.get("msg", "invalid")).removeprefix("Value error, ")
        if where:
            given = item.get("input")
            plain = isinstance(given, str | int | float) and repr(given) not in message
            shown = f" (got {given!r})" if plain else ""
            lines.append(f"{PREFIX}{where.upper()}: {message}{shown}")
        else:
            lines.append(message)
    return lines


def database_problem(url: str | None) -> str | None:
    """Why this database URL cannot be used, in one line (None: it connects)."""
    if not url:
        return None
    import psycopg
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    scheme = url.split("://", 1)[0].lower() if "://" in url else ""
    if scheme not in ("postgresql", "postgres", "postgresql+psycopg"):
        return "TAKEDOWN_DATABASE_URL must start with postgresql:// (PostgreSQL only)"
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError) as exc:
        return f"TAKEDOWN_DATABASE_URL cannot be read: {exc}"
    plain = parsed.set(drivername="postgresql").render_as_string(hide_password=False)
    try:
        with psycopg.connect(plain, connect_timeout=10):
            return None
    except psycopg.Error as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        where = parsed.set(password="***" if parsed.password else None).render_as_string()
        return f"cannot connect to TAKEDOWN_DATABASE_URL ({where}): {first}"
