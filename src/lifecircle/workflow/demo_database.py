"""The demo's empty programme database, migrated ahead (a light module: SQLAlchemy and
Alembic only, so ``lifecircle demo`` can load it while its checkup runs elsewhere)."""

from __future__ import annotations

import os
from pathlib import Path


def migrate_demo_database(path: str | os.PathLike[str]) -> Path:
    """An empty migrated database in a temporary file beside ``path``, for later.

    ``lifecircle demo`` makes it while the checkup runs in its own process (the
    migrations do not depend on the checkup), and hands it to `build_demo_database`
    (``migrated=``), which moves it into place once seeded; the caller removes it if it
    is never used.

    Parameters
    ----------
    path : str or path-like
        The database the demo will write.

    Returns
    -------
    pathlib.Path
        The temporary file (hidden, same folder).
    """
    import uuid

    from lifecircle.io._paths import make_folder
    from lifecircle.store.db import make_engine, upgrade

    final = Path(path)
    make_folder(final.parent)
    tmp = final.with_name(f".{final.stem}.{uuid.uuid4().hex[:12]}.migrated{final.suffix}")
    engine = make_engine(tmp)
    try:
        upgrade(engine)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    finally:
        engine.dispose()  # the last connection closes: the WAL is folded into the file
    return tmp
