"""Alembic environment: DATABASE_URL (or the embedded default) and the app's metadata."""

from __future__ import annotations

from logging.config import fileConfig

from alembic import context

import app.models  # noqa: F401 - registers every table on the metadata
from app.config import Settings
from app.db import Base, make_engine

config = context.config
if config.config_file_name is not None and config.attributes.get("configure_logger", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)

target_metadata = Base.metadata


def _url() -> str:
    return str(config.attributes.get("url") or Settings.from_env().DATABASE_URL)


def run_migrations_offline() -> None:
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    url = _url()
    connection = config.attributes.get("connection")
    if connection is None:
        engine = make_engine(url)
        with engine.connect() as conn:
            _run(conn, url)
        engine.dispose()
    else:
        _run(connection, url)


def _run(connection: object, url: str) -> None:
    context.configure(
        connection=connection,  # type: ignore[arg-type]
        target_metadata=target_metadata,
        render_as_batch=url.startswith("sqlite"),
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
