"""Word documents (python-docx): the same sections as the HTML, with static maps as images."""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt, RGBColor

from lifecircle.reports.context import CircleReport, DistrictReport, Meta
from lifecircle.reports.docx_layout import (
    Orientation,
    Page,
    TableFit,
    add_figure,
    fit_table,
    page_number_field,
    save_docx,
    set_properties,
    set_run_fonts,
    set_widths,
)
from lifecircle.reports.strings import Text

EAST_ASIA_FONT = "Microsoft YaHei"  # Word substitutes a local CJK font when it is missing
PAGE = Page()  # A4, 2 cm margins: 17.0 x 25.7 cm of text
CAPTION_ROOM_PT = 3 * 28.35  # a figure leaves 3 cm of its page to its heading and caption
STATUS_SHADE = {"pass": "C6EFCE", "fail": "FFC7CE", "missing": "EDEDED"}
GRADE_SHADE = {"AAA": "2E8B57", "AA": "9DC3E6", "NONE": "F4B183"}
TARGET_SHADE = {"met": "C6EFCE", "open": "FFEB9C", "history": "F2F2F2", "plan_done": "F2F2F2"}


def _new_document(meta: Meta, T: Text, kind: str) -> Any:
    doc = Document()
    PAGE.apply(doc.sections[0])
    for name in ("Normal", "Title", "Heading 1", "Heading 2", "Caption"):
        st = doc.styles[name]
        set_run_fonts(st.element.get_or_add_rPr(), latin="Arial", east_asia=EAST_ASIA_FONT)
    doc.styles["Normal"].font.size = Pt(10.5)
    _remember_default_styles(doc)
    set_properties(
        doc,
        title=meta.title,
        subject=meta.district,
        author="lifecircle",
        when=date.fromisoformat(meta.report_date),
        keywords=f"{meta.district} {kind}",
        comments=(
            f"{T('checkup_date')} {meta.checkup_date} · {T('data_hash')} {meta.data_hash}"
            f" · {meta.software_version_text()}"
        ),
        category=kind,
    )
    return doc


def _remember_default_styles(doc: Any) -> None:
    """python-docx looks up the default style of a type (by scanning all ~160 styles of its
    template) for every paragraph given a style: a fifth of a circle document's time. The
    defaults never change while a report is written, so each is looked up once here; so is
    each style found by name (a style given by name is found by the same scan; styles are
    only ever added, after those of the template, so the first of a name stays the first)."""
    styles = doc.styles.element  # the one element of the styles part, for the document's life
    scan = styles.default_for
    found: dict[Any, Any] = {}

    def default_for(style_type: Any) -> Any:
        if style_type not in found:
            found[style_type] = scan(style_type)
        return found[style_type]

    by_name = styles.get_by_name
    named: dict[str, Any] = {}

    def get_by_name(name: str) -> Any:
        style = named.get(name)
        if style is None:
            style = by_name(name)
            if style is not None:  # a name not found now may be added later
                named[name] = style
        return style

    styles.default_for = default_for
    styles.get_by_name = get_by_name


def _shade(cell, hex_colour: str) -> None:
    _shade_tc(cell._tc, hex_colour)


def _shade_column(t, column: int, colours: Sequence[str]) -> None:
    """Shade cell ``column`` of each data row (row 1 on) in turn: the rows' ``<w:tc>``
    reached once (``t.rows[k]`` builds every row of the table for each ``k``)."""
    for tr, colour in zip(t._tbl.tr_lst[1:], colours, strict=False):
        _shade_tc(tr.tc_lst[column], colour)


def _shade_tc(tc, hex_colour: str) -> None:
    tcpr = tc.get_or_add_tcPr()
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), hex_colour)
    tcpr.append(shd)


def _fit(header: list[str], rows: list[list[str]], font_pt: float = 9, nowrap=()) -> TableFit:
    return fit_table(header, rows, PAGE, font_pt=font_pt, nowrap=nowrap)


