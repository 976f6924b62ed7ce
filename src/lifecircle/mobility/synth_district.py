"""Synthetic mobility over a real district package (the demo's 雨花区): its communities,
circles, facilities and streets, with the gravity-model flows of `synth` planted on its
circles. For trying the mobility tools on the demo, never for decisions."""

from __future__ import annotations

import os
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from lifecircle.errors import DistrictError
from lifecircle.mobility.synth import SYNTH_CATEGORIES, SyntheticCity

__all__ = ["city_from_district"]


def city_from_district(
    package: str | os.PathLike[str],
    *,
    categories: tuple[str, ...] = SYNTH_CATEGORIES,
    shift: float = 0.0,
    seed: int = 1,
) -> SyntheticCity:
    """A `SyntheticCity` from a district data package with community polygons.

    Communities are the package's community polygons (``id`` = community name, as
    ``circles.csv`` lists them) with their population, the planted circles are the
    package's circles, facilities are its facilities of ``categories`` (each in the circle
    of the community it lies in) and the streets are its network. Flows drawn with
    `synthetic_flows` / `synthetic_facility_flows` then follow the district's circles.

    ``shift`` (0..1) plants circles that differ from today's: each community on a
    circle's border joins a neighbouring circle with this probability (a circle keeps at
    least one community), as where people really shop across a drawn boundary. Today's
    circles stay in ``current``, and facilities keep today's ``circle_id``.

    Parameters
    ----------
    package : path
        The district data package (folder or ``district.yaml``) with community polygons.
    categories : tuple of str
        Facility categories residents travel to.
    shift : float
        Share of border community pairs where one joins the other's circle (0..1).
    seed : int
        Seed of the shift (and stored with the city).

    Returns
    -------
    SyntheticCity
        In the package's metric CRS; ``current`` set when ``shift`` > 0.

    Raises
    ------
    DistrictError
        The package has no community polygons, or they do not match ``circles.csv``.
    """
    from lifecircle.district import load_district

    district = load_district(package)
    folder = Path(package)
    folder = folder.parent if folder.is_file() else folder
    comm = district.communities
    if comm is None or len(comm) == 0:
        raise DistrictError(
            "区数据包没有社区面图层",
            file=str(folder / "district.yaml"),
            field="layers.communities",
            fix="在 district.yaml 的 layers 中给出 communities（社区面图层，含 name、population）。",
        )
    names = comm["name"].astype(str)
    if names.duplicated().any():
        dup = names[names.duplicated()].iloc[0]
        raise DistrictError(
            f"社区名 {dup!r} 重复",
            file=str(folder),
            field="communities.name",
            fix="每个社区名在区内唯一（同名社区请加街道前缀）。",
        )
    circles = comm["circle_id"].astype("string")
    keep = circles.notna().to_numpy()
    if not keep.any():
        raise DistrictError(
            "社区图层的社区名与 circles.csv 列出的社区都对不上",
            file=str(folder),
            field="communities.name",
            fix="社区面图层的 name 应与 circles.csv 的 communities 一致。",
        )
    # population: the compounds' residents of each community (at least 1, so it draws trips)
    residents = district.compounds.groupby(district.compounds["community"].astype(str))[
        "population"
    ].sum()
    pop = names.map(residents).fillna(0.0).to_numpy(dtype=np.float64)
    communities = gpd.GeoDataFrame(
        {
            "id": names.to_numpy()[keep],
            "name": names.to_numpy()[keep],
            "population": np.maximum(np.round(pop[keep]), 1.0),
            "circle_id": circles.to_numpy(dtype=object)[keep],
        },
        geometry=comm.geometry.to_numpy()[keep],
        crs=comm.crs,
    )
    current = pd.Series(
        communities["circle_id"].to_numpy(),
        index=pd.Index(communities["id"].to_numpy(), name="community_id"),
        name="circle_id",
    )
    if shift > 0:
        communities["circle_id"] = _shifted(communities, shift, np.random.default_rng(seed))
    fac = district.facilities.to_crs(communities.crs)
    fac = fac[fac["category"].isin(categories)]
    tree = shapely.STRtree(communities.geometry.to_numpy())
    pi, ci = tree.query(fac.geometry.to_numpy(), predicate="intersects")
    first = np.unique(pi, return_index=True)[1]
    home = np.full(len(fac), -1)
    home[pi[first]] = ci[first]
    inside = home >= 0
    facilities = gpd.GeoDataFrame(
        {
            "id": fac["id"].astype(str).to_numpy()[inside],
            "category": fac["category"].to_numpy()[inside],
            "circle_id": current.to_numpy()[home[inside]],
            "community": communities["id"].to_numpy()[home[inside]],
        },
        geometry=fac.geometry.to_numpy()[inside],
        crs=communities.crs,
    )
    streets = _streets(folder, communities.crs)
    return SyntheticCity(
        communities=communities.reset_index(drop=True),
        facilities=facilities.reset_index(drop=True),
        streets=streets,
        seed=seed,
        current=current if shift > 0 else None,
    )


def _shifted(communities: gpd.GeoDataFrame, shift: float, rng: np.random.Generator) -> object:
    """Planted circles: border communities moved to a neighbouring circle with ``shift``."""
    from lifecircle.mobility.adjacency import adjacency_pairs

    label = communities["circle_id"].to_numpy(dtype=object).copy()
    pairs = adjacency_pairs(communities.geometry.to_numpy(), tolerance_m=1.0)
    order = rng.permutation(len(pairs))
    moved = np.zeros(len(label), dtype=bool)
    for a, b in pairs[order]:
        if rng.random() >= shift or moved[a] or moved[b] or label[a] == label[b]:
            continue
        src, dst = (a, b) if rng.random() < 0.5 else (b, a)
        if (label == label[src]).sum() <= 1:
            continue
        label[src] = label[dst]
        moved[src] = True
    return label


def _streets(folder: Path, crs: object) -> gpd.GeoDataFrame:
    """The package's walking network lines (``layers.network`` of ``district.yaml``)."""
    import yaml

    from lifecircle.io import read_layer, to_metric

    doc = yaml.safe_load((folder / "district.yaml").read_text(encoding="utf-8")) or {}
    name = (doc.get("layers") or {}).get("network", "network.gpkg")
    lines = read_layer(folder / str(name), geometry="line", coords=str(doc.get("coords", "wgs84")))
    return gpd.GeoDataFrame(geometry=to_metric(lines, crs=crs).geometry.to_numpy(), crs=crs)
