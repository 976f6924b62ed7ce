"""Checkup results as typed objects, and ``checkup.json`` (schema: docs/checkup-schema.md).

``CheckupResult`` is the one contract between the checkup and every part that reads it
(reports, workflow, web): built in memory by ``run_checkup`` or read (and validated against
the shipped JSON Schema) by :meth:`CheckupResult.read` / :meth:`CheckupResult.from_dict`.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from functools import cache, cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from lifecircle.checkup.suggestion import Suggestion
from lifecircle.errors import FileFormatError, InputError, SchemaError
from lifecircle.io.foreign_zh import explain
from lifecircle.io.jsontext import dumps_indented
from lifecircle.standards.model import IndicatorInfo

if TYPE_CHECKING:
    import jsonschema_rs
    from _typeshed import DataclassInstance

    from lifecircle.standards.model import Indicator

SCHEMA_VERSION = "1.1"
#: versions this one reads: 1.1 added ``run.data_date``, the indicator ``place``,
#: ``circles[].shortfalls[].suggestion`` and ``run.scenario`` (all optional), so every 1.0
#: document is a valid 1.1 one
READS_VERSIONS = ("1.0", "1.1")
_T = TypeVar("_T", bound="DataclassInstance")


@cache
def _plan(cls: type) -> tuple[tuple[str, bool], ...]:
    """A dataclass's field names, each with whether it holds a tuple (looked up once)."""
    return tuple((f.name, str(f.type).startswith("tuple")) for f in fields(cls))


#: field_names' answers: a demo's import asks 60,000 times
_NAMES: dict[type, tuple[str, ...]] = {}


def field_names(cls: type) -> tuple[str, ...]:
    """``[f.name for f in dataclasses.fields(cls)]``, looked up once per class.

    A checkup holds about 10⁵ small dataclass objects, read and written field by field.

    Parameters
    ----------
    cls : type
        A dataclass.

    Returns
    -------
    tuple of str
    """
    names = _NAMES.get(cls)
    if names is None:
        names = _NAMES[cls] = tuple(name for name, _ in _plan(cls))
    return names


def _build(cls: type[_T], data: Mapping[str, Any], **given: Any) -> _T:
    """``cls`` from the keys of ``data`` that are its fields (JSON lists become tuples)."""
    kw: dict[str, Any] = {}
    for name, is_tuple in _plan(cls):
        if name in given:
            kw[name] = given[name]
        elif name in data:
            value = data[name]
            if is_tuple and value is not None:
                value = tuple(value)
            kw[name] = value
    return cls(**kw)


@dataclass(frozen=True, kw_only=True)
class IndicatorResult(IndicatorInfo):
    """One indicator evaluated for one circle (or the district).

    The ``IndicatorInfo`` fields (id, names, category, threshold, operator, unit, source,
    verified, facility categories, radius, plan item, responsible units, deadline) are the
    catalogue's; ``kind`` is the measure actually computed (a district target's
    ``measure``); ``value``, ``status`` (pass / fail / missing), ``margin`` (signed so that
    ``>= 0`` passes), ``evidence`` and ``note`` are the checkup's.
    """

    kind: str
    value: float | None
    status: str
    margin: float | None
    evidence: str | None = None
    note: str | None = None

    @classmethod
    def of(
        cls,
        indicator: Indicator,
        *,
        value: float | None,
        status: str,
        margin: float | None,
        evidence: str | None = None,
        note: str | None = None,
    ) -> IndicatorResult:
        """The result of ``indicator``: its catalogue fields plus what the checkup found.

        Parameters
        ----------
        indicator : Indicator
            The catalogue row evaluated.
        value, status, margin, evidence, note
            What the checkup found (see the class docstring).

        Returns
        -------
        IndicatorResult
        """
        return cls(
            **indicator.info(),
            kind=indicator.effective_kind,
            value=value,
            status=status,
            margin=margin,
            evidence=evidence,
            note=note,
        )

    @property
    def passed(self) -> bool:
        """True when the status is ``pass`` (missing never counts as passed)."""
        return self.status == "pass"

    def to_dict(self) -> dict[str, Any]:
        """The ``checkup.json`` form (JSON-safe; keys in the schema's order).

        Returns
        -------
        dict
            The JSON-safe ``checkup.json`` form.
        """
        return _safe_dict(self._raw())

    def _raw(self) -> dict[str, Any]:
        raw = {n: getattr(self, n) for n in field_names(type(self))}
        order = _schema_keys("indicator")
        return {**{k: raw[k] for k in order if k in raw}, **raw}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> IndicatorResult:
        """An ``IndicatorResult`` from its ``checkup.json`` form (not validated here).

        Parameters
        ----------
        data : mapping
            The ``checkup.json`` form, as :meth:`to_dict` writes it.

        Returns
        -------
        IndicatorResult
            The object.
        """
        return _build(cls, data)