def _table(doc, header: list[str], rows: list[list[str]], fit: TableFit):
    """A table laid out as ``fit`` (column widths, font size): header row shaded and
    repeated on every page, rows never split across pages."""
    font_pt = fit.font_pt
    t = doc.add_table(rows=1, cols=len(header))
    t.style = "Table Grid"
    t.alignment = WD_TABLE_ALIGNMENT.CENTER
    for j, h in enumerate(header):
        cell = t.rows[0].cells[j]
        cell.text = ""
        run = cell.paragraphs[0].add_run(h)
        run.bold = True
        run.font.size = Pt(font_pt)
        run.font.color.rgb = RGBColor(0xFF, 0xFF, 0xFF)
        _shade(cell, "1F3B5A")
    # repeat the header row on every page
    trpr = t.rows[0]._tr.get_or_add_trPr()
    th = OxmlElement("w:tblHeader")
    th.set(qn("w:val"), "true")
    trpr.append(th)
    set_widths(t, fit.widths_pt)  # before the rows: they take their widths from the grid
    # Rows are copies of one row built through python-docx (same XML, a fraction of the
    # time); a text with tabs or line breaks, which python-docx turns into <w:tab/> and
    # <w:br/>, goes through python-docx itself.
    _add_row(t, ["x"] * len(header), font_pt)
    template = t._tbl.tr_lst[-1]
    t._tbl.remove(template)
    template.get_or_add_trPr().append(OxmlElement("w:cantSplit"))
    for row in rows:
        texts = ["" if v is None else str(v) for v in row]
        tr = _copy_row(template, texts)
        if tr is None:
            _add_row(t, texts, font_pt)
        else:
            t._tbl.append(tr)
    return t


_W_T = qn("w:t")
_XML_SPACE = qn("xml:space")


def _copy_row(template: Any, texts: list[str]) -> Any | None:
    """A copy of ``template`` (a ``<w:tr>`` with one run of text per cell) holding
    ``texts``, as python-docx writes a run of each; None for a text with tabs or line
    breaks (python-docx turns those into ``<w:tab/>`` and ``<w:br/>``)."""
    if any(ch in s for s in texts for ch in "\t\r\n"):
        return None
    tr = copy.deepcopy(template)
    for el, text in zip(tr.iter(_W_T), texts, strict=True):
        if not text:
            el.getparent().remove(el)
        else:
            el.text = text
            if len(text.strip()) < len(text):
                el.set(_XML_SPACE, "preserve")
    return tr


def _add_row(t, texts: list[str], font_pt: float) -> None:
    cells = t.add_row().cells
    for j, v in enumerate(texts):
        cells[j].text = ""
        run = cells[j].paragraphs[0].add_run(v)
        run.font.size = Pt(font_pt)


DARK_RED = RGBColor(0x9C, 0x00, 0x06)


def _kv(doc, rows: list[tuple[str, str]], font_pt: float = 9.5):
    """A two-column table of label / value, labels shaded."""
    t = doc.add_table(rows=0, cols=2)
    t.style = "Table Grid"
    t.alignment = WD_TABLE_ALIGNMENT.CENTER

    def add(texts: list[str]) -> None:
        cells = t.add_row().cells
        for cell, text, bold in ((cells[0], texts[0], True), (cells[1], texts[1], False)):
            cell.text = ""
            run = cell.paragraphs[0].add_run(text)
            run.bold = bold
            run.font.size = Pt(font_pt)
        _shade(cells[0], "F0F3F7")

    # rows are copies of one row built by add() (the same XML in a fraction of the time)
    add(["x", "x"])
    template = t._tbl.tr_lst[-1]
    t._tbl.remove(template)
    for k, v in rows:
        texts = ["" if x is None else str(x) for x in (k, v)]
        tr = _copy_row(template, texts)
        if tr is None:
            add(texts)
        else:
            t._tbl.append(tr)
    set_widths(t, [4.0 * 28.35, PAGE.text_width_pt - 4.0 * 28.35])
    return t


