"""The map by facility category, the what-if page and the help per role in Debian's Chromium
against a real uvicorn server on loopback: compounds drawn in their distance colours, a click
that places a facility changes the grade, each role's guide; screenshots drawn, no console
errors, no request leaving localhost."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from lifecircle.checkup import CheckupResult
from lifecircle.web import Settings, create_app
from lifecircle.workflow.permissions import ROLE_ZH

from .conftest import PASSWORD
from .live_server import serving
from .maps_site import TODAY, platform_db, suggested_demo
from .test_browser import ARGS, CHROMIUM, NOTICE, Watch, _serious

pytestmark = [
    pytest.mark.browser,
    pytest.mark.timeout(400),
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium"),
]


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    root = suggested_demo(tmp_path_factory)
    return root, CheckupResult.read(root / "checkup")


def _target(doc: CheckupResult):
    """A circle failing one constraint that one suggested site makes pass."""
    for c in doc.circles:
        for s in c.shortfalls:
            sg = s.suggestion
            if (
                s.category == "constraint"
                and sg
                and sg.count == 1
                and len(c.failed_constraints) == 1
            ):
                return c, s, sg
    raise AssertionError("no such circle in the demo")


@pytest.fixture(scope="module")
def site(demo, tmp_path_factory):
    root, doc = demo
    circle, _, _ = _target(doc)
    users = {
        "chief": {"role": "district", "password": PASSWORD},
        "leader": {"role": "circle_leader", "password": PASSWORD, "circles": [circle.id]},
        "unit": {"role": "unit", "password": PASSWORD, "unit": "区教育局"},
    }
    engine = platform_db(root, tmp_path_factory.mktemp("mapsbrowser") / "web.db", users=users)
    app = create_app(Settings(engine=engine, secret_key="maps-browser", today=TODAY))
    with serving(app) as url:
        yield url
    engine.dispose()


@pytest.fixture(scope="module")
def chromium(tmp_path_factory):
    """Debian's Chromium through Playwright, with the CJK font (as tests/web/test_browser.py)."""
    sync_api = pytest.importorskip("playwright.sync_api")
    from lifecircle.reports.fonts import cjk_font_path

    conf = tmp_path_factory.mktemp("fontconfig-maps") / "fonts.conf"
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


def _login(w: Watch, user: str) -> None:
    w.go("/login")
    w.page.fill("#username", user)
    w.page.fill("#password", PASSWORD)
    w.page.click("form.card button[type=submit]")
    w.page.wait_for_url(w.site + "/")


def test_category_map_colours_compounds_by_walking_distance(chromium, site, demo):
    _, doc = demo
    circle, shortfall, _ = _target(doc)
    w = Watch(chromium, site)
    p = w.page
    try:
        _login(w, "leader")
        # 一张图: the units ranked by on-time delivery, chart and table
        p.wait_for_selector("#chart-ranking canvas")
        assert p.locator("#rank-table tbody tr").count() >= 3
        assert w.shot("unit_ranking", "#chart-ranking") > 8
        w.go(f"/circles/{circle.id}")
        p.wait_for_selector("#cm-map path.lc-compound")
        assert p.locator("#cm-map path.lc-compound").count() == circle.compound_count
        fills = p.eval_on_selector_all(
            "#cm-map path.lc-compound", "els => els.map(e => e.getAttribute('fill'))"
        )
        assert len(set(fills)) >= 2  # the failing category leaves some compounds far
        assert p.locator("#cm-map path.lc-compound.lc-band-within").count() > 0
        assert p.locator("#cm-map path.lc-facility").count() > 0
        assert p.inner_text("#cm-map .lc-map-note") == NOTICE
        assert shortfall.name_zh.split("人口覆盖率")[0][:4] in p.inner_text("#cm-summary") or (
            "服务半径" in p.inner_text("#cm-summary")
        )
        assert p.locator("#cm-table tbody tr").count() == 4
        assert w.shot("category_map", "#cm-map") > 8
        # another category redraws the map
        p.select_option("#cm-category", "kindergarten")
        p.wait_for_selector("#cm-map[data-category=kindergarten]")
        assert "幼儿园" in p.inner_text("#cm-summary")
        assert p.locator("#cm-map path.lc-compound").count() == circle.compound_count
        # the suggestions, in words and with a link to try them
        assert p.locator("#sg-table tbody tr").count() >= 1
        assert "在情景推演中试一试" in p.inner_text("#sg-table")
        w.shot("circle_with_maps")
        assert _serious(w.axe()) == []
        assert w.errors == [], w.errors
        assert w.outside == []
    finally:
        w.close()


