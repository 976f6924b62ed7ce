"""Office tables as they come: title rows, blank rows, two-row headers, merged cells, GBK,
notes under the table, a damaged workbook; the reader every import and layer shares."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import Workbook

from lifecircle.errors import FileFormatError, InputError
from lifecircle.io import read_layer
from lifecircle.io._tables import read_office_table
from office_files import CIRCLE_TITLE, broken_xlsx, circle_list_gbk_csv, circle_list_xlsx


def test_workbook_title_rows_merged_cells_and_note(tmp_path: Path) -> None:
    df, layout = read_office_table(circle_list_xlsx(tmp_path / "附件1.xlsx"))
    assert list(df.columns) == ["序号", "街道", "生活圈编号", "生活圈名称", "对应社区"]
    assert layout.header_row == 4 and layout.title == f"附件1 {CIRCLE_TITLE}"
    # 街道 merged over B5:B8 fills every row; C03 and its name fill the row below
    assert df["街道"].tolist() == ["侯家塘街道"] * 4 + ["东塘街道"] * 2
    assert df["生活圈编号"].tolist() == ["C01", "C02", "C03", "C03", "C04", "C05"]
    assert df["对应社区"].iloc[5] == "湘天社区\n东塘东社区"
    assert len(df) == 6  # blank row and the 填表人 note under the table are gone
    assert [layout.file_row(i) for i in (1, 6)] == [5, 10]
    assert "街道" in layout.filled


def test_gbk_csv_with_a_title_line_and_grouped_street(tmp_path: Path) -> None:
    df, layout = read_office_table(circle_list_gbk_csv(tmp_path / "附件1.csv"))
    assert layout.encoding == "gb18030" and layout.header_row == 3
    assert layout.title == CIRCLE_TITLE
    assert df["街道"].tolist() == ["侯家塘街道"] * 3 + ["东塘街道"] * 2
    assert df["包含社区"].iloc[2] == "白沙社区,赤岗社区"
    assert layout.file_row(1) == 4


def test_two_row_header_of_a_merged_group(tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.append(["铺排表"])
    ws.append(["生活圈", "创建年度", None, "备注"])
    ws.append([None, "2023年", "2024年", None])
    ws.append(["梓园", "AA", "AAA", "x"])
    for rng in ("A1:D1", "A2:A3", "B2:C2", "D2:D3"):
        ws.merge_cells(rng)
    wb.save(tmp_path / "m.xlsx")
    df, layout = read_office_table(tmp_path / "m.xlsx")
    assert list(df.columns) == ["生活圈", "创建年度/2023年", "创建年度/2024年", "备注"]
    assert layout.header_rows == 2 and layout.file_row(1) == 4
    csv = tmp_path / "m.csv"
    csv.write_text("生活圈,创建年度,,备注\n,2023年,2024年,\n梓园,AA,AAA,x\n", "utf-8")
    df, layout = read_office_table(csv)
    assert list(df.columns) == ["生活圈", "创建年度/2023年", "创建年度/2024年", "备注"]
    assert df.iloc[0].tolist() == ["梓园", "AA", "AAA", "x"]


def test_plain_tables_read_as_before(tmp_path: Path) -> None:
    """A table starting with its header is unchanged: ids keep zeros, nothing filled."""
    p = tmp_path / "t.csv"
    p.write_text("id,street,population\n007,东街道,10\n008,,20\n", "utf-8")
    df, layout = read_office_table(p, fill_down=())
    assert layout.header_row == 1 and df["id"].tolist() == ["007", "008"]
    assert df["street"].isna().tolist() == [False, True]
    df, _ = read_office_table(p)  # default: 街道/street is a grouping column
    assert df["street"].tolist() == ["东街道", "东街道"]


def test_a_layer_with_a_title_row_reads(tmp_path: Path) -> None:
    """The lon/lat readers share the table reader: a compounds export with a title row."""
    p = tmp_path / "小区.csv"
    p.write_bytes(
        "雨花区小区人口统计表（2024年）,,,\n编号,小区名称,人口,经度,纬度\n"
        "K1,甲小区,1200,113.0,28.1\nK2,乙小区,800,113.01,28.11\n".encode("gbk")
    )
    gdf = read_layer(p)
    assert gdf["编号"].tolist() == ["K1", "K2"] and len(gdf) == 2


def test_damaged_workbook_is_a_clear_error(tmp_path: Path) -> None:
    p = broken_xlsx(tmp_path / "坏表.xlsx")
    with pytest.raises(FileFormatError) as err:
        read_office_table(p)
    assert "损坏" in err.value.message and err.value.fix
    with pytest.raises(InputError, match="文件不存在"):
        read_office_table(tmp_path / "nope.xlsx")
    with pytest.raises(FileFormatError, match="CSV 或 XLSX"):
        (tmp_path / "a.gpkg").write_bytes(b"SQLite format 3\x00")
        read_office_table(tmp_path / "a.gpkg")
