"""District.from_frames: layers held in memory are checked and joined exactly as a folder is."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import pytest
import shapely
import yaml

from district._pkg import CIRCLES, COMPOUNDS, FACILITIES, MANUAL, manifest
from handbuilt_district import CRS, X0, Y0
from handbuilt_district import write_package as write_handbuilt
from lifecircle.checkup import run_checkup
from lifecircle.demo.generator import generate_demo
from lifecircle.district import District, load_district
from lifecircle.errors import CRSError, DistrictError, InputError, SchemaError
from lifecircle.io import to_metric
from lifecircle.network import graph_from_lines
from lifecircle.standards import load_catalogue


def read_frames(folder: Path) -> tuple[dict[str, Any], dict[str, str]]:
    """Every layer of a package read with geopandas, as ``District.from_frames`` keywords.

    Also returns layer key -> the path the folder loader names in its messages.
    """
    doc = yaml.safe_load((folder / "district.yaml").read_text(encoding="utf-8"))
    kwargs: dict[str, Any] = {
        k: doc[k]
        for k in ("name", "admin_code", "crs", "coords", "generated", "notice", "strict")
        if k in doc
    }
    kwargs.update({k: doc[k] for k in ("notice_en", "circles_note", "data_date") if k in doc})
    paths = {}
    for key, entry in doc["layers"].items():
        file = folder / (entry if isinstance(entry, str) else entry["file"])
        kwargs[key] = gpd.read_file(file)
        paths[key] = str(file)
    return kwargs, paths


def _normalise(text: str | None, paths: dict[str, str]) -> str | None:
    """A folder message with each layer's path replaced by the layer key."""
    if text is None:
        return None
    for key, path in paths.items():
        text = text.replace(path, key)
    return text


def _outcome(result, paths: dict[str, str] | None = None) -> dict[str, Any]:
    """What a checkup found, without the run's metadata (ids, times, hashes).

    With ``paths``, the warnings name each layer by its key, as frames do.
    """
    data = json.loads(result.to_json())
    data.pop("run")
    if paths is not None:
        data["warnings"] = _warnings(data["warnings"], paths)
    return data


def _warnings(warnings: list[dict], paths: dict[str, str]) -> list[dict]:
    out = []
    for w in warnings:
        w = dict(w)
        w["message"] = _normalise(w["message"], paths)
        w["file"] = _normalise(w["file"], paths)
        out.append(w)
    return out


# --------------------------------------------------------------------------- same checkup
@pytest.fixture(scope="module")
def demo_folder(tmp_path_factory) -> Path:
    return generate_demo(tmp_path_factory.mktemp("demo") / "district", scale=0.05)


@pytest.fixture(scope="module")
def handbuilt_folder(tmp_path_factory) -> Path:
    return write_handbuilt(tmp_path_factory.mktemp("hb") / "district")


@pytest.fixture(scope="module")
def polygons_folder(tmp_path_factory) -> Path:
    """The hand-built package with its circles drawn as polygons (circles.gpkg)."""
    root = write_handbuilt(tmp_path_factory.mktemp("hbp") / "district")
    boxes = [(0, 1000), (1000, 1700), (1700, 2000)]
    gpd.GeoDataFrame(
        {"circle_id": ["C1", "C2", "C3"], "name": ["一号圈", "二号圈", "三号圈"]},
        geometry=[shapely.box(X0 + a, Y0 - 100, X0 + b, Y0 + 100) for a, b in boxes],
        crs=CRS,
    ).to_file(root / "circles.gpkg")
    doc = yaml.safe_load((root / "district.yaml").read_text(encoding="utf-8"))
    doc["layers"]["circles"] = "circles.gpkg"
    del doc["layers"]["communities"]
    (root / "district.yaml").write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return root


