"""Checkup runs started from the platform: ``lifecircle checkup`` in a child process on an
uploaded district package, its state 运行中 / 完成 / 失败 kept in a small file beside its
output. A job whose process has gone without leaving a result is 失败, never 运行中 for ever
(the state is judged from the process and the output each time it is read)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from lifecircle.errors import InputError, RuleError

STATE_ZH = {"running": "运行中", "done": "完成", "failed": "失败"}
KEEP_DAYS = 30
_children: dict[str, subprocess.Popen[bytes]] = {}
_lock = threading.Lock()


def default_root() -> Path:
    return Path(tempfile.gettempdir()) / "lifecircle-jobs"


@dataclass
class Job:
    """One checkup run of an uploaded package."""

    id: str
    owner: str
    package: str
    catalogue: str
    state: str
    started: str
    pid: int
    pid_start: str = ""
    finished: str = ""
    message: str = ""

    @property
    def state_zh(self) -> str:
        return STATE_ZH[self.state]

    def folder(self, root: Path | None = None) -> Path:
        return (root or default_root()) / self.id

    def output(self, root: Path | None = None) -> Path:
        """The checkup's output folder (``checkup.json``, ``circles.gpkg`` …)."""
        return self.folder(root) / "checkup"


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _proc_start(pid: int) -> str:
    """The process's start time in clock ticks (tells a reused pid apart), '' if unknown."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return ""
    return stat.rsplit(")", 1)[1].split()[19]


def _alive(job: Job) -> bool:
    with _lock:
        child = _children.get(job.id)
        if child is not None:
            if child.poll() is None:
                return True
            _children.pop(job.id, None)
            return False
    try:
        os.kill(job.pid, 0)
    except (ProcessLookupError, PermissionError):
        return False
    try:
        state = Path(f"/proc/{job.pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return True  # no /proc: trust the signal
    return state != "Z" and (not job.pid_start or _proc_start(job.pid) == job.pid_start)


def _save(job: Job, root: Path | None) -> None:
    path = job.folder(root) / "job.json"
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(asdict(job), ensure_ascii=False), "utf-8")
    os.replace(tmp, path)


def _log_tail(job: Job, root: Path | None) -> str:
    try:
        lines = (job.folder(root) / "log.txt").read_text("utf-8", "replace").strip().splitlines()
    except OSError:
        return ""
    useful = [ln.strip() for ln in lines if ln.strip()]
    return useful[-1][:500] if useful else ""


def _judge(job: Job, root: Path | None) -> Job:
    """Settle a running job whose process has ended: 完成 with a result, else 失败."""
    if job.state != "running" or _alive(job):
        return job
    if (job.output(root) / "checkup.json").is_file():
        job.state, job.message = "done", "体检完成，可导入结果"
    else:
        tail = _log_tail(job, root)
        job.state = "failed"
        job.message = "体检进程已退出，没有留下结果" + (f"：{tail}" if tail else "")
    if not job.finished:  # the log was last written when the process ended
        log = job.folder(root) / "log.txt"
        when = datetime.fromtimestamp(log.stat().st_mtime, UTC) if log.is_file() else None
        job.finished = when.strftime("%Y-%m-%dT%H:%M:%SZ") if when else _now()
    _save(job, root)
    return job


def start_checkup(
    package_folder: Path,
    *,
    catalogue: str,
    owner: str,
    package_name: str,
    root: Path | None = None,
) -> Job:
    """Start ``lifecircle checkup`` on ``package_folder`` (it is moved into the job's folder).

    Raises
    ------
    InputError
        No ``district.yaml`` in the package, or an unknown catalogue.
    """
    from lifecircle.standards.loader import list_catalogues
    from lifecircle.workflow.staging import find

    if catalogue not in list_catalogues():
        raise InputError(
            f"未知的指标体系 {catalogue!r}",
            field="catalogue",
            fix="可选：" + "、".join(list_catalogues()),
        )
    found = find(package_folder, "district.yaml")
    if found is None:
        raise InputError(
            "压缩包里没有 district.yaml",
            file=package_name,
            fix="把含 district.yaml 的区数据包文件夹整个压缩为 zip 后上传",
        )
    import secrets

    base = root or default_root()
    base.mkdir(parents=True, exist_ok=True)
    _sweep(base)
    job_id = datetime.now(UTC).strftime("%Y%m%d%H%M%S") + "-" + secrets.token_hex(4)
    folder = base / job_id
    folder.mkdir()
    package = folder / "package"
    shutil.move(str(found.parent), package)
    log = open(folder / "log.txt", "wb")  # noqa: SIM115 - handed to the child
    try:
        child = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "lifecircle",
                "checkup",
                str(package),
                "--out",
                str(folder / "checkup"),
                "--catalogue",
                catalogue,
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            cwd=folder,
            env=dict(os.environ, PYTHONIOENCODING="utf-8", COLUMNS="120"),
            start_new_session=True,
        )
    finally:
        log.close()
    with _lock:
        _children[job_id] = child
    job = Job(
        id=job_id,
        owner=owner,
        package=package_name,
        catalogue=catalogue,
        state="running",
        started=_now(),
        pid=child.pid,
        pid_start=_proc_start(child.pid),
    )
    _save(job, root)
    return job


def _sweep(base: Path) -> None:
    """Forget finished jobs older than ``KEEP_DAYS`` (their packages and outputs)."""
    import time

    for d in base.iterdir():
        try:
            old = time.time() - (d / "job.json").stat().st_mtime > KEEP_DAYS * 86400
        except OSError:
            continue
        if old and read_job(d.name, root=base).state != "running":
            shutil.rmtree(d, ignore_errors=True)


def read_job(job_id: str, *, root: Path | None = None) -> Job:
    """The job ``job_id`` with its state judged now."""
    if not job_id or "/" in job_id or job_id.startswith("."):
        raise RuleError("没有这个体检任务", fix="从体检任务列表中选择")
    try:
        data = json.loads(((root or default_root()) / job_id / "job.json").read_text("utf-8"))
    except (OSError, ValueError):
        raise RuleError("没有这个体检任务", fix="从体检任务列表中选择") from None
    return _judge(Job(**data), root)


def list_jobs(*, root: Path | None = None, limit: int = 20) -> list[Job]:
    """The latest jobs, newest first, each with its state judged now."""
    base = root or default_root()
    if not base.is_dir():
        return []
    names = sorted((d.name for d in base.iterdir() if (d / "job.json").is_file()), reverse=True)
    out = []
    for name in names[:limit]:
        try:
            out.append(read_job(name, root=root))
        except RuleError:
            continue
    return out


def result_zip(job: Job, *, root: Path | None = None) -> bytes:
    """The finished job's ``checkup.json`` and ``circles.gpkg`` as a zip (to import)."""
    import io
    import zipfile

    if job.state != "done":
        raise RuleError(
            f"体检任务 {job.id} {job.state_zh}，没有可导入的结果", fix="等任务完成后再导入"
        )
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name in ("checkup.json", "circles.gpkg"):
            p = job.output(root) / name
            if p.is_file():
                zf.write(p, f"checkup/{name}")
    return buf.getvalue()
