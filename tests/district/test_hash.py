"""The input hash: stable across loads and moves, changed by any input byte."""

from __future__ import annotations

import re
import shutil

from district._pkg import FACILITIES
from lifecircle.district import load_district


def test_hash_is_stable_and_ignores_the_folder(make_package, tmp_path) -> None:
    root = make_package()
    first = load_district(root).input_hash
    assert re.fullmatch(r"sha256:[0-9a-f]{64}", first)
    assert load_district(root).input_hash == first
    moved = shutil.copytree(root, tmp_path / "elsewhere")
    assert load_district(moved).input_hash == first


def test_hash_changes_with_any_file(make_package) -> None:
    root = make_package()
    base = load_district(root).input_hash
    make_package(facilities=FACILITIES.replace("120", "121"))
    fac = load_district(root).input_hash
    assert fac != base
    (root / "district.yaml").write_text(
        (root / "district.yaml").read_text(encoding="utf-8").replace("测试区", "测试二区"),
        encoding="utf-8",
    )
    assert load_district(root).input_hash not in (base, fac)


def test_hash_changes_with_the_network(make_package) -> None:
    root = make_package()
    base = load_district(root).input_hash
    net = root / "network.geojson"
    net.write_text(net.read_text(encoding="utf-8").replace("residential", "footway"))
    assert load_district(root).input_hash != base
