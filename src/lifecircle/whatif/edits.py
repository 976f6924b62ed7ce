"""What a what-if changes: facilities added, moved or removed, compounds added or removed."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from lifecircle.errors import InputError
from lifecircle.io.coords import COORD_SYSTEMS, to_wgs84
from lifecircle.standards import load_taxonomy

OPS = ("add_facility", "move_facility", "remove_facility", "add_compound", "remove_compound")
OP_ZH = {
    "add_facility": "新增设施",
    "move_facility": "迁移设施",
    "remove_facility": "撤除设施",
    "add_compound": "新增小区",
    "remove_compound": "拆除小区",
}


@dataclass(frozen=True)
class Edit:
    """One change. Places are WGS-84 ``lon`` / ``lat`` or ``x`` / ``y`` in the district's CRS.

    ``op`` is one of :data:`OPS`; ``id`` names the facility or compound moved or
    removed (for additions, the new one's id, chosen when not given); ``category``,
    ``capacity``, ``floor_area_m2`` describe a new facility; ``population``,
    ``households``, ``community`` a new compound; ``name`` either.
    """

    op: str
    id: str | None = None
    category: str | None = None
    lon: float | None = None
    lat: float | None = None
    x: float | None = None
    y: float | None = None
    capacity: float | None = None
    floor_area_m2: float | None = None
    population: float | None = None
    households: float | None = None
    community: str | None = None
    name: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The edit as ``run.scenario.edits`` lists it (empty fields left out).

        Returns
        -------
        dict
            Field name to value, ``op`` first.
        """
        return {k: v for k, v in asdict(self).items() if v is not None}

    @property
    def label(self) -> str:
        """A short Chinese description: "新增设施 幼儿园 @ 112.98300,28.12100"."""
        parts = [OP_ZH.get(self.op, self.op)]
        if self.category:
            parts.append(load_taxonomy().name_zh(self.category))
        if self.id and self.op not in ("add_facility", "add_compound"):
            parts.append(self.id)
        if self.lon is not None and self.lat is not None:
            parts.append(f"@ {self.lon:.5f},{self.lat:.5f}")
        return " ".join(parts)


def edit_from_dict(data: Mapping[str, Any], *, row: int | None = None) -> Edit:
    """An edit from a mapping (the web's JSON, a scenario file), checked.

    Parameters
    ----------
    data : mapping
        ``op`` and the fields of :class:`Edit`; ``category`` may be an id or a Chinese
        name; numbers may be strings.
    row : int, optional
        Its place in a list (from 1), named in errors.

    Returns
    -------
    Edit

    Raises
    ------
    InputError
        Unknown ``op`` or category, a missing place or population, a number that is not
        one; the message says which field and how to fix it.
    """
    op = str(data.get("op") or "").strip()
    if op not in OPS:
        raise InputError(
            f"未知的推演操作 {op!r}",
            row=row,
            field="op",
            fix="可用：" + "、".join(f"{k}（{v}）" for k, v in OP_ZH.items()),
        )
    kw: dict[str, Any] = {"op": op}
    for key in ("lon", "lat", "x", "y", "capacity", "floor_area_m2", "population", "households"):
        if data.get(key) not in (None, ""):
            kw[key] = _number(data[key], key, row)
    for key in ("id", "community", "name"):
        if data.get(key) not in (None, ""):
            kw[key] = str(data[key]).strip()
    if op == "add_facility":
        kw["category"] = category_id(data.get("category"), row=row)
    if op in ("move_facility", "remove_facility", "remove_compound") and not kw.get("id"):
        raise InputError(
            f"{OP_ZH[op]}须给出编号", row=row, field="id", fix="填写设施或小区的编号 id。"
        )
    if op in ("add_facility", "move_facility", "add_compound"):
        has_ll = "lon" in kw and "lat" in kw
        has_xy = "x" in kw and "y" in kw
        if not (has_ll or has_xy):
            raise InputError(
                f"{OP_ZH[op]}须给出位置",
                row=row,
                field="lon",
                fix="给出经度 lon、纬度 lat（WGS-84），或本区投影坐标 x、y。",
            )
    if op == "add_compound" and "population" not in kw:
        raise InputError(
            "新增小区须给出人口", row=row, field="population", fix="例如 population=3000。"
        )
    for key in ("capacity", "floor_area_m2", "population", "households"):
        if key in kw and kw[key] < 0:
            raise InputError(f"{key} 不能为负数：{kw[key]}", row=row, field=key, fix="填非负数。")
    return Edit(**kw)


def category_id(value: Any, *, row: int | None = None) -> str:
    """A facility category id from an id or a Chinese / English name (InputError if none)."""
    tax = load_taxonomy()
    cat = tax.category_for_label(value)
    if cat is None:
        raise InputError(
            f"未知的设施类别 {value!r}",
            row=row,
            field="category",
            fix="用类别编号或中文名，如 kindergarten 或 幼儿园；全部类别见 docs/interfaces.md。",
        )
    return cat


def parse_place(text: str, *, coords: str = "wgs84", what: str = "位置") -> tuple[float, float]:
    """``"LON,LAT"`` (in ``coords``: wgs84, cgcs2000, gcj02, bd09) as WGS-84 lon, lat.

    Raises
    ------
    InputError
        Not two numbers, or out of range.
    """
    if coords not in COORD_SYSTEMS:
        raise InputError(
            f"未知的坐标系 {coords!r}", field="coords", fix="用 " + "、".join(COORD_SYSTEMS) + "。"
        )
    parts = [p.strip() for p in text.replace("，", ",").split(",")]
    try:
        lon, lat = (float(p) for p in parts)
    except ValueError:
        raise InputError(
            f"{what} {text!r} 不是“经度,纬度”",
            field=what,
            fix="例如 112.98300,28.12100（先经度后纬度，英文逗号分隔）。",
        ) from None
    if not (-180 <= lon <= 180 and -90 <= lat <= 90) or not (math.isfinite(lon + lat)):
        raise InputError(
            f"{what} {text!r} 超出经纬度范围",
            field=what,
            fix="先经度（-180~180）后纬度（-90~90），例如 112.98300,28.12100。",
        )
    if coords in ("gcj02", "bd09"):
        a, b = to_wgs84([lon], [lat], coords=coords)
        lon, lat = float(a[0]), float(b[0])
    return lon, lat


def parse_add(text: str, *, coords: str = "wgs84") -> Edit:
    """``"CATEGORY@LON,LAT"`` or ``"CATEGORY@LON,LAT@CAPACITY"`` (the CLI's ``--add``).

    Parameters
    ----------
    text : str
        The facility to add, e.g. ``幼儿园@112.98300,28.12100@300``.
    coords : str
        The system the place is given in: ``wgs84``, ``cgcs2000``, ``gcj02`` or ``bd09``
        (converted to WGS-84).

    Returns
    -------
    Edit
        An ``add_facility`` edit.
    """
    parts = text.split("@")
    if len(parts) not in (2, 3) or not parts[0].strip():
        raise InputError(
            f"--add {text!r} 的格式不对",
            field="--add",
            fix="写成 类别@经度,纬度，如 幼儿园@112.98300,28.12100，可再加 @容量（如 @300）。",
        )
    lon, lat = parse_place(parts[1], coords=coords, what="--add 的位置")
    data: dict[str, Any] = {
        "op": "add_facility",
        "category": parts[0].strip(),
        "lon": lon,
        "lat": lat,
    }
    if len(parts) == 3:
        data["capacity"] = parts[2]
    return edit_from_dict(data)


def parse_move(text: str, *, coords: str = "wgs84") -> Edit:
    """``"ID@LON,LAT"`` (the CLI's ``--move``).

    Parameters
    ----------
    text : str
        The facility id and its new place, e.g. ``F00012@112.98300,28.12100``.
    coords : str
        The system the place is given in: ``wgs84``, ``cgcs2000``, ``gcj02`` or ``bd09``
        (converted to WGS-84).

    Returns
    -------
    Edit
        A ``move_facility`` edit.
    """
    fid, sep, place = text.partition("@")
    if not sep or not fid.strip():
        raise InputError(
            f"--move {text!r} 的格式不对", field="--move", fix="写成 设施编号@经度,纬度。"
        )
    lon, lat = parse_place(place, coords=coords, what="--move 的位置")
    return Edit(op="move_facility", id=fid.strip(), lon=lon, lat=lat)


def parse_add_compound(text: str, *, coords: str = "wgs84") -> Edit:
    """``"LON,LAT,POPULATION[,NAME]"`` (the CLI's ``--add-compound``).

    Parameters
    ----------
    text : str
        The compound to add, e.g. ``112.98300,28.12100,3000,新建小区``.
    coords : str
        The system the place is given in: ``wgs84``, ``cgcs2000``, ``gcj02`` or ``bd09``
        (converted to WGS-84).

    Returns
    -------
    Edit
        An ``add_compound`` edit.
    """
    parts = [p.strip() for p in text.replace("，", ",").split(",")]
    if len(parts) not in (3, 4):
        raise InputError(
            f"--add-compound {text!r} 的格式不对",
            field="--add-compound",
            fix="写成 经度,纬度,人口[,名称]，如 112.98300,28.12100,3000,新建小区。",
        )
    lon, lat = parse_place(",".join(parts[:2]), coords=coords, what="--add-compound 的位置")
    data: dict[str, Any] = {"op": "add_compound", "lon": lon, "lat": lat, "population": parts[2]}
    if len(parts) == 4:
        data["name"] = parts[3]
    return edit_from_dict(data)


def _number(value: Any, key: str, row: int | None) -> float:
    try:
        out = float(value)
    except (TypeError, ValueError):
        raise InputError(
            f"{key} 应为数字，现为 {value!r}", row=row, field=key, fix="填数字。"
        ) from None
    if not math.isfinite(out):
        raise InputError(f"{key} 应为有限数字，现为 {value!r}", row=row, field=key, fix="填数字。")
    return out
