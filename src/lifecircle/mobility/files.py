"""Mobility from files: read and check layers and tables, run the engine, write the outputs."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd

from lifecircle.errors import SchemaError
from lifecircle.mobility import _columns as cols
from lifecircle.mobility.delineate import Delineation, delineate, prepare_communities, prepare_flows
from lifecircle.mobility.ingest import IngestOptions, IngestResult, ingest_flows, ingest_records
from lifecircle.mobility.match import MatchResult, matching_degree
from lifecircle.mobility.privacy import DEFAULT_K, load_key

__all__ = [
    "delineate_files",
    "ingest_flows_file",
    "ingest_records_files",
    "match_files",
    "read_circles",
    "read_communities",
    "read_facilities",
    "write_match",
    "write_synthetic",
]

PathLike = str | os.PathLike[str]
Progress = Callable[[str, int, int], None]


def read_communities(
    path: PathLike, *, layer: str | None = None, crs: Any = None
) -> gpd.GeoDataFrame:
    """Community polygons (``id``, ``population`` when present, geometry), metric CRS."""
    from lifecircle.io import read_layer, to_metric

    raw = read_layer(path, layer=layer, geometry="any", crs=crs)
    names = [c for c in raw.columns if c != raw.geometry.name]
    if cols.find(names, "population") is not None:
        return prepare_communities(raw, source=str(path))
    id_col = cols.require(names, "id", source=str(path), what="社区编号")
    out = gpd.GeoDataFrame(
        {
            "id": cols.text(raw[id_col], source=str(path), field=id_col).to_numpy(),
            "population": np.nan,
        },
        geometry=raw.geometry.to_numpy(),
        crs=raw.crs,
    )
    if "circle_id" in raw.columns:
        out["circle_id"] = raw["circle_id"].astype("string").to_numpy()
    return to_metric(out) if out.crs is not None and out.crs.is_geographic else out


def read_facilities(
    path: PathLike, *, coords: str = "wgs84", own_categories: bool = False
) -> gpd.GeoDataFrame:
    """Facilities checked like the access room does (taxonomy categories unless ``own_categories``)."""
    from lifecircle.io import read_layer, validate_facilities
    from lifecircle.io.aliases import find_column

    raw = read_layer(path, coords=coords)
    valid = None
    if not own_categories:
        from lifecircle.standards import load_taxonomy

        taxonomy = load_taxonomy()
        col = find_column([c for c in raw.columns if c != raw.geometry.name], "category")
        if col is not None:
            raw[col] = taxonomy.map_labels(raw[col])
        valid = taxonomy.ids
    return validate_facilities(raw, source=str(path), categories=valid)


def read_circles(path: PathLike, *, encoding: str | None = None) -> pd.Series:
    """Circle of each community from a table: ``community_id`` + ``circle_id`` rows, or the
    district format ``circle_id`` + ``communities`` (ids separated by ``;``, ``；`` or ``、``).

    Returns
    -------
    pandas.Series
        Circle id indexed by community id.
    """
    source = str(path)
    table = cols.read_table(path, encoding=encoding)
    names = list(table.columns)
    circle_col = cols.require(names, "circle_id", source=source, what="生活圈编号")
    circles = cols.text(table[circle_col], source=source, field=circle_col)
    list_col = cols.find([n for n in names if n != circle_col], "communities")
    if list_col is not None:
        pairs = []
        for i, (cid, members) in enumerate(
            zip(circles, table[list_col].astype("string"), strict=True)
        ):
            if pd.isna(members) or not str(members).strip():
                raise SchemaError(
                    "生活圈没有列出社区",
                    file=source,
                    row=i + 1,
                    field=list_col,
                    fix="用 ; 或 、 分隔列出社区。",
                )
            for m in (
                str(members).replace("；", ";").replace("、", ";").replace(",", ";").split(";")
            ):
                if m.strip():
                    pairs.append((m.strip(), cid))
        comm = pd.Series([p[0] for p in pairs])
        circ = pd.Series([p[1] for p in pairs])
    else:
        comm_col = cols.require(
            [n for n in names if n != circle_col], "community_id", source=source, what="社区编号"
        )
        comm = cols.text(table[comm_col], source=source, field=comm_col)
        circ = circles
    dup = comm.duplicated().to_numpy()
    if dup.any():
        raise SchemaError(
            f"社区 {comm.iloc[int(np.flatnonzero(dup)[0])]!r} 被列入了多个生活圈",
            file=source,
            field="communities",
            fix="每个社区只属于一个生活圈。",
        )
    return pd.Series(
        circ.to_numpy(), index=pd.Index(comm.to_numpy(), name="community_id"), name="circle_id"
    )


def ingest_records_files(
    records: Sequence[PathLike],
    *,
    out: PathLike,
    communities: PathLike | None = None,
    facilities: PathLike | None = None,
    facility_coords: str = "wgs84",
    own_categories: bool = False,
    key_file: PathLike | None = None,
    options: IngestOptions | None = None,
    columns: dict[str, str] | None = None,
    encoding: str | None = None,
    progress: Progress | None = None,
) -> tuple[IngestResult, list[Path]]:
    """Read location records, aggregate and suppress them, write the outputs to ``out``."""
    key = load_key(key_file=key_file)
    comm = read_communities(communities) if communities is not None else None
    fac = (
        read_facilities(facilities, coords=facility_coords, own_categories=own_categories)
        if facilities
        else None
    )
    result = ingest_records(
        records,
        key=key,
        communities=comm,
        facilities=fac,
        options=options,
        progress=progress,
        columns=columns,
        encoding=encoding,
    )
    return result, result.write(out)


def ingest_flows_file(
    flows: PathLike, *, out: PathLike, k: int = DEFAULT_K, encoding: str | None = None
) -> tuple[IngestResult, list[Path]]:
    """Read an aggregated flow table, suppress small flows, write ``flows.csv`` and the summary."""
    result = ingest_flows(flows, k=k, encoding=encoding)
    return result, result.write(out)


def match_files(
    *,
    flows: PathLike,
    communities: PathLike,
    facilities: PathLike,
    circles: PathLike | None = None,
    network: PathLike | None = None,
    osm: PathLike | None = None,
    coords: str = "wgs84",
    network_coords: str = "wgs84",
    own_categories: bool = False,
    minutes: float = 15.0,
    walk_speed_m_per_min: float = 80.0,
    k: int = DEFAULT_K,
    max_snap_m: float = 200.0,
    progress: Progress | None = None,
) -> MatchResult:
    """Matching degree from files: flows (community → facility), layers and a network."""
    from lifecircle.io import read_layer, to_metric
    from lifecircle.network.build import graph_from_lines
    from lifecircle.network.osm import graph_from_osm

    if (network is None) == (osm is None):
        raise SchemaError(
            "需要且只需要一个路网来源",
            field="network",
            fix="给出 --network 线图层或 --osm .osm.pbf 文件。",
        )
    table = cols.read_table(flows)
    source = str(flows)
    names = list(table.columns)
    ft = pd.DataFrame(
        {
            "origin": cols.text(
                table[cols.require(names, "origin", source=source, what="起点")],
                source=source,
                field="origin",
            ),
            "destination": cols.text(
                table[cols.require(names, "destination", source=source, what="终点（设施）")],
                source=source,
                field="destination",
            ),
            "count": cols.numbers(
                table[cols.require(names, "count", source=source, what="数量")],
                source=source,
                field="count",
            ),
        }
    )
    dev = cols.find(names, "devices")
    if dev is not None:
        ft["devices"] = cols.numbers(table[dev], source=source, field=dev, integer=True)
    if osm is not None:
        graph = graph_from_osm(osm)
    else:
        assert network is not None
        lines = read_layer(network, geometry="line", coords=network_coords)
        graph = graph_from_lines(to_metric(lines), source=str(network))
    comm = read_communities(communities)
    comm = to_metric(comm, crs=graph.crs)
    fac = to_metric(
        read_facilities(facilities, coords=coords, own_categories=own_categories), crs=graph.crs
    )
    if circles is not None:
        circle_of = read_circles(circles)
    elif "circle_id" in comm.columns:
        circle_of = pd.Series(comm["circle_id"].to_numpy(), index=comm["id"].to_numpy())
    else:
        raise SchemaError(
            "不知道每个社区属于哪个生活圈",
            file=str(communities),
            field="circle_id",
            fix="给出 --circles 生活圈表，或在社区图层中加 circle_id 列。",
        )
    return matching_degree(
        ft,
        communities=comm,
        circle_of=circle_of,
        facilities=fac,
        graph=graph,
        minutes=minutes,
        walk_speed_m_per_min=walk_speed_m_per_min,
        k=k,
        max_snap_m=max_snap_m,
        progress=progress,
    )


def write_match(result: MatchResult, out: PathLike) -> list[Path]:
    """Write the matching-degree tables (CSV) and ``match.json`` into folder ``out``."""
    from lifecircle.io import write_atomic

    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    written = []

    def csv_writer(table: pd.DataFrame) -> Callable[[Path], None]:
        def write(tmp: Path) -> None:
            table.to_csv(tmp, index=False, encoding="utf-8-sig", lineterminator="\n")

        return write

    for name in ("communities", "circles", "categories", "pairs", "trips"):
        written.append(
            write_atomic(folder / f"match_{name}.csv", csv_writer(getattr(result, name)))
        )
    doc = json.dumps(
        {"summary": result.summary, "warnings": list(result.warnings)}, ensure_ascii=False, indent=2
    )
    written.append(
        write_atomic(folder / "match.json", lambda t: t.write_text(doc + "\n", encoding="utf-8"))
    )
    return written


def delineate_files(
    *,
    communities: PathLike,
    flows: PathLike,
    target_count: int | None = None,
    min_pop: float | None = None,
    max_pop: float | None = None,
    current: PathLike | None = None,
    adjacency_m: float = 1.0,
    resolution: float = 1.0,
    seed: int = 0,
    layer: str | None = None,
) -> Delineation:
    """Delineation from a community polygon layer and a community-to-community flow table."""
    from lifecircle.io import read_layer

    raw = read_layer(communities, layer=layer, geometry="any")
    comm = prepare_communities(raw, source=str(communities))
    flow_table = prepare_flows(cols.read_table(flows), source=str(flows))
    cur = read_circles(current) if current is not None else None
    return delineate(
        comm,
        flow_table,
        target_count=target_count,
        min_pop=min_pop,
        max_pop=max_pop,
        adjacency_m=adjacency_m,
        resolution=resolution,
        seed=seed,
        current=cur,
    )


def write_synthetic(
    out: PathLike,
    *,
    seed: int = 1,
    noise: float = 0.3,
    rows: int = 12,
    cols_: int = 12,
    circles: int = 30,
    devices: int = 0,
    days: int = 1,
    coords: str = "wgs84",
    district: PathLike | None = None,
    shift: float = 0.0,
) -> list[Path]:
    """Write a synthetic city and its flows (and records when ``devices`` > 0) to ``out``.

    With ``district`` (a district data package with community polygons, such as the
    demo's) the city is that district: its communities, circles, facilities and streets
    (`synth_district.city_from_district`); ``rows``, ``cols_`` and ``circles`` are unused.

    ``shift`` (with ``district``) plants circles that differ from today's (see
    `city_from_district`).

    Files: ``communities.gpkg`` (id, name, population, circle_id: today's circle, and
    ``planted_circle_id``), ``facilities.gpkg``, ``streets.gpkg``, ``circles.csv``
    (today's circles), ``planted_circles.csv`` (when they differ), ``flows_communities.csv``,
    ``flows_facilities.csv``, and ``records.csv`` (raw ids, for trying the ingest).
    """
    from lifecircle.mobility.synth import synthetic_city, synthetic_facility_flows, synthetic_flows
    from lifecircle.mobility.synth_records import synthetic_records, write_records

    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    if district is not None:
        from lifecircle.mobility.synth_district import city_from_district

        city = city_from_district(district, seed=seed, shift=shift)
    else:
        city = synthetic_city(rows=rows, cols=cols_, n_circles=circles, seed=seed)
    written = []
    communities = city.communities.assign(planted_circle_id=city.communities["circle_id"])
    if city.current is not None:
        communities["circle_id"] = communities["id"].map(city.current).to_numpy()
    for name, layer in (
        ("communities", communities),
        ("facilities", city.facilities),
        ("streets", city.streets),
    ):
        path = folder / f"{name}.gpkg"
        layer.to_crs("EPSG:4326").to_file(path, layer=name, driver="GPKG", engine="pyogrio")
        written.append(path)
    tables = {
        "circles": city.circles_table,
        "flows_communities": synthetic_flows(city, noise=noise, seed=seed),
        "flows_facilities": synthetic_facility_flows(city, noise=noise, seed=seed),
    }
    if city.current is not None:
        planted = city.communities.groupby("circle_id", sort=True)["id"]
        tables["planted_circles"] = pd.DataFrame(
            {"circle_id": list(planted.groups), "communities": [";".join(v) for _, v in planted]}
        )
    for name, table in tables.items():
        path = folder / f"{name}.csv"
        table.to_csv(path, index=False, lineterminator="\n")
        written.append(path)
    if devices > 0:
        if coords not in ("wgs84", "gcj02"):
            raise SchemaError(f"未知坐标系 {coords!r}", field="coords", fix="使用 wgs84 或 gcj02。")
        path = folder / "records.csv"
        system: Literal["wgs84", "gcj02"] = "gcj02" if coords == "gcj02" else "wgs84"
        batches = synthetic_records(
            city, devices=devices, days=days, noise=noise, seed=seed, coords=system
        )
        write_records(path, batches)
        written.append(path)
    return written
