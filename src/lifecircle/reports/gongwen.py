"""Official documents laid out after GB/T 9704-2012 (党政机关公文格式), written with python-docx.

What the standard fixes and where it is done here:

- A4, 版心 156 mm x 225 mm: margins top 37 mm, bottom 35 mm, left 28 mm, right 26 mm (5.2);
  22 lines of 28 characters, 3号 (16 pt) 仿宋 for every element unless said otherwise (5.2.2).
- 版头 (7.2): 发文机关标志 centred, red, 小标宋, its top 35 mm below the 版心's; the issue
  number two lines below it, centred; a red separator as wide as the 版心 4 mm below that.
- 主体 (7.3): title two lines below the separator, 2号 (22 pt) 小标宋, centred; 主送 one line
  below it, flush left, ending with a full-width colon; body paragraphs indented two
  characters; headings 一、 in 黑体 and （一） in 楷体; signature and date (7.3.5.2, no seal):
  one line below the body, the office two characters from the right, the date on the next
  line starting two characters right of the office's first character.
- 成文日期 in Arabic numerals, year in full, no padding zeros ("2025年10月30日"): GB/T 9704-2012
  7.3.5.1 ("用阿拉伯数字将年、月、日标全，年份应标全称，月、日不编虚位"); the Chinese-numeral
  form ("二〇二五年十月三十日") belongs to the 1999 edition and is available as a choice.
- 版记 (7.4): 抄送 and 印发机关/印发日期 in 4号 (14 pt) between a thick first and last rule
  (0.35 mm) with a thin rule between; on the last page, its last rule on the 版心's bottom.
- 页码 (7.5): 4号 半角 Arabic numerals between em-dashes ("— 1 —"), 7 mm below the 版心;
  odd pages right, even pages left, one character in from the edge.

Fonts are named as Windows and WPS install them (仿宋, 黑体, 楷体, 方正小标宋简体 with 宋体
as its stated alternative); ``fonttable`` tells Word and LibreOffice which script each
covers, so a machine without one substitutes a Chinese font rather than a Latin one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

from lifecircle.reports.docx_layout import (
    Orientation,
    Page,
    fit_table,
    insert_ppr,
    page_number_field,
    set_properties,
    set_run_fonts,
    set_widths,
    unbroken,
)

PAGE = Page(top=37.0, bottom=35.0, left=28.0, right=26.0)
LINE_PT = 28.95  # 22 lines in the 225 mm 版心
SIZE_3 = 16.0  # 3号
SIZE_2 = 22.0  # 2号
SIZE_4 = 14.0  # 4号
RED = RGBColor(0xFF, 0x00, 0x00)

FANGSONG = "仿宋"
HEITI = "黑体"
KAITI = "楷体"
SONGTI = "宋体"
XIAOBIAOSONG = "方正小标宋简体"
LATIN = "Times New Roman"
# name -> (alternative name, panose) for fontTable: charset 86 = GB2312
_FONT_TABLE = {
    FANGSONG: ("FangSong", "02010609060101010101"),
    HEITI: ("SimHei", "02010609060101010101"),
    KAITI: ("KaiTi", "02010609060101010101"),
    SONGTI: ("SimSun", "02010600030101010101"),
    XIAOBIAOSONG: (SONGTI, "02000000000000000000"),
}

_DIGITS = "〇一二三四五六七八九"


def chinese_date(d: date) -> str:
    """``二〇二五年十月三十日`` (the 1999 edition's form)."""

    def small(n: int) -> str:
        if n < 10:
            return _DIGITS[n]
        tens, ones = divmod(n, 10)
        return ("" if tens == 1 else _DIGITS[tens]) + "十" + (_DIGITS[ones] if ones else "")

    year = "".join(_DIGITS[int(c)] for c in str(d.year))
    return f"{year}年{small(d.month)}月{small(d.day)}日"


def arabic_date(d: date) -> str:
    """``2025年10月30日``: GB/T 9704-2012 7.3.5.1."""
    return f"{d.year}年{d.month}月{d.day}日"


def format_date(d: date, style: str = "arabic") -> str:
    """The 成文日期 in ``style``: ``arabic`` (GB/T 9704-2012, default) or ``chinese``."""
    return chinese_date(d) if style == "chinese" else arabic_date(d)


def _ems(text: str) -> float:
    """Width in ems in a Chinese font: Latin letters and digits are half-width."""
    import unicodedata

    return sum(1.0 if unicodedata.east_asian_width(c) in ("W", "F", "A") else 0.5 for c in text)


@dataclass(frozen=True)
class Imprint:
    """版记: who receives copies, who prints, and when."""

    copy_to: Sequence[str]
    printer: str
    printed_on: date


class OfficialDocument:
    """A document built element by element in GB/T 9704-2012's order; ``save`` writes it."""

    def __init__(
        self, *, title: str, subject: str, author: str, when: date, keywords: str = ""
    ) -> None:
        self.doc = Document()
        self.title_text = title
        PAGE.apply(self.doc.sections[0])
        self._styles()
        self._footers()
        self.orient = Orientation(self.doc, PAGE)
        set_properties(
            self.doc,
            title=title,
            subject=subject,
            author=author,
            when=when,
            keywords=keywords,
            category="公文",
        )
        fonttable(self.doc)
        self._first = True

    # --- styles and page furniture ----------------------------------------------------------

    def _styles(self) -> None:
        normal = self.doc.styles["Normal"]
        set_run_fonts(normal.element.get_or_add_rPr(), latin=LATIN, east_asia=FANGSONG)
        normal.font.size = Pt(SIZE_3)
        pf = normal.paragraph_format
        pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        pf.line_spacing = Pt(LINE_PT)
        pf.space_before = pf.space_after = Pt(0)
        pf.widow_control = True
        ppr = normal.element.get_or_add_pPr()
        for tag in ("w:autoSpaceDE", "w:autoSpaceDN"):  # no extra gap between 汉字 and digits
            el = OxmlElement(tag)
            el.set(qn("w:val"), "0")
            insert_ppr(ppr, el)
        table = self.doc.styles.add_style("公文表格", 1)  # WD_STYLE_TYPE.PARAGRAPH
        table.base_style = normal
        tf = table.paragraph_format
        tf.line_spacing_rule = WD_LINE_SPACING.SINGLE
        tf.first_line_indent = Pt(0)
        table.font.size = Pt(10.5)

    def _footers(self) -> None:
        settings = self.doc.settings.element
        if settings.find(qn("w:evenAndOddHeaders")) is None:
            settings.insert(0, OxmlElement("w:evenAndOddHeaders"))
        sec = self.doc.sections[0]
        sec.footer_distance = Mm(22)  # the dash line 7 mm below the 版心
        for footer, odd in ((sec.footer, True), (sec.even_page_footer, False)):
            p = footer.paragraphs[0]
            p.alignment = WD_ALIGN_PARAGRAPH.RIGHT if odd else WD_ALIGN_PARAGRAPH.LEFT
            if odd:
                p.paragraph_format.right_indent = Pt(SIZE_4)
            else:
                p.paragraph_format.left_indent = Pt(SIZE_4)
            p.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
            for run in page_number_field(p, before="— ", after=" —", size_pt=SIZE_4):
                set_run_fonts(run._r.get_or_add_rPr(), latin=SONGTI, east_asia=SONGTI)

    def _para(self, text: str = "", *, size: float = SIZE_3, font: str | None = None) -> Any:
        self.orient.turn(False)
        p = self.doc.add_paragraph()
        if text:
            run = p.add_run(text)
            run.font.size = Pt(size)
            if font:
                set_run_fonts(run._r.get_or_add_rPr(), latin=LATIN, east_asia=font)
        return p

    # --- 版头 ------------------------------------------------------------------------------

    def masthead(self, issuer: str, number: str) -> None:
        """发文机关标志 (red, centred, sized to the 版心's width) and the issue number."""
        size = min(36.0, (PAGE.text_width_pt - SIZE_3) / max(_ems(issuer), 1))
        p = self._para(issuer, size=size, font=XIAOBIAOSONG)
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        p.runs[0].font.color.rgb = RED
        p.paragraph_format.space_before = Mm(35)
        p.paragraph_format.line_spacing = Pt(size * 1.25)
        q = self._para(number)
        q.alignment = WD_ALIGN_PARAGRAPH.CENTER
        q.paragraph_format.space_before = Pt(2 * LINE_PT)
        _border(q, "bottom", sz=12, space=11, colour="FF0000")  # 4 mm below, red

    # --- 主体 ------------------------------------------------------------------------------

    def title(self, text: str) -> None:
        p = self._para(text, size=SIZE_2, font=XIAOBIAOSONG)
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        p.paragraph_format.space_before = Pt(2 * LINE_PT - 11)
        p.paragraph_format.line_spacing = Pt(SIZE_2 * 1.5)
        p.paragraph_format.keep_with_next = True

    def recipients(self, text: str) -> None:
        """主送机关, flush left, ending with a full-width colon."""
        p = self._para(text.rstrip("：:") + "：")
        p.paragraph_format.space_before = Pt(LINE_PT)

    def paragraph(self, text: str, *, indent: bool = True) -> Any:
        p = self._para(text)
        p.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
        if indent:
            p.paragraph_format.first_line_indent = Pt(2 * SIZE_3)
        return p

    def heading(self, text: str, level: int = 1) -> Any:
        """一、 (黑体) or （一） (楷体), indented two characters, kept with what follows."""
        p = self._para(text, font=HEITI if level == 1 else KAITI)
        p.paragraph_format.first_line_indent = Pt(2 * SIZE_3)
        p.paragraph_format.keep_with_next = True
        return p

    def attachment_note(self, names: Sequence[str]) -> None:
        """附件说明 (7.3.4): one line below the body, two characters in, "附件：" then the
        names (numbered when there are several)."""
        if not names:
            return
        text = (
            f"附件：{names[0]}"
            if len(names) == 1
            else "附件：" + "\n".join(f"{k}.{n}" for k, n in enumerate(names, 1))
        )
        p = self.paragraph(text)
        p.paragraph_format.space_before = Pt(LINE_PT)
        p.paragraph_format.keep_with_next = True

    def attachment(
        self,
        label: str,
        title: str,
        header: Sequence[str],
        rows: Sequence[Sequence[object]],
        *,
        nowrap: Sequence[int] = (),
        numeric: Sequence[int] = (),
    ) -> None:
        """附件 (8): on a new page, "附件" top left in 3号黑体, its title centred, its table."""
        fit = fit_table(header, rows, PAGE, font_pt=10.5, portrait_min_pt=9, nowrap=nowrap)
        was = self.orient.landscape
        self.orient.turn(fit.landscape)
        p = self.doc.add_paragraph()
        run = p.add_run(label)
        set_run_fonts(run._r.get_or_add_rPr(), latin=LATIN, east_asia=HEITI)
        if was == fit.landscape:  # no section break put it on a new page
            p.paragraph_format.page_break_before = True
        q = self.doc.add_paragraph()
        run = q.add_run(title)
        run.font.size = Pt(SIZE_2)
        set_run_fonts(run._r.get_or_add_rPr(), latin=LATIN, east_asia=XIAOBIAOSONG)
        q.alignment = WD_ALIGN_PARAGRAPH.CENTER
        q.paragraph_format.line_spacing = Pt(SIZE_2 * 1.5)
        q.paragraph_format.keep_with_next = True
        self._grid(header, rows, fit, numeric=numeric)

    def table(
        self,
        header: Sequence[str],
        rows: Sequence[Sequence[object]],
        *,
        heading: str | None = None,
        font_pt: float = 10.5,
        nowrap: Sequence[int] = (),
        numeric: Sequence[int] = (),
    ) -> Any:
        """A table whose columns fit their content (codes and dates never wrap): in the
        portrait 版心, with a font down to 9 pt if need be; else in a landscape section,
        with its heading."""
        fit = fit_table(header, rows, PAGE, font_pt=font_pt, portrait_min_pt=9, nowrap=nowrap)
        self.orient.turn(fit.landscape)
        if heading:
            p = self.doc.add_paragraph()
            run = p.add_run(heading)
            set_run_fonts(run._r.get_or_add_rPr(), latin=LATIN, east_asia=HEITI)
            p.paragraph_format.first_line_indent = Pt(2 * SIZE_3)
            p.paragraph_format.keep_with_next = True
        return self._grid(header, rows, fit, numeric=numeric)

    def _grid(
        self,
        header: Sequence[str],
        rows: Sequence[Sequence[object]],
        fit: Any,
        *,
        numeric: Sequence[int] = (),
    ) -> Any:
        t = self.doc.add_table(rows=1 + len(rows), cols=len(header))
        t.style = "Table Grid"
        t.alignment = WD_TABLE_ALIGNMENT.CENTER
        set_widths(t, fit.widths_pt)
        for i, values in enumerate([list(header), *rows]):
            tr = t.rows[i]
            trpr = tr._tr.get_or_add_trPr()
            trpr.append(OxmlElement("w:cantSplit"))
            if i == 0:
                th = OxmlElement("w:tblHeader")
                trpr.append(th)
            for j, (cell, value) in enumerate(zip(tr.cells, values, strict=True)):
                p = cell.paragraphs[0]
                p.style = self.doc.styles["公文表格"]
                run = p.add_run(unbroken("" if value is None else str(value)))
                run.font.size = Pt(fit.font_pt)
                if i == 0:
                    set_run_fonts(run._r.get_or_add_rPr(), latin=LATIN, east_asia=HEITI)
                    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
                elif j in numeric:
                    p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        return t

    # --- 落款 ------------------------------------------------------------------------------

    def signature(self, issuer: str, on: str) -> None:
        """发文机关署名 and 成文日期 without a seal (GB/T 9704-2012 7.3.5.2)."""
        s, d = _ems(issuer), _ems(on)
        if s - d >= 2:
            sig_right, date_right = 2.0, s - d
        else:
            sig_right, date_right = d - s + 4, 2.0
        p = self._para(issuer)
        p.paragraph_format.space_before = Pt(LINE_PT)
        p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        p.paragraph_format.right_indent = Pt(sig_right * SIZE_3)
        p.paragraph_format.keep_with_next = True
        q = self._para(on)
        q.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        q.paragraph_format.right_indent = Pt(date_right * SIZE_3)

    # --- 版记 ------------------------------------------------------------------------------

    def imprint(self, imprint: Imprint) -> None:
        """抄送 and 印发 between thick rules, a thin one between them, held to the foot of
        the last page: each line is a frame (``w:framePr``) placed from the top margin so
        the last rule lies on the 版心's bottom edge, the body flowing above. (Two frames of
        one paragraph each: LibreOffice drops a frame whose paragraphs differ in borders.)"""
        self.orient.turn(False)
        label = "抄送："
        per_line = (PAGE.text_width_pt - 2 * SIZE_4) / SIZE_4 - _ems(label)
        copy_text = label + "，".join(imprint.copy_to).rstrip("。") + "。"
        copy_lines = -(-(_ems(copy_text) - _ems(label)) // per_line) if imprint.copy_to else 0
        bottom = PAGE.text_height_pt - 3  # room for the last rule
        if imprint.copy_to:
            p = self._imprint_line(copy_text, y_pt=bottom - (copy_lines + 1) * LINE_PT)
            p.paragraph_format.left_indent = Pt(SIZE_4 + _ems(label) * SIZE_4)
            p.paragraph_format.first_line_indent = Pt(-_ems(label) * SIZE_4)
            _border(p, "top", sz=8, space=1, colour="000000")  # 0.35 mm
            _border(p, "bottom", sz=4, space=1, colour="000000")  # 0.25 mm (thin)
        p = self._imprint_line(
            f"{imprint.printer}\t{arabic_date(imprint.printed_on)}印发", y_pt=bottom - LINE_PT
        )
        p.paragraph_format.tab_stops.add_tab_stop(  # from the margin: one character in
            Pt(PAGE.text_width_pt - SIZE_4), WD_TAB_ALIGNMENT.RIGHT
        )
        if not imprint.copy_to:
            _border(p, "top", sz=8, space=1, colour="000000")
        _border(p, "bottom", sz=8, space=1, colour="000000")
        # a frame is anchored to the paragraph after it: an empty one, one point high
        anchor = self.doc.add_paragraph()
        anchor.paragraph_format.line_spacing = Pt(1)

    def _imprint_line(self, text: str, *, y_pt: float) -> Any:
        p = self.doc.add_paragraph()
        pf = p.paragraph_format
        pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        pf.line_spacing = Pt(LINE_PT)
        pf.left_indent = pf.right_indent = Pt(SIZE_4)  # one character in from either side
        run = p.add_run(text)
        run.font.size = Pt(SIZE_4)
        _frame(p, width_pt=PAGE.text_width_pt, y_pt=y_pt)
        return p

    def save(self, path: Any) -> None:
        self.doc.save(str(path))


def _border(paragraph: Any, side: str, *, sz: int, space: int, colour: str) -> None:
    ppr = paragraph._p.get_or_add_pPr()
    bdr = ppr.find(qn("w:pBdr"))
    if bdr is None:
        bdr = OxmlElement("w:pBdr")
        insert_ppr(ppr, bdr)
    el = OxmlElement(f"w:{side}")
    for k, v in (("val", "single"), ("sz", str(sz)), ("space", str(space)), ("color", colour)):
        el.set(qn(f"w:{k}"), v)
    bdr.append(el)


def _frame(paragraph: Any, *, width_pt: float, y_pt: float) -> None:
    """Put ``paragraph`` in a frame ``width_pt`` wide, ``y_pt`` below the top margin."""
    fp = OxmlElement("w:framePr")
    for k, v in (
        ("w", str(round(width_pt * 20))),
        ("wrap", "notBeside"),
        ("vAnchor", "margin"),
        ("hAnchor", "margin"),
        ("xAlign", "center"),
        ("y", str(round(y_pt * 20))),
    ):
        fp.set(qn(f"w:{k}"), v)
    insert_ppr(paragraph._p.get_or_add_pPr(), fp)


def fonttable(doc: Any) -> None:
    """Declare the Chinese fonts in ``word/fontTable.xml`` (charset GB2312, alternative
    names), so an application missing one substitutes a Chinese font of the same kind."""
    from lxml import etree

    part = next(r.target_part for r in doc.part.rels.values() if r.reltype.endswith("/fontTable"))
    root = etree.fromstring(part.blob)
    have = {f.get(qn("w:name")) for f in root.findall(qn("w:font"))}
    for name, (alt, panose) in _FONT_TABLE.items():
        if name in have:
            continue
        font = etree.SubElement(root, qn("w:font"))
        font.set(qn("w:name"), name)
        for tag, val in (("altName", alt), ("panose1", panose), ("charset", "86")):
            el = etree.SubElement(font, qn(f"w:{tag}"))
            el.set(qn("w:val"), val)
        fam = etree.SubElement(font, qn("w:family"))
        fam.set(qn("w:val"), "modern" if name in (FANGSONG, HEITI, KAITI) else "roman")
        pitch = etree.SubElement(font, qn("w:pitch"))
        pitch.set(qn("w:val"), "variable")
    part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
