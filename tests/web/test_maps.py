"""The map by facility category, 补短板建议, the what-if and the unit ranking: stored from a
real checkup (run with --suggest), served by the API and the pages."""

from __future__ import annotations

import math
import re
from datetime import date

import geopandas as gpd
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from lifecircle.checkup import CheckupResult
from lifecircle.checkup.folder import CheckupFolder
from lifecircle.errors import InputError
from lifecircle.store import session_scope
from lifecircle.store.map_models import MapCompound, MapFacility, MapServiceArea
from lifecircle.web import Settings, create_app
from lifecircle.workflow import maps, scenarios, suggestions
from lifecircle.workflow.geometry import import_circle_geometry

from .conftest import PASSWORD, ROLES
from .maps_site import TODAY, platform_db, suggested_demo

NOTICE = "示例数据：几何为生成数据"


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    return suggested_demo(tmp_path_factory)


@pytest.fixture(scope="module")
def doc(demo) -> CheckupResult:
    return CheckupResult.read(demo / "checkup")


def _failing_with_one_site(doc: CheckupResult) -> tuple[str, str, object]:
    """A circle failing a constraint that one suggested site makes pass."""
    for c in doc.circles:
        for s in c.shortfalls:
            sg = s.suggestion
            if (
                s.category == "constraint"
                and sg is not None
                and sg.count == 1
                and c.failed_constraints == [s.indicator_id]
            ):
                return c.id, s.indicator_id, sg
    raise AssertionError("the demo has no circle one new facility makes pass")


# --- workflow: storing and reading the layers (SQLite and PostgreSQL) -------------------------


def test_map_layers_are_stored_as_the_checkup_wrote_them(engine, demo, doc):
    comp = gpd.read_file(demo / "checkup" / "compounds.gpkg")
    with session_scope(engine, actor="t") as s:
        rec = maps.import_checkup_maps(s, demo / "checkup", district=demo / "district")
        import_circle_geometry(s, demo / "checkup" / "circles.gpkg")
        assert "kindergarten" in rec.categories and rec.district_path.endswith("district")
        # imported twice: replaced, never doubled
        maps.import_checkup_maps(s, demo / "checkup", district=demo / "district")
    with session_scope(engine) as s:
        assert s.scalar(select(func.count()).select_from(MapCompound)) == len(comp)
        assert s.scalar(select(func.count()).select_from(MapFacility)) > 0
        # a facility outside every circle has no circle code (not the text "nan")
        outside = CheckupFolder.read(demo / "checkup").facilities["circle_id"].isna().sum()
        no_code = (
            select(func.count()).select_from(MapFacility).where(MapFacility.circle_code.is_(None))
        )
        assert outside > 0 and s.scalar(no_code) == outside
        nan_code = (
            select(func.count()).select_from(MapFacility).where(MapFacility.circle_code == "nan")
        )
        assert s.scalar(nan_code) == 0
        assert s.scalar(select(func.count()).select_from(MapServiceArea)) > 0
        stored = {c.code: c for c in s.scalars(select(MapCompound))}
        for cid, m in zip(comp["id"].astype(str), comp["nearest_m__kindergarten"], strict=True):
            got = stored[cid].nearest_m["kindergarten"]
            assert (got is None) if not math.isfinite(m) else got == pytest.approx(m, abs=0.06)
        circle, indicator, _ = _failing_with_one_site(doc)
        offered = maps.map_categories(s, circle)
        failing = doc.circle(circle).indicator(indicator).facility_categories[0]
        assert offered[0].id == failing and offered[0].status == "fail"
        assert offered[0].label.endswith("（未达标）")
        geo = maps.circle_category_map(s, circle, offered[0].name_zh)  # Chinese name works
    kinds = [f["properties"]["kind"] for f in geo["features"]]
    assert kinds.count("circle") == 1 and "service_area" in kinds and "facility" in kinds
    compounds = [f["properties"] for f in geo["features"] if f["properties"]["kind"] == "compound"]
    mine = comp[comp["circle_id"].astype(str) == circle]
    assert len(compounds) == len(mine) == geo["meta"]["compounds"]
    radius = geo["meta"]["radius_m"]
    assert radius == doc.circle(circle).indicator(indicator).radius_m
    for p in compounds:
        assert p["band"] == maps.distance_band(p["nearest_m"], radius)
    assert {p["band"] for p in compounds} - {"within"}, "a failing circle has far compounds"
    per_band = {b["band"]: b["residents"] for b in geo["meta"]["bands"]}
    assert sum(per_band.values()) == pytest.approx(mine["population"].sum(), abs=2)
    assert geo["meta"]["notice"] == NOTICE
    for f in geo["features"]:  # WGS-84 around Changsha
        if f["geometry"]["type"] == "Point":
            lon, lat = f["geometry"]["coordinates"]
            assert 112 < lon < 114 and 27 < lat < 29


