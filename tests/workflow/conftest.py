"""Workflow fixtures on top of the shared database fixtures and real checkups (tests/conftest.py)."""

from __future__ import annotations

import pytest

from checkup_fixtures import Roles, circle_roles
from lifecircle.checkup import CheckupResult


@pytest.fixture
def checkup(demo_checkup: CheckupResult) -> CheckupResult:
    """The real checkup of the small demo district (49 circles, run on 2024-06-01)."""
    return demo_checkup


@pytest.fixture
def roles(demo_checkup: CheckupResult) -> Roles:
    """Circles of the demo checkup by what they are (failing, passing, AAA, AA)."""
    return circle_roles(demo_checkup)


@pytest.fixture
def programme(session, checkup):
    """Units seeded and the demo checkup (49 circles) imported."""
    from lifecircle.workflow.checkups import import_checkup
    from lifecircle.workflow.places import seed_units

    seed_units(session)
    import_checkup(session, checkup)
    session.commit()
    return session
