"""The what-if's API, JSON and command line; the fewest-to-pass suggestions checked by it."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from lifecircle.checkup import CheckupResult
from lifecircle.checkup.suggest import suggest_for_result
from lifecircle.errors import InputError
from lifecircle.whatif import Edit, Scenario, edit_from_dict, parse_add, whatif_json


@pytest.fixture(scope="module")
def suggested(demo):
    """The demo checkup's result with every 补短板建议 worked out."""
    _, district, _, checkup, _ = demo
    return suggest_for_result(checkup.result, checkup.homes, district)


def _suggestions(result):
    return [
        (c, s)
        for c in result.circles
        for s in c.shortfalls
        if s.suggestion is not None and s.suggestion.reachable and s.suggestion.count
    ]


def test_suggested_sites_make_the_indicator_pass(demo, suggested):
    """Adding the suggested sites with the what-if passes the indicator at the value the
    suggestion promised; when proven fewest, dropping any one site falls short."""
    *_, engine = demo
    found = _suggestions(suggested)
    assert len(found) >= 5
    checked_fewer = 0
    for c, s in found[:12]:
        sug = s.suggestion
        sites = [
            Edit(op="add_facility", category=sug.category, lon=p.lon, lat=p.lat) for p in sug.sites
        ]
        after = engine.apply(sites).result.circle(c.id).indicator(s.indicator_id)
        assert after.status == "pass", (c.id, s.indicator_id)
        assert after.value == pytest.approx(sug.value_after, abs=1e-6)
        assert sug.value_after >= s.threshold
        assert sum(p.residents_added for p in sug.sites) == pytest.approx(
            (sug.value_after - s.value) / 100 * c.population, rel=1e-6
        )
        if sug.status == "optimal" and sug.count > 1:
            for k in range(len(sites)):
                fewer = sites[:k] + sites[k + 1 :]
                res = engine.apply(fewer).result.circle(c.id).indicator(s.indicator_id)
                assert res.status == "fail"
            checked_fewer += 1
    assert "至少新增" in found[0][1].suggestion.note


def test_suggestions_round_trip(suggested):
    back = CheckupResult.from_dict(suggested.to_dict())  # validated against the schema
    assert back.to_dict() == suggested.to_dict()
    assert CheckupResult.from_dict(back.to_dict()) == back
    assert suggested.run.options["suggest"]["candidates"] == "network"
    # a failing coverage indicator of a circle gets one; nothing else does
    for c in suggested.circles:
        for s in c.shortfalls:
            ind = c.indicator(s.indicator_id)
            wanted = ind.kind == "coverage" and s.status == "fail"
            assert (s.suggestion is not None) == wanted, (c.id, s.indicator_id)


def test_unreachable_target_says_so(demo):
    """A target beyond every candidate (the only candidate far away) is reported, not hidden."""
    from shapely.geometry import Point

    from lifecircle.siting.suggest import fewest_sites

    _, district, _, checkup, _ = demo
    homes = checkup.homes[checkup.homes["circle_id"] == "C01"]
    pts = district.compounds.set_index("id").geometry.reindex(homes["id"]).to_numpy()
    far = Point(pts[0].x + 20_000, pts[0].y)
    ans, _ = fewest_sites(
        district.graph, pts, homes["population"], [False] * len(pts),
        radius=300, target_share=0.9, candidates=[far],
    )  # fmt: skip
    assert not ans.reachable and ans.count is None and ans.share_after == 0.0


def test_whatif_json_for_the_web(demo):
    _, district, _, checkup, engine = demo
    c, s = next(
        (c, s)
        for c in checkup.result.circles
        for s in c.shortfalls
        if s.status == "fail" and c.indicator(s.indicator_id).kind == "coverage"
    )
    far = s.affected_compounds[0]
    point = district.compounds.set_index("id").geometry[far.id]
    cat = s.facility_categories[0]
    out = whatif_json(
        checkup, [{"op": "add_facility", "category": cat, "x": point.x, "y": point.y}]
    )
    json.dumps(out)  # JSON-safe
    assert out["scenario"]["edits"][0]["op"] == "add_facility"
    changed = {x["id"]: x for x in out["circles"]}
    assert c.id in changed
    ind = next(i for i in changed[c.id]["indicators"] if i["id"] == s.indicator_id)
    assert ind["value_after"] > ind["value_before"] == pytest.approx(s.value)
    assert out["grades"]["before"] == checkup.result.grade_counts
    with pytest.raises(InputError) as err:
        whatif_json(checkup, [{"op": "add_facility", "category": "幼儿园", "lon": 112.9}])
    assert err.value.row == 1 and "位置" in err.value.message
    with pytest.raises(InputError, match="未知的推演操作"):
        whatif_json(engine, [{"op": "demolish"}])


def test_bad_edits_are_named(demo):
    _, district, _, _, engine = demo
    p = district.compounds.geometry.iloc[0]
    with pytest.raises(InputError, match="没有编号为 'NOPE' 的设施"):
        Scenario(engine).remove_facility("NOPE").apply()
    with pytest.raises(InputError, match="不在任何生活圈"):
        Scenario(engine).add_compound(x=p.x + 1e6, y=p.y, population=100).apply()
    with pytest.raises(InputError, match="不属于任何生活圈"):
        Scenario(engine).add_compound(x=p.x, y=p.y, population=100, community="无此社区").apply()
    taken = str(district.facilities["id"].iloc[0])
    with pytest.raises(InputError, match="已被占用"):
        Scenario(engine).add_facility("bank", x=p.x, y=p.y, id=taken).apply()
    with pytest.raises(InputError, match="未知的设施类别"):
        parse_add("学校食堂@112.98,28.12")
    with pytest.raises(InputError, match="格式不对"):
        parse_add("kindergarten 112.98 28.12")
    with pytest.raises(InputError, match="人口"):
        edit_from_dict({"op": "add_compound", "lon": 112.9, "lat": 28.1})
    # a removed facility cannot be removed twice
    fid = str(district.facilities["id"].iloc[3])
    with pytest.raises(InputError, match="或已撤除"):
        Scenario(engine).remove_facility(fid).remove_facility(fid).apply()


def run(*args):
    return subprocess.run(
        [sys.executable, "-m", "lifecircle", *map(str, args)],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip


def test_cli_writes_a_scenario_document(demo, tmp_path):
    package, district, _, checkup, _ = demo
    kg = district.facilities[district.facilities["category"] == "kindergarten"]
    fid = str(kg["id"].iloc[0])
    out = tmp_path / "scenario.json"
    r = run(
        "whatif", package, "--add", "幼儿园@112.99300,28.12260@300", "--remove", fid,
        "--out", out,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr[-2000:]
    assert "情景推演" in r.stdout and "示例数据：几何为生成数据" in r.stdout
    doc = CheckupResult.read(out)
    assert doc.run.scenario["base_run"] == checkup.result.run.id
    assert [e["op"] for e in doc.run.scenario["edits"]] == ["add_facility", "remove_facility"]
    assert doc.run.scenario["edits"][0]["capacity"] == 300
    bad = run("whatif", package, "--remove", "NOPE")
    assert bad.returncode == 2 and "没有编号为 'NOPE' 的设施" in bad.stderr
    none = run("whatif", package)
    assert none.returncode != 0 and "至少给出一项改动" in none.stderr
