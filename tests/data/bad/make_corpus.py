"""Write the bad-input corpus (issue 15): broken files for every importer and command.

Run from the repository root: ``PYTHONPATH=src:tests python tests/data/bad/make_corpus.py``
(add ``--checkup`` to rewrite the checkup folders too, which runs a checkup).
The files are committed; this script makes them reproducible (fixed timestamps, no
randomness). ``manifest.yaml`` beside it says for each file the command and the expected
message fragments; it is written by hand, not by this script.
"""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import yaml
from openpyxl import Workbook

HERE = Path(__file__).resolve().parent
TESTS = HERE.parents[1]
sys.path[:0] = [str(TESTS), str(TESTS.parent / "src")]

from district._pkg import CIRCLES, COMPOUNDS, FACILITIES, MANUAL, grid_lines, manifest  # noqa: E402
from office_files import (  # noqa: E402
    circle_list_xlsx,
    leaders_xlsx,
    project_library_xlsx,
    schedule_matrix_xlsx,
)

FIXED = datetime(2024, 1, 1)
ZIP_TIME = (2024, 1, 1, 0, 0, 0)


# --------------------------------------------------------------------------- helpers
def _fix_zip(path: Path) -> None:
    """Rewrite a zip (xlsx) with fixed member times so the bytes are reproducible."""
    with zipfile.ZipFile(path) as z:
        members = [(i.filename, z.read(i.filename)) for i in z.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members:
            if name == "docProps/core.xml":  # openpyxl stamps the save time
                data = re.sub(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", b"2024-01-01T00:00:00Z", data)
            z.writestr(zipfile.ZipInfo(name, ZIP_TIME), data, zipfile.ZIP_DEFLATED)


def _save(wb: Workbook, path: Path) -> Path:
    wb.properties.created = FIXED
    wb.properties.modified = FIXED
    wb.save(path)
    _fix_zip(path)
    return path


def _xlsx_via(make: Callable[[Path], Path], path: Path) -> Path:
    make(path)
    _fix_zip(path)
    return path


def _rows_xlsx(path: Path, rows: list[list[object]], merges: tuple[str, ...] = ()) -> Path:
    wb = Workbook()
    ws = wb.active
    for r in rows:
        ws.append(r)
    for m in merges:
        ws.merge_cells(m)
    return _save(wb, path)


def _truncate(path: Path, frac: float = 0.5) -> Path:
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * frac)])
    return path


def _csv(path: Path, lines: list[str], encoding: str = "utf-8") -> Path:
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    return path


def _xlsx_bomb(path: Path) -> Path:
    """A valid-looking workbook whose sheet XML inflates to about 1 GB (a zip bomb)."""
    good = io.BytesIO()
    wb = Workbook()
    wb.active.append(["生活圈编号", "生活圈名称", "街道", "社区"])
    wb.save(good)
    good.seek(0)
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                head, tail = data.split(b"</sheetData>")
                # 1 GB of spaces inside the sheet data: a few MB compressed, 1 GB inflated
                zi = zipfile.ZipInfo(info.filename, ZIP_TIME)
                zi.compress_type = zipfile.ZIP_DEFLATED
                with dst.open(zi, "w", force_zip64=True) as fh:
                    fh.write(head)
                    block = b" " * (1 << 20)
                    for _ in range(1024):
                        fh.write(block)
                    fh.write(b"</sheetData>" + tail)
                continue
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", b"2024-01-01T00:00:00Z", data)
            dst.writestr(zipfile.ZipInfo(info.filename, ZIP_TIME), data, zipfile.ZIP_DEFLATED)
    return path


PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6300010000050001"
    "0d0a2db40000000049454e44ae426082"
)


