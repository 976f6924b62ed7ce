"""The store: SQLAlchemy 2 models, engine/session helpers, migrations, backup and restore."""

from lifecircle.store import models
from lifecircle.store.db import (
    database_url,
    is_migrated,
    make_engine,
    session_factory,
    session_scope,
    upgrade,
)

__all__ = [
    "database_url",
    "is_migrated",
    "make_engine",
    "models",
    "session_factory",
    "session_scope",
    "upgrade",
]
