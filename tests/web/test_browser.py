"""The platform in Debian's headless Chromium against a real uvicorn server on loopback:
sign in, 一张图, a circle, create and advance a project; public pages checked with axe-core;
screenshots drawn, no console errors, no request leaving localhost."""

from __future__ import annotations

import io
import os
from pathlib import Path

import numpy as np
import pytest

from lifecircle.checkup import CheckupResult
from lifecircle.store import session_scope
from lifecircle.store.db import make_engine, upgrade
from lifecircle.web import Settings, create_app
from lifecircle.workflow import accounts
from lifecircle.workflow.geometry import import_circle_geometry

from .conftest import PASSWORD, TODAY
from .live_server import serving

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SHOTS = Path("/tmp/lifecircle-web-shots")
NOTICE = "示例数据：几何为生成数据"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.timeout(300),
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium"),
]


@pytest.fixture(scope="module")
def site(tmp_path_factory, demo_checkup_dir):
    """The demo programme in SQLite, served by uvicorn on a free loopback port."""
    from lifecircle.workflow.demo import seed_demo_programme

    engine = make_engine(tmp_path_factory.mktemp("browser") / "platform.db")
    upgrade(engine)
    doc = CheckupResult.read(demo_checkup_dir)
    with session_scope(engine, actor="demo") as s:
        seed_demo_programme(s, doc, today=TODAY)
        import_circle_geometry(s, demo_checkup_dir / "circles.gpkg")
        accounts.add_user(
            s, "chief", role="district", password=PASSWORD, display_name="区人居环境局"
        )
        accounts.add_user(s, "leader", role="圈长", password=PASSWORD, circles=["C05"])
    app = create_app(Settings(engine=engine, secret_key="browser-test", today=TODAY))
    with serving(app) as url:
        yield url
    engine.dispose()


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    sync_api = pytest.importorskip("playwright.sync_api")
    from lifecircle.reports.fonts import cjk_font_path

    conf = tmp_path_factory.mktemp("fontconfig") / "fonts.conf"
    conf.write_text(
        '<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig>'
        f'<dir>{cjk_font_path().parent}</dir><include ignore_missing="yes">/etc/fonts/fonts.conf'
        f"</include><cachedir>{conf.parent / 'cache'}</cachedir></fontconfig>",
        "utf-8",
    )
    env = dict(os.environ, FONTCONFIG_FILE=str(conf))
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True, env=env)
        yield b
        b.close()


class Watch:
    """A page with its console errors and every request it made (outside ones are refused)."""

    def __init__(self, browser, site: str) -> None:
        self.context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
        self.errors: list[str] = []
        self.outside: list[str] = []
        self.site = site

        def route(r):
            if r.request.url.startswith(site) or r.request.url.startswith(("data:", "blob:")):
                r.continue_()
            else:
                self.outside.append(r.request.url)
                r.abort()

        self.context.route("**/*", route)
        self.page = self.context.new_page()
        self.page.on(
            "console",
            lambda m: self.errors.append(m.text) if m.type in ("error", "warning") else None,
        )
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))

    def go(self, path: str) -> None:
        self.page.goto(self.site + path)
        self.page.wait_for_load_state("load")

    def shot(self, name: str, selector: str | None = None) -> float:
        png = (
            self.page.locator(selector).screenshot()
            if selector
            else self.page.screenshot(full_page=True)
        )
        if SHOTS.parent.exists():
            SHOTS.mkdir(exist_ok=True)
            (SHOTS / f"{name}.png").write_bytes(png)
        return _variance(png)

    def axe(self) -> list[dict]:
        if not self.page.evaluate("typeof axe !== 'undefined'"):
            self.page.add_script_tag(url=f"{self.site}/static/axe/axe.min.js")
        return self.page.evaluate(
            "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
            ".map(v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5)}))"
        )

    def close(self) -> None:
        self.context.close()


def _variance(png: bytes) -> float:
    from PIL import Image

    return float(np.asarray(Image.open(io.BytesIO(png)).convert("L"), dtype=float).std())


def _serious(violations: list[dict]) -> list[dict]:
    return [v for v in violations if v["impact"] in ("serious", "critical")]


