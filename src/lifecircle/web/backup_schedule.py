"""Scheduled backups of a running server: a background thread started in the app's lifespan
calls ``workflow.backups.backup_if_due`` (a lock file in the folder keeps several worker
processes from backing up at once). Errors are logged, never raised into the server."""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from fastapi import FastAPI
from sqlalchemy import Engine

from lifecircle.web.settings import Settings
from lifecircle.workflow.backups import backup_if_due

log = logging.getLogger("lifecircle.backup")


class BackupThread(threading.Thread):
    """Checks every ``min(every_s, 60)`` seconds whether a backup is due, until stopped."""

    def __init__(self, settings: Settings, engine: Engine) -> None:
        super().__init__(name="lifecircle-backup", daemon=True)
        self.settings = settings
        self.engine = engine
        self.stop_event = threading.Event()

    def run(self) -> None:
        s = self.settings
        folder = s.backup_dir
        if folder is None:
            return
        pause = max(0.2, min(s.backup_every_s, 60.0))
        while not self.stop_event.is_set():
            try:
                done = backup_if_due(
                    self.engine,
                    folder,
                    every_s=s.backup_every_s,
                    keep=s.backup_keep,
                    evidence_dir=s.evidence_dir(),
                )
                if done is not None:
                    log.info(
                        "已自动备份到 %s（新复制佐证材料 %d 份）", done.path, done.evidence_copied
                    )
                    if done.evidence_missing:
                        log.error(
                            "自动备份：%d 份佐证材料在材料目录中缺失或已被改动，未能备份",
                            len(done.evidence_missing),
                        )
            except Exception as exc:  # the server keeps running; the next check tries again
                log.error(
                    "自动备份失败（%s）：%s；稍后重试，请检查备份目录 %s",
                    type(exc).__name__,
                    exc,
                    folder,
                )
            self.stop_event.wait(pause)

    def stop(self) -> None:
        self.stop_event.set()
        self.join(timeout=30)


def lifespan_for(
    settings: Settings, engine: Engine
) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """The app's lifespan: starts the backup thread when ``settings.backup_dir`` is set."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        thread = None
        if settings.backup_dir is not None:
            thread = BackupThread(settings, engine)
            thread.start()
            app.state.backup_thread = thread
        try:
            yield
        finally:
            if thread is not None:
                thread.stop()

    return lifespan
