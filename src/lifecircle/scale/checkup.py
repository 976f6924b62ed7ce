"""The checkup on a cluster: tiles of one district, or one task per district."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lifecircle.access.result import AccessResult
from lifecircle.network.graph import WalkGraph
from lifecircle.scale.runner import Runner
from lifecircle.scale.tiled import tiled_access
from lifecircle.scale.tiles import access_pad_m

if TYPE_CHECKING:
    import geopandas as gpd

#: tasks per worker when the tile count is chosen for the user (room to balance)
TASKS_PER_WORKER = 4
#: a tile's core is at least this many buffers wide (at most 2.25 × the core's area)
MIN_CORE_IN_PADS = 4.0


def auto_tiles(graph: WalkGraph, *, workers: int, radii_m: Sequence[float]) -> int:
    """A tile count for ``workers``: a few tiles each, but no tile much smaller than its buffer.

    Parameters
    ----------
    graph : WalkGraph
        The whole network.
    workers : int
        Worker processes of the cluster.
    radii_m : sequence of float
        The run's walking radii (the buffer is twice the largest).

    Returns
    -------
    int
    """
    pad = access_pad_m(list(radii_m))
    w = float(graph.node_x.max() - graph.node_x.min())
    h = float(graph.node_y.max() - graph.node_y.min())
    most = max(1, int((w * h) // (MIN_CORE_IN_PADS * pad) ** 2))
    return max(1, min(TASKS_PER_WORKER * max(1, workers), most))


def checkup_access(
    runner: Runner, *, workers: int = 1, tiles: int | None = None
) -> Callable[..., AccessResult]:
    """An ``access_fn`` for `lifecircle.checkup.run_checkup` that runs tiles on ``runner``.

    Parameters
    ----------
    runner : Runner
        `LocalRunner`, or the `DaskRunner` of `lifecircle.scale.cluster.open_cluster`.
    workers : int
        The cluster's workers (for the automatic tile count).
    tiles : int, optional
        About how many tiles; default `auto_tiles`.

    Returns
    -------
    callable
        With `lifecircle.access.compute_access`'s signature and result.
    """

    def access(
        graph: WalkGraph,
        homes: gpd.GeoDataFrame,
        facilities: gpd.GeoDataFrame,
        **options: Any,
    ) -> AccessResult:
        radii = options.get("radii") or (1000.0,)
        n = tiles if tiles is not None else auto_tiles(graph, workers=workers, radii_m=radii)
        return tiled_access(
            graph,
            homes,
            facilities,
            radii=options.get("radii"),
            categories=options.get("categories"),
            counts_for=options.get("counts_for"),
            max_snap_m=float(options.get("max_snap_m", 200.0)),
            tiles=n,
            runner=runner,
            progress=options.get("progress"),
        )

    return access


@dataclass(frozen=True)
class DistrictTask:
    """One district's whole checkup: a package folder on shared storage, or a District."""

    index: int
    district: Any  # a package folder (str/Path) or a District
    catalogue: Any  # a Catalogue, or a built-in name / YAML path
    out_dir: str | None = None
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> str:
        """The task's name on a scheduler."""
        return f"lifecircle-district-{self.index}"


def run_district(task: DistrictTask) -> Any:
    """Load (when a folder), check and (with ``out_dir``) write one district.

    Parameters
    ----------
    task : DistrictTask

    Returns
    -------
    lifecircle.checkup.CheckupResult
    """
    from lifecircle.checkup.run import run_checkup
    from lifecircle.district import load_district
    from lifecircle.standards import Catalogue, load_catalogue

    district = task.district
    if isinstance(district, str | os.PathLike):
        district = load_district(Path(district))
    cat = (
        task.catalogue if isinstance(task.catalogue, Catalogue) else load_catalogue(task.catalogue)
    )
    checkup = run_checkup(district, cat, **task.options)
    if task.out_dir is not None:
        checkup.write(task.out_dir)
    return checkup.result


def checkup_districts(
    districts: Sequence[Any],
    catalogue: Any,
    *,
    runner: Runner,
    out_dirs: Sequence[str | os.PathLike[str]] | None = None,
    progress: Callable[[str, int, int], None] | None = None,
    **options: Any,
) -> list[Any]:
    """One task per district (partition by district): each loads, checks and writes its own.

    Parameters
    ----------
    districts : sequence
        Package folders on storage every worker reads, or `District` objects.
    catalogue : Catalogue or str
        The catalogue, or its built-in name / YAML path.
    runner : Runner
        Where the tasks run.
    out_dirs : sequence of path, optional
        Where each district's checkup is written (by the worker, on shared storage).
    progress : callable, optional
        ``progress("districts", done, total)``.
    **options
        Passed on to `lifecircle.checkup.run_checkup` (``max_snap_m``, ``data_date`` …).

    Returns
    -------
    list of CheckupResult
        In the order of ``districts``.
    """
    outs = [None] * len(districts) if out_dirs is None else [str(o) for o in out_dirs]
    tasks = [
        DistrictTask(index=k, district=d, catalogue=catalogue, out_dir=o, options=dict(options))
        for k, (d, o) in enumerate(zip(districts, outs, strict=True))
    ]
    return runner.map(run_district, tasks, stage="districts", progress=progress)
