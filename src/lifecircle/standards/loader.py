"""Catalogue loader: YAML in, JSON Schema and semantic checks, a Catalogue out."""

from __future__ import annotations

import datetime as dt
import json
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from lifecircle.errors import CatalogueError
from lifecircle.io.yaml_aliases import first_alias_line
from lifecircle.standards.model import (
    FACILITY_KINDS,
    Catalogue,
    GradingRule,
    Indicator,
)
from lifecircle.standards.taxonomy import Taxonomy, load_taxonomy

_DATA = resources.files("lifecircle.standards") / "data"


def list_catalogues() -> list[str]:
    """Names of the catalogues shipped with the package (usable in ``load_catalogue``)."""
    folder = _DATA / "catalogues"
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".yaml"))


@cache
def _schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(
        (_DATA / "catalogue.schema.json").read_text(encoding="utf-8")
    )
    return schema


def _resolve(name_or_path: str | Path) -> Path:
    text = str(name_or_path)
    if text in list_catalogues():
        return Path(str(_DATA / "catalogues" / f"{text}.yaml"))
    path = Path(name_or_path)
    if path.is_file():
        return path
    raise CatalogueError(
        f"no catalogue named or at {text!r}",
        file=text,
        fix=f"use one of {', '.join(list_catalogues())} or the path of a catalogue YAML file",
    )