# --------------------------------------------------------------------------- district
def _package(root: Path, **files: str | bytes | None) -> Path:
    """The documented minimal package (lon/lat CSVs, a GeoJSON grid) with files replaced."""
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    base: dict[str, str | bytes | None] = {
        "compounds.csv": COMPOUNDS,
        "facilities.csv": FACILITIES,
        "circles.csv": CIRCLES,
        "manual_values.csv": MANUAL,
        "district.yaml": yaml.safe_dump(manifest(), allow_unicode=True, sort_keys=False),
    }
    base.update({k.replace("__", "."): v for k, v in files.items()})
    for name, content in base.items():
        if content is None:
            continue
        data = content.encode("utf-8") if isinstance(content, str) else content
        (root / name).write_bytes(data)
    if base.get("network.geojson") is None:
        grid_lines().to_file(root / "network.geojson", driver="GeoJSON")
        # pyogrio writes no timestamps into GeoJSON, so the bytes are reproducible
    return root


def _manifest_yaml(**extra: object) -> str:
    return yaml.safe_dump(manifest(**extra), allow_unicode=True, sort_keys=False)


#: compounds and facilities 10-20 m beside a sparse street network (1 km apart), as surveyed
_NEAR = {
    "K1": (113.0030, 28.1001), "K2": (113.0050, 28.0999), "K3": (113.0001, 28.1050),
    "K4": (113.0130, 28.1101), "K5": (113.0099, 28.1150),
    "F1": (113.0040, 28.1001), "F2": (113.0140, 28.1099), "F3": (113.0101, 28.1135),
    "F4": (113.0190, 28.1001),
}  # fmt: skip


def _sparse_network() -> bytes:
    import geopandas as gpd
    import shapely

    lines = [
        shapely.LineString([(113.0 + i * 0.01, 28.09), (113.0 + i * 0.01, 28.13)]) for i in range(3)
    ]
    lines += [
        shapely.LineString([(112.99, 28.1 + j * 0.01), (113.03, 28.1 + j * 0.01)]) for j in range(3)
    ]
    frame = gpd.GeoDataFrame(
        {"highway": ["residential"] * len(lines)}, geometry=lines, crs="EPSG:4326"
    )
    return frame.to_json().encode("utf-8")


def _gcj_compounds() -> str:
    """The compounds moved by the GCJ-02 offset (as an online map gives them), still
    labelled wgs84 in district.yaml."""
    from lifecircle.io.coords import wgs84_to_gcj02

    lines = COMPOUNDS.strip().splitlines()
    out = [lines[0]]
    for line in lines[1:]:
        cells = line.split(",")
        lon, lat = wgs84_to_gcj02(*_NEAR[cells[0]])
        cells[-2:] = [f"{float(lon):.6f}", f"{float(lat):.6f}"]
        out.append(",".join(cells))
    return "\n".join(out) + "\n"


def _gcj_facilities() -> str:
    from lifecircle.io.coords import wgs84_to_gcj02

    lines = FACILITIES.strip().splitlines()
    out = [lines[0]]
    for line in lines[1:]:
        cells = line.split(",")
        lon, lat = wgs84_to_gcj02(*_NEAR[cells[0]])
        cells[-2:] = [f"{float(lon):.6f}", f"{float(lat):.6f}"]
        out.append(",".join(cells))
    return "\n".join(out) + "\n"


def _replace(text: str, old: str, new: str) -> str:
    assert old in text, old
    return text.replace(old, new)


BOMB = """format: lifecircle-district/1
name: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
"""
SELF_REF = "format: lifecircle-district/1\nname: &x [1, *x]\n"