def test_whatif_click_on_the_map_changes_the_grade(chromium, site, demo):
    _, doc = demo
    circle, shortfall, sg = _target(doc)
    w = Watch(chromium, site)
    p = w.page
    try:
        _login(w, "chief")
        w.go(f"/circles/{circle.id}/whatif")
        p.select_option("#wi-category", sg.category)
        p.wait_for_selector("#wi-map[data-ready='1']", timeout=180_000)
        p.wait_for_selector("#wi-grade-after")
        assert p.get_attribute("#wi-grade-after", "data-grade") == "NONE"
        site_ll = [sg.sites[0].lat, sg.sites[0].lon]
        x, y = p.evaluate(
            "ll => { const m = document.getElementById('wi-map').lcMap;"
            " const pt = m.latLngToContainerPoint(ll); return [pt.x, pt.y]; }",
            site_ll,
        )
        p.locator("#wi-map").click(position={"x": x, "y": y})
        p.wait_for_selector("#wi-grade-after:not([data-grade='NONE'])")
        assert p.get_attribute("#wi-grade-after", "data-grade") in ("AA", "AAA")
        changed = p.inner_text("#wi-indicators tbody tr.changed")
        assert shortfall.name_zh in changed and "达标" in changed
        assert p.locator("#wi-map path.lc-new-facility").count() == 1
        assert p.locator("#wi-added li").count() == 1
        assert p.locator("#wi-indicators tbody tr").count() < len(circle.indicators)
        # by keyboard: the button places one at the map's centre
        p.click("#wi-centre")
        p.wait_for_selector("#wi-added li:nth-child(2)")
        assert p.locator("#wi-map path.lc-new-facility").count() == 2
        p.click("#wi-undo")
        p.wait_for_selector("#wi-added li:nth-child(2)", state="detached")
        assert w.shot("whatif_map", "#wi-map") > 8
        w.shot("whatif_page")
        # undo: the grade goes back
        p.click("#wi-undo")
        p.wait_for_selector("#wi-grade-after[data-grade='NONE']")
        assert _serious(w.axe()) == []
        assert w.errors == [], w.errors
        assert w.outside == []
    finally:
        w.close()


@pytest.mark.parametrize("user,role", [("chief", "district"), ("leader", "circle_leader"),
                                       ("unit", "unit"), (None, "public")])  # fmt: skip
def test_help_links_to_the_guide_of_ones_role(chromium, site, user, role):
    w = Watch(chromium, site)
    p = w.page
    try:
        if user is None:
            w.go("/public")
        else:
            _login(w, user)
        assert p.get_attribute("header.site a.help", "href") == f"/help/{role}"
        p.click("header.site a.help")
        p.wait_for_selector("#guide")
        assert p.get_attribute("#guide", "data-role") == role
        assert ROLE_ZH[role] in p.inner_text("h1")
        assert p.locator("#guide h2").count() == 1 and p.locator("#guide li").count() >= 3
        assert "显示设置（适老化）" in p.inner_text("main")
        assert p.locator("nav[aria-label='各角色的使用指南'] a").count() == len(ROLE_ZH)
        assert w.shot(f"help_{role}") > 8
        assert _serious(w.axe()) == []
        assert w.errors == [] and w.outside == []
    finally:
        w.close()
