"""A4 layout for python-docx: page geometry, tables that fit, landscape sections, figures, properties."""

from __future__ import annotations

import functools
import io
import itertools
import os
import unicodedata
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

PT_PER_MM = 72 / 25.4
CELL_PAD_PT = 2 * 5.4  # Word's default cell margins, left + right (0.19 cm each)


@dataclass(frozen=True)
class Page:
    """A page and its margins in millimetres (portrait; :meth:`landscape` turns it)."""

    width: float = 210.0
    height: float = 297.0
    top: float = 20.0
    bottom: float = 20.0
    left: float = 20.0
    right: float = 20.0

    @property
    def text_width_pt(self) -> float:
        return (self.width - self.left - self.right) * PT_PER_MM

    @property
    def text_height_pt(self) -> float:
        return (self.height - self.top - self.bottom) * PT_PER_MM

    def landscape(self) -> Page:
        """The same sheet turned a quarter: the text area turns with it."""
        return Page(
            width=self.height,
            height=self.width,
            top=self.right,
            bottom=self.left,
            left=self.top,
            right=self.bottom,
        )

    def apply(self, section: Any) -> None:
        """Set ``section``'s size, orientation and margins to this page."""
        section.orientation = (
            WD_ORIENT.LANDSCAPE if self.width > self.height else WD_ORIENT.PORTRAIT
        )
        section.page_width, section.page_height = Mm(self.width), Mm(self.height)
        section.top_margin, section.bottom_margin = Mm(self.top), Mm(self.bottom)
        section.left_margin, section.right_margin = Mm(self.left), Mm(self.right)


def char_width_em(ch: str) -> float:
    """Width of one character in ems: CJK and full-width forms 1, Latin ~0.56, space 0.28."""
    if unicodedata.east_asian_width(ch) in ("W", "F"):
        return 1.0
    if ch == " ":
        return 0.28
    if ch in "ilj.,:;|!'()[]":
        return 0.3
    if ch.isupper() or ch in "mwMW%@":
        return 0.72
    return 0.56


def _line_ems(line: str) -> float:
    # Word and LibreOffice may add a quarter em between Chinese and Latin or digits
    wide = [unicodedata.east_asian_width(c) in ("W", "F") for c in line if not c.isspace()]
    switches = sum(a != b for a, b in itertools.pairwise(wide))
    return sum(map(char_width_em, line)) + 0.25 * switches


def text_width_pt(text: str, font_pt: float) -> float:
    """Width of the longest line of ``text`` at ``font_pt`` (an estimate good to ~5 %)."""
    return text_width_ems(text) * font_pt


@functools.lru_cache(maxsize=65536)
def text_width_ems(text: str) -> float:
    """Width of the longest line of ``text`` in ems (cached: a table is laid out at several
    font sizes and widths, and the same words recur in every circle's tables)."""
    return max((_line_ems(line) for line in text.split("\n")), default=0)


def _is_breakable(ch: str) -> bool:
    # a line may break before or after any CJK character, and at a space
    return ch.isspace() or unicodedata.east_asian_width(ch) in ("W", "F")


def longest_unbreakable_pt(text: str, font_pt: float) -> float:
    """Width of the longest run that a line cannot break (a code, a number, a date)."""
    return longest_unbreakable_ems(text) * font_pt


@functools.lru_cache(maxsize=65536)
def longest_unbreakable_ems(text: str) -> float:
    """:func:`longest_unbreakable_pt` in ems (cached as :func:`text_width_ems`)."""
    best = run = 0.0
    for ch in text:
        w = char_width_em(ch)
        if _is_breakable(ch):
            best, run = max(best, run, w if not ch.isspace() else 0.0), 0.0
        else:
            run += w
    return max(best, run)


