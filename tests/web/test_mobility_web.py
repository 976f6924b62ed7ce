"""Mobility on the platform: GeoJSON layers under /api/v1/mobility, the /mobility page and
the overlay hook on the 一张图, for staff only; nothing before a result is imported."""

from __future__ import annotations

import pytest

from lifecircle.mobility.results import read_mobility
from lifecircle.store import session_scope
from lifecircle.workflow.mobility import import_mobility
from mobility._results import write_small_result

from .conftest import PASSWORD


def _login(client, role: str) -> None:
    client.cookies.clear()
    page = client.get("/login")
    token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    r = client.post(
        "/login",
        data={"username": role, "password": PASSWORD, "csrf_token": token, "next": "/"},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    return write_small_result(tmp_path_factory.mktemp("mobweb"), circle_prefix="C")


def test_before_any_import(client, tokens):
    auth = {"Authorization": f"Bearer {tokens['district']}"}
    r = client.get("/api/v1/mobility/circles.geojson", headers=auth)
    assert r.status_code == 200
    assert r.json() == {"type": "FeatureCollection", "features": [], "run": None}
    _login(client, "district")
    page = client.get("/mobility")
    assert page.status_code == 200 and "还没有出行分析结果" in page.text
    client.cookies.clear()


def test_layers_page_and_overlay(seeded, client, tokens, written):
    with session_scope(seeded.engine, actor="tester") as s:
        run = import_mobility(
            s,
            read_mobility(written.match, delineation=written.delineation, generated=True),
            title="2024年5月手机信令（合成）",
        )
        run_id = run.id
    auth = {"Authorization": f"Bearer {tokens['district']}"}
    r = client.get("/api/v1/mobility/circles.geojson", headers=auth)
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/geo+json")
    doc = r.json()
    # C01..C04 take the outlines stored for the demo's circles of the same code
    assert [f["properties"]["id"] for f in doc["features"]] == ["C01", "C02", "C03", "C04"]
    assert all(0 <= f["properties"]["match_index"] <= 1 for f in doc["features"])
    assert doc["run"]["id"] == run_id and "合成" in doc["run"]["note"]
    assert doc["features"][0]["properties"]["url"] == "/circles/C01"
    prop = client.get(f"/api/v1/mobility/proposed.geojson?run={run_id}", headers=auth).json()
    assert len(prop["features"]) == 4
    assert prop["features"][0]["geometry"]["type"] in ("Polygon", "MultiPolygon")
    assert prop["edges"]["type"] in ("LineString", "MultiLineString")
    assert client.get("/api/v1/mobility/proposed.geojson?run=999", headers=auth).status_code == 400
    # the public and non-staff cannot read it
    assert client.get("/api/v1/mobility/circles.geojson").status_code == 401
    assert (
        client.get(
            "/api/v1/mobility/circles.geojson",
            headers={"Authorization": f"Bearer {tokens['public']}"},
        ).status_code
        == 403
    )
    # the page: figures, tables, the data note
    _login(client, "district")
    page = client.get("/mobility")
    assert page.status_code == 200
    text = page.text
    assert "2024年5月手机信令（合成）" in text and "合成的示例数据" in text
    assert "各生活圈匹配程度" in text and "生活圈划分建议" in text and "菜市场或生鲜超市" in text
    assert '<a href="/circles/C01">C01' in text
    assert 'data-mobility="page"' in text and "/static/mobility.js" in text
    # the 一张图 carries the overlay hook, loaded between Leaflet and map.js
    home = client.get("/").text
    assert 'data-mobility="overlay"' in home and 'id="mobility-note"' in home
    assert (
        home.index("leaflet.js") < home.index("/static/mobility.js") < home.index("/static/map.js")
    )
    assert client.get("/static/mobility.js").status_code == 200
    client.cookies.clear()
    assert client.get("/mobility", follow_redirects=False).status_code == 303