def _notice(doc, text: str, *, colour: RGBColor = DARK_RED, size: float = 12) -> None:
    p = doc.add_paragraph()
    run = p.add_run(text)
    run.bold = True
    run.font.size = Pt(size)
    run.font.color.rgb = colour
    ppr = p._p.get_or_add_pPr()
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:fill"), "FFF3CD")
    ppr.append(shd)


def _front(doc, meta: Meta, T: Text) -> None:
    h = doc.add_heading(meta.title, level=0)
    h.alignment = WD_ALIGN_PARAGRAPH.CENTER
    if meta.generated_notice:
        _notice(doc, meta.generated_notice, size=14)
    if meta.provisional_notice:
        _notice(doc, meta.provisional_notice, colour=RGBColor(0x7F, 0x4F, 0x00), size=10)
    if meta.circles_note:
        p = doc.add_paragraph()
        p.add_run(T("circles_note") + ("：" if T.lang == "zh" else ": ")).bold = True
        p.add_run(meta.circles_note)
        for r in p.runs:
            r.font.size = Pt(9)
    _kv(doc, meta.rows(T))
    # page footer: title, data hash and version on every page
    footer = doc.sections[0].footer.paragraphs[0]
    footer.text = (
        f"{meta.title} · {T('data_hash')} {meta.data_hash[:19]} · {meta.software_version_text()}"
    )
    if meta.generated_notice:
        footer.text = meta.generated_notice + " · " + footer.text
    for r in footer.runs:
        r.font.size = Pt(8)
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    number = doc.sections[0].footer.add_paragraph()
    number.alignment = WD_ALIGN_PARAGRAPH.CENTER
    page_number_field(number, before="— ", after=" —", size_pt=9)


def _figure(doc, png: bytes, caption: str) -> None:
    """A figure within the text area, leaving room for its heading and caption."""
    add_figure(
        doc,
        png,
        caption,
        max_w_pt=PAGE.text_width_pt - 6,  # a hair inside: no pixel on the margin
        max_h_pt=PAGE.text_height_pt - CAPTION_ROOM_PT,
    )


def _shortfall_rows(rep: CircleReport, T: Text) -> list[list[str]]:
    rows = []
    for s in rep.shortfalls:
        names = T.sep().join(
            f"{a['name']}（{a['population_text']}）"
            if T.lang == "zh"
            else f"{a['name']} ({a['population_text']})"
            for a in s["affected"][:8]
        )
        if len(s["affected"]) > 8:
            names += f"{T.sep()}… ({len(s['affected'])})"
        fail = s["status"] == "fail"
        rows.append(
            [
                s["name"],
                s["status_text"],
                s["value_text"],
                s["threshold_text"],
                s["facility_text"],
                s["affected_population_text"] if fail else "—",
                (names or "—") if fail else "—",
            ]
        )
    return rows


def _places(
    doc,
    places: list[dict],
    T: Text,
    *,
    district: bool,
    orient: Orientation,
    heading: str,
    level: int,
) -> None:
    """The six-places table (学位、托位、床位、车位、厕位、梯位) under ``heading``, and its note."""
    where = "district" if district else "circle"
    last = T("place_circles_h") if district else T("status")
    header = [
        T("place"),
        T(f"place_supply_{where}"),
        T("place_need_h"),
        T("place_gap"),
        T(f"place_value_{where}"),
        last,
        T("source"),
    ]
    rows = [
        [
            p["place"],
            p["supply_text"],
            p["need_text"],
            p["gap_text"],
            p["value_text"],
            p["circles_text"] if district else p["status_text"],
            p["source"],
        ]
        for p in places
    ]
    fit = _fit(header, rows, font_pt=8)
    orient.turn(fit.landscape)
    doc.add_heading(heading, level=level)
    t = _table(doc, header, rows, fit)
    if not district:
        _shade_column(t, 5, [STATUS_SHADE.get(p["status"], "FFFFFF") for p in places])
    note = T("place_note", where=T(f"place_where_{where}"))
    doc.add_paragraph(note).runs[0].font.size = Pt(8.5)


