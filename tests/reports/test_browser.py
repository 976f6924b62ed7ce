"""The HTML reports in Debian's headless Chromium: drawn, no console errors, no network."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from lifecircle.checkup import CheckupFolder
from lifecircle.reports import render_circle_report, render_district_report
from lifecircle.reports.fonts import WEB_FONT_DIR, WEB_FONT_FAMILY, WEB_FONT_FILE

from .conftest import pick_circles

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.timeout(180),
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium"),
]


LATIN_FONTS = "/usr/share/fonts/truetype/dejavu"  # Debian's fonts-dejavu-core: no CJK


@pytest.fixture(scope="module")
def latin_only(tmp_path_factory) -> dict[str, str]:
    """An environment whose fontconfig sees DejaVu only: a machine without any CJK font."""
    if not Path(LATIN_FONTS).is_dir():
        pytest.fail(f"{LATIN_FONTS} missing: install fonts-dejavu-core (scripts/install-test-deps)")
    conf = tmp_path_factory.mktemp("fontconfig") / "fonts.conf"
    conf.write_text(
        '<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig>'
        f"<dir>{LATIN_FONTS}</dir><cachedir>{conf.parent / 'cache'}</cachedir></fontconfig>",
        "utf-8",
    )
    env = dict(os.environ, FONTCONFIG_FILE=str(conf))
    if shutil.which("fc-list"):  # the environment really has no Chinese font
        found = subprocess.run(
            ["fc-list", ":lang=zh"], env=env, capture_output=True, text=True, check=True
        )
        assert found.stdout.strip() == ""
    return env


@pytest.fixture(scope="module")
def browser(latin_only):
    """Debian's Chromium on a machine with no CJK font: Chinese comes from the pages' own font."""
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True, env=latin_only)
        yield b
        b.close()


@pytest.fixture(scope="module")
def roles(demo_checkup) -> dict[str, str]:
    return pick_circles(demo_checkup)


@pytest.fixture(scope="module")
def pages(checkup_dir, roles, tmp_path_factory) -> Path:
    """The real checkup's pages: a NONE circle (zh), an AAA circle (en), the district."""
    out = tmp_path_factory.mktemp("html")
    ck = CheckupFolder.read(checkup_dir)
    render_circle_report(ck, roles["none"], out, formats="html")
    render_circle_report(ck, roles["aaa"], out, formats="html", lang="en")
    render_district_report(ck, out, formats="html")
    for src, dst in ((f"{roles['none']}.html", "none.html"), (f"{roles['aaa']}.en.html", "aaa.en.html")):  # fmt: skip
        shutil.copy(out / src, out / dst)
    return out


def _variance(png: bytes) -> float:
    from PIL import Image

    img = np.asarray(Image.open(io.BytesIO(png)).convert("L"), dtype=float)
    return float(img.std())


def _open(browser, path: Path):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors, requests = [], []
    page.on("console", lambda m: errors.append(m.text) if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda r: requests.append(r.url))
    page.goto(path.as_uri())
    page.wait_for_selector("body[data-rendered='1']", timeout=30_000)
    page.wait_for_timeout(800)  # ECharts animates its first frame
    return page, errors, requests


def _only_local(requests: list[str]) -> list[str]:
    return [u for u in requests if not u.startswith(("file://", "data:", "about:", "blob:"))]


@pytest.mark.parametrize("name", ["none.html", "aaa.en.html"])
def test_circle_page_draws_offline(browser, pages, name, tmp_path):
    page, errors, requests = _open(browser, pages / name)
    try:
        assert errors == []
        assert _only_local(requests) == []
        n_markers = page.locator("#map path.leaflet-interactive").count()
        assert n_markers == 0  # preferCanvas: markers are drawn on a canvas
        canvas = page.locator("#map canvas")
        assert canvas.count() >= 1
        assert _variance(page.locator("#map").screenshot()) > 8
        assert _variance(page.locator("#chart-indicators").screenshot()) > 8
        if page.locator("#chart-distance").is_visible():
            assert _variance(page.locator("#chart-distance").screenshot()) > 8
        # one category at a time: the legend names it with its facility count; switching
        # redraws without errors
        options = page.locator("#colour-by option").all_inner_texts()
        assert len(options) >= 2
        legend = page.locator("#map .legend").inner_text()
        assert options[0] in legend
        page.select_option("#colour-by", index=1)
        page.wait_for_timeout(200)
        assert errors == []
        assert options[1] in page.locator("#map .legend").inner_text()
        if name == "none.html":  # failing coverage: its service area is drawn and named
            assert "服务范围" in legend
        shot = tmp_path / f"{name}.png"
        page.screenshot(path=str(shot), full_page=True)
        keep = Path("/tmp/lifecircle-report-shots")
        if keep.parent.exists():
            keep.mkdir(exist_ok=True)
            shutil.copy(shot, keep / shot.name)
    finally:
        page.close()


