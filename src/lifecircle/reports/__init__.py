"""Checkup reports: per-circle 体检报告 and the district report, as HTML, Word and Excel.

Entry points: :func:`render_circle_report`, :func:`render_district_report` and
:func:`render_reports` (everything for a checkup). Each takes a
:class:`lifecircle.checkup.CheckupFolder` (``CheckupFolder.read(dir)``: the validated
``CheckupResult`` plus its map layers) or the path of a checkup folder. Words live in
``strings.py``.
"""

from __future__ import annotations

import gc
import os
import re
from collections.abc import Callable, Iterable
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lifecircle.checkup import CheckupFolder
from lifecircle.io import write_atomic, write_folder
from lifecircle.io.writers import make_folder
from lifecircle.reports.data import clean_checkup

if TYPE_CHECKING:
    from lifecircle.mobility.results import MobilityResult

FORMATS = ("html", "docx", "xlsx")
OSM_TILES = {
    "url": "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
    "attribution": "© OpenStreetMap contributors",
}

CheckupLike = CheckupFolder | str | os.PathLike[str]
#: work run beside the reports: ``fn(checkup)``, its value or exception set on the future
Beside = tuple[Callable[[CheckupFolder], Any], Future[Any]]


@dataclass(frozen=True)
class _Options:
    """What every report of one call shares: formats, language, basemap, report date."""

    formats: tuple[str, ...]
    lang: str = "zh"
    tiles: dict[str, str] | None = None
    today: date | None = None

    def stem(self, name: str) -> str:
        return name if self.lang == "zh" else f"{name}.{self.lang}"


#: the formats by the names users give them
FORMAT_ALIASES = {"网页": "html", "htm": "html", "word": "docx", "文档": "docx", "doc": "docx",
                  "excel": "xlsx", "表格": "xlsx", "xls": "xlsx"}  # fmt: skip


def _formats(formats: Iterable[str] | str) -> tuple[str, ...]:
    if isinstance(formats, str):
        formats = [f.strip() for f in re.split(r"[,，、]", formats) if f.strip()]
    out = tuple(dict.fromkeys(FORMAT_ALIASES.get(f.lower(), f.lower()) for f in formats))
    bad = [f for f in out if f not in FORMATS]
    if bad or not out:
        raise ValueError(
            f"未知的报告格式 {'、'.join(bad) or '（未写）'}：可用 {'、'.join(FORMATS)}"
        )
    return out


def _tiles(tile_url: str | None, attribution: str | None) -> dict[str, str] | None:
    if not tile_url:
        return None
    if tile_url.lower() in ("osm", "openstreetmap"):
        return dict(OSM_TILES)
    return {"url": tile_url, "attribution": attribution or ""}


def _options(
    formats: Iterable[str] | str,
    lang: str,
    tile_url: str | None,
    tile_attribution: str | None,
    today: date | None,
) -> _Options:
    return _Options(_formats(formats), lang, _tiles(tile_url, tile_attribution), today)


def _prepare(checkup: CheckupLike) -> CheckupFolder:
    """The checkup read (when given as a path) and cleaned of the mirror's string."""
    ck = checkup if isinstance(checkup, CheckupFolder) else CheckupFolder.read(checkup)
    return clean_checkup(ck)


def _write(
    out_dir: str | os.PathLike[str],
    stem: str,
    opts: _Options,
    writers: dict[str, Callable[[Path], object]],
) -> list[Path]:
    """The one dispatch: ``<stem>.<format>`` for each wanted format, each written atomically."""
    out = make_folder(out_dir)
    return [write_atomic(out / f"{stem}.{f}", writers[f]) for f in FORMATS if f in opts.formats]


#: the characters of HTML pages written, by file name (``fonts.page_characters``)
_Characters = dict[str, set[str]]


def _html(text: Callable[[], str], name: str, chars: _Characters) -> Callable[[Path], object]:
    """The writer of the HTML page ``name``: its text as UTF-8, its characters kept in
    ``chars`` for the folder's web font (which then need not read the page again)."""

    def write(path: Path) -> None:
        from lifecircle.reports.fonts import page_characters

        data = text().encode("utf-8")
        path.write_bytes(data)
        chars[name] = page_characters(data)

    return write


