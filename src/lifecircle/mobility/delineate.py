"""Life-circle delineation: Leiden on shared flows over walkable adjacency, under constraints."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.sparse import coo_matrix

from lifecircle.errors import SchemaError
from lifecircle.mobility import _columns as cols
from lifecircle.mobility._flowgraph import FlowGraph, Labels
from lifecircle.mobility._leiden import leiden, leiden_count
from lifecircle.mobility._repair import Constraints, enforce
from lifecircle.mobility.adjacency import adjacency_pairs
from lifecircle.mobility.compare import Comparison, compare_partitions, name_after

__all__ = ["Delineation", "delineate", "prepare_communities", "prepare_flows"]


@dataclass(frozen=True)
class Delineation:
    """Proposed circles.

    ``assignment``: one row per community, ``community_id`` and ``circle_id``.
    ``circles``: one row per proposed circle with its quality: ``communities`` (count),
    ``population``, ``area_km2``, ``self_containment`` (share of trips leaving its
    communities that end inside it), ``capture`` (share of trips arriving in it that
    start inside it), ``internal_trips``, ``outgoing_trips``, ``contiguous``.
    ``comparison`` is set when current circles were given.
    """

    assignment: pd.DataFrame
    circles: pd.DataFrame
    polygons: gpd.GeoDataFrame
    summary: dict[str, Any]
    warnings: tuple[str, ...]
    comparison: Comparison | None = None


def prepare_communities(layer: gpd.GeoDataFrame, *, source: str | None = None) -> gpd.GeoDataFrame:
    """Check a community polygon layer; return ``id``, ``population``, geometry (metric CRS).

    Parameters
    ----------
    layer : geopandas.GeoDataFrame
        Polygons with an id column and a population column (Chinese or English names).
    source : str, optional
        The file the layer came from, named in errors.

    Returns
    -------
    geopandas.GeoDataFrame
        ``id`` (text), ``population`` (number) and polygons, in a metric CRS.

    Raises
    ------
    SchemaError
        Missing ``id``/``population`` column, empty or duplicate id, bad population,
        missing or non-polygon geometry; naming the file, row and field.
    """
    from lifecircle.io import to_metric

    if len(layer) == 0:
        raise SchemaError("社区图层没有要素", file=source, fix="给出含社区面的图层。")
    names = [c for c in layer.columns if c != layer.geometry.name]
    id_col = cols.require(names, "id", source=source, what="社区编号")
    pop_col = cols.require(names, "population", source=source, what="人口")
    ids = cols.text(layer[id_col], source=source, field=id_col)
    dup = ids.duplicated(keep="first").to_numpy()
    if dup.any():
        i = int(np.flatnonzero(dup)[0])
        raise SchemaError(
            f"社区编号 {ids.iloc[i]!r} 重复", file=source, row=i + 1, field=id_col,
            fix="每个社区只占一行，编号唯一。",
        )  # fmt: skip
    pop = cols.numbers(layer[pop_col], source=source, field=pop_col)
    geoms = np.asarray(layer.geometry.values)
    bad = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    bad |= ~np.isin(shapely.get_type_id(geoms), (3, 6))  # Polygon, MultiPolygon
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise SchemaError(
            "社区几何不是面（Polygon/MultiPolygon）或为空",
            file=source,
            row=i + 1,
            field="geometry",
            fix="给出社区边界面图层（GeoPackage/GeoJSON/Shapefile）。",
        )
    out = gpd.GeoDataFrame(
        {"id": ids.to_numpy(), "population": pop.to_numpy()}, geometry=geoms, crs=layer.crs
    )
    if out.crs is None:
        raise SchemaError(
            "社区图层没有坐标系",
            file=source,
            field="geometry",
            fix="为图层指定坐标系（如 EPSG:4326）。",
        )
    return to_metric(out) if out.crs.is_geographic else out


def prepare_flows(table: pd.DataFrame, *, source: str | None = None) -> pd.DataFrame:
    """Check a flow table; return ``origin``, ``destination`` (text) and ``count`` (>= 0).

    Parameters
    ----------
    table : pandas.DataFrame
        A flow table with origin, destination and count columns (Chinese or English names).
    source : str, optional
        The file the table came from, named in errors.

    Returns
    -------
    pandas.DataFrame
        ``origin``, ``destination`` (community ids as text) and ``count``.

    Raises
    ------
    SchemaError
        An empty table, a missing column or a bad value; naming the file, row and field.
    """
    if len(table) == 0:
        raise SchemaError("流量表没有数据行", file=source, fix="给出含起点、终点、数量的表。")
    names = list(table.columns)
    o = cols.require(names, "origin", source=source, what="起点")
    d = cols.require(names, "destination", source=source, what="终点")
    c = cols.require(names, "count", source=source, what="数量")
    return pd.DataFrame(
        {
            "origin": cols.text(table[o], source=source, field=o).to_numpy(),
            "destination": cols.text(table[d], source=source, field=d).to_numpy(),
            "count": cols.numbers(table[c], source=source, field=c).to_numpy(),
        }
    )


def _flow_graph(
    comm: gpd.GeoDataFrame, flows: pd.DataFrame, adjacency_m: float, warnings: list[str]
) -> FlowGraph:
    n = len(comm)
    index = pd.Index(comm["id"].to_numpy())
    o = index.get_indexer(flows["origin"].to_numpy())
    d = index.get_indexer(flows["destination"].to_numpy())
    w = flows["count"].to_numpy(dtype=np.float64)
    known = (o >= 0) & (d >= 0)
    unknown_o = flows.loc[o < 0, "origin"].unique()
    if len(unknown_o):
        warnings.append(
            f"{len(unknown_o)} 个起点不在社区图层中（如 {unknown_o[0]!r}），其流量未参与划分。"
        )
    if known.sum() == 0:
        raise SchemaError(
            "流量表中没有一条流的起点和终点都在社区图层中",
            field="origin",
            fix="流量表的 origin/destination 应为社区图层的 id。",
        )
    outside = np.bincount(o[(o >= 0) & (d < 0)], weights=w[(o >= 0) & (d < 0)], minlength=n)
    if ((o >= 0) & (d < 0)).any():
        warnings.append("部分流的终点不在社区图层中：计为流出区外，只影响自足率。")
    flows_m = coo_matrix((w[known], (o[known], d[known])), shape=(n, n)).tocsr()
    pairs = adjacency_pairs(comm.geometry.to_numpy(), tolerance_m=adjacency_m)
    degree = np.bincount(pairs.ravel(), minlength=n)
    if (degree == 0).any():
        lonely = comm["id"].to_numpy()[degree == 0]
        warnings.append(
            f"{len(lonely)} 个社区与其他社区都不相邻（如 {lonely[0]!r}），各自单独成圈；"
            "可加大 --adjacency 距离。"
        )
    return FlowGraph(
        population=comm["population"].to_numpy(dtype=np.float64),
        pairs=pairs,
        flows=flows_m,
        outside=np.asarray(outside, dtype=np.float64),
    )


def _quality(
    graph: FlowGraph, comm: gpd.GeoDataFrame, labels: Labels, names: pd.Series
) -> pd.DataFrame:
    n_c = int(labels.max()) + 1
    f = graph.flows.tocoo()
    same = labels[f.row] == labels[f.col]
    internal = np.bincount(labels[f.row[same]], weights=f.data[same], minlength=n_c)
    out_all = np.bincount(labels[f.row], weights=f.data, minlength=n_c) + np.bincount(
        labels, weights=graph.outside, minlength=n_c
    )
    in_all = np.bincount(labels[f.col], weights=f.data, minlength=n_c)
    area = np.bincount(labels, weights=shapely.area(comm.geometry.to_numpy()), minlength=n_c)
    rows = []
    for c in range(n_c):
        members = np.flatnonzero(labels == c)
        rows.append(
            {
                "circle_id": names.iloc[int(members[0])],
                "communities": len(members),
                "community_ids": ";".join(comm["id"].to_numpy()[members]),
                "population": float(graph.population[members].sum()),
                "area_km2": round(float(area[c]) / 1e6, 4),
                "internal_trips": float(internal[c]),
                "outgoing_trips": float(out_all[c]),
                "self_containment": float(internal[c] / out_all[c])
                if out_all[c] > 0
                else float("nan"),
                "capture": float(internal[c] / in_all[c]) if in_all[c] > 0 else float("nan"),
                "contiguous": graph.is_contiguous(members),
            }
        )
    return pd.DataFrame(rows).sort_values("circle_id", ignore_index=True)


def delineate(
    communities: gpd.GeoDataFrame,
    flows: pd.DataFrame,
    *,
    target_count: int | None = None,
    min_pop: float | None = None,
    max_pop: float | None = None,
    adjacency_m: float = 1.0,
    resolution: float = 1.0,
    seed: int = 0,
    current: pd.Series | None = None,
) -> Delineation:
    """Group communities into contiguous life circles by the trips they share.

    Communities are nodes; two are joined when their polygons touch or lie within
    ``adjacency_m`` (walkable adjacency), with the trips both ways as the weight, and the
    trips within a community as a self-loop. Leiden (modularity, RB configuration model)
    finds the groups: at ``resolution``, or at the resolution whose count is nearest
    ``target_count``. Then the constraints: a community is never split (it is a node);
    non-contiguous circles are split into their pieces; circles below ``min_pop`` merge
    into the neighbour they gain most with; circles above ``max_pop`` split along their
    weakest flows; merges or splits reach ``target_count``; finally single communities
    move across borders while modularity rises, keeping every circle contiguous and the
    population range. Same inputs and ``seed``, same circles.

    Parameters
    ----------
    communities : geopandas.GeoDataFrame
        Polygons with ``id`` and ``population`` (see `prepare_communities`).
    flows : pandas.DataFrame
        ``origin``, ``destination`` (community ids), ``count`` (see `prepare_flows`).
        Flows to ids outside the layer count as trips leaving every circle.
    target_count : int, optional
        Number of circles wanted.
    min_pop, max_pop : float, optional
        Population range of a circle.
    adjacency_m : float
        Largest gap between two polygons that still makes them neighbours.
    resolution : float
        Leiden resolution when no ``target_count`` is given (higher: more, smaller circles).
    seed : int
        Seed of Leiden.
    current : pandas.Series, optional
        Current circle id per community id: proposed circles are named after the current
        ones they overlap most, and the result carries the comparison.

    Returns
    -------
    Delineation
    """
    comm = prepare_communities(communities)
    flows = prepare_flows(flows)
    if target_count is not None and not 1 <= target_count <= len(comm):
        raise SchemaError(
            f"目标数量 {target_count} 无效（社区共 {len(comm)} 个）",
            field="target_count",
            fix=f"给出 1 到 {len(comm)} 之间的整数。",
        )
    if min_pop is not None and max_pop is not None and min_pop > max_pop:
        raise SchemaError(
            f"人口下限 {min_pop:g} 大于上限 {max_pop:g}", field="min_pop", fix="交换或改正两个数。"
        )
    warnings: list[str] = []
    graph = _flow_graph(comm, flows, adjacency_m, warnings)
    if target_count is not None:
        labels, gamma = leiden_count(graph, target_count, seed=seed)
    else:
        gamma = float(resolution)
        labels = leiden(graph, gamma, seed=seed)
    cons = Constraints(
        target_count=target_count, min_pop=min_pop, max_pop=max_pop, resolution=gamma, seed=seed
    )
    labels = enforce(graph, labels, cons)
    warnings.extend(cons.warnings)
    ids = comm["id"].to_numpy()
    width = max(2, len(str(int(labels.max()) + 1)))
    proposed = pd.Series(
        [f"M{c + 1:0{width}d}" for c in labels], index=pd.Index(ids, name="community_id")
    )
    comparison = None
    if current is not None:
        current = current.astype(str)
        proposed = name_after(current, proposed)
        comparison = compare_partitions(current, proposed)
        if comparison.unknown:
            warnings.append(
                f"{len(comparison.unknown)} 个社区不在现状生活圈表中（如 {comparison.unknown[0]!r}），未参与比较。"
            )
    quality = _quality(graph, comm, labels, proposed.reset_index(drop=True))
    polygons = gpd.GeoDataFrame(
        {"circle_id": proposed.to_numpy()}, geometry=comm.geometry.to_numpy(), crs=comm.crs
    ).dissolve(by="circle_id", as_index=False)
    polygons = polygons.merge(quality.drop(columns="community_ids"), on="circle_id")
    total = float(graph.flows.sum() + graph.outside.sum())
    internal = float(quality["internal_trips"].sum())
    summary: dict[str, Any] = {
        "communities": len(comm),
        "circles": len(quality),
        "resolution": round(gamma, 6),
        "modularity": round(graph.modularity(labels, gamma), 6),
        "trips": total,
        "self_containment": round(internal / total, 6) if total > 0 else None,
        "all_contiguous": bool(quality["contiguous"].all()),
        "adjacent_pairs": len(graph.pairs),
        "options": {
            "target_count": target_count,
            "min_pop": min_pop,
            "max_pop": max_pop,
            "adjacency_m": adjacency_m,
            "seed": seed,
        },
    }
    assignment = proposed.rename("circle_id").reset_index()
    return Delineation(
        assignment=assignment,
        circles=quality,
        polygons=polygons,
        summary=summary,
        warnings=tuple(warnings),
        comparison=comparison,
    )
