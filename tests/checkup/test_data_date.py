"""A checkup's data date: given in district.yaml, as a keyword or an option; carried in
checkup.json apart from the run date; refused when it is no date or later than the run."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date

import pytest
import yaml

from checkup_fixtures import CHECKUP_DAY, checkup_of
from handbuilt_district import write_package
from lifecircle.checkup import CheckupResult, run_checkup
from lifecircle.district import District, load_district, parse_data_date
from lifecircle.errors import DistrictError, InputError
from lifecircle.standards import load_catalogue


def _with_data_date(root, value):
    path = root / "district.yaml"
    text = path.read_text("utf-8") + f"data_date: {value}\n"
    path.write_text(text, "utf-8")
    return root


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("2024-03-31", date(2024, 3, 31)),
        ("'2024-03-31'", date(2024, 3, 31)),
        ("2024年3月31日", date(2024, 3, 31)),
        ("2024/3/31", date(2024, 3, 31)),
    ],
)
def test_data_date_in_district_yaml(tmp_path, text, day):
    root = _with_data_date(write_package(tmp_path / "d"), text)
    assert load_district(root).data_date == day


@pytest.mark.parametrize("text", ["2025-02-30", "yesterday", "'31/03/2024'", "2024"])
def test_a_bad_data_date_names_the_file_and_field(tmp_path, text):
    root = _with_data_date(write_package(tmp_path / "d"), text)
    with pytest.raises(DistrictError) as err:
        load_district(root)
    assert err.value.field == "data_date" and err.value.file.endswith("district.yaml")
    assert "2024-06-30" in err.value.fix


def test_parse_data_date_forms():
    assert parse_data_date(None, file=None) is None
    assert parse_data_date("  ", file=None) is None
    assert parse_data_date(date(2024, 1, 2), file=None) == date(2024, 1, 2)
    assert parse_data_date("2024 年 1 月 2 日", file=None) == date(2024, 1, 2)
    with pytest.raises(DistrictError, match="不是日期"):
        parse_data_date(20240102, file="x")


def test_checkup_carries_the_data_date_apart_from_the_run_date(tmp_path):
    root = _with_data_date(write_package(tmp_path / "d"), "2023-12-31")
    out = checkup_of(root, tmp_path / "out")
    data = json.loads((out / "checkup.json").read_text("utf-8"))
    assert data["schema_version"] == "1.1"
    assert data["run"]["data_date"] == "2023-12-31"
    assert data["run"]["created_at"].startswith(CHECKUP_DAY.date().isoformat())
    result = CheckupResult.read(out)
    assert result.run.as_of == date(2023, 12, 31)


def test_without_a_data_date_the_run_date_stands_in(handbuilt_checkup):
    assert handbuilt_checkup.run.data_date is None
    assert handbuilt_checkup.run.as_of == CHECKUP_DAY.date()


def test_keyword_overrides_the_package_and_changes_the_run_id(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(CHECKUP_DAY.timestamp())))
    root = _with_data_date(write_package(tmp_path / "d"), "2023-12-31")
    district = load_district(root)
    cat = load_catalogue(root / "catalogue.yaml")
    a = run_checkup(district, cat).result
    b = run_checkup(district, cat, data_date="2024年3月31日").result
    assert (a.run.data_date, b.run.data_date) == ("2023-12-31", "2024-03-31")
    assert a.run.id != b.run.id  # a different data date is a different checkup
    assert [c.grade for c in a.circles] == [c.grade for c in b.circles]


def test_a_data_date_after_the_run_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(CHECKUP_DAY.timestamp())))
    root = _with_data_date(write_package(tmp_path / "d"), "2024-06-02")  # run: 2024-06-01
    with pytest.raises(InputError) as err:
        run_checkup(load_district(root), load_catalogue(root / "catalogue.yaml"))
    assert err.value.field == "data_date" and "晚于" in err.value.message
    assert err.value.file.endswith("district.yaml")


def test_from_frames_keyword(tmp_path):
    import geopandas as gpd

    root = write_package(tmp_path / "d")
    doc = yaml.safe_load((root / "district.yaml").read_text("utf-8"))
    frames = {k: gpd.read_file(root / v) for k, v in doc["layers"].items()}
    d = District.from_frames(name="手算区", crs=doc["crs"], data_date="2024-01-15", **frames)
    assert d.data_date == date(2024, 1, 15)
    other = District.from_frames(name="手算区", crs=doc["crs"], **frames)
    assert other.data_date is None and other.input_hash != d.input_hash
    with pytest.raises(DistrictError) as err:
        District.from_frames(name="手算区", crs=doc["crs"], data_date="2024-13-01", **frames)
    assert err.value.field == "data_date"


def test_schema_1_0_files_are_still_read(handbuilt_checkup_dir):
    data = json.loads((handbuilt_checkup_dir / "checkup.json").read_text("utf-8"))
    data["schema_version"] = "1.0"
    del data["run"]["data_date"]
    for c in data["circles"]:
        for i in c["indicators"]:
            del i["place"]
    old = CheckupResult.from_dict(data)
    assert old.run.data_date is None and old.run.as_of == CHECKUP_DAY.date()
    assert old.circle("C1").indicator("c_kg_500").place is None


def test_cli_data_date_option(tmp_path):
    package = write_package(tmp_path / "d")
    base = [sys.executable, "-m", "lifecircle", "checkup", str(package),
            "--catalogue", str(package / "catalogue.yaml")]  # fmt: skip
    bad = subprocess.run(
        [*base, "--out", str(tmp_path / "bad"), "--data-date", "2025-02-30"],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    assert "--data-date" in bad.stdout + bad.stderr and not (tmp_path / "bad").exists()
    ok = subprocess.run(
        [*base, "--out", str(tmp_path / "ok"), "--data-date", "2024-03-31"],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert ok.returncode == 0, ok.stderr
    assert "数据日期：2024-03-31" in ok.stdout
    assert CheckupResult.read(tmp_path / "ok").run.data_date == "2024-03-31"