@pytest.mark.parametrize("path", ["/public", "/public/circles/C05", "/login", "/help"])
def test_public_pages_pass_axe_in_every_display_mode(browser, site, path):
    w = Watch(browser, site)
    try:
        w.go(path)
        assert NOTICE in w.page.inner_text("body") or path in ("/login", "/help")
        assert w.axe() == []  # not even minor findings on the public pages
        w.page.click("button[data-pref=large]")
        w.page.click("button[data-pref=contrast]")
        assert w.page.evaluate("document.documentElement.className") == "large contrast"
        assert w.axe() == []
        assert w.shot("public" + path.replace("/", "_")) > 8
        assert w.errors == [] and w.outside == []
    finally:
        w.close()


def test_keyboard_reaches_everything_and_preferences_stick(browser, site):
    w = Watch(browser, site)
    try:
        w.go("/public")
        w.page.keyboard.press("Tab")
        assert w.page.evaluate("document.activeElement.textContent") == "跳到主要内容"
        w.page.keyboard.press("Enter")
        assert w.page.evaluate("document.activeElement.id") == "main"
        w.page.focus("button[data-pref=large]")
        w.page.keyboard.press("Space")
        assert w.page.get_attribute("button[data-pref=large]", "aria-pressed") == "true"
        w.go("/public/circles/C05")  # the choice is remembered on the next page
        assert "large" in w.page.evaluate("document.documentElement.className")
        size = w.page.evaluate("getComputedStyle(document.body).fontSize")
        assert size == "20px"
        assert w.errors == []
    finally:
        w.close()


def test_sign_in_map_circle_and_a_project_from_creation_to_work(browser, site):
    w = Watch(browser, site)
    p = w.page
    try:
        w.go("/login")
        p.fill("#username", "leader")
        p.fill("#password", PASSWORD)
        p.click("form.card button[type=submit]")
        p.wait_for_url(site + "/")
        assert "欢迎" in p.inner_text(".flash-area")
        # 一张图: 49 circles drawn (SVG paths), the chart drawn, the notice shown
        p.wait_for_selector("#map path.leaflet-interactive")
        assert p.locator("#map path.leaflet-interactive").count() == 49
        assert NOTICE in p.inner_text(".notice")
        assert w.shot("map", "#map") > 8
        assert w.shot("chart", "#chart-targets") > 8
        w.shot("map_page")
        # filter by street
        street = p.locator("#street option").nth(2).inner_text()
        p.select_option("#street", label=street)
        p.click("form.filters button")
        p.wait_for_selector("#map path.leaflet-interactive")
        assert 0 < p.locator("#map path.leaflet-interactive").count() < 49
        # a circle from the table
        w.go("/")
        p.click("a[href='/circles/C05']")
        p.wait_for_selector("h1:has-text('C05')")
        assert p.locator("table").first.locator("tbody tr").count() > 5  # indicators
        assert w.shot("circle_map", "#map") > 8
        w.shot("circle_page")
        # create a project from the circle page
        p.click("text=为本生活圈新建项目")
        p.fill("#n-name", "社区食堂（老年助餐点）新建")
        p.select_option("#n-type", "micro_renewal")
        p.select_option("#n-unit", label="区民政局")
        p.fill("#n-due", "2025-06-30")
        p.fill("#n-budget", "450000")
        p.click("#new button[type=submit]")
        p.wait_for_selector("h1:has-text('社区食堂')")
        assert "已新建项目" in p.inner_text(".flash-area")
        for label, shown in (("已立项", "已立项"), ("在建", "在建")):
            p.select_option("#s-to", label=label)
            p.click("#st-h ~ form button[type=submit]")
            p.wait_for_load_state("load")
            assert f"已改为“{shown}”" in p.inner_text(".flash-area")
        p.fill("#p-val", "35")
        p.click("#pg-h ~ form button[type=submit]")
        p.wait_for_load_state("load")
        assert "进度已更新为 35%" in p.inner_text(".flash-area")
        assert p.locator("#hi-h ~ table tbody tr").count() == 3
        assert w.shot("project_page") > 8
        violations = _serious(w.axe())
        assert violations == [], violations
        assert w.errors == [], w.errors
        assert w.outside == []
    finally:
        w.close()
