"""Alembic environment: targets adapters.sqlalchemy.tables.metadata."""

from __future__ import annotations

from sqlalchemy import Connection

from adapters.sqlalchemy.engine import make_engine
from adapters.sqlalchemy.tables import metadata
from alembic import context

config = context.config
target_metadata = metadata


def run_migrations_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def _pragma(connection: Connection, pragma: str) -> None:
    """A PRAGMA on the driver's connection, outside any transaction (our SQLite engine
    issues BEGIN itself, on SQLAlchemy's first statement)."""
    driver = connection.connection.driver_connection
    assert driver is not None
    driver.execute(f"PRAGMA {pragma}")


def run_migrations_online() -> None:
    url = config.get_main_option("sqlalchemy.url")
    assert url, "sqlalchemy.url is not set"
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            sqlite = connection.dialect.name == "sqlite"
            if sqlite:
                # A batch operation rebuilds a table: it copies the rows into a new table and
                # drops the old one. With foreign keys on, that drop would delete every row
                # that refers to the old table (ON DELETE CASCADE): rebuilding `users` would
                # sign everyone out, rebuilding `rooms` would empty them. The pragma works
                # only outside a transaction, so it goes to the driver's connection before
                # SQLAlchemy begins one; keys are checked at the end.
                _pragma(connection, "foreign_keys=OFF")
            context.configure(
                connection=connection,
                target_metadata=target_metadata,
                render_as_batch=sqlite,
            )
            with context.begin_transaction():
                context.run_migrations()
                if sqlite:
                    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if broken:
                        raise RuntimeError(f"the migration broke foreign keys: {broken[:5]}")
            connection.commit()
            if sqlite:
                _pragma(connection, "foreign_keys=ON")
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
