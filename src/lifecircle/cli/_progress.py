"""Progress for long work: a rich bar on a terminal, log lines elsewhere."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager

STAGES_ZH = {
    "read": "读取数据",
    "snap": "挂接路网",
    "access": "计算步行可达",
    "checkup": "逐圈体检",
    "tiles": "分块计算步行可达（集群）",
    "tiles_far": "远距离步行补算（全网）",
    "districts": "逐区体检（集群）",
    "report": "生成报告",
}

log = logging.getLogger("lifecircle")


@contextmanager
def progress_callback(*, ticking: bool = True) -> Iterator:
    """Yield ``callback(stage, done, total)`` that draws a bar or logs, as fits stderr.

    ``ticking=False``: the bar is drawn at each call only, without rich's refresh thread
    (the report workers are forked only from a process with no other thread).
    """
    if not sys.stderr.isatty():
        last: dict[str, int] = {}

        def log_only(stage: str, done: int, total: int) -> None:
            if last.get(stage) != done and (done == 0 or done == total):
                log.info("%s %d/%d", STAGES_ZH.get(stage, stage), done, total)
            last[stage] = done

        yield log_only
        return
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TaskID,
        TimeElapsedColumn,
    )

    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        transient=False,
        auto_refresh=ticking,
    ) as bar:
        tasks: dict[str, TaskID] = {}

        def draw(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(STAGES_ZH.get(stage, stage), total=total)
            bar.update(tasks[stage], completed=done, total=total)
            if not ticking:
                bar.refresh()

        yield draw
