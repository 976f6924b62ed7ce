"""Scenarios in a few words (``Scenario(checkup).add_facility(...).apply()``) and as JSON."""

from __future__ import annotations

import weakref
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from lifecircle.errors import InputError
from lifecircle.whatif.edits import Edit, category_id, edit_from_dict
from lifecircle.whatif.engine import Outcome, WhatIf

if TYPE_CHECKING:
    from lifecircle.checkup.run import Checkup
    from lifecircle.standards import Catalogue

_ENGINES: dict[int, tuple[weakref.ref[Any], WhatIf]] = {}


def engine_for(checkup: Checkup, catalogue: Catalogue | None = None) -> WhatIf:
    """The `WhatIf` of ``checkup``, prepared once and kept while the checkup lives.

    Parameters
    ----------
    checkup : Checkup
        A checkup in memory.
    catalogue : Catalogue, optional
        Its catalogue, when not a built-in one.

    Returns
    -------
    WhatIf
    """
    key = id(checkup)
    hit = _ENGINES.get(key)
    if hit is not None and hit[0]() is checkup:
        return hit[1]
    engine = WhatIf(checkup, catalogue)
    # The callback holds the dict itself: at interpreter exit the module global is None.
    cache = _ENGINES
    _ENGINES[key] = (weakref.ref(checkup, lambda _: cache.pop(key, None)), engine)
    return engine


class Scenario:
    """Edits to a checkup, applied together: ``Scenario(checkup).add_facility(...).apply()``.

    Places are ``x=, y=`` in the district's CRS or ``lon=, lat=`` (WGS-84). Every method
    but :meth:`apply` returns the scenario, so calls chain.

    Parameters
    ----------
    checkup : Checkup or WhatIf
        A checkup in memory (prepared on first use and kept), or a prepared engine.
    catalogue : Catalogue, optional
        The checkup's catalogue, when it is not a built-in one.
    """

    def __init__(self, checkup: Checkup | WhatIf, catalogue: Catalogue | None = None) -> None:
        self.engine = checkup if isinstance(checkup, WhatIf) else engine_for(checkup, catalogue)
        self.edits: list[Edit] = []

    def add_facility(
        self,
        category: str,
        *,
        x: float | None = None,
        y: float | None = None,
        lon: float | None = None,
        lat: float | None = None,
        capacity: float | None = None,
        floor_area_m2: float | None = None,
        name: str | None = None,
        id: str | None = None,
    ) -> Scenario:
        """A new facility of ``category`` (id or Chinese name) at a place.

        Parameters
        ----------
        category : str
            The category id or its Chinese name.
        x, y : float, optional
            The place in the district's CRS; or
        lon, lat : float, optional
            the place in WGS-84.
        capacity, floor_area_m2 : float, optional
            The new facility's capacity (its category's unit) and floor area.
        name, id : str, optional
            Its name and id (an id is chosen when not given).

        Returns
        -------
        Scenario
            This scenario (calls chain).
        """
        self.edits.append(
            _checked(
                Edit(
                    op="add_facility", category=category_id(category), x=x, y=y, lon=lon,
                    lat=lat, capacity=capacity, floor_area_m2=floor_area_m2, name=name, id=id,
                )
            )
        )  # fmt: skip
        return self

    def move_facility(
        self,
        id: str,
        *,
        x: float | None = None,
        y: float | None = None,
        lon: float | None = None,
        lat: float | None = None,
    ) -> Scenario:
        """Facility ``id`` moves to a new place (keeping its category and capacity).

        Parameters
        ----------
        id : str
            The facility's id.
        x, y : float, optional
            The place in the district's CRS; or
        lon, lat : float, optional
            the place in WGS-84.

        Returns
        -------
        Scenario
            This scenario (calls chain).
        """
        self.edits.append(
            _checked(Edit(op="move_facility", id=str(id), x=x, y=y, lon=lon, lat=lat))
        )
        return self

    def remove_facility(self, id: str) -> Scenario:
        """Facility ``id`` closes.

        Parameters
        ----------
        id : str
            The facility's id.

        Returns
        -------
        Scenario
            This scenario (calls chain).
        """
        self.edits.append(Edit(op="remove_facility", id=str(id)))
        return self

    def add_compound(
        self,
        *,
        population: float,
        x: float | None = None,
        y: float | None = None,
        lon: float | None = None,
        lat: float | None = None,
        name: str | None = None,
        community: str | None = None,
        households: float | None = None,
        id: str | None = None,
    ) -> Scenario:
        """A new compound (a new estate) of ``population`` residents at a place.

        Its circle is that of ``community`` when given, else the circle whose outline
        holds it (its community: the community polygon there, else the circle's first).

        Parameters
        ----------
        population : float
            Residents.
        x, y : float, optional
            The place in the district's CRS; or
        lon, lat : float, optional
            the place in WGS-84.
        name, community : str, optional
            Its name and the community it belongs to.
        households : float, optional
            Households.
        id : str, optional
            Its id (chosen when not given).

        Returns
        -------
        Scenario
            This scenario (calls chain).
        """
        self.edits.append(
            _checked(
                Edit(
                    op="add_compound", population=float(population), x=x, y=y, lon=lon,
                    lat=lat, name=name, community=community, households=households, id=id,
                )
            )
        )  # fmt: skip
        return self

    def remove_compound(self, id: str) -> Scenario:
        """Compound ``id`` goes (demolished, emptied).

        Parameters
        ----------
        id : str
            The compound's id.

        Returns
        -------
        Scenario
            This scenario (calls chain).
        """
        self.edits.append(Edit(op="remove_compound", id=str(id)))
        return self

    def apply(self) -> Outcome:
        """The checkup after every edit, in order (`WhatIf.apply`).

        Returns
        -------
        Outcome
            The scenario's result, tables and changes against the base checkup.
        """
        return self.engine.apply(self.edits)


