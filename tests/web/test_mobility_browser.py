"""The mobility layers in Debian's headless Chromium: the overlay on the 一张图 (off until
chosen, then coloured by matching degree with the proposed boundaries dashed) and the
/mobility page; no console error, no request leaving localhost, screenshots for a person."""

from __future__ import annotations

from pathlib import Path

import pytest

from lifecircle.checkup import CheckupResult
from lifecircle.store import session_scope
from lifecircle.store.db import make_engine, upgrade
from lifecircle.web import Settings, create_app
from lifecircle.workflow import accounts
from lifecircle.workflow.geometry import import_circle_geometry
from lifecircle.workflow.mobility import import_mobility
from mobility._results import demo_mobility

from .conftest import PASSWORD, TODAY
from .live_server import serving
from .test_browser import CHROMIUM, Watch, browser  # noqa: F401 (fixture)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.timeout(300),
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium"),
]

MATCH_COLOURS = {"#f0f9e8", "#bae4bc", "#7bccc4", "#43a2ca", "#0868ac"}


@pytest.fixture(scope="module")
def site(tmp_path_factory, demo_checkup_dir):
    """The demo's checkup and outlines, and synthetic trips over the demo district."""
    from lifecircle.workflow.checkups import import_checkup
    from lifecircle.workflow.places import seed_units

    root = tmp_path_factory.mktemp("mobbrowser")
    mob = demo_mobility(root / "mob", demo_checkup_dir.parent / "district")
    engine = make_engine(root / "platform.db")
    upgrade(engine)
    with session_scope(engine, actor="demo") as s:
        seed_units(s)
        import_checkup(s, CheckupResult.read(demo_checkup_dir), source="demo checkup.json")
        import_circle_geometry(s, demo_checkup_dir / "circles.gpkg")
        import_mobility(s, mob, title="2024年5月（合成）")
        accounts.add_user(s, "chief", role="district", password=PASSWORD)
    app = create_app(Settings(engine=engine, secret_key="browser-test", today=TODAY))
    with serving(app) as url:
        yield url
    engine.dispose()


def _sign_in(w: Watch) -> None:
    w.go("/login")
    w.page.fill("#username", "chief")
    w.page.fill("#password", PASSWORD)
    w.page.click("main button[type=submit]")
    w.page.wait_for_load_state("load")


def _fills(w: Watch, selector: str) -> set[str]:
    return set(
        w.page.eval_on_selector_all(
            f"{selector} path.leaflet-interactive", "els => els.map(e => e.getAttribute('fill'))"
        )
    )


def test_overlay_on_the_district_map(browser, site):  # noqa: F811
    w = Watch(browser, site)
    try:
        _sign_in(w)
        w.go("/")
        w.page.wait_for_selector("#map .leaflet-control-layers", timeout=15000)
        note = w.page.inner_text("#mobility-note")
        assert "出行匹配程度" in note and "合成" in note
        assert not (_fills(w, "#map") & MATCH_COLOURS)  # off until chosen
        boxes = w.page.locator("#map .leaflet-control-layers-overlays input")
        assert boxes.count() == 2
        labels = w.page.inner_text("#map .leaflet-control-layers-overlays")
        assert "出行匹配程度（2024年5月（合成））" in labels and "建议生活圈边界" in labels
        boxes.nth(0).check()
        boxes.nth(1).check()
        assert len(_fills(w, "#map") & MATCH_COLOURS) >= 2
        dashed = w.page.eval_on_selector_all(
            "#map path[stroke-dasharray]",
            "els => els.map(e => [e.getAttribute('stroke'), e.getAttribute('d').length])",
        )
        assert dashed and {s for s, _ in dashed} == {"#b2182b"}
        assert sum(n for _, n in dashed) > 2000  # the edges of 49 proposed circles
        assert "匹配程度" in w.page.inner_text("#map .mob-legend")
        assert w.shot("mobility-overlay", "#map") > 8
        assert w.errors == [] and w.outside == []
    finally:
        w.close()


def test_mobility_page(browser, site):  # noqa: F811
    w = Watch(browser, site)
    try:
        _sign_in(w)
        w.go("/mobility")
        w.page.wait_for_selector("#mobility-map path.leaflet-interactive", timeout=15000)
        assert len(_fills(w, "#mobility-map") & MATCH_COLOURS) >= 2
        text = w.page.inner_text("main")
        assert "出行数据为合成的示例数据" in text and "各生活圈匹配程度" in text
        assert w.page.locator("main table").count() == 3
        assert w.shot("mobility-page") > 8
        assert w.errors == [] and w.outside == []
    finally:
        w.close()
