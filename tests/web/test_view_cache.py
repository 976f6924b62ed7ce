"""Derived views are cached per programme version (``workflow.views``): a write committed
through another engine (another process or worker) is seen on the next read, and a cached
page or answer equals a fresh computation (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import delete, select

from lifecircle.store import session_scope
from lifecircle.store.db import make_engine
from lifecircle.store.models import Circle, Project, ProjectStatusChange
from lifecircle.store.version import programme_version
from lifecircle.workflow import overview, views
from lifecircle.workflow.projects import create_project

from .conftest import PASSWORD, TODAY, UNIT, make_client

MIX = (
    "/",
    "/circles/{a}",
    "/circles/{b}",
    "/public",
    "/public/circles/{a}",
    "/public/circles/{b}",
)
API = (
    "/api/v1/circles",
    "/api/v1/circles/{a}",
    "/api/v1/circles/{b}",
    "/api/v1/projects?circle_id={a}",
)


def _other_engine(seeded):
    """A second engine on the same database, as another server process would have."""
    return make_engine(seeded.engine.url.render_as_string(hide_password=False))


def _sign_in(client, who: str = "district") -> dict[str, str]:
    page = client.get("/login")
    token = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    r = client.post(
        "/login",
        data={"username": who, "password": PASSWORD, "csrf_token": token},
        follow_redirects=False,
    )
    assert r.status_code == 303
    client.get("/public")  # shows (and drops) the welcome message
    r = client.post("/api/v1/auth/token", data={"username": who, "password": PASSWORD})
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def _stamp(engine) -> str | None:
    with session_scope(engine) as s:
        return programme_version(s)


def test_cached_pages_and_answers_equal_a_fresh_computation(seeded):
    with make_client(seeded.engine) as c, make_client(seeded.engine) as public:
        bearer = _sign_in(c)
        for path in MIX + API:
            url = path.format(a=seeded.circle_a, b=seeded.circle_b)
            client = public if url.startswith("/public") else c
            headers = bearer if url.startswith("/api") else {}
            views.clear()
            fresh = client.get(url, headers=headers)
            hits = views.stats()["hits"]
            again = client.get(url, headers=headers)
            assert views.stats()["hits"] > hits, f"{url} was not served from the cache"
            assert fresh.status_code == again.status_code == 200, url
            assert again.text == fresh.text, url
            assert again.headers["content-type"] == fresh.headers["content-type"], url


def test_each_reader_gets_their_own_form_token(seeded):
    """Cached page bodies carry forms: the token in them is the reader's, never the
    token of whoever's request filled the cache."""
    with make_client(seeded.engine) as one, make_client(seeded.engine) as two:
        url = f"/public/circles/{seeded.circle_a}"
        first, second = one.get(url).text, two.get(url).text

    def tokens(html: str) -> set[str]:
        return {part.split('"', 1)[0] for part in html.split('name="csrf_token" value="')[1:]}

    assert len(tokens(first)) == 1 and len(tokens(second)) == 1
    assert tokens(first) != tokens(second)
    assert "mark" not in next(iter(tokens(second)))


def test_a_write_through_another_engine_is_seen_on_the_next_read(seeded):
    other = _other_engine(seeded)
    try:
        with make_client(seeded.engine) as c:
            bearer = _sign_in(c)
            a = seeded.circle_a
            before_pages = {p: c.get(p.format(a=a)).text for p in ("/", "/circles/{a}")}
            before = {
                p: c.get(p.format(a=a), headers=bearer).json()
                for p in ("/api/v1/circles", "/api/v1/projects?circle_id={a}")
            }
            public = c.get(f"/public/circles/{a}").text
            stamp = _stamp(seeded.engine)
            # another process writes: a project overdue on the day judged
            with session_scope(other, actor="another process", write=True) as s:
                create_project(
                    s,
                    code="XM-CACHE-1",
                    name="缓存失效检验项目",
                    circle=a,
                    project_type="micro_renewal",
                    lead_unit=UNIT,
                    due_date=date(2024, 6, 30),
                    on=date(2024, 1, 2),
                )
            assert _stamp(seeded.engine) != stamp
            circles = c.get("/api/v1/circles", headers=bearer).json()
            old_row = next(r for r in before["/api/v1/circles"] if r["id"] == a)
            row = next(r for r in circles if r["id"] == a)
            assert row["projects_total"] == old_row["projects_total"] + 1
            assert row["projects_overdue"] == old_row["projects_overdue"] + 1
            projects = c.get(f"/api/v1/projects?circle_id={a}", headers=bearer).json()
            assert "XM-CACHE-1" in {p["id"] for p in projects}
            assert len(projects) == len(before["/api/v1/projects?circle_id={a}"]) + 1
            page = c.get(f"/circles/{a}").text
            assert "缓存失效检验项目" in page and page != before_pages["/circles/{a}"]
            assert c.get("/").text != before_pages["/"]  # counts and ranking moved
            assert "缓存失效检验项目" in c.get(f"/public/circles/{a}").text != public

            # a bulk statement (no ORM flush) through the other engine counts as a write too
            with session_scope(other, actor="another process", write=True) as s:
                pid = s.scalar(select(Project.id).where(Project.code == "XM-CACHE-1"))
                s.execute(delete(ProjectStatusChange).where(ProjectStatusChange.project_id == pid))
                s.execute(delete(Project).where(Project.id == pid))
            projects = c.get(f"/api/v1/projects?circle_id={a}", headers=bearer).json()
            assert "XM-CACHE-1" not in {p["id"] for p in projects}
            assert c.get(f"/circles/{a}").text == before_pages["/circles/{a}"]
    finally:
        other.dispose()