def _checked(edit: Edit) -> Edit:
    """Check an edit built in Python as one read from JSON is checked."""
    return edit_from_dict({k: v for k, v in edit.to_dict().items()})


def whatif_json(checkup: Checkup | WhatIf, edits: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """A what-if for the web: edits as JSON in, the changed circles as JSON out.

    Parameters
    ----------
    checkup : Checkup or WhatIf
        The checkup in memory (prepared on first use and kept), or its engine.
    edits : sequence of mapping
        Each ``{"op": "add_facility", "category": "幼儿园", "lon": 112.98, "lat": 28.12,
        "capacity": 300}``; ops ``add_facility``, ``move_facility`` (``id``, place),
        ``remove_facility`` (``id``), ``add_compound`` (place, ``population``, optional
        ``name``, ``community``), ``remove_compound`` (``id``). Places: ``lon``/``lat``
        (WGS-84) or ``x``/``y`` (the district's CRS).

    Returns
    -------
    dict
        ``scenario`` (``run.scenario``: base run, edits as applied, note), ``seconds``,
        ``grades`` (before and after: ``{"NONE": n, "AA": n, "AAA": n}``), and
        ``circles``: for each circle changed, ``id``, ``name``, ``grade_before``,
        ``grade_after``, ``grade_reason``, ``population``, and ``indicators``: those whose
        value or status changed (``id``, ``name_zh``, ``unit``, ``threshold``,
        ``value_before``, ``value_after``, ``status_before``, ``status_after``).

    Raises
    ------
    InputError
        A bad edit (its ``row`` is its place in ``edits``, from 1).
    """
    if not isinstance(edits, Sequence) or isinstance(edits, (str, bytes)):
        raise InputError(
            "edits 应为操作列表", field="edits", fix='例如 [{"op": "add_facility", …}]'
        )
    parsed = [edit_from_dict(e, row=k) for k, e in enumerate(edits, start=1)]
    engine = checkup if isinstance(checkup, WhatIf) else engine_for(checkup)
    out = engine.apply(parsed)
    circles = out.changes()
    return {
        "scenario": out.result.run.scenario,
        "seconds": round(out.seconds, 4),
        "grades": {"before": engine.checkup.result.grade_counts, "after": out.result.grade_counts},
        "circles": circles,
    }
