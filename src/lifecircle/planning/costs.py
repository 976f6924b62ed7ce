"""What closing a circle's shortfalls costs and takes: project library first, else a cost table."""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from lifecircle.checkup.result import CircleResult, IndicatorResult, Shortfall
from lifecircle.errors import InputError
from lifecircle.planning.schedule import CircleNeed, Option
from lifecircle.standards import GradingRule, load_taxonomy

SOURCE_TABLE = "费用表"
SOURCE_PROJECTS = "项目库"


@dataclass(frozen=True)
class CostItem:
    """One shortfall to close for a grade: what, how much (万元), how long, from where."""

    indicator_id: str
    name_zh: str
    grade: str
    what: str
    cost: float
    months: float
    source: str


@dataclass(frozen=True)
class ProjectCost:
    """A project of the library: the indicators it closes, its budget (万元), its months."""

    code: str
    name: str
    indicator_ids: tuple[str, ...]
    cost: float
    months: float


@dataclass(frozen=True)
class FacilityCost:
    """One facility of a category: cost, months, residents served, cost per place / m²."""

    cost: float
    months: float
    serves: float
    per_place: float | None = None
    per_m2: float | None = None


@dataclass(frozen=True)
class CostTable:
    """The cost table (``planning/data/costs.yaml`` or a district's own file).

    ``placeholder`` is true for the shipped figures, which are placeholders, not
    estimates: every output that uses them says so (``note_zh``).
    """

    placeholder: bool
    note_zh: str
    default_facility: FacilityCost
    categories: Mapping[str, FacilityCost]
    manual: Option
    missing: Option
    indicators: Mapping[str, Option] = field(default_factory=dict)
    source: str = ""

    def facility(self, category: str) -> FacilityCost:
        """The cost of one facility of ``category`` (the default when not listed).

        Parameters
        ----------
        category : str
            A facility category id.

        Returns
        -------
        FacilityCost
            Its cost (万元), months and residents served.
        """
        return self.categories.get(category, self.default_facility)

    def item(
        self, ind: IndicatorResult, short: Shortfall | None, population: float
    ) -> tuple[float, float, str]:
        """Cost (万元), months and a Chinese description of closing one shortfall.

        Parameters
        ----------
        ind : IndicatorResult
            The circle's result of the indicator.
        short : Shortfall, optional
            Its shortfall (its suggestion, when worked out, gives the number of sites).
        population : float
            The circle's residents.

        Returns
        -------
        (float, float, str)
        """
        if ind.id in self.indicators:
            o = self.indicators[ind.id]
            return o.cost, o.months, f"{ind.name_zh}（按指标单列费用）"
        if ind.status == "missing":
            return self.missing.cost, self.missing.months, f"补充{ind.name_zh}的数据与佐证"
        cats = list(ind.facility_categories)
        if ind.kind == "manual" or not cats or ind.operator != ">=":
            return self.manual.cost, self.manual.months, f"{ind.name_zh}专项提升"
        fc = self.facility(cats[0])
        tax = load_taxonomy()
        name = tax.name_zh(cats[0]) if cats[0] in tax else cats[0]
        unit = (tax.capacity_unit(cats[0]) if cats[0] in tax else None) or "个位"
        value = float(ind.value or 0.0)
        gap = max(0.0, float(ind.threshold) - value)
        if ind.kind == "coverage":
            sug = short.suggestion if short is not None else None
            if sug is not None and sug.reachable and sug.count:
                n = int(sug.count)
                how = "（选址测算）"
            else:
                affected = short.affected_population if short is not None else population
                n = max(1, math.ceil(affected / max(fc.serves, 1.0)))
                how = "（按服务人口估算）"
            return n * fc.cost, fc.months, f"新增{name} {n} 处{how}"
        if ind.kind == "per_1000":
            places = math.ceil(gap * population / 1000.0)
            if fc.per_place is not None:
                return places * fc.per_place, fc.months, f"新增{name} {places} 个{unit}"
            return fc.cost, fc.months, f"新增{name} 1 处（约 {places} 个{unit}）"
        if ind.kind == "area_per_capita":
            area = gap * population
            if fc.per_m2 is not None:
                return area * fc.per_m2, fc.months, f"新增{name} {area:,.0f} 平方米"
            return fc.cost, fc.months, f"新增{name} 1 处（约 {area:,.0f} 平方米）"
        n = max(1, math.ceil(gap))  # count, presence
        return n * fc.cost, fc.months, f"新增{name} {n} 处"


