"""Every file the programme writes is complete or absent: a write that fails leaves nothing."""

from __future__ import annotations

from pathlib import Path

import docx.document
import openpyxl
import pytest

from lifecircle.io import writers
from lifecircle.store.backup import backup
from lifecircle.workflow import bulletins, schedule, subsidies
from lifecircle.workflow.places import seed_units


def _fail_midway(path: str | Path) -> None:
    Path(path).write_bytes(b"PK\x03\x04 half a file")
    raise OSError(28, "no space left on device")


@pytest.fixture
def broken_office(monkeypatch):
    """Word and Excel saves that write half a file, then fail."""
    monkeypatch.setattr(openpyxl.Workbook, "save", lambda self, path: _fail_midway(path))
    monkeypatch.setattr(docx.document.Document, "save", lambda self, path: _fail_midway(path))


@pytest.fixture
def broken_rename(monkeypatch):
    def refuse(a: object, b: object) -> None:
        raise OSError(5, "input/output error")

    monkeypatch.setattr(writers.os, "replace", refuse)


def _only(folder: Path, *names: str) -> None:
    assert sorted(p.name for p in folder.iterdir()) == sorted(names)


@pytest.fixture
def out(tmp_path: Path) -> Path:
    """An output folder of its own (tmp_path holds the SQLite test database)."""
    folder = tmp_path / "out"
    folder.mkdir()
    return folder


def test_office_files_failing_midway_leave_nothing(session, out, broken_office):
    seed_units(session)
    data = bulletins.build(session, "2024-09")
    (out / "通报.xlsx").write_text("earlier", "utf-8")
    with pytest.raises(OSError, match="no space"):
        bulletins.render_docx(data, out / "通报.docx")
    with pytest.raises(OSError, match="no space"):
        bulletins.render_xlsx(data, out / "通报.xlsx")
    with pytest.raises(OSError, match="no space"):
        schedule.export_schedule(session, out / "铺排表.xlsx")
    with pytest.raises(OSError, match="no space"):
        subsidies.export_xlsx([], out / "奖补.xlsx")
    with pytest.raises(OSError, match="no space"):
        bulletins.publish_bulletin(session, "2024-09", out_dir=out)
    _only(out, "通报.xlsx")
    assert (out / "通报.xlsx").read_text("utf-8") == "earlier"


def test_failing_rename_leaves_nothing(session, out, broken_rename):
    seed_units(session)
    session.commit()
    data = bulletins.build(session, "2024-09")
    with pytest.raises(OSError, match="input/output"):
        bulletins.render_docx(data, out / "通报.docx")
    with pytest.raises(OSError, match="input/output"):
        subsidies.export_xlsx([], out / "奖补.xlsx")
    with pytest.raises(OSError, match="input/output"):
        backup(session.get_bind(), out / "backup.json")
    _only(out)


def test_backup_failing_midway_keeps_the_earlier_backup(engine, out, monkeypatch):
    path = out / "backup.json"
    backup(engine, path)
    before = path.read_bytes()

    def half(self: Path, text: str, encoding: str | None = None) -> int:
        with open(self, "w", encoding=encoding) as fh:
            fh.write(text[: len(text) // 2])
        raise OSError(28, "no space left on device")

    monkeypatch.setattr(Path, "write_text", half)
    with pytest.raises(OSError, match="no space"):
        backup(engine, path)
    assert path.read_bytes() == before
    _only(out, "backup.json")
