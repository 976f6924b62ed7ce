"""Office-style files as a district office keeps them: title rows, merged cells, GBK CSV,
a circle × year matrix, names instead of ids, short unit names (written by the tests)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from openpyxl import Workbook

CIRCLE_TITLE = "长沙市雨花区城市居住社区一刻钟“生活圈”（创建评估型）划定范围及对应社区清单"

#: circle code -> (street, name, communities) as the fixtures write them
CIRCLES = {
    "C01": ("侯家塘街道", "梓园生活圈", ["梓园社区", "韶山路社区"]),
    "C02": ("侯家塘街道", "侯家塘生活圈", ["侯家塘社区"]),
    "C03": ("侯家塘街道", "白沙生活圈", ["白沙社区", "赤岗社区"]),
    "C04": ("东塘街道", "东塘生活圈", ["东塘社区", "沙湖桥社区"]),
    "C05": ("东塘街道", "湘天生活圈", ["湘天社区", "东塘东社区"]),
}


def circle_list_xlsx(path: Path) -> Path:
    """附件1 as offices lay it out: two merged title rows, a blank row, the header on row 4,
    街道 merged over its circles, C03 over two rows (one community per row), a line break
    inside a cell, a note under the table."""
    wb = Workbook()
    ws = wb.active
    ws.title = "附件1"
    ws.append(["附件1"])
    ws.append([CIRCLE_TITLE])
    ws.append([])
    ws.append(["序号", "街道", "生活圈\n编号", "生活圈名称", "对应社区"])
    ws.append([1, "侯家塘街道", "C01", "梓园生活圈", "梓园社区、韶山路社区"])
    ws.append([2, None, "C02", "侯家塘生活圈", "侯家塘社区"])
    ws.append([3, None, "C03", "白沙生活圈", "白沙社区"])
    ws.append([None, None, None, None, "赤岗社区"])
    ws.append([4, "东塘街道", "C04", "东塘生活圈", "东塘社区；沙湖桥社区"])
    ws.append([5, None, "C05", "湘天生活圈", "湘天社区\n东塘东社区"])
    ws.append([])
    ws.append(["填表人：张三      联系电话：0731-8xxxxxxx"])
    for rng in ("A1:E1", "A2:E2", "B5:B8", "A7:A8", "C7:C8", "D7:D8", "B9:B10", "A12:E12"):
        ws.merge_cells(rng)
    wb.save(path)
    return path


def circle_list_gbk_csv(path: Path) -> Path:
    """The same list exported by Chinese Excel: GBK, a title line, 街道 only on the first
    row of each group, no 生活圈编号 column (circles matched by name, new ones numbered)."""
    lines = [
        f"{CIRCLE_TITLE},,,",
        ",,,",
        "序号,街道,生活圈名称,包含社区",
        "1,侯家塘街道,梓园生活圈,梓园社区、韶山路社区",
        "2,,侯家塘生活圈,侯家塘社区",
        '3,,白沙生活圈,"白沙社区,赤岗社区"',
        "4,东塘街道,东塘生活圈,东塘社区;沙湖桥社区",
        "5,,湘天生活圈,湘天社区、东塘东社区",
    ]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("gbk"))
    return path


def schedule_matrix_xlsx(path: Path) -> Path:
    """附件2 as a circle × year matrix: a merged title, a two-row header (创建年度 merged
    over 2022年 … 2025年), circles by name only, cells AA / AA型 / 创建AAA型 / AAA."""
    wb = Workbook()
    ws = wb.active
    ws.append(["附件2 长沙市雨花区创建“绿色完整”居住社区生活圈任务铺排表（2022-2025年）"])
    ws.append(["序号", "街道", "生活圈名称", "创建年度", None, None, None, "备注"])
    ws.append([None, None, None, "2022年", "2023年", "2024年", "2025年", None])
    ws.append([1, "侯家塘街道", "梓园生活圈", "AA", None, "AAA型", None, None])
    ws.append([2, None, "侯家塘生活圈", None, "AA型", None, None, None])
    ws.append([3, None, "白沙生活圈", None, None, "创建AA", "创建AAA型", "老旧小区较多"])
    ws.append([4, "东塘街道", "东塘生活圈", "AA型", "AAA", None, None, None])
    ws.append([5, None, "湘天", None, None, None, "AA", None])
    for rng in ("A1:H1", "A2:A3", "B2:B3", "C2:C3", "D2:G2", "H2:H3", "B4:B6", "B7:B8"):
        ws.merge_cells(rng)
    wb.save(path)
    return path


def schedule_checks_gbk_csv(path: Path) -> Path:
    """A matrix with the grade in the header and √ in the cells, circles by id, GBK."""
    lines = [
        "生活圈编号,生活圈名称,2023年AA型,2023年AAA型,2024年AA型,2024年AAA型",
        "C01,梓园,√,,,√",
        "C02,侯家塘,,,√,",
        "C04,东塘,√,√,,",
    ]
    path.write_bytes(("\n".join(lines) + "\n").encode("gbk"))
    return path


def project_library_xlsx(path: Path) -> Path:
    """项目库 with a title, Chinese headers and values, short unit names, 各街道, 万元,
    dates as offices write them, some rows without a code."""
    wb = Workbook()
    ws = wb.active
    ws.append(["雨花区“绿色完整”居住社区补短板项目库（2024年）"])
    ws.append(
        [
            "序号",
            "项目编号",
            "项目名称",
            "所属生活圈",
            "责任单位",
            "项目类型",
            "项目状态",
            "总投资（万元）",
            "资金来源",
            "计划开工",
            "完成时限",
            "实际完成",
            "补齐短板",
            "备注",
        ]
    )
    ws.append(
        [
            1,
            "XM-01",
            "梓园幼儿园新建",
            "梓园生活圈",
            "区教育局、各街道",
            "街区微改造",
            "在建",
            320.5,
            "区级财政",
            "2024年3月1日",
            "2024年9月底",
            None,
            None,
            None,
        ]
    )
    ws.append(
        [
            2,
            None,
            "东塘老旧小区加装电梯",
            "东塘生活圈",
            "区住建局",
            "老旧小区改造",
            "已完工",
            "1,200",
            "市级补助",
            "2024/1/10",
            "2024-06-30",
            "2024年6月20日",
            None,
            None,
        ]
    )
    ws.append(
        [
            3,
            None,
            "白沙口袋公园",
            "白沙生活圈",
            "区园林绿化维护中心",
            "微改造",
            "延期",
            "85万",
            "区财政",
            None,
            "2024年底",
            None,
            None,
            "征地未完成",
        ]
    )
    ws.append(
        [
            4,
            "XM-04",
            "湘天社区食堂",
            "湘天生活圈",
            "区民政局",
            "既有小区改造",
            "计划",
            None,
            None,
            None,
            "2025-03-31",
            None,
            None,
            None,
        ]
    )
    ws.merge_cells("A1:N1")
    wb.save(path)
    return path


def leaders_xlsx(path: Path, *, wrong_street: bool = False) -> Path:
    """圈长名单: a title, 角色 in Chinese, streets written short (侯家塘), circles by id."""
    wb = Workbook()
    ws = wb.active
    ws.append(["雨花区“绿色完整”居住社区创建工作圈长名单"])
    ws.append(["序号", "角色", "姓名", "职务", "街道", "生活圈编号", "联系电话"])
    ws.append([1, "总圈长", "张三", "局长", None, None, "0731-1"])
    ws.append([2, "副总圈长", "李四", "党工委书记", "侯家塘", None, None])
    ws.append([3, "副总圈长", "王五", "办事处主任", "东塘街道", None, None])
    ws.append(
        [4, "圈长", "赵六", "副主任", "东塘街道" if wrong_street else "侯家塘街道", "C01", None]
    )
    ws.append([5, "圈长", "钱七", "副主任", "侯家塘街道", "C02", None])
    ws.append([6, "圈长", "孙八", "党工委副书记", "东塘街道", "C04", None])
    ws.merge_cells("A1:G1")
    wb.save(path)
    return path


def broken_xlsx(path: Path) -> Path:
    """A workbook cut short in the middle (starts like a zip, cannot be opened)."""
    wb = Workbook()
    wb.active.append(["年度", "生活圈编号", "目标等级"])
    full = path.with_suffix(".full.xlsx")
    wb.save(full)
    data = full.read_bytes()
    full.unlink()
    path.write_bytes(data[: len(data) // 2])
    return path


def db_state(engine) -> str:
    """sha256 over every row of every table (the portable dump): equal before and after
    means nothing was written."""
    from lifecircle.store.backup import dump

    data = dump(engine)
    data.pop("created_at", None)
    tables = data.get("tables", data)
    text = json.dumps(tables, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()