def column_widths(
    header: Sequence[str],
    rows: Sequence[Sequence[object]],
    *,
    font_pt: float,
    available_pt: float,
    nowrap: Sequence[int] = (),
    pad_pt: float = CELL_PAD_PT,
    header_min_chars: int = 2,
    short_ems: float = 6.0,
) -> list[float] | None:
    """Column widths (pt) that fit ``available_pt``, or None (see :func:`table_layout`)."""
    out = table_layout(
        header,
        rows,
        font_pt=font_pt,
        available_pt=available_pt,
        nowrap=nowrap,
        pad_pt=pad_pt,
        header_min_chars=header_min_chars,
        short_ems=short_ems,
    )
    return None if out is None else out[0]


def table_layout(
    header: Sequence[str],
    rows: Sequence[Sequence[object]],
    *,
    font_pt: float,
    available_pt: float,
    nowrap: Sequence[int] = (),
    pad_pt: float = CELL_PAD_PT,
    header_min_chars: int = 2,
    short_ems: float = 6.0,
) -> tuple[list[float], float] | None:
    """Column widths (pt) that fit ``available_pt``, or None when the table cannot fit.

    Each column needs its longest unbreakable run (a code, number or date never wraps; a
    cell no wider than ``short_ems`` characters is kept whole; a header wraps onto two
    lines at most; a column in ``nowrap`` needs its widest line) and
    wants its widest line. When every column has what it wants, the spare
    width is shared in proportion. Otherwise, starting from what each needs, the width left
    goes a little at a time to the column where it saves the most lines of the table's
    estimated height (ties: the column wrapping most), so long texts get the room and
    short fields keep one line. Returns the widths and the table's estimated height (pt).
    """
    import numpy as np

    n = len(header)
    texts = [[str(h) for h in header]] + [["" if v is None else str(v) for v in r] for r in rows]
    wide = np.array([[text_width_pt(t, font_pt) for t in row] for row in texts], dtype=float)
    unbreakable = np.array(
        [[longest_unbreakable_pt(t, font_pt) for t in row] for row in texts], dtype=float
    )
    unbreakable[1:] = np.where(wide[1:] <= short_ems * font_pt, wide[1:], unbreakable[1:])
    # a header wraps onto two lines at most
    half = [
        max(-(-len(t) // 2), header_min_chars) * font_pt if t.strip() else 0.0 for t in texts[0]
    ]
    unbreakable[0] = np.maximum(unbreakable[0], np.minimum(wide[0], half))
    natural = wide.max(axis=0) + pad_pt + 0.5
    need = np.minimum(unbreakable.max(axis=0) + pad_pt + 0.5, natural)
    for j in nowrap:
        need[j] = natural[j]
    if need.sum() > available_pt:
        return None

    def table_height(lines_: np.ndarray) -> float:
        return float((lines_.max(axis=1) * font_pt * 1.2 + 1.5).sum())

    if natural.sum() <= available_pt:
        return list(natural * available_pt / natural.sum()), table_height(np.ones_like(wide))
    width = need.copy()
    spare = available_pt - width.sum()
    step = max(spare / 200, 0.5)

    def lines(w: np.ndarray) -> np.ndarray:
        return np.maximum(np.ceil(wide / np.maximum(w - pad_pt, 1.0)), 1.0)

    def column_lines(j: int, w: float) -> np.ndarray:
        # lines(...)[:, j] for a width w of column j: the same operations, one column
        return np.maximum(np.ceil(wide[:, j] / np.maximum(w - pad_pt, 1.0)), 1.0)

    current = lines(width)
    cols = np.arange(n)
    # lines(width + d), kept up to date column by column while d stays the same step: a
    # step widens one column, so only that column's lines change
    wider_d: float | None = None
    wider = current
    while spare > 1e-6:
        d = min(step, spare)
        if d != wider_d:
            wider, wider_d = lines(width + d), d
        # the height with each column alone one step wider, all columns at once: a row's
        # lines are the most of that column's new lines and the other columns' lines
        top = np.sort(current, axis=1)
        first = top[:, -1:]
        second = top[:, -2:-1] if n > 1 else np.zeros_like(first)
        others = np.where(current.argmax(axis=1)[:, None] == cols, second, first)
        heights = np.maximum(others, wider).sum(axis=0)  # whole numbers: exact
        heights = np.where(width < natural, heights, np.inf)
        best = int(np.argmin(heights))  # the first of equals, as a left-to-right search
        if not heights[best] < current.max(axis=1).sum():
            best = -1
        if best < 0:  # no single step saves a line: widen the column wrapping most
            open_ = width < natural
            if not open_.any():
                break
            wrapped = np.where(open_, (current - 1).sum(axis=0), -1.0)
            best = int(np.argmax(wrapped))
        d = min(d, natural[best] - width[best]) if width[best] < natural[best] else d
        width[best] += d
        spare -= d
        current[:, best] = column_lines(best, width[best])
        if wider_d is not None:
            wider[:, best] = column_lines(best, width[best] + wider_d)
    return [float(w) for w in width], table_height(current)


@dataclass(frozen=True)
class TableFit:
    """Where and how a table fits: column widths (pt), font size, and whether landscape."""

    widths_pt: list[float]
    font_pt: float
    landscape: bool


def fit_table(
    header: Sequence[str],
    rows: Sequence[Sequence[object]],
    page: Page,
    *,
    font_pt: float,
    min_font_pt: float = 7.0,
    portrait_min_pt: float | None = None,
    nowrap: Sequence[int] = (),
) -> TableFit:
    """Where and how a table fits.

    Portrait at ``font_pt`` with short cells whole is taken at once when it fits. Otherwise
    the candidates are portrait at ``font_pt`` (or smaller, down to ``portrait_min_pt`` when
    given) with short cells allowed to wrap, and landscape at ``font_pt`` (or smaller, down
    to ``min_font_pt``, only when nothing else fits); of those that fit, the one taking the
    fewest pages by estimated height wins, portrait on a tie. When nothing fits, the
    narrowest layout is scaled to the landscape page.
    """
    portrait, land = page, page.landscape()
    first = table_layout(
        header, rows, font_pt=font_pt, available_pt=portrait.text_width_pt, nowrap=nowrap
    )
    if first is not None:
        return TableFit(first[0], font_pt, False)

    def sizes(low: float | None) -> list[float]:
        out, size = [font_pt], font_pt
        while low is not None and size - 0.5 >= low - 1e-9:
            size -= 0.5
            out.append(size)
        return out

    best: tuple[float, int, TableFit] | None = None
    for landscape, size_list in ((False, sizes(portrait_min_pt)), (True, [font_pt])):
        pg = land if landscape else portrait
        for size in size_list:
            for short in (6.0, 4.0, 0.0):
                got = table_layout(
                    header,
                    rows,
                    font_pt=size,
                    available_pt=pg.text_width_pt,
                    short_ems=short,
                    nowrap=nowrap,
                )
                if got is not None:
                    pages = got[1] / pg.text_height_pt
                    key = (round(pages, 1), int(landscape))
                    if best is None or key < best[:2]:
                        best = (*key, TableFit(got[0], size, landscape))
                    break
    if best is not None:
        return best[2]
    for size in sizes(min_font_pt)[1:]:
        w = column_widths(header, rows, font_pt=size, available_pt=land.text_width_pt, short_ems=0)
        if w is not None:
            return TableFit(w, size, True)
    w = column_widths(header, rows, font_pt=min_font_pt, available_pt=1e9)
    assert w is not None
    return TableFit([x * land.text_width_pt / sum(w) for x in w], min_font_pt, True)


def start_section(doc: Any, page: Page) -> Any:
    """A new section on a new page laid out as ``page`` (headers and footers carried on)."""
    sec = doc.add_section(WD_SECTION.NEW_PAGE)
    page.apply(sec)
    return sec


def set_widths(table: Any, widths_pt: Sequence[float]) -> None:
    """Fixed column widths that Word and LibreOffice both honour (grid, cells, table)."""
    table.autofit = False
    tblpr = table._tbl.tblPr
    for old in tblpr.findall(qn("w:tblLayout")):
        tblpr.remove(old)
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    tblpr.append(layout)
    tblw = tblpr.find(qn("w:tblW"))
    if tblw is None:
        tblw = OxmlElement("w:tblW")
        tblpr.append(tblw)
    tblw.set(qn("w:type"), "dxa")
    tblw.set(qn("w:w"), str(round(sum(widths_pt) * 20)))
    for col, w in zip(table.columns, widths_pt, strict=True):
        col.width = Pt(w)
    for tr in table._tbl.tr_lst:
        for tc, w in zip(tr.tc_lst, widths_pt, strict=True):
            tc.width = Pt(w)


def keep_with_next(paragraph: Any, on: bool = True) -> None:
    """Keep ``paragraph`` on the page of the next one (a heading or figure with its caption)."""
    paragraph.paragraph_format.keep_with_next = on


def keep_table_together(table: Any) -> None:
    """Keep a short table on one page, and its first rows with its heading."""
    for tr in table._tbl.tr_lst:
        trpr = tr.get_or_add_trPr()
        if trpr.find(qn("w:cantSplit")) is None:
            trpr.append(OxmlElement("w:cantSplit"))


def fit_picture_size(png: bytes, max_w_pt: float, max_h_pt: float) -> tuple[Pt, Pt]:
    """The largest size of ``png`` within ``max_w_pt`` x ``max_h_pt``, aspect kept."""
    from PIL import Image

    with Image.open(io.BytesIO(png)) as im:
        w_px, h_px = im.size
    scale = min(max_w_pt / w_px, max_h_pt / h_px)
    return Pt(w_px * scale), Pt(h_px * scale)


def add_figure(
    doc: Any,
    png: bytes,
    caption: str,
    *,
    max_w_pt: float,
    max_h_pt: float,
    caption_style: str = "Caption",
) -> None:
    """A picture within ``max_w_pt`` x ``max_h_pt``, centred, kept on one page with its caption."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    w, h = fit_picture_size(png, max_w_pt, max_h_pt)
    doc.add_picture(io.BytesIO(png), width=w, height=h)
    pic = doc.paragraphs[-1]
    pic.alignment = WD_ALIGN_PARAGRAPH.CENTER
    keep_with_next(pic)
    cap = doc.add_paragraph(caption, style=caption_style)
    cap.alignment = WD_ALIGN_PARAGRAPH.CENTER


def set_properties(
    doc: Any,
    *,
    title: str,
    subject: str,
    author: str,
    when: date | datetime,
    keywords: str = "",
    comments: str = "",
    category: str = "",
) -> None:
    """Core properties: title, subject (the district), author, and the dates of the run."""
    at = when if isinstance(when, datetime) else datetime(when.year, when.month, when.day)
    cp = doc.core_properties
    cp.title, cp.subject, cp.author, cp.last_modified_by = title, subject, author, author
    cp.keywords, cp.comments, cp.category = keywords, comments, category
    cp.created = cp.modified = at
    cp.last_printed = at
    cp.revision = 1
    cp.language = "zh-CN"


def page_number_field(
    paragraph: Any, *, before: str = "", after: str = "", size_pt: float = 9
) -> list[Any]:
    """Append ``before`` PAGE ``after`` to ``paragraph`` (a field Word and LibreOffice update).

    Returns the runs added, for the caller to set their fonts.
    """
    runs = []
    if before:
        runs.append(paragraph.add_run(before))
    for kind, text in (("begin", ""), ("", " PAGE "), ("separate", ""), ("", "1"), ("end", "")):
        run = paragraph.add_run()
        if kind:
            fc = OxmlElement("w:fldChar")
            fc.set(qn("w:fldCharType"), kind)
            run._r.append(fc)
        elif text == " PAGE ":
            it = OxmlElement("w:instrText")
            it.set(qn("xml:space"), "preserve")
            it.text = text
            run._r.append(it)
        else:
            run.text = text
        runs.append(run)
    if after:
        runs.append(paragraph.add_run(after))
    for r in runs:
        r.font.size = Pt(size_pt)
    return runs


class Orientation:
    """Landscape sections on demand: ``turn(landscape)`` before a block, ``finish()`` at the end.

    A section break is added only when the orientation changes, so consecutive wide tables
    share one landscape section and a document never ends with an empty page.
    """

    def __init__(self, doc: Any, page: Page) -> None:
        self.doc, self.page, self.landscape = doc, page, False

    def turn(self, landscape: bool) -> None:
        if landscape != self.landscape:
            start_section(self.doc, self.page.landscape() if landscape else self.page)
            self.landscape = landscape


WORD_JOINER = "\u2060"


def unbroken(text: str) -> str:
    """``text`` whose codes and dates never break at their hyphens (``P2024-001`` stays
    whole: word joiners either side, which LibreOffice and Word honour), with a zero-width
    space after each Chinese list comma and semicolon so the line breaks there instead."""
    for mark in "、；，":
        text = text.replace(mark, mark + "\u200b")
    return text.replace("-", f"{WORD_JOINER}-{WORD_JOINER}")


def insert_ppr(ppr: Any, el: Any) -> None:
    """Put ``el`` into ``w:pPr`` at its place in the schema's order (Word insists)."""
    order = [
        "pStyle", "keepNext", "keepLines", "pageBreakBefore", "framePr", "widowControl",
        "numPr", "suppressLineNumbers", "pBdr", "shd", "tabs", "suppressAutoHyphens",
        "kinsoku", "wordWrap", "overflowPunct", "topLinePunct", "autoSpaceDE", "autoSpaceDN",
        "bidi", "adjustRightInd", "snapToGrid", "spacing", "ind", "contextualSpacing",
        "mirrorIndents", "suppressOverlap", "jc", "textDirection", "textAlignment",
        "textboxTightWrap", "outlineLvl", "divId", "cnfStyle", "rPr", "sectPr", "pPrChange",
    ]  # fmt: skip
    rank = order.index(el.tag.split("}")[1])
    for k, child in enumerate(ppr):
        name = child.tag.split("}")[1]
        if name in order and order.index(name) > rank:
            ppr.insert(k, el)
            return
    ppr.append(el)


def set_run_fonts(rpr: Any, *, latin: str, east_asia: str) -> None:
    """Latin and East-Asian font names on a run or style's ``w:rPr``."""
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:cs"):
        fonts.set(qn(attr), latin)
    fonts.set(qn("w:eastAsia"), east_asia)
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attr), None)


