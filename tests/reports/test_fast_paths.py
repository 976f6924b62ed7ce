"""The report stage's shortcuts give what the plain ways give: cached text widths, the
maps' PNG writer, Word's key-value tables built from copies of one row, and the web font's
characters read from a page's bytes."""

from __future__ import annotations

import io
import itertools
import random
from pathlib import Path

import numpy as np
import pytest
from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.shared import Pt
from PIL import Image

from lifecircle.reports import docx_layout as dl
from lifecircle.reports import fonts, maps, word

TEXTS = ["", " ", "小区", "幼儿园（托儿所） 12,345 人", "2026-01-01", "a b\nc 长文字", "MW%@ilj"]
TEXTS += ["公共服务设施\n\n第二行 abc", "x" * 40, "  两边空格  "]


def _plain_width_ems(text: str) -> float:
    return max((dl._line_ems(line) for line in text.split("\n")), default=0)


def _plain_unbreakable_ems(text: str) -> float:
    best = run = 0.0
    for ch in text:
        w = dl.char_width_em(ch)
        if dl._is_breakable(ch):
            best, run = max(best, run, w if not ch.isspace() else 0.0), 0.0
        else:
            run += w
    return max(best, run)


def test_cached_text_widths_are_the_computed_ones() -> None:
    rng = random.Random(3)
    texts = TEXTS + ["".join(rng.choice(TEXTS)) * rng.randint(1, 3) for _ in range(50)]
    for _round, text, font_pt in itertools.product(range(2), texts, (7.0, 8.5, 10.5)):
        # the second round is served from the caches
        assert dl.text_width_pt(text, font_pt) == _plain_width_ems(text) * font_pt
        assert dl.longest_unbreakable_pt(text, font_pt) == _plain_unbreakable_ems(text) * font_pt
    assert dl.text_width_ems.cache_info().hits > 0
    assert dl.longest_unbreakable_ems.cache_info().hits > 0


@pytest.mark.parametrize("channels", [3, 4])
def test_png_writer_keeps_every_pixel(channels: int) -> None:
    rng = np.random.default_rng(channels)
    # flat areas (as maps have), noise, and steps that wrap the Up filter around 0 and 255
    px = np.full((61, 47, channels), 255, dtype=np.uint8)
    px[10:30, 5:40] = rng.integers(0, 256, size=(20, 35, channels), dtype=np.uint8)
    px[40:, :, 0] = np.where(np.arange(21)[:, None] % 2, 0, 255)
    png = maps.png_bytes(px, dpi=maps.DPI)
    img = Image.open(io.BytesIO(png))
    assert img.mode == ("RGB" if channels == 3 else "RGBA")
    assert np.array_equal(np.asarray(img), px)
    assert round(img.info["dpi"][0]) == maps.DPI
    # the same pixels and resolution as PIL's own PNG of them
    buf = io.BytesIO()
    Image.fromarray(px).save(buf, format="png", dpi=(maps.DPI, maps.DPI))
    pil = Image.open(io.BytesIO(buf.getvalue()))
    assert np.array_equal(np.asarray(pil), np.asarray(img))
    assert pil.info["dpi"] == img.info["dpi"]


def test_png_writer_refuses_other_arrays() -> None:
    with pytest.raises(ValueError):
        maps.png_bytes(np.zeros((4, 4, 3), dtype=np.uint16), dpi=150)
    with pytest.raises(ValueError):
        maps.png_bytes(np.zeros((4, 4, 2), dtype=np.uint8), dpi=150)


def test_encode_writes_opaque_maps_as_rgb() -> None:
    px = np.full((9, 7, 4), 255, dtype=np.uint8)
    px[2:5, 1:4, :3] = (10, 200, 30)
    assert Image.open(io.BytesIO(maps._encode(px))).mode == "RGB"
    px[0, 0, 3] = 0
    img = Image.open(io.BytesIO(maps._encode(px)))
    assert img.mode == "RGBA" and np.array_equal(np.asarray(img), px)