def district_cases(root: Path) -> None:
    d = root / "district"
    d.mkdir(exist_ok=True)
    comp = COMPOUNDS
    _package(d / "no_manifest", district__yaml=None)
    full = _manifest_yaml()
    _package(d / "manifest_truncated", district__yaml=full[: len(full) // 2] + "  - [")
    _package(d / "manifest_alias_bomb", district__yaml=BOMB)
    _package(d / "manifest_self_alias", district__yaml=SELF_REF)
    _package(
        d / "manifest_gbk_cut", district__yaml=full.encode("gbk")[:-40] + "名".encode("gbk")[:1]
    )
    _package(d / "manifest_png", district__yaml=PNG)
    m = manifest()
    m["layers"]["compounds"] = "../../../../etc/passwd"
    _package(d / "layer_dotdot", district__yaml=yaml.safe_dump(m, allow_unicode=True))
    m = manifest()
    m["layers"]["facilities"] = "没有这个文件.csv"
    _package(d / "layer_missing", district__yaml=yaml.safe_dump(m, allow_unicode=True))
    _package(d / "coords_unknown", district__yaml=_manifest_yaml(coords="火星坐标"))
    _package(d / "compounds_nan", compounds__csv=_replace(comp, "113.005,28.103", "nan,28.103"))
    _package(
        d / "compounds_lat_95", compounds__csv=_replace(comp, "113.003,28.105", "113.003,95.0")
    )
    _package(d / "compounds_inf", compounds__csv=_replace(comp, "113.013,28.113", "inf,28.113"))
    _package(
        d / "compounds_mixed_crs",
        compounds__csv=_replace(comp, "113.015,28.115", "3301234.5,3112345.6"),
    )
    _package(
        d / "compounds_huge_population",
        compounds__csv=_replace(comp, "K2,乙小区,A社区,东街道,500", "K2,乙小区,A社区,东街道,1e308"),
    )
    _package(
        d / "compounds_negative_population",
        compounds__csv=_replace(comp, "K3,丙小区,B社区,东街道,800", "K3,丙小区,B社区,东街道,-800"),
    )
    _package(d / "compounds_duplicate_id", compounds__csv=_replace(comp, "K3,丙小区", "K1,丙小区"))
    _package(
        d / "compounds_dotdot_id", compounds__csv=_replace(comp, "K4,丁小区", "../../K4,丁小区")
    )
    _package(d / "compounds_truncated", compounds__csv=comp[: comp.index("K3,") + 9])
    _package(d / "compounds_utf16", compounds__csv=comp.encode("utf-16-le"))
    _package(d / "compounds_png", compounds__csv=PNG)
    _package(
        d / "compounds_gbk_garbage",
        compounds__csv=comp.encode("gbk")[:60] + b"\xff\xfe\x80" + comp.encode("gbk")[60:],
    )
    _package(d / "compounds_empty", compounds__csv="")
    _package(d / "compounds_no_lon", compounds__csv=comp.replace("lon,", "x_unknown,"))
    _package(
        d / "gcj02_labelled_wgs84",
        compounds__csv=_gcj_compounds(),
        facilities__csv=_gcj_facilities(),
        network__geojson=_sparse_network(),
    )
    _package(
        d / "facility_unknown_category",
        facilities__csv=_replace(FACILITIES, "F3,超市,060400", "F3,超市,飞船发射场"),
    )
    _package(
        d / "manual_impossible_date",
        manual_values__csv=_replace(MANUAL, "2023-12-31", "2023-02-30"),
    )
    _package(d / "manual_huge_value", manual_values__csv=_replace(MANUAL, "76.4", "1e400"))
    _package(d / "network_truncated")
    _truncate(d / "network_truncated" / "network.geojson", 0.4)
    _package(d / "network_is_csv", network__geojson=COMPOUNDS)
    _package(d / "circles_dotdot_id", circles__csv=_replace(CIRCLES, "C2,西一", "../C2,西一"))
    _package(
        d / "circles_duplicate_id", circles__csv=_replace(CIRCLES, "C3,空生活圈", "C1,空生活圈")
    )
    # a huge file: 20 000 compounds, the last one without coordinates
    rows = [COMPOUNDS.splitlines()[0]]
    rows += [
        f"H{i},小区{i},A社区,东街道,10,4,{113.001 + (i % 900) * 1e-5:.5f},{28.101 + (i // 900) * 1e-5:.5f}"
        for i in range(20_000)
    ]
    rows.append("H20000,最后小区,A社区,东街道,10,4,,")
    _package(d / "compounds_huge_file", compounds__csv="\n".join(rows) + "\n")


# --------------------------------------------------------------------------- office tables
def office_cases(root: Path) -> None:
    c = root / "circles"
    c.mkdir(exist_ok=True)
    _truncate(_xlsx_via(circle_list_xlsx, c / "truncated.xlsx"))
    _csv(
        c / "csv_named_xlsx.xlsx",
        ["生活圈编号,生活圈名称,街道,社区", "C09,新生活圈,东塘街道,新建社区"],
    )
    (c / "png_named_xlsx.xlsx").write_bytes(PNG)
    (c / "png_named_csv.csv").write_bytes(PNG)
    (c / "empty.csv").write_bytes(b"")
    _csv(c / "header_only.csv", ["生活圈编号,生活圈名称,街道,社区"])
    _csv(
        c / "utf16.csv",
        ["生活圈编号,生活圈名称,街道,社区", "C09,新生活圈,东塘街道,新建社区"],
        "utf-16-le",
    )
    (c / "gbk_cut_in_half.csv").write_bytes(
        "生活圈编号,生活圈名称,街道,社区\nC09,新生活圈,东塘街道,新建社区\n".encode("gbk")[:-5]
        + b"\xd6\n"
    )
    _csv(
        c / "duplicate_code.csv",
        [
            "生活圈编号,生活圈名称,街道,社区",
            "C09,新一生活圈,东塘街道,新建社区",
            "C09,新二生活圈,东塘街道,新建二社区",
        ],
    )
    _csv(
        c / "dotdot_code.csv",
        ["生活圈编号,生活圈名称,街道,社区", "../../C09,新生活圈,东塘街道,新建社区"],
    )
    _csv(c / "missing_name_column.csv", ["生活圈编号,街道", "C09,东塘街道"], "gbk")
    _csv(
        c / "huge_number_code.csv",
        ["生活圈编号,生活圈名称,街道,社区", "1" + "0" * 400 + ",新生活圈,东塘街道,新建社区"],
    )
    _rows_xlsx(
        c / "formulas.xlsx",
        [
            ["生活圈编号", "生活圈名称", "街道", "社区"],
            ['="C"&"09"', '=A2&"生活圈"', "东塘街道", "东塘社区"],
        ],
    )
    _rows_xlsx(
        c / "merged_header_no_code.xlsx",
        [
            ["生活圈", None, None, None],
            [None, None, None, None],
            ["C09", "新生活圈", "东塘街道", "东塘社区"],
        ],
        merges=("A1:D2",),
    )
    _xlsx_bomb(c / "zip_bomb.xlsx")

    s = root / "schedule"
    s.mkdir(exist_ok=True)
    _truncate(_xlsx_via(schedule_matrix_xlsx, s / "truncated.xlsx"), 0.7)
    head = "年度,生活圈编号,目标等级,完成时限"
    _csv(s / "impossible_date.csv", [head, "2024,C01,AA,2024-02-30"])
    _csv(s / "year_huge.csv", [head, "99999999999999999999,C01,AA,2024-09-30"])
    _csv(s / "year_nan.csv", [head, "nan,C01,AA,2024-09-30"])
    _csv(s / "bad_grade.csv", [head, "2024,C01,AAAAAA,2024-09-30"], "gbk")
    _csv(s / "unknown_circle.csv", [head, "2024,C99,AA,2024-09-30"])
    _csv(s / "dotdot_circle.csv", [head, "2024,../C01,AA,2024-09-30"])
    _csv(s / "year_1899.csv", [head, "1899,C01,AA,1899-09-30"])
    (s / "gbk_garbage.csv").write_bytes(
        f"{head}\n2024,C01,".encode("gbk") + b"\x81\xff\xfe\x00AA\n"
    )
    _rows_xlsx(
        s / "formulas.xlsx", [head.split(","), ["=2020+4", "C01", '="A"&"A"', "=DATE(2024,2,30)"]]
    )
    (s / "docx_named_xlsx.xlsx").write_bytes(b"PK\x03\x04" + b"\x00" * 200)

    p = root / "projects"
    p.mkdir(exist_ok=True)
    phead = "项目名称,所属生活圈,责任单位,项目类型,项目状态,总投资（万元）,计划开工,完成时限"
    _truncate(_xlsx_via(project_library_xlsx, p / "truncated.xlsx"), 0.6)
    _csv(
        p / "investment_huge.csv",
        [phead, "某项目,梓园生活圈,区住建局,微改造,计划,1e400,2024-03-01,2024-09-30"],
    )
    _csv(
        p / "investment_nan.csv",
        [phead, "某项目,梓园生活圈,区住建局,微改造,计划,NaN,2024-03-01,2024-09-30"],
    )
    _csv(
        p / "investment_negative.csv",
        [phead, "某项目,梓园生活圈,区住建局,微改造,计划,-320,2024-03-01,2024-09-30"],
    )
    _csv(
        p / "impossible_date.csv",
        [phead, "某项目,梓园生活圈,区住建局,微改造,计划,10,2024-13-45,2024-09-30"],
    )
    _csv(
        p / "year_zero_date.csv",
        [phead, "某项目,梓园生活圈,区住建局,微改造,计划,10,0000-01-01,2024-09-30"],
        "gbk",
    )
    _csv(
        p / "finish_before_start.csv",
        [phead, "某项目,梓园生活圈,区住建局,微改造,计划,10,2024-09-01,2023-01-01"],
    )
    _csv(
        p / "unknown_status.csv",
        [phead, "某项目,梓园生活圈,区住建局,微改造,飞升,10,2024-03-01,2024-09-30"],
    )
    _csv(
        p / "unknown_unit.csv",
        [phead, "某项目,梓园生活圈,不存在的局,微改造,计划,10,2024-03-01,2024-09-30"],
    )
    _csv(
        p / "dotdot_circle.csv",
        [phead, "某项目,../../C01,区住建局,微改造,计划,10,2024-03-01,2024-09-30"],
    )
    _csv(p / "empty_name.csv", [phead, ",梓园生活圈,区住建局,微改造,计划,10,2024-03-01,2024-09-30"])
    _csv(
        p / "duplicate_code.csv",
        ["项目编号," + phead, "XM-01,甲项目,梓园生活圈,区住建局,微改造,计划,10,2024-03-01,2024-09-30",
         "XM-01,乙项目,侯家塘生活圈,区住建局,微改造,计划,10,2024-03-01,2024-09-30"],
    )  # fmt: skip
    _rows_xlsx(
        p / "formulas.xlsx",
        [
            phead.split(","),
            [
                '=UPPER("某项目")',
                "梓园生活圈",
                "区住建局",
                "微改造",
                "计划",
                "=1/0",
                "2024-03-01",
                "2024-09-30",
            ],
        ],
    )
    _rows_xlsx(
        p / "merged_data_cells.xlsx",
        [phead.split(","),
         ["甲项目", "梓园生活圈", "区住建局", "微改造", "计划", 10, "2024-03-01", "2024-09-30"],
         [None, "侯家塘生活圈", None, None, None, "x万", None, "2024-02-30"]],
        merges=("A2:A3",),
    )  # fmt: skip

    ld = root / "leaders"
    ld.mkdir(exist_ok=True)
    _truncate(_xlsx_via(leaders_xlsx, ld / "truncated.xlsx"))
    _xlsx_via(lambda q: leaders_xlsx(q, wrong_street=True), ld / "wrong_street.xlsx")
    lhead = "角色,姓名,职务,街道,生活圈编号,联系电话,任职日期"
    _csv(ld / "unknown_role.csv", [lhead, "太上圈长,张三,局长,,,0731-1,2024-01-01"])
    _csv(ld / "impossible_date.csv", [lhead, "圈长,赵六,副主任,侯家塘街道,C01,,2024-02-30"])
    _csv(ld / "unknown_circle.csv", [lhead, "圈长,赵六,副主任,侯家塘街道,C99,,2024-01-01"], "gbk")
    _csv(ld / "empty_name.csv", [lhead, "圈长,,副主任,侯家塘街道,C01,,2024-01-01"])
    _csv(ld / "dotdot_circle.csv", [lhead, "圈长,赵六,副主任,侯家塘街道,../C01,,2024-01-01"])


# --------------------------------------------------------------------------- catalogue, OSM
def catalogue_and_osm_cases(root: Path) -> None:
    c = root / "catalogue"
    c.mkdir(exist_ok=True)
    (c / "alias_bomb.yaml").write_text(BOMB.replace("format: lifecircle-district/1\n", ""), "utf-8")
    (c / "self_alias.yaml").write_text("id: &x [1, *x]\nindicators: *x\n", "utf-8")
    src = (TESTS.parent / "src/lifecircle/standards/data/catalogues/national-2020.yaml").read_text(
        "utf-8"
    )
    (c / "truncated.yaml").write_text(src[: len(src) // 3] + "\n  - {", "utf-8")
    (c / "list_not_mapping.yaml").write_text("- 1\n- 2\n", "utf-8")
    (c / "utf16.yaml").write_bytes(src.encode("utf-16"))
    (c / "png.yaml").write_bytes(PNG)

    o = root / "osm"
    o.mkdir(exist_ok=True)
    (o / "text_named_pbf.osm.pbf").write_text("<osm>这不是 PBF</osm>\n", "utf-8")
    (o / "empty.osm.pbf").write_bytes(b"")
    (o / "png_named_pbf.osm.pbf").write_bytes(PNG)
    # a real PBF header block cut short: length prefix says 13 bytes, 5 follow
    (o / "truncated.osm.pbf").write_bytes(b"\x00\x00\x00\x0d\x0a\x09OSMH")


# --------------------------------------------------------------------------- mobility
def mobility_cases(root: Path) -> None:
    m = root / "mobility"
    m.mkdir(exist_ok=True)
    head = "device_id,time,lon,lat"
    good = [
        f"d{d},2024-05-0{1 + h // 24} {h % 24:02d}:00:00,{113.0 + (h % 3) * 0.01:.3f},28.1"
        for d in range(3)
        for h in range(30)
    ]
    _csv(
        m / "records_nan_lon.csv",
        [head, *(",".join([*r.split(",")[:2], "NaN", r.split(",")[3]]) for r in good)],
    )
    _csv(m / "records_lat_out_of_range.csv", [head, *(r.replace(",28.1", ",128.1") for r in good)])
    _csv(m / "records_impossible_time.csv", [head, *good[:3], "d0,2024-13-45 25:61:00,113.0,28.1"])
    _csv(m / "records_missing_lat.csv", ["device_id,time,lon", "d1,2024-05-01 09:00:00,113.0"])
    (m / "records_png.csv").write_bytes(PNG)
    (m / "records_gbk_garbage.csv").write_bytes(
        ("设备,时间,经度,纬度\n" + "d1,2024-05-01 09:00:00,113.0,28.1\n").encode("gbk")
        + b"\xff\xfe\x81,\x82\n"
    )
    fhead = "origin,destination,count"
    _csv(m / "flows_negative.csv", [fhead, "A,B,10", "B,A,-5"])
    _csv(m / "flows_huge.csv", [fhead, "A,B,1e400"])
    _csv(m / "flows_not_number.csv", [fhead, "A,B,很多"], "gbk")
    _csv(m / "flows_dotdot_id.csv", [fhead, "../../A,B,10"])
    _truncate(
        _xlsx_via(
            lambda q: _rows_xlsx(q, [fhead.split(","), ["A", "B", 10]]), m / "flows_truncated.xlsx"
        )
    )
    (m / "communities_truncated.geojson").write_text(
        '{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"id":"A"},',
        "utf-8",
    )
    (m / "communities_points.geojson").write_text(
        json.dumps({"type": "FeatureCollection", "features": [
            {"type": "Feature", "properties": {"id": "A", "population": 10},
             "geometry": {"type": "Point", "coordinates": [113.0, 28.1]}}]}),
        "utf-8",
    )  # fmt: skip
    _csv(m / "_good_flows.csv", [fhead, "A,B,10", "B,A,12", "A,A,30", "B,B,40"])
    (m / "_good_communities.geojson").write_text(
        json.dumps({"type": "FeatureCollection", "features": [
            {"type": "Feature", "properties": {"id": k, "population": 100},
             "geometry": {"type": "Polygon", "coordinates": [[[113.0 + i * .01, 28.1], [113.01 + i * .01, 28.1],
                                                               [113.01 + i * .01, 28.11], [113.0 + i * .01, 28.11],
                                                               [113.0 + i * .01, 28.1]]]}}
            for i, k in enumerate("AB")]}),
        "utf-8",
    )  # fmt: skip


# --------------------------------------------------------------------------- checkup folders
def checkup_cases(root: Path) -> None:
    """Broken `lifecircle checkup` output folders for `lifecircle report` and `import checkup`."""
    from handbuilt_district import write_package

    k = root / "checkup"
    k.mkdir(exist_ok=True)
    tmp = Path(tempfile.mkdtemp())
    base = tmp / "ck"
    if True:
        pkg = write_package(tmp / "pkg")
        subprocess.run(
            [sys.executable, "-m", "lifecircle", "checkup", str(pkg), "--catalogue",
             str(pkg / "catalogue.yaml"), "--out", str(base)],
            check=True, env={"PYTHONPATH": str(TESTS.parent / "src"), "PATH": "/usr/bin:/bin"},
        )  # fmt: skip

    def copy(name: str) -> Path:
        dst = k / name
        if dst.exists():
            shutil.rmtree(dst)
        shutil.copytree(base, dst)
        if name.startswith("json_"):  # refused at checkup.json: the layers are never read
            for layer in dst.glob("*.gpkg"):
                layer.unlink()
        return dst

    doc = json.loads((base / "checkup.json").read_text("utf-8"))
    f = copy("json_missing")
    (f / "checkup.json").unlink()
    # git keeps no empty folder: a note keeps this one (and says why it is there)
    (f / "说明.txt").write_text(
        "checkup.json 故意缺失：坏输入样本（tests/data/bad/manifest.yaml）\n", "utf-8"
    )
    f = copy("json_truncated")
    _truncate(f / "checkup.json", 0.5)
    f = copy("json_is_list")
    (f / "checkup.json").write_text("[1, 2, 3]", "utf-8")
    f = copy("json_wrong_format")
    (f / "checkup.json").write_text(json.dumps({**doc, "format": "某种格式/9"}), "utf-8")
    f = copy("json_nan_values")
    text = json.dumps(doc, ensure_ascii=False)
    (f / "checkup.json").write_text(
        text.replace('"population": ', '"population": NaN, "x": ', 1), "utf-8"
    )
    f = copy("json_gbk")
    (f / "checkup.json").write_bytes(json.dumps(doc, ensure_ascii=False).encode("gbk", "replace"))
    f = copy("gpkg_truncated")
    _truncate(f / "circles.gpkg", 0.3)
    f = copy("gpkg_missing")
    (f / "compounds.gpkg").unlink()
    f = copy("dotdot_circle_id")
    d2 = json.loads(json.dumps(doc))
    d2["circles"][0]["id"] = "../../../tmp/逃逸"
    (f / "checkup.json").write_text(json.dumps(d2, ensure_ascii=False), "utf-8")
    f = copy("duplicate_circle_id")
    d3 = json.loads(json.dumps(doc))
    d3["circles"][1]["id"] = d3["circles"][0]["id"]
    (f / "checkup.json").write_text(json.dumps(d3, ensure_ascii=False), "utf-8")
    # a staging folder of an interrupted run and no complete run
    f = k / "half_written"
    if f.exists():
        shutil.rmtree(f)
    f.mkdir()
    staging = f / ".ck.999999-0123456789ab.tmp"
    staging.mkdir()
    shutil.copy(base / "checkup.json", staging / "checkup.json")
    shutil.rmtree(tmp)


def main() -> None:
    district_cases(HERE)
    office_cases(HERE)
    catalogue_and_osm_cases(HERE)
    mobility_cases(HERE)
    # checkup folders hold a run id and dates: rewritten only when asked (or absent)
    if "--checkup" in sys.argv or not (HERE / "checkup").exists():
        checkup_cases(HERE)


if __name__ == "__main__":
    main()
