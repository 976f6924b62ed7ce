"""A real checkup of the small demo district run with ``--suggest`` (补短板建议), written to a
folder beside its district package, and a platform database holding the demo programme,
the circle outlines and the checkup's map layers (with the package, for what-ifs).

Built once per test session (the folder is reused when present).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine

from checkup_fixtures import CHECKUP_DAY
from lifecircle.checkup import CheckupResult
from lifecircle.store import session_scope
from lifecircle.store.db import make_engine, upgrade

TODAY = date(2024, 9, 30)


def suggested_demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The folder holding ``district/`` (the package) and ``checkup/`` (with suggestions)."""
    from lifecircle.checkup import run_checkup
    from lifecircle.demo import generate_demo
    from lifecircle.district import load_district
    from lifecircle.standards import load_catalogue

    root = tmp_path_factory.getbasetemp() / "suggested-demo"
    if (root / "checkup" / "checkup.json").is_file():
        return root
    package = generate_demo(root / "district", scale=0.05)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SOURCE_DATE_EPOCH", str(int(CHECKUP_DAY.timestamp())))
        ck = run_checkup(
            load_district(package), load_catalogue("changsha-provisional"), suggest=True
        )
        ck.write(root / "checkup")
    return root


def platform_db(root: Path, path: Path, *, users: dict[str, dict] | None = None) -> Engine:
    """A migrated SQLite platform at ``path``: demo programme, outlines, map layers, users."""
    from lifecircle.workflow import accounts
    from lifecircle.workflow.demo import seed_demo_programme
    from lifecircle.workflow.geometry import import_circle_geometry
    from lifecircle.workflow.maps import import_checkup_maps

    engine = make_engine(path)
    upgrade(engine)
    with session_scope(engine, actor="demo") as s:
        seed_demo_programme(s, CheckupResult.read(root / "checkup"), today=TODAY)
        import_circle_geometry(s, root / "checkup" / "circles.gpkg")
        import_checkup_maps(s, root / "checkup", district=root / "district")
        for name, kw in (users or {}).items():
            accounts.add_user(s, name, **kw)
    return engine
