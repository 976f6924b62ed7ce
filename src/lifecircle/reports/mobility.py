"""The district report's chapter on mobility: matching degree (匹配程度) by circle, the
proposed circle boundaries and observed use against walking access, in Word, Excel and HTML.

Built from a `lifecircle.mobility.results.MobilityResult` (aggregates only) and the
checkup's circles; words in Chinese, with English for ``--lang en``.
"""

from __future__ import annotations

import base64
import math
from dataclasses import dataclass, field
from typing import Any

from lifecircle.checkup import CheckupFolder
from lifecircle.mobility.results import MobilityResult
from lifecircle.reports.strings import Text

__all__ = ["MobilitySection", "build_mobility_section", "mobility_png"]

#: classes of the matching index and their colours (GnBu: readable without colour vision)
BREAKS = (0.4, 0.55, 0.7, 0.85)
COLOURS = ("#f0f9e8", "#bae4bc", "#7bccc4", "#43a2ca", "#0868ac")
NO_DATA = "#d9d9d9"
LINE = "#b2182b"

_WORDS: dict[str, dict[str, str]] = {
    "zh": {
        "title": "出行与生活圈匹配",
        "intro": "依据出行数据（只用不少于 {k} 台设备的聚合结果），衡量居民到访公共服务设施的出行与生活圈是否匹配，"
        "并按社区之间的实际出行联系提出生活圈划分建议。",
        "generated": "出行数据为合成的示例数据（非真实定位数据），仅供演示。",
        "trips": "居民到访设施（人次）",
        "own": "留在本圈",
        "own_long": "到访设施留在本生活圈的比例",
        "visits_own": "本圈设施由本圈居民使用",
        "match": "匹配程度",
        "within": "{m:g} 分钟步行内",
        "walk": "平均步行（米）",
        "nearest": "到最近一处（米）",
        "to_nearest": "去最近的一处",
        "bypass": "舍近求远",
        "circle": "生活圈",
        "name": "名称",
        "category": "设施类别",
        "proposed": "建议生活圈",
        "communities": "社区数",
        "population": "人口",
        "area": "面积（km²）",
        "self": "自足率",
        "capture": "吸引内部占比",
        "contiguous": "空间连续",
        "yes": "是",
        "no": "否",
        "h_circles": "各生活圈匹配程度",
        "h_proposed": "生活圈划分建议",
        "h_categories": "各类设施：实际使用与步行可达",
        "h_moved": "建议调整归属的社区",
        "community": "社区",
        "current": "现状生活圈",
        "h_map": "匹配程度与建议边界",
        "fig": "图{n} 各生活圈匹配程度与建议生活圈边界（虚线）",
        "match_note": "匹配程度为“到访设施留在本圈的比例”与“本圈设施由本圈居民使用的比例”的调和平均，1 为完全匹配。",
        "proposed_note": "依据社区之间的实际出行联系，在步行相邻的社区之间划分；社区不拆分，每个生活圈空间连续。"
        "自足率：从该圈出发的出行中终点仍在圈内的比例。",
        "comparison": "与现状生活圈相比：调整兰德指数（ARI）{ari:.3f}，标准化互信息（NMI）{nmi:.3f}（1 为完全一致）；"
        "{kept} 个生活圈原样保留，调整归属的社区 {moved} 个。",
        "category_note": "“舍近求远”：路过更近的同类设施而去更远的一处（步行距离沿路网计算）。",
        "privacy": "个人信息保护：只使用不少于 {k} 台设备的聚合结果，不含任何设备编号、停留点或轨迹。",
        "legend_none": "无数据",
        "legend_line": "建议生活圈边界",
        "sheet_circles": "匹配程度",
        "sheet_proposed": "划分建议",
        "sheet_categories": "设施使用与可达",
        "ov_trips": "居民到访设施出行（人次）",
        "ov_own": "到访设施留在本圈",
        "ov_within": "{m:g} 分钟步行内",
        "ov_bypass": "舍近求远",
        "ov_proposed": "建议生活圈（个）",
        "ov_self": "建议生活圈的圈内自足率",
        "warnings": "注意",
    },
    "en": {
        "title": "Mobility and life circles",
        "intro": "From mobility data (aggregates of at least {k} devices only): how well residents' trips to "
        "public facilities match their life circles, and circles proposed from the trips communities share.",
        "generated": "The mobility data are synthetic (not real location data), for demonstration only.",
        "trips": "Residents' facility trips",
        "own": "Within own circle",
        "own_long": "Share of facility trips within the own circle",
        "visits_own": "Visits by own residents",
        "match": "Matching index",
        "within": "Within {m:g} min walk",
        "walk": "Mean walk (m)",
        "nearest": "To nearest (m)",
        "to_nearest": "To the nearest",
        "bypass": "Walk past a nearer one",
        "circle": "Circle",
        "name": "Name",
        "category": "Category",
        "proposed": "Proposed circle",
        "communities": "Communities",
        "population": "Population",
        "area": "Area (km²)",
        "self": "Self-containment",
        "capture": "Capture",
        "contiguous": "Contiguous",
        "yes": "yes",
        "no": "no",
        "h_circles": "Matching index by circle",
        "h_proposed": "Proposed circles",
        "h_categories": "Facility use against walking access",
        "h_moved": "Communities proposed to move",
        "community": "Community",
        "current": "Current circle",
        "h_map": "Matching index and proposed boundaries",
        "fig": "Figure {n}. Matching index by circle, proposed circle boundaries (dashed)",
        "match_note": "The matching index is the harmonic mean of the share of residents' facility trips "
        "within their circle and the share of a circle's facility visits made by its residents; 1 is a perfect match.",
        "proposed_note": "Communities grouped by the trips they share, over walkable adjacency; communities are "
        "never split and every circle is contiguous. Self-containment: share of trips from a circle ending in it.",
        "comparison": "Against the current circles: adjusted Rand index {ari:.3f}, NMI {nmi:.3f} (1 = identical); "
        "{kept} circles kept whole, {moved} communities moved.",
        "category_note": "'Walk past a nearer one': a trip to a farther facility of the category than the nearest.",
        "privacy": "Privacy: aggregates of at least {k} devices only; no device id, stay point or track.",
        "legend_none": "No data",
        "legend_line": "Proposed boundary",
        "sheet_circles": "Matching",
        "sheet_proposed": "Proposed circles",
        "sheet_categories": "Facility use",
        "ov_trips": "Residents' facility trips",
        "ov_own": "Within own circle",
        "ov_within": "Within {m:g} min walk",
        "ov_bypass": "Walk past a nearer one",
        "ov_proposed": "Proposed circles",
        "ov_self": "Self-containment of proposed circles",
        "warnings": "Notes",
    },
}