@dataclass(frozen=True, kw_only=True)
class AffectedCompound:
    """A compound a shortfall leaves short: its residents and walk to the nearest facility."""

    id: str
    name: str
    population: float
    nearest_m: float | None


@dataclass(frozen=True, kw_only=True)
class Shortfall:
    """A failing (or missing) indicator of a circle, with the residents it leaves short.

    Every field but ``indicator_id``, the ``affected_*`` ones and ``suggestion`` is the
    field of the same name of the circle's ``IndicatorResult`` (:meth:`Shortfall.of`
    copies them by name). ``suggestion`` (补短板建议, set by ``run_checkup(...,
    suggest=True)`` for failing coverage indicators) holds the fewest new facilities that
    make it pass, and where; None when not computed.
    """

    indicator_id: str
    name_zh: str
    name_en: str
    category: str
    status: str
    value: float | None
    threshold: float
    operator: str
    unit: str
    facility_categories: tuple[str, ...]
    responsible_units: tuple[str, ...]
    affected_population: float
    affected_compounds: list[AffectedCompound]
    suggestion: Suggestion | None = None

    @classmethod
    def of(
        cls,
        result: IndicatorResult,
        *,
        affected_population: float,
        affected_compounds: list[AffectedCompound],
    ) -> Shortfall:
        """The shortfall of a circle's failing ``result``.

        Parameters
        ----------
        result : IndicatorResult
            The indicator that did not pass.
        affected_population : float
            Residents it leaves short.
        affected_compounds : list of AffectedCompound
            Their compounds, largest first.

        Returns
        -------
        Shortfall
        """
        return _build(
            cls,
            {n: getattr(result, n) for n in field_names(type(result))},
            indicator_id=result.id,
            affected_population=affected_population,
            affected_compounds=affected_compounds,
        )

    def to_dict(self) -> dict[str, Any]:
        """The ``checkup.json`` form (JSON-safe).

        Returns
        -------
        dict
            The JSON-safe ``checkup.json`` form.
        """
        return _safe_dict(self._raw())

    def _raw(self) -> dict[str, Any]:
        raw = {n: getattr(self, n) for n in field_names(type(self))}
        raw["affected_compounds"] = [
            {n: getattr(a, n) for n in field_names(type(a))} for a in self.affected_compounds
        ]
        if self.suggestion is None:
            del raw["suggestion"]  # optional in the schema: a 1.0 document has none
        else:
            raw["suggestion"] = self.suggestion.to_raw()
        return raw

    @classmethod
    def from_dict(
        cls, data: Mapping[str, Any], indicator: IndicatorResult | None = None
    ) -> Shortfall:
        """A ``Shortfall`` from its ``checkup.json`` form.

        ``name_en``, ``operator`` and ``responsible_units`` are optional in the schema; when
        absent they are taken from ``indicator`` (the circle's result of the same id).

        Parameters
        ----------
        data : mapping
            The ``checkup.json`` form, as :meth:`to_dict` writes it.
        indicator : IndicatorResult, optional
            The circle's result of the same indicator (supplies the optional fields).

        Returns
        -------
        Shortfall
            The object.
        """
        shared = (
            {}
            if indicator is None
            else {n: getattr(indicator, n) for n in field_names(type(indicator))}
        )
        merged = {**{k: v for k, v in shared.items() if k in _OPTIONAL_SHORTFALL_KEYS}, **data}
        return _build(
            cls,
            merged,
            affected_compounds=[
                _build(AffectedCompound, a) for a in data.get("affected_compounds") or []
            ],
            suggestion=(
                Suggestion.from_dict(data["suggestion"]) if data.get("suggestion") else None
            ),
        )


