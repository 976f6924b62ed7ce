"""load_district: a district data package folder -> a checked `District` in one metric CRS."""

from __future__ import annotations

import os
from typing import Any, Literal

import pyproj

from lifecircle.io import to_metric
from lifecircle.io._sniff import file_kind
from lifecircle.network import WalkGraph, graph_from_lines, graph_from_osm

from ._build import NetworkInput, assemble, check_notice, metric_crs
from ._dates import parse_data_date
from ._hash import input_hash
from ._layers import read_geo
from ._tables import read_table
from .manifest import Manifest, read_manifest
from .model import District


def _network(manifest: Manifest) -> NetworkInput:
    """The package's network, built once the district's metric CRS is known."""
    if "osm" in manifest.layers:
        pbf = manifest.layers["osm"].path
        return lambda crs: graph_from_osm(pbf, crs=crs)
    spec = manifest.layers["network"]

    def build(crs: pyproj.CRS) -> WalkGraph:
        lines = to_metric(read_geo(spec, manifest, "line"), crs=crs)
        return graph_from_lines(lines, source=str(spec.path))

    return build


def _layer(manifest: Manifest, key: str, how: Literal["point", "any", "table", "either"]) -> Any:
    """One optional layer as read: a checked GeoDataFrame, or a table of text cells.

    ``either``: a table when the file is CSV/XLSX, else a layer of any geometry.
    """
    spec = manifest.layers.get(key)
    if spec is None:
        return None
    if how == "table" or (how == "either" and file_kind(spec.path) in ("csv", "xlsx")):
        return read_table(spec)
    return read_geo(spec, manifest, "point" if how == "point" else "any")


def load_district(path: str | os.PathLike[str]) -> District:
    """Read, check and join a district data package (docs/district-format.md).

    The files are read into frames (`lifecircle.io.read_layer`, tables as text) and then
    checked and joined by the same code as `District.from_frames`.

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
    crs = metric_crs(manifest.get("crs"), file=str(manifest.path))
    parts = assemble(
        compounds=_layer(manifest, "compounds", "point"),
        facilities=_layer(manifest, "facilities", "point"),
        network=_network(manifest),
        circles=_layer(manifest, "circles", "either"),
        communities=_layer(manifest, "communities", "any"),
        manual_values=_layer(manifest, "manual_values", "table"),
        sources={k: str(s.path) for k, s in manifest.layers.items()},
        crs=crs,
        strict=bool(manifest.get("strict", True)),
    )
    generated = bool(manifest.get("generated", False))
    check_notice(generated, manifest.get("notice"), file=str(manifest.path))
    admin = manifest.get("admin_code")
    return District(
        root=manifest.root,
        name=str(manifest.get("name")),
        admin_code=None if admin is None else str(admin),
        generated=generated,
        notice=manifest.get("notice"),
        notice_en=manifest.get("notice_en"),
        circles_note=manifest.get("circles_note"),
        data_date=parse_data_date(manifest.get("data_date"), file=str(manifest.path)),
        input_hash=digest,
        **parts,
    )
