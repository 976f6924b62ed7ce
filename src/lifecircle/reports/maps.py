"""Static maps (PNG) with Chinese labels: circle overview, failing categories, district."""

from __future__ import annotations

import io
import math
import os
import threading
import weakref
import zlib

import geopandas as gpd
import matplotlib

matplotlib.use("Agg")
import itertools
from typing import Any, cast

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.artist import Artist
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg, get_hinting_flag
from matplotlib.figure import Figure
from matplotlib.font_manager import fontManager
from matplotlib.legend import Legend
from matplotlib.lines import Line2D
from matplotlib.offsetbox import OffsetBox
from matplotlib.patches import FancyArrow, Patch, Rectangle

from lifecircle.checkup import CheckupFolder
from lifecircle.reports import fonts
from lifecircle.reports.context import DIST_BANDS, CircleReport, DistrictReport
from lifecircle.reports.strings import Text

GRADE_COLOURS = {"NONE": "#e9a07a", "AA": "#6aa6d8", "AAA": "#2e8b57"}
GRADE_TEXT = {"NONE": "#3b1d0f", "AA": "#0b2540", "AAA": "#ffffff"}
OK_COLOUR = "#2e8b57"
GAP_COLOUR = "#d7301f"
BAND_COLOURS = ("#1a9850", "#91cf60", "#fee08b", "#fc8d59", "#d73027", "#7f0000")
FAC_MARKERS = ("^", "s", "D", "P", "v", "X", "p", "h")
FAC_COLOURS = (
    "#1f3b73",
    "#6a3d9a",
    "#b15928",
    "#00665e",
    "#8c2d04",
    "#4d4d4d",
    "#c51b7d",
    "#225ea8",
)
DPI = 150


PAD_INCHES = 0.08

#: the rc settings a text's measure depends on, besides its font files, size and the dpi
_TEXT_RC: tuple[Any, ...] = ("text.hinting", "text.kerning_factor", "font.enable_last_resort")
_TEXT_METRICS: dict[tuple[Any, ...], tuple[float, float, float]] = {}
_TEXT_LAYOUTS: dict[tuple[Any, ...], Any] = {}
_TEXT_CACHE_MAX = 100_000
#: RendererAgg.draw_text is 3.11's (what _SharedTextRenderer.draw_text repeats); with
#: another matplotlib, texts are drawn by matplotlib alone
_SAME_DRAW_TEXT = matplotlib.__version__.startswith("3.11.")


class _SharedTextRenderer(RendererAgg):
    """matplotlib's Agg renderer, its text measures and glyph layouts kept for the process.

    matplotlib keeps a text's measure (width, height, descent) for the life of one
    renderer, and every map has its own (two: laid out at 100 dpi, drawn at 150): each
    map measured its legend, notice, scale and titles again, the CJK glyphs loaded from
    the font each time, about a tenth of a map's time; drawing a text laid its glyphs out
    once more (another tenth). A measure is a function of the text, its font files and
    size, the dpi and the rc settings of ``_TEXT_RC`` (what
    ``RendererAgg.get_text_width_height_descent`` reads), so it is kept under those; a
    layout (the glyphs and their offsets, what ``RendererAgg.draw_text`` draws) also of
    the text's font features and language, and of the thread (matplotlib's fonts are
    per thread). The glyphs are still drawn at each text's own position. Math and TeX
    texts are measured and drawn as matplotlib does.
    """

    def _text_key(self, s: str, prop: Any) -> tuple[Any, ...]:
        return (
            s,
            tuple(fontManager._find_fonts_by_props(prop)),
            prop.get_size_in_points(),
            self.dpi,
            *(matplotlib.rcParams[k] for k in _TEXT_RC),
        )

    def get_text_width_height_descent(self, s, prop, ismath):
        if ismath:
            return super().get_text_width_height_descent(s, prop, ismath)
        key = self._text_key(s, prop)
        hit = _TEXT_METRICS.get(key)
        if hit is None:
            _make_room(_TEXT_METRICS)
            hit = _TEXT_METRICS[key] = super().get_text_width_height_descent(s, prop, ismath)
        return hit

    def draw_text(self, gc, x, y, s, prop, angle, ismath=False, mtext=None):
        if ismath or not _SAME_DRAW_TEXT:
            return super().draw_text(gc, x, y, s, prop, angle, ismath, mtext)
        # RendererAgg.draw_text of matplotlib 3.11, its layout kept
        features = mtext.get_fontfeatures() if mtext is not None else None
        language = mtext.get_language() if mtext is not None else None
        flags = get_hinting_flag()
        key = (*self._text_key(s, prop), features, language, flags, threading.get_ident())
        try:
            items = _TEXT_LAYOUTS.get(key)
            keep = True
        except TypeError:  # features or a language given as lists: not kept
            items, keep = None, False
        if items is None:
            font = self._prepare_font(prop)
            items = tuple(font._layout(s, flags=flags, features=features, language=language))
            if keep:
                _make_room(_TEXT_LAYOUTS)
                _TEXT_LAYOUTS[key] = items
        size = prop.get_size_in_points()
        self._draw_text_glyphs_and_boxes(
            gc,
            x,
            y,
            angle,
            ((item.ft_object, size, item.glyph_index, 0, 1, item.x, item.y) for item in items),
            [],
        )
        return None


