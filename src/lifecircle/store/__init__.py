"""The store: SQLAlchemy 2 models, engine/session helpers, migrations, backup and restore."""

# map_models holds the checkup's map layers; importing it with the package puts their tables
# in ``Base.metadata`` (migrations and ``create_all`` see every table) without a cycle.
from lifecircle.store import map_models, models
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
    "map_models",
    "models",
    "session_factory",
    "session_scope",
    "upgrade",
]