@pytest.mark.parametrize("shape", [(1, 1), (3, 5), (257, 301)])
def test_opaque_maps_keep_every_pixel_in_rgb(shape: tuple[int, int]) -> None:
    px = np.random.default_rng(3).integers(0, 256, (*shape, 4), dtype=np.uint8)
    px[..., 3] = 255
    for pixels in (px, px[::-1], np.asfortranarray(px)):  # and not C-contiguous
        assert np.array_equal(maps._rgb(pixels), pixels[..., :3])
        img = Image.open(io.BytesIO(maps._encode(pixels)))
        assert img.mode == "RGB" and np.array_equal(np.asarray(img), pixels[..., :3])


def _kv_by_python_docx(doc, rows: list[tuple[str, str]], font_pt: float = 9.5):
    """word._kv as it was: every row through python-docx."""
    t = doc.add_table(rows=0, cols=2)
    t.style = "Table Grid"
    t.alignment = WD_TABLE_ALIGNMENT.CENTER
    for k, v in rows:
        cells = t.add_row().cells
        for cell, text, bold in ((cells[0], k, True), (cells[1], v, False)):
            cell.text = ""
            run = cell.paragraphs[0].add_run("" if text is None else str(text))
            run.bold = bold
            run.font.size = Pt(font_pt)
        word._shade(cells[0], "F0F3F7")
    dl.set_widths(t, [4.0 * 28.35, word.PAGE.text_width_pt - 4.0 * 28.35])
    return t


def test_key_value_table_is_what_python_docx_builds() -> None:
    from lxml import etree

    rows = [
        ("名称", "示例圈"),
        ("人口", 12345),
        ("空值", None),
        ("", "左侧为空"),
        ("  前后空格 ", "值 "),
        ("多行", "第一行\n第二行"),
        ("制表", "a\tb"),
        ("回车", "a\rb"),
    ]
    fast, plain = Document(), Document()
    word._kv(fast, rows)
    _kv_by_python_docx(plain, rows)
    got = etree.tostring(fast.tables[0]._tbl)
    want = etree.tostring(plain.tables[0]._tbl)
    assert got == want
    assert b"w:br" in got and b"w:tab" in got  # the texts python-docx had to write


@pytest.mark.parametrize(
    "text",
    ["a\r\nb", "x\ry\n", "\ufeff中文\t\x00\x7f", "abc", "", "é—…✓\x1b", "<p>体检 ≥ 1,000</p>"],
)
def test_page_characters_are_those_of_the_page_read_as_text(tmp_path: Path, text: str) -> None:
    page = tmp_path / "page.html"
    page.write_bytes(text.encode("utf-8"))
    always = set(fonts._ALWAYS)
    assert fonts._page_characters(page) | always == set(page.read_text("utf-8")) | always


def _map_like_png(subplots) -> bytes:  # type: ignore[no-untyped-def]
    """A small map-like figure (CJK title, legend, labels) through maps._png."""
    import matplotlib
    from matplotlib.lines import Line2D

    from lifecircle.reports import fonts as f

    with matplotlib.rc_context(f.rc()):
        fig, ax = subplots(figsize=(3.0, 2.5))
        ax.set_xlim(0, 10)
        ax.set_ylim(0, 10)
        ax.scatter([2, 5, 8], [3, 6, 2], s=30)
        ax.set_title("幼儿园（托儿所）（300 米）", fontsize=9.5)
        ax.text(5, 5, "北", fontsize=10, ha="right")
        ax.annotate("某某小区 12", (5, 6), xytext=(6, 6), textcoords="offset points", fontsize=7.5)
        ax.legend(handles=[Line2D([], [], marker="o", label="有短板的小区")], loc="upper left")
        fig.tight_layout()
        return maps._png(fig)


def test_maps_shared_text_measures_and_layouts_draw_what_matplotlib_draws() -> None:
    import matplotlib.pyplot as plt

    plain = _map_like_png(plt.subplots)
    maps._TEXT_METRICS.clear()
    maps._TEXT_LAYOUTS.clear()
    first = _map_like_png(maps._subplots)  # measures and layouts made
    # the texts were measured and laid out through the shared renderer
    assert maps._TEXT_METRICS and (maps._TEXT_LAYOUTS or not maps._SAME_DRAW_TEXT)
    again = _map_like_png(maps._subplots)  # served from the caches
    pixels = [np.asarray(Image.open(io.BytesIO(p))) for p in (plain, first, again)]
    assert np.array_equal(pixels[0], pixels[1]) and np.array_equal(pixels[0], pixels[2])


