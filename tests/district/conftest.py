"""Fixture: write the tiny hand-written district package into tmp_path."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from district._pkg import CIRCLES, COMPOUNDS, FACILITIES, MANUAL, grid_lines, manifest


@pytest.fixture
def make_package(tmp_path: Path) -> Callable[..., Path]:
    """Write the tiny package into tmp_path/pkg; keyword arguments replace files or the manifest."""

    def make(
        *,
        compounds: str = COMPOUNDS,
        facilities: str = FACILITIES,
        circles: str = CIRCLES,
        manual: str | None = MANUAL,
        doc: dict | None = None,
        raw_manifest: str | None = None,
    ) -> Path:
        root = tmp_path / "pkg"
        root.mkdir(exist_ok=True)
        (root / "compounds.csv").write_text(compounds, encoding="utf-8")
        (root / "facilities.csv").write_text(facilities, encoding="utf-8")
        (root / "circles.csv").write_text(circles, encoding="utf-8")
        if manual is not None:
            (root / "manual_values.csv").write_text(manual, encoding="utf-8")
        net = root / "network.geojson"
        if not net.exists():
            grid_lines().to_file(net, driver="GeoJSON")
        doc = manifest() if doc is None else doc
        if manual is None:
            doc["layers"].pop("manual_values", None)
        text = raw_manifest or yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)
        (root / "district.yaml").write_text(text, encoding="utf-8")
        return root

    return make