_OPTIONAL_SHORTFALL_KEYS = ("name_en", "operator", "responsible_units")


@dataclass(frozen=True, kw_only=True)
class CircleResult:
    """One circle's checkup: who lives there, every indicator, the grade and the shortfalls."""

    id: str
    name: str
    street: str
    communities: list[str]
    population: float
    households: float | None
    area_km2: float
    compound_count: int
    grade: str
    grade_reason: str
    indicators: list[IndicatorResult]
    shortfalls: list[Shortfall]

    @property
    def constraint_passed(self) -> int:
        """How many constraint indicators pass."""
        return sum(1 for i in self.indicators if i.category == "constraint" and i.passed)

    @property
    def failed_constraints(self) -> list[str]:
        """Ids of the constraint indicators that do not pass (fail or missing)."""
        return [i.id for i in self.indicators if i.category == "constraint" and not i.passed]

    def indicator(self, indicator_id: str) -> IndicatorResult:
        """This circle's result of one indicator (KeyError when the catalogue has none).

        Parameters
        ----------
        indicator_id : str
            The indicator's id.

        Returns
        -------
        IndicatorResult
            The result.
        """
        for i in self.indicators:
            if i.id == indicator_id:
                return i
        raise KeyError(indicator_id)

    def to_dict(self) -> dict[str, Any]:
        """The ``checkup.json`` form (JSON-safe).

        Returns
        -------
        dict
            The JSON-safe ``checkup.json`` form.
        """
        return _safe_dict(self._raw())

    def _raw(self) -> dict[str, Any]:
        raw = {n: getattr(self, n) for n in field_names(type(self))}
        raw["indicators"] = [i._raw() for i in self.indicators]
        raw["shortfalls"] = [s._raw() for s in self.shortfalls]
        return raw

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CircleResult:
        """A ``CircleResult`` from its ``checkup.json`` form (not validated here).

        Parameters
        ----------
        data : mapping
            The ``checkup.json`` form, as :meth:`to_dict` writes it.

        Returns
        -------
        CircleResult
            The object.
        """
        indicators = [IndicatorResult.from_dict(i) for i in data["indicators"]]
        by_id = {i.id: i for i in indicators}
        return _build(
            cls,
            data,
            communities=list(data["communities"]),
            indicators=indicators,
            shortfalls=[
                Shortfall.from_dict(s, by_id.get(s["indicator_id"])) for s in data["shortfalls"]
            ],
        )


@dataclass(frozen=True, kw_only=True)
class CatalogueInfo:
    """The catalogue a checkup was graded against (``run.catalogue``)."""

    id: str
    version: str
    provisional: bool
    title: str
    title_en: str | None = None
    notice_zh: str | None = None
    notice_en: str | None = None

    @property
    def label(self) -> str:
        """Title (or id) and version, as reports name the catalogue."""
        return " ".join(p for p in (self.title or self.id, self.version) if p)

    def notice(self, lang: str = "zh") -> str | None:
        """The catalogue's own provisional notice in ``lang`` (``zh`` or ``en``), if any.

        Parameters
        ----------
        lang : {"zh", "en"}
            The language.

        Returns
        -------
        str or None
            The notice, or ``None`` when the catalogue has none.
        """
        return self.notice_zh if lang == "zh" else self.notice_en


@dataclass(frozen=True, kw_only=True)
class DistrictInfo:
    """The district a checkup is of (``run.district``)."""

    name: str
    admin_code: str | None = None


