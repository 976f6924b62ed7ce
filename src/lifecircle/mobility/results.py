"""A mobility result as the rest of the system sees it: matching degree and proposed circles.

`MobilityResult` gathers what ``mobility match`` and ``delineate`` produce (in memory or as
their output files) into the tables the database, the reports and the web map use. It
holds aggregates only: per circle, per community, per category, per proposed circle, and
community-to-facility flows that rest on at least ``k`` devices (or ``k`` trips where the
device count is unknown). Geometry is WGS-84.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from lifecircle.errors import FileFormatError, SchemaError
from lifecircle.mobility.delineate import Delineation
from lifecircle.mobility.match import MatchResult
from lifecircle.mobility.privacy import DEFAULT_K

__all__ = ["MATCH_FILES", "MobilityResult", "read_mobility"]

PathLike = str | os.PathLike[str]
#: The files of a ``mobility match`` output folder that a result needs.
MATCH_FILES = ("match.json", "match_circles.csv", "match_communities.csv", "match_categories.csv")

_CIRCLE_COLS = (
    "circle_id",
    "resident_trips",
    "own_circle_share",
    "visits",
    "visits_by_own_residents_share",
    "match_index",
    "within_limit_share",
    "mean_walk_m",
)
_COMMUNITY_COLS = (
    "community_id",
    "circle_id",
    "trips",
    "own_circle_share",
    "within_limit_share",
    "to_nearest_share",
    "bypass_share",
    "mean_walk_m",
)
_CATEGORY_COLS = (
    "category",
    "trips",
    "own_circle_share",
    "within_limit_share",
    "to_nearest_share",
    "bypass_share",
    "mean_walk_m",
    "mean_nearest_m",
    "excess_walk_m",
)
_PROPOSED_COLS = (
    "circle_id",
    "communities",
    "community_ids",
    "population",
    "area_km2",
    "self_containment",
    "capture",
    "contiguous",
)
_FLOW_COLS = ("origin", "destination", "category", "count", "walk_m")


def _clean(x: Any) -> Any:
    """JSON-safe scalar: numpy to Python, NaN and infinity to None."""
    if hasattr(x, "item"):
        x = x.item()
    if isinstance(x, float) and (math.isnan(x) or math.isinf(x)):
        return None
    return x


def _limit_columns(table: pd.DataFrame) -> pd.DataFrame:
    """``within_15min_share`` (whatever the minutes) becomes ``within_limit_share``."""
    rename = {
        c: "within_limit_share"
        for c in table.columns
        if c.startswith("within_") and c.endswith("min_share")
    }
    return table.rename(columns=rename)


def _pick(table: pd.DataFrame, columns: tuple[str, ...], *, source: str) -> pd.DataFrame:
    table = _limit_columns(table)
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise SchemaError(
            f"表中缺少列 {missing[0]!r}",
            file=source,
            field=missing[0],
            fix="给出 lifecircle mobility match / delineate 写出的文件，不要改动其列名。",
        )
    return table.loc[:, list(columns)].reset_index(drop=True)


@dataclass(frozen=True)
class MobilityResult:
    """Matching degree and (optionally) proposed circles, aggregates only.

    ``circles``: matching degree per current circle (`_CIRCLE_COLS`). ``communities``: per
    community of origin, with ``proposed_circle`` when a delineation is given.
    ``categories``: observed use against computed access per facility category.
    ``flows``: community-to-facility trips (``origin``, ``destination``, ``category``,
    ``count``, ``walk_m``), each on at least ``k`` trips. ``proposed``: proposed circles
    with their quality and WGS-84 ``geometry`` (None without a delineation).
    ``circle_outlines``: current circles' WGS-84 outlines, when a community layer was
    given. ``summary`` holds the match summary (``match``), the delineation summary
    (``delineation``) and the comparison with current circles (``comparison``).
    """

    circles: pd.DataFrame
    communities: pd.DataFrame
    categories: pd.DataFrame
    flows: pd.DataFrame
    summary: dict[str, Any]
    warnings: tuple[str, ...] = ()
    proposed: gpd.GeoDataFrame | None = None
    circle_outlines: gpd.GeoDataFrame | None = None
    generated: bool = False
    sources: dict[str, str] = field(default_factory=dict)

    @property
    def k(self) -> int:
        return int(self.summary.get("match", {}).get("options", {}).get("k", DEFAULT_K))

    @property
    def minutes(self) -> float:
        return float(self.summary.get("match", {}).get("options", {}).get("minutes", 15.0))

    @classmethod
    def from_results(
        cls,
        match: MatchResult,
        delineation: Delineation | None = None,
        *,
        communities: gpd.GeoDataFrame | None = None,
        generated: bool = False,
    ) -> MobilityResult:
        """From results in memory (``matching_degree`` and ``delineate``).

        Parameters
        ----------
        match : MatchResult
            From `lifecircle.mobility.match.matching_degree`.
        delineation : Delineation, optional
            From `lifecircle.mobility.delineate`: the proposed circles.
        communities : geopandas.GeoDataFrame, optional
            Community polygons with ``id`` (any CRS): the current circles' outlines as
            the union of their communities.
        generated : bool
            The data are synthetic.

        Returns
        -------
        MobilityResult
        """
        summary: dict[str, Any] = {"match": match.summary}
        warnings = list(match.warnings)
        proposed = None
        if delineation is not None:
            summary["delineation"] = delineation.summary
            if delineation.comparison is not None:
                summary["comparison"] = delineation.comparison.summary()
            warnings += list(delineation.warnings)
            proposed = _proposed(delineation.circles, delineation.polygons, source="delineate")
        trips = _limit_columns(match.trips)
        result = cls(
            circles=_pick(match.circles, _CIRCLE_COLS, source="match"),
            communities=_pick(match.communities, _COMMUNITY_COLS, source="match"),
            categories=_pick(match.categories, _CATEGORY_COLS, source="match"),
            flows=_flows(trips, k=int(match.summary["options"]["k"]), source="match"),
            summary=summary,
            warnings=tuple(warnings),
            proposed=proposed,
            generated=generated,
        )
        result = result._with_assignment(delineation.assignment if delineation else None)
        return result.with_outlines(communities) if communities is not None else result

    def _with_assignment(self, assignment: pd.DataFrame | None) -> MobilityResult:
        comm = self.communities.copy()
        if assignment is None:
            comm["proposed_circle"] = None
        else:
            proposed_of = pd.Series(
                assignment["circle_id"].astype(str).to_numpy(),
                index=assignment["community_id"].astype(str).to_numpy(),
            )
            comm["proposed_circle"] = comm["community_id"].astype(str).map(proposed_of)
        return replace(self, communities=comm)

    def with_outlines(self, communities: gpd.GeoDataFrame) -> MobilityResult:
        """The current circles' outlines: the union of each circle's community polygons.

        Parameters
        ----------
        communities : geopandas.GeoDataFrame
            Community polygons with ``id``, in any CRS.

        Returns
        -------
        MobilityResult
            A copy with ``circle_outlines`` (WGS-84) set.
        """
        if communities.crs is None:
            raise SchemaError(
                "社区图层没有坐标系", field="geometry", fix="为图层指定坐标系（如 EPSG:4326）。"
            )
        circle_of = pd.Series(
            self.communities["circle_id"].astype(str).to_numpy(),
            index=self.communities["community_id"].astype(str).to_numpy(),
        )
        layer = gpd.GeoDataFrame(
            {"circle_id": communities["id"].astype(str).map(circle_of).to_numpy()},
            geometry=communities.geometry.to_numpy(),
            crs=communities.crs,
        ).dropna(subset=["circle_id"])
        if len(layer) == 0:
            return self
        outlines = layer.dissolve(by="circle_id", as_index=False).to_crs(4326)
        return replace(self, circle_outlines=outlines[["circle_id", "geometry"]])


def _flows(trips: pd.DataFrame, *, k: int, source: str) -> pd.DataFrame:
    """Community-to-facility flows to keep: at least ``k`` trips (a flow below k trips
    rests on fewer than k devices; the match already dropped flows below k devices)."""
    flows = _pick(trips, _FLOW_COLS, source=source)
    flows = flows.loc[flows["count"].to_numpy(dtype=np.float64) >= k].reset_index(drop=True)
    walk = flows["walk_m"].to_numpy(dtype=np.float64)
    flows["walk_m"] = np.where(np.isfinite(walk), walk, np.nan)
    return flows


def _proposed(
    circles: pd.DataFrame, polygons: gpd.GeoDataFrame | None, *, source: str
) -> gpd.GeoDataFrame:
    table = _pick(circles, _PROPOSED_COLS, source=source)
    geometry: Any = None
    if polygons is not None and len(polygons):
        if polygons.crs is None:
            raise SchemaError(
                "建议生活圈图层没有坐标系",
                file=source,
                field="geometry",
                fix="用 lifecircle delineate 重新写出。",
            )
        by_id = polygons.to_crs(4326).set_index(polygons["circle_id"].astype(str)).geometry
        geometry = table["circle_id"].astype(str).map(by_id).to_numpy()
    return gpd.GeoDataFrame(table, geometry=geometry, crs=4326)


def _read_csv(path: Path) -> pd.DataFrame:
    if not path.is_file():
        raise FileFormatError(
            "文件不存在",
            file=str(path),
            fix="给出 lifecircle mobility match 的输出文件夹（含 match.json 与 match_*.csv）。",
        )
    try:
        return pd.read_csv(path, encoding="utf-8-sig", dtype={"circle_id": str})
    except (OSError, ValueError) as exc:
        raise FileFormatError(
            f"无法读取：{exc}", file=str(path), fix="用 lifecircle mobility match 重新写出。"
        ) from exc


def _read_json(path: Path, *, fix: str) -> dict[str, Any]:
    if not path.is_file():
        raise FileFormatError("文件不存在", file=str(path), fix=fix)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise FileFormatError(f"不是有效的 JSON：{exc}", file=str(path), fix=fix) from exc
    if not isinstance(doc, dict):
        raise FileFormatError("内容不是 JSON 对象", file=str(path), fix=fix)
    return doc


def read_mobility(
    match: PathLike,
    *,
    delineation: PathLike | None = None,
    communities: PathLike | None = None,
    generated: bool = False,
) -> MobilityResult:
    """A mobility result from the files the CLI writes.

    Parameters
    ----------
    match : path
        Output folder of ``lifecircle mobility match`` (``match.json``, ``match_*.csv``).
    delineation : path, optional
        ``OUT.csv`` of ``lifecircle delineate``; ``OUT.json`` and ``OUT.gpkg`` beside it
        are read too.
    communities : path, optional
        Community polygon layer (``id``): the current circles' outlines for maps.
    generated : bool
        The data are synthetic (shown as such wherever the result appears).

    Returns
    -------
    MobilityResult

    Raises
    ------
    FileFormatError, SchemaError
        A file is missing, unreadable or lacks a column; the message names it.
    """
    folder = Path(match)
    if folder.is_file():
        folder = folder.parent
    fix = "给出 lifecircle mobility match 的输出文件夹（含 match.json 与 match_*.csv）。"
    doc = _read_json(folder / "match.json", fix=fix)
    if "summary" not in doc:
        raise SchemaError("match.json 中没有 summary", file=str(folder / "match.json"), fix=fix)
    tables = {
        name: _read_csv(folder / f"match_{name}.csv")
        for name in ("circles", "communities", "categories", "trips")
    }
    for name in ("communities", "trips"):
        for col in ("community_id", "origin", "destination"):
            if col in tables[name].columns:
                tables[name][col] = tables[name][col].astype(str)
    k = int(doc["summary"].get("options", {}).get("k", DEFAULT_K))
    summary: dict[str, Any] = {"match": doc["summary"]}
    warnings = [str(w) for w in doc.get("warnings", [])]
    sources = {"match": str(folder)}
    proposed = None
    assignment = None
    if delineation is not None:
        out = Path(delineation)
        dfix = "给出 lifecircle delineate 写出的 CSV（同名 .json 与 .gpkg 放在一起）。"
        if not out.is_file():
            raise FileFormatError("文件不存在", file=str(out), fix=dfix)
        assignment = pd.read_csv(out, encoding="utf-8-sig", dtype=str)
        _pick(assignment, ("community_id", "circle_id"), source=str(out))
        report = _read_json(out.with_suffix(".json"), fix=dfix)
        summary["delineation"] = report.get("summary", {})
        if "comparison" in report:
            summary["comparison"] = {
                k_: v
                for k_, v in report["comparison"].items()
                if k_ not in ("current_circles", "moved")
            } | {"current_circles": len(report["comparison"].get("current_circles", []))}
        warnings += [str(w) for w in report.get("warnings", [])]
        gpkg = out.with_suffix(".gpkg")
        polygons = gpd.read_file(gpkg, engine="pyogrio") if gpkg.is_file() else None
        proposed = _proposed(
            pd.DataFrame(report.get("circles", [])), polygons, source=str(out.with_suffix(".json"))
        )
        sources["delineation"] = str(out)
    result = MobilityResult(
        circles=_pick(tables["circles"], _CIRCLE_COLS, source=str(folder / "match_circles.csv")),
        communities=_pick(
            tables["communities"], _COMMUNITY_COLS, source=str(folder / "match_communities.csv")
        ),
        categories=_pick(
            tables["categories"], _CATEGORY_COLS, source=str(folder / "match_categories.csv")
        ),
        flows=_flows(tables["trips"], k=k, source=str(folder / "match_trips.csv")),
        summary=summary,
        warnings=tuple(warnings),
        proposed=proposed,
        generated=generated,
        sources=sources,
    )
    result = result._with_assignment(assignment)
    if communities is not None:
        from lifecircle.mobility.files import read_communities

        result = replace(result, sources=sources | {"communities": str(communities)})
        result = result.with_outlines(read_communities(communities))
    return result


def plain(value: Any) -> Any:
    """JSON-safe copy of nested summaries (numpy scalars, NaN)."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return _clean(value)
