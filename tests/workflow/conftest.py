"""Workflow fixtures on top of the shared database fixtures (tests/conftest.py)."""

from __future__ import annotations

import pytest


@pytest.fixture
def checkup():
    from lifecircle.workflow.sample import sample_checkup

    return sample_checkup()


@pytest.fixture
def programme(session, checkup):
    """Units seeded and a checkup with 30 circles imported."""
    from lifecircle.workflow.checkups import import_checkup
    from lifecircle.workflow.places import seed_units

    seed_units(session)
    import_checkup(session, checkup)
    session.commit()
    return session
