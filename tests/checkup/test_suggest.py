"""补短板建议 on the hand-built district, where the answer is worked out by hand.

C1 has K1 (1,000 residents, 130 m from kindergarten F1) and K2 (500, 730 m): kindergarten
coverage within 500 m is 66.7 % against 90 %. One new kindergarten within a 500 m walk of
K2 (x = 900 on the street, 20 m north of it: a site at x in [420, 1380]) covers everyone:
1 site, 500 residents added, 100 %.
"""

from __future__ import annotations

import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pyproj
import pytest

from handbuilt_district import CRS, X0, write_package
from lifecircle.checkup import CheckupResult


def run(*args):
    return subprocess.run(
        [sys.executable, "-m", "lifecircle", *map(str, args)],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip


@pytest.fixture(scope="module")
def suggested(tmp_path_factory):
    root = tmp_path_factory.mktemp("suggest")
    package = write_package(root / "district")
    out = root / "checkup"
    r = run(
        "checkup", package, "--catalogue", package / "catalogue.yaml", "--suggest", "--out", out
    )
    assert r.returncode == 0, r.stderr[-2000:]
    return out


def test_the_fewest_sites_are_worked_out_by_hand(suggested):
    result = CheckupResult.read(suggested)
    (short,) = [s for s in result.circle("C1").shortfalls if s.indicator_id == "c_kg_500"]
    sug = short.suggestion
    assert sug is not None
    assert (sug.count, sug.reachable, sug.status, sug.source) == (1, True, "optimal", "network")
    assert sug.value_after == pytest.approx(100.0)
    (site,) = sug.sites
    assert site.residents_added == pytest.approx(500.0)
    x, _ = pyproj.Transformer.from_crs("EPSG:4326", CRS, always_xy=True).transform(
        site.lon, site.lat
    )
    assert 420 - 1e-3 <= x - X0 <= 1100 + 1e-3  # within K2's walk, in or near circle A
    assert "至少新增幼儿园 1 处" in sug.note
    assert result.run.options["suggest"]["spacing_m"] == 100
    # passing circles and non-coverage shortfalls get none
    for c in result.circles:
        for s in c.shortfalls:
            if s.indicator_id != "c_kg_500":
                assert s.suggestion is None


def test_the_report_shows_it(suggested, tmp_path):
    r = run("report", suggested, "--out", tmp_path, "--circle", "C1", "--format", "html")
    assert r.returncode == 0, r.stderr[-2000:]
    html = (tmp_path / "C1.html").read_text(encoding="utf-8")
    assert "经选址测算，至少新增幼儿园 1 处" in html
    assert "新增覆盖 500 人" in html


def test_candidates_without_suggest_are_refused(tmp_path):
    package = write_package(tmp_path / "district")
    r = run("checkup", package, "--catalogue", package / "catalogue.yaml",
            "--candidates", package / "compounds.gpkg", "--out", tmp_path / "out")  # fmt: skip
    assert r.returncode != 0 and "--suggest" in r.stderr


def test_a_candidate_layer_is_used_instead_of_the_network(tmp_path):
    """Two idle buildings: one 1,000 m from K2 along the street, one 200 m: the near one."""
    import geopandas as gpd
    import shapely

    from handbuilt_district import Y0

    package = write_package(tmp_path / "district")
    sites = gpd.GeoDataFrame(
        {"id": ["闲置厂房", "闲置门面"]},
        geometry=[shapely.Point(X0 + 1900, Y0 - 15), shapely.Point(X0 + 700, Y0 - 15)],
        crs=CRS,
    )
    layer = tmp_path / "idle.gpkg"
    sites.to_file(layer)
    out = tmp_path / "out"
    r = run("checkup", package, "--catalogue", package / "catalogue.yaml", "--suggest",
            "--candidates", layer, "--out", out)  # fmt: skip
    assert r.returncode == 0, r.stderr[-2000:]
    sug = CheckupResult.read(out).circle("C1").shortfalls[0].suggestion
    assert sug.source == "layer" and [s.id for s in sug.sites] == ["闲置门面"]
    assert "候选用地图层" in sug.note


def test_service_areas_drawn_during_the_suggestions_are_those_drawn_afresh(tmp_path):
    """With suggestions, run_checkup draws the service areas meanwhile on a thread; the
    layer it keeps (and writes) is the one drawn from the result after the run."""
    import shapely

    from lifecircle.checkup import run_checkup
    from lifecircle.checkup.write import service_areas_layer
    from lifecircle.district import load_district
    from lifecircle.standards import load_catalogue

    package = write_package(tmp_path / "district")
    district = load_district(package)
    ck = run_checkup(district, load_catalogue(package / "catalogue.yaml"), suggest=True)
    assert ck.service_areas is not None and len(ck.service_areas) > 0
    fresh = service_areas_layer(ck.result, district)
    assert ck.service_areas.drop(columns="geometry").equals(fresh.drop(columns="geometry"))
    assert list(shapely.to_wkb(ck.service_areas.geometry.values)) == list(
        shapely.to_wkb(fresh.geometry.values)
    )
    assert run_checkup(district, load_catalogue(package / "catalogue.yaml")).service_areas is None


def test_suggestions_on_two_threads_are_those_worked_out_one_by_one(tmp_path, monkeypatch):
    """The small demo district: every suggestion the same, in the same place of the result."""
    from lifecircle.checkup import run_checkup
    from lifecircle.checkup import suggest as suggest_module
    from lifecircle.demo import generate_demo
    from lifecircle.district import load_district
    from lifecircle.standards import load_catalogue

    district = load_district(generate_demo(tmp_path / "district", scale=0.05))
    ck = run_checkup(district, load_catalogue("changsha-provisional"))
    answers = []
    for workers in (1, 2):
        monkeypatch.setattr(suggest_module, "SUGGEST_WORKERS", workers)
        seen: list[tuple[int, int]] = []

        def note(_stage: str, done: int, total: int, seen: list = seen) -> None:
            seen.append((done, total))

        result = suggest_module.suggest_for_result(ck.result, ck.homes, district, progress=note)
        answers.append([c.to_dict() for c in result.circles])
        total = seen[-1][1]
        assert seen[0] == (0, total) and seen[-1] == (total, total)
        assert [d for d, _ in seen] == sorted(d for d, _ in seen)  # never backwards
    one, two = answers
    assert one == two
    with ThreadPoolExecutor(2) as pool:  # run_checkup's pool, shared with the service areas
        shared = suggest_module.suggest_for_result(ck.result, ck.homes, district, executor=pool)
    assert [c.to_dict() for c in shared.circles] == one
    n = sum(
        1
        for c in result.circles
        for s in c.shortfalls
        if s.suggestion is not None and s.suggestion.count
    )
    assert n >= 5  # enough suggestions for the two threads to interleave
