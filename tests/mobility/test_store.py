"""Mobility results in the programme database: aggregates stored once, linked to circles,
given out as map layers; nothing stored names a device."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from sqlalchemy import func, select, text

from lifecircle.errors import FileFormatError, RuleError, SchemaError
from lifecircle.mobility.ingest import IngestOptions, ingest_records
from lifecircle.mobility.match import matching_degree
from lifecircle.mobility.privacy import PseudonymKey
from lifecircle.mobility.results import MobilityResult, read_mobility
from lifecircle.network import graph_from_lines
from lifecircle.store.models import (
    Base,
    MobilityCircle,
    MobilityCommunity,
    MobilityFlow,
    MobilityProposedCircle,
    MobilityRun,
)
from lifecircle.workflow import mobility as wm
from lifecircle.workflow.places import upsert_circle
from mobility._results import write_small_result
from mobility._tracks import COMMUNITIES, CRS, FACILITIES, X0, Y0, raw_id, records


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    return write_small_result(tmp_path_factory.mktemp("mob"), circle_prefix="C")


def test_import_stores_the_aggregates_and_links_circles(session, written):
    upsert_circle(session, "C01", "示例一圈", "侯家塘街道", ["S01"])
    result = read_mobility(written.match, delineation=written.delineation)
    run = wm.import_mobility(session, result, title="2024年5月（合成）")
    session.commit()
    assert session.scalar(select(func.count()).select_from(MobilityCircle)) == 4
    linked = session.scalars(select(MobilityCircle).where(MobilityCircle.circle_id.is_not(None)))
    assert [c.code for c in linked] == ["C01"]
    assert session.scalar(select(func.count()).select_from(MobilityCommunity)) == 36
    assert session.scalar(select(func.count()).select_from(MobilityProposedCircle)) == 4
    n_flows = session.scalar(select(func.count()).select_from(MobilityFlow))
    assert n_flows == len(result.flows) > 0
    assert session.scalar(select(func.min(MobilityFlow.count))) >= run.k == 5
    c01 = session.scalar(select(MobilityCircle).where(MobilityCircle.code == "C01"))
    row = result.circles.set_index("circle_id").loc["C01"]
    assert c01.match_index == pytest.approx(row["match_index"])
    assert 0 < c01.match_index < 1
    assert run.summary["comparison"]["adjusted_rand_index"] >= 0.9
    assert {c["category"] for c in run.summary["categories"]} >= {"fresh_market", "park"}
    proposed = session.scalars(select(MobilityProposedCircle)).all()
    assert sorted(len(p.communities) for p in proposed) == sorted(
        result.proposed["communities"].tolist()
    )
    # the same result again is refused, in Chinese
    with pytest.raises(RuleError, match="已导入"):
        wm.import_mobility(session, result)
    view = wm.mobility_view(session)
    assert view is not None and view.run.id == run.id and view.note is None
    assert [c["code"] for c in view.circles] == ["C01", "C02", "C03", "C04"]
    assert view.circles[0]["name"] == "示例一圈" and view.circles[0]["linked"]


def test_map_layers_use_the_run_outline_else_the_stored_circle(session, written):
    # C01's programme outline is stored; the run itself has no outlines (no community layer)
    c = upsert_circle(session, "C01", "示例一圈", "侯家塘街道", ["S01"])
    c.geom_wkb = shapely.to_wkb(shapely.box(113.04, 28.10, 113.05, 28.11))
    wm.import_mobility(session, read_mobility(written.match, delineation=written.delineation))
    layers = wm.mobility_layers(session)
    feats = layers["circles"]["features"]
    assert [f["properties"]["id"] for f in feats] == ["C01"]
    assert feats[0]["properties"]["url"] == "/circles/C01"
    assert layers["run"]["circles_without_outline"] == 3
    assert len(layers["proposed"]["features"]) == 4
    # a run with the community layer carries every circle's outline
    full = read_mobility(
        written.match,
        delineation=written.delineation,
        communities=written.communities,
        generated=True,
    )
    run = wm.import_mobility(session, full, title="合成")
    layers = wm.mobility_layers(session, run.id)
    assert len(layers["circles"]["features"]) == 4
    assert layers["run"]["generated"] and "合成" in layers["run"]["note"]
    lon, lat = layers["proposed"]["features"][0]["geometry"]["coordinates"][0][0]
    assert 112 < lon < 114 and 27 < lat < 29  # WGS-84
    assert wm.latest_mobility_run(session).id == run.id
    wm.delete_mobility_run(session, run.id)
    assert wm.latest_mobility_run(session).id != run.id
    with pytest.raises(RuleError, match="没有编号"):
        wm.delete_mobility_run(session, run.id)


def test_no_layers_before_any_import(session):
    assert wm.mobility_view(session) is None
    layers = wm.mobility_layers(session)
    assert layers["run"] is None and layers["circles"]["features"] == []


def test_bad_files_name_the_file(tmp_path, written):
    with pytest.raises(FileFormatError, match=r"match\.json"):
        read_mobility(tmp_path)
    bad = tmp_path / "m"
    bad.mkdir()
    for f in written.match.iterdir():
        (bad / f.name).write_bytes(f.read_bytes())
    table = (bad / "match_circles.csv").read_text("utf-8-sig").replace("match_index", "x")
    (bad / "match_circles.csv").write_text(table, "utf-8")
    with pytest.raises(SchemaError, match="match_index") as err:
        read_mobility(bad)
    assert "match_circles.csv" in str(err.value)


def _dump(engine) -> str:
    parts = []
    with engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            for row in conn.execute(select(table)):
                parts.append(repr(tuple(row)))
        if engine.dialect.name == "sqlite":  # anything outside the models, too
            for (sql,) in conn.execute(text("SELECT sql FROM sqlite_master")):
                parts.append(str(sql))
    return "\n".join(parts)


def test_no_raw_id_reaches_the_database(engine, session, tmp_path):
    """Raw records → ingest → matching degree → database: no device id, no pseudonym."""
    path = tmp_path / "r.csv"
    records(n_a=7, n_b=6, days=2).to_csv(path, index=False)
    key = PseudonymKey(secret=b"k3y-for-tests-0123456789-abcdef", source="t")
    ing = ingest_records([path], key=key, communities=COMMUNITIES, facilities=FACILITIES,
                         options=IngestOptions(k=5))  # fmt: skip
    flows = ing.tables["flows_facilities"]
    assert len(flows) and (flows["devices"] >= 5).all()
    street = gpd.GeoDataFrame(
        geometry=[shapely.LineString([(X0, Y0 + 250), (X0 + 1000, Y0 + 250)])], crs=CRS
    )
    match = matching_degree(
        flows,
        communities=COMMUNITIES,
        circle_of=COMMUNITIES.set_index("id").assign(c="K1")["c"],
        facilities=FACILITIES,
        graph=graph_from_lines(street),
    )
    wm.import_mobility(session, MobilityResult.from_results(match, communities=COMMUNITIES))
    session.commit()
    dump = _dump(engine)
    assert "F1" in dump and "K1" in dump  # the aggregates are really there
    for i in range(13):
        assert raw_id(i) not in dump
    assert "k3y-for-tests" not in dump
    assert session.scalar(select(func.count()).select_from(MobilityRun)) == 1


def test_migration_0006_goes_down_and_up(tmp_path):
    from alembic import command
    from sqlalchemy import inspect

    from lifecircle.store.db import _alembic_config, make_engine, upgrade

    engine = make_engine(tmp_path / "m.db")
    upgrade(engine)
    tables = {"mobility_run", "mobility_circle", "mobility_community",
              "mobility_proposed_circle", "mobility_flow"}  # fmt: skip
    assert tables <= set(inspect(engine).get_table_names())
    cfg = _alembic_config(engine)
    from alembic.script import ScriptDirectory

    (ours,) = [r for r in ScriptDirectory.from_config(cfg).walk_revisions()
               if "mobility" in Path(r.path).name]  # fmt: skip
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, str(ours.down_revision))
    assert not tables & set(inspect(engine).get_table_names())
    upgrade(engine)
    assert tables <= set(inspect(engine).get_table_names())
    engine.dispose()