@dataclass(frozen=True, kw_only=True)
class RunInfo:
    """The trace of a checkup (``run``): what went in, with what, and when.

    ``id`` depends only on the inputs, catalogue, software version and options (the same
    inputs give the same id); ``generated_geometry`` is true for the demo, whose
    ``notice`` ("示例数据：几何为生成数据") must be shown wherever its results are.
    ``created_at`` is when the checkup ran; ``data_date`` (ISO date, or None when not
    given) the day its inputs describe, which dated targets are judged against.
    ``scenario`` is set on a what-if result (``lifecircle.whatif``): ``base_run`` (the
    checkup it starts from), ``edits`` (what was added, moved or removed) and ``note``
    (Chinese: it is a scenario, not a checkup of the real district); None on a checkup.
    """

    id: str
    created_at: str
    data_date: str | None = None
    software_version: str
    catalogue: CatalogueInfo
    input_hash: str
    district: DistrictInfo
    generated_geometry: bool
    notice: str | None
    notice_en: str | None = None
    circles_note: str | None = None
    network: dict[str, Any]
    options: dict[str, Any]
    scenario: dict[str, Any] | None = None

    @property
    def created(self) -> datetime:
        """``created_at`` as a datetime (timezone-aware when the text carries one)."""
        return datetime.fromisoformat(self.created_at.replace("Z", "+00:00"))

    @property
    def as_of(self) -> date:
        """The day the checkup speaks for: its data date, else the day it ran."""
        if self.data_date:
            return date.fromisoformat(self.data_date)
        return self.created.date()

    def to_dict(self) -> dict[str, Any]:
        """The ``checkup.json`` form (JSON-safe).

        Returns
        -------
        dict
            The JSON-safe ``checkup.json`` form.
        """
        return _safe_dict(self._raw())

    def _raw(self) -> dict[str, Any]:
        raw = {n: getattr(self, n) for n in field_names(type(self))}
        raw["catalogue"] = {f.name: getattr(self.catalogue, f.name) for f in fields(CatalogueInfo)}
        raw["district"] = {f.name: getattr(self.district, f.name) for f in fields(DistrictInfo)}
        if self.scenario is None:
            del raw["scenario"]  # optional in the schema: only what-if results carry one
        return raw

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RunInfo:
        """A ``RunInfo`` from its ``checkup.json`` form (not validated here).

        Parameters
        ----------
        data : mapping
            The ``checkup.json`` form, as :meth:`to_dict` writes it.

        Returns
        -------
        RunInfo
            The object.
        """
        return _build(
            cls,
            data,
            catalogue=_build(CatalogueInfo, data["catalogue"]),
            district=_build(DistrictInfo, data["district"]),
            network=dict(data["network"]),
            options=dict(data["options"]),
            scenario=dict(data["scenario"]) if data.get("scenario") is not None else None,
        )


