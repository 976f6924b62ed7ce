"""Check and join a district's layers, from files or frames, into the fields of a District."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeAlias

import geopandas as gpd
import pandas as pd
import pyproj

from lifecircle.errors import CRSError, DistrictError, InputError, SchemaError
from lifecircle.io import check_layer, choose_metric_crs, to_metric
from lifecircle.io.readers import GeometryKind
from lifecircle.network import WalkGraph, graph_from_lines
from lifecircle.standards import load_taxonomy

from ._circles import (
    assign_by_polygon,
    assign_compounds,
    check_compounds_in_communities,
    circle_polygons,
    circle_table,
    locate,
)
from ._dates import parse_data_date
from ._hash import frames_hash
from ._layers import (
    circle_polygons_layer,
    communities_layer,
    compounds_layer,
    facilities_layer,
)
from ._offset import check_gcj_offset
from ._tables import circles_table, empty_manual_values, manual_values_table

#: the layers of a district, as the keys of district.yaml and of `District.from_frames`
LAYERS = ("compounds", "facilities", "network", "circles", "communities", "manual_values")
#: what a district's walking network may be given as: a checked line layer, a built
#: graph, or a builder called with the district's metric CRS (an OSM extract, a file)
NetworkInput: TypeAlias = gpd.GeoDataFrame | WalkGraph | Callable[[pyproj.CRS], WalkGraph]


def metric_crs(value: Any, *, file: str | None) -> pyproj.CRS | None:
    """The given CRS when it is projected, else None (the UTM zone of the compounds).

    Parameters
    ----------
    value : str, int, pyproj.CRS or None
        The ``crs`` of the manifest or of `District.from_frames`.
    file : str or None
        Where it was given (``district.yaml``), for the message.

    Returns
    -------
    pyproj.CRS or None

    Raises
    ------
    CRSError
        ``value`` is not a CRS.
    """
    if value is None:
        return None
    try:
        crs = pyproj.CRS.from_user_input(value)
    except pyproj.exceptions.CRSError as exc:
        raise CRSError(
            f"无法识别的坐标系 {value!r}",
            file=file,
            field="crs",
            fix="写 EPSG 代码，如 EPSG:4326 或 EPSG:4547",
        ) from exc
    return crs if crs.is_projected else None


def check_notice(generated: bool, notice: str | None, *, file: str | None) -> None:
    """Generated geometry must carry a notice that says so (every output shows it).

    Raises
    ------
    DistrictError
        ``generated`` without ``notice``.
    """
    if generated and not notice:
        raise DistrictError(
            "几何为生成数据的数据包须带说明（notice）",
            file=file,
            field="notice",
            fix="add notice: 示例数据：几何为生成数据",
        )


def has_geometry(frame: pd.DataFrame) -> bool:
    """True for a drawn layer (a GeoDataFrame with active geometry), False for a table."""
    return isinstance(frame, gpd.GeoDataFrame) and frame.active_geometry_name is not None


def _graph(network: NetworkInput, crs: pyproj.CRS, source: str) -> WalkGraph:
    if isinstance(network, WalkGraph):
        if network.crs is None or not pyproj.CRS.from_user_input(network.crs).equals(crs):
            have = network.crs.to_string() if network.crs is not None else "none"
            raise CRSError(
                f"步行路网的坐标系是 {have}，区数据是 {crs.to_string()}",
                file=source,
                field="crs",
                fix=f"用 {crs.to_string()} 建立路网，或用 crs= 指明路网的坐标系",
            )
        return network
    if isinstance(network, gpd.GeoDataFrame):
        return graph_from_lines(to_metric(network, crs=crs), source=source)
    return network(crs)


def assemble(
    *,
    compounds: gpd.GeoDataFrame,
    facilities: gpd.GeoDataFrame,
    network: NetworkInput,
    circles: pd.DataFrame,
    communities: gpd.GeoDataFrame | None,
    manual_values: pd.DataFrame | None,
    sources: Mapping[str, str],
    crs: pyproj.CRS | None,
    strict: bool,
) -> dict[str, Any]:
    """Check every layer and tie them together: the data fields of a `District`.

    The one path behind `load_district`, `District.from_frames` and `district_from_osm`.

    Parameters
    ----------
    compounds, facilities : geopandas.GeoDataFrame
        Point layers as `lifecircle.io.read_layer` / `check_layer` return them.
    network : GeoDataFrame, WalkGraph or callable
        A checked line layer, a graph in the district's CRS, or ``f(crs) -> WalkGraph``.
    circles : DataFrame or GeoDataFrame
        The circles table (circle_id, name, street, communities), or checked polygons.
    communities : GeoDataFrame or None
        Checked community polygons.
    manual_values : DataFrame or None
        The manual values table as given.
    sources : mapping of layer key to str
        The file each error and warning names; a layer missing here is named by its key.
    crs : pyproj.CRS or None
        The metric CRS; None for the UTM zone of the compounds.
    strict : bool
        A compound in no circle stops (True) or is kept and reported (False).

    Returns
    -------
    dict
        compounds, facilities, graph, circles, communities, manual_values, warnings, crs.
    """
    warnings: list[dict[str, Any]] = []
    taxonomy = load_taxonomy()
    source = {k: sources.get(k, k) for k in LAYERS}
    compounds_file, circles_file = source["compounds"], source["circles"]
    homes = compounds_layer(compounds, source=compounds_file, crs=crs)
    metric = pyproj.CRS.from_user_input(homes.crs)
    if metric.is_geographic:  # pragma: no cover - to_metric always projects
        metric = choose_metric_crs(homes)
    fac = facilities_layer(facilities, source=source["facilities"], crs=metric, taxonomy=taxonomy)
    comms = (
        communities_layer(communities, source=source["communities"], crs=metric)
        if communities is not None
        else None
    )
    if not has_geometry(circles):
        table = circles_table(pd.DataFrame(circles), source=circles_file)
        homes = assign_compounds(
            homes,
            table,
            compounds_file=compounds_file,
            circles_file=circles_file,
            strict=strict,
            warnings=warnings,
        )
        if comms is not None:
            check_compounds_in_communities(
                homes, comms, compounds_file=compounds_file, warnings=warnings
            )
        geometry = circle_polygons(
            table, homes, comms, circles_file=circles_file, warnings=warnings
        )
    else:  # circles drawn as polygons: compounds belong to the polygon that holds them
        table, geometry = circle_polygons_layer(circles, source=circles_file, crs=metric)
        homes = assign_by_polygon(
            homes,
            table,
            geometry,
            compounds_file=compounds_file,
            circles_file=circles_file,
            strict=strict,
            warnings=warnings,
        )
    circle_frame = circle_table(
        table, homes, geometry, crs=metric, circles_file=circles_file, warnings=warnings
    )
    ids = circle_frame["circle_id"].tolist()
    located = locate(fac.geometry.values, geometry, ids)
    fac["circle_id"] = pd.Series(located, index=fac.index, dtype=object)
    if comms is not None:
        owner = {
            c: cid
            for cid, names in zip(ids, circle_frame["communities"], strict=True)
            for c in names
        }
        comms["circle_id"] = pd.Series(
            [owner.get(n) for n in comms["name"]], index=comms.index, dtype=object
        )
    manual = (
        manual_values_table(manual_values, source=source["manual_values"], circle_ids=set(ids))
        if manual_values is not None
        else empty_manual_values()
    )
    graph = _graph(network, metric, source["network"])
    points = pd.concat([homes.geometry, fac.geometry], ignore_index=True)
    check_gcj_offset(gpd.GeoDataFrame(geometry=points, crs=metric), graph, source=compounds_file)
    return {
        "compounds": homes.reset_index(drop=True),
        "facilities": fac.reset_index(drop=True),
        "graph": graph,
        "circles": circle_frame,
        "communities": comms,
        "manual_values": manual,
        "warnings": warnings,
        "crs": metric,
    }


def _table(value: object, key: str) -> pd.DataFrame:
    if not isinstance(value, pd.DataFrame):
        raise InputError(
            f"{key} 图层是 {type(value).__name__}，不是表格",
            file=key,
            fix="请给出与 district.yaml 中该图层同样结构的 pandas.DataFrame 或 "
            "geopandas.GeoDataFrame（见 docs/district-format.md）",
        )
    return value


def _geo(
    value: object, key: str, geometry: GeometryKind, coords: str, crs: Any
) -> gpd.GeoDataFrame:
    """A frame checked as `read_geo` checks a file: the default CRS only when it has none."""
    frame = _table(value, key)
    lacks_crs = has_geometry(frame) and frame.crs is None  # drawn, but with no CRS
    return check_layer(
        frame, source=key, geometry=geometry, coords=coords, crs=crs if lacks_crs else None
    )


def fields_from_frames(
    *,
    name: str,
    network: gpd.GeoDataFrame | WalkGraph,
    compounds: pd.DataFrame,
    facilities: pd.DataFrame,
    circles: pd.DataFrame,
    communities: gpd.GeoDataFrame | None,
    manual_values: pd.DataFrame | None,
    crs: Any,
    admin_code: str | None,
    coords: str,
    generated: bool,
    notice: str | None,
    notice_en: str | None,
    circles_note: str | None,
    strict: bool,
    data_date: Any = None,
) -> dict[str, Any]:
    """Every field of a `District` from frames; see `District.from_frames`."""
    day = parse_data_date(data_date, file=None)
    metric = metric_crs(crs, file=None)
    if metric is None and isinstance(network, WalkGraph) and network.crs is not None:
        metric = metric_crs(network.crs, file=None)
    layers: dict[str, Any] = {
        "compounds": _geo(compounds, "compounds", "point", coords, crs),
        "facilities": _geo(facilities, "facilities", "point", coords, crs),
    }
    if isinstance(network, WalkGraph):
        layers["network"] = network
    else:
        layers["network"] = _geo(network, "network", "line", coords, crs)
    table = _table(circles, "circles")
    layers["circles"] = _geo(table, "circles", "any", coords, crs) if has_geometry(table) else table
    if communities is not None:
        if not has_geometry(_table(communities, "communities")):
            raise SchemaError(
                "社区图层没有几何",
                file="communities",
                field="geometry",
                fix="请给出社区范围面的 GeoDataFrame（name、street、geometry）",
            )
        layers["communities"] = _geo(communities, "communities", "any", coords, crs)
    if manual_values is not None:
        layers["manual_values"] = _table(manual_values, "manual_values")
    options = {
        "name": name,
        "admin_code": admin_code,
        "coords": coords,
        "crs": None if crs is None else pyproj.CRS.from_user_input(crs).to_wkt(),
        "generated": generated,
        "notice": notice,
        "strict": strict,
    }
    if day is not None:  # absent when not given: earlier hashes stay as they were
        options["data_date"] = day.isoformat()
    digest = frames_hash(list(layers.items()), options)
    parts = assemble(
        compounds=layers["compounds"],
        facilities=layers["facilities"],
        network=layers["network"],
        circles=layers["circles"],
        communities=layers.get("communities"),
        manual_values=layers.get("manual_values"),
        sources={},  # each layer is named by its key
        crs=metric,
        strict=strict,
    )
    check_notice(generated, notice, file=None)
    return {
        "root": None,
        "name": str(name),
        "admin_code": None if admin_code is None else str(admin_code),
        "generated": bool(generated),
        "notice": notice,
        "notice_en": notice_en,
        "circles_note": circles_note,
        "data_date": day,
        "input_hash": digest,
        **parts,
    }
