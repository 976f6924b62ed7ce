"""load_district: a district data package folder -> a checked `District` in one metric CRS."""

from __future__ import annotations

import os
from typing import Any

import pandas as pd
import pyproj

from lifecircle.errors import CRSError, DistrictError
from lifecircle.io import choose_metric_crs, to_metric
from lifecircle.io._sniff import file_kind
from lifecircle.network import WalkGraph, graph_from_lines
from lifecircle.network.osm import graph_from_osm
from lifecircle.standards import load_taxonomy

from ._circles import (
    assign_by_polygon,
    assign_compounds,
    check_compounds_in_communities,
    circle_polygons,
    circle_table,
    locate,
)
from ._hash import input_hash
from ._layers import (
    read_circle_polygons,
    read_communities,
    read_compounds,
    read_facilities,
    read_geo,
)
from ._tables import empty_manual_values, read_circles, read_manual_values
from .manifest import Manifest, read_manifest
from .model import District


def _metric_crs(manifest: Manifest) -> pyproj.CRS | None:
    """The manifest's CRS when projected, else None (the UTM zone of the compounds)."""
    value: Any = manifest.get("crs")
    if value is None:
        return None
    try:
        crs = pyproj.CRS.from_user_input(value)
    except pyproj.exceptions.CRSError as exc:
        raise CRSError(
            f"unknown coordinate reference system {value!r}",
            file=str(manifest.path),
            field="crs",
            fix="use an EPSG code such as EPSG:4326 or EPSG:4547.",
        ) from exc
    return crs if crs.is_projected else None


def _graph(manifest: Manifest, crs: pyproj.CRS) -> WalkGraph:
    if "osm" in manifest.layers:
        return graph_from_osm(manifest.layers["osm"].path, crs=crs)
    spec = manifest.layers["network"]
    lines = to_metric(read_geo(spec, manifest, "line"), crs=crs)
    return graph_from_lines(lines, source=str(spec.path))


def load_district(path: str | os.PathLike) -> District:
    """Read, check and join a district data package (docs/district-format.md).

    Parameters
    ----------
    path : str or path-like
        The package folder, or its ``district.yaml``.

    Returns
    -------
    District
        Every layer in one metric CRS (the manifest's ``crs`` when projected, else the UTM
        zone of the compounds), compounds and facilities tied to circles, and the warnings.

    Raises
    ------
    DistrictError
        Bad manifest (naming district.yaml and the field), a compound whose community is in
        no circle (unless ``strict: false``), a community in two circles, a duplicate circle
        id, a manual value for an unknown scope.
    SchemaError, CRSError, FileFormatError, NetworkError
        From the layer readers: each names the file, row and field.
    """
    manifest = read_manifest(path)
    files = [("district.yaml", manifest.path)] + [(k, s.path) for k, s in manifest.layers.items()]
    digest = input_hash(files)
    layers = manifest.layers
    strict = bool(manifest.get("strict", True))
    warnings: list[dict] = []
    taxonomy = load_taxonomy()

    compounds = read_compounds(layers["compounds"], manifest, _metric_crs(manifest))
    crs = pyproj.CRS.from_user_input(compounds.crs)
    if crs.is_geographic:  # pragma: no cover - to_metric always projects
        crs = choose_metric_crs(compounds)
    facilities = read_facilities(layers["facilities"], manifest, crs, taxonomy)
    circles_file = str(layers["circles"].path)
    communities = (
        read_communities(layers["communities"], manifest, crs) if "communities" in layers else None
    )
    if file_kind(layers["circles"].path) in ("csv", "xlsx"):
        circles_raw = read_circles(layers["circles"])
        compounds = assign_compounds(
            compounds,
            circles_raw,
            compounds_file=str(layers["compounds"].path),
            circles_file=circles_file,
            strict=strict,
            warnings=warnings,
        )
        if communities is not None:
            check_compounds_in_communities(
                compounds,
                communities,
                compounds_file=str(layers["compounds"].path),
                warnings=warnings,
            )
        geometry = circle_polygons(
            circles_raw, compounds, communities, circles_file=circles_file, warnings=warnings
        )
    else:  # circles drawn as polygons: compounds belong to the polygon that holds them
        circles_raw, geometry = read_circle_polygons(layers["circles"], manifest, crs)
        compounds = assign_by_polygon(
            compounds,
            circles_raw,
            geometry,
            compounds_file=str(layers["compounds"].path),
            circles_file=circles_file,
            strict=strict,
            warnings=warnings,
        )
    circles = circle_table(
        circles_raw, compounds, geometry, crs=crs, circles_file=circles_file, warnings=warnings
    )
    ids = circles["circle_id"].tolist()
    located = locate(facilities.geometry.values, geometry, ids)
    facilities["circle_id"] = pd.Series(located, index=facilities.index, dtype=object)
    if communities is not None:
        owner = {
            c: cid for cid, comms in zip(ids, circles["communities"], strict=True) for c in comms
        }
        communities["circle_id"] = pd.Series(
            [owner.get(n) for n in communities["name"]], index=communities.index, dtype=object
        )
    manual = (
        read_manual_values(layers["manual_values"], set(ids))
        if "manual_values" in layers
        else empty_manual_values()
    )
    graph = _graph(manifest, crs)
    admin = manifest.get("admin_code")
    if manifest.get("generated", False) and not manifest.get("notice"):
        raise DistrictError(
            "a package with generated geometry must carry a notice",
            file=str(manifest.path),
            field="notice",
            fix="add notice: 示例数据：几何为生成数据",
        )
    return District(
        root=manifest.root,
        name=str(manifest.get("name")),
        admin_code=None if admin is None else str(admin),
        generated=bool(manifest.get("generated", False)),
        notice=manifest.get("notice"),
        notice_en=manifest.get("notice_en"),
        circles_note=manifest.get("circles_note"),
        compounds=compounds.reset_index(drop=True),
        facilities=facilities.reset_index(drop=True),
        graph=graph,
        circles=circles,
        communities=communities,
        manual_values=manual,
        warnings=warnings,
        input_hash=digest,
        crs=crs,
    )