def save_docx(doc: Any, path: str | os.PathLike[str]) -> None:
    """``doc.save(path)``: the same members in the same order, each compressed as
    :func:`lifecircle.reports.zipping.member_compression` says (python-docx deflates
    every member at level 6, its PNGs included). Written as python-docx's
    ``PackageWriter`` writes a package; with a python-docx without the parts this takes,
    ``doc.save`` writes it."""
    try:
        from docx.opc.packuri import CONTENT_TYPES_URI, PACKAGE_URI
        from docx.opc.pkgwriter import _ContentTypesItem
    except ImportError:  # another python-docx: its own writer
        doc.save(path)
        return
    from lifecircle.reports.zipping import member_compression

    package = doc.part.package
    parts = package.parts
    for part in parts:
        part.before_marshal()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:

        def write(uri: Any, blob: bytes) -> None:
            name = uri.membername
            kind, level = member_compression(name)
            zf.writestr(name, blob, compress_type=kind, compresslevel=level)

        write(CONTENT_TYPES_URI, _ContentTypesItem.from_parts(parts).blob)
        write(PACKAGE_URI.rels_uri, package.rels.xml)
        for part in parts:
            write(part.partname, part.blob)
            if len(part.rels):
                write(part.partname.rels_uri, part.rels.xml)