# matplotlib drops its fonts in a forked child (FT2Font objects must not cross a fork):
# the layouts, which point into them, go too; the measures (numbers) stay
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_TEXT_LAYOUTS.clear)


class _MapLegend(Legend):
    """matplotlib's legend, each of its boxes measured once per drawing.

    Drawing a legend measures its boxes again and again (to place it, then each row and
    column box for its children, then each entry for its own): a twelfth of a map's
    time. While it is drawn here, each box's measure and its children's offsets are kept
    for that renderer, and dropped after: nothing moves a box's contents during a drawing
    (placing a box sets its offset only). ``_mapped`` turns a legend into this kind; a
    test compares the pixels with matplotlib's own legend.
    """

    def draw(self, renderer):
        boxes = _offset_boxes(self._legend_box)  # type: ignore[attr-defined]
        for box in boxes:
            _measure_once(box)
        try:
            return super().draw(renderer)
        finally:
            for box in boxes:
                for name in _MEASURES:
                    box.__dict__.pop(name, None)


#: the OffsetBox methods whose answers ``_MapLegend`` keeps while it draws
_MEASURES = ("get_bbox", "_get_bbox_and_child_offsets")


def _offset_boxes(root: OffsetBox) -> list[OffsetBox]:
    out, todo = [], [root]
    while todo:
        box = todo.pop()
        out.append(box)
        todo.extend(c for c in box.get_children() if isinstance(c, OffsetBox))
    return out


def _measure_once(box: OffsetBox) -> None:
    """Each of ``_MEASURES`` of ``box`` answered once per renderer, until removed."""
    for name in _MEASURES:
        method = getattr(box, name, None)
        if method is None:
            continue
        kept: dict[int, Any] = {}

        def once(r, _method=method, _kept=kept):
            if id(r) not in _kept:
                _kept[id(r)] = _method(r)
            return _kept[id(r)]

        box.__dict__[name] = once


def _mapped(legend: Legend) -> Legend:
    """The legend made a :class:`_MapLegend` (the same legend, drawn faster)."""
    if type(legend) is Legend:
        legend.__class__ = _MapLegend
    return legend


def _make_room(cache: dict[Any, Any]) -> None:
    """Empty a cache that has grown to ``_TEXT_CACHE_MAX`` (a long-lived process)."""
    if len(cache) >= _TEXT_CACHE_MAX:
        cache.clear()


class _Canvas(FigureCanvasAgg):
    """The Agg canvas whose renderers keep their text measures and layouts
    (``_SharedTextRenderer``)."""

    def get_renderer(self):
        renderer = super().get_renderer()
        if type(renderer) is RendererAgg:  # the one just made: the same, with the caches
            renderer.__class__ = _SharedTextRenderer
        return renderer


#: figures drawn and emptied, kept for the next map of the same grid (``_subplots``)
_FREE_FIGURES: dict[tuple[Any, ...], tuple[Figure, Any]] = {}
#: the figures ``_subplots`` made: their key there and their axes
_MADE_HERE: weakref.WeakKeyDictionary[Figure, tuple[tuple[Any, ...], Any]] = (
    weakref.WeakKeyDictionary()
)