@pytest.mark.parametrize(
    ("folder_fixture", "catalogue"),
    [
        ("demo_folder", "changsha-provisional"),
        ("handbuilt_folder", "catalogue.yaml"),
        ("polygons_folder", "catalogue.yaml"),
    ],
)
def test_frames_give_the_same_checkup_as_the_folder(request, folder_fixture, catalogue) -> None:
    folder = request.getfixturevalue(folder_fixture)
    cat = load_catalogue(folder / catalogue if catalogue.endswith(".yaml") else catalogue)
    kwargs, paths = read_frames(folder)
    from_folder = load_district(folder)
    from_frames = District.from_frames(**kwargs)

    assert from_frames.root is None and from_frames.crs == from_folder.crs
    assert from_frames.name == from_folder.name
    assert from_frames.data_date == from_folder.data_date
    assert from_frames.input_hash.startswith("sha256:")
    assert from_frames.input_hash != from_folder.input_hash  # frames, not files
    assert _warnings(from_folder.warnings, paths) == from_frames.warnings
    for layer in ("compounds", "facilities", "circles"):
        pd.testing.assert_frame_equal(
            pd.DataFrame(getattr(from_folder, layer)), pd.DataFrame(getattr(from_frames, layer))
        )
    a = run_checkup(from_folder, cat).result
    b = run_checkup(from_frames, cat).result
    assert [c.grade for c in a.circles] == [c.grade for c in b.circles]
    assert [(c.id, len(c.shortfalls)) for c in a.circles] == [
        (c.id, len(c.shortfalls)) for c in b.circles
    ]
    assert _outcome(a, paths) == _outcome(b)  # every value, status, margin and shortfall
    if folder_fixture != "demo_folder":  # the hand-computed grades
        assert {c.id: c.grade for c in b.circles} == {"C1": "NONE", "C2": "AAA", "C3": "AA"}
    else:
        assert len(b.circles) == 49 and sum(len(c.shortfalls) for c in b.circles) > 0


def test_lonlat_tables_give_the_same_checkup(make_package) -> None:
    """CSV layers with lon/lat columns, read by geopandas as plain tables."""
    folder = make_package()
    kwargs, paths = read_frames(folder)
    assert not isinstance(kwargs["compounds"], gpd.GeoDataFrame)
    cat = load_catalogue("changsha-provisional")
    a, b = load_district(folder), District.from_frames(**kwargs)
    assert b.warnings == _warnings(a.warnings, paths) and b.warnings
    assert _outcome(run_checkup(a, cat).result, paths) == _outcome(run_checkup(b, cat).result)


# --------------------------------------------------------------------------- same errors
def _compounds_without_community() -> str:
    lines = COMPOUNDS.splitlines()
    cut = [",".join(c for i, c in enumerate(line.split(",")) if i != 2) for line in lines]
    return "\n".join(cut) + "\n"


BAD = {
    "missing column": (
        {"compounds": _compounds_without_community()},
        SchemaError,
        "compounds",
    ),
    "missing population": (
        {"compounds": COMPOUNDS.replace("population", "headcount")},
        SchemaError,
        "compounds",
    ),
    "negative population": (
        {"compounds": COMPOUNDS.replace(",800,", ",-800,")},
        SchemaError,
        "compounds",
    ),
    "empty coordinate": (
        {"compounds": COMPOUNDS.replace("113.005,28.103", "113.005,")},
        SchemaError,
        "compounds",
    ),
    "duplicate compound id": (
        {"compounds": COMPOUNDS.replace("K2,乙小区", "K1,乙小区")},
        SchemaError,
        "compounds",
    ),
    "duplicate circle id": (
        {"circles": CIRCLES.replace("C3,空生活圈", "C1,空生活圈")},
        DistrictError,
        "circles",
    ),
    "empty circle id": (
        {"circles": CIRCLES.replace("C3,空生活圈", ",空生活圈")},
        SchemaError,
        "circles",
    ),
    "circles without communities": (
        {"circles": CIRCLES.replace("communities", "places")},
        SchemaError,
        "circles",
    ),
    "compound in no circle": (
        {"compounds": COMPOUNDS + "K6,己小区,Z社区,西街道,300,100,113.017,28.117\n"},
        DistrictError,
        "compounds",
    ),
    "community in two circles": (
        {"circles": CIRCLES + "C4,重复生活圈,东街道,B社区\n"},
        DistrictError,
        "circles",
    ),
    "unknown category": (
        {"facilities": FACILITIES + "F5,奶茶店,bubble_tea,,113.004,28.104\n"},
        SchemaError,
        "facilities",
    ),
    "manual value for an unknown scope": (
        {"manual": MANUAL + "C9,gd_property_management,90,台账,2024-01-01\n"},
        DistrictError,
        "manual_values",
    ),
    "manual value not a number": (
        {"manual": MANUAL + "C2,gd_property_management,九十,台账,2024-01-01\n"},
        SchemaError,
        "manual_values",
    ),
    "manual value twice": (
        {"manual": MANUAL + "C1,gd_property_management,90,台账,2024-01-01\n"},
        DistrictError,
        "manual_values",
    ),
    "manual date not a date": (
        {"manual": MANUAL + "C2,gd_property_management,90,台账,2024-02-30\n"},
        SchemaError,
        "manual_values",
    ),
}