def _circle_files(
    ck: CheckupFolder,
    circle_id: str,
    out_dir: str | os.PathLike[str],
    opts: _Options,
    chars: _Characters,
) -> list[Path]:
    from lifecircle.reports import excel, html, maps, word
    from lifecircle.reports.context import build_circle_report
    from lifecircle.reports.strings import Text

    T = Text(opts.lang)
    rep = build_circle_report(ck, circle_id, T, opts.today)

    def docx(path: Path) -> object:
        figs = [(maps.circle_overview_png(ck, rep, T), T("fig_overview", n="{n}"))]
        cat_png = maps.circle_categories_png(ck, rep, T)
        if cat_png is not None:
            figs.append((cat_png, T("fig_categories", n="{n}")))
        return word.circle_docx(rep, T, path, figs)

    stem = opts.stem(_safe(circle_id))
    return _write(
        out_dir,
        stem,
        opts,
        {
            "html": _html(lambda: html.circle_html(ck, rep, T, opts.tiles), f"{stem}.html", chars),
            "docx": docx,
            "xlsx": lambda p: excel.circle_xlsx(rep, T, p),
        },
    )


def _district_files(
    ck: CheckupFolder,
    out_dir: str | os.PathLike[str],
    opts: _Options,
    chars: _Characters,
    mobility: MobilityResult | None = None,
) -> list[Path]:
    from lifecircle.reports import excel, html, maps, word
    from lifecircle.reports.context import build_district_report
    from lifecircle.reports.strings import Text

    T = Text(opts.lang)
    rep = build_district_report(ck, T, opts.today)
    if mobility is not None:
        from lifecircle.reports.mobility import build_mobility_section

        rep.mobility = build_mobility_section(
            mobility,
            ck,
            T,
            notice=rep.meta.generated_notice,
            chapter=7 if rep.places else 6,
        )
    chapters, sheets = _mobility_parts(rep.mobility, T)
    stem = opts.stem("district")
    return _write(
        out_dir,
        stem,
        opts,
        {
            "html": _html(
                lambda: html.district_html(ck, rep, T, opts.tiles), f"{stem}.html", chars
            ),
            "docx": lambda p: word.district_docx(
                rep, T, p, maps.district_png(ck, rep, T), chapters=chapters
            ),
            "xlsx": lambda p: excel.district_xlsx(rep, T, p, sheets=sheets),
        },
    )


def _mobility_parts(
    sec: Any, T: Any
) -> tuple[list[Callable[..., None]], list[Callable[..., None]]]:
    """The mobility chapter's Word chapter and Excel sheets (none without a section)."""
    if sec is None:
        return [], []
    from lifecircle.reports import mobility

    return (
        [lambda doc, orient: mobility.add_docx(doc, sec, T, orient, figure=2)],
        [lambda wb: mobility.add_sheets(wb, sec)],
    )


def render_circle_report(
    checkup: CheckupLike,
    circle_id: str,
    out_dir: str | os.PathLike[str],
    *,
    formats: Iterable[str] | str = FORMATS,
    lang: str = "zh",
    tile_url: str | None = None,
    tile_attribution: str | None = None,
    today: date | None = None,
) -> list[Path]:
    """Write the 体检报告 of one circle.

    Parameters
    ----------
    checkup : CheckupFolder or path
        The checkup (``CheckupFolder.read(dir)``) or its folder.
    circle_id : str
        The circle.
    out_dir : path
        Where ``<id>.html`` / ``.docx`` / ``.xlsx`` (``<id>.en.*`` for English) go.
    formats : str or iterable of str
        Any of ``html``, ``docx``, ``xlsx`` (a comma-separated string is fine).
    lang : str
        ``zh`` (default) or ``en``.
    tile_url, tile_attribution : str, optional
        A basemap for the HTML map (off by default: tiles need the internet); ``"osm"``
        means OpenStreetMap, anything else is a Leaflet URL template (e.g. Tianditu with
        its ``tk=`` key).
    today : date, optional
        The report date printed (default: today).

    Returns
    -------
    list of Path
        The files written, each atomically.
    """
    opts = _options(formats, lang, tile_url, tile_attribution, today)
    chars: _Characters = {}
    written = _circle_files(_prepare(checkup), circle_id, out_dir, opts, chars)
    return written + _web_font(out_dir, opts, chars)


def render_district_report(
    checkup: CheckupLike,
    out_dir: str | os.PathLike[str],
    *,
    formats: Iterable[str] | str = FORMATS,
    lang: str = "zh",
    tile_url: str | None = None,
    tile_attribution: str | None = None,
    today: date | None = None,
    mobility: MobilityResult | None = None,
) -> list[Path]:
    """Write the district report (``district.html`` / ``.docx`` / ``.xlsx``).

    Parameters and return value as :func:`render_circle_report`, without ``circle_id``;
    ``mobility`` (``lifecircle.mobility.results.read_mobility``) adds the chapter on
    matching degree and proposed circles.
    """
    opts = _options(formats, lang, tile_url, tile_attribution, today)
    chars: _Characters = {}
    written = _district_files(_prepare(checkup), out_dir, opts, chars, mobility)
    return written + _web_font(out_dir, opts, chars)


