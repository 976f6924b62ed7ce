"""Issue 15, bad inputs: every file of tests/data/bad/ (listed in its manifest.yaml with the
command that reads it) ends in a clear message naming the file (and the row or field where
there is one), a non-zero exit status, no traceback, and the database and the output folder
as they were.

The files are made by tests/data/bad/make_corpus.py and committed. The commands run
in-process (typer's runner) on a SQLite copy of one seeded programme database.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from district._pkg import CIRCLES, COMPOUNDS, FACILITIES, MANUAL, grid_lines, manifest
from lifecircle.cli import _register, app
from lifecircle.errors import LifecircleError
from office_files import circle_list_xlsx

BAD = Path(__file__).resolve().parents[1] / "data" / "bad"
CASES: list[dict[str, Any]] = yaml.safe_load((BAD / "manifest.yaml").read_text("utf-8"))["cases"]
_register()


def _id(case: dict[str, Any]) -> str:
    return f"{case['file']}:{case['args'][0]}" + (
        f"-{case['args'][1]}" if not case["args"][1].startswith("{") else ""
    )


@pytest.fixture(scope="module")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite programme database with the units and five circles (C01..C05)."""
    from lifecircle.store import session_scope, upgrade
    from lifecircle.store.db import make_engine
    from lifecircle.workflow.place_imports import import_circles
    from lifecircle.workflow.places import seed_units
    from lifecircle.workflow.session import programme_engine

    root = tmp_path_factory.mktemp("baddb")
    path = root / "template.db"
    eng = make_engine(f"sqlite:///{path}")
    upgrade(eng)
    eng.dispose()
    eng = programme_engine(f"sqlite:///{path}")
    with session_scope(eng, actor="测试") as s:
        seed_units(s)
    with session_scope(eng, actor="测试") as s:
        report = import_circles(s, circle_list_xlsx(root / "附件1.xlsx"), commit=True)
        assert not report.errors
    eng.dispose()
    return path


@pytest.fixture(scope="module")
def good_package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("good") / "pkg"
    root.mkdir()
    for name, text in (("compounds.csv", COMPOUNDS), ("facilities.csv", FACILITIES),
                       ("circles.csv", CIRCLES), ("manual_values.csv", MANUAL)):  # fmt: skip
        (root / name).write_text(text, "utf-8")
    grid_lines().to_file(root / "network.geojson", driver="GeoJSON")
    (root / "district.yaml").write_text(yaml.safe_dump(manifest(), allow_unicode=True), "utf-8")
    return root


def _tree_hash(folder: Path) -> str:
    """sha256 over every file's relative path and bytes under ``folder`` (absent: empty)."""
    h = hashlib.sha256()
    if folder.exists():
        for p in sorted(folder.rglob("*")):
            h.update(str(p.relative_to(folder)).encode())
            if p.is_file():
                h.update(p.read_bytes())
    return h.hexdigest()


def _db_hash(path: Path) -> str:
    from sqlalchemy import create_engine

    from office_files import db_state

    eng = create_engine(f"sqlite:///{path}")
    try:
        return db_state(eng)
    finally:
        eng.dispose()


def _run_like_main(args: list[str]) -> tuple[int, str, BaseException | None]:
    """Run the command as the ``lifecircle`` console script does (``lifecircle.cli.main``):
    an error of ours is printed as ``错误：…`` with exit status 2; anything else escaping is
    returned as the exception (a traceback for the user)."""
    res = CliRunner().invoke(app, args, env={"COLUMNS": "400", "LIFECIRCLE_DB_URL": ""})
    exc = res.exception
    if exc is None or isinstance(exc, SystemExit):
        return res.exit_code, res.output, None
    if isinstance(exc, LifecircleError):
        return 2, res.output + f"错误：{exc}", None
    return res.exit_code, res.output, exc


@pytest.mark.parametrize("case", CASES, ids=[_id(c) for c in CASES])
def test_bad_input_is_refused_clearly(
    case: dict[str, Any],
    template_db: Path,
    good_package: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    db = tmp_path / "programme.db"
    shutil.copy(template_db, db)
    work = tmp_path / "work"
    work.mkdir()
    out = work / "out"
    monkeypatch.chdir(BAD)
    target = BAD / case["file"]
    subs = {"{file}": str(target), "{db}": f"sqlite:///{db}", "{out}": str(out),
            "{good_package}": str(good_package)}  # fmt: skip
    args = []
    for a in case["args"]:
        for k, v in subs.items():
            a = a.replace(k, v)
        args.append(a)
    db_before, out_before, corpus_before = _db_hash(db), _tree_hash(out), _tree_hash(target)

    code, text, exc = _run_like_main(args)
    if os.environ.get("LIFECIRCLE_BAD_PROBE"):
        print(f"\n=== {case['file']} {args[:2]} exit={code}\n{text[-1500:]}")
        if exc is not None:
            import traceback

            traceback.print_exception(exc)
    assert exc is None, repr(exc)
    assert "Traceback" not in text
    assert code != 0, text[-2000:]
    flat = " ".join(text.split())
    name = Path(case["file"]).name
    assert name in flat or case.get("names") in flat, f"{name} not named:\n{text[-2000:]}"
    for fragment in case["expect"]:
        assert fragment in flat, f"{fragment!r} not in:\n{text[-2000:]}"
    assert _db_hash(db) == db_before, "the database changed"
    assert _tree_hash(out) == out_before, "the output folder changed"
    assert list(work.iterdir()) == [], "something was written"
    assert _tree_hash(target) == corpus_before, "the input was changed"


def test_corpus_is_big_enough_and_listed() -> None:
    files = {c["file"] for c in CASES}
    assert len(files) >= 60
    on_disk = {
        f"{g.name}/{p.name}"
        for g in BAD.iterdir()
        if g.is_dir()
        for p in g.iterdir()
        if not p.name.startswith("_")
    }
    assert on_disk == files, on_disk ^ files