@pytest.mark.parametrize("case", list(BAD), ids=list(BAD))
def test_frames_raise_the_folder_error(make_package, case) -> None:
    change, error, layer = BAD[case]
    folder = make_package(**change)
    with pytest.raises(error) as by_folder:
        load_district(folder)
    kwargs, paths = read_frames(folder)
    with pytest.raises(error) as by_frames:
        District.from_frames(**kwargs)
    f, m = by_folder.value, by_frames.value
    assert type(f) is type(m)
    assert Path(f.file).stem == layer and m.file == layer
    assert (m.row, m.field) == (f.row, f.field)
    assert m.message == _normalise(f.message, paths)
    assert m.fix == _normalise(f.fix, paths)


def test_generated_geometry_needs_a_notice(make_package) -> None:
    folder = make_package(doc=manifest(generated=True))
    with pytest.raises(DistrictError) as by_folder:
        load_district(folder)
    kwargs, _ = read_frames(folder)
    with pytest.raises(DistrictError) as by_frames:
        District.from_frames(**kwargs)
    assert by_folder.value.file.endswith("district.yaml") and by_frames.value.file is None
    assert by_frames.value.field == by_folder.value.field == "notice"
    assert by_frames.value.message == by_folder.value.message


def test_lenient_district_gives_the_folder_warnings(make_package) -> None:
    compounds = COMPOUNDS + "K6,己小区,Z社区,西街道,300,100,113.017,28.117\n"
    folder = make_package(compounds=compounds, doc=manifest(strict=False))
    from_folder = load_district(folder)
    kwargs, paths = read_frames(folder)
    from_frames = District.from_frames(**kwargs)
    codes = [w["code"] for w in from_frames.warnings]
    assert "compound_in_no_circle" in codes and "community_without_compounds" in codes
    assert from_frames.warnings == _warnings(from_folder.warnings, paths)
    assert from_frames.compounds["circle_id"].isna().sum() == 1


@pytest.mark.parametrize("coords", ["gcj02", "bd09"])
def test_offset_coordinates_are_converted_as_in_a_folder(make_package, coords) -> None:
    folder = make_package(doc=manifest(coords=coords))
    kwargs, _ = read_frames(folder)
    a, b = load_district(folder), District.from_frames(**kwargs)
    assert kwargs["coords"] == coords
    assert np.allclose(
        shapely.get_coordinates(a.compounds.geometry.values),
        shapely.get_coordinates(b.compounds.geometry.values),
    )
    plain = District.from_frames(**{**kwargs, "coords": "wgs84"})
    shift = shapely.distance(plain.compounds.geometry.values, b.compounds.geometry.values)
    assert (shift > 100).all()  # the offsets are hundreds of metres in Changsha


# --------------------------------------------------------------------------- frames only
def test_a_built_graph_serves_as_the_network(handbuilt_folder) -> None:
    kwargs, _ = read_frames(handbuilt_folder)
    graph = graph_from_lines(to_metric(kwargs["network"], crs=CRS), source="network")
    by_lines = District.from_frames(**kwargs)
    by_graph = District.from_frames(**{**kwargs, "network": graph, "crs": None})
    assert by_graph.graph is graph and by_graph.crs == graph.crs
    cat = load_catalogue(handbuilt_folder / "catalogue.yaml")
    assert _outcome(run_checkup(by_graph, cat).result) == _outcome(
        run_checkup(by_lines, cat).result
    )
    other = graph_from_lines(to_metric(kwargs["network"], crs="EPSG:4547"))
    with pytest.raises(CRSError) as exc:
        District.from_frames(**{**kwargs, "network": other})
    assert exc.value.file == "network" and "EPSG:4547" in exc.value.message


