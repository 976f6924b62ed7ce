"""Rotating backups in a folder: a JSON dump of every table per run, the evidence files beside
them (content-addressed, so copied once), the oldest dumps beyond ``keep`` removed; and the
restore of such a folder (the dump into the database, the evidence into the data folder).

Layout of a backup folder::

    lifecircle-backup-20261130-114000.json   one per run, complete or absent
    evidence/ab/abcdef…                      every evidence file a kept dump refers to
    .lifecircle-backup.lock                  held while a run writes (one writer at a time)
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import re
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from pathlib import Path

from sqlalchemy import Engine

from lifecircle.errors import RuleError
from lifecircle.io.writers import write_atomic
from lifecircle.store import backup as _backup
from lifecircle.workflow.evidence_store import EvidenceStore
from lifecircle.workflow.session import DbTarget, programme_engine

log = logging.getLogger("lifecircle.backup")

PREFIX = "lifecircle-backup-"
LOCK_NAME = ".lifecircle-backup.lock"
_NAME = re.compile(r"lifecircle-backup-(\d{8}-\d{6})(?:-(\d+))?\.json")
_SHA256 = re.compile(r"[0-9a-f]{64}")


@dataclass
class BackupRun:
    """What one rotation did.

    Attributes
    ----------
    path : Path
        The backup written.
    rows : dict of str -> int
        Rows per table in it.
    evidence_copied : int
        Evidence files copied into ``folder/evidence`` this time (the others were there).
    evidence_missing : list of str
        sha256 of evidence the database refers to but the evidence folder lacks or holds
        altered (not copied; to be restored from an older backup or uploaded again).
    removed : list of Path
        Older backups removed (beyond ``keep``).
    evidence_removed : int
        Evidence files no kept backup refers to any more, removed.
    """

    path: Path
    rows: dict[str, int]
    evidence_copied: int = 0
    evidence_missing: list[str] = field(default_factory=list)
    removed: list[Path] = field(default_factory=list)
    evidence_removed: int = 0


@dataclass
class RestoreRun:
    """What a restore did: rows per table; evidence files the backup refers to, put back, and
    not found beside the backup (or altered); evidence is only put back with a data folder."""

    rows: dict[str, int]
    evidence_referenced: int = 0
    evidence_restored: int = 0
    evidence_missing: list[str] = field(default_factory=list)


def backups_in(folder: str | os.PathLike[str]) -> list[Path]:
    """The backups in ``folder``, oldest first (by the time in their names)."""
    found = []
    root = Path(folder)
    if not root.is_dir():
        return []
    for p in root.iterdir():
        m = _NAME.fullmatch(p.name)
        if m and p.is_file():
            found.append((m.group(1), int(m.group(2) or 1), p))
    return [p for *_, p in sorted(found)]


def _referenced(data: dict) -> set[str]:
    """sha256 of the evidence kept in the evidence folder (not in the database) of a dump."""
    rows = data.get("tables", {}).get("evidence_file", [])
    return {
        r["sha256"]
        for r in rows
        if r.get("content") is None and isinstance(r.get("sha256"), str)
        if _SHA256.fullmatch(r["sha256"])
    }


@contextlib.contextmanager
def _locked(folder: Path, *, wait: bool) -> Iterator[bool]:
    """Hold the folder's lock file (``flock``); yields False when ``wait`` is off and another
    process holds it."""
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / LOCK_NAME, "a+b") as fh:
        try:
            import fcntl
        except ImportError:  # pragma: no cover - not POSIX: one writer is the operator's care
            yield True
            return
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def _new_name(folder: Path, now: datetime) -> Path:
    stamp = now.strftime("%Y%m%d-%H%M%S")
    path = folder / f"{PREFIX}{stamp}.json"
    n = 1
    while path.exists():  # two runs in one second: -2, -3 … keeps the order
        n += 1
        path = folder / f"{PREFIX}{stamp}-{n}.json"
    return path


def _copy_evidence(
    shas: set[str], source: EvidenceStore, target: EvidenceStore
) -> tuple[int, list[str]]:
    copied, missing = 0, []
    for sha in sorted(shas):
        dest = target.path_of(sha)
        if dest.is_file():
            continue
        try:
            content = source.read(sha)  # checks the sha256: an altered file is not copied
        except RuleError:
            missing.append(sha)
            continue
        write_atomic(dest, partial(Path.write_bytes, data=content))
        copied += 1
    return copied, missing


def _prune(
    folder: Path, keep: int, just_written: Path, referenced_now: set[str]
) -> tuple[list[Path], int]:
    others = [p for p in backups_in(folder) if p != just_written]
    old = others[: max(0, len(others) - (keep - 1))]  # the one just written is one of ``keep``
    for p in old:
        p.unlink(missing_ok=True)
    kept = [p for p in backups_in(folder) if p != just_written]
    referenced = set(referenced_now)
    for p in kept:
        try:
            referenced |= _referenced(_backup.read_dump(p))
        except Exception:  # a damaged kept backup: remove no evidence at all
            log.warning("备份 %s 无法读取，本次不清理佐证材料副本", p)
            return old, 0
    removed = 0
    evidence_root = folder / "evidence"
    if evidence_root.is_dir():
        for f in evidence_root.glob("??/*"):
            if _SHA256.fullmatch(f.name) and f.name not in referenced:
                f.unlink(missing_ok=True)
                removed += 1
    return old, removed


def _rotate(
    engine: Engine, folder: Path, keep: int, evidence_dir: Path | None, now: datetime
) -> BackupRun:
    data = _backup.dump(engine)
    path = _new_name(folder, now)
    rows = _backup.write_dump(data, path)
    shas = _referenced(data)
    run = BackupRun(path=path, rows=rows)
    if evidence_dir is not None:
        run.evidence_copied, run.evidence_missing = _copy_evidence(
            shas, EvidenceStore(evidence_dir), EvidenceStore(folder / "evidence")
        )
    elif shas:
        run.evidence_missing = sorted(shas)
    run.removed, run.evidence_removed = _prune(folder, keep, path, shas)
    return run


def _check_keep(keep: int) -> None:
    if keep < 1:
        raise RuleError(f"保留份数 {keep} 无效", fix="保留份数至少为 1，如 --keep 14")


def backup_rotation(
    db: DbTarget | Engine,
    folder: str | os.PathLike[str],
    *,
    keep: int,
    evidence_dir: str | os.PathLike[str] | None = None,
    now: datetime | None = None,
) -> BackupRun:
    """Write a new backup into ``folder``, copy new evidence files, remove the oldest backups.

    The dump is written atomically as ``lifecircle-backup-YYYYMMDD-HHMMSS.json`` (local time);
    the evidence files it refers to are copied into ``folder/evidence/`` when not there yet;
    then only the ``keep`` newest backups stay, and evidence files none of them refers to are
    removed. A lock file in ``folder`` makes concurrent runs wait for each other.

    Parameters
    ----------
    db : str or path-like or Engine or None
        Database URL, SQLite file, an engine, or None for the default.
    folder : str or path-like
        The backup folder (created if needed).
    keep : int
        How many backups to keep (at least 1; the one just written always stays).
    evidence_dir : str or path-like, optional
        The evidence folder (``$LIFECIRCLE_DATA_DIR/evidence``); None: evidence not copied.
    now : datetime, optional
        The time in the file name; default now.

    Returns
    -------
    BackupRun
    """
    _check_keep(keep)
    root = Path(folder)
    ev = Path(evidence_dir) if evidence_dir is not None else None
    engine = db if isinstance(db, Engine) else programme_engine(db)
    try:
        with _locked(root, wait=True):
            return _rotate(engine, root, keep, ev, now or datetime.now())
    finally:
        if engine is not db:
            engine.dispose()


def backup_if_due(
    engine: Engine,
    folder: str | os.PathLike[str],
    *,
    every_s: float,
    keep: int,
    evidence_dir: str | os.PathLike[str] | None = None,
) -> BackupRun | None:
    """The scheduled run: a rotation when the newest backup in ``folder`` is older than
    ``every_s`` seconds (or there is none) and no other process is writing one.

    Several server processes may call this: the lock file lets one through, and the others
    then find a fresh backup and skip.

    Returns
    -------
    BackupRun or None
        None when not due or another process holds the lock.
    """
    _check_keep(keep)
    root = Path(folder)
    with _locked(root, wait=False) as mine:
        if not mine:
            return None
        existing = backups_in(root)
        if existing and time.time() - existing[-1].stat().st_mtime < every_s * 0.9:
            return None
        ev = Path(evidence_dir) if evidence_dir is not None else None
        return _rotate(engine, root, keep, ev, datetime.now())


def restore_backup(
    db: DbTarget, path: str | os.PathLike[str], *, data_dir: str | os.PathLike[str] | None = None
) -> RestoreRun:
    """Restore a backup: its evidence files first (when ``data_dir`` is given and an
    ``evidence/`` folder sits beside the backup file), then every table in one transaction.

    Parameters
    ----------
    db : str or path-like or None
        Database URL or SQLite file; None for the default.
    path : str or path-like
        A backup file (``lifecircle db backup``, or one of a backup folder).
    data_dir : str or path-like, optional
        The data folder of the platform; evidence goes to ``data_dir/evidence``.

    Returns
    -------
    RestoreRun
    """
    path = Path(path)
    data = _backup.read_dump(path)
    shas = _referenced(data)
    restored, missing = 0, []
    source = path.parent / "evidence"
    if data_dir is not None and shas:
        target = EvidenceStore(Path(data_dir) / "evidence")
        for sha in sorted(shas):
            src = EvidenceStore(source).path_of(sha)
            dest = target.path_of(sha)
            if dest.is_file() and _sha_of(dest) == sha:
                continue
            if not src.is_file() or _sha_of(src) != sha:
                missing.append(sha)
                continue
            write_atomic(dest, partial(shutil.copyfile, src))
            restored += 1
    engine = programme_engine(db)
    try:
        rows = _backup.restore(engine, path)
    finally:
        engine.dispose()
    return RestoreRun(
        rows=rows,
        evidence_referenced=len(shas),
        evidence_restored=restored,
        evidence_missing=missing,
    )


def _sha_of(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()