def _fin(x: Any) -> float | None:
    if x is None:
        return None
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(v) or math.isinf(v) else v


def pct(x: Any) -> str:
    v = _fin(x)
    return "—" if v is None else f"{v:.1%}"


def num(x: Any, digits: int = 0) -> str:
    v = _fin(x)
    return "—" if v is None else f"{v:,.{digits}f}"


def colour(x: Any) -> str:
    v = _fin(x)
    if v is None:
        return NO_DATA
    for b, c in zip(BREAKS, COLOURS, strict=False):
        if v < b:
            return c
    return COLOURS[-1]


@dataclass
class MobilitySection:
    """What the chapter says, for every format alike (raw values and their texts)."""

    words: dict[str, str]
    k: int
    minutes: float
    note: str | None
    overview: list[tuple[str, str]]
    circles: list[dict[str, Any]]
    proposed: list[dict[str, Any]]
    categories: list[dict[str, Any]]
    comparison_text: str | None
    warnings: list[str]
    moved: list[dict[str, str]] = field(default_factory=list)
    chapter: int = 7  # the chapter's number in the district report
    map_png: bytes | None = None
    legend: list[tuple[str, str]] = field(default_factory=list)

    def w(self, key: str, **kw: Any) -> str:
        return self.words[key].format(**kw) if kw else self.words[key]

    @property
    def heading(self) -> str:
        if self.words is _WORDS["en"]:
            return f"{self.chapter}. {self.w('title')}"
        return f"{'一二三四五六七八九十'[self.chapter - 1]}、{self.w('title')}"

    @property
    def intro(self) -> str:
        return self.w("intro", k=self.k)

    @property
    def map_data_uri(self) -> str | None:
        if self.map_png is None:
            return None
        return "data:image/png;base64," + base64.b64encode(self.map_png).decode("ascii")

    def circle_table(self) -> tuple[list[str], list[list[str]]]:
        header = [
            self.w("circle"),
            self.w("name"),
            self.w("trips"),
            self.w("own"),
            self.w("visits_own"),
            self.w("match"),
            self.w("within", m=self.minutes),
            self.w("walk"),
        ]
        rows = [
            [
                c["id"],
                c["name"],
                num(c["resident_trips"]),
                pct(c["own_circle_share"]),
                pct(c["visits_by_own_residents_share"]),
                "—" if c["match_index"] is None else f"{c['match_index']:.2f}",
                pct(c["within_limit_share"]),
                num(c["mean_walk_m"]),
            ]
            for c in self.circles
        ]
        return header, rows

    def proposed_table(self) -> tuple[list[str], list[list[str]]]:
        header = [
            self.w("proposed"),
            self.w("communities"),
            self.w("population"),
            self.w("area"),
            self.w("self"),
            self.w("capture"),
            self.w("contiguous"),
        ]
        rows = [
            [
                p["id"],
                str(p["communities"]),
                num(p["population"]),
                num(p["area_km2"], 2),
                pct(p["self_containment"]),
                pct(p["capture"]),
                self.w("yes") if p["contiguous"] else self.w("no"),
            ]
            for p in self.proposed
        ]
        return header, rows

    def moved_table(self) -> tuple[list[str], list[list[str]]]:
        header = [self.w("community"), self.w("current"), self.w("proposed")]
        return header, [[m["community"], m["current"], m["proposed"]] for m in self.moved]

    def category_table(self) -> tuple[list[str], list[list[str]]]:
        header = [
            self.w("category"),
            self.w("trips"),
            self.w("own"),
            self.w("to_nearest"),
            self.w("bypass"),
            self.w("walk"),
            self.w("nearest"),
        ]
        rows = [
            [
                c["name"],
                num(c["trips"]),
                pct(c["own_circle_share"]),
                pct(c["to_nearest_share"]),
                pct(c["bypass_share"]),
                num(c["mean_walk_m"]),
                num(c["mean_nearest_m"]),
            ]
            for c in self.categories
        ]
        return header, rows


