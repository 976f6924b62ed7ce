"""The office pages in Debian's headless Chromium against a real uvicorn server on loopback:
the plan and its Excel download, an evaluation step, a bulletin generated and downloaded, an
import whose validation error is shown with nothing written. Screenshots drawn, no console
errors, no request leaving localhost, no serious accessibility finding."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from lifecircle.checkup import CheckupResult
from lifecircle.store import session_scope
from lifecircle.store.db import make_engine, upgrade
from lifecircle.store.models import Evaluation, ScheduleTarget
from lifecircle.web import Settings, create_app
from lifecircle.workflow import accounts
from lifecircle.workflow.geometry import import_circle_geometry

from .conftest import PASSWORD, TODAY
from .live_server import serving
from .test_browser import CHROMIUM, Watch, _serious, browser  # noqa: F401

pytestmark = [
    pytest.mark.browser,
    pytest.mark.timeout(300),
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium"),
]


@pytest.fixture(scope="module")
def office_site(tmp_path_factory, demo_checkup_dir):
    """The demo programme in SQLite served on a free loopback port, with its engine."""
    from lifecircle.workflow.demo import seed_demo_programme

    engine = make_engine(tmp_path_factory.mktemp("office-browser") / "platform.db")
    upgrade(engine)
    doc = CheckupResult.read(demo_checkup_dir)
    with session_scope(engine, actor="demo") as s:
        seed_demo_programme(s, doc, today=TODAY)
        import_circle_geometry(s, demo_checkup_dir / "circles.gpkg")
        accounts.add_user(
            s, "chief", role="district", password=PASSWORD, display_name="区人居环境局"
        )
    app = create_app(Settings(engine=engine, secret_key="browser-office", today=TODAY))
    with serving(app) as url:
        yield url, engine
    engine.dispose()


def _sign_in(w: Watch, user: str) -> None:
    w.go("/login")
    w.page.fill("#username", user)
    w.page.fill("#password", PASSWORD)
    w.page.click("form.card button[type=submit]")
    w.page.wait_for_url(w.site + "/")


def _clean(w: Watch) -> None:
    violations = _serious(w.axe())
    assert violations == [], violations
    assert w.errors == [], w.errors
    assert w.outside == []


def test_plan_evaluation_bulletin_and_import_in_the_browser(browser, office_site):  # noqa: F811
    site, engine = office_site
    w = Watch(browser, site)
    w.context.set_default_timeout(60_000)
    p = w.page
    try:
        _sign_in(w, "chief")
        # 计划: the plan against actual grades, and its Excel file
        p.click("nav a[href='/schedule']")
        p.wait_for_selector("h1:has-text('创建计划')")
        assert p.locator("table.matrix tbody tr").count() > 10
        p.select_option("#f-year", "2024")
        p.click("form.filters button[type=submit]")
        p.wait_for_selector("table.matrix")
        assert w.shot("office_schedule") > 8
        with p.expect_download() as dl:
            p.click("#export")
        assert dl.value.suggested_filename == "任务铺排表_计划与实际_2024.xlsx"
        wb = load_workbook(io.BytesIO(Path(dl.value.path()).read_bytes()))
        rows = list(wb["计划与实际"].iter_rows(values_only=True))
        assert rows[0][0] == "年度" and len(rows) > 1 and {r[0] for r in rows[1:]} == {2024}
        _clean(w)

        # 评价: publish a verdict the joint evaluation accepted
        p.click("nav a[href='/evaluation']")
        p.check("input[name=open]")
        p.click("form.filters button[type=submit]")
        p.wait_for_load_state("load")
        link = p.locator("a.button:has-text('办理：向社会公布')").first
        href = link.get_attribute("href")
        eid = int(href.split("/")[2].split("#")[0])
        w.shot("office_evaluations")
        link.click()
        p.wait_for_selector("#act h2:has-text('向社会公布')")
        p.click("#act button[type=submit]")
        p.wait_for_load_state("load")
        assert "已办理“向社会公布”：已公布" in p.inner_text(".flash-area")
        assert p.locator("ol.timeline li.done").count() == 5
        with session_scope(engine) as s:
            assert s.get(Evaluation, eid).stage == "published"
        assert w.shot("office_evaluation") > 8
        _clean(w)

        # 简报: generate August's bulletin, preview it, download Word and Excel
        p.click("nav a[href='/bulletins']")
        w.shot("office_bulletins")
        p.fill("#g-period", "2024-08")
        p.click("#generate button[type=submit]")
        p.wait_for_selector("article.paper h1")
        assert "已生成" in p.inner_text(".flash-area")
        assert "（2024年8月）" in p.inner_text("article.paper h1")
        assert w.shot("office_bulletin") > 8
        for sel, suffix in (("#dl-docx", ".docx"), ("#dl-xlsx", ".xlsx")):
            with p.expect_download() as dl:
                p.click(sel)
            assert dl.value.suggested_filename == f"通报_2024-08{suffix}"
            assert Path(dl.value.path()).read_bytes()[:2] == b"PK"
        _clean(w)

        # 数据导入: a file with errors shows its report, and nothing is written
        with session_scope(engine) as s:
            before = s.scalar(select(func.count()).select_from(ScheduleTarget))
        p.click("nav a[href='/admin/imports']")
        w.shot("office_imports")
        p.select_option("#i-kind", "schedule")
        p.set_input_files(
            "#i-file",
            files=[
                {
                    "name": "任务铺排表.csv",
                    "mimeType": "text/csv",
                    "buffer": "年度,生活圈编号,目标等级\n2031,C99,AA型\n".encode(),
                }
            ],
        )
        p.click("#upload button[type=submit]")
        p.wait_for_selector("#problems")
        assert "未写入数据库" in p.inner_text("#verdict")
        assert p.locator("#problems tbody tr.err").count() >= 1
        assert "C99" in p.inner_text("#problems")
        assert p.locator("#commit").count() == 0
        with session_scope(engine) as s:
            assert s.scalar(select(func.count()).select_from(ScheduleTarget)) == before
        assert w.shot("office_import_errors") > 8
        _clean(w)
    finally:
        w.close()
