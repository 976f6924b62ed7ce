"""Self-contained HTML pages: Leaflet and ECharts inlined from the package, no network needed."""

from __future__ import annotations

import base64
import itertools
import json
import re
from functools import cache
from importlib import resources

import jinja2
import numpy as np

from lifecircle.checkup import CheckupFolder
from lifecircle.reports.context import DIST_BANDS, CircleReport, DistrictReport
from lifecircle.reports.data import finite
from lifecircle.reports.fonts import WEB_FONT_FAMILY, web_font_url
from lifecircle.reports.maps import BAND_COLOURS, GRADE_COLOURS, GRADE_TEXT
from lifecircle.reports.strings import Text

_JS_KEYS = (
    "population",
    "nearest_m",
    "unreachable",
    "html_service_areas",
    "html_facilities",
    "html_compounds",
    "status_fail",
    "chart_indicators",
    "chart_distance",
    "chart_grades",
)


@cache
def _static(name: str) -> str:
    return (resources.files("lifecircle.reports") / "static" / name).read_text("utf-8")


@cache
def _leaflet_css() -> str:
    """leaflet.css with its images inlined as data URIs (a file:// page must not fetch them)."""
    css = _static("leaflet/leaflet.css")
    images = resources.files("lifecircle.reports") / "static" / "leaflet" / "images"

    def inline(m: re.Match) -> str:
        data = (images / m.group(1)).read_bytes()
        return f"url(data:image/png;base64,{base64.b64encode(data).decode('ascii')})"

    css = re.sub(r"url\(images/([\w.-]+\.png)\)", inline, css)
    return css.replace("url(#default#VML)", "none")


