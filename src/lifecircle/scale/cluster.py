"""Tile tasks on dask.distributed: a local cluster, or a scheduler the user already runs.

``distributed`` is imported only here and only when a cluster is asked for; without it
the user is told in Chinese how to install it (the ``scale`` extra).

What keeps a run exact when things go wrong: every task carries all its inputs (the
scheduler can run it again anywhere), each task has its own key (one result per tile,
gathered once), a task that raises is retried (``retries``), and a task whose worker is
lost is run again by the scheduler on another worker. A result is therefore neither lost
nor counted twice.
"""

from __future__ import annotations

import logging
import os
import uuid
import warnings
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from lifecircle.errors import ClusterError, InputError, OptionalDependencyError
from lifecircle.scale.runner import Progress, task_count

#: how often a task that raised is run again before the run fails
DEFAULT_RETRIES = 3


def load_distributed() -> Any:
    """The ``distributed`` module, or a clear error in Chinese when it is not installed."""
    try:
        import distributed
    except ImportError as exc:
        raise OptionalDependencyError(
            "在集群上体检需要 dask.distributed，当前环境没有安装。"
            "请运行 pip install 'lifecircle[scale]'（或 pip install distributed）后重试；"
            "不用集群时去掉 --workers / --cluster 即可在本机单进程运行"
        ) from exc
    return distributed


def local_threads(workers: int) -> int:
    """Numba threads per local worker: the usable cores shared out among the workers."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, cores // max(1, workers))


class DaskRunner:
    """Runs tile tasks on a ``distributed.Client``, with retries and progress.

    Usually made by `open_cluster`; build one directly for a client of your own.

    Parameters
    ----------
    client : distributed.Client
        The connected client (the runner neither opens nor closes it).
    retries : int
        How often a task that raised is run again before the run fails.
    """

    def __init__(self, client: Any, *, retries: int = DEFAULT_RETRIES) -> None:
        self.client = client
        self.retries = retries
        self.run_id = uuid.uuid4().hex[:12]

    @property
    def workers(self) -> int:
        """Workers the scheduler knows of now."""
        return max(1, len(self.client.scheduler_info().get("workers", {})))

    def map(
        self,
        fn: Callable[[Any], Any],
        tasks: Iterable[Any],
        *,
        stage: str,
        progress: Progress | None = None,
        total: int | None = None,
    ) -> list[Any]:
        """Submit one task per item (each with all its inputs) and gather the results.

        At most ``window`` tasks are out at a time (two per worker): the next item is
        built and sent when a result comes back, so neither this process nor the
        scheduler holds every tile at once. Results come back in the items' order; each
        is taken once, from its own key, however often the scheduler had to run it.

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
        distributed = load_distributed()
        report = progress or (lambda stage, done, total: None)
        n = task_count(tasks, total)
        report(stage, 0, n)
        items = enumerate(tasks)
        pending: dict[Any, int] = {}
        results: dict[int, Any] = {}
        queue = distributed.as_completed()

        def send() -> None:
            for k, task in items:
                with warnings.catch_warnings():
                    # inputs travel inside the task on purpose: a lost worker's task
                    # can be run again elsewhere, which scattered data would not allow
                    warnings.filterwarnings("ignore", message=".*[Ll]arge (object|graph).*")
                    future = self.client.submit(
                        fn, task, key=f"{_name(task, k)}-{self.run_id}",
                        retries=self.retries, pure=False,
                    )  # fmt: skip
                pending[future] = k
                queue.add(future)
                return

        for _ in range(self.window):
            send()
        try:
            for future in queue:
                k = pending.pop(future)
                results[k] = future.result()
                future.release()
                report(stage, len(results), n)
                send()
        except distributed.KilledWorker as exc:
            raise ClusterError(
                f"分块任务 {exc.args[0] if exc.args else ''} 多次导致工作进程退出（常见原因：内存不足）",
                fix="把网络分成更多、更小的块（--tiles 调大），或给每个工作进程更多内存",
            ) from exc
        finally:
            self.client.cancel(list(pending))
        return [results[k] for k in range(len(results))]

    @property
    def window(self) -> int:
        """Tasks out at a time: two per worker."""
        return 2 * self.workers


def _name(task: Any, k: int) -> str:
    return str(getattr(task, "key", f"lifecircle-task-{k}"))


@contextmanager
def open_cluster(
    *,
    workers: int | None = None,
    address: str | None = None,
    retries: int = DEFAULT_RETRIES,
    memory_limit: str | float | None = "auto",
) -> Iterator[DaskRunner]:
    """A `DaskRunner` on a new local cluster of ``workers`` processes, or on ``address``.

    Parameters
    ----------
    workers : int, optional
        Start a ``LocalCluster`` of this many worker processes (one thread each; numba
        gets the cores shared out among them). Closed again on leaving.
    address : str, optional
        A running scheduler, e.g. ``tcp://10.0.0.5:8786`` (``dask scheduler``).
    retries : int
        How often a task that raised is run again.
    memory_limit : str or float, optional
        Per local worker (dask's ``memory_limit``).

    Yields
    ------
    DaskRunner
    """
    if (workers is None) == (address is None):
        raise InputError(
            "请给出本机工作进程数或调度器地址（二选一）",
            field="--workers/--cluster",
            fix="例如 --workers 2，或 --cluster tcp://调度器主机:8786",
        )
    distributed = load_distributed()
    if address is not None:
        try:
            client = distributed.Client(address, timeout="20s")
        except (OSError, TimeoutError) as exc:
            raise InputError(
                f"连接不上 dask 调度器 {address}：{exc}",
                field="--cluster",
                fix="先在该主机运行 `dask scheduler`，再在各计算节点运行 `dask worker 地址`；"
                "确认地址、端口（默认 8786）与防火墙",
            ) from exc
        try:
            yield DaskRunner(client, retries=retries)
        finally:
            client.close()
        return
    n = int(workers or 1)
    if n < 1:
        raise InputError("工作进程数须为正整数", field="--workers", fix="例如 --workers 2")
    cluster = distributed.LocalCluster(
        n_workers=n,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        silence_logs=logging.ERROR,
        memory_limit=memory_limit,
        env={"NUMBA_NUM_THREADS": str(local_threads(n))},
    )
    client = distributed.Client(cluster)
    try:
        yield DaskRunner(client, retries=retries)
    finally:
        client.close()
        cluster.close()
