"""No traceback from any value: the real CLI, fed bad dates, years, sums, paths, databases,
walking options, circle ids and files, stops with a Chinese message naming what is wrong.

Every case runs the command as a user does (``CliRunner`` with ``catch_exceptions=False``,
so an exception that escapes the command fails the test instead of being caught), and
asserts a non-zero exit, Chinese text, the option or field it names, and no traceback.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lifecircle.cli import _register, app

_register()

LONG = "很长的名字" * 60  # 900 bytes in UTF-8: longer than any file system allows
CJK = re.compile(r"[\u4e00-\u9fff]")
WIDE = {"COLUMNS": "400"}  # tables and panels on one line each


def _flat(text: str) -> str:
    """The output without the panel borders and line breaks rich adds at 80 columns."""
    return re.sub(r"[\s│╭╮╰╯─]+", "", text)


@pytest.fixture(scope="module")
def place(tmp_path_factory: pytest.TempPathFactory, handbuilt_checkup_dir: Path) -> dict:
    """A programme database (the hand-built checkup imported, one project), a checkup
    folder, a folder mixed from two runs, and the files a user may hand in by mistake."""
    root = tmp_path_factory.mktemp("bad_values")
    db = root / "programme.db"
    runner = CliRunner()
    for args in (
        ["db", "upgrade"],
        ["import", "checkup", str(handbuilt_checkup_dir / "checkup.json")],
        ["project", "add", "P1", "幼儿园新建", "--circle", "C1", "--type", "街区微改造",
         "--lead", "区教育局", "--due", "2025-08-31", "--on", "2024-03-01"],
    ):  # fmt: skip
        res = runner.invoke(app, [*args, "--db", str(db)], catch_exceptions=False)
        assert res.exit_code == 0, res.output
    mixed = root / "mixed"
    shutil.copytree(handbuilt_checkup_dir, mixed)
    doc = json.loads((mixed / "checkup.json").read_text("utf-8"))
    doc["circles"][0]["id"] = "C9"  # checkup.json no longer names circles.gpkg's C1
    (mixed / "checkup.json").write_text(json.dumps(doc, ensure_ascii=False), "utf-8")
    text = root / "notes.txt"
    text.write_text("这不是数据库\n", "utf-8")
    (root / "empty.csv").write_bytes(b"")
    (root / "projects_gbk.csv").write_bytes(
        "项目编号,项目名称,生活圈编号,项目类型,牵头单位,完成时限\n"
        "P9,社区食堂,C77,街区微改造,区民政局,2025-06-30\n".encode("gbk")
    )
    (root / "homes.csv").write_text("id,population,lon,lat\nh1,100,112.99,28.13\n", "utf-8")
    evidence = root / "复核记录.txt"
    evidence.write_text("复核记录", "utf-8")
    return {
        "db": str(db),
        "root": str(root),
        "ck": str(handbuilt_checkup_dir),
        "pkg": str(handbuilt_checkup_dir.parent / "district"),
        "mixed": str(mixed),
        "text": str(text),
        "evidence": str(evidence),
    }


ADD = ["project", "add", "P2", "社区食堂", "--circle", "C1", "--type", "街区微改造",
       "--lead", "区民政局", "--on", "2024-03-01"]  # fmt: skip
ACCESS = ["access", "--homes", "{root}/homes.csv", "--facilities", "{ck}/facilities.gpkg",
          "--network", "{pkg}/network.gpkg"]  # fmt: skip
SELF = ["evaluate", "self", "C1", "AA", "--respondents", "10", "--satisfaction", "90"]

# (id, arguments, what the message must name); {db} and the others are filled from `place`.
CASES: list[tuple[str, list[str], str]] = [
    # dates
    ("due-feb-30", [*ADD, "--due", "2025-02-30", "--db", "{db}"], "--due"),
    ("due-yesterday", [*ADD, "--due", "yesterday", "--db", "{db}"], "--due"),
    ("on-feb-30", [*ADD, "--due", "2025-06-30", "--on", "2025-02-30", "--db", "{db}"], "--on"),
    ("today-yesterday", ["project", "list", "--today", "yesterday", "--db", "{db}"], "--today"),
    ("status-on-bad", ["project", "status", "P1", "已立项", "--on", "2024-13-01", "--db", "{db}"],
     "--on"),
    ("new-due-bad", ["project", "status", "P1", "延期", "--new-due", "2025-02-30", "--note", "x",
                     "--db", "{db}"], "--new-due"),
    ("bulletin-today", ["bulletin", "--period", "2024-09", "--today", "2024-02-30",
                        "--out", "{root}/b", "--db", "{db}"], "--today"),
    ("bulletin-period", ["bulletin", "--period", "2024-13", "--out", "{root}/b", "--db", "{db}"],
     "period"),
    ("data-date-feb-30", ["checkup", "{pkg}", "--out", "{root}/ck", "--data-date", "2025-02-30"],
     "--data-date"),
    ("data-date-yesterday", ["checkup", "{pkg}", "--out", "{root}/ck", "--data-date", "yesterday"],
     "--data-date"),
    # years
    ("schedule-year-inf", ["schedule", "add", "C1", "inf", "AA", "--db", "{db}"], "year"),
    ("schedule-year-negative", ["schedule", "add", "C1", "-1", "AA", "--db", "{db}"], "-1"),
    ("schedule-year-99999", ["schedule", "add", "C1", "99999", "AA", "--db", "{db}"], "99999年"),
    ("self-year-inf", [*SELF, "--year", "inf", "--db", "{db}"], "--year"),
    ("self-year-negative", [*SELF, "--year", "-1", "--db", "{db}"], "--year"),
    ("self-year-99999", [*SELF, "--year", "99999", "--db", "{db}"], "--year"),
    ("recheck-year-99999", ["evaluate", "recheck", "C1", "--year", "99999", "--passed",
                            "--evidence", "{evidence}", "--db", "{db}"], "--year"),
    # sums of money and other numbers
    ("budget-1e20", [*ADD, "--due", "2025-06-30", "--budget", "1e20", "--db", "{db}"], "--budget"),
    ("budget-10-to-20", [*ADD, "--due", "2025-06-30", "--budget", "1" + "0" * 20, "--db", "{db}"],
     "budget"),
    ("budget-negative", [*ADD, "--due", "2025-06-30", "--budget", "-5", "--db", "{db}"], "budget"),
    ("budget-abc", [*ADD, "--due", "2025-06-30", "--budget", "abc", "--db", "{db}"], "--budget"),
    ("plan-budget-nan", ["schedule", "plan", "--out", "{root}/plan.xlsx", "--budget", "nan",
                         "--db", "{db}"], "--budget"),
    ("plan-budget-1e20", ["schedule", "plan", "--out", "{root}/plan.xlsx", "--budget", "1e20",
                          "--db", "{db}"], "--budget"),
    ("satisfaction-nan", [*SELF[:-2], "--satisfaction", "nan", "--year", "2024", "--db", "{db}"],
     "满意度"),
    ("progress-150", ["project", "progress", "P1", "150", "--db", "{db}"], "进度"),
    ("pay-huge-id", ["evaluate", "pay", "9" * 20, "--db", "{db}"], "9" * 20),
    ("bulletin-number-huge", ["bulletin", "--period", "2024-09", "--number", "9" * 20,
                              "--out", "{root}/b", "--db", "{db}"], "--number"),
    # databases
    ("db-text-file", ["project", "list", "--db", "{text}"], "--db"),
    ("db-folder", ["project", "list", "--db", "{root}"], "--db"),
    ("db-missing-folder", ["project", "list", "--db", "{root}/no/such/x.db"], "--db"),
    ("db-bad-url", ["project", "list", "--db", "foo://x"], "--db"),
    ("db-upgrade-text-file", ["db", "upgrade", "--db", "{text}"], "--db"),
    ("user-list-folder", ["user", "list", "--db", "{root}"], "--db"),
    # output paths
    ("report-out-file", ["report", "{ck}", "--out", "{text}"], "notes.txt"),
    ("report-out-long", ["report", "{ck}", "--out", "{root}/" + LONG], "名称太长"),
    ("report-out-unwritable", ["report", "{ck}", "--out", "/proc/lifecircle/reports"],
     "/proc/lifecircle"),
    ("bulletin-out-file", ["bulletin", "--period", "2024-09", "--out", "{text}", "--db", "{db}"],
     "notes.txt"),
    ("export-under-file", ["schedule", "export", "{text}/铺排表.xlsx", "--db", "{db}"], "notes.txt"),
    ("backup-long", ["db", "backup", "{root}/" + LONG + ".json", "--db", "{db}"], "名称太长"),
    ("backup-to-folder", ["db", "backup", "{root}", "--db", "{db}"], "同名文件夹"),
    ("subsidies-unwritable", ["evaluate", "subsidies", "--out", "/proc/lifecircle/奖补.xlsx",
                              "--db", "{db}"], "/proc/lifecircle"),
    ("access-out-file", [*ACCESS, "--out", "{text}"], "notes.txt"),
    ("checkup-out-long", ["checkup", "{pkg}", "--out", "{root}/" + LONG], "名称太长"),
    # walking options
    ("access-max-snap-negative", [*ACCESS, "--out", "{root}/a", "--max-snap", "-1"], "--max-snap"),
    ("access-max-snap-nan", [*ACCESS, "--out", "{root}/a", "--max-snap", "nan"], "--max-snap"),
    ("checkup-max-snap-negative", ["checkup", "{pkg}", "--out", "{root}/ck", "--max-snap", "-1"],
     "--max-snap"),
    ("checkup-max-snap-nan", ["checkup", "{pkg}", "--out", "{root}/ck", "--max-snap", "nan"],
     "--max-snap"),
    ("access-speed-zero", [*ACCESS, "--out", "{root}/a", "--minutes", "5", "--speed", "0"],
     "--speed"),
    ("access-radius-negative", [*ACCESS, "--out", "{root}/a", "--radius", "-300"], "--radius"),
    ("access-minutes-huge", [*ACCESS, "--out", "{root}/a", "--minutes", "1e20"], "--minutes"),
    # circles and checkup folders
    ("report-unknown-circle", ["report", "{ck}", "--out", "{root}/r", "--circle", "C99"], "C99"),
    ("report-mixed-folder", ["report", "{mixed}", "--out", "{root}/r2"], "circle_id"),
    ("import-checkup-empty", ["import", "checkup", "{root}/empty.csv", "--db", "{db}"],
     "empty.csv"),
    ("project-unknown-circle", [*ADD[:4], "--circle", "C99", *ADD[6:], "--due", "2025-06-30",
                                "--db", "{db}"], "C99"),
    # files
    ("import-circles-empty", ["import", "circles", "{root}/empty.csv", "--db", "{db}"],
     "empty.csv"),
    ("import-projects-empty", ["import", "projects", "{root}/empty.csv", "--db", "{db}"],
     "empty.csv"),
    ("import-schedule-empty", ["import", "schedule", "{root}/empty.csv", "--db", "{db}"],
     "empty.csv"),
    ("access-homes-empty", ["access", "--homes", "{root}/empty.csv", "--facilities",
                            "{ck}/facilities.gpkg", "--network", "{pkg}/network.gpkg",
                            "--out", "{root}/a"], "empty.csv"),
    ("import-projects-gbk", ["import", "projects", "{root}/projects_gbk.csv", "--db", "{db}"],
     "C77"),
]  # fmt: skip


@pytest.mark.parametrize(("args", "names"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_a_bad_value_gets_a_chinese_message_naming_it(place: dict, args: list[str], names: str):
    argv = [a.format(**place) for a in args]
    res = CliRunner().invoke(app, argv, catch_exceptions=False, env=WIDE)
    out = res.output
    assert res.exit_code != 0, out
    assert "Traceback" not in out
    assert CJK.search(out), out
    assert _flat(names) in _flat(out), out


def test_at_least_forty_cases():
    assert len(CASES) >= 40 and len({c[0] for c in CASES}) == len(CASES)


def test_the_gbk_file_is_read_as_chinese(place: dict):
    """The GBK project list is decoded (its Chinese reaches the report), not refused."""
    res = CliRunner().invoke(
        app,
        ["import", "projects", f"{place['root']}/projects_gbk.csv", "--db", place["db"]],
        catch_exceptions=False,
        env=WIDE,
    )
    flat = _flat(res.output)
    assert res.exit_code == 2 and "C77" in flat and "编码" not in flat
    assert "数据库中没有编号为“C77”的生活圈" in flat


def test_nothing_was_written_by_the_refused_commands(place: dict):
    """The database still holds only P1; no output folder or file was left behind."""
    res = CliRunner().invoke(app, ["project", "list", "--db", place["db"]], catch_exceptions=False)
    assert res.exit_code == 0 and "P1" in res.output and "P2" not in res.output
    root = Path(place["root"])
    left = sorted(p.name for p in root.iterdir())
    for name in ("b", "ck", "a", "r", "r2", "plan.xlsx"):
        assert name not in left, left
