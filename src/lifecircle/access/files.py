"""Access from files: read and check the layers, build the network, measure, write outputs."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from lifecircle.errors import SchemaError
from lifecircle.io._sniff import require_file
from lifecircle.network.limits import check_walk_options
from lifecircle.network.warmup import compile_kernels_in_background

if TYPE_CHECKING:
    import pyproj

    from lifecircle.access.engine import Progress
    from lifecircle.access.result import AccessResult


def access_from_files(
    *,
    homes: str | os.PathLike[str],
    facilities: str | os.PathLike[str],
    network: str | os.PathLike[str] | None = None,
    osm: str | os.PathLike[str] | None = None,
    radii: Sequence[float] | None = None,
    minutes: Sequence[float] | None = None,
    walk_speed_m_per_min: float = 80.0,
    crs: str | int | pyproj.CRS | None = None,
    coords: str = "wgs84",
    network_coords: str = "wgs84",
    node_crossings: bool = False,
    max_snap_m: float = 200.0,
    categories: Sequence[str] | None = None,
    own_categories: bool = False,
    progress: Progress | None = None,
) -> AccessResult:
    """Read homes, facilities and a network (line layer or OSM PBF) and measure access.

    Facility categories are the taxonomy's (ids, Chinese or English names, Amap type
    codes are all accepted); an unknown one stops with an error listing the valid ids,
    unless ``own_categories`` allows any label.

    Every layer is validated on the way in (columns, ids, coordinates; see
    ``docs/input-formats.md``); lon/lat layers in ``coords`` (``gcj02``, ``bd09`` …) are
    converted to WGS-84; everything is projected to ``crs``, else kept in the network's
    CRS when that is metric (`lifecircle.io.is_metric`), else projected to the network's
    UTM zone. On the first run after installing, the routing kernels compile in a child
    process while the files are read; later runs load them from the cache when first
    called.

    Parameters
    ----------
    homes, facilities
        Point (or polygon) layers: any format :func:`lifecircle.io.read_layer` reads.
    network, osm
        Exactly one: a line layer of walkable streets, or an OSM PBF extract.
    radii, minutes, walk_speed_m_per_min, categories, max_snap_m, progress
        As for :func:`compute_access`.
    crs
        Metric CRS to work in (default: the network's if metric, else its UTM zone).
    coords, network_coords
        Coordinate system of lon/lat layers: ``wgs84``, ``gcj02`` or ``bd09``.
    node_crossings
        Also join the line layer's streets wherever they cross (see
        :func:`lifecircle.network.graph_from_lines`).
    own_categories
        Accept any category label instead of the taxonomy's.

    Returns
    -------
    AccessResult
        What :func:`compute_access` measured.
    """
    if (network is None) == (osm is None):
        msg = "须给出一个路网来源（二选一）"
        raise SchemaError(
            msg, field="network", fix="用 --network 给出路网文件，或用 --osm 给出 .osm.pbf 文件"
        )
    check_walk_options(radii, minutes, walk_speed_m_per_min, max_snap_m)
    for given in (homes, facilities, network, osm):
        if given is not None:  # a missing file stops here, before the heavy imports
            require_file(Path(given))
    compile_kernels_in_background()
    from lifecircle.access.engine import compute_access
    from lifecircle.io import read_layer, to_metric, validate_facilities, validate_homes
    from lifecircle.network.build import graph_from_lines
    from lifecircle.network.osm import graph_from_osm

    report = progress or (lambda stage, done, total: None)
    report("read", 0, 3)
    home_layer = validate_homes(read_layer(homes, coords=coords), source=str(homes))
    report("read", 1, 3)
    fac_raw = read_layer(facilities, coords=coords)
    valid = None
    if not own_categories:
        from lifecircle.io.aliases import find_column
        from lifecircle.standards import load_taxonomy

        taxonomy = load_taxonomy()
        col = find_column([c for c in fac_raw.columns if c != fac_raw.geometry.name], "category")
        if col is not None:
            fac_raw[col] = taxonomy.map_labels(fac_raw[col])
        valid = taxonomy.ids
    fac_layer = validate_facilities(fac_raw, source=str(facilities), categories=valid)
    report("read", 2, 3)
    if osm is not None:
        graph = graph_from_osm(osm, crs=crs)
    else:
        assert network is not None  # exactly one source, checked above
        lines = read_layer(network, geometry="line", coords=network_coords)
        graph = graph_from_lines(
            to_metric(lines, crs=crs), source=str(network), node_crossings=node_crossings
        )
    report("read", 3, 3)
    return compute_access(
        graph,
        to_metric(home_layer, crs=graph.crs),
        to_metric(fac_layer, crs=graph.crs),
        radii=radii,
        minutes=minutes,
        walk_speed_m_per_min=walk_speed_m_per_min,
        categories=categories,
        max_snap_m=max_snap_m,
        progress=progress,
    )


def write_outputs(result: AccessResult, out: str | os.PathLike[str]) -> list[Path]:
    """Write a result: ``out`` ending in .parquet or .gpkg is that one file; else a folder.

    The folder gets ``access.parquet`` (GeoParquet, one row per home), ``access.gpkg``
    (layers homes, coverage, unsnapped), ``coverage.csv``, ``unsnapped.csv`` and
    ``run.json`` (options, network figures, timings, warnings). The folder is written as
    a unit (complete or absent; an earlier result folder is replaced only at the end).
    """
    from lifecircle.io import write_atomic, write_folder

    out = Path(out)
    if out.suffix.lower() == ".parquet":
        return [result.to_parquet(out)]
    if out.suffix.lower() == ".gpkg":
        return [result.to_gpkg(out)]
    meta = {
        "homes": len(result.homes),
        "categories": list(result.categories),
        "radii_m": list(result.radii_m),
        "network": result.network,
        "crs": result.crs.to_string() if result.crs is not None else None,
        "unsnapped": len(result.unsnapped),
        "unsnapped_population": result.unsnapped_population,
        "warnings": list(result.warnings),
        "seconds": round(result.seconds, 3),
        "options": result.options,
    }
    text = json.dumps(meta, ensure_ascii=False, indent=2, sort_keys=True)
    coverage, unsnapped = result.coverage, result.unsnapped

    def write(folder: Path) -> None:
        result.to_parquet(folder / "access.parquet")
        result.to_gpkg(folder / "access.gpkg")
        write_atomic(folder / "coverage.csv", lambda t: coverage.to_csv(t, index=False))
        write_atomic(folder / "unsnapped.csv", lambda t: unsnapped.to_csv(t, index=False))
        write_atomic(folder / "run.json", lambda t: t.write_text(text, encoding="utf-8"))

    final = write_folder(out, write, owns=lambda f: (f / "run.json").is_file())
    names = ("access.parquet", "access.gpkg", "coverage.csv", "unsnapped.csv", "run.json")
    return [final / name for name in names]
