"""Where tile tasks run: in this process, or on a dask.distributed cluster (`cluster`)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sized
from typing import Any, Protocol

Progress = Callable[[str, int, int], None]


class Runner(Protocol):
    """Runs one function over many tasks and returns the results in the tasks' order."""

    def map(
        self,
        fn: Callable[[Any], Any],
        tasks: Iterable[Any],
        *,
        stage: str,
        progress: Progress | None = None,
        total: int | None = None,
    ) -> list[Any]:
        """``[fn(t) for t in tasks]``, wherever the runner runs them.

        ``tasks`` may be a generator (built as they are sent: the inputs of every task
        need not be in memory at once); ``total`` is then their number, for progress.

        Parameters
        ----------
        fn : callable
            Takes one task and returns its result (picklable for a cluster).
        tasks : iterable
            The tasks, a list or a generator.
        stage : str
            The stage named to ``progress`` (``tiles``, ``districts`` …).
        progress : callable, optional
            ``progress(stage, done, total)``, called at the start and after each result.
        total : int, optional
            How many tasks; needed when ``tasks`` is a generator (no ``len``).

        Returns
        -------
        list
            ``fn(task)`` of each task, in the tasks' order.
        """
        ...


class LocalRunner:
    """Every task in this process, one after the other (tests, and one machine)."""

    def map(
        self,
        fn: Callable[[Any], Any],
        tasks: Iterable[Any],
        *,
        stage: str,
        progress: Progress | None = None,
        total: int | None = None,
    ) -> list[Any]:
        """Run ``fn`` on each task in turn, reporting progress after each.

        Parameters
        ----------
        fn : callable
            Takes one task and returns its result; run here, in this process.
        tasks : iterable
            The tasks, a list or a generator.
        stage : str
            The stage named to ``progress`` (``tiles``, ``districts`` …).
        progress : callable, optional
            ``progress(stage, done, total)``, called at the start and after each result.
        total : int, optional
            How many tasks; needed when ``tasks`` is a generator (no ``len``).

        Returns
        -------
        list
            ``fn(task)`` of each task, in the tasks' order.
        """
        report = progress or (lambda stage, done, total: None)
        n = task_count(tasks, total)
        out = []
        report(stage, 0, n)
        for k, task in enumerate(tasks, start=1):
            out.append(fn(task))
            report(stage, k, n)
        return out


def task_count(tasks: Iterable[Any], total: int | None) -> int:
    """How many tasks: ``len(tasks)``, or ``total`` for a generator."""
    if total is not None:
        return int(total)
    if isinstance(tasks, Sized):
        return len(tasks)
    msg = "a generator of tasks needs total="
    raise TypeError(msg)
