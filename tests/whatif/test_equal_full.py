"""A what-if equals a full checkup of the edited district, on random edits of the demo."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import yaml

from lifecircle.checkup import CheckupResult, run_checkup
from lifecircle.district import District
from lifecircle.whatif import Edit, Scenario

#: capacity-carrying categories (2SFCA) and plain ones, of the provisional catalogue
CAPACITY = {"kindergarten": 300.0, "nursery": 60.0, "elderly_service_station": 25.0,
            "primary_school": 1200.0}  # fmt: skip
PLAIN = ("bus_stop", "community_health_station", "supermarket", "park")


def edited_district(package: Path, district: District, outcome) -> District:
    """The edited district built the way a user would: frames through from_frames."""
    doc = yaml.safe_load((package / "district.yaml").read_text(encoding="utf-8"))
    layers = doc["layers"]
    circles = pd.read_csv(package / layers["circles"])
    comms = gpd.read_file(package / layers["communities"])
    manual = pd.read_csv(package / layers["manual_values"])
    return District.from_frames(
        name=doc["name"],
        admin_code=str(doc["admin_code"]),
        network=district.graph,
        compounds=outcome.compounds.drop(columns=["circle_id"]),
        facilities=outcome.facilities.drop(columns=["circle_id"]),
        circles=circles,
        communities=comms,
        manual_values=manual,
        crs=district.crs,
        generated=True,
        notice=doc["notice"],
    )


def random_edits(district: District, rng: np.random.Generator, *, compounds: bool) -> list[Edit]:
    fac = district.facilities
    comp = district.compounds
    out: list[Edit] = []
    cats = list(CAPACITY) + list(PLAIN)
    for _ in range(4):  # additions near homes, in every kind of category
        p = comp.geometry.iloc[int(rng.integers(len(comp)))]
        r, a = rng.uniform(0, 400), rng.uniform(0, 2 * np.pi)
        cat = cats[int(rng.integers(len(cats)))]
        out.append(
            Edit(op="add_facility", category=cat, x=p.x + r * np.cos(a), y=p.y + r * np.sin(a),
                 capacity=CAPACITY.get(cat))
        )  # fmt: skip
    pool = fac[fac["category"].isin(cats)]
    picks = rng.choice(len(pool), size=4, replace=False)
    for k, i in enumerate(picks):
        row = pool.iloc[int(i)]
        if k % 2:
            out.append(Edit(op="remove_facility", id=str(row["id"])))
        else:
            p = row.geometry
            out.append(
                Edit(op="move_facility", id=str(row["id"]), x=p.x + rng.uniform(-600, 600),
                     y=p.y + rng.uniform(-600, 600))
            )  # fmt: skip
    if compounds:
        p = comp.geometry.iloc[int(rng.integers(len(comp)))]
        out.append(
            Edit(op="add_compound", x=p.x + 60.0, y=p.y - 40.0, population=4000.0, name="新城")
        )
        gone = comp["id"].iloc[int(rng.integers(len(comp)))]
        out.append(Edit(op="remove_compound", id=str(gone)))
    rng.shuffle(out)  # type: ignore[arg-type]
    return out


def assert_same(outcome, full) -> None:
    """Every access column of every compound, every circle and district indicator."""
    a = outcome.homes.set_index("id")
    b = full.homes.set_index("id")
    assert sorted(a.index) == sorted(b.index)
    assert set(a.columns) == set(b.columns)
    a = a.reindex(b.index)
    for col in b.columns:
        x, y = a[col], b[col]
        if pd.api.types.is_numeric_dtype(y):
            np.testing.assert_allclose(
                x.to_numpy(float), y.to_numpy(float), rtol=1e-9, atol=1e-9, err_msg=col
            )
        else:
            same = (x.astype(object) == y.astype(object)) | (x.isna() & y.isna())
            assert same.all(), (col, x[~same].head(), y[~same].head())
    for c, d in zip(outcome.result.circles, full.result.circles, strict=True):
        assert (c.id, c.grade, c.population, c.compound_count) == (
            d.id, d.grade, d.population, d.compound_count,
        )  # fmt: skip
        for i, j in zip(c.indicators, d.indicators, strict=True):
            assert (i.id, i.status) == (j.id, j.status), (c.id, i.id)
            if i.value is None:
                assert j.value is None
            else:
                assert i.value == pytest.approx(j.value, rel=1e-9, abs=1e-9), (c.id, i.id)
        assert [s.indicator_id for s in c.shortfalls] == [s.indicator_id for s in d.shortfalls]
        for s, t in zip(c.shortfalls, d.shortfalls, strict=True):
            assert s.affected_population == pytest.approx(t.affected_population)
            assert [x.id for x in s.affected_compounds] == [x.id for x in t.affected_compounds]
    for i, j in zip(
        outcome.result.district_indicators, full.result.district_indicators, strict=True
    ):
        assert (i.id, i.status) == (j.id, j.status)
        assert (i.value is None) == (j.value is None)
        if i.value is not None:
            assert i.value == pytest.approx(j.value, rel=1e-9)
    assert outcome.result.grade_counts == full.result.grade_counts


@pytest.mark.parametrize("seed,compounds", [(1, False), (2, True), (3, True)])
def test_random_edits_equal_a_full_recompute(demo, seed, compounds):
    package, district, catalogue, _, engine = demo
    edits = random_edits(district, np.random.default_rng(seed), compounds=compounds)
    outcome = engine.apply(edits)
    full = run_checkup(edited_district(package, district, outcome), catalogue)
    assert_same(outcome, full)
    # the scenario is a checkup.json document, marked as one, listing the edits
    doc = outcome.result.to_dict()
    back = CheckupResult.from_dict(doc)
    assert back.run.scenario["base_run"] == engine.checkup.result.run.id
    assert [e["op"] for e in back.run.scenario["edits"]] == [e.op for e in edits]
    assert "情景推演" in back.run.scenario["note"]
    assert back.run.id != engine.checkup.result.run.id


def test_each_edit_alone_and_chained(demo):
    """Single edits one after another from a fresh scenario each time, and chained."""
    package, district, catalogue, checkup, engine = demo
    fac = district.facilities
    kg = fac[fac["category"] == "kindergarten"].iloc[0]
    p = kg.geometry
    sc = (
        Scenario(engine)
        .add_facility("幼儿园", x=p.x + 250, y=p.y + 250, capacity=150)  # a Chinese name
        .remove_facility(str(kg["id"]))
        .add_facility("nursery", x=p.x, y=p.y)  # no capacity: counted as 0 places
    )
    outcome = sc.apply()
    full = run_checkup(edited_district(package, district, outcome), catalogue)
    assert_same(outcome, full)
    # the base is untouched: an empty scenario gives the checkup back
    same = engine.apply([])
    assert same.changed_circles == ()
    assert [c.grade for c in same.result.circles] == [c.grade for c in checkup.result.circles]
    a = same.homes.set_index("id")
    b = checkup.homes.set_index("id")
    for col in b.columns:
        if col.startswith("nearest_m__"):
            np.testing.assert_array_equal(a[col].to_numpy(float), b[col].to_numpy(float))
