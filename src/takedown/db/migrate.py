"""Alembic, driven from code so `serve`, `demo` and tests share one path."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(engine: Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    # A session-level advisory lock so two processes starting together migrate once.
    with engine.connect() as conn:
        conn.exec_driver_sql("SELECT pg_advisory_lock(7236001)")
        try:
            cfg = alembic_config(engine)
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, revision)
            conn.commit()
        finally:
            conn.exec_driver_sql("SELECT pg_advisory_unlock(7236001)")
            conn.commit()
