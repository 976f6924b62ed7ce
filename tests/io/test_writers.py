"""Atomic writers: the output is complete or absent, and no temporary file is left behind."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
from shapely.geometry import Point

from lifecircle.io import read_layer, write_atomic, write_gpkg, write_gpkg_layers, write_parquet


def _gdf() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"id": ["a", "b"], "名称": ["幼儿园甲", "公园乙"]},
        geometry=[Point(113.0, 28.0), Point(113.1, 28.1)],
        crs=4326,
    )


def test_write_atomic_success(tmp_path: Path):
    out = write_atomic(tmp_path / "sub" / "x.txt", lambda p: p.write_text("done", "utf-8"))
    assert out.read_text("utf-8") == "done"
    assert sorted(p.name for p in out.parent.iterdir()) == ["x.txt"]


def test_write_atomic_failure_leaves_nothing(tmp_path: Path):
    def half(p: Path) -> None:
        p.write_text("half", "utf-8")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        write_atomic(tmp_path / "x.txt", half)
    assert list(tmp_path.iterdir()) == []


def test_write_atomic_failure_keeps_previous_file(tmp_path: Path):
    target = tmp_path / "x.txt"
    target.write_text("old", "utf-8")

    def boom(p: Path) -> None:
        p.write_text("new but broken", "utf-8")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        write_atomic(target, boom)
    assert target.read_text("utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["x.txt"]


def test_writer_that_writes_nothing_is_an_error(tmp_path: Path):
    with pytest.raises(RuntimeError, match="did not create"):
        write_atomic(tmp_path / "x.txt", lambda p: None)
    assert list(tmp_path.iterdir()) == []


def test_write_parquet_round_trip(tmp_path: Path):
    df = pd.DataFrame({"population": [1.5, 2.0]}, index=pd.Index(["h1", "h2"], name="id"))
    path = write_parquet(df, tmp_path / "homes.parquet")
    pd.testing.assert_frame_equal(pd.read_parquet(path), df)
    gpath = write_parquet(_gdf(), tmp_path / "fac.parquet")
    back = gpd.read_parquet(gpath)
    assert back.crs.to_epsg() == 4326 and list(back["名称"]) == ["幼儿园甲", "公园乙"]


def test_write_gpkg_round_trip_and_replace(tmp_path: Path):
    path = tmp_path / "fac.gpkg"
    write_gpkg(_gdf(), path, layer="facilities")
    assert list(pyogrio.list_layers(path)[:, 0]) == ["facilities"]
    back = read_layer(path)
    assert list(back["id"]) == ["a", "b"] and list(back["名称"]) == ["幼儿园甲", "公园乙"]
    write_gpkg(_gdf().iloc[:1], path, layer="facilities")  # replaces the file whole
    assert len(read_layer(path)) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fac.gpkg"]


def test_write_gpkg_layers_all_or_nothing(tmp_path: Path):
    path = tmp_path / "out.gpkg"
    write_gpkg_layers({"homes": _gdf(), "facilities": _gdf()}, path)
    assert sorted(pyogrio.list_layers(path)[:, 0]) == ["facilities", "homes"]
    bad = pd.DataFrame({"x": [1]})  # fails after the first layer is already written
    with pytest.raises(AttributeError):
        write_gpkg_layers({"ok": _gdf(), "bad": bad}, tmp_path / "broken.gpkg")  # type: ignore[dict-item]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.gpkg"]