def render_reports(
    checkup: CheckupLike,
    out_dir: str | os.PathLike[str],
    *,
    circle_ids: Iterable[str] | None = None,
    formats: Iterable[str] | str = FORMATS,
    lang: str = "zh",
    tile_url: str | None = None,
    tile_attribution: str | None = None,
    today: date | None = None,
    progress: Callable[[str], object] | None = None,
    workers: int | None = None,
    mobility: MobilityResult | None = None,
    beside: Beside | None = None,
) -> list[Path]:
    """The district report plus every circle's report (or only ``circle_ids``, no district).

    Circle reports are independent, so with ``workers`` > 1 (default: one per core, when
    there are more than four circles) they are rendered in separate processes, each
    receiving the checkup once. Output is the same either way.

    ``out_dir`` is written as a unit (``io.write_folder``): it appears complete or not at
    all, replacing an earlier report folder only at the end. With ``circle_ids`` the
    earlier folder's other reports are kept. A folder holding other files is refused.

    Parameters
    ----------
    checkup, out_dir, formats, lang, tile_url, tile_attribution, today
        As :func:`render_circle_report`.
    circle_ids : iterable of str, optional
        Only these circles, and no district report. Unknown ids fail before anything
        is written.
    progress : callable, optional
        Called with each circle id once its files are written.
    workers : int, optional
        Processes for the circle reports.
    mobility : MobilityResult, optional
        Adds the district report's chapter on mobility (matching degree, proposed circles).
    beside : (callable, Future), optional
        Other work on the same checkup (the demo's database): ``fn(checkup)`` is run as
        one of the pool's first tasks, in a child forked from the worker that takes it
        (``fn``, its arguments and its value picklable), and its value, or the exception
        it raised, is set on the future (cancelled if the reports fail); without workers
        it runs here after the reports. The child shares the workers' prepared checkup,
        and what it allocates ends with it rather than staying beside the reports.

    Returns
    -------
    list of Path
        Every file written.
    """
    opts = _options(formats, lang, tile_url, tile_attribution, today)  # bad options fail here
    ck = _prepare(checkup)
    ids = list(circle_ids) if circle_ids else None
    for cid in ids or []:
        ck.result.circle(cid)  # unknown ids fail before anything is written
    names: list[str] = []

    def write(folder: Path) -> None:
        chars: _Characters = {}
        paths = _render_into(ck, folder, ids, opts, chars, progress, workers, mobility, beside)
        paths += _web_font(folder, opts, chars)  # one font for the whole folder
        names.extend(str(p.relative_to(folder)) for p in paths)

    final = write_folder(out_dir, write, owns=_is_report_folder, keep_existing=ids is not None)
    return [final / name for name in names]


def _web_font(out_dir: str | os.PathLike[str], opts: _Options, chars: _Characters) -> list[Path]:
    """The folder's CJK web font, when HTML pages were written (``fonts.write_web_font``;
    ``chars``: the characters of the pages written here)."""
    if "html" not in opts.formats:
        return []
    from lifecircle.reports.fonts import write_web_font

    return write_web_font(out_dir, known=chars)


def _is_report_folder(folder: Path) -> bool:
    """Whether every file in ``folder`` is a report (.html / .docx / .xlsx) or the reports'
    font folder (``fonts/`` holding the web font and its licence)."""
    from lifecircle.reports.fonts import WEB_FONT_DIR

    def ours(p: Path) -> bool:
        if p.is_dir() and p.name == WEB_FONT_DIR:
            return all(f.is_file() and f.suffix.lower() in (".woff", ".txt") for f in p.iterdir())
        return p.is_file() and p.suffix.lower() in (".html", ".docx", ".xlsx")

    return all(ours(p) for p in folder.iterdir() if not p.name.startswith("."))


