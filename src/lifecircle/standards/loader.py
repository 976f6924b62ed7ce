"""Catalogue loader: YAML in, JSON Schema and semantic checks, a Catalogue out."""

from __future__ import annotations

import datetime as dt
import json
import re
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from lifecircle.errors import CatalogueError
from lifecircle.io.foreign_zh import explain
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
    """Names of the catalogues shipped with the package (usable in ``load_catalogue``).

    Returns
    -------
    list of str
        The shipped catalogue names, sorted.
    """
    folder = _DATA / "catalogues"
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".yaml"))


@cache
def _schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(
        (_DATA / "catalogue.schema.json").read_text(encoding="utf-8")
    )
    return schema


@cache
def _shipped_by_title() -> dict[str, str]:
    """Shipped catalogue names by their Chinese title (a user may type the title)."""
    out: dict[str, str] = {}
    for name in list_catalogues():
        text = (_DATA / "catalogues" / f"{name}.yaml").read_text(encoding="utf-8")
        m = re.search(r"^title_zh:\s*['\"]?(.+?)['\"]?\s*$", text, flags=re.M)
        if m:
            out[m.group(1).strip()] = name
    return out


def _resolve(name_or_path: str | Path) -> Path:
    text = str(name_or_path)
    if text in list_catalogues():
        return Path(str(_DATA / "catalogues" / f"{text}.yaml"))
    path = Path(name_or_path)
    if path.is_file():
        return path
    by_title = _shipped_by_title().get(text.strip())
    if by_title is not None:
        return Path(str(_DATA / "catalogues" / f"{by_title}.yaml"))
    raise CatalogueError(
        f"没有名为 {text!r} 的指标体系，也没有这个文件",
        file=text,
        fix=f"写内置指标体系之一（{'、'.join(list_catalogues())}）或指标体系 YAML 文件的路径",
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

    Parameters
    ----------
    name_or_path : str or pathlib.Path
        A shipped catalogue name (`list_catalogues`) or a YAML file in the same format.
    taxonomy : Taxonomy, optional
        The facility taxonomy to check categories against.

    Returns
    -------
    Catalogue
        The indicators, grading rule and provenance.
    """
    path = _resolve(name_or_path)
    try:
        text = path.read_text(encoding="utf-8")
        alias = first_alias_line(text)
        data = None if alias is not None else yaml.safe_load(text)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise CatalogueError(
            f"无法按 UTF-8 YAML 读取指标体系：{explain(exc)}",
            file=str(path),
            fix="另存为 UTF-8，并检查所示位置的 YAML 语法",
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
            "指标体系文件不是“键: 值”形式的 YAML",
            file=str(path),
            fix="文件以 id:、version:、indicators: … 开头（见 docs/catalogue-format.md）",
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
    where = f"指标 '{iid}'：" if iid else ""
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
                "编号重复出现",
                "每项指标用不同的编号（编号保持稳定：请改新加的那一项）",
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
        message = f"缺少必需的字段“{field}”"
        fix = f"加上 {field}:（见 docs/catalogue-format.md）"
    elif e.validator == "additionalProperties":
        extra = sorted(set(e.instance) - set(e.schema.get("properties", {})))
        field = extra[0] if extra else "?"
        message = f"不认识的字段“{field}”"
        fix = "删去或改正拼写（见 docs/catalogue-format.md）"
    else:
        field = str(loc[-1]) if loc and isinstance(loc[-1], str) else ".".join(map(str, loc))
        if loc and isinstance(loc[-1], int) and len(loc) >= 2:
            field = str(loc[-2])
        message = f"值无效：{e.message}"
        allowed = e.validator_value if e.validator == "enum" else None
        fix = (
            f"写以下之一：{'、'.join(map(str, allowed))}"
            if allowed
            else "改正该值（见 docs/catalogue-format.md）"
        )
    iid = _ind_id(data, loc[1]) if len(loc) >= 2 and loc[0] == "indicators" else None
    if iid is None and loc:
        message = f"在“{'.'.join(map(str, loc[:-1] or loc))}”中：{message}"
    raise _err(path, iid, field, message, fix)


def _check_indicator(ind: Indicator, path: Path, taxonomy: Taxonomy) -> None:
    kind = ind.effective_kind
    if ind.kind == "district_target" and ind.scope != "district":
        raise _err(
            path,
            ind.id,
            "scope",
            "district_target 指标须写 scope: district",
            "写 scope: district",
        )
    if ind.measure is not None and ind.kind != "district_target":
        raise _err(
            path,
            ind.id,
            "measure",
            "measure: 只用于 district_target 指标",
            "删去 measure:，或写 kind: district_target",
        )
    for cat in ind.facility_categories:
        if cat not in taxonomy:
            raise _err(
                path,
                ind.id,
                "facility_categories",
                f"未知的设施类别“{cat}”",
                f"用设施分类中的编号：{'、'.join(taxonomy.ids)}",
            )
    if kind in FACILITY_KINDS and not ind.facility_categories:
        raise _err(
            path,
            ind.id,
            "facility_categories",
            f"{kind} 类指标至少要有一个设施类别",
            "列出它所衡量的设施类别，如 [kindergarten]",
        )
    if kind == "coverage":
        if ind.radius_m is None:
            raise _err(
                path,
                ind.id,
                "radius_m",
                "覆盖率指标没有 radius_m",
                "写 radius_m：步行距离（米），如 300",
            )
        if ind.unit != "%" or not 0 <= ind.threshold <= 100:
            raise _err(
                path,
                ind.id,
                "threshold",
                "覆盖率是人口比例：单位须为 '%'，阈值在 0～100 之间",
                "写 unit: '%'，阈值如 90",
            )
    if kind == "presence" and (ind.operator != ">=" or ind.threshold != 1):
        raise _err(
            path,
            ind.id,
            "threshold",
            "presence 指标表示数量 >= 1",
            "写 operator: '>=' 和 threshold: 1",
        )
    if kind == "per_1000":
        for cat in ind.facility_categories:
            if taxonomy.capacity_unit(cat) is None:
                raise _err(
                    path,
                    ind.id,
                    "facility_categories",
                    f"per_1000 指标需要容量，但类别“{cat}”没有容量单位",
                    "用有容量单位的类别（kindergarten、nursery、parking …），或改为 count 指标",
                )
    _check_place(ind, path, taxonomy)
    if kind not in ("coverage", "per_1000") and ind.radius_m is not None:
        raise _err(
            path,
            ind.id,
            "radius_m",
            f"radius_m 对 {kind} 类指标没有意义",
            "删去 radius_m，或改为 coverage / per_1000 指标",
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
            f"place: 只用于 per_1000 或 manual 指标，不用于 {kind}",
            "删去 place:，或按千人指标（per_1000）衡量",
        )
    units = {taxonomy.capacity_unit(c) for c in ind.facility_categories}
    if kind == "per_1000" and units != {ind.place}:
        raise _err(
            path,
            ind.id,
            "place",
            f"place {ind.place} 与其设施类别的容量单位"
            f"（{'、'.join(sorted(u or '—' for u in units))}）不一致",
            "写这些类别容量所计的“位”，或改正设施类别",
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
            "暂行（provisional）指标体系须带说明（notice）",
            "加上 notice: {zh: …, en: …}，说明哪些是暂行的、为什么",
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


_CATEGORY_ZH = {"guiding": "引导性", "characteristic": "特色性", "constraint": "约束性"}


def _check_grading(cat: Catalogue, path: Path) -> None:
    rule = cat.grading
    fix_count = "调低数量，或增加该类指标"
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
                f"评级规则要求 {need} 项{_CATEGORY_ZH.get(category, category)}指标达标，"
                f"但指标体系在生活圈层面只有 {have} 项",
                fix_count,
            )
    if (rule.min_score is None) != (not rule.weights):
        raise _err(
            path,
            None,
            "grading.aaa.weights",
            "计分方式须同时给出 weights 和 min_score",
            "同时写 weights: {指标编号: 分值} 和 min_score:",
        )
    by_id = {i.id: i for i in cat.indicators}
    for iid in rule.weights:
        ind = by_id.get(iid)
        if ind is None:
            raise _err(
                path,
                None,
                "grading.aaa.weights",
                f"评级规则给不存在的指标“{iid}”赋了分",
                "用本指标体系中的指标编号",
            )
        if ind.scope != "circle" or ind.category == "constraint":
            raise _err(
                path,
                None,
                "grading.aaa.weights",
                f"“{iid}”不能计分：只有生活圈层面的引导性和特色性指标计入 AAA",
                "只给 scope 为 circle 的引导性、特色性指标赋分",
            )
    if rule.min_score is not None and rule.min_score > sum(rule.weights.values()):
        raise _err(
            path,
            None,
            "grading.aaa.min_score",
            f"min_score {rule.min_score:g} 超过各项分值之和 {sum(rule.weights.values()):g}，"
            "AAA 永远达不到",
            "调低 min_score 或调高分值",
        )