def test_circles_as_polygons(handbuilt_folder) -> None:
    """Polygons in place of the circles table: compounds belong to the polygon holding them."""
    kwargs, _ = read_frames(handbuilt_folder)
    boxes = [(0, 1000), (1000, 1700), (1700, 2000)]
    polygons = gpd.GeoDataFrame(
        {"circle_id": ["C1", "C2", "C3"], "name": ["一号圈", "二号圈", "三号圈"]},
        geometry=[shapely.box(X0 + a, Y0 - 100, X0 + b, Y0 + 100) for a, b in boxes],
        crs=CRS,
    )
    d = District.from_frames(**{**kwargs, "circles": polygons, "communities": None})
    assert d.compounds.set_index("id")["circle_id"].to_dict() == {
        "K1": "C1", "K2": "C1", "K3": "C2", "K4": "C3",
    }  # fmt: skip
    cat = load_catalogue(handbuilt_folder / "catalogue.yaml")
    grades = {c.id: c.grade for c in run_checkup(d, cat).result.circles}
    assert grades == {"C1": "NONE", "C2": "AAA", "C3": "AA"}
    short = polygons.iloc[:2]  # K4 now lies in no polygon
    with pytest.raises(DistrictError) as exc:
        District.from_frames(**{**kwargs, "circles": short, "communities": None})
    assert (exc.value.file, exc.value.row, exc.value.field) == ("compounds", 4, "geometry")
    lenient = District.from_frames(
        **{**kwargs, "circles": short, "communities": None, "strict": False}
    )
    assert [w["code"] for w in lenient.warnings] == ["compound_in_no_circle"]


def test_tables_lists_and_frames_without_crs(handbuilt_folder) -> None:
    kwargs, _ = read_frames(handbuilt_folder)
    compounds = kwargs["compounds"].set_crs(None, allow_override=True)
    circles = kwargs["circles"].assign(
        communities=[["A社区"], ("B社区",), "C社区"], circle_id=["C1", "C2", "C3"]
    )
    d = District.from_frames(**{**kwargs, "compounds": compounds, "circles": circles})
    assert d.circles["communities"].tolist() == [["A社区"], ["B社区"], ["C社区"]]
    assert d.compounds.crs == pyproj.CRS.from_user_input(CRS)
    with pytest.raises(CRSError) as exc:
        District.from_frames(**{**kwargs, "compounds": compounds, "crs": None})
    assert exc.value.file == "compounds"


def test_inputs_are_left_as_given_and_the_hash_is_stable(handbuilt_folder) -> None:
    kwargs, _ = read_frames(handbuilt_folder)
    before = {k: v.copy() for k, v in kwargs.items() if isinstance(v, pd.DataFrame)}
    first = District.from_frames(**kwargs)
    for key, frame in before.items():
        pd.testing.assert_frame_equal(kwargs[key], frame)
    again, _ = read_frames(handbuilt_folder)
    assert District.from_frames(**again).input_hash == first.input_hash
    changed = kwargs["compounds"].copy()
    changed.loc[0, "population"] = 1001
    assert District.from_frames(**{**kwargs, "compounds": changed}).input_hash != first.input_hash
    renamed = District.from_frames(**{**kwargs, "name": "别的区"})
    assert renamed.input_hash != first.input_hash


def test_wrong_kinds_of_input_name_the_layer(handbuilt_folder) -> None:
    kwargs, _ = read_frames(handbuilt_folder)
    with pytest.raises(InputError) as exc:
        District.from_frames(**{**kwargs, "facilities": [1, 2, 3]})
    assert exc.value.file == "facilities"
    with pytest.raises(SchemaError) as exc:
        District.from_frames(**{**kwargs, "communities": pd.DataFrame(kwargs["communities"])})
    assert (exc.value.file, exc.value.field) == ("communities", "geometry")
    with pytest.raises(SchemaError) as exc:
        lines = kwargs["network"].copy()
        lines["geometry"] = shapely.buffer(lines.geometry.values, 1.0)
        District.from_frames(**{**kwargs, "network": lines})
    assert (exc.value.file, exc.value.row, exc.value.field) == ("network", 1, "geometry")