def test_distance_bands_and_bad_category(engine, demo):
    assert maps.distance_band(500.0, 500.0) == "within"  # the radius itself is covered
    assert maps.distance_band(500.1, 500.0) == "near"
    assert maps.distance_band(750.0, 500.0) == "near"
    assert maps.distance_band(750.1, 500.0) == "far"
    assert maps.distance_band(None, 500.0) == "none"
    with session_scope(engine, actor="t") as s:
        with pytest.raises(InputError, match="体检地图数据") as no_maps:
            maps.circle_category_map(s, "C01", "幼儿园")
        assert "lifecircle import maps" in (no_maps.value.fix or "")
        maps.import_checkup_maps(s, demo / "checkup")
        with pytest.raises(InputError, match="没有设施类别 '游乐场'") as bad:
            maps.circle_category_map(s, "C01", "游乐场")
        assert "幼儿园" in (bad.value.fix or "") or "公交车站" in (bad.value.fix or "")
        with pytest.raises(InputError, match="区数据包"):
            maps.import_checkup_maps(s, demo / "checkup", district=demo / "checkup")
        # no package recorded: the what-if says how to record it
        with pytest.raises(InputError, match="没有登记区数据包") as e:
            scenarios.whatif_source(s)
        assert "--district" in (e.value.fix or "")


def test_a_layer_of_other_shapes_is_refused_naming_file_and_row(engine, demo):
    import dataclasses

    import shapely

    f = CheckupFolder.read(demo / "checkup")
    comp = f.compounds.copy()
    comp.loc[comp.index[2], "geometry"] = shapely.box(0, 0, 1, 1)
    bad = dataclasses.replace(f, compounds=comp)
    with session_scope(engine, actor="t") as s, pytest.raises(InputError, match="不是点") as e:
        maps.import_checkup_maps(s, bad)
    assert e.value.file.endswith("compounds.gpkg") and e.value.row == 3
    assert e.value.field == "geometry"


def test_suggestion_rows_come_from_the_stored_shortfalls(doc):
    circle, indicator, sg = _failing_with_one_site(doc)
    rows = suggestions.suggestion_rows([s.to_dict() for s in doc.circle(circle).shortfalls])
    first = rows[0]
    assert first.indicator_id == indicator and first.constraint
    assert first.count == 1 and first.reachable and first.value_after >= first.threshold
    assert first.category_zh != first.category  # Chinese name
    site = sg.sites[0]
    assert f"add={sg.category}%40{site.lon}%2C{site.lat}" in first.whatif_query
    assert suggestions.suggestion_rows([]) == []


# --- the web: API, pages, what-if ----------------------------------------------------------