def _dates_to_str(obj: Any) -> Any:
    """YAML reads 2025-12-31 as a date; the model keeps ISO strings."""
    if isinstance(obj, dt.date):
        return obj.isoformat()
    if isinstance(obj, dict):
        return {k: _dates_to_str(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_dates_to_str(v) for v in obj]
    return obj


def load_catalogue(name_or_path: str | Path, *, taxonomy: Taxonomy | None = None) -> Catalogue:
    """Load and validate a catalogue by shipped name or by path.

    Raises ``CatalogueError`` naming the file, the indicator id and the field, with the fix.
    Facility categories are checked against ``taxonomy`` (default: the shipped one).
    """
    path = _resolve(name_or_path)
    try:
        text = path.read_text(encoding="utf-8")
        alias = first_alias_line(text)
        data = None if alias is not None else yaml.safe_load(text)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise CatalogueError(
            f"cannot read the catalogue as UTF-8 YAML: {exc}",
            file=str(path),
            fix="save the file as UTF-8 and check the YAML syntax at the position shown",
        ) from exc
    if alias is not None:
        raise CatalogueError(
            f"第 {alias} 行使用了 YAML 别名（*名称）；指标体系文件不允许锚点与别名",
            file=str(path),
            fix="把别名处写成完整的内容，删去 & 锚点与 * 别名。",
        )
    data = _dates_to_str(data)
    if not isinstance(data, dict):
        raise CatalogueError(
            "the catalogue is not a YAML mapping",
            file=str(path),
            fix="start the file with id:, version:, indicators: … (see docs/catalogue-format.md)",
        )
    _check_duplicates(data, path)
    _check_schema(data, path)
    return _build(data, path, taxonomy or load_taxonomy())


def _ind_id(data: dict[str, Any], index: Any) -> str:
    try:
        iid = data["indicators"][index].get("id")
    except (KeyError, IndexError, TypeError, AttributeError):
        iid = None
    return str(iid) if iid is not None else f"#{int(index) + 1}"


def _err(path: Path, iid: str | None, field: str, message: str, fix: str) -> CatalogueError:
    where = f"indicator '{iid}': " if iid else ""
    return CatalogueError(where + message, file=str(path), field=field, fix=fix)


def _check_duplicates(data: dict[str, Any], path: Path) -> None:
    seen: set[str] = set()
    for row in data.get("indicators") or []:
        iid = row.get("id") if isinstance(row, dict) else None
        if iid is None:
            continue
        if iid in seen:
            raise _err(
                path,
                iid,
                "id",
                "the id appears more than once",
                "give every indicator its own id (ids are stable: rename the newer one)",
            )
        seen.add(iid)


def _check_schema(data: dict[str, Any], path: Path) -> None:
    import jsonschema  # only catalogues need it: the taxonomy alone loads without

    validator = jsonschema.Draft202012Validator(_schema())
    errors = sorted(validator.iter_errors(data), key=lambda e: [str(p) for p in e.absolute_path])
    if not errors:
        return
    e = errors[0]
    loc = list(e.absolute_path)
    if e.validator == "required":
        missing = [k for k in e.validator_value if k not in (e.instance or {})]
        field = missing[0] if missing else "?"
        message = f"the required field '{field}' is missing"
        fix = f"add {field}: to it (see docs/catalogue-format.md)"
    elif e.validator == "additionalProperties":
        extra = sorted(set(e.instance) - set(e.schema.get("properties", {})))
        field = extra[0] if extra else "?"
        message = f"unknown field '{field}'"
        fix = "remove it or correct its spelling (see docs/catalogue-format.md)"
    else:
        field = str(loc[-1]) if loc and isinstance(loc[-1], str) else ".".join(map(str, loc))
        if loc and isinstance(loc[-1], int) and len(loc) >= 2:
            field = str(loc[-2])
        message = f"invalid value: {e.message}"
        allowed = e.validator_value if e.validator == "enum" else None
        fix = (
            f"use one of {', '.join(map(str, allowed))}"
            if allowed
            else "correct the value (see docs/catalogue-format.md)"
        )
    iid = _ind_id(data, loc[1]) if len(loc) >= 2 and loc[0] == "indicators" else None
    if iid is None and loc:
        message = f"in '{'.'.join(map(str, loc[:-1] or loc))}': {message}"
    raise _err(path, iid, field, message, fix)


def _check_indicator(ind: Indicator, path: Path, taxonomy: Taxonomy) -> None:
    kind = ind.effective_kind
    if ind.kind == "district_target" and ind.scope != "district":
        raise _err(
            path,
            ind.id,
            "scope",
            "a district_target must have scope: district",
            "set scope: district",
        )
    if ind.measure is not None and ind.kind != "district_target":
        raise _err(
            path,
            ind.id,
            "measure",
            "measure: is only for kind district_target",
            "remove measure: or set kind: district_target",
        )
    for cat in ind.facility_categories:
        if cat not in taxonomy:
            raise _err(
                path,
                ind.id,
                "facility_categories",
                f"unknown facility category '{cat}'",
                f"use ids from the taxonomy: {', '.join(taxonomy.ids)}",
            )
    if kind in FACILITY_KINDS and not ind.facility_categories:
        raise _err(
            path,
            ind.id,
            "facility_categories",
            f"kind {kind} needs at least one facility category",
            "list the categories it measures, e.g. [kindergarten]",
        )
    if kind == "coverage":
        if ind.radius_m is None:
            raise _err(
                path,
                ind.id,
                "radius_m",
                "a coverage indicator has no radius_m",
                "set radius_m: the walking distance in metres, e.g. 300",
            )
        if ind.unit != "%" or not 0 <= ind.threshold <= 100:
            raise _err(
                path,
                ind.id,
                "threshold",
                "coverage is a share of population: unit must be '%' and the "
                "threshold between 0 and 100",
                "write unit: '%' and a threshold such as 90",
            )
    if kind == "presence" and (ind.operator != ">=" or ind.threshold != 1):
        raise _err(
            path,
            ind.id,
            "threshold",
            "presence means count >= 1",
            "write operator: '>=' and threshold: 1",
        )
    if kind == "per_1000":
        for cat in ind.facility_categories:
            if taxonomy.capacity_unit(cat) is None:
                raise _err(
                    path,
                    ind.id,
                    "facility_categories",
                    f"per_1000 needs capacities, and category '{cat}' has no capacity unit",
                    "use categories with a capacity unit (kindergarten, nursery, parking …) "
                    "or kind count",
                )
    _check_place(ind, path, taxonomy)
    if kind not in ("coverage", "per_1000") and ind.radius_m is not None:
        raise _err(
            path,
            ind.id,
            "radius_m",
            f"radius_m has no meaning for kind {kind}",
            "remove radius_m, or use kind coverage / per_1000",
        )


def _check_place(ind: Indicator, path: Path, taxonomy: Taxonomy) -> None:
    """A six-places indicator counts that place: per_1000 over categories of its unit, or
    a manual value (梯位, lifts, has no facility category)."""
    if ind.place is None:
        return
    kind = ind.effective_kind
    if kind not in ("per_1000", "manual"):
        raise _err(
            path,
            ind.id,
            "place",
            f"place: is for per_1000 or manual indicators, not kind {kind}",
            "remove place:, or measure the place per 1,000 residents (kind per_1000)",
        )
    units = {taxonomy.capacity_unit(c) for c in ind.facility_categories}
    if kind == "per_1000" and units != {ind.place}:
        raise _err(
            path,
            ind.id,
            "place",
            f"place {ind.place} does not match the capacity unit of its categories "
            f"({'、'.join(sorted(u or '—' for u in units))})",
            "name the place the categories' capacities count, or correct the categories",
        )


def _build(data: dict[str, Any], path: Path, taxonomy: Taxonomy) -> Catalogue:
    indicators = []
    for row in data["indicators"]:
        ind = Indicator(
            id=row["id"],
            name_zh=row["name_zh"],
            name_en=row["name_en"],
            category=row["category"],
            kind=row["kind"],
            operator=row["operator"],
            threshold=float(row["threshold"]),
            unit=row["unit"],
            source=row["source"],
            verified=row["verified"],
            facility_categories=tuple(row.get("facility_categories") or ()),
            radius_m=None if row.get("radius_m") is None else float(row["radius_m"]),
            scope=row.get("scope", "district" if row["kind"] == "district_target" else "circle"),
            measure=row.get("measure"),
            plan_item=row.get("plan_item"),
            responsible_units=tuple(row.get("responsible_units") or ()),
            deadline=row.get("deadline"),
            notes=row.get("notes"),
            source_note=row.get("source_note"),
            place=row.get("place"),
        )
        _check_indicator(ind, path, taxonomy)
        indicators.append(ind)

    notice = data.get("notice") or {}
    if data["provisional"] and not notice:
        raise _err(
            path,
            None,
            "notice",
            "a provisional catalogue must carry a notice",
            "add notice: {zh: …, en: …} saying what is provisional and why",
        )
    g = data["grading"]
    aaa = g["aaa"]
    rule = GradingRule(
        min_guiding_passed=aaa.get("min_guiding_passed"),
        min_characteristic_passed=aaa.get("min_characteristic_passed"),
        weights=dict(aaa.get("weights") or {}),
        min_score=aaa.get("min_score"),
        note_zh=g.get("note_zh"),
        note_en=g.get("note_en"),
    )
    cat = Catalogue(
        id=data["id"],
        version=str(data["version"]),
        title_zh=data["title_zh"],
        title_en=data["title_en"],
        provisional=data["provisional"],
        sources=tuple(data["sources"]),
        indicators=indicators,
        grading=rule,
        notice_zh=notice.get("zh"),
        notice_en=notice.get("en"),
        path=path,
    )
    _check_grading(cat, path)
    return cat


def _check_grading(cat: Catalogue, path: Path) -> None:
    rule = cat.grading
    fix_count = "lower the number or add indicators of that category"
    for field, category, need in (
        ("grading.aaa.min_guiding_passed", "guiding", rule.min_guiding_passed),
        ("grading.aaa.min_characteristic_passed", "characteristic", rule.min_characteristic_passed),
    ):
        have = len(cat.by_category(category))
        if need is not None and need > have:
            raise _err(
                path,
                None,
                field,
                f"the grading rule asks for {need} passing {category} indicators but "
                f"the catalogue has only {have} at circle scope",
                fix_count,
            )
    if (rule.min_score is None) != (not rule.weights):
        raise _err(
            path,
            None,
            "grading.aaa.weights",
            "the score form needs both weights and min_score",
            "give weights: {indicator_id: points} and min_score: together",
        )
    by_id = {i.id: i for i in cat.indicators}
    for iid in rule.weights:
        ind = by_id.get(iid)
        if ind is None:
            raise _err(
                path,
                None,
                "grading.aaa.weights",
                f"the grading rule weights an indicator '{iid}' that does not exist",
                "use ids of indicators in this catalogue",
            )
        if ind.scope != "circle" or ind.category == "constraint":
            raise _err(
                path,
                None,
                "grading.aaa.weights",
                f"'{iid}' cannot be weighted: only circle-scope guiding and "
                "characteristic indicators count towards AAA",
                "weight guiding or characteristic indicators with scope circle",
            )
    if rule.min_score is not None and rule.min_score > sum(rule.weights.values()):
        raise _err(
            path,
            None,
            "grading.aaa.min_score",
            f"min_score {rule.min_score:g} exceeds the total of the weights "
            f"{sum(rule.weights.values()):g}, so AAA is unreachable",
            "lower min_score or raise the weights",
        )