def build_mobility_section(
    mob: MobilityResult,
    ck: CheckupFolder,
    T: Text,
    *,
    notice: str | None = None,
    chapter: int = 7,
) -> MobilitySection:
    """The chapter: figures, tables and the map, from a mobility result and the checkup."""
    words = _WORDS["en" if T.lang == "en" else "zh"]
    names = {c.id: (c.name or c.id) for c in ck.result.circles}
    match = mob.summary.get("match", {})
    delin = mob.summary.get("delineation")
    comp = mob.summary.get("comparison")
    m = mob.minutes

    def word(key: str, **kw: Any) -> str:
        return words[key].format(**kw) if kw else words[key]

    overview = [
        (word("ov_trips"), num(match.get("trips"))),
        (word("ov_own"), pct(match.get("own_circle_share"))),
        (word("ov_within", m=m), pct(match.get("within_limit_share"))),
        (word("ov_bypass"), pct(match.get("bypass_share"))),
    ]
    if delin:
        overview += [
            (word("ov_proposed"), str(delin.get("circles", "—"))),
            (word("ov_self"), pct(delin.get("self_containment"))),
        ]
    circles = [
        {
            "id": str(r["circle_id"]),
            "name": names.get(str(r["circle_id"]), "—"),
            **{
                k: _fin(r[k])
                for k in (
                    "resident_trips",
                    "own_circle_share",
                    "visits_by_own_residents_share",
                    "match_index",
                    "within_limit_share",
                    "mean_walk_m",
                )
            },
        }
        for r in mob.circles.to_dict("records")
    ]
    proposed = []
    if mob.proposed is not None:
        proposed = [
            {
                "id": str(r["circle_id"]),
                "communities": int(r["communities"]),
                "population": _fin(r["population"]),
                "area_km2": _fin(r["area_km2"]),
                "self_containment": _fin(r["self_containment"]),
                "capture": _fin(r["capture"]),
                "contiguous": bool(r["contiguous"]),
            }
            for r in mob.proposed.drop(columns="geometry").to_dict("records")
        ]
    categories = [
        {
            "id": str(r["category"]),
            "name": T.category(str(r["category"])),
            **{
                k: _fin(r[k])
                for k in (
                    "trips",
                    "own_circle_share",
                    "to_nearest_share",
                    "bypass_share",
                    "mean_walk_m",
                    "mean_nearest_m",
                )
            },
        }
        for r in mob.categories.to_dict("records")
    ]
    comparison_text = None
    if comp:
        comparison_text = word(
            "comparison",
            ari=float(comp.get("adjusted_rand_index", float("nan"))),
            nmi=float(comp.get("normalized_mutual_info", float("nan"))),
            kept=comp.get("kept_whole", "—"),
            moved=comp.get("communities_moved", "—"),
        )
    moved = []
    if mob.proposed is not None:
        comm = mob.communities.dropna(subset=["proposed_circle", "circle_id"])
        for r in comm.to_dict("records"):
            if str(r["proposed_circle"]) != str(r["circle_id"]):
                moved.append(
                    {
                        "community": str(r["community_id"]),
                        "current": str(r["circle_id"]),
                        "proposed": str(r["proposed_circle"]),
                    }
                )
    sec = MobilitySection(
        words=words,
        k=mob.k,
        minutes=m,
        note=word("generated") if mob.generated else None,
        overview=overview,
        circles=circles,
        proposed=proposed,
        categories=categories,
        comparison_text=comparison_text,
        warnings=list(mob.warnings),
        moved=moved,
        chapter=chapter,
    )
    sec.legend = [
        (c, label)
        for c, label in zip(
            COLOURS,
            ["< 0.4", "0.4–0.55", "0.55–0.7", "0.7–0.85", "≥ 0.85"],
            strict=True,
        )
    ]
    sec.map_png = mobility_png(ck, sec, mob, T, notice=notice)
    return sec