@cache
def _env() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("lifecircle.reports", "templates"),
        autoescape=jinja2.select_autoescape(["html"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _json(obj) -> str:
    # "</" would end the inline <script>; U+2028/9 break older JS parsers.
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return text.replace("</", "<\\/").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def _geojson(gdf, props: list[str]) -> dict:
    """GeoJSON with coordinates rounded to ~0.1 m, keeping only ``props``."""
    import shapely

    geoms = shapely.set_precision(gdf.geometry.values, 1e-6)
    feats = []
    for geom, (_, row) in zip(geoms, gdf[props].iterrows(), strict=True):
        feats.append(
            {
                "type": "Feature",
                "geometry": shapely.geometry.mapping(geom),
                "properties": {k: _plain(row[k]) for k in props},
            }
        )
    return {"type": "FeatureCollection", "features": feats}


def _plain(v):
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float) and not np.isfinite(v):
        return None
    return v


def _common(meta, T: Text, tiles: dict | None) -> dict:
    return {
        "lang": T.lang,
        "font_family": WEB_FONT_FAMILY,
        "font_sample": meta.title,
        "tiles": tiles,
        "strings": {k: T(k) for k in _JS_KEYS},
        "bands": list(DIST_BANDS),
        "band_colours": list(BAND_COLOURS[: len(DIST_BANDS) + 1]),
        "band_labels": [T("band_le", r=DIST_BANDS[0])]
        + [T("band_range", a=a, b=b) for a, b in itertools.pairwise(DIST_BANDS)]
        + [T("band_gt", r=DIST_BANDS[-1])],
    }


_SCRIPTS = {
    "leaflet_js": "leaflet/leaflet.js",
    "echarts_js": "echarts/echarts.common.min.js",
    "app_js": "report.js",
}


def prepare_circle_page() -> None:
    """Compile the circle page's template and read the assets every page inlines (both
    kept for the process): done once before the report workers are forked, not in each."""
    _env().get_template("circle.html")
    _leaflet_css()
    for name in _SCRIPTS.values():
        _static(name)


def _page(template: str, meta, T: Text, data: dict, **ctx) -> str:
    return (
        _env()
        .get_template(template)
        .render(
            meta=meta,
            meta_rows=meta.rows(T),
            T=T,
            lang=T.lang,
            data_json=_json(data),
            leaflet_css=_leaflet_css(),
            **{key: _static(name) for key, name in _SCRIPTS.items()},
            font_family=WEB_FONT_FAMILY,
            font_url=web_font_url(),
            **ctx,
        )
    )


def circle_html(ck: CheckupFolder, rep: CircleReport, T: Text, tiles: dict | None = None) -> str:
    cid = rep.circle.id
    circles = ck.circles
    # only the columns the page shows are taken along (the layers have 100-200 columns)
    shown = circles[["circle_id", "name", circles.geometry.name]]
    me = shown[circles["circle_id"] == cid]
    # neighbours: circles touching a 1 km margin around this one
    cm = ck.metric("circles")
    zone_m = cm.geometry[cm["circle_id"] == cid].buffer(1000)
    zone = zone_m.to_crs(circles.crs).iloc[0]
    nb = shown[(circles["circle_id"] != cid) & circles.intersects(zone)]
    every = ck.compounds
    used = {"id", "name", "population", every.geometry.name}
    comp = every.loc[
        every["circle_id"] == cid,
        [c for c in every.columns if c in used or c.startswith("nearest_m__")],
    ]
    dist_cats = [c for c in rep.focus_categories if f"nearest_m__{c}" in comp.columns]
    dist_cats += [
        c.split("__", 1)[1]
        for c in comp.columns
        if c.startswith("nearest_m__") and c.split("__", 1)[1] not in dist_cats
    ]
    # the rows' values as iterrows gives them (DataFrame.values), without a Series per row
    at = {c: i for i, c in enumerate(comp.columns)}
    name_at = at.get("name", at["id"])
    dist_at = [(c, at[f"nearest_m__{c}"]) for c in dist_cats]
    compounds = [
        {
            "id": v[at["id"]],
            "name": str(v[name_at]),
            "pop": int(finite(v[at["population"]]) or 0),
            "lat": round(v[at["geometry"]].y, 6),
            "lon": round(v[at["geometry"]].x, 6),
            "d": {c: (None if finite(v[j]) is None else round(float(v[j]), 1)) for c, j in dist_at},
        }
        for v in comp.values
    ]
    # facilities in and near the circle, of the categories the map can colour by: the page
    # shows those of the chosen category only (all ~30 at once are unreadable)
    facilities = []
    if rep.facilities is not None:
        sub = rep.facilities[rep.facilities["category"].isin(dist_cats)]
        facilities = [
            [round(y, 6), round(x, 6), str(n), str(c), bool(i)]
            for y, x, n, c, i in zip(
                sub.geometry.y,
                sub.geometry.x,
                sub["name"].astype(str),
                sub["category"],
                sub["in_circle"],
                strict=True,
            )
        ]
    areas = {}
    if ck.service_areas is not None:
        sa = ck.service_areas
        for cat in rep.focus_categories:
            r = rep.radius_for.get(cat)
            rows = sa[(sa["category"] == cat) & (sa["radius_m"] == r)] if r else sa.iloc[:0]
            rows = rows.clip(zone) if len(rows) else rows
            rows = rows[~rows.geometry.is_empty]
            if len(rows):
                areas[cat] = {
                    "label": T("map_service_area", cat=T.category(cat), r=f"{r:g}"),
                    "geojson": _geojson(rows, ["category", "radius_m"]),
                }
    data = _common(rep.meta, T, tiles) | {
        "kind": "circle",
        "circle": _geojson(me, ["circle_id", "name"]),
        "neighbours": _geojson(nb, ["circle_id"]),
        "compounds": compounds,
        "facilities": facilities,
        "distance_categories": [{"id": c, "label": T.category(c)} for c in dist_cats],
        "service_areas": areas,
        "indicators": [
            {
                k: i[k]
                for k in (
                    "id",
                    "name",
                    "ratio",
                    "status",
                    "value_text",
                    "threshold_text",
                    "status_text",
                )
            }
            for i in rep.indicators
        ],
        "distance_profile": rep.distance_profile,
    }
    n_bars = sum(1 for i in rep.indicators if i["ratio"] is not None)
    return _page(
        "circle.html",
        rep.meta,
        T,
        data,
        rep=rep,
        total_affected=f"{rep.affected_total:,.0f}",
        chart_height=max(320, 80 + 21 * n_bars),
        distance_height=max(260, 130 + 30 * len(rep.distance_profile)),
    )


def district_html(
    ck: CheckupFolder, rep: DistrictReport, T: Text, tiles: dict | None = None
) -> str:
    by_id = {c["id"]: c for c in rep.circles}
    g = ck.circles[["circle_id", "geometry"]].copy()
    g["name"] = g["circle_id"].map(lambda i: by_id.get(i, {}).get("name", i))
    g["grade"] = g["circle_id"].map(lambda i: by_id.get(i, {}).get("grade", "NONE"))
    g["grade_text"] = g["grade"].map(lambda x: T(f"grade_{x}"))
    g["n_fail"] = g["circle_id"].map(lambda i: by_id.get(i, {}).get("n_fail", 0))
    pts = g.geometry.representative_point()
    labels = [
        [round(p.y, 6), round(p.x, 6), cid, GRADE_TEXT[gr]]
        for p, cid, gr in zip(pts, g["circle_id"], g["grade"], strict=True)
    ]
    counts = rep.grade_counts
    totals = [t for t in rep.targets if t["deadline"] == "2025-12-31"]
    aa_t = next((t["required"] for t in totals if t["grade"] == "AA"), None)
    aaa_t = next((t["required"] for t in totals if t["grade"] == "AAA"), None)
    zh = T.lang == "zh"
    chart = {
        "categories": [T("target_aa_total"), T("target_aaa_total")],
        "current": [counts["AA"] + counts["AAA"], counts["AAA"]],
        "target": [aa_t, aaa_t],
        "current_label": T("target_current"),
        "target_label": ("2025年底目标" if zh else "Target by end of 2025"),
    }
    data = _common(rep.meta, T, tiles) | {
        "kind": "district",
        "circles": _geojson(g, ["circle_id", "name", "grade", "grade_text", "n_fail"]),
        "labels": labels,
        "grade_colours": GRADE_COLOURS,
        "grade_legend": [[k, f"{T('grade_' + k)} ({counts[k]})"] for k in ("AAA", "AA", "NONE")],
        "target_chart": chart,
    }
    return _page("district.html", rep.meta, T, data, rep=rep)