def _subplots(
    nrows: int = 1,
    ncols: int = 1,
    *,
    figsize: tuple[float, float],
    squeeze: bool = True,
    keep: bool = False,
) -> tuple[Figure, Any]:
    """A figure of ``nrows`` x ``ncols`` axes on a :class:`_Canvas` (drawn by ``_png``
    alone), as ``plt.subplots`` makes it.

    With ``keep``, for a map that frames every axes it shows with ``_frame``: making the
    axes is a fifth of a map's time (each axis makes its ticks and their texts, though
    maps show none), so ``_png`` empties such a figure once drawn and keeps it, and the
    next map of the same grid, thread and rc settings takes it (``_emptied``). Its axes
    come framed as the last map left them (``_frame`` sets all of that again). A test
    compares maps drawn on kept figures with maps drawn on new ones, pixel by pixel.
    """
    key = (nrows, ncols, squeeze, threading.get_ident(), _rc_key()) if keep else None
    kept = _FREE_FIGURES.pop(key, None) if key is not None else None
    if kept is not None:
        fig, axes = kept
        fig.set_size_inches(figsize)
        return fig, axes
    fig = Figure(figsize=figsize)
    _Canvas(fig)
    axes = fig.subplots(nrows, ncols, squeeze=squeeze)
    if key is not None:
        _MADE_HERE[fig] = (key, axes)
    return fig, axes


def _rc_key() -> tuple[tuple[str, str], ...]:
    """The rc settings, as a key: what every artist of a figure took when made."""
    return tuple((k, repr(v)) for k, v in sorted(dict.items(matplotlib.rcParams)))


def _emptied(fig: Figure) -> None:
    """Keep a figure of ``_subplots`` for the next map: every artist a map added is
    removed and the figure is put back as ``_subplots`` made it (its dpi, subplot
    margins, limits, titles and pixel buffer)."""
    made = _MADE_HERE.get(fig)
    if made is None:
        return
    key, axes = made
    for ax in fig.axes:
        if ax.legend_ is not None:
            ax.legend_.remove()
        for artist in (*ax.collections, *ax.patches, *ax.texts, *ax.lines, *ax.images,
                       *ax.artists, *ax.tables):  # fmt: skip
            artist.remove()
        for loc in ("left", "center", "right"):
            ax.set_title("", loc=loc)
        ax.set_xlabel("")
        ax.set_ylabel("")
        ax.set_visible(True)
        ax.ignore_existing_data_limits = True
        ax.set_prop_cycle(None)  # the colours of artists given none start again
        ax.set_autoscale_on(True)
    for artist in (*fig.legends, *fig.texts, *fig.patches, *fig.lines, *fig.images):
        artist.remove()
    rc = matplotlib.rcParams
    fig.set_dpi(rc["figure.dpi"])
    fig.subplots_adjust(
        left=rc["figure.subplot.left"],
        right=rc["figure.subplot.right"],
        bottom=rc["figure.subplot.bottom"],
        top=rc["figure.subplot.top"],
        wspace=rc["figure.subplot.wspace"],
        hspace=rc["figure.subplot.hspace"],
    )
    canvas = cast(FigureCanvasAgg, fig.canvas)
    canvas.renderer = None  # the pixels (megabytes) are not kept with the figure
    canvas._lastKey = None
    _FREE_FIGURES[key] = (fig, axes)


def _png(fig) -> bytes:
    """The figure as PNG, cropped to its content plus ``PAD_INCHES`` of white, as
    ``savefig(bbox_inches="tight")`` crops it, with one layout of every text instead of two.

    matplotlib's tight mode measures the figure with one renderer and draws it with
    another, laying out every (CJK) text twice; here the figure is drawn once and measured
    with the renderer that drew it (its text layouts cached), and its pixels are cropped.
    The picture is the same up to the sub-pixel offset of the crop. A figure with content
    beyond its edges is left to ``savefig``. Maps are opaque: written as RGB.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    try:
        fig.set_dpi(DPI)
        fig.patch.set_facecolor("white")
        canvas = fig.canvas
        if not isinstance(canvas, FigureCanvasAgg):
            canvas = FigureCanvasAgg(fig)
        canvas.draw()
        renderer = canvas.get_renderer()
        content = fig.get_tightbbox(renderer)
        if (
            not fig.bbox_inches.containsx(content.x0)
            or not fig.bbox_inches.containsx(content.x1)
            or not fig.bbox_inches.containsy(content.y0)
            or not fig.bbox_inches.containsy(content.y1)
        ):
            png = _png_tight(fig)
        else:
            png = _encode(_crop(np.asarray(canvas.buffer_rgba()), content.padded(PAD_INCHES)))
    except BaseException:
        plt.close(fig)  # a figure that failed is not kept
        raise
    if fig in _MADE_HERE:
        _emptied(fig)
    else:
        plt.close(fig)
    return png


def _crop(rgba: np.ndarray, box) -> np.ndarray:
    """The pixels of ``box`` (inches, from the lower left) of a figure drawn at ``DPI``;
    what lies beyond the figure is white."""
    h, w = rgba.shape[:2]
    x0 = round(box.x0 * DPI)
    top = round(h - box.y1 * DPI)
    out = np.full((int(box.height * DPI), int(box.width * DPI), 4), 255, dtype=np.uint8)
    sx0, sy0 = max(x0, 0), max(top, 0)
    sx1, sy1 = min(x0 + out.shape[1], w), min(top + out.shape[0], h)
    out[sy0 - top : sy1 - top, sx0 - x0 : sx1 - x0] = rgba[sy0:sy1, sx0:sx1]
    return out


def _png_tight(fig) -> bytes:
    """``savefig(bbox_inches="tight")``'s pixels, written as RGB when opaque."""
    tight = {"dpi": DPI, "bbox_inches": "tight", "pad_inches": PAD_INCHES, "facecolor": "white"}
    buf = io.BytesIO()
    fig.savefig(buf, format="rgba", **tight)
    renderer = fig.canvas.renderer  # the one the pixels were drawn with
    w, h = int(renderer.width), int(renderer.height)
    if len(buf.getvalue()) != w * h * 4:  # another canvas: matplotlib writes the PNG
        buf = io.BytesIO()
        fig.savefig(buf, format="png", **tight)
        return buf.getvalue()
    return _encode(np.frombuffer(buf.getvalue(), dtype=np.uint8).reshape(h, w, 4))


