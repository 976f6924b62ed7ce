"""What-ifs over the stored checkup: find the district package it ran on, prepare the what-if
engine (the checkup run again in memory, once), and try new facilities in a circle."""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from sqlalchemy.orm import Session

from lifecircle.errors import InputError, RuleError
from lifecircle.workflow.maps import NEAREST, latest_map

if TYPE_CHECKING:
    from lifecircle.whatif import WhatIf

MAX_NEW_FACILITIES = 10


@dataclass(frozen=True)
class WhatIfSource:
    """Where the stored checkup came from: enough to run it again in memory."""

    run_key: str
    input_hash: str
    district_path: str
    catalogue: str  # a built-in catalogue's id, or a YAML file
    max_snap_m: float


def whatif_source(session: Session) -> WhatIfSource:
    """The newest checkup with map layers and the district package it ran on.

    Raises
    ------
    InputError
        No checkup with map layers, or its district package was not recorded.
    """
    found = latest_map(session)
    if found is None:
        raise InputError(
            "数据库中还没有体检地图数据，无法推演",
            field="checkup_map",
            fix="运行 lifecircle import maps 体检输出文件夹 --district 区数据包",
        )
    record, run = found
    if not record.district_path:
        raise InputError(
            f"体检 {run.run_key} 导入时没有登记区数据包，无法推演",
            field="district_path",
            fix="重新运行 lifecircle import maps 体检输出文件夹 --district 区数据包",
        )
    return WhatIfSource(
        run_key=run.run_key,
        input_hash=run.input_hash,
        district_path=record.district_path,
        catalogue=record.catalogue_path or run.catalogue_id,
        max_snap_m=record.max_snap_m,
    )


def prepare_engine(source: WhatIfSource) -> WhatIf:
    """Run the checkup of ``source`` again in memory and prepare its what-if engine.

    Takes as long as the checkup (seconds for the demo); callers keep the engine.

    Raises
    ------
    InputError
        The district package is gone; ``RuleError`` when its files changed since the
        checkup (the input hash differs).
    """
    from lifecircle.checkup.run import run_checkup
    from lifecircle.district import load_district
    from lifecircle.standards import load_catalogue
    from lifecircle.whatif import WhatIf

    package = Path(source.district_path)
    if not (package / "district.yaml").is_file():
        raise InputError(
            "找不到体检所用的区数据包",
            file=str(package),
            fix="把区数据包放回原处，或重新运行 lifecircle import maps … --district 新位置",
        )
    district = load_district(package)
    if district.input_hash != source.input_hash:
        raise RuleError(
            f"区数据包 {package} 自体检 {source.run_key} 以来已有改动（输入哈希不同），"
            "推演结果将与库中的体检不一致",
            fix="用该数据包重新体检并导入（lifecircle checkup … 后 lifecircle import maps …）",
        )
    cat_path = Path(source.catalogue)
    catalogue = load_catalogue(
        cat_path if cat_path.suffix in (".yaml", ".yml") else source.catalogue
    )
    checkup = run_checkup(district, catalogue, max_snap_m=source.max_snap_m)
    engine = WhatIf(checkup, catalogue)
    _warm(engine)
    return engine


def _warm(engine: WhatIf) -> None:
    """One throw-away what-if, so the first user's click does not wait for the kernels to
    compile (seconds, once per process)."""
    from lifecircle.whatif import edit_from_dict

    comp = engine.checkup.district.compounds
    if not len(comp) or not engine.categories:
        return
    point = comp.geometry.iloc[0]
    edit = {"op": "add_facility", "category": engine.categories[0], "x": point.x, "y": point.y}
    engine.apply([edit_from_dict(edit)])