def load_cost_table(path: str | os.PathLike[str] | None = None) -> CostTable:
    """Read a cost table (default: the shipped placeholder figures).

    Parameters
    ----------
    path : path, optional
        A YAML file shaped as ``lifecircle/planning/data/costs.yaml``.

    Returns
    -------
    CostTable

    Raises
    ------
    InputError
        Unreadable file, a missing section, a figure that is not a non-negative number.
    """
    if path is None:
        text = resources.files("lifecircle.planning").joinpath("data/costs.yaml").read_text("utf-8")
        name = "costs.yaml（内置示例）"
    else:
        p = Path(path)
        try:
            text = p.read_text(encoding="utf-8")
        except OSError as exc:
            raise InputError(
                f"读不到费用表：{exc}", file=str(p), fix="给出费用表 YAML 文件的路径。"
            ) from exc
        name = str(p)
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise InputError(
            f"费用表不是有效的 YAML：{exc}", file=name, fix="对照内置 costs.yaml 的格式修改。"
        ) from exc
    if not isinstance(doc, dict):
        raise InputError("费用表应为键值表", file=name, fix="对照内置 costs.yaml 的格式修改。")
    for key in ("default_facility", "categories", "manual", "missing"):
        if key not in doc:
            raise InputError(
                f"费用表缺少 {key}", file=name, field=key, fix="对照内置 costs.yaml 补上。"
            )
    return CostTable(
        placeholder=bool(doc.get("placeholder", False)),
        note_zh=str(doc.get("note_zh") or ""),
        default_facility=_facility(doc["default_facility"], name, "default_facility"),
        categories={
            str(k): _facility(v, name, f"categories.{k}")
            for k, v in (doc["categories"] or {}).items()
        },
        manual=_option(doc["manual"], name, "manual"),
        missing=_option(doc["missing"], name, "missing"),
        indicators={
            str(k): _option(v, name, f"indicators.{k}")
            for k, v in (doc.get("indicators") or {}).items()
        },
        source=name,
    )


def circle_need(
    circle: CircleResult,
    rule: GradingRule,
    table: CostTable,
    *,
    held: Mapping[str, int | None] | None = None,
    projects: Sequence[ProjectCost] = (),
) -> tuple[CircleNeed, list[CostItem]]:
    """What reaching AA and AAA costs one circle, from its checkup and the project library.

    AA needs every constraint indicator passed: each failing (or missing) one is an item.
    AAA needs the catalogue's rule: the cheapest failing guiding and characteristic
    indicators that bring the counts up to ``min_guiding_passed`` /
    ``min_characteristic_passed`` (and, with a score rule, the cheapest by cost per
    point until ``min_score``). An item's cost and months come from the projects of the
    library that name its indicator (each project counted once, its budget and
    remaining months), else from the cost table. A grade's months are the longest
    item's (works run side by side).

    Parameters
    ----------
    circle : CircleResult
        The circle's latest checkup.
    rule : GradingRule
        The catalogue's AAA rule.
    table : CostTable
        Costs of items no project covers.
    held : mapping, optional
        Grades the circle holds -> year reached.
    projects : sequence of ProjectCost
        The circle's open projects.

    Returns
    -------
    (CircleNeed, list of CostItem)
        The need (``options`` for the grades not held) and the items behind it.
    """
    held = dict(held or {})
    shorts = {s.indicator_id: s for s in circle.shortfalls}
    priced: dict[str, tuple[float, float, str, str]] = {}
    covering: dict[str, ProjectCost] = {}
    for p in projects:
        for iid in p.indicator_ids:
            covering.setdefault(iid, p)

    def price(ind: IndicatorResult) -> tuple[float, float, str, str]:
        if ind.id not in priced:
            p = covering.get(ind.id)
            if p is not None:
                priced[ind.id] = (p.cost, p.months, f"项目 {p.code} {p.name}", SOURCE_PROJECTS)
            else:
                c, m, what = table.item(ind, shorts.get(ind.id), circle.population)
                priced[ind.id] = (c, m, what, SOURCE_TABLE)
        return priced[ind.id]

    failing = [i for i in circle.indicators if i.status != "pass"]
    aa_items = [i for i in failing if i.category == "constraint"]
    aaa_items = _aaa_items(circle, rule, failing, price)
    items: list[CostItem] = []

    def option(grade: str, inds: list[IndicatorResult]) -> Option:
        used: set[str] = set()
        total, months = 0.0, 0.0
        for ind in inds:
            c, m, what, source = price(ind)
            p = covering.get(ind.id)
            if p is not None:
                c = 0.0 if p.code in used else c  # one project, counted once
                used.add(p.code)
            total += c
            months = max(months, m)
            items.append(CostItem(ind.id, ind.name_zh, grade, what, c, m, source))
        return Option(cost=total, months=months)

    options: dict[str, Option] = {}
    if "AA" not in held and "AAA" not in held:
        options["AA"] = option("AA", aa_items)
    if "AAA" not in held and aaa_items is not None:
        extra = aaa_items if ("AA" not in held) else aa_items + aaa_items
        options["AAA"] = option("AAA", extra)
    need = CircleNeed(
        id=circle.id,
        name=circle.name,
        street=circle.street,
        population=float(circle.population),
        held=held,
        options=options,
    )
    return need, items