def test_maps_drawn_on_kept_figures_are_those_of_new_figures(checkup_dir: Path) -> None:
    from lifecircle.reports import _prepare
    from lifecircle.reports.context import build_circle_report, build_district_report
    from lifecircle.reports.strings import Text

    ck = _prepare(checkup_dir)
    T = Text("zh")
    reps = [build_circle_report(ck, cid, T, None) for cid in ck.result.circle_ids()]
    # circles whose category maps have different grids (one panel to six)
    reps = sorted(reps, key=lambda r: len(r.focus_categories))
    picked = [reps[0], reps[len(reps) // 2], reps[-1]]
    district = build_district_report(ck, T, None)
    draws = [f for rep in picked for f in (
        lambda rep=rep: maps.circle_overview_png(ck, rep, T),
        lambda rep=rep: maps.circle_categories_png(ck, rep, T),
    )] + [lambda: maps.district_png(ck, district, T)]  # fmt: skip

    def fresh(draw):  # type: ignore[no-untyped-def]
        maps._FREE_FIGURES.clear()
        return draw()

    new = [fresh(draw) for draw in draws]  # each on a figure made for it
    maps._FREE_FIGURES.clear()
    for draw in draws:
        draw()
    kept = dict(maps._FREE_FIGURES)
    assert kept  # the figures were kept for the next maps
    again = [draw() for draw in draws]  # each on a figure another map left
    assert all(maps._FREE_FIGURES[k][0] is kept[k][0] for k in kept)
    maps._FREE_FIGURES.clear()
    assert sum(p is not None for p in new) >= 5
    for a, b in zip(new, again, strict=True):
        assert (a is None) == (b is None)
        if a is not None and b is not None:
            pa, pb = (np.asarray(Image.open(io.BytesIO(p))) for p in (a, b))
            assert pa.shape == pb.shape and np.array_equal(pa, pb)


def _legend_png(mapped: bool) -> bytes:
    """A figure with an axes legend and a figure legend (CJK labels, markers, patches)."""
    import matplotlib
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    from lifecircle.reports import fonts as f

    with matplotlib.rc_context(f.rc()):
        fig, ax = maps._subplots(figsize=(4.0, 3.0))
        ax.set_xlim(0, 10)
        ax.set_ylim(0, 10)
        marks = [Line2D([], [], marker=m, linestyle="", label=f"幼儿园 {m}") for m in "o^sD"]
        bands = [
            Patch(facecolor=c, label=f"≤ {i * 300} 米") for i, c in enumerate(maps.BAND_COLOURS)
        ]
        legends = [
            ax.legend(handles=marks, loc="upper center", bbox_to_anchor=(0.5, -0.01), ncol=3),
            fig.legend(handles=bands, loc="lower center", ncol=6, fontsize=8, frameon=False),
        ]
        if mapped:
            legends = [maps._mapped(leg) for leg in legends]
            assert all(type(leg) is maps._MapLegend for leg in legends)
        return maps._png(fig)


def test_map_legends_measured_once_draw_what_matplotlib_draws(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from matplotlib.offsetbox import TextArea

    measured = {"n": 0}
    measure = TextArea.get_bbox

    def counted(self, renderer):  # type: ignore[no-untyped-def]
        measured["n"] += 1
        return measure(self, renderer)

    monkeypatch.setattr(TextArea, "get_bbox", counted)
    plain = _legend_png(False)
    plain_measures, measured["n"] = measured["n"], 0
    mapped = _legend_png(True)
    assert measured["n"] < plain_measures / 2  # each label measured once per drawing
    pa, pb = (np.asarray(Image.open(io.BytesIO(p))) for p in (plain, mapped))
    assert pa.shape == pb.shape and np.array_equal(pa, pb)