@pytest.fixture(scope="module")
def site(demo, tmp_path_factory):
    users = {r: {"role": r, "password": PASSWORD} for r in ROLES}
    users["street"]["street"] = "侯家塘街道"
    users["circle_leader"]["circles"] = ["C01"]
    users["unit"]["unit"] = "区教育局"
    engine = platform_db(demo, tmp_path_factory.mktemp("mapsweb") / "web.db", users=users)
    app = create_app(Settings(engine=engine, secret_key="maps-test", today=TODAY))
    with TestClient(app) as c:
        # the what-if engine is prepared before any test runs: its thread never overlaps a
        # test (warnings filters, which pytest sets per test, are shared by every thread)
        token = c.post("/api/v1/auth/token", data={"username": "district", "password": PASSWORD})
        h = _h(token.json()["access_token"])
        assert c.get("/api/v1/whatif/status?wait=115", headers=h).json()["state"] == "ready"
        yield c
    engine.dispose()


@pytest.fixture(scope="module")
def tokens(site) -> dict[str, str]:
    out = {}
    for role in ROLES:
        r = site.post("/api/v1/auth/token", data={"username": role, "password": PASSWORD})
        out[role] = r.json()["access_token"]
    return out


def _h(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


STAFF = [r for r in ROLES if r != "public"]


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/circles/C01/map",
        "/api/v1/circles/C01/map?category=幼儿园",
        "/api/v1/circles/C01/map/categories",
        "/api/v1/whatif/status",
    ],
)
def test_map_api_is_for_staff_only(site, tokens, path):
    assert site.get(path).status_code == 401  # no account
    assert site.get(path, headers=_h(tokens["public"])).status_code == 403
    for role in STAFF:
        r = site.get(path, headers=_h(tokens[role]))
        assert r.status_code == 200, (role, r.text)


def test_map_api_answers(site, tokens, doc):
    h = _h(tokens["district"])
    assert site.get("/api/v1/circles/C99/map", headers=h).status_code == 404
    bad = site.get("/api/v1/circles/C01/map?category=游乐场", headers=h)
    assert bad.status_code == 400 and "没有设施类别" in bad.json()["detail"]
    geo = site.get("/api/v1/circles/C01/map", headers=h).json()
    assert geo["type"] == "FeatureCollection" and geo["meta"]["notice"] == NOTICE
    cats = site.get("/api/v1/circles/C01/map/categories", headers=h).json()
    assert geo["meta"]["category"] == cats[0]["id"]
    assert "/api/v1/circles/{circle_id}/map" in site.get("/api/v1/openapi.json").json()["paths"]
    circle, indicator, sg = _failing_with_one_site(doc)
    detail = site.get(f"/api/v1/circles/{circle}", headers=h).json()
    sf = next(s for s in detail["shortfalls"] if s["indicator_id"] == indicator)
    assert sf["suggestion"]["count"] == 1 and sf["suggestion"]["category"] == sg.category
    public = site.get(f"/api/v1/circles/{circle}").json()
    assert all("suggestion" not in s for s in public["shortfalls"])


def test_whatif_api_changes_the_grade_at_the_suggested_site(site, tokens, doc):
    circle, indicator, sg = _failing_with_one_site(doc)
    h = _h(tokens["circle_leader"])  # reading is every staff role's, not only the circle's own
    status = site.get("/api/v1/whatif/status?wait=110", headers=h).json()
    assert status["state"] == "ready", status
    adds = [f"{sg.category}@{s.lon},{s.lat}" for s in sg.sites]
    r = site.get(f"/api/v1/circles/{circle}/whatif", params={"add": adds}, headers=h)
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["circle"]["grade_before"] == "NONE" and out["circle"]["grade_after"] != "NONE"
    changed = {i["id"]: i for i in out["circle"]["indicators"] if i["changed"]}
    assert changed[indicator]["status_before"] == "fail"
    assert changed[indicator]["status_after"] == "pass"
    assert out["grades"]["after"]["NONE"] == out["grades"]["before"]["NONE"] - 1
    assert out["added"][0]["circle"] == circle
    assert out["compounds"] and all(
        m is None or m <= sg_radius(doc, circle, indicator) for m in out["compounds"].values()
    )
    nothing = site.get(f"/api/v1/circles/{circle}/whatif", headers=h).json()
    assert nothing["circle"]["grade_after"] == "NONE"
    assert not any(i["changed"] for i in nothing["circle"]["indicators"])
    bad = site.get(f"/api/v1/circles/{circle}/whatif?add=幼儿园@112.9", headers=h)
    assert bad.status_code == 400 and "第 1 处新增设施：位置" in bad.json()["detail"]
    assert "--add" not in bad.json()["detail"] and "field" not in bad.json()["detail"]
    many = site.get(f"/api/v1/circles/{circle}/whatif", params={"add": adds * 11}, headers=h).json()
    assert "最多" in many["detail"]
    assert site.get(f"/api/v1/circles/{circle}/whatif").status_code == 401
    status = site.get("/api/v1/whatif/status", headers=h).json()
    from lifecircle.web.engines import Entry

    entry: Entry = site.app.state.whatif_engines.entry(
        scenarios.WhatIfSource(status["run"], "", "", "", 0.0)
    )
    with pytest.raises(InputError, match="中没有生活圈 C99"):
        scenarios.try_facilities(entry.engine, "C99", [])