def test_district_page_draws_offline(browser, pages, tmp_path):
    page, errors, requests = _open(browser, pages / "district.html")
    try:
        assert errors == []
        assert _only_local(requests) == []
        assert _variance(page.locator("#map").screenshot()) > 8
        assert _variance(page.locator("#chart-grades").screenshot()) > 8
        assert page.locator("#matrix tbody tr").count() == 49
        assert "示例数据：几何为生成数据" in page.locator("#generated-notice").inner_text()
        shot = tmp_path / "district.png"
        page.screenshot(path=str(shot), full_page=True)
        keep = Path("/tmp/lifecircle-report-shots")
        if keep.parent.exists():
            keep.mkdir(exist_ok=True)
            shutil.copy(shot, keep / shot.name)
    finally:
        page.close()


def test_tiles_are_off_by_default_and_requested_when_asked(browser, checkup_dir, roles, tmp_path):
    cid = roles["aa"]
    render_circle_report(
        checkup_dir, cid, tmp_path, formats="html", tile_url="http://127.0.0.1:9/{z}/{x}/{y}.png"
    )
    page = browser.new_page()
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto((tmp_path / f"{cid}.html").as_uri())
    page.wait_for_selector("body[data-rendered='1']", timeout=30_000)
    page.wait_for_timeout(300)
    page.close()
    assert any(u.startswith("http://127.0.0.1:9/") for u in requests)


def _glyphs(page, chars: str) -> list[bytes]:
    """Screenshots of each character alone, in the page's own body font, 40 px."""
    shots = []
    for k, ch in enumerate(chars):
        page.evaluate(
            """([id, ch]) => { const s = document.createElement('span'); s.id = id;
               s.textContent = ch; s.style.cssText = 'font-size:40px;position:fixed;top:0;'
               + 'left:0;background:#fff;color:#000;line-height:1;padding:4px;z-index:99999';
               document.body.appendChild(s); }""",
            [f"glyph{k}", ch],
        )
        shots.append(page.locator(f"#glyph{k}").screenshot())
        page.evaluate("id => document.getElementById(id).remove()", f"glyph{k}")
    return shots


def test_chinese_shows_without_a_cjk_system_font(browser, pages, tmp_path):
    """On a machine whose fontconfig has no CJK font, the pages' own font draws Chinese:
    distinct characters draw distinctly. The same page without its font folder draws every
    character as the same box (tofu), so the test would fail if the font were not shipped."""
    from PIL import Image, ImageChops

    assert (pages / WEB_FONT_DIR / WEB_FONT_FILE).is_file()
    assert (pages / WEB_FONT_DIR / "OFL.txt").is_file()
    bare = tmp_path / "bare"
    bare.mkdir()
    shutil.copy(pages / "district.html", bare / "district.html")  # no fonts/ beside it
    chars = "生活圈区"
    with_font, without = [], []
    for folder, out in ((pages, with_font), (bare, without)):
        page, _, _ = _open(browser, folder / "district.html")
        try:
            out.extend(_glyphs(page, chars))
            title = page.locator("h1").screenshot()
            out.append(title)
        finally:
            page.close()
    *glyphs, title_font = with_font
    for name in ("none.html", "district.html"):  # every Chinese text asks for the pages' font
        page, _, _ = _open(browser, pages / name)
        try:
            strays = page.evaluate(
                """fam => { const out = []; const w = document.createTreeWalker(document.body,
                   NodeFilter.SHOW_TEXT); let n;
                   while ((n = w.nextNode())) { if (!/[\u4e00-\u9fff]/.test(n.nodeValue)) continue;
                     const f = getComputedStyle(n.parentElement).fontFamily;
                     if (!f.includes(fam)) out.push(n.parentElement.tagName + ': ' + f); }
                   return out; }""",
                WEB_FONT_FAMILY,
            )
        finally:
            page.close()
        assert strays == [], strays[:5]
    *tofu, title_tofu = without
    assert len(set(tofu)) == 1  # every character the same box: no system font helps
    assert len(set(glyphs)) == len(chars)  # real glyphs, each its own
    assert title_font != title_tofu

    def ink(png: bytes) -> int:
        return int((np.asarray(Image.open(io.BytesIO(png)).convert("L")) < 128).sum())

    assert all(ink(g) > 0 for g in glyphs)
    assert (
        ImageChops.difference(
            Image.open(io.BytesIO(glyphs[0])).convert("L"),
            Image.open(io.BytesIO(tofu[0]))
            .convert("L")
            .resize(Image.open(io.BytesIO(glyphs[0])).size),
        ).getbbox()
        is not None
    )
    keep = Path("/tmp/lifecircle-report-shots")
    if keep.parent.exists():
        keep.mkdir(exist_ok=True)
        (keep / "title-with-font.png").write_bytes(title_font)
        (keep / "title-without-font.png").write_bytes(title_tofu)
