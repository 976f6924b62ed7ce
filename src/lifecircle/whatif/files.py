"""A what-if from a district package on disk to a scenario document (the CLI's path)."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from lifecircle.errors import InputError
from lifecircle.whatif.edits import OP_ZH, Edit
from lifecircle.whatif.engine import Outcome, WhatIf


def whatif_district(
    district: str | os.PathLike[str],
    edits: Sequence[Edit],
    *,
    catalogue: str | os.PathLike[str] = "changsha-provisional",
    out: str | os.PathLike[str] | None = None,
    max_snap_m: float = 200.0,
    progress: Callable[[str, int, int], None] | None = None,
) -> Outcome:
    """Check up a district package, apply ``edits`` and write the scenario document.

    Parameters
    ----------
    district : path
        The district package folder (``district.yaml``).
    edits : sequence of Edit
        What to add, move or remove (`lifecircle.whatif.parse_add` and friends read the
        command line's forms).
    catalogue : str or path
        Built-in catalogue name or a YAML file.
    out : path, optional
        Where to write the scenario as a ``checkup.json`` document (``run.scenario``
        lists the edits).
    max_snap_m : float
        Farthest a point may lie from the network and still be reached.
    progress : callable, optional
        ``progress(stage, done, total)``.

    Returns
    -------
    Outcome
    """
    from lifecircle.checkup.run import run_checkup
    from lifecircle.district import load_district
    from lifecircle.standards import load_catalogue

    cat = load_catalogue(catalogue if isinstance(catalogue, str) else Path(catalogue))
    d = load_district(Path(district))
    _check_ids(d, edits)  # before the long part: a wrong id fails at once
    checkup = run_checkup(d, cat, max_snap_m=max_snap_m, progress=progress)
    outcome = WhatIf(checkup, cat).apply(list(edits))
    if out is not None:
        outcome.write(out)
    return outcome


def _check_ids(district: Any, edits: Sequence[Edit]) -> None:
    """Every facility or compound an edit names exists (or an earlier edit adds it)."""
    facilities = set(district.facilities["id"].astype(str))
    compounds = set(district.compounds["id"].astype(str))
    for row, e in enumerate(edits, start=1):
        if e.op == "add_facility" and e.id:
            facilities.add(e.id)
        elif e.op == "add_compound" and e.id:
            compounds.add(e.id)
        elif e.op in ("move_facility", "remove_facility") and e.id not in facilities:
            raise InputError(
                f"{OP_ZH[e.op]}：没有编号为 {e.id!r} 的设施",
                row=row,
                field="id",
                fix="用区数据包 facilities 图层中的设施编号 id。",
            )
        elif e.op == "remove_compound" and e.id not in compounds:
            raise InputError(
                f"{OP_ZH[e.op]}：没有编号为 {e.id!r} 的小区",
                row=row,
                field="id",
                fix="用区数据包 compounds 图层中的小区编号 id。",
            )
