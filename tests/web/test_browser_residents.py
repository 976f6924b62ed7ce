"""In Debian's Chromium against uvicorn on loopback: a circle leader uploads evidence on a
project and downloads it back identical; a resident fills the questionnaire and the feedback
form by keyboard and mouse, and the leader sees it counted. Screenshots drawn, axe-core clean
(no serious or critical findings), no console errors, no request leaving localhost."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

import pytest

from lifecircle.checkup import CheckupResult
from lifecircle.store import session_scope
from lifecircle.store.db import make_engine, upgrade
from lifecircle.web import Settings, create_app
from lifecircle.workflow import accounts, projects
from lifecircle.workflow.geometry import import_circle_geometry

from .conftest import PASSWORD, TODAY
from .live_server import serving
from .test_browser import CHROMIUM, Watch, _serious
from .test_browser import browser as browser  # the module's Chromium, shared fixture

pytestmark = [
    pytest.mark.browser,
    pytest.mark.timeout(300),
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium"),
]
CIRCLE = "C05"
PROJECT = "WR-C05-001"
PHONE = "139 0731 0000"


@pytest.fixture(scope="module")
def site(tmp_path_factory, demo_checkup_dir):
    """The demo programme in SQLite with a project of C05, served on a loopback port; the
    evidence folder in a temporary data folder."""
    from lifecircle.workflow.demo import seed_demo_programme

    root = tmp_path_factory.mktemp("browser-res")
    engine = make_engine(root / "platform.db")
    upgrade(engine)
    doc = CheckupResult.read(demo_checkup_dir)
    with session_scope(engine, actor="demo") as s:
        seed_demo_programme(s, doc, today=TODAY)
        import_circle_geometry(s, demo_checkup_dir / "circles.gpkg")
        accounts.add_user(s, "leader", role="圈长", password=PASSWORD, circles=[CIRCLE])
        p = projects.create_project(
            s,
            code=PROJECT,
            name="口袋公园提质改造",
            circle=CIRCLE,
            project_type="micro_renewal",
            lead_unit="区住房城乡建设局",
            due_date=date(2025, 6, 30),
            on=date(2024, 5, 1),
            budget_yuan=800_000,
        )
        projects.transition(s, p, "approved", on=date(2024, 6, 1))
    app = create_app(
        Settings(engine=engine, secret_key="browser-res", today=TODAY, data_dir=root / "data")
    )
    with serving(app) as url:
        yield url, root
    engine.dispose()


def _login(w: Watch, user: str) -> None:
    w.go("/login")
    w.page.fill("#username", user)
    w.page.fill("#password", PASSWORD)
    w.page.click("form.card button[type=submit]")
    w.page.wait_for_url(w.site + "/")


def _acceptance_pdf() -> bytes:
    """A real one-page PDF drawn by matplotlib."""
    import io

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig = plt.figure(figsize=(3, 2))
    fig.text(0.1, 0.5, "acceptance 2024-09")
    b = io.BytesIO()
    fig.savefig(b, format="pdf")
    plt.close(fig)
    return b.getvalue()


def test_leader_uploads_evidence_and_downloads_it_back(browser, site, tmp_path):
    url, root = site
    w = Watch(browser, url)
    p = w.page
    try:
        _login(w, "leader")
        w.go(f"/projects/{PROJECT}")
        content = _acceptance_pdf()
        src = tmp_path / "竣工验收报告.pdf"
        src.write_bytes(content)
        p.set_input_files("#ev-file", str(src))
        p.click("form.upload button[type=submit]")
        p.wait_for_load_state("load")
        assert "已上传佐证材料“竣工验收报告.pdf”" in p.inner_text(".flash-area")
        link = p.locator("table.evidence a[download]")
        assert link.count() == 1 and link.inner_text() == "竣工验收报告.pdf"
        with p.expect_download() as info:
            link.click()
        d = info.value
        assert d.suggested_filename == "竣工验收报告.pdf"
        assert Path(d.path()).read_bytes() == content
        sha = hashlib.sha256(content).hexdigest()
        assert (root / "data" / "evidence" / sha[:2] / sha).read_bytes() == content
        # a file that is not what its name says is refused, in Chinese
        fake = tmp_path / "照片.png"
        fake.write_bytes(content)
        p.set_input_files("#ev-file", str(fake))
        p.click("form.upload button[type=submit]")
        p.wait_for_load_state("load")
        assert "扩展名" in p.inner_text(".flash-area")
        assert w.shot("evidence_project") > 8
        assert _serious(w.axe()) == []
        assert w.errors == [] and w.outside == []
    finally:
        w.close()


def test_resident_feedback_is_counted_on_the_internal_circle_page(browser, site):
    url, _ = site
    w = Watch(browser, url)
    p = w.page
    try:
        w.go(f"/public/circles/{CIRCLE}")
        assert "还没有居民填写满意度问卷" in p.inner_text("#rv-h + p")
        assert w.axe() == []  # the forms too: not even minor findings
        # the questionnaire by keyboard: focus a choice, arrows move within the question
        p.focus("input[name=q_education][value='5']")
        p.keyboard.press("Space")
        p.keyboard.press("ArrowRight")
        assert p.is_checked("input[name=q_education][value='4']")
        p.click("label.choice:has(input[name=q_commerce][value='2'])")
        p.click("label.choice:has(input[name=q_overall][value='4'])")
        p.fill("#sv-community", "枫树山社区")
        p.click("form.survey button[type=submit]")
        p.wait_for_load_state("load")
        assert "问卷已提交" in p.inner_text(".flash-area")
        assert "已有 1 位居民填写满意度问卷，总体满意率 100%" in p.inner_text("#rv-h + p")
        # feedback: a mistake first (too short), then the real message
        p.select_option("#fb-topic", label="出行与停车")
        p.fill("#fb-message", "太短")
        p.evaluate("document.querySelector('#fb-message').removeAttribute('minlength')")
        p.fill("#fb-name", "张奶奶")
        p.fill("#fb-phone", PHONE)
        p.click("form.feedback button[type=submit]")
        p.wait_for_load_state("load")
        assert "反馈未提交：反馈内容太短" in p.inner_text("#fb-err")
        assert p.input_value("#fb-phone") == PHONE  # what was typed is kept
        # the refused form came back with status 400, which Chromium notes; nothing else
        assert [e for e in w.errors if "status of 400" not in e] == []
        w.errors.clear()
        assert w.axe() == []
        p.fill("#fb-message", "公交站没有遮雨棚，老人下雨天等车不方便，希望加装。")
        p.click("form.feedback button[type=submit]")
        p.wait_for_load_state("load")
        assert "反馈已收到" in p.inner_text(".flash-area")
        body = p.inner_text("body")
        assert "已收到 1 条意见反馈" in body and PHONE not in body and "张奶奶" not in body
        # large font and high contrast: still clean
        p.click("button[data-pref=large]")
        p.click("button[data-pref=contrast]")
        assert w.axe() == []
        assert w.shot("resident_public_large") > 8
        assert w.errors == [] and w.outside == []
    finally:
        w.close()
    w = Watch(browser, url)
    p = w.page
    try:
        _login(w, "leader")
        w.go(f"/circles/{CIRCLE}")
        assert p.inner_text("#rs-respondents") == "1"
        assert p.inner_text("#rs-feedback") == "1" and p.inner_text("#rs-new") == "1"
        row = p.locator("table.feedback-list tbody tr").first
        assert PHONE in row.inner_text() and "张奶奶" in row.inner_text()
        row.locator("input[name=reply]").fill("已报区交通运输局，列入年内候车亭改造。")
        row.locator("button[type=submit]").click()
        p.wait_for_load_state("load")
        assert "已记为“已办理”" in p.inner_text(".flash-area")
        assert p.inner_text("#rs-new") == "0"
        assert w.shot("resident_internal", "section:has(#rs-h)") > 8
        assert _serious(w.axe()) == []
        assert w.errors == [] and w.outside == []
    finally:
        w.close()