@dataclass(frozen=True)
class CheckupResult:
    """The checkup of a district: per-circle results, district indicators, trace, warnings.

    Attributes
    ----------
    run : RunInfo
        The trace (catalogue, district, input hash, software version, dates, notices).
    summary : dict
        ``circles``, ``population``, ``compounds``, ``grades`` (``{"NONE": n, "AA": n,
        "AAA": n}``), ``district_indicators_passed``, ``district_indicators``.
    district_indicators : list of IndicatorResult
        Each district-scope indicator, evaluated once.
    circles : list of CircleResult
        One per circle, in the order of the circles table.
    warnings : list of dict
        Problems that did not stop the run: ``code``, ``message``, ``file``, ``row``,
        ``field``.
    source : str or None
        The file it was read from (None when built in memory); names it in errors.
    """

    run: RunInfo
    summary: dict[str, Any]
    district_indicators: list[IndicatorResult]
    circles: list[CircleResult]
    warnings: list[dict[str, Any]]
    source: str | None = field(default=None, compare=False, repr=False)

    @property
    def district_name(self) -> str:
        """The district's name."""
        return self.run.district.name

    @property
    def catalogue(self) -> CatalogueInfo:
        """The catalogue the circles were graded against."""
        return self.run.catalogue

    @property
    def generated(self) -> bool:
        """True when the geometry is generated (the demo): its notice must be shown."""
        return self.run.generated_geometry

    @property
    def notice(self) -> str | None:
        """The district's notice (the demo's "示例数据：几何为生成数据"), if any."""
        return self.run.notice

    @property
    def grade_counts(self) -> dict[str, int]:
        """Circles per grade, ``NONE`` / ``AA`` / ``AAA`` always present."""
        counts = {"NONE": 0, "AA": 0, "AAA": 0}
        for c in self.circles:
            counts[c.grade] = counts.get(c.grade, 0) + 1
        return counts

    def circle_ids(self) -> list[str]:
        """Circle ids in the order of the checkup.

        Returns
        -------
        list of str
            The ids.
        """
        return [c.id for c in self.circles]

    @cached_property
    def _by_id(self) -> dict[str, CircleResult]:
        return {c.id: c for c in self.circles}

    def circle(self, circle_id: str) -> CircleResult:
        """The circle with this id.

        Parameters
        ----------
        circle_id : str
            The circle's id.

        Returns
        -------
        CircleResult
            The circle.

        Raises
        ------
        InputError
            When the checkup has no such circle (the message lists some that it has).
        """
        try:
            return self._by_id[circle_id]
        except KeyError:
            known = ", ".join(list(self._by_id)[:10])
            raise InputError(
                f"体检结果中没有编号为 {circle_id!r} 的生活圈",
                file=self.source,
                field="circles[].id",
                fix=f"请用体检结果中的生活圈编号：{known} …",
            ) from None

    def to_dict(self) -> dict[str, Any]:
        """The ``checkup.json`` document (JSON-safe: NaN/inf become null, floats rounded).

        Returns
        -------
        dict
            The whole document, as ``checkup.json`` holds it.
        """
        return _safe_dict(
            {
                "schema_version": SCHEMA_VERSION,
                "run": self.run._raw(),
                "summary": self.summary,
                "district_indicators": [i._raw() for i in self.district_indicators],
                "circles": [c._raw() for c in self.circles],
                "warnings": self.warnings,
            }
        )

    def to_json(self) -> str:
        """``checkup.json`` as text.

        Returns
        -------
        str
            Indented JSON (UTF-8 text, Chinese kept), ending in a newline.
        """
        # json.dumps(..., ensure_ascii=False, indent=1), the same text in a fifth of the time
        return dumps_indented(self.to_dict(), indent=1) + "\n"

    @classmethod
    def from_dict(
        cls, data: Mapping[str, Any], *, source: str | None = None, validate: bool = True
    ) -> CheckupResult:
        """A ``CheckupResult`` from a parsed ``checkup.json``.

        Parameters
        ----------
        data : mapping
            The parsed document.
        source : str, optional
            Where it came from, named in errors.
        validate : bool
            Check it against the JSON Schema first (default); turn off only for a
            document this package has just written.

        Returns
        -------
        CheckupResult

        Raises
        ------
        SchemaError
            When ``data`` does not follow the schema; names the field and, inside
            ``circles`` or ``district_indicators``, the entry (``row``, from 1).
        """
        if validate:
            validate_checkup_json(data, source=source or "checkup.json")
            _check_circle_ids(data["circles"], source=source or "checkup.json")
        return cls(
            run=RunInfo.from_dict(data["run"]),
            summary=dict(data["summary"]),
            district_indicators=[IndicatorResult.from_dict(i) for i in data["district_indicators"]],
            circles=[CircleResult.from_dict(c) for c in data["circles"]],
            warnings=[dict(w) for w in data["warnings"]],
            source=source,
        )

    @classmethod
    def read(cls, path: str | os.PathLike[str]) -> CheckupResult:
        """Read and validate ``checkup.json`` (a file, or the folder holding it).

        Parameters
        ----------
        path : str or path-like
            ``checkup.json`` or the output folder of ``lifecircle checkup``.

        Returns
        -------
        CheckupResult

        Raises
        ------
        InputError
            No such file; ``FileFormatError`` when it is not UTF-8 JSON; ``SchemaError``
            when it does not follow the schema.
        """
        p = Path(path)
        if not p.exists() and p.suffix.lower() != ".json":
            from lifecircle.checkup.write import missing_checkup_folder

            raise missing_checkup_folder(p)
        if p.is_dir():
            p = p / "checkup.json"
        if not p.is_file():
            raise InputError(
                "没有找到 checkup.json",
                file=str(p),
                fix="请给出 `lifecircle checkup` 的输出文件夹（或其中的 checkup.json）",
            )
        try:
            data = json.loads(p.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise FileFormatError(
                f"不是可读的 UTF-8 JSON 文件：{explain(exc)}",
                file=str(p),
                fix="请用 `lifecircle checkup` 重新生成",
            ) from exc
        return cls.from_dict(data, source=str(p))


def _check_circle_ids(circles: list[Mapping[str, Any]], *, source: str) -> None:
    """Circle ids name report files and web addresses: unique, no ``..`` or slash."""
    from lifecircle.io.schemas import is_unsafe_id

    seen: dict[str, int] = {}
    for row, circle in enumerate(circles, start=1):
        cid = str(circle.get("id", ""))
        if is_unsafe_id(cid):
            raise SchemaError(
                f"生活圈编号 {cid!r} 含有“..”、斜杠或控制字符",
                file=source,
                row=row,
                field="circles.id",
                fix="生活圈编号只用字母、数字、汉字、短横线或下划线；请改正区数据包后重新体检。",
            )
        if cid in seen:
            raise SchemaError(
                f"生活圈编号 {cid!r} 重复（第 {seen[cid]} 个生活圈也是）",
                file=source,
                row=row,
                field="circles.id",
                fix="每个生活圈的编号须唯一；请改正区数据包后重新体检。",
            )
        seen[cid] = row


def checkup_schema() -> dict[str, Any]:
    """The JSON Schema of ``checkup.json`` (shipped as ``checkup.schema.json``).

    Returns
    -------
    dict
        A fresh copy of the parsed schema.
    """
    schema: dict[str, Any] = json.loads(_schema_text())
    return schema


@cache
def _schema_text() -> str:
    return (Path(__file__).parent / "checkup.schema.json").read_text(encoding="utf-8")


@cache
def _schema_keys(definition: str) -> tuple[str, ...]:
    return tuple(checkup_schema()["$defs"][definition]["properties"])


@cache
def _validator() -> jsonschema_rs.Validator:
    # jsonschema-rs (Rust): a full-size checkup.json (~9 MB) validates in ~20 ms, where
    # the pure-Python jsonschema takes seconds
    import jsonschema_rs

    return jsonschema_rs.validator_for(checkup_schema())


def validate_checkup_json(data: Any, *, source: str = "checkup.json") -> None:
    """Raise SchemaError naming the field when ``data`` is not a valid checkup.json.

    Parameters
    ----------
    data : object
        The parsed document.
    source : str
        The file it came from, named in the error.

    Raises
    ------
    SchemaError
        ``field`` is the path (``circles[].indicators[].value``), ``row`` the entry of
        ``circles`` / ``district_indicators`` / ``warnings`` (from 1), and the message
        names the circle and indicator ids on the way.
    """
    if isinstance(data, Mapping) and "schema_version" in data:
        major = str(data["schema_version"]).split(".")[0]
        if major != SCHEMA_VERSION.split(".")[0]:
            raise SchemaError(
                f"不支持格式版本 schema_version {data['schema_version']}"
                f"（本版本读取 {SCHEMA_VERSION.split('.')[0]}.x）",
                file=source,
                field="schema_version",
                fix="升级 lifecircle，或用本版本重新体检",
            )
    import jsonschema_rs

    validator = _validator()
    if validator.is_valid(data):
        _check_shortfalls(data, source)
        return
    error = min(
        validator.iter_errors(data),
        key=lambda e: [(isinstance(p, str), p) for p in e.instance_path],
    )
    path: list[str | int] = list(error.instance_path)
    if isinstance(error.kind, jsonschema_rs.ValidationErrorKind.Required):
        path.append(error.kind.property)
    parts: list[str] = []
    row: int | None = None
    where: list[str] = []
    node: Any = data
    path_key = ""
    for step in path:
        if isinstance(step, int):
            if row is None:
                row = step + 1
            if parts:
                parts[-1] += "[]"
            node = node[step] if isinstance(node, list) and step < len(node) else None
            if isinstance(node, Mapping):
                name = node.get("id") or node.get("indicator_id")
                if name:
                    where.append(f"{_ENTRY.get(str(path_key), '条目')} {name}")
        else:
            parts.append(str(step))
            path_key = step
            node = node.get(step) if isinstance(node, Mapping) else None
    at = f"（{'，'.join(where)}）" if where else ""
    raise SchemaError(
        f"不是有效的 checkup.json（格式 {SCHEMA_VERSION}）：{_schema_message_zh(error)}{at}",
        file=source,
        row=row,
        field=".".join(parts) or "（顶层）",
        fix="请用 `lifecircle checkup` 重新生成",
    )


_TYPE_ZH = {"string": "文本", "integer": "整数", "number": "数", "boolean": "是/否",
            "object": "“键: 值”映射", "array": "列表", "null": "空值"}  # fmt: skip


def _schema_message_zh(error: Any) -> str:
    """A ``jsonschema_rs`` violation in Chinese (the validator's English for rare kinds)."""
    kind = error.kind
    name = str(kind.name)
    detail: dict[str, Any] = kind.as_dict()
    shown = "空值" if error.instance is None else repr(error.instance)
    shown = shown if len(shown) < 60 else shown[:60] + "…"
    if name == "type":
        want = detail.get("types") or []
        want = want if isinstance(want, list) else [want]
        types = "或".join(_TYPE_ZH.get(str(t), str(t)) for t in want)
        if error.instance is None:
            return f"值为空（应为{types}）"
        return f"值 {shown} 的类型不对（应为{types}）"
    if name == "required":
        return f"缺少字段 {detail.get('property')!r}"
    if name == "additionalProperties":
        extra = "、".join(repr(k) for k in detail.get("unexpected") or [])
        return f"有不认识的字段 {extra}"
    if name in ("enum", "constant"):
        return f"值 {shown} 不是可选值之一"
    if name in ("minimum", "exclusiveMinimum"):
        return f"值 {shown} 太小（下限 {detail.get('limit')}）"
    if name in ("maximum", "exclusiveMaximum"):
        return f"值 {shown} 太大（上限 {detail.get('limit')}）"
    if name == "pattern":
        return f"值 {shown} 的格式不对"
    if name == "minItems":
        return f"列表 {shown} 太短（至少 {detail.get('limit')} 项）"
    if name == "minLength":
        return f"值 {shown} 太短（至少 {detail.get('limit')} 个字）"
    if name in ("anyOf", "oneOfNotValid", "oneOfMultipleValid"):
        return f"值 {shown} 的写法不对"
    return f"不符合格式（{error.message}）"


def _check_shortfalls(data: Mapping[str, Any], source: str) -> None:
    """Every shortfall names an indicator its circle lists (the schema cannot say so)."""
    for row, circle in enumerate(data["circles"], start=1):
        known = {i["id"] for i in circle["indicators"]}
        for s in circle["shortfalls"]:
            if s["indicator_id"] not in known:
                raise SchemaError(
                    f"不是有效的 checkup.json：生活圈 {circle['id']} 的短板 "
                    f"{s['indicator_id']!r} 不是这个生活圈的指标",
                    file=source,
                    row=row,
                    field="circles[].shortfalls[].indicator_id",
                    fix="请用 `lifecircle checkup` 重新生成",
                )


def _safe_dict(raw: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = json_safe(raw)
    return out


_ENTRY = {
    "circles": "生活圈",
    "indicators": "指标",
    "district_indicators": "全区指标",
    "shortfalls": "短板",
    "affected_compounds": "小区",
}


def json_safe(obj: Any) -> Any:
    """``obj`` made JSON-safe: NaN/inf become null, floats are rounded to 6 decimals.

    Rounding keeps ``checkup.json`` byte-stable across runs and machines.

    Parameters
    ----------
    obj : object
        Dicts, lists, tuples, numbers (numpy scalars too), strings, None.

    Returns
    -------
    object
        The same structure with lists for tuples.
    """
    t = type(obj)
    if t is str or t is int or t is bool or obj is None:  # most values: as they are
        return obj
    if t is float:
        return round(obj, 6) if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: json_safe(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [json_safe(v) for v in obj]
    if isinstance(obj, float):
        if not math.isfinite(obj):
            return None
        return round(obj, 6)
    if hasattr(obj, "item"):  # numpy scalars
        return json_safe(obj.item())
    return obj