def test_the_version_moves_only_with_committed_programme_writes(seeded):
    engine = seeded.engine
    stamp = _stamp(engine)
    assert stamp is not None
    with session_scope(engine) as s:  # reading
        overview.circle_rows(s, today=TODAY)
    assert _stamp(engine) == stamp
    with make_client(engine) as c:  # signing in writes a session row, which no view shows
        _sign_in(c)
    assert _stamp(engine) == stamp
    with pytest.raises(RuntimeError), session_scope(engine, write=True) as s:
        s.scalars(select(Circle)).first().name = "回滚的名字"
        s.flush()
        raise RuntimeError("rolled back")
    assert _stamp(engine) == stamp
    with session_scope(engine, write=True) as s:
        circle = s.scalar(select(Circle).where(Circle.code == seeded.circle_b))
        old_name, circle.name = circle.name, circle.name + "（改）"
    changed = _stamp(engine)
    assert changed != stamp
    with session_scope(engine, write=True) as s:
        s.scalar(select(Circle).where(Circle.code == seeded.circle_b)).name = old_name
    assert _stamp(engine) not in (stamp, changed)


def test_a_unit_of_work_reads_its_own_uncommitted_writes_and_caches_nothing(seeded):
    engine = seeded.engine
    with session_scope(engine) as s:
        rows = {r.code: r for r in overview.circle_rows(s, today=TODAY)}
    a = seeded.circle_a
    with pytest.raises(RuntimeError), session_scope(engine, write=True) as s:
        create_project(
            s,
            code="XM-CACHE-2",
            name="未提交的项目",
            circle=a,
            project_type="micro_renewal",
            lead_unit=UNIT,
            due_date=date(2025, 6, 30),
            on=date(2024, 1, 2),
        )
        inside = {r.code: r for r in overview.circle_rows(s, today=TODAY)}
        assert inside[a].projects_total == rows[a].projects_total + 1
        raise RuntimeError("rolled back")
    with session_scope(engine) as s:
        after = {r.code: r for r in overview.circle_rows(s, today=TODAY)}
    assert after[a].projects_total == rows[a].projects_total


def test_a_restored_backup_invalidates_the_cache(seeded, tmp_path):
    from lifecircle.store.backup import backup, restore

    engine = seeded.engine
    path = tmp_path / "backup.json"
    backup(engine, path)
    with session_scope(engine, write=True) as s:
        circle = s.scalar(select(Circle).where(Circle.code == seeded.circle_b))
        old_name, circle.name = circle.name, "备份之后改的名字"
    with make_client(engine) as c:
        assert "备份之后改的名字" in c.get("/public").text
        restore(engine, path)
        assert "备份之后改的名字" not in c.get("/public").text
        assert old_name in c.get("/public").text


def test_static_files_are_kept_by_browsers_pages_are_not(seeded):
    with make_client(seeded.engine) as c:
        css = c.get("/static/app.css")
        leaflet = c.get("/static/vendor/leaflet/leaflet.css")
        page = c.get("/public")
    assert css.status_code == leaflet.status_code == 200
    assert css.headers["cache-control"] == "public, max-age=3600" and css.headers["etag"]
    assert leaflet.headers["cache-control"] == "public, max-age=86400"
    assert page.headers["cache-control"] == "no-store"


def test_the_cache_holds_one_version_of_each_database(seeded):
    a, b = seeded.circle_a, seeded.circle_b
    with make_client(seeded.engine) as c:
        views.clear()
        c.get(f"/public/circles/{a}")
        one_page = views.stats()["entries"]
        c.get(f"/public/circles/{b}")
        assert views.stats()["entries"] > one_page
        other = _other_engine(seeded)
        with session_scope(other, write=True) as s:
            circle = s.scalar(select(Circle).where(Circle.code == b))
            circle.population = (circle.population or 0) + 1
        other.dispose()
        c.get(f"/public/circles/{a}")
        assert views.stats()["entries"] == one_page  # the old version's entries are gone