def _encode(rgba: np.ndarray) -> bytes:
    """PNG of an RGBA pixel array (RGB when every pixel is opaque), at ``DPI``."""
    rgba = np.asarray(rgba, dtype=np.uint8)
    if not (rgba[..., 3] == 255).all():
        return png_bytes(rgba, dpi=DPI)
    return png_bytes(_rgb(rgba), dpi=DPI)


def _rgb(rgba: np.ndarray) -> np.ndarray:
    """The RGB bytes of an RGBA array, packed: PIL's conversion, a third of the time of
    numpy's copy of the strided view ``rgba[..., :3]`` (3 of every 4 bytes)."""
    from PIL import Image

    h, w = rgba.shape[:2]
    packed = np.ascontiguousarray(rgba)
    rgb = Image.frombuffer("RGBA", (w, h), packed, "raw", "RGBA", 0, 1).convert("RGB")
    return np.frombuffer(rgb.tobytes(), dtype=np.uint8).reshape(h, w, 3)


#: zlib level of the maps' PNGs: with the "Up" filter about a third of PIL's time (which
#: tries every filter on every row), the file ~15 % larger; the pixels are the same
PNG_ZLIB_LEVEL = 1


def png_bytes(pixels: np.ndarray, *, dpi: int) -> bytes:
    """A PNG of an 8-bit RGB or RGBA array (height x width x 3 or 4), every row filtered
    with PNG's "Up" filter (each byte less the one above, modulo 256), with ``dpi`` in its
    pHYs chunk as PIL writes it."""
    import struct

    h, w, c = pixels.shape
    if pixels.dtype != np.uint8 or c not in (3, 4):
        raise ValueError(f"PNG: 8-bit RGB or RGBA expected, not {pixels.dtype} x {c}")
    rows = pixels.reshape(h, w * c)
    raw = np.empty((h, w * c + 1), dtype=np.uint8)
    raw[:, 0] = 2  # filter type Up; the row above the first is zeros
    raw[:1, 1:] = rows[:1]
    np.subtract(rows[1:], rows[:-1], out=raw[1:, 1:])  # uint8: wraps modulo 256

    def chunk(tag: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + tag + body + struct.pack(">I", zlib.crc32(tag + body))

    ppm = int(dpi / 0.0254 + 0.5)  # pixels per metre
    return b"".join(
        (
            b"\x89PNG\r\n\x1a\n",
            chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2 if c == 3 else 6, 0, 0, 0)),
            chunk(b"pHYs", struct.pack(">IIB", ppm, ppm, 1)),
            chunk(b"IDAT", zlib.compress(raw.tobytes(), PNG_ZLIB_LEVEL)),
            chunk(b"IEND", b""),
        )
    )


def _polys(ax, geoms, *, facecolor="none", edgecolor="black", linewidth=1.0, zorder=1) -> None:
    """Draw polygons straight with matplotlib (GeoSeries.plot redraws the canvas each call)."""
    from matplotlib.collections import PatchCollection
    from matplotlib.patches import Polygon as MplPolygon

    patches = []
    for g in geoms:
        parts = getattr(g, "geoms", [g])
        for part in parts:
            if part.geom_type == "Polygon" and not part.is_empty:
                patches.append(MplPolygon(np.asarray(part.exterior.coords)[:, :2], closed=True))
    ax.add_collection(
        PatchCollection(
            patches, facecolors=facecolor, edgecolors=edgecolor, linewidths=linewidth, zorder=zorder
        )
    )


