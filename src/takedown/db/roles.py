"""The service's own database role: it reads and writes rows but owns no table, so it can
neither disable the audit log's triggers nor rewrite, delete or truncate audit rows. The
tables' owner (migrations) grants it exactly that after every upgrade."""

from __future__ import annotations

import contextlib

from psycopg import errors, sql
from sqlalchemy import Connection, text

EMBEDDED_SERVICE_ROLE = "takedown_service"

# Tables the service may only read and append to (the audit chainer sets the links of an
# unchained row; the row trigger refuses anything else).
APPEND_ONLY = {
    "audit_events": ("seq", "prev_hash", "hash"),
    "audit_checkpoints": (),
}
READ_ONLY = ("alembic_version",)


def ensure_login_role(admin_url: str, role: str, password: str | None = None) -> None:
    """Create `role` (LOGIN, no other power) on the server if it is missing."""
    import psycopg

    admin_url = admin_url.replace("postgresql+psycopg://", "postgresql://", 1)
    with psycopg.connect(admin_url, autocommit=True) as conn:
        found = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone()
        if found:
            return
        statement = sql.SQL(
            "CREATE ROLE {} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION"
        ).format(sql.Identifier(role))
        if password is not None:
            statement = sql.SQL("{} PASSWORD {}").format(statement, sql.Literal(password))
        # Another process starting at the same moment may have made it.
        with contextlib.suppress(errors.DuplicateObject, errors.UniqueViolation):
            conn.execute(statement)


def grant_service(conn: Connection, role: str) -> None:
    """Give `role` the rows it needs and nothing more (idempotent)."""
    ident = _quote(conn, role)
    statements = [
        f"GRANT USAGE ON SCHEMA public TO {ident}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {ident}",
        f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {ident}",
        f"REVOKE TRUNCATE, REFERENCES, TRIGGER ON ALL TABLES IN SCHEMA public FROM {ident}",
    ]
    for table, columns in APPEND_ONLY.items():
        statements.append(f"REVOKE UPDATE, DELETE ON {table} FROM {ident}")
        if columns:
            statements.append(f"GRANT UPDATE ({', '.join(columns)}) ON {table} TO {ident}")
    for table in READ_ONLY:
        statements.append(f"REVOKE INSERT, UPDATE, DELETE ON {table} FROM {ident}")
    for statement in statements:
        conn.exec_driver_sql(statement)


def owns_audit_log(conn: Connection) -> bool:
    """Whether this connection's role could switch the audit triggers off."""
    row = conn.execute(
        text(
            "SELECT r.rolsuper OR pg_has_role(current_user, c.relowner, 'USAGE') "
            "FROM pg_class c, pg_roles r "
            "WHERE c.relname = 'audit_events' AND r.rolname = current_user"
        )
    ).scalar()
    return bool(row)


def _quote(conn: Connection, role: str) -> str:
    return str(conn.exec_driver_sql("SELECT quote_ident(%s)", (role,)).scalar())
