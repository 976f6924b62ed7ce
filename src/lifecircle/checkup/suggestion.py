"""补短板建议 in the checkup result: the fewest new facilities (and where) that pass an indicator."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

_NAMES: dict[type, tuple[str, ...]] = {}


def _names(cls: type) -> tuple[str, ...]:
    """A dataclass's field names, looked up once (suggestions are read site by site)."""
    names = _NAMES.get(cls)
    if names is None:
        names = _NAMES[cls] = tuple(f.name for f in fields(cls))
    return names


@dataclass(frozen=True, kw_only=True)
class SuggestedSite:
    """One new facility of a suggestion: where (WGS-84), and the residents it brings in.

    ``id`` names the candidate (``N<node>`` / ``E<edge>@<metres>`` for a point of the
    walking network, or the id of the user's candidate layer); ``residents_added`` are
    the residents it brings within the radius that no existing facility reached (each
    counted once, at the nearest new site).
    """

    id: str
    lon: float
    lat: float
    residents_added: float

    def to_raw(self) -> dict[str, Any]:
        """The ``checkup.json`` form (before JSON-safe rounding).

        Returns
        -------
        dict
            Field name to value.
        """
        return {n: getattr(self, n) for n in _names(type(self))}


@dataclass(frozen=True, kw_only=True)
class Suggestion:
    """The fewest new facilities that make a failing coverage indicator of a circle pass.

    Attributes
    ----------
    category : str
        The facility category to add (the indicator's first category).
    count : int or None
        How many new facilities at the least; None when the target cannot be reached
        from the candidates (``reachable`` false).
    reachable : bool
        Whether some set of candidates reaches the threshold.
    value_after : float
        The indicator's value (%) with the suggested sites; when unreachable, the most
        that every candidate together reaches.
    sites : list of SuggestedSite
        Where, largest gain first (empty when unreachable).
    candidates : int
        Candidate points considered (those within a straight ``radius`` of an
        uncovered home).
    source : str
        ``network`` (points along the walking network in and near the circle) or
        ``layer`` (the user's candidate layer).
    status : str
        ``optimal`` (proven fewest), ``heuristic`` or ``time_limit``; ``unreachable``.
    note : str
        A Chinese sentence for reports.
    """

    category: str
    count: int | None
    reachable: bool
    value_after: float
    sites: list[SuggestedSite]
    candidates: int
    source: str
    status: str
    note: str

    def to_raw(self) -> dict[str, Any]:
        """The ``checkup.json`` form (before JSON-safe rounding).

        Returns
        -------
        dict
            Field name to value (sites as dicts too).
        """
        raw = {n: getattr(self, n) for n in _names(type(self))}
        raw["sites"] = [s.to_raw() for s in self.sites]
        return raw

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Suggestion:
        """A ``Suggestion`` from its ``checkup.json`` form (not validated here).

        Parameters
        ----------
        data : mapping
            The ``checkup.json`` form, ``Shortfall.suggestion``.

        Returns
        -------
        Suggestion
            The object.
        """
        kw = {n: data[n] for n in _names(cls) if n in data}
        kw["sites"] = [
            SuggestedSite(**{n: s[n] for n in _names(SuggestedSite)})
            for s in data.get("sites") or []
        ]
        return cls(**kw)
