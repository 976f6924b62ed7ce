"""Checkup reports: per-circle 体检报告 and the district report, as HTML, Word and Excel.

Entry points: :func:`render_circle_report`, :func:`render_district_report` and
:func:`render_reports` (everything for a checkup directory). Words live in ``strings.py``.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from datetime import date
from pathlib import Path

from lifecircle.io import write_atomic, write_folder
from lifecircle.reports.data import CheckupOutput, load_checkup

FORMATS = ("html", "docx", "xlsx")
OSM_TILES = {
    "url": "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
    "attribution": "© OpenStreetMap contributors",
}


def _formats(formats: Iterable[str] | str) -> tuple[str, ...]:
    if isinstance(formats, str):
        formats = [f.strip() for f in formats.split(",") if f.strip()]
    out = tuple(dict.fromkeys(f.lower() for f in formats))
    bad = [f for f in out if f not in FORMATS]
    if bad or not out:
        raise ValueError(f"unknown format {', '.join(bad) or '(none)'}; use {', '.join(FORMATS)}")
    return out


def _tiles(tile_url: str | None, attribution: str | None) -> dict | None:
    if not tile_url:
        return None
    if tile_url.lower() in ("osm", "openstreetmap"):
        return dict(OSM_TILES)
    return {"url": tile_url, "attribution": attribution or ""}


def _checkup(checkup: CheckupOutput | str | Path) -> CheckupOutput:
    return checkup if isinstance(checkup, CheckupOutput) else load_checkup(checkup)


def render_circle_report(
    checkup: CheckupOutput | str | Path,
    circle_id: str,
    out_dir: str | Path,
    *,
    formats: Iterable[str] | str = FORMATS,
    lang: str = "zh",
    tile_url: str | None = None,
    tile_attribution: str | None = None,
    today: date | None = None,
) -> list[Path]:
    """Write the 体检报告 of one circle; returns the files written (``<id>.html`` …).

    ``tile_url`` adds a basemap to the HTML map (off by default: tiles need the internet);
    ``"osm"`` means OpenStreetMap, anything else is a Leaflet URL template (e.g. Tianditu
    with its ``tk=`` key).
    """
    from lifecircle.reports import excel, html, maps, word
    from lifecircle.reports.context import build_circle_report
    from lifecircle.reports.strings import Text

    ck = _checkup(checkup)
    fmts = _formats(formats)
    T = Text(lang)
    rep = build_circle_report(ck, circle_id, T, today)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    stem = f"{_safe(circle_id)}{'' if lang == 'zh' else '.' + lang}"
    written = []
    if "html" in fmts:
        p = out / f"{stem}.html"
        _write_text(p, html.circle_html(ck, rep, T, _tiles(tile_url, tile_attribution)))
        written.append(p)
    if "docx" in fmts:
        figs = [(maps.circle_overview_png(ck, rep, T), T("fig_overview", n="{n}"))]
        cat_png = maps.circle_categories_png(ck, rep, T)
        if cat_png is not None:
            figs.append((cat_png, T("fig_categories", n="{n}")))
        written.append(
            write_atomic(out / f"{stem}.docx", lambda p: word.circle_docx(rep, T, p, figs))
        )
    if "xlsx" in fmts:
        written.append(write_atomic(out / f"{stem}.xlsx", lambda p: excel.circle_xlsx(rep, T, p)))
    return written


def render_district_report(
    checkup: CheckupOutput | str | Path,
    out_dir: str | Path,
    *,
    formats: Iterable[str] | str = FORMATS,
    lang: str = "zh",
    tile_url: str | None = None,
    tile_attribution: str | None = None,
    today: date | None = None,
) -> list[Path]:
    """Write the district report (``district.html`` / ``.docx`` / ``.xlsx``)."""
    from lifecircle.reports import excel, html, maps, word
    from lifecircle.reports.context import build_district_report
    from lifecircle.reports.strings import Text

    ck = _checkup(checkup)
    fmts = _formats(formats)
    T = Text(lang)
    rep = build_district_report(ck, T, today)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    stem = "district" if lang == "zh" else f"district.{lang}"
    written = []
    if "html" in fmts:
        p = out / f"{stem}.html"
        _write_text(p, html.district_html(ck, rep, T, _tiles(tile_url, tile_attribution)))
        written.append(p)
    if "docx" in fmts:
        png = maps.district_png(ck, rep, T)
        written.append(
            write_atomic(out / f"{stem}.docx", lambda p: word.district_docx(rep, T, p, png))
        )
    if "xlsx" in fmts:
        written.append(write_atomic(out / f"{stem}.xlsx", lambda p: excel.district_xlsx(rep, T, p)))
    return written


def render_reports(
    checkup: CheckupOutput | str | Path,
    out_dir: str | Path,
    *,
    circle_ids: Iterable[str] | None = None,
    formats: Iterable[str] | str = FORMATS,
    lang: str = "zh",
    tile_url: str | None = None,
    tile_attribution: str | None = None,
    progress=None,
    workers: int | None = None,
) -> list[Path]:
    """The district report plus every circle's report (or only ``circle_ids``, no district).

    Circle reports are independent, so with ``workers`` > 1 (default: one per core, when
    there are more than four circles) they are rendered in separate processes, each
    reading the checkup directory once. Output is the same either way.

    ``out_dir`` is written as a unit (``io.write_folder``): it appears complete or not at
    all, replacing an earlier report folder only at the end. With ``circle_ids`` the
    earlier folder's other reports are kept. A folder holding other files is refused.
    """
    ck = _checkup(checkup)
    kw = dict(formats=formats, lang=lang, tile_url=tile_url, tile_attribution=tile_attribution)
    _formats(formats)  # bad formats fail here, before any work
    ids = list(circle_ids) if circle_ids else None
    names: list[str] = []

    def write(folder: Path) -> None:
        paths = _render_into(ck, folder, ids, kw, progress, workers)
        names.extend(p.name for p in paths)

    final = write_folder(out_dir, write, owns=_is_report_folder, keep_existing=ids is not None)
    return [final / name for name in names]


def _is_report_folder(folder: Path) -> bool:
    """Whether every file in ``folder`` is a report (.html / .docx / .xlsx)."""
    return all(
        p.is_file() and p.suffix.lower() in (".html", ".docx", ".xlsx")
        for p in folder.iterdir()
        if not p.name.startswith(".")
    )


def _render_into(ck, out_dir, ids, kw, progress, workers) -> list[Path]:
    written: list[Path] = []
    if ids is None:
        written += render_district_report(ck, out_dir, **kw)
        ids = ck.circle_ids()
    if workers is None:
        workers = (os.cpu_count() or 1) if len(ids) > 4 else 1
    if workers <= 1:
        for cid in ids:
            written += render_circle_report(ck, cid, out_dir, **kw)
            if progress is not None:
                progress(cid)
        return written
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    # spawn, not fork: the parent may hold numba's thread pool, which is not fork-safe
    with ProcessPoolExecutor(
        max_workers=workers,
        mp_context=mp.get_context("spawn"),
        initializer=_worker_init,
        initargs=(str(ck.path), str(out_dir), kw),
    ) as pool:
        for cid, paths in zip(ids, pool.map(_worker_render, ids), strict=True):
            written += paths
            if progress is not None:
                progress(cid)
    return written


_WORKER: dict = {}


def _worker_init(checkup_dir: str, out_dir: str, kw: dict) -> None:
    _WORKER.update(ck=load_checkup(checkup_dir), out_dir=out_dir, kw=kw)


def _worker_render(circle_id: str) -> list[Path]:
    return render_circle_report(_WORKER["ck"], circle_id, _WORKER["out_dir"], **_WORKER["kw"])


def _safe(name: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in str(name))


def _write_text(path: Path, text: str) -> None:
    write_atomic(path, lambda p: p.write_text(text, encoding="utf-8"))


__all__ = [
    "FORMATS",
    "CheckupOutput",
    "load_checkup",
    "render_circle_report",
    "render_district_report",
    "render_reports",
]