def circle_docx(rep: CircleReport, T: Text, path: Path, figures: list[tuple[bytes, str]]) -> Path:
    """体检报告 for one circle: 概况, 指标评价, 短板清单, 补短板建议, 附图."""
    doc = _new_document(rep.meta, T, T("kind_circle_report"))
    _front(doc, rep.meta, T)
    orient = Orientation(doc, PAGE)

    doc.add_heading(T("s_overview"), level=1)
    _kv(doc, rep.overview)
    doc.add_paragraph(T("grade_disclaimer")).runs[0].italic = True

    header = [
        T("indicator"),
        T("category"),
        T("value"),
        T("threshold"),
        T("status"),
        T("responsible_units"),
        T("source"),
        T("verified"),
    ]
    rows = [
        [
            i["name"],
            i["category_text"],
            i["value_text"],
            i["threshold_text"],
            i["status_text"],
            i["responsible_text"],
            i["source"] + (f"（{i['remark']}）" if i["remark"] else ""),
            i["verified_text"],
        ]
        for i in rep.indicators
    ]
    fit = _fit(header, rows, font_pt=8)
    orient.turn(fit.landscape)
    doc.add_heading(T("s_indicators"), level=1)
    t = _table(doc, header, rows, fit)
    _shade_column(t, 4, [STATUS_SHADE.get(i["status"], "FFFFFF") for i in rep.indicators])
    if rep.places:
        _places(doc, rep.places, T, district=False, orient=orient, heading=T("s_places"), level=2)

    if not rep.shortfalls:
        orient.turn(False)
        doc.add_heading(T("s_shortfalls"), level=1)
        doc.add_paragraph(T("no_shortfalls"))
    else:
        header = [
            T("indicator"),
            T("status"),
            T("value"),
            T("threshold"),
            T("facility_categories"),
            T("affected_population"),
            T("affected_compounds"),
        ]
        rows = _shortfall_rows(rep, T)
        fit = _fit(header, rows, font_pt=8)
        orient.turn(fit.landscape)
        doc.add_heading(T("s_shortfalls"), level=1)
        if rep.n_fail:
            doc.add_paragraph(
                T(
                    "n_shortfalls",
                    n=rep.n_fail,
                    pop=f"{rep.affected_total:,.0f}",
                    n_comp=rep.affected_compounds_total,
                )
            )
        if rep.n_missing:
            doc.add_paragraph(T("n_missing", n=rep.n_missing))
        doc.paragraphs[-1].paragraph_format.keep_with_next = True
        t = _table(doc, header, rows, fit)
        _shade_column(t, 1, [STATUS_SHADE.get(s["status"], "FFFFFF") for s in rep.shortfalls])

    orient.turn(False)
    doc.add_heading(T("s_suggestions"), level=1)
    if not rep.suggestions and not rep.missing_note:
        doc.add_paragraph(T("no_shortfalls"))
    for s in rep.suggestions:
        p = doc.add_paragraph(style="List Number")
        p.add_run(s["title"] + ("：" if T.lang == "zh" else ": ")).bold = True
        p.add_run(" ".join(s["lines"]))
    if rep.missing_note:
        doc.add_paragraph(rep.missing_note)

    doc.add_heading(T("s_figures"), level=1)
    for n, (png, caption) in enumerate(figures, 1):
        _figure(doc, png, caption.format(n=n) if "{n}" in caption else caption)
    save_docx(doc, path)
    return path