def try_facilities(
    engine: WhatIf, circle: str, adds: Sequence[str], *, category: str | None = None
) -> dict[str, Any]:
    """New facilities (``"类别@经度,纬度"`` each) tried on the prepared checkup.

    Parameters
    ----------
    engine : WhatIf
        The prepared engine (`prepare_engine`).
    circle : str
        The circle looked at: its grade and every indicator before and after are given
        even when nothing changed.
    adds : sequence of str
        At most ``MAX_NEW_FACILITIES`` places, each ``CATEGORY@LON,LAT`` (category id or
        Chinese name, WGS-84).
    category : str, optional
        The category whose walking distances of the circle's compounds are returned
        after the change (for the map); default the first added.

    Returns
    -------
    dict
        ``circle`` (``id``, ``name``, ``grade_before``, ``grade_after``, ``grade_reason``,
        ``indicators``: id, name, unit, threshold, operator, value and status before and
        after, ``changed``), ``others`` (other circles changed: id, name, grades),
        ``grades`` (district counts before and after), ``compounds`` (id → walk after, m,
        for ``category``), ``added`` (the places as applied, with their circle), ``note``,
        ``seconds``.

    Raises
    ------
    InputError
        A malformed place or unknown category (its ``row`` is its place in ``adds``),
        too many places, or an unknown circle.
    """
    from lifecircle.whatif import parse_add
    from lifecircle.whatif.edits import category_id

    if len(adds) > MAX_NEW_FACILITIES:
        raise InputError(
            f"一次最多推演 {MAX_NEW_FACILITIES} 处新设施（收到 {len(adds)} 处）",
            field="add",
            fix="先撤销一些再添加",
        )
    edits = []
    for row, text in enumerate(adds, start=1):
        try:
            edits.append(parse_add(text))
        except InputError as exc:
            raise InputError(_web_words(exc.message), row=row, field="add", fix=exc.fix) from None
    base = engine.checkup.result
    if circle not in base.circle_ids():
        raise InputError(
            f"体检 {base.run.id} 中没有生活圈 {circle}",
            field="circle",
            fix="该生活圈在体检之后才加入：重新体检并导入（lifecircle import maps）后再推演",
        )
    before = base.circle(circle)
    t0 = time.perf_counter()
    out = engine.apply(edits)
    after = out.result.circle(circle)
    cat = category_id(category) if category else (edits[0].category if edits else None)
    compounds: dict[str, float | None] = {}
    base_homes = engine.base
    if cat is not None and NEAREST + cat in base_homes.homes.columns:
        # only facilities are added: the base homes, their new walks where a change reached
        col = out.work.cols.get(NEAREST + cat)
        walks = col if col is not None else base_homes.array(NEAREST + cat)
        mine = np.flatnonzero(base_homes.home_circle == circle)
        for k in mine.tolist():
            m = float(walks[k])
            compounds[str(base_homes.home_ids[k])] = round(m) if math.isfinite(m) else None
    was = {i.id: i for i in before.indicators}
    indicators = []
    for i in after.indicators:
        o = was[i.id]
        indicators.append(
            {
                "id": i.id,
                "name_zh": i.name_zh,
                "unit": i.unit,
                "operator": i.operator,
                "threshold": i.threshold,
                "category": i.category,
                "value_before": _round(o.value),
                "value_after": _round(i.value),
                "status_before": o.status,
                "status_after": i.status,
                "changed": (o.status, _round(o.value)) != (i.status, _round(i.value)),
            }
        )
    indicators.sort(key=lambda r: (not r["changed"], r["category"] != "constraint"))
    keep = ("id", "name", "grade_before", "grade_after")
    others = [{k: c[k] for k in keep} for c in out.changes() if c["id"] != circle]
    return {
        "circle": {
            "id": circle,
            "name": after.name,
            "grade_before": before.grade,
            "grade_after": after.grade,
            "grade_reason": after.grade_reason,
            "indicators": indicators,
        },
        "others": others,
        "grades": {"before": base.grade_counts, "after": out.result.grade_counts},
        "compounds": compounds,
        "added": [
            {
                "category": e.category,
                "lon": e.lon,
                "lat": e.lat,
                "circle": engine.locate(engine.place(e)[0]),
            }
            for e in out.edits
        ],
        "note": (out.result.run.scenario or {}).get("note"),
        "seconds": round(time.perf_counter() - t0, 4),
    }


def _round(value: float | None) -> float | None:
    if value is None or not math.isfinite(value):
        return None
    return round(float(value), 4)


def places_of(adds: Sequence[str]) -> list[dict[str, Any]]:
    """``"类别@经度,纬度"`` each as ``{"category", "lon", "lat"}`` (category as its id).

    Raises
    ------
    InputError
        A malformed place or unknown category (``row``: its place in ``adds``).
    """
    from lifecircle.whatif import parse_add

    out = []
    for row, text in enumerate(adds[:MAX_NEW_FACILITIES], start=1):
        try:
            e = parse_add(text)
        except InputError as exc:
            raise InputError(_web_words(exc.message), row=row, field="add", fix=exc.fix) from None
        out.append({"category": e.category, "lon": e.lon, "lat": e.lat})
    return out


def _web_words(message: str) -> str:
    """The place parser's message without the command line's flag name."""
    return (
        message.replace("--add 的位置", "位置").replace("--add ", "").replace("--add", "新增设施")
    )
