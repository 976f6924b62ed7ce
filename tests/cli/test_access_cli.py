"""The ``lifecircle access`` command end to end: real files in, Parquet and GeoPackage out."""

from __future__ import annotations

import json
import subprocess
import sys

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
import shapely

from lifecircle.io import wgs84_to_gcj02


def run(*args, cwd=None):
    return subprocess.run(
        [sys.executable, "-m", "lifecircle", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=300,
    )


@pytest.fixture
def files(tmp_path):
    """A small street grid near Changsha (WGS-84 lines), GBK homes in GCJ-02, facilities."""
    lon0, lat0 = 113.0, 28.1
    d = 0.001  # about 100 m
    lines = []
    for i in range(6):
        lines.append(shapely.LineString([(lon0, lat0 + i * d), (lon0 + 5 * d, lat0 + i * d)]))
        lines.append(shapely.LineString([(lon0 + i * d, lat0), (lon0 + i * d, lat0 + 5 * d)]))
    net = tmp_path / "roads.geojson"
    gpd.GeoDataFrame(geometry=lines, crs="EPSG:4326").to_file(net)
    # homes given in GCJ-02, as an Amap export would be, in a GBK-encoded CSV
    wlon = [lon0 + 0.5 * d, lon0 + 4.5 * d]
    wlat = [lat0 + 0.2 * d, lat0 + 4.8 * d]
    glon, glat = wgs84_to_gcj02(wlon, wlat)
    homes = pd.DataFrame(
        {"编号": ["A", "B"], "小区名称": ["枫林苑", "桂花园"], "人口": [1200, 800],
         "经度": glon, "纬度": glat}
    )  # fmt: skip
    homes_csv = tmp_path / "homes.csv"
    homes.to_csv(homes_csv, index=False, encoding="gbk")
    fac = gpd.GeoDataFrame(
        {"id": ["k1", "n1"], "category": ["kindergarten", "nursery"], "capacity": [120, 30]},
        geometry=shapely.points(
            *wgs84_to_gcj02([lon0 + 0.5 * d, lon0 + 5 * d], [lat0, lat0 + 5 * d])
        ),
        crs="EPSG:4326",
    )
    fac_path = tmp_path / "facilities.geojson"
    fac.to_file(fac_path)
    return net, homes_csv, fac_path


def test_access_command_writes_parquet_and_geopackage(files, tmp_path):
    net, homes, fac = files
    out = tmp_path / "out"
    r = run("access", "--network", net, "--homes", homes, "--facilities", fac, "--out", out,
            "--radius", "300,500,1000", "--coords", "gcj02", "--node-crossings")  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert "人口覆盖率" in r.stdout
    table = gpd.read_parquet(out / "access.parquet").set_index("id")
    # home A sits 0.0002° (22.2 m) north of the street point where kindergarten k1 stands:
    # only right if the GCJ-02 offset (hundreds of metres) was removed from both layers
    assert table.loc["A", "nearest_m__kindergarten"] == pytest.approx(22.2, abs=0.5)
    assert table.loc["A", "count_300m__kindergarten"] == 1
    assert table.loc["B", "count_300m__kindergarten"] == 0
    assert "supply_per_1000_1000m__nursery" in table.columns
    assert set(pyogrio.list_layers(out / "access.gpkg")[:, 0]) >= {"homes", "coverage"}
    meta = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert meta["homes"] == 2 and meta["network"]["components"] == 1
    cov = pd.read_csv(out / "coverage.csv")
    assert set(cov["radius"]) == {"300m", "500m", "1000m"}


def test_minutes_name_the_columns(files, tmp_path):
    net, homes, fac = files
    out = tmp_path / "m.parquet"
    r = run("access", "--network", net, "--homes", homes, "--facilities", fac, "--out", out,
            "--minutes", "5,10", "--speed", "80", "--coords", "gcj02", "--node-crossings")  # fmt: skip
    assert r.returncode == 0, r.stderr
    cols = gpd.read_parquet(out).columns
    assert "count_5min__kindergarten" in cols and "count_10min__nursery" in cols


def test_bad_input_stops_with_a_named_error_and_writes_nothing(files, tmp_path):
    net, _homes, fac = files
    bad = tmp_path / "bad.csv"
    bad.write_text("id,population,lon,lat\nA,10,113.0,28.1\nA,20,113.001,28.1\n", encoding="utf-8")
    out = tmp_path / "out"
    r = run("access", "--network", net, "--homes", bad, "--facilities", fac, "--out", out)
    assert r.returncode == 2
    assert "bad.csv" in r.stderr and "第 2 行" in r.stderr and "id" in r.stderr
    assert "Traceback" not in r.stderr
    assert not out.exists()


def test_missing_population_column_names_the_fix(files, tmp_path):
    net, _homes, fac = files
    bad = tmp_path / "nopop.csv"
    bad.write_text("id,popul,lon,lat\nA,10,113.0,28.1\n", encoding="utf-8")
    r = run(
        "access", "--network", net, "--homes", bad, "--facilities", fac, "--out", tmp_path / "o"
    )
    assert r.returncode == 2
    assert "population" in r.stderr and "nopop.csv" in r.stderr


def test_network_with_no_edges_is_refused(files, tmp_path):
    _net, homes, fac = files
    empty = tmp_path / "empty.geojson"
    empty.write_text('{"type": "FeatureCollection", "features": []}', encoding="utf-8")
    r = run("access", "--network", empty, "--homes", homes, "--facilities", fac,
            "--out", tmp_path / "o", "--coords", "gcj02")  # fmt: skip
    assert r.returncode == 2
    assert "empty.geojson" in r.stderr


def test_unknown_category_is_refused_and_chinese_names_or_amap_codes_are_accepted(files, tmp_path):
    net, homes, _fac = files
    fac = tmp_path / "fac.csv"
    fac.write_text(
        "id,category,lon,lat\nk,幼儿园,113.0005,28.1\np,090601,113.001,28.1\nx,spaceport,113.002,28.1\n",
        encoding="utf-8",
    )
    r = run("access", "--network", net, "--homes", homes, "--facilities", fac,
            "--out", tmp_path / "o", "--node-crossings")  # fmt: skip
    assert r.returncode == 2
    assert "spaceport" in r.stderr and "第 3 行" in r.stderr and "kindergarten" in r.stderr
    fac.write_text(
        "id,category,lon,lat\nk,幼儿园,113.0005,28.1\np,Pharmacy,113.001,28.1\n", encoding="utf-8"
    )
    out = tmp_path / "ok.parquet"
    r = run("access", "--network", net, "--homes", homes, "--facilities", fac,
            "--out", out, "--node-crossings")  # fmt: skip
    assert r.returncode == 0, r.stderr
    cols = gpd.read_parquet(out).columns
    assert "nearest_m__kindergarten" in cols and "nearest_m__pharmacy" in cols
    r = run("access", "--network", net, "--homes", homes, "--facilities", tmp_path / "fac.csv",
            "--out", tmp_path / "own.parquet", "--node-crossings", "--own-categories")  # fmt: skip
    assert r.returncode == 0, r.stderr