def district_docx(
    rep: DistrictReport,
    T: Text,
    path: Path,
    map_png: bytes,
    chapters: Sequence[Callable[[Any, Orientation], None]] = (),
) -> Path:
    """District report: overview, grade map, circles x constraint indicators, targets."""
    doc = _new_document(rep.meta, T, T("kind_district_report"))
    _front(doc, rep.meta, T)
    orient = Orientation(doc, PAGE)
    doc.add_heading(T("d_overview"), level=1)
    _kv(doc, rep.overview)
    doc.add_paragraph(T("grade_disclaimer")).runs[0].italic = True

    doc.add_heading(T("d_map"), level=1)
    _figure(doc, map_png, T("fig_district", n=1))

    ids = rep.constraint_ids
    # indicator ids are too long for narrow columns: number them, and list the numbers
    legend = ("；" if T.lang == "zh" else "; ").join(
        f"{n} = {rep.constraint_names[k]}" for n, k in enumerate(ids, 1)
    )
    header = [T("circle_id"), T("name"), T("grade"), *[str(n) for n in range(1, len(ids) + 1)]]
    mark = {"pass": "✓", "fail": "✗", "missing": "?"}
    rows = [
        [c["id"], c["name"], c["grade_text"], *[mark[c["cells"][k]] for k in ids]]
        for c in rep.circles
    ]
    fit = _fit(header, rows, font_pt=8, nowrap=[j for j in range(len(header)) if j != 1])
    orient.turn(fit.landscape)
    doc.add_heading(T("d_matrix"), level=1)
    p = doc.add_paragraph(legend)
    p.runs[0].font.size = Pt(8.5)
    p.paragraph_format.keep_with_next = True
    t = _table(doc, header, rows, fit)
    for tr, c in zip(t._tbl.tr_lst[1:], rep.circles, strict=False):
        _shade_tc(tr.tc_lst[2], GRADE_SHADE.get(c["grade"], "FFFFFF"))
        for j, k in enumerate(ids, 3):
            _shade_tc(tr.tc_lst[j], STATUS_SHADE[c["cells"][k]])

    if rep.targets:
        header = [
            T("target_item"),
            T("deadline"),
            T("target_required"),
            T("target_current"),
            T("target_status"),
        ]
        rows = [
            [x["label"], x["deadline"], x["required_text"], x["current_text"], x["status_text"]]
            for x in rep.targets
        ]
        fit = _fit(header, rows, font_pt=8.5)
        orient.turn(fit.landscape)
        doc.add_heading(T("d_targets"), level=1)
        t = _table(doc, header, rows, fit)
        _shade_column(t, 4, [TARGET_SHADE[x["status"]] for x in rep.targets])
        for note in (T("target_plan_source"), T("target_year_note")):
            doc.add_paragraph(note).runs[0].font.size = Pt(8.5)

    if not rep.district_indicators:
        orient.turn(False)
        doc.add_heading(T("d_district_indicators"), level=1)
        doc.add_paragraph(T("no_district_indicators"))
    else:
        header = [
            T("indicator"),
            T("value"),
            T("threshold"),
            T("status"),
            T("deadline"),
            T("plan_item"),
            T("source"),
        ]
        rows = [
            [
                i["name"],
                i["value_text"],
                i["threshold_text"],
                i["status_text"],
                i["deadline"] or "—",
                i["plan_item"] or "—",
                i["source"],
            ]
            for i in rep.district_indicators
        ]
        fit = _fit(header, rows, font_pt=8.5)
        orient.turn(fit.landscape)
        doc.add_heading(T("d_district_indicators"), level=1)
        t = _table(doc, header, rows, fit)
        _shade_column(
            t, 3, [STATUS_SHADE.get(i["status"], "FFFFFF") for i in rep.district_indicators]
        )
    if rep.places:
        _places(doc, rep.places, T, district=True, orient=orient, heading=T("d_places"), level=1)
    for chapter in chapters:  # further chapters (reports.mobility), each given doc and orient
        chapter(doc, orient)
    save_docx(doc, path)
    return path
