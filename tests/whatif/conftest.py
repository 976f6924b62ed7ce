"""The small demo district and its checkup in memory, shared by the what-if tests."""

from __future__ import annotations

import pytest

from lifecircle.checkup import run_checkup
from lifecircle.demo import generate_demo
from lifecircle.district import load_district
from lifecircle.standards import load_catalogue
from lifecircle.whatif import WhatIf


@pytest.fixture(scope="session")
def demo(tmp_path_factory):
    """(package folder, district, catalogue, checkup, prepared WhatIf) of the small demo."""
    root = tmp_path_factory.mktemp("whatif")
    package = generate_demo(root / "district", scale=0.05)
    district = load_district(package)
    catalogue = load_catalogue("changsha-provisional")
    checkup = run_checkup(district, catalogue)
    return package, district, catalogue, checkup, WhatIf(checkup, catalogue)
