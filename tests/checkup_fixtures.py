"""Real checkups for the tests, built once per session (loaded by tests/conftest.py).

Every test that needs a checkup runs on one made by ``run_checkup`` and written by
``Checkup.write``, never on a hand-written checkup.json:

- ``demo_checkup_dir`` / ``demo_checkup``: the demo district at ``scale=0.05`` (49 circles,
  ~500 compounds, generated geometry, the provisional Changsha catalogue), run on
  :data:`CHECKUP_DAY`.
- ``handbuilt_checkup_dir`` / ``handbuilt_checkup``: the hand-built district of
  tests/handbuilt_district.py (C1 NONE, C2 AAA, C3 AA; real geometry, an official
  catalogue), run on the same day.

:func:`checkup_of` runs the checkup of any package (a variant of the hand-built one for a
precise case) on a chosen day; :func:`circle_roles` names circles of a checkup by what
they are, so tests do not depend on which id the demo gives them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from handbuilt_district import write_package
from lifecircle.checkup import CheckupResult, run_checkup
from lifecircle.demo import generate_demo
from lifecircle.district import load_district
from lifecircle.standards import load_catalogue

#: the day the shared checkups are run (SOURCE_DATE_EPOCH): before the 2024 targets fall due
CHECKUP_DAY = datetime(2024, 6, 1, tzinfo=UTC)


def checkup_of(
    package: Path,
    out: Path,
    *,
    catalogue: str | Path | None = None,
    day: datetime = CHECKUP_DAY,
) -> Path:
    """Run the real checkup of ``package`` as of ``day`` and write it to ``out``.

    ``catalogue`` defaults to the package's own ``catalogue.yaml``.
    """
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SOURCE_DATE_EPOCH", str(int(day.timestamp())))
        district = load_district(package)
        ck = run_checkup(district, load_catalogue(catalogue or package / "catalogue.yaml"))
        ck.write(out)
    return out


def handbuilt_checkup_of(root: Path, *, day: datetime = CHECKUP_DAY, **variant: object) -> Path:
    """The checkup folder of the hand-built district (``variant``: see ``write_package``)."""
    package = write_package(root / "district", **variant)  # type: ignore[arg-type]
    return checkup_of(package, root / "checkup", day=day)


@dataclass(frozen=True)
class Roles:
    """Circles of a checkup by what they are."""

    failing: str  # fails a constraint indicator
    failed_indicator: str  # the first constraint it fails
    passing: list[str]  # every constraint passes (AA or AAA), in checkup order
    aaa: list[str]
    aa: list[str]


def circle_roles(result: CheckupResult) -> Roles:
    """A failing circle (and what it fails), and the passing / AAA / AA ones."""
    failing = next(c for c in result.circles if c.failed_constraints)
    return Roles(
        failing=failing.id,
        failed_indicator=failing.failed_constraints[0],
        passing=[c.id for c in result.circles if not c.failed_constraints],
        aaa=[c.id for c in result.circles if c.grade == "AAA"],
        aa=[c.id for c in result.circles if c.grade == "AA"],
    )


@pytest.fixture(scope="session")
def demo_checkup_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real checkup folder of the small demo district (49 circles)."""
    root = tmp_path_factory.mktemp("demo")
    package = generate_demo(root / "district", scale=0.05)
    return checkup_of(package, root / "checkup", catalogue="changsha-provisional")


@pytest.fixture(scope="session")
def demo_checkup(demo_checkup_dir: Path) -> CheckupResult:
    """``CheckupResult`` of the small demo district, read from its folder."""
    return CheckupResult.read(demo_checkup_dir)


@pytest.fixture(scope="session")
def handbuilt_checkup_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real checkup folder of the hand-built district (C1 NONE, C2 AAA, C3 AA)."""
    return handbuilt_checkup_of(tmp_path_factory.mktemp("handbuilt"))


@pytest.fixture(scope="session")
def handbuilt_checkup(handbuilt_checkup_dir: Path) -> CheckupResult:
    """``CheckupResult`` of the hand-built district, read from its folder."""
    return CheckupResult.read(handbuilt_checkup_dir)