def _render_into(
    ck: CheckupFolder,
    out_dir: Path,
    ids: list[str] | None,
    opts: _Options,
    chars: _Characters,
    progress: Callable[[str], object] | None,
    workers: int | None,
    mobility: MobilityResult | None = None,
    beside: Beside | None = None,
) -> list[Path]:
    written: list[Path] = []
    district = ids is None
    if ids is None:
        ids = ck.result.circle_ids()
    if workers is None:
        workers = (os.cpu_count() or 1) if len(ids) > 4 else 1
    if workers <= 1:
        if district:
            written += _district_files(ck, out_dir, opts, chars, mobility)
        for cid in ids:
            written += _circle_files(ck, cid, out_dir, opts, chars)
            if progress is not None:
                progress(cid)
        if beside is not None:
            _settle(beside[1], lambda: beside[0](ck))
        return written
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    method = _start_method()
    if method == "fork":
        # the workers inherit the imported renderers instead of importing them, and the
        # checkup's metric layers instead of each projecting its own
        _preload(ck)
        gc.freeze()  # the parent's objects stay out of the workers' collections: shared pages
    # fork (one thread here): the workers share the parent's memory, checkup included, until
    # they write to it. spawn otherwise (e.g. numba's thread pool, not fork-safe): each
    # worker receives the prepared checkup once (pickled).
    pool: ProcessPoolExecutor | None = None
    try:
        pool = ProcessPoolExecutor(
            max_workers=workers,
            mp_context=mp.get_context(method),
            initializer=_worker_init,
            initargs=(ck, str(out_dir), opts),
        )
        # the district report too is drawn by a worker (the first task): drawn here, what
        # it left in this process stayed beside the workers to the end (~17 MB of the
        # demo's peak); this process only collects
        dist_future = pool.submit(_worker_district, mobility) if district else None
        side = None if beside is None else pool.submit(_worker_beside, beside[0])
        results = pool.map(_worker_render, ids)
    except BaseException:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
        raise
    finally:
        if method == "fork":
            gc.unfreeze()
    try:
        with pool:
            if dist_future is not None:
                try:
                    dpaths, dchars = dist_future.result()
                    written += dpaths
                    chars.update(dchars)
                except BaseException:
                    pool.shutdown(cancel_futures=True)  # the circles not started are dropped
                    raise
            if "html" in opts.formats:
                from lifecircle.reports.fonts import ready_web_font

                ready_web_font()  # while the workers draw, not after them
            for cid, (paths, page_chars) in zip(ids, results, strict=True):
                written += paths
                chars.update(page_chars)
                if progress is not None:
                    progress(cid)
            if side is not None and beside is not None:
                _settle(beside[1], side.result)
    finally:
        if beside is not None and not beside[1].done():
            beside[1].cancel()  # the reports failed: its value is not waited for
    return written


def _settle(future: Future[Any], work: Callable[[], Any]) -> None:
    """Set ``work()``'s value, or the exception it raised, on ``future``."""
    try:
        value = work()
    except Exception as exc:  # the caller meets it in future.result(); Ctrl-C goes on up
        future.set_exception(exc)
    else:
        future.set_result(value)


_WORKER: dict[str, Any] = {}


def _start_method() -> str:
    """``fork`` when no other Python thread runs here (none can hold a lock at the fork) and
    numba's thread pool has not started (it is not fork-safe), else ``spawn``. The native
    pools of OpenBLAS, Arrow and jemalloc prepare themselves for a fork."""
    import multiprocessing as mp
    import sys
    import threading

    numba_pool = getattr(sys.modules.get("numba.np.ufunc.parallel"), "_is_initialized", False)
    if "fork" in mp.get_all_start_methods() and threading.active_count() == 1 and not numba_pool:
        return "fork"
    return "spawn"


def _preload(ck: CheckupFolder | None = None) -> None:
    """Import what a circle report needs and register the CJK font with matplotlib; with
    ``ck``, make what every circle's report would otherwise make in each worker: the
    checkup's layers in the metric CRS (``CheckupFolder.metric``, for the maps) and the
    circle page's compiled template."""
    from lifecircle.reports import context, excel, fonts, html, maps, strings, word  # noqa: F401

    fonts.cjk_font_family()
    if ck is None:
        return
    for name in ("circles", "compounds", "facilities", "service_areas"):
        if ck.layer(name) is not None:
            ck.metric(name)
    html.prepare_circle_page()


def _worker_init(ck: CheckupFolder, out_dir: str, opts: _Options) -> None:
    _WORKER.update(ck=ck, out_dir=out_dir, opts=opts)


def _worker_district(mobility: MobilityResult | None) -> tuple[list[Path], _Characters]:
    chars: _Characters = {}
    paths = _district_files(_WORKER["ck"], _WORKER["out_dir"], _WORKER["opts"], chars, mobility)
    return paths, chars


def _worker_beside(fn: Callable[[CheckupFolder], Any]) -> Any:
    # in a child forked from this worker, which waits for it: the child shares what the
    # worker shares, and what it allocates ends with it instead of staying in the worker
    # for its next reports (the demo's database left ~55-74 MB there, at the run's peak)
    from lifecircle._forked import ForkedCall

    return ForkedCall(fn, _WORKER["ck"]).result()


def _worker_render(circle_id: str) -> tuple[list[Path], _Characters]:
    chars: _Characters = {}
    paths = _circle_files(_WORKER["ck"], circle_id, _WORKER["out_dir"], _WORKER["opts"], chars)
    return paths, chars


def _safe(name: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in str(name))


__all__ = [
    "FORMATS",
    "render_circle_report",
    "render_district_report",
    "render_reports",
]