def test_whatif_api_is_for_staff_only(site, tokens):
    h = _h(tokens["district"])
    assert site.get("/api/v1/whatif/status?wait=110", headers=h).json()["state"] == "ready"
    path = "/api/v1/circles/C01/whatif?add=幼儿园@112.99,28.12"
    assert site.get(path).status_code == 401
    assert site.get(path, headers=_h(tokens["public"])).status_code == 403
    for role in STAFF:
        r = site.get(path, headers=_h(tokens[role]))
        assert r.status_code == 200, (role, r.text)
        assert r.json()["added"][0]["category"] == "kindergarten"


def sg_radius(doc: CheckupResult, circle: str, indicator: str) -> float:
    return float(doc.circle(circle).indicator(indicator).radius_m or 0)


def _login(c: TestClient, user: str) -> None:
    page = c.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token is not None
    r = c.post(
        "/login",
        data={"username": user, "password": PASSWORD, "csrf_token": token.group(1), "next": "/"},
        follow_redirects=False,
    )
    assert r.status_code == 303


def test_circle_page_has_the_category_map_and_suggestions(site, doc):
    circle, indicator, sg = _failing_with_one_site(doc)
    _login(site, "district")
    html = site.get(f"/circles/{circle}").text
    assert 'id="cm-map"' in html and 'id="cm-category"' in html
    assert "/static/category_map.js" in html
    assert "补短板建议" in html and 'id="sg-table"' in html
    name = doc.circle(circle).indicator(indicator).name_zh
    assert name in html
    assert f"/circles/{circle}/whatif?add={sg.category}%40" in html
    page = site.get(
        f"/circles/{circle}/whatif?add={sg.category}@{sg.sites[0].lon},{sg.sites[0].lat}"
    )
    assert page.status_code == 200 and "情景推演" in page.text
    assert f'"category": "{sg.category}"' in page.text  # the suggested site is placed at once
    assert site.get("/circles/C01/whatif?add=bad").status_code == 400


def test_map_page_ranks_units_by_on_time_delivery(site):
    _login(site, "district")
    html = site.get("/").text
    assert "责任单位按期完成排名" in html and 'id="chart-ranking"' in html
    table = html[html.index('id="rank-table"') :]
    table = table[: table.index("</table>")]
    assert "区教育局" in table and "/static/ranking.js" in html
    street = site.get("/?street=侯家塘街道").text
    assert "责任单位按期完成排名 · 侯家塘街道" in street


