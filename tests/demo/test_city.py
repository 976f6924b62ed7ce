"""Tests of the generated city: several demo districts as one package (small scale)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyogrio
import pytest
import shapely
import yaml

from lifecircle.checkup import CheckupFolder, run_checkup
from lifecircle.demo import build_city, build_demo, generate_city
from lifecircle.demo._names import CENSUS_TOTAL, N_CIRCLES
from lifecircle.demo.city import GAP_M, district_label
from lifecircle.demo.generator import NOTICE
from lifecircle.district import load_district
from lifecircle.errors import InputError
from lifecircle.reports import maps
from lifecircle.standards import load_catalogue

SMALL = 0.05
K = 2


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate_city(tmp_path_factory.mktemp("city") / "city", districts=K, scale=SMALL)


@pytest.fixture(scope="module")
def checkup_dir(package: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("city") / "checkup"
    run_checkup(load_district(package), load_catalogue("changsha-provisional")).write(out)
    return out


def _read(path: Path) -> pd.DataFrame:
    return pyogrio.read_dataframe(path)


def test_same_options_give_identical_files(package: Path, tmp_path: Path) -> None:
    again = generate_city(tmp_path / "again", districts=K, scale=SMALL)
    names = sorted(p.name for p in package.iterdir())
    assert names == sorted(p.name for p in again.iterdir())
    for name in names:
        assert (package / name).read_bytes() == (again / name).read_bytes(), name


def test_ids_and_names_are_unique_across_the_city(package: Path) -> None:
    circles = pd.read_csv(package / "circles.csv", dtype=str)
    assert len(circles) == K * N_CIRCLES
    assert circles["circle_id"].is_unique
    assert circles["name"].is_unique
    assert circles["circle_id"].iloc[0] == "D01-C01"
    assert circles["circle_id"].iloc[-1] == f"D{K:02d}-C{N_CIRCLES}"
    for layer in ("compounds", "facilities"):
        assert _read(package / f"{layer}.gpkg")["id"].is_unique, layer
    communities = _read(package / "communities.gpkg")
    assert communities["name"].is_unique
    # every circle's communities exist, and each community is in exactly one circle
    listed = [c for cs in circles["communities"] for c in cs.split(";")]
    assert sorted(listed) == sorted(communities["name"])
    manual = pd.read_csv(package / "manual_values.csv", dtype=str)
    scopes = set(manual["scope"])
    assert scopes == {"district", *circles["circle_id"]}
    assert not manual.duplicated(["scope", "indicator_id"]).any()


def test_names_say_demo_and_package_says_generated(package: Path) -> None:
    doc = yaml.safe_load((package / "district.yaml").read_text(encoding="utf-8"))
    assert doc["generated"] is True
    assert doc["notice"] == NOTICE
    assert "示例" in doc["name"]
    assert "生成" in doc["circles_note"]
    assert doc["generator"]["districts"] == K
    circles = pd.read_csv(package / "circles.csv", dtype=str)
    for k in range(K):
        mine = circles[circles["circle_id"].str.startswith(f"D{k + 1:02d}-")]
        assert len(mine) == N_CIRCLES
        assert mine["name"].str.startswith(district_label(k)).all()
        assert mine["street"].str.startswith(district_label(k)).all()
    assert district_label(0) == "示例一区"


def test_first_district_is_the_demo_district_and_the_others_lie_apart() -> None:
    city = build_city(districts=K, seed=2023, scale=SMALL)
    demo = build_demo(seed=2023, scale=SMALL)
    first = city.compounds[city.compounds["id"].str.startswith("D01-")]
    assert (first["id"].to_numpy() == ("D01-" + demo.compounds["id"]).to_numpy()).all()
    assert shapely.equals_exact(
        first.geometry.to_numpy(), demo.compounds.geometry.to_numpy(), tolerance=1e-6
    ).all()
    # the districts lie apart by at least the gap: their networks are not joined
    n = len(demo.network)
    assert len(city.network) > n
    assert shapely.equals_exact(
        city.network.geometry.to_numpy()[:n], demo.network.geometry.to_numpy(), tolerance=1e-6
    ).all()
    apart = shapely.distance(
        shapely.union_all(city.network.geometry.to_numpy()[:n]),
        shapely.union_all(city.network.geometry.to_numpy()[n:]),
    )
    assert apart >= GAP_M


def test_a_seed_the_generator_cannot_draw_is_skipped() -> None:
    city = build_city(districts=K, seed=2026, scale=SMALL)
    assert len(city.seeds) == K
    assert city.seeds == sorted(set(city.seeds))
    assert city.seeds[0] >= 2026
    for s in range(2026, city.seeds[-1] + 1):
        if s not in city.seeds:  # skipped: the demo generator really fails on it
            with pytest.raises(RuntimeError):
                build_demo(seed=s, scale=SMALL)


@pytest.mark.parametrize("bad", [0, -1, 100, True, 2.5])
def test_bad_district_counts_are_refused(bad: object, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="区数"):
        generate_city(tmp_path / "x", districts=bad, scale=SMALL)  # type: ignore[arg-type]
    assert not (tmp_path / "x").exists()


def test_checkup_of_the_city_covers_every_circle_and_resident(
    package: Path, checkup_dir: Path
) -> None:
    ck = CheckupFolder.read(checkup_dir)
    ids = ck.result.circle_ids()
    assert ids == pd.read_csv(package / "circles.csv", dtype=str)["circle_id"].tolist()
    assert all(ck.result.circle(c).compound_count > 0 for c in ids)
    # each district is the demo district: its residents sum to the census total
    assert ck.result.summary["population"] == pytest.approx(K * CENSUS_TOTAL)
    assert sum(ck.result.summary["grades"].values()) == K * N_CIRCLES


def test_circle_map_draws_only_the_circles_in_its_view(checkup_dir: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ck = CheckupFolder.read(checkup_dir)
    cm = ck.metric("circles")
    me = cm.geometry[cm["circle_id"] == "D01-C01"]
    fig, ax = plt.subplots()
    try:
        maps._frame(ax, me.total_bounds)
        drawn = maps._in_view(cm, ax)
        x0, x1 = ax.get_xlim()
        y0, y1 = ax.get_ylim()
    finally:
        plt.close(fig)
    view = shapely.box(x0, y0, x1, y1)
    seen = shapely.intersects(shapely.envelope(cm.geometry.to_numpy()), view)
    assert drawn.index.tolist() == cm.index[seen].tolist()
    ids = set(cm.loc[drawn.index, "circle_id"])
    assert "D01-C01" in ids
    assert 1 < len(ids) < N_CIRCLES  # its neighbours, not the whole city
    assert not any(i.startswith("D02-") for i in ids)
