"""The HTML reports' web font: the shipped common subset copied when it holds every
character of the pages, a subset of the full font otherwise."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont

from lifecircle.reports import fonts


def _page(folder: Path, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    page = folder / "C01.html"
    page.write_text(f"<html><body><p>{text}</p>\n</body></html>", "utf-8")
    return page


def _cmap(path: Path) -> set[int]:
    with TTFont(str(path), lazy=True) as font:
        return set(font.getBestCmap())


def test_the_common_font_is_the_source_font_subset_to_its_codes() -> None:
    source = fonts._source_cmap()
    assert _cmap(fonts.COMMON_WEB_FONT) == set(fonts.common_codes() & source)
    assert len(fonts.common_codes() & source) > 7000  # GB 2312: 6,763 hanzi and symbols
    # the glyphs are the source's: advance widths and outlines' bounds of a sample
    with TTFont(str(fonts.cjk_font_path())) as src, TTFont(str(fonts.COMMON_WEB_FONT)) as com:
        src_map, com_map = src.getBestCmap(), com.getBestCmap()
        src_set, com_set = src.getGlyphSet(), com.getGlyphSet()
        for code in random.Random(7).sample(sorted(com_map), 40):
            a, b = src_map[code], com_map[code]
            assert src["hmtx"][a][0] == com["hmtx"][b][0], chr(code)
            assert _bounds(src_set, a) == _bounds(com_set, b), chr(code)
        names = {r.nameID for r in com["name"].names}
        assert {0, 13, 14} <= names  # copyright, licence and its address kept (OFL)


def _bounds(glyphs, name: str) -> tuple[float, ...] | None:
    from fontTools.pens.boundsPen import BoundsPen

    pen = BoundsPen(glyphs)
    glyphs[name].draw(pen)
    return pen.bounds


def test_pages_within_the_common_set_get_the_common_font(tmp_path: Path) -> None:
    _page(tmp_path, "雨花区东塘街道生活圈：达标 ✓，面积 2.5 km²，步行 15 分钟—完整社区")
    written = fonts.write_web_font(tmp_path)
    font = tmp_path / fonts.WEB_FONT_DIR / fonts.WEB_FONT_FILE
    assert written == [font, tmp_path / fonts.WEB_FONT_DIR / "OFL.txt"]
    assert font.read_bytes() == fonts.COMMON_WEB_FONT.read_bytes()
    assert fonts.write_web_font(tmp_path) == []  # the font there covers the pages


def test_a_character_beyond_the_common_set_gets_a_subset_of_the_full_font(
    tmp_path: Path,
) -> None:
    source, common = fonts._source_cmap(), fonts.common_codes()
    rare = chr(min(c for c in source if 0x4E00 <= c <= 0x9FFF and c not in common))
    _page(tmp_path, f"小区名称含生僻字{rare}")
    fonts.write_web_font(tmp_path)
    font = tmp_path / fonts.WEB_FONT_DIR / fonts.WEB_FONT_FILE
    have = _cmap(font)
    assert ord(rare) in have and ord("区") in have
    assert len(have) < 200  # the pages' characters and ASCII, not the common set
    # a page adding no character keeps it; one adding characters has it made again
    (tmp_path / "C02.html").write_text("<p>小区名称</p>", "utf-8")
    assert fonts.write_web_font(tmp_path) == []
    (tmp_path / "C03.html").write_text("<p>生活圈</p>", "utf-8")
    assert fonts.write_web_font(tmp_path) == [font, tmp_path / fonts.WEB_FONT_DIR / "OFL.txt"]
    assert ord(rare) in _cmap(font) and ord("圈") in _cmap(font)


def test_the_subset_is_the_same_bytes_each_time(tmp_path: Path) -> None:
    codes = {ord(c) for c in "生活圈ABC"}
    a, b = tmp_path / "a.woff", tmp_path / "b.woff"
    fonts._save_subset(fonts.cjk_font_path(), codes, a)
    fonts._save_subset(fonts.cjk_font_path(), codes, b)
    assert a.read_bytes() == b.read_bytes()


@pytest.mark.parametrize("text", ["\t生活圈\r\n", "平方米²"])
def test_tab_line_ends_and_latin_symbols_stay_in_the_common_set(text: str) -> None:
    assert {ord(c) for c in text} <= fonts.common_codes()


def test_characters_given_for_a_page_are_used_instead_of_reading_it(tmp_path: Path) -> None:
    source, common = fonts._source_cmap(), fonts.common_codes()
    rare = chr(min(c for c in source if 0x4E00 <= c <= 0x9FFF and c not in common))
    page = _page(tmp_path, "生活圈")
    known = {page.name: fonts.page_characters(f"<p>生活圈{rare}</p>".encode())}
    fonts.write_web_font(tmp_path, known=known)
    have = _cmap(tmp_path / fonts.WEB_FONT_DIR / fonts.WEB_FONT_FILE)
    assert ord(rare) in have and ord("圈") in have