def test_whatif_page_needs_staff(site):
    site.cookies.clear()
    r = site.get("/circles/C01/whatif", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")


def test_no_district_package_is_said_in_chinese(engine, demo):
    with session_scope(engine, actor="t") as s:
        maps.import_checkup_maps(s, demo / "checkup", district=demo / "district")
        src = scenarios.whatif_source(s)
    moved = scenarios.WhatIfSource(**{**src.__dict__, "district_path": str(demo / "gone")})
    with pytest.raises(InputError, match="找不到体检所用的区数据包"):
        scenarios.prepare_engine(moved)
    changed = scenarios.WhatIfSource(**{**src.__dict__, "input_hash": "sha256:0"})
    with pytest.raises(Exception, match="已有改动"):
        scenarios.prepare_engine(changed)


def test_ranking_rule_on_hand_built_projects(session, demo):
    from lifecircle.workflow import projects
    from lifecircle.workflow.places import seed_units
    from lifecircle.workflow.ranking import unit_ranking

    seed_units(session)
    maps.import_checkup_maps(session, demo / "checkup")
    from lifecircle.store.models import Circle

    circles = list(session.scalars(select(Circle).order_by(Circle.code)))
    a = circles[0]
    other = next(c for c in circles if c.street_id != a.street_id)
    n = 0

    def make(unit: str, circle: Circle, due: date, done: date | None, *, late_open: bool = False):
        nonlocal n
        n += 1
        p = projects.create_project(
            session, code=f"XM2024-{n:03d}", name=f"项目{n}", circle=circle.code,
            project_type="micro_renewal", lead_unit=unit, due_date=due, start_date=date(2024, 1, 5),
            on=date(2024, 1, 5),
        )  # fmt: skip
        projects.transition(session, p, "approved", on=date(2024, 1, 10))
        projects.transition(session, p, "in_progress", on=date(2024, 1, 20))
        if done is not None:
            projects.transition(session, p, "completed", on=done)
        return p

    today = date(2024, 9, 30)
    make("区教育局", a, date(2024, 6, 30), date(2024, 6, 1))  # on time
    make("区教育局", a, date(2024, 7, 31), date(2024, 7, 30))  # on time
    make("区民政局", a, date(2024, 6, 30), date(2024, 6, 20))  # on time
    make("区民政局", a, date(2024, 7, 31), None)  # overdue
    make("区商务局", a, date(2024, 5, 31), date(2024, 6, 15))  # late
    make("区文旅体局", a, date(2025, 5, 31), None)  # not due yet
    make("区民政局", other, date(2024, 5, 31), date(2024, 5, 1))  # on time, another street
    rows = unit_ranking(session, today=today)
    got = [(r.rank, r.unit, r.rate, r.overdue) for r in rows]
    assert got == [
        (1, "区教育局", 100.0, 0),
        (2, "区民政局", pytest.approx(66.7), 1),
        (3, "区商务局", 0.0, 0),
        (None, "区文旅体局", None, 0),
    ]
    assert rows[-1].rate_zh == "暂无到期项目" and rows[1].rate_zh == "66.7%"
    street = unit_ranking(session, today=today, street=a.street.name)
    assert [(r.unit, r.rate) for r in street][:2] == [("区教育局", 100.0), ("区民政局", 50.0)]


def test_excel_report_has_the_suggestions_sheet(demo, doc, tmp_path):
    from openpyxl import load_workbook

    from lifecircle.reports import render_circle_report

    circle, indicator, sg = _failing_with_one_site(doc)
    render_circle_report(demo / "checkup", circle, tmp_path, formats="xlsx")
    wb = load_workbook(tmp_path / f"{circle}.xlsx")
    assert wb.sheetnames.index("补短板建议") == wb.sheetnames.index("短板清单") + 1
    ws = wb["补短板建议"]
    header = [c.value for c in ws[1]]
    assert header[:5] == ["序号", "指标", "建议", "新增设施类别", "最少新增（处）"]
    name = doc.circle(circle).indicator(indicator).name_zh
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=2)]
    mine = [r for r in rows if r[1] == name]
    assert len(mine) == len(sg.sites) and mine[0][4] == sg.count
    assert "经选址测算，至少新增" in mine[0][2]
    lon, lat = mine[0][header.index("经度")], mine[0][header.index("纬度")]
    assert (lon, lat) == (pytest.approx(sg.sites[0].lon), pytest.approx(sg.sites[0].lat))
    assert mine[0][header.index("选址求解")] == "已证明为最少"