def _aaa_items(
    circle: CircleResult, rule: GradingRule, failing: list[IndicatorResult], price: Any
) -> list[IndicatorResult] | None:
    """The cheapest set of failing indicators that meets the AAA rule (None: none does)."""
    chosen: dict[str, IndicatorResult] = {}
    for category, need in (
        ("guiding", rule.min_guiding_passed),
        ("characteristic", rule.min_characteristic_passed),
    ):
        if need is None:
            continue
        passed = sum(1 for i in circle.indicators if i.category == category and i.status == "pass")
        short = need - passed
        if short <= 0:
            continue
        pool = sorted(
            (i for i in failing if i.category == category), key=lambda i: (price(i)[0], i.id)
        )
        if len(pool) < short:
            return None
        chosen.update((i.id, i) for i in pool[:short])
    if rule.min_score is not None:
        score = sum(
            w
            for iid, w in rule.weights.items()
            if any(i.id == iid and i.status == "pass" for i in circle.indicators)
        )
        score += sum(rule.weights.get(iid, 0.0) for iid in chosen)
        pool = sorted(
            (i for i in failing if i.id not in chosen and rule.weights.get(i.id, 0.0) > 0),
            key=lambda i: (price(i)[0] / rule.weights[i.id], i.id),
        )
        for i in pool:
            if score >= rule.min_score:
                break
            chosen[i.id] = i
            score += rule.weights[i.id]
        if score < rule.min_score:
            return None
    return list(chosen.values())


def _number(value: Any, file: str, field_: str) -> float:
    try:
        out = float(value)
    except (TypeError, ValueError):
        raise InputError(
            f"{field_} 应为数字，现为 {value!r}", file=file, field=field_, fix="填非负数。"
        ) from None
    if not math.isfinite(out) or out < 0:
        raise InputError(
            f"{field_} 应为非负数，现为 {value!r}", file=file, field=field_, fix="填非负数。"
        )
    return out


def _option(doc: Any, file: str, field_: str) -> Option:
    if not isinstance(doc, dict) or "cost" not in doc or "months" not in doc:
        raise InputError(
            f"{field_} 须有 cost 与 months",
            file=file,
            field=field_,
            fix="例如 {cost: 30, months: 6}。",
        )
    return Option(
        _number(doc["cost"], file, f"{field_}.cost"),
        _number(doc["months"], file, f"{field_}.months"),
    )


def _facility(doc: Any, file: str, field_: str) -> FacilityCost:
    o = _option(doc, file, field_)
    return FacilityCost(
        cost=o.cost,
        months=o.months,
        serves=_number(doc.get("serves", 10000), file, f"{field_}.serves"),
        per_place=_number(doc["per_place"], file, f"{field_}.per_place")
        if "per_place" in doc
        else None,
        per_m2=_number(doc["per_m2"], file, f"{field_}.per_m2") if "per_m2" in doc else None,
    )
