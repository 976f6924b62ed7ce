"""Folders written as a unit: complete new, complete earlier or absent; nothing temporary left."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from lifecircle.errors import InputError
from lifecircle.io import interrupted_writes, write_atomic, write_folder
from lifecircle.io import writers as w


def _files(folder: Path) -> dict[str, str]:
    return {p.name: p.read_text("utf-8") for p in sorted(folder.iterdir())}


def _writer(**files: str):
    def write(folder: Path) -> None:
        for name, text in files.items():
            (folder / name).write_text(text, "utf-8")

    return write


def _earlier(tmp_path: Path) -> Path:
    out = write_folder(tmp_path / "run", _writer(a="old a", b="old b"))
    assert _files(out) == {"a": "old a", "b": "old b"}
    return out


def test_new_folder_appears_whole(tmp_path: Path):
    out = write_folder(tmp_path / "sub" / "run", _writer(a="1", b="2"))
    assert out == tmp_path / "sub" / "run"
    assert _files(out) == {"a": "1", "b": "2"}
    assert sorted(p.name for p in out.parent.iterdir()) == ["run"]


def test_replacing_an_earlier_folder_leaves_only_the_new_files(tmp_path: Path):
    out = _earlier(tmp_path)
    write_folder(out, _writer(a="new a", c="new c"))
    assert _files(out) == {"a": "new a", "c": "new c"}  # b of the earlier run is gone
    assert [p.name for p in tmp_path.iterdir()] == ["run"]


def test_writer_failing_midway_keeps_the_earlier_folder_and_leaves_nothing(tmp_path: Path):
    out = _earlier(tmp_path)

    def half(folder: Path) -> None:
        (folder / "a").write_text("new a", "utf-8")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        write_folder(out, half)
    assert _files(out) == {"a": "old a", "b": "old b"}
    assert [p.name for p in tmp_path.iterdir()] == ["run"]


def test_writer_failing_on_a_fresh_folder_leaves_nothing(tmp_path: Path):
    def half(folder: Path) -> None:
        write_atomic(folder / "a", lambda t: t.write_text("a", "utf-8"))
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        write_folder(tmp_path / "run", half)
    assert list(tmp_path.iterdir()) == []


def test_failing_swap_keeps_the_earlier_folder_and_leaves_nothing(tmp_path, monkeypatch):
    out = _earlier(tmp_path)

    def broken(a: Path, b: Path) -> bool:
        raise OSError(5, "input/output error")

    monkeypatch.setattr(w, "_exchange", broken)
    with pytest.raises(OSError, match="input/output"):
        write_folder(out, _writer(a="new"))
    assert _files(out) == {"a": "old a", "b": "old b"}
    assert [p.name for p in tmp_path.iterdir()] == ["run"]


def test_failing_rename_of_a_fresh_folder_leaves_nothing(tmp_path, monkeypatch):
    def broken(a: object, b: object) -> None:
        raise OSError(28, "no space left")

    monkeypatch.setattr(w.os, "rename", broken)
    with pytest.raises(OSError, match="no space"):
        write_folder(tmp_path / "run", _writer(a="1"))
    assert list(tmp_path.iterdir()) == []


def test_without_exchange_the_earlier_folder_is_renamed_aside_then_removed(tmp_path, monkeypatch):
    out = _earlier(tmp_path)
    monkeypatch.setattr(w, "_exchange", lambda a, b: False)
    write_folder(out, _writer(a="new"))
    assert _files(out) == {"a": "new"}
    assert [p.name for p in tmp_path.iterdir()] == ["run"]


def test_without_exchange_a_failing_rename_in_puts_the_earlier_folder_back(tmp_path, monkeypatch):
    out = _earlier(tmp_path)
    monkeypatch.setattr(w, "_exchange", lambda a, b: False)
    real = os.rename
    calls: list[str] = []

    def second_fails(a: str | Path, b: str | Path) -> None:
        calls.append(Path(b).name)
        if len(calls) == 2:  # aside worked, the new folder cannot move in
            raise OSError(5, "input/output error")
        real(a, b)

    monkeypatch.setattr(w.os, "rename", second_fails)
    with pytest.raises(OSError, match="input/output"):
        write_folder(out, _writer(a="new"))
    assert calls[1] == "run" and calls[2] == "run"  # the earlier folder went back
    assert _files(out) == {"a": "old a", "b": "old b"}
    assert [p.name for p in tmp_path.iterdir()] == ["run"]


def test_a_folder_of_other_files_is_never_replaced(tmp_path: Path):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "论文.docx").write_text("keep", "utf-8")
    with pytest.raises(InputError, match="不是本命令以前写出的结果") as err:
        write_folder(mine, _writer(a="1"), owns=lambda f: (f / "a").exists())
    assert err.value.file == str(mine)
    assert _files(mine) == {"论文.docx": "keep"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine"]
    # an empty folder, or one it wrote, is replaced
    empty = tmp_path / "empty"
    empty.mkdir()
    write_folder(empty, _writer(a="1"), owns=lambda f: (f / "a").exists())
    write_folder(empty, _writer(a="2"), owns=lambda f: (f / "a").exists())
    assert _files(empty) == {"a": "2"}


def test_a_file_or_the_current_folder_is_refused(tmp_path, monkeypatch):
    (tmp_path / "f").write_text("x", "utf-8")
    with pytest.raises(InputError, match="同名文件"):
        write_folder(tmp_path / "f", _writer(a="1"))
    monkeypatch.chdir(tmp_path)
    with pytest.raises(InputError, match="当前文件夹"):
        write_folder(".", _writer(a="1"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f"]


def test_keep_existing_adds_to_a_copy_of_the_earlier_folder(tmp_path: Path):
    out = _earlier(tmp_path)
    write_folder(out, _writer(c="c"), keep_existing=True)
    assert _files(out) == {"a": "old a", "b": "old b", "c": "c"}


def test_staging_of_a_killed_writer_is_named_and_removed_by_the_next_write(tmp_path: Path):
    out = _earlier(tmp_path)
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    stale = tmp_path / f".run.{int(dead.stdout)}-{'0' * 12}.tmp"
    stale.mkdir()
    (stale / "a").write_text("half", "utf-8")
    live = tmp_path / f".run.{os.getpid()}-{'1' * 12}.tmp"  # this process: still running
    live.mkdir()
    other = tmp_path / f".runs.{int(dead.stdout)}-{'2' * 12}.tmp"  # another folder's
    other.mkdir()
    assert interrupted_writes(out) == sorted([stale, live])
    write_folder(out, _writer(a="new"))
    assert not stale.exists() and live.exists() and other.exists()
    assert _files(out) == {"a": "new"}


def test_write_atomic_failing_rename_leaves_nothing(tmp_path, monkeypatch):
    (tmp_path / "x.txt").write_text("old", "utf-8")

    def broken(a: object, b: object) -> None:
        raise OSError(28, "no space left")

    monkeypatch.setattr(w.os, "replace", broken)
    with pytest.raises(OSError, match="no space"):
        write_atomic(tmp_path / "x.txt", lambda t: t.write_text("new", "utf-8"))
    assert _files(tmp_path) == {"x.txt": "old"}