def mobility_png(
    ck: CheckupFolder,
    sec: MobilitySection,
    mob: MobilityResult,
    T: Text,
    *,
    notice: str | None = None,
) -> bytes:
    """The checkup's circles coloured by matching index; proposed boundaries dashed."""
    import matplotlib.pyplot as plt
    import numpy as np
    from matplotlib.artist import Artist
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    from lifecircle.reports import fonts
    from lifecircle.reports.maps import _decorate, _frame, _png, _polys

    cm = ck.metric("circles")
    index_of = {c["id"]: c["match_index"] for c in sec.circles}
    fills = [colour(index_of.get(str(cid))) for cid in cm["circle_id"]]
    proposed = None
    if mob.proposed is not None and mob.proposed.geometry.notna().any():
        proposed = mob.proposed[mob.proposed.geometry.notna()].to_crs(cm.crs)
    bounds = np.asarray(cm.total_bounds)
    if proposed is not None:
        pb = proposed.total_bounds
        bounds = np.array(
            [
                min(bounds[0], pb[0]),
                min(bounds[1], pb[1]),
                max(bounds[2], pb[2]),
                max(bounds[3], pb[3]),
            ]
        )
    import matplotlib

    with matplotlib.rc_context(fonts.rc()):
        fig, ax = plt.subplots(figsize=(7.5, 7.0))
        _frame(ax, bounds, pad=0.04)
        _polys(ax, cm.geometry, facecolor=fills, edgecolor="white", linewidth=1.0, zorder=2)
        if proposed is not None:
            # each shared edge once (two outlines drawn over each other lose their dashes)
            import shapely
            from matplotlib.collections import LineCollection

            edges = shapely.line_merge(
                shapely.union_all(shapely.boundary(proposed.geometry.values))
            )
            parts = [np.asarray(g.coords)[:, :2] for g in shapely.get_parts(edges)]
            ax.add_collection(
                LineCollection(
                    parts, colors=LINE, linewidths=1.6, linestyles=(0, (4, 2.5)), zorder=4
                )
            )
        fs = 8 if len(cm) <= 30 else 6.5
        for cid, geom, fc in zip(cm["circle_id"], cm.geometry, fills, strict=True):
            p = geom.representative_point()
            dark = fc in COLOURS[3:]
            ax.text(p.x, p.y, cid, ha="center", va="center", fontsize=fs,
                    color="white" if dark else "#222222", zorder=5)  # fmt: skip
        if sec.note:  # one short line for the geometry's notice and the trips'
            zh = T.lang == "zh"
            if notice:
                notice = (
                    "示例数据：几何与出行均为生成数据"
                    if zh
                    else "Demo: generated geometry and trips"
                )
            else:
                notice = "出行为合成数据" if zh else "Synthetic trips"
        _decorate(ax, T, notice)
        handles: list[Artist] = [
            Patch(facecolor=c, edgecolor="#555555", label=lab) for c, lab in sec.legend
        ]
        handles.append(Patch(facecolor=NO_DATA, edgecolor="#555555", label=sec.w("legend_none")))
        if proposed is not None:
            handles.append(
                Line2D(
                    [0],
                    [0],
                    color=LINE,
                    linestyle=(0, (4, 2.5)),
                    lw=1.6,
                    label=sec.w("legend_line"),
                )
            )
        ax.legend(
            handles=handles,
            title=sec.w("match"),
            loc="upper center",
            bbox_to_anchor=(0.5, -0.01),
            ncol=4,
            fontsize=8.5,
            title_fontsize=9,
            frameon=False,
        )
        return _png(fig)