def _areas(ax, geoms, *, facecolor="#1f77b4", alpha=0.16, zorder=1.5) -> None:
    """Polygons with their holes (service areas), as one compound path."""
    from matplotlib.patches import PathPatch
    from matplotlib.path import Path as MplPath

    paths = []
    for g in geoms:
        for part in getattr(g, "geoms", [g]):
            if part.geom_type != "Polygon" or part.is_empty:
                continue
            for ring in (part.exterior, *part.interiors):
                paths.append(MplPath(np.asarray(ring.coords)[:, :2], closed=True))
    if paths:
        patch = PathPatch(
            MplPath.make_compound_path(*paths),
            facecolor=facecolor,
            edgecolor="none",
            alpha=alpha,
            zorder=zorder,
        )
        # add_patch less its data limits (walking every Bézier segment of the areas: a
        # twentieth of a category map): the view is fixed (_frame), they change nothing
        ax.add_artist(patch)


def _in_view(layer: gpd.GeoDataFrame, ax) -> gpd.GeoSeries:
    """The geometries whose bounding boxes meet the axes' view, in the layer's order.

    Only these can show; drawing every circle of the city on every circle's map made a
    report run grow with the square of the circles.
    """
    import shapely

    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    hit = np.sort(layer.sindex.query(shapely.box(x0, y0, x1, y1)))
    return layer.geometry.iloc[hit]


def _service_area(ck: CheckupFolder, cat: str, radius, bounds):
    """The service area of ``cat`` at ``radius`` clipped to ``bounds`` (metric), or None."""
    if ck.service_areas is None or not radius:
        return None
    import shapely

    sa = ck.metric("service_areas")
    rows = sa[(sa["category"] == cat) & (sa["radius_m"] == float(radius))]
    if rows.empty:
        return None
    return shapely.clip_by_rect(rows.geometry.values, *bounds)


def _is(column, value: str) -> np.ndarray:
    """Rows whose ``column`` equals ``value``, as a plain mask (a missing value: no)."""
    return (column == value).to_numpy(dtype=bool, na_value=False)


def _circle_outline(ck: CheckupFolder, circle_id: str) -> gpd.GeoSeries:
    """The circle's geometry (metric), without taking its ~200 attribute columns along."""
    cm = ck.metric("circles")
    return cm.geometry[_is(cm["circle_id"], circle_id)]


def _circle_compounds(ck: CheckupFolder, circle_id: str, cats: list[str]) -> gpd.GeoDataFrame:
    """The circle's compounds (metric) with only what a map draws: geometry, population,
    name and the walking distances to ``cats`` (the layer has ~120 columns)."""
    comp = ck.metric("compounds")
    wanted = {"geometry", "population", "name", *(f"nearest_m__{c}" for c in cats)}
    cols = [c for c in comp.columns if c in wanted]
    return comp.loc[_is(comp["circle_id"], circle_id), cols]


def _facility_points(fac: gpd.GeoDataFrame, cat: str, x0, x1, y0, y1) -> gpd.GeoSeries:
    """Facilities of ``cat`` within the frame, as points (metric)."""
    return fac.geometry[_is(fac["category"], cat)].cx[x0:x1, y0:y1]


def _aspect(bounds) -> float:
    """Width / height of a map frame, kept within limits that still fit a page."""
    minx, miny, maxx, maxy = bounds
    return float(np.clip((maxx - minx + 1) / (maxy - miny + 1), 0.7, 1.5))


def _nice_length(span_m: float) -> float:
    target = span_m / 4
    exp = 10 ** math.floor(math.log10(max(target, 1)))
    for f in (5, 2, 1):
        if f * exp <= target:
            return f * exp
    return exp


