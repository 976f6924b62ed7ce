"""Where tile tasks run: in this process, or on a dask.distributed cluster (`cluster`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol

Progress = Callable[[str, int, int], None]


class Runner(Protocol):
    """Runs one function over many tasks and returns the results in the tasks' order."""

    def map(
        self,
        fn: Callable[[Any], Any],
        tasks: Sequence[Any],
        *,
        stage: str,
        progress: Progress | None = None,
    ) -> list[Any]:
        """``[fn(t) for t in tasks]``, wherever the runner runs them."""
        ...


class LocalRunner:
    """Every task in this process, one after the other (tests, and one machine)."""

    def map(
        self,
        fn: Callable[[Any], Any],
        tasks: Sequence[Any],
        *,
        stage: str,
        progress: Progress | None = None,
    ) -> list[Any]:
        """Run ``fn`` on each task in turn, reporting progress after each."""
        report = progress or (lambda stage, done, total: None)
        out = []
        report(stage, 0, len(tasks))
        for k, task in enumerate(tasks, start=1):
            out.append(fn(task))
            report(stage, k, len(tasks))
        return out