def add_docx(doc: Any, sec: MobilitySection, T: Text, orient: Any, *, figure: int) -> None:
    """The chapter in a Word document (after the district report's other chapters)."""
    from docx.shared import Pt

    from lifecircle.reports.word import _figure, _fit, _kv, _notice, _shade, _table

    orient.turn(False)
    doc.add_heading(sec.heading, level=1)
    if sec.note:
        _notice(doc, sec.note, size=11)
    doc.add_paragraph(sec.intro)
    _kv(doc, sec.overview)
    if sec.map_png is not None:
        _figure(doc, sec.map_png, sec.w("fig", n=figure))
    header, rows = sec.circle_table()
    fit = _fit(header, rows, font_pt=8.5, nowrap=[0])
    orient.turn(fit.landscape)
    doc.add_heading(sec.w("h_circles"), level=2)
    t = _table(doc, header, rows, fit)
    for r, c in enumerate(sec.circles, 1):
        _shade(t.rows[r].cells[5], colour(c["match_index"]).lstrip("#").upper())
        if colour(c["match_index"]) in COLOURS[3:]:
            for run in t.rows[r].cells[5].paragraphs[0].runs:
                run.font.color.rgb = _white()
    doc.add_paragraph(sec.w("match_note")).runs[0].font.size = Pt(8.5)
    if sec.proposed:
        header, rows = sec.proposed_table()
        fit = _fit(header, rows, font_pt=8.5)
        orient.turn(fit.landscape)
        doc.add_heading(sec.w("h_proposed"), level=2)
        doc.add_paragraph(sec.w("proposed_note"))
        if sec.comparison_text:
            doc.add_paragraph(sec.comparison_text)
        _table(doc, header, rows, fit)
    if sec.moved:
        header, rows = sec.moved_table()
        fit = _fit(header, rows, font_pt=8.5)
        orient.turn(fit.landscape)
        doc.add_heading(sec.w("h_moved"), level=2)
        _table(doc, header, rows, fit)
    if sec.categories:
        header, rows = sec.category_table()
        fit = _fit(header, rows, font_pt=8.5)
        orient.turn(fit.landscape)
        doc.add_heading(sec.w("h_categories"), level=2)
        _table(doc, header, rows, fit)
        doc.add_paragraph(sec.w("category_note")).runs[0].font.size = Pt(8.5)
    for w in sec.warnings:
        text = f"{sec.w('warnings')}：{w}" if T.lang == "zh" else f"Note: {w}"
        doc.add_paragraph(text).runs[0].font.size = Pt(8.5)
    doc.add_paragraph(sec.w("privacy", k=sec.k)).runs[0].font.size = Pt(8.5)


