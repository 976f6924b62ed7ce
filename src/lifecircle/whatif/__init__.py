"""What-if: add, move or remove facilities and compounds, and see the new values and grades.

``Scenario(checkup).add_facility("幼儿园", lon=…, lat=…, capacity=300).apply()`` returns an
`Outcome` whose ``result`` is a `CheckupResult` (a ``checkup.json`` document marked as a
scenario). Only the homes within reach of a change are recomputed, and only the circles
touched are graded again; the answer equals a full ``run_checkup`` of the edited district.
"""

from lifecircle.whatif.edits import (
    OPS,
    Edit,
    edit_from_dict,
    parse_add,
    parse_add_compound,
    parse_move,
)
from lifecircle.whatif.engine import Outcome, WhatIf
from lifecircle.whatif.files import whatif_district
from lifecircle.whatif.scenario import Scenario, engine_for, whatif_json

__all__ = [
    "OPS",
    "Edit",
    "Outcome",
    "Scenario",
    "WhatIf",
    "edit_from_dict",
    "engine_for",
    "parse_add",
    "parse_add_compound",
    "parse_move",
    "whatif_district",
    "whatif_json",
]