def _decorate(ax, T: Text, notice: str | None) -> None:
    """Scale bar (lower left), north arrow (upper right), the demo notice (upper left)."""
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    w, h = x1 - x0, y1 - y0
    length = _nice_length(w)
    ax.set_xlabel("")
    ax.set_ylabel("")
    # both sit in the margins that _frame leaves free of data
    bx, by = x0 + 0.04 * w, y0 + 0.025 * h
    bar_h = 0.012 * h
    ax.add_patch(
        Rectangle(
            (bx - 0.015 * w, by - 0.015 * h),
            length + 0.03 * w,
            0.085 * h,
            facecolor="white",
            edgecolor="none",
            alpha=0.85,
            zorder=20,
        )
    )
    ax.add_patch(Rectangle((bx, by), length / 2, bar_h, facecolor="black", zorder=21))
    ax.add_patch(
        Rectangle(
            (bx + length / 2, by),
            length / 2,
            bar_h,
            facecolor="white",
            edgecolor="black",
            linewidth=0.8,
            zorder=21,
        )
    )
    label = (
        T("map_scale_km", d=f"{length / 1000:g}")
        if length >= 1000
        else T("map_scale", d=f"{length:g}")
    )
    ax.text(
        bx + length / 2,
        by + bar_h + 0.008 * h,
        label,
        ha="center",
        va="bottom",
        fontsize=8,
        zorder=22,
    )
    nx, ny = x1 - 0.04 * w, y1 - 0.105 * h
    ax.add_patch(
        FancyArrow(
            nx,
            ny,
            0,
            0.085 * h,
            width=0.01 * w,
            head_width=0.035 * w,
            head_length=0.035 * h,
            length_includes_head=True,
            color="black",
            zorder=21,
        )
    )
    ax.text(
        nx - 0.03 * w,
        ny + 0.04 * h,
        T("map_north"),
        ha="right",
        va="center",
        fontsize=10,
        zorder=22,
    )
    if notice:
        ax.text(
            0.015,
            0.985,
            notice,
            transform=ax.transAxes,
            ha="left",
            va="top",
            fontsize=9,
            color="#8b0000",
            zorder=23,
            bbox={
                "boxstyle": "round,pad=0.35",
                "facecolor": "#fff3cd",
                "edgecolor": "#8b0000",
                "linewidth": 1.0,
            },
        )


def _frame(ax, geom_bounds, pad: float = 0.08, aspect: float | None = None) -> None:
    minx, miny, maxx, maxy = geom_bounds
    w, h = maxx - minx, maxy - miny
    px, py = w * pad + 50, h * pad + 50
    ax.set_xlim(minx - px, maxx + px)
    # room for the scale bar below, the notice and north arrow above
    ax.set_ylim(miny - py - 0.10 * h, maxy + py + 0.13 * h)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    for s in ax.spines.values():
        s.set_edgecolor("#888888")


def _place_labels(ax, xs, ys, texts, *, max_labels: int = 6, fontsize: float = 7.5) -> None:
    """Label points without overlapping one another: greedy, in the given order."""
    renderer = ax.figure.canvas.get_renderer()
    placed: list = []
    n = 0
    for x, y, t in zip(xs, ys, texts, strict=True):
        if n >= max_labels:
            break
        for dx, dy, ha, va in (
            (6, 6, "left", "bottom"),
            (-6, 6, "right", "bottom"),
            (6, -6, "left", "top"),
            (-6, -6, "right", "top"),
        ):
            ann = ax.annotate(
                t,
                (x, y),
                xytext=(dx, dy),
                textcoords="offset points",
                fontsize=fontsize,
                ha=ha,
                va=va,
                zorder=15,
                bbox={
                    "boxstyle": "round,pad=0.15",
                    "facecolor": "white",
                    "edgecolor": "none",
                    "alpha": 0.8,
                },
            )
            bb = ann.get_window_extent(renderer).expanded(1.05, 1.1)
            if (
                not any(bb.overlaps(p) for p in placed)
                and ax.bbox.contains(bb.x0, bb.y0)
                and ax.bbox.contains(bb.x1, bb.y1)
            ):
                placed.append(bb)
                n += 1
                break
            ann.remove()


def _legend_below(ax: Any, handles: list[Any], *, fontsize: float) -> None:
    """The map's legend, centred under its frame, three entries a row."""
    _mapped(
        ax.legend(
            handles=handles,
            loc="upper center",
            bbox_to_anchor=(0.5, -0.01),
            ncol=3,
            fontsize=fontsize,
            frameon=False,
        )
    )


