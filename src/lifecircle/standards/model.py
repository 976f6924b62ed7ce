"""Catalogue model: indicators, the grading rule, grades and statuses as plain objects."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from enum import StrEnum
from pathlib import Path
from typing import Any

CATEGORIES = ("constraint", "guiding", "characteristic")
KINDS = (
    "coverage",
    "per_1000",
    "area_per_capita",
    "count",
    "presence",
    "manual",
    "district_target",
)
OPERATORS = (">=", "<=", "==")
SCOPES = ("circle", "district")
# what a district_target is measured as, once over the whole district
DISTRICT_MEASURES = ("manual", "coverage", "per_1000", "area_per_capita", "count", "presence")
# kinds that need facility categories to be computed from the map
FACILITY_KINDS = ("coverage", "per_1000", "area_per_capita", "count", "presence")
# the plan's "six places" (雨政办发〔2023〕20号 二(一)): school places, childcare places, care
# beds, parking spaces, toilet places, lifts; an indicator names the one it measures in `place`
PLACES = ("学位", "托位", "床位", "车位", "厕位", "梯位")


class Grade(StrEnum):
    """A circle's grade: below AA, AA or AAA."""

    NONE = "NONE"
    AA = "AA"
    AAA = "AAA"


class Status(StrEnum):
    """Outcome of one indicator for one circle (or the district)."""

    PASS = "pass"
    FAIL = "fail"
    MISSING = "missing"


@dataclass(frozen=True, kw_only=True)
class IndicatorInfo:
    """What a catalogue says about an indicator that every result of it repeats.

    ``Indicator`` (the catalogue row) and ``lifecircle.checkup.IndicatorResult`` (the row
    evaluated for a circle) both extend it, so a field added here reaches the catalogue,
    the checkup result and ``checkup.json`` at once (the JSON Schema, checked against these
    fields by the tests, is the one other place to add it).
    """

    id: str
    name_zh: str
    name_en: str
    category: str
    operator: str
    threshold: float
    unit: str
    source: str
    verified: bool
    facility_categories: tuple[str, ...] = ()
    radius_m: float | None = None
    plan_item: int | None = None
    responsible_units: tuple[str, ...] = ()
    deadline: str | None = None
    place: str | None = None

    def info(self) -> dict[str, Any]:
        """The ``IndicatorInfo`` fields of this object by name (to build a result from it).

        Returns
        -------
        dict
            Field name to value, for every field of ``IndicatorInfo``.
        """
        return {name: getattr(self, name) for name in _INFO_FIELDS}


#: the field names of ``IndicatorInfo`` (``fields()`` costs more than the copy: called per result)
_INFO_FIELDS = tuple(f.name for f in fields(IndicatorInfo))


@dataclass(frozen=True, kw_only=True)
class Indicator(IndicatorInfo):
    """One row of a catalogue: what is measured, how, and the threshold it must meet.

    ``source`` is the citation reports print (document and clause, as an office cites it);
    ``source_note`` keeps how the value was found (quotes, recalled values, web copies) for
    the catalogue file and its readers, and never reaches a report or ``checkup.json``.
    """

    kind: str
    scope: str = "circle"
    measure: str | None = None
    notes: str | None = None
    source_note: str | None = None

    @property
    def computed(self) -> bool:
        """True when the checkup computes the value from the map, False for manual values."""
        if self.kind == "manual":
            return False
        if self.kind == "district_target":
            return (self.measure or "manual") != "manual"
        return True

    @property
    def effective_kind(self) -> str:
        """The measure actually computed: ``measure`` for district targets, else ``kind``."""
        if self.kind == "district_target":
            return self.measure or "manual"
        return self.kind


@dataclass(frozen=True)
class GradingRule:
    """AA: every circle-scope constraint indicator passes. AAA: AA plus the conditions set here.

    ``min_guiding_passed`` / ``min_characteristic_passed`` count passing circle-scope
    indicators of those categories; ``weights`` (indicator id -> points) with ``min_score``
    is the score form. Every condition that is set must hold for AAA.
    """

    min_guiding_passed: int | None = None
    min_characteristic_passed: int | None = None
    weights: dict[str, float] = field(default_factory=dict)
    min_score: float | None = None
    note_zh: str | None = None
    note_en: str | None = None


@dataclass(frozen=True)
class Catalogue:
    """A versioned indicator catalogue with its grading rule."""

    id: str
    version: str
    title_zh: str
    title_en: str
    provisional: bool
    sources: tuple[str, ...]
    indicators: list[Indicator]
    grading: GradingRule
    notice_zh: str | None = None
    notice_en: str | None = None
    path: Path | None = None

    @property
    def title(self) -> str:
        """Chinese title (what checkup.json's ``run.catalogue.title`` shows)."""
        return self.title_zh

    def indicator(self, indicator_id: str) -> Indicator:
        """The indicator with this id (KeyError when the catalogue has none).

        Parameters
        ----------
        indicator_id : str
            The indicator's id.

        Returns
        -------
        Indicator
            The catalogue row.
        """
        for ind in self.indicators:
            if ind.id == indicator_id:
                return ind
        raise KeyError(indicator_id)

    def by_category(self, category: str, *, scope: str | None = "circle") -> list[Indicator]:
        """Indicators of one category, by default only those graded per circle.

        Parameters
        ----------
        category : str
            ``constraint``, ``guiding`` or ``characteristic``.
        scope : str or None
            ``circle`` or ``district``; ``None`` for both.

        Returns
        -------
        list of Indicator
            The indicators, in catalogue order.
        """
        return [
            i
            for i in self.indicators
            if i.category == category and (scope is None or i.scope == scope)
        ]

    @property
    def circle_indicators(self) -> list[Indicator]:
        """Indicators evaluated for every circle."""
        return [i for i in self.indicators if i.scope == "circle"]

    @property
    def district_indicators(self) -> list[Indicator]:
        """Indicators evaluated once for the whole district."""
        return [i for i in self.indicators if i.scope == "district"]

    @property
    def facility_categories(self) -> list[str]:
        """Every facility category any indicator uses, sorted."""
        return sorted({c for i in self.indicators for c in i.facility_categories})
