from __future__ import annotations

from alembic import context

from takedown.wiring.schema import include_name, metadata

config = context.config


def run() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        with config.attributes["engine"].connect() as conn:
            _migrate(conn)
            conn.commit()
    else:
        _migrate(connection)


def _migrate(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        compare_type=True,
        include_name=include_name,
    )
    with context.begin_transaction():
        context.run_migrations()


run()
