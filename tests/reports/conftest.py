"""Report fixtures: the real checkups of tests/checkup_fixtures.py, by the roles tests need.

``checkup_dir`` is the real checkup of the small demo district (``scale=0.05``: 49 circles,
~500 compounds), built once per session; ``handbuilt_checkup_dir`` the hand-built district
(one circle of each grade, real geometry, an official catalogue). The few tests that need a
precise case neither has (a compound with no walking route, a district with the plan's
targets on a given day, text from the mirror) build a variant of the hand-built district
through the real checkup (``checkup_fixtures.handbuilt_checkup_of``).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from lifecircle.checkup import CheckupResult


@pytest.fixture(scope="session")
def checkup_dir(demo_checkup_dir: Path) -> Path:
    """The real checkup folder of the small demo district."""
    return demo_checkup_dir


def pick_circles(result: CheckupResult) -> dict[str, str]:
    """Circle ids by role: a NONE circle failing a coverage indicator (maps drawn), an AAA
    circle, and an AA circle."""
    roles: dict[str, str] = {}
    for c in result.circles:
        cov = any(
            s.status == "fail" and c.indicator(s.indicator_id).kind == "coverage"
            for s in c.shortfalls
        )
        if c.grade == "NONE" and cov:
            roles.setdefault("none", c.id)
        roles.setdefault(c.grade.lower(), c.id)
    return roles