def _white() -> Any:
    from docx.shared import RGBColor

    return RGBColor(0xFF, 0xFF, 0xFF)


def add_sheets(wb: Any, sec: MobilitySection) -> None:
    """Three sheets: matching by circle (numbers, percentages), proposed circles, categories."""
    from openpyxl.styles import PatternFill

    from lifecircle.reports.excel import DEC2, INT, _table

    pct_fmt = "0.0%"
    ws = wb.create_sheet(sec.w("sheet_circles"))
    header, _ = sec.circle_table()
    rows = [
        [
            c["id"],
            c["name"],
            c["resident_trips"],
            c["own_circle_share"],
            c["visits_by_own_residents_share"],
            c["match_index"],
            c["within_limit_share"],
            c["mean_walk_m"],
        ]
        for c in sec.circles
    ]
    fills = [
        PatternFill("solid", fgColor=colour(c["match_index"]).lstrip("#").upper())
        for c in sec.circles
    ]
    _table(
        ws,
        header,
        rows,
        {3: INT, 4: pct_fmt, 5: pct_fmt, 6: DEC2, 7: pct_fmt, 8: INT},
        fill=lambda i, j, v: fills[i] if j == 6 else None,
        freeze="C2",
    )
    ws.append([])
    for text in (sec.note, sec.w("match_note"), sec.w("privacy", k=sec.k), *sec.warnings):
        if text:
            ws.append([text])
    if sec.proposed:
        ws = wb.create_sheet(sec.w("sheet_proposed"))
        header, _ = sec.proposed_table()
        rows = [
            [
                p["id"],
                p["communities"],
                p["population"],
                p["area_km2"],
                p["self_containment"],
                p["capture"],
                sec.w("yes") if p["contiguous"] else sec.w("no"),
            ]
            for p in sec.proposed
        ]
        _table(ws, header, rows, {2: INT, 3: INT, 4: DEC2, 5: pct_fmt, 6: pct_fmt})
        ws.append([])
        for text in (sec.w("proposed_note"), sec.comparison_text):
            if text:
                ws.append([text])
        if sec.moved:
            ws.append([])
            ws.append([sec.w("h_moved")])
            header, rows = sec.moved_table()
            ws.append(header)
            for row in rows:
                ws.append(row)
    if sec.categories:
        ws = wb.create_sheet(sec.w("sheet_categories"))
        header, _ = sec.category_table()
        rows = [
            [
                c["name"],
                c["trips"],
                c["own_circle_share"],
                c["to_nearest_share"],
                c["bypass_share"],
                c["mean_walk_m"],
                c["mean_nearest_m"],
            ]
            for c in sec.categories
        ]
        _table(ws, header, rows, {2: INT, 3: pct_fmt, 4: pct_fmt, 5: pct_fmt, 6: INT, 7: INT})
        ws.append([])
        ws.append([sec.w("category_note")])
