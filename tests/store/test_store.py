"""Store: migrations match the models, geometry as WKB, audit of every write, backup/restore."""

from __future__ import annotations

import json

import pytest
import shapely
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, select

from lifecircle.errors import FileFormatError
from lifecircle.store import backup as bk
from lifecircle.store import session_scope
from lifecircle.store.db import database_url, is_migrated
from lifecircle.store.models import AuditLog, Base, Circle, Community, Street


def test_migrations_match_models(engine):
    assert is_migrated(engine)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_database_url_defaults(monkeypatch, tmp_path):
    monkeypatch.delenv("LIFECIRCLE_DB_URL", raising=False)
    monkeypatch.chdir(tmp_path)
    assert database_url() == f"sqlite:///{tmp_path / 'lifecircle.db'}"
    monkeypatch.setenv("LIFECIRCLE_DB_URL", "postgresql://postgres@127.0.0.1/x")
    assert database_url() == "postgresql+psycopg://postgres@127.0.0.1/x"
    assert database_url(tmp_path / "a.db").endswith("/a.db")


def _seed(engine):
    poly = shapely.Polygon([(112.98, 28.13), (113.0, 28.13), (113.0, 28.15), (112.98, 28.13)])
    with session_scope(engine, actor="alice") as s:
        st = Street(name="侯家塘街道", code="430111001")
        s.add(st)
        s.flush()
        com = Community(street_id=st.id, name="梓园社区", geom_wkb=shapely.to_wkb(poly))
        s.add(com)
        c = Circle(code="C01", name="梓园生活圈", street_id=st.id, geom_wkb=shapely.to_wkb(poly))
        c.communities.append(com)
        s.add(c)
    return poly


def test_geometry_roundtrips_as_wkb(engine):
    poly = _seed(engine)
    with session_scope(engine) as s:
        c = s.scalar(select(Circle).where(Circle.code == "C01"))
        assert shapely.from_wkb(c.geom_wkb).equals(poly)
        assert [x.name for x in c.communities] == ["梓园社区"]


def test_every_write_is_audited(engine):
    _seed(engine)
    with session_scope(engine, actor="bob") as s:
        c = s.scalar(select(Circle).where(Circle.code == "C01"))
        c.name = "梓园一刻钟生活圈"
    with session_scope(engine) as s:
        logs = s.scalars(select(AuditLog).order_by(AuditLog.id)).all()
        inserts = [x for x in logs if x.action == "insert"]
        assert {x.table_name for x in inserts} >= {"street", "community", "circle"}
        assert all(x.actor == "alice" for x in inserts)
        upd = [x for x in logs if x.action == "update" and x.table_name == "circle"]
        assert len(upd) == 1
        assert upd[0].actor == "bob"
        assert upd[0].before["name"] == "梓园生活圈"
        assert upd[0].after["name"] == "梓园一刻钟生活圈"
        assert upd[0].before["version"] == 1 and upd[0].after["version"] == 2
        wkb = next(x for x in inserts if x.table_name == "circle").after["geom_wkb"]
        assert wkb.startswith("<") and "sha256:" in wkb


def test_backup_restore_roundtrip(engine, tmp_path):
    _seed(engine)
    path = tmp_path / "b.json"
    counts = bk.backup(engine, path)
    assert counts["circle"] == 1 and counts["audit_log"] >= 3
    before = bk.dump(engine)
    with session_scope(engine) as s:  # change things after the backup
        s.add(Street(name="左家塘街道"))
        c = s.scalar(select(Circle))
        c.name = "changed"
    assert bk.verify(engine, before) != []
    bk.restore(engine, path)
    assert bk.verify(engine, before) == []
    after = bk.dump(engine)
    assert json.dumps(after, sort_keys=True) == json.dumps(before, sort_keys=True)
    # ids continue after restore (sequences reset on PostgreSQL)
    with session_scope(engine) as s:
        st = Street(name="高桥街道")
        s.add(st)
        s.flush()
        assert st.id > max(r["id"] for r in before["tables"]["street"])
        assert s.scalar(select(func.count()).select_from(Circle)) == 1


def test_restore_rejects_foreign_file(engine, tmp_path):
    p = tmp_path / "x.json"
    p.write_text('{"format": "other"}', "utf-8")
    with pytest.raises(FileFormatError) as exc:
        bk.restore(engine, p)
    assert exc.value.file == str(p)
