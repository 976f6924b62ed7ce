"""Checkup results as plain objects, and ``checkup.json`` (schema: docs/checkup-schema.md)."""

from __future__ import annotations

import json
import math
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

SCHEMA_VERSION = "1.0"


@dataclass(frozen=True)
class IndicatorResult:
    """One indicator evaluated for one circle (or the district)."""

    id: str
    name_zh: str
    name_en: str
    category: str
    kind: str
    value: float | None
    threshold: float
    operator: str
    unit: str
    status: str  # pass | fail | missing
    margin: float | None
    radius_m: float | None
    facility_categories: list[str]
    plan_item: int | None
    source: str
    verified: bool
    deadline: str | None
    responsible_units: list[str] = field(default_factory=list)
    evidence: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class AffectedCompound:
    id: str
    name: str
    population: float
    nearest_m: float | None


@dataclass(frozen=True)
class Shortfall:
    """A failing (or missing) indicator of a circle, with the residents it leaves short."""

    indicator_id: str
    name_zh: str
    name_en: str
    category: str
    status: str
    value: float | None
    threshold: float
    operator: str
    unit: str
    facility_categories: list[str]
    responsible_units: list[str]
    affected_population: float
    affected_compounds: list[AffectedCompound]


@dataclass(frozen=True)
class CircleResult:
    id: str
    name: str
    street: str
    communities: list[str]
    population: float
    households: float
    area_km2: float
    compound_count: int
    grade: str
    grade_reason: str
    indicators: list[IndicatorResult]
    shortfalls: list[Shortfall]

    @property
    def constraint_passed(self) -> int:
        return sum(1 for i in self.indicators if i.category == "constraint" and i.status == "pass")


@dataclass(frozen=True)
class CheckupResult:
    """The checkup of a district: per-circle results, district indicators, trace, warnings."""

    run: dict[str, Any]
    summary: dict[str, Any]
    district_indicators: list[IndicatorResult]
    circles: list[CircleResult]
    warnings: list[dict[str, Any]]

    def circle(self, circle_id: str) -> CircleResult:
        for c in self.circles:
            if c.id == circle_id:
                return c
        raise KeyError(circle_id)

    def to_dict(self) -> dict[str, Any]:
        return _clean(
            {
                "schema_version": SCHEMA_VERSION,
                "run": self.run,
                "summary": self.summary,
                "district_indicators": [asdict(i) for i in self.district_indicators],
                "circles": [asdict(c) for c in self.circles],
                "warnings": self.warnings,
            }
        )

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=1, sort_keys=False) + "\n"

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CheckupResult:
        def ind(d):
            return IndicatorResult(**d)

        circles = []
        for c in data["circles"]:
            shortfalls = [
                Shortfall(
                    **{
                        **s,
                        "affected_compounds": [
                            AffectedCompound(**a) for a in s["affected_compounds"]
                        ],
                    }
                )
                for s in c["shortfalls"]
            ]
            circles.append(
                CircleResult(
                    **{
                        **c,
                        "indicators": [ind(i) for i in c["indicators"]],
                        "shortfalls": shortfalls,
                    }
                )
            )
        return cls(
            run=data["run"],
            summary=data["summary"],
            district_indicators=[ind(i) for i in data["district_indicators"]],
            circles=circles,
            warnings=data["warnings"],
        )

    @classmethod
    def read(cls, path: str | os.PathLike) -> CheckupResult:
        """Read and validate ``checkup.json`` (a file, or the folder holding it)."""
        path = Path(path)
        if not path.exists() and path.suffix.lower() != ".json":
            from lifecircle.checkup.write import missing_checkup_folder

            raise missing_checkup_folder(path)
        if path.is_dir():
            path = path / "checkup.json"
        data = json.loads(path.read_text(encoding="utf-8"))
        validate_checkup_json(data, source=str(path))
        return cls.from_dict(data)


def checkup_schema() -> dict[str, Any]:
    """The JSON Schema of ``checkup.json`` (shipped as ``checkup.schema.json``)."""
    text = (Path(__file__).parent / "checkup.schema.json").read_text(encoding="utf-8")
    return json.loads(text)


def validate_checkup_json(data: Any, *, source: str = "checkup.json") -> None:
    """Raise SchemaError naming the field when ``data`` is not a valid checkup.json."""
    import jsonschema

    from lifecircle.errors import SchemaError

    validator = jsonschema.Draft202012Validator(checkup_schema())
    error = next(iter(sorted(validator.iter_errors(data), key=lambda e: list(e.path))), None)
    if error is not None:
        where = "/".join(str(p) for p in error.absolute_path) or "(top level)"
        msg = f"not a valid checkup.json (schema {SCHEMA_VERSION}): {error.message}"
        raise SchemaError(
            msg, file=source, field=where, fix="write it with `lifecircle checkup` again."
        )


def _clean(obj: Any) -> Any:
    """JSON-safe: NaN/inf become null, floats are rounded so output is stable across runs."""
    if isinstance(obj, dict):
        return {k: _clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_clean(v) for v in obj]
    if isinstance(obj, float):
        if not math.isfinite(obj):
            return None
        return round(obj, 6)
    if hasattr(obj, "item"):  # numpy scalars
        return _clean(obj.item())
    return obj