def circle_overview_png(ck: CheckupFolder, rep: CircleReport, T: Text) -> bytes:
    """Circle outline, neighbours, compounds (gap / no gap), facilities of failing categories."""
    cid = rep.circle.id
    cm = ck.metric("circles")
    me = _circle_outline(ck, cid)
    comp = _circle_compounds(ck, cid, rep.focus_categories)
    with matplotlib.rc_context(fonts.rc()):
        fig, ax = _subplots(figsize=(7.0, 7.0 / _aspect(me.total_bounds) + 0.6), keep=True)
        _frame(ax, me.total_bounds)
        _polys(ax, _in_view(cm, ax), edgecolor="#bbbbbb", linewidth=0.8, zorder=1)
        _polys(ax, me, facecolor="#f3f6fa", edgecolor="#1f2d3d", linewidth=2.0, zorder=2)
        gap = np.zeros(len(comp), dtype=bool)
        for cat in rep.focus_categories:
            col = f"nearest_m__{cat}"
            r = rep.radius_for.get(cat)
            if col in comp.columns and r:
                gap |= ~(comp[col].astype(float).fillna(np.inf).to_numpy() <= r)
        sizes = 12 + 120 * np.sqrt(comp["population"].to_numpy(float) / 4000.0)
        handles = [Line2D([], [], color="#1f2d3d", linewidth=2, label=T("map_legend_boundary"))]
        if len(comp):
            ax.scatter(
                comp.geometry.x[~gap],
                comp.geometry.y[~gap],
                s=sizes[~gap],
                c=OK_COLOUR,
                alpha=0.75,
                edgecolors="white",
                linewidths=0.6,
                zorder=5,
            )
            ax.scatter(
                comp.geometry.x[gap],
                comp.geometry.y[gap],
                s=sizes[gap],
                c=GAP_COLOUR,
                alpha=0.85,
                edgecolors="white",
                linewidths=0.6,
                zorder=6,
            )
        handles.append(
            Line2D(
                [], [], marker="o", linestyle="", color=OK_COLOUR, label=T("map_legend_compound_ok")
            )
        )
        if gap.any():
            handles.append(
                Line2D(
                    [],
                    [],
                    marker="o",
                    linestyle="",
                    color=GAP_COLOUR,
                    label=T("map_legend_compound_gap"),
                )
            )
        fac_note = None
        if ck.facilities is not None:
            fac = ck.metric("facilities")
            x0, x1 = ax.get_xlim()
            y0, y1 = ax.get_ylim()
            for k, cat in enumerate(rep.focus_categories[: len(FAC_MARKERS)]):
                sub = _facility_points(fac, cat, x0, x1, y0, y1)
                ax.scatter(
                    sub.x,
                    sub.y,
                    marker=FAC_MARKERS[k],
                    s=46,
                    c=FAC_COLOURS[k],
                    edgecolors="white",
                    linewidths=0.7,
                    zorder=8,
                )
                handles.append(
                    Line2D(
                        [],
                        [],
                        marker=FAC_MARKERS[k],
                        linestyle="",
                        color=FAC_COLOURS[k],
                        label=T.category(cat),
                    )
                )
        elif rep.focus_categories:
            fac_note = T("map_no_facilities")
        _decorate(ax, T, rep.meta.generated_notice)
        if fac_note:
            ax.text(0.5, 0.01, fac_note, transform=ax.transAxes, ha="center", fontsize=8)
        # label the most populous compounds with a gap (or the most populous overall)
        order = comp.assign(_gap=gap).sort_values(["_gap", "population"], ascending=False)
        if "name" in order.columns and len(order):
            _place_labels(
                ax,
                order.geometry.x.to_numpy(),
                order.geometry.y.to_numpy(),
                order["name"].astype(str).tolist(),
            )
        _legend_below(ax, handles, fontsize=8)
        return _png(fig)


def circle_categories_png(ck: CheckupFolder, rep: CircleReport, T: Text) -> bytes | None:
    """One panel per failing category: compounds coloured by walking distance bands."""
    cats = [c for c in rep.focus_categories if f"nearest_m__{c}" in ck.compounds.columns][:6]
    if not cats:
        return None
    cid = rep.circle.id
    me = _circle_outline(ck, cid)
    comp = _circle_compounds(ck, cid, cats)
    fac = None if ck.facilities is None else ck.metric("facilities")
    aspect = _aspect(me.total_bounds)
    ncol = 1 if len(cats) == 1 else 2 if len(cats) <= 4 or aspect < 1 else 3
    nrow = math.ceil(len(cats) / ncol)
    panel_w = 6.0 if ncol == 1 else 3.6
    edges = (-np.inf, *DIST_BANDS, np.inf)
    labels = [T("band_le", r=DIST_BANDS[0])]
    labels += [T("band_range", a=a, b=b) for a, b in itertools.pairwise(DIST_BANDS)]
    labels += [T("band_gt", r=DIST_BANDS[-1])]
    with matplotlib.rc_context(fonts.rc()):
        fig, axes = _subplots(
            nrow,
            ncol,
            figsize=(panel_w * ncol, panel_w / aspect * nrow + 0.8),
            squeeze=False,
            keep=True,
        )
        for ax in axes.flat[len(cats) :]:
            ax.set_visible(False)
        for ax, cat in zip(axes.flat, cats, strict=False):
            _frame(ax, me.total_bounds, pad=0.05)
            _polys(ax, me, facecolor="#f7f7f7", edgecolor="#1f2d3d", linewidth=1.4)
            x0, x1 = ax.get_xlim()
            y0, y1 = ax.get_ylim()
            area = _service_area(ck, cat, rep.radius_for.get(cat), (x0, y0, x1, y1))
            if area is not None:
                _areas(ax, area)
            d = comp[f"nearest_m__{cat}"].astype(float).fillna(np.inf).to_numpy()
            band = np.digitize(d, edges[1:-1], right=True)
            ax.scatter(
                comp.geometry.x,
                comp.geometry.y,
                s=22,
                c=[BAND_COLOURS[b] for b in band],
                edgecolors="#333333",
                linewidths=0.4,
                zorder=5,
            )
            if fac is not None:
                x0, x1 = ax.get_xlim()
                y0, y1 = ax.get_ylim()
                sub = _facility_points(fac, cat, x0, x1, y0, y1)
                ax.scatter(
                    sub.x,
                    sub.y,
                    marker="^",
                    s=42,
                    c="black",
                    edgecolors="white",
                    linewidths=0.6,
                    zorder=8,
                )
            r = rep.radius_for.get(cat)
            title = T.category(cat) + (
                f"（{r:g} 米）" if r and T.lang == "zh" else f" ({r:g} m)" if r else ""
            )
            ax.set_title(title, fontsize=9.5)
            ax.set_xlabel("")
            ax.set_ylabel("")
        handles: list[Artist] = [
            Patch(facecolor=BAND_COLOURS[i], edgecolor="#333333", label=labels[i])
            for i in range(len(labels))
        ]
        handles.append(
            Line2D([], [], marker="^", linestyle="", color="black", label=T("map_legend_facility"))
        )
        if ck.service_areas is not None:
            handles.append(Patch(facecolor="#1f77b4", alpha=0.3, label=T("html_service_areas")))
        _mapped(
            fig.legend(
                handles=handles,
                loc="lower center",
                ncol=min(6, len(handles)),
                fontsize=8,
                frameon=False,
                bbox_to_anchor=(0.5, 0.0),
            )
        )
        if rep.meta.generated_notice:
            fig.text(
                0.01,
                0.995,
                rep.meta.generated_notice,
                ha="left",
                va="top",
                fontsize=8.5,
                color="#8b0000",
                bbox={"boxstyle": "round,pad=0.3", "facecolor": "#fff3cd", "edgecolor": "#8b0000"},
            )
        fig.tight_layout(rect=(0, 0.06, 1, 0.95))
        return _png(fig)


def district_png(ck: CheckupFolder, rep: DistrictReport, T: Text) -> bytes:
    """All circles coloured by grade, each labelled with its id."""
    cm = ck.metric("circles")
    grade_of = {c["id"]: c["grade"] for c in rep.circles}
    cm = cm.assign(_grade=cm["circle_id"].map(grade_of).fillna("NONE"))
    with matplotlib.rc_context(fonts.rc()):
        fig, ax = _subplots(figsize=(7.5, 7.0), keep=True)
        _frame(ax, cm.total_bounds, pad=0.04)
        for g, colour in GRADE_COLOURS.items():
            sub = cm[cm["_grade"] == g]
            if len(sub):
                _polys(
                    ax, sub.geometry, facecolor=colour, edgecolor="white", linewidth=1.2, zorder=2
                )
        fs = 8 if len(cm) <= 30 else 6.5
        for _, row in cm.iterrows():
            p = row.geometry.representative_point()
            ax.text(
                p.x,
                p.y,
                row["circle_id"],
                ha="center",
                va="center",
                fontsize=fs,
                color=GRADE_TEXT[row["_grade"]],
                zorder=5,
            )
        _decorate(ax, T, rep.meta.generated_notice)
        handles = [
            Patch(
                facecolor=GRADE_COLOURS[g],
                label=f"{T('grade_' + g)}（{rep.grade_counts[g]}）"
                if T.lang == "zh"
                else f"{T('grade_' + g)} ({rep.grade_counts[g]})",
            )
            for g in ("AAA", "AA", "NONE")
        ]
        _legend_below(ax, handles, fontsize=9)
        return _png(fig)


__all__ = ["circle_categories_png", "circle_overview_png", "district_png", "gpd"]
