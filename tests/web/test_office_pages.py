"""The office pages on the demo programme: 计划 with its Excel export, 评价 step by step as
each role, 简报 generated and downloaded, 数据导入 with its validation report before anything
is written; on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import json
import re
import zipfile

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from db_testing import empty_tables, migrated_sqlite_copy
from lifecircle.checkup import CheckupResult
from lifecircle.store import session_scope
from lifecircle.store.db import make_engine
from lifecircle.store.models import CheckupRun, Circle, Evaluation, ScheduleTarget
from lifecircle.workflow import accounts
from lifecircle.workflow.demo import seed_demo_programme
from lifecircle.workflow.geometry import import_circle_geometry

from .conftest import PASSWORD, ROLES, TODAY, make_client


def _csrf(html: str) -> str:
    m = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert m, "no form token on the page"
    return m.group(1)


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def programme(request, tmp_path_factory, demo_checkup_dir):
    """The demo programme, one account per role; the circle leader and the street user hold
    a circle that has no evaluation yet (``free``)."""
    if request.param == "sqlite":
        template = tmp_path_factory.getbasetemp() / "template.db"
        engine = migrated_sqlite_copy(template, tmp_path_factory.mktemp("office") / "o.db")
    else:
        engine = make_engine(request.getfixturevalue("_pg_url"))
        empty_tables(engine)
    doc = CheckupResult.read(demo_checkup_dir)
    with session_scope(engine, actor="demo") as s:
        seed_demo_programme(s, doc, today=TODAY)
        import_circle_geometry(s, demo_checkup_dir / "circles.gpkg")
        evaluated = set(s.scalars(select(Evaluation.circle_id)))
        free = next(
            c for c in s.scalars(select(Circle).order_by(Circle.code)) if c.id not in evaluated
        )
        scope = {
            "street": {"street": free.street.name},
            "circle_leader": {"circles": [free.code]},
            "unit": {"unit": "区教育局"},
        }
        for role in ROLES:
            accounts.add_user(s, role, role=role, password=PASSWORD, **scope.get(role, {}))
        code = free.code
    yield engine, code
    engine.dispose()


def _signed_in(engine, user: str):
    c = make_client(engine)
    page = c.get("/login")
    r = c.post(
        "/login",
        data={"username": user, "password": PASSWORD, "csrf_token": _csrf(page.text), "next": "/"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    return c


@pytest.fixture(scope="module")
def as_(programme):
    engine, _ = programme
    clients: dict = {}

    def get(user: str):
        if user not in clients:
            clients[user] = _signed_in(engine, user)
        return clients[user]

    yield get
    for c in clients.values():
        c.close()


def _post(c, url: str, data: dict | None = None, files=None, page: str | None = None):
    token = _csrf(c.get(page or "/schedule").text)
    return c.post(
        url, data={**(data or {}), "csrf_token": token}, files=files, follow_redirects=True
    )


def _count(engine, model) -> int:
    with session_scope(engine) as s:
        return int(s.scalar(select(func.count()).select_from(model)))


def test_schedule_page_and_its_excel_export(programme, as_):
    engine, _ = programme
    c = as_("district")
    page = c.get("/schedule")
    assert page.status_code == 200
    assert (
        "创建计划：任务铺排表与实际等级" in page.text and "铺排一览（生活圈 × 年度）" in page.text
    )
    for state in ("按期达标", "存在风险"):
        assert state in page.text
    only = c.get("/schedule", params={"year": 2024}).text
    assert "2025 年</th>" not in only and "2024 年</th>" in only
    api = c.get("/api/v1/schedule", params={"year": 2024}).json()
    r = c.get("/schedule/export.xlsx", params={"year": 2024})
    assert r.status_code == 200 and r.content[:2] == b"PK"
    assert "filename*=UTF-8''" in r.headers["content-disposition"]
    wb = load_workbook(io.BytesIO(r.content))
    assert wb.sheetnames == ["计划与实际", "全区目标"]
    rows = list(wb["计划与实际"].iter_rows(values_only=True))
    assert rows[0][:3] == ("年度", "生活圈编号", "生活圈名称") and rows[0][9] == "现持有等级"
    assert len(rows) - 1 == len(api["targets"]) > 0
    assert {r[0] for r in rows[1:]} == {2024}
    assert {r[7] for r in rows[1:]} <= {
        "按期达标",
        "逾期达标",
        "未按期达标",
        "存在风险",
        "正常推进",
    }
    # the public is sent to sign in
    anon = make_client(engine)
    r = anon.get("/schedule", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")


def test_evaluation_steps_offered_and_taken_by_role(programme, as_):
    engine, code = programme
    leader, district, evaluator, unit = (
        as_(u) for u in ("circle_leader", "district", "evaluator", "unit")
    )
    # the unit may not open an evaluation; the leader may, for their circle only
    assert 'method="post" action="/evaluation"' not in unit.get("/evaluation").text
    bad = _post(
        leader,
        "/evaluation",
        {
            "circle": code,
            "grade": "AA",
            "year": "2024",
            "respondents": "很多",
            "satisfaction": "90",
        },
        page="/evaluation",
    )
    assert bad.status_code == 400 and "问卷份数" in bad.text and "不是整数" in bad.text
    r = _post(
        leader,
        "/evaluation",
        {
            "circle": code,
            "grade": "AA",
            "year": "2024",
            "on": "2024-09-01",
            "respondents": "260",
            "satisfaction": "92.5",
        },
        page="/evaluation",
    )
    assert r.status_code == 200 and "已登记" in r.text and "下一步：街道申报" in r.text
    eid = int(re.search(r"/evaluation/(\d+)$", str(r.url)).group(1))
    url = f"/evaluation/{eid}"

    def stage() -> str:
        with session_scope(engine) as s:
            return s.get(Evaluation, eid).stage

    def version() -> str:
        with session_scope(engine) as s:
            return str(s.get(Evaluation, eid).version)

    # only who may take the next step sees its form
    assert f'action="{url}/declare"' in leader.get(url).text
    assert f'action="{url}/declare"' not in evaluator.get(url).text
    assert "须由有权限的人员办理" in evaluator.get(url).text
    r = _post(
        leader,
        f"{url}/declare",
        {"version": version(), "on": "2024-09-05", "override_reason": "短板项目已于8月完工"},
        page=url,
    )
    assert "已办理“街道申报”" in r.text and stage() == "declared"
    # a failed review needs its reasons: refused in Chinese, nothing changes
    r = _post(
        district,
        f"{url}/review",
        {"version": version(), "on": "2024-09-10", "passed": "0"},
        page=url,
    )
    assert "未办理：审核不通过须写明原因" in r.text and stage() == "declared"
    # the leader cannot review
    r = _post(leader, f"{url}/review", {"version": version(), "passed": "1"}, page=url)
    assert r.status_code == 403 and stage() == "declared"
    r = _post(
        district,
        f"{url}/review",
        {"version": version(), "on": "2024-09-10", "passed": "1", "note": "资料齐全"},
        page=url,
    )
    assert stage() == "reviewed"
    # a stale version is a conflict, told in Chinese
    r = _post(
        evaluator,
        f"{url}/joint",
        {"version": "1", "passed": "1"},
        page=url,
        files={"evidence": ("意见.txt", "意见".encode(), "text/plain")},
    )
    assert "已被他人办理" in r.text and stage() == "reviewed"
    form = evaluator.get(url).text
    assert 'enctype="multipart/form-data"' in form
    r = _post(
        evaluator,
        f"{url}/joint",
        {"version": version(), "on": "2024-09-20", "passed": "1", "note": "市区联合评定通过"},
        files={"evidence": ("联合评定验收意见.txt", "验收意见（测试）".encode(), "text/plain")},
        page=url,
    )
    assert "联合评定通过" in r.text and stage() == "accepted"
    link = re.search(rf'href="({url}/evidence/\d+)">联合评定验收意见.txt', r.text).group(1)
    assert evaluator.get(link).content == "验收意见（测试）".encode()
    _post(district, f"{url}/publish", {"version": version(), "on": "2024-09-25"}, page=url)
    r = _post(leader, f"{url}/plaque", {"version": version(), "on": "2024-09-28"}, page=url)
    assert stage() == "plaqued" and "已挂牌" in r.text and 'id="act"' not in r.text
    # the list shows it done, and the circle's grade is now held
    listing = district.get("/evaluation", params={"circle": code}).text
    assert f'href="/evaluation/{eid}"' in listing and "已办结" in listing
    api = district.get(f"/api/v1/evaluations/{eid}").json()
    assert api["stage"] == "plaqued" and api["next_step"] is None
    assert [s["on"] for s in api["steps"]] == [
        "2024-09-01",
        "2024-09-05",
        "2024-09-10",
        "2024-09-20",
        "2024-09-25",
        "2024-09-28",
    ]


def test_bulletin_generated_previewed_and_downloaded(programme, as_):
    district, unit = as_("district"), as_("unit")
    assert 'method="post" action="/bulletins"' not in unit.get("/bulletins").text
    r = _post(district, "/bulletins", {"period": "2024-13"}, page="/bulletins")
    assert r.status_code == 400 and "通报月份" in r.text and "2024-09" in r.text
    r = _post(
        district,
        "/bulletins",
        {"period": "2024-08", "number": "7", "issued_on": "2024-09-03"},
        page="/bulletins",
    )
    assert r.status_code == 200 and str(r.url).endswith("/bulletins/2024-08")
    assert "已生成" in r.text and "2024年第7期" in r.text and "通报批评" in r.text
    assert "（2024年8月）" in r.text
    r = _post(district, "/bulletins", {"period": "2024-07", "number": "7"}, page="/bulletins")
    assert r.status_code == 400 and "2024年第7期已是 2024-08 的通报" in r.text
    listing = unit.get("/bulletins").text
    assert "2024年第7期" in listing and 'href="/bulletins/2024-08/download/docx"' in listing
    docx = unit.get("/bulletins/2024-08/download/docx")
    assert docx.status_code == 200 and docx.content[:2] == b"PK"
    from docx import Document

    text = "\n".join(p.text for p in Document(io.BytesIO(docx.content)).paragraphs)
    assert "“绿色完整”居住社区创建工作通报（2024年8月）" in text and "2024年第7期" in text
    xlsx = unit.get("/bulletins/2024-08/download/xlsx")
    wb = load_workbook(io.BytesIO(xlsx.content))
    assert wb.sheetnames[:3] == ["总体情况", "年度目标", "责任单位"]
    assert unit.get("/bulletins/2024-06").status_code == 404


def test_an_import_with_errors_shows_the_report_and_writes_nothing(programme, as_):
    engine, code = programme
    district = as_("district")
    before = _count(engine, ScheduleTarget)
    csv = f"年度,生活圈编号,目标等级\n2025,{code},AA\n2031,C99,AA\n".encode()
    r = _post(
        district,
        "/admin/imports",
        {"kind": "schedule"},
        files={"file": ("任务铺排表.csv", csv, "text/csv")},
        page="/admin/imports",
    )
    assert r.status_code == 200  # the check succeeded; its report holds the errors
    assert "校验报告：任务铺排表（附件2）" in r.text and "未写入数据库" in r.text
    assert "C99" in r.text and 'id="problems"' in r.text
    assert re.search(r"<td>错误</td><td>2</td><td>3</td>", r.text)  # data row 2 is file row 3
    assert 'id="commit"' not in r.text
    assert _count(engine, ScheduleTarget) == before
    # a file of the wrong type is an error of the report too
    r = _post(
        district,
        "/admin/imports",
        {"kind": "schedule"},
        files={"file": ("checkup.json", b"{}", "application/json")},
        page="/admin/imports",
    )
    assert "不能是“.json”文件" in r.text and 'id="commit"' not in r.text


def test_an_import_is_checked_then_committed_by_its_owner(programme, as_):
    engine, _ = programme
    district, admin = as_("district"), as_("admin")
    with session_scope(engine) as s:
        planned = set(s.scalars(select(ScheduleTarget.circle_id)))
        code = next(
            c.code for c in s.scalars(select(Circle).order_by(Circle.code)) if c.id not in planned
        )
    before = _count(engine, ScheduleTarget)
    csv = f"年度,生活圈编号,目标等级\n2025,{code},AA\n".encode("gbk")
    r = _post(
        district,
        "/admin/imports",
        {"kind": "任务铺排表"},
        files={"file": ("任务铺排表.csv", csv, "text/csv")},
        page="/admin/imports",
    )
    assert r.status_code == 200 and "检查通过" in r.text and "新增目标 1" in r.text
    assert _count(engine, ScheduleTarget) == before
    action = re.search(r'action="(/admin/imports/[^"]+/commit)"', r.text).group(1)
    report = district.get(action.replace("/commit", "/report.xlsx"))
    assert load_workbook(io.BytesIO(report.content)).sheetnames == ["校验报告", "概况"]
    # another administrator cannot commit someone else's upload
    r = _post(admin, action, page="/admin/imports")
    assert "找不到这次上传的文件" in r.text and _count(engine, ScheduleTarget) == before
    r = _post(district, action, page="/admin/imports")
    assert "已写入数据库" in r.text and _count(engine, ScheduleTarget) == before + 1
    r = _post(district, action, page="/admin/imports")  # once only
    assert "找不到这次上传的文件" in r.text and _count(engine, ScheduleTarget) == before + 1


def test_checkup_result_import_by_zip(programme, as_, demo_checkup_dir):
    engine, _ = programme
    district = as_("district")
    runs = _count(engine, CheckupRun)
    again = (demo_checkup_dir / "checkup.json").read_bytes()
    r = _post(
        district,
        "/admin/imports",
        {"kind": "checkup"},
        files={"file": ("checkup.json", again, "application/json")},
        page="/admin/imports",
    )
    assert "已导入过" in r.text and 'id="commit"' not in r.text
    data = json.loads(again)
    data["run"]["id"] = "0123456789abcdef"  # another run (ids are 16 hex digits)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("体检输出/checkup.json", json.dumps(data, ensure_ascii=False))
        zf.write(demo_checkup_dir / "circles.gpkg", "体检输出/circles.gpkg")
    r = _post(
        district,
        "/admin/imports",
        {"kind": "checkup"},
        files={"file": ("体检输出.zip", buf.getvalue(), "application/zip")},
        page="/admin/imports",
    )
    assert r.status_code == 200 and "检查通过" in r.text and "生活圈体检结果 49" in r.text
    assert _count(engine, CheckupRun) == runs
    action = re.search(r'action="(/admin/imports/[^"]+/commit)"', r.text).group(1)
    r = _post(district, action, page="/admin/imports")
    assert "已写入数据库" in r.text and "生活圈边界 49" in r.text
    assert _count(engine, CheckupRun) == runs + 1
    assert data["run"]["id"] in r.text  # listed among the runs


def test_api_import_reports_problems_in_chinese(programme):
    engine, _ = programme
    c = make_client(engine)
    token = c.post("/api/v1/auth/token", data={"username": "district", "password": PASSWORD}).json()
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    before = _count(engine, ScheduleTarget)
    bad = "年度,生活圈编号,目标等级\n2031,C99,AA\n".encode()
    r = c.post(
        "/api/v1/imports/schedule",
        params={"commit": "true"},
        files={"file": ("plan.csv", bad, "text/csv")},
        headers=headers,
    )
    assert r.status_code == 422
    body = r.json()
    assert not body["ok"] and not body["committed"] and body["problems"]
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in p["message"]) for p in body["problems"])
    assert _count(engine, ScheduleTarget) == before
    with session_scope(engine) as s:
        planned = set(s.scalars(select(ScheduleTarget.circle_id)))
        code = next(
            c.code for c in s.scalars(select(Circle).order_by(Circle.code)) if c.id not in planned
        )
    good = f"年度,生活圈编号,目标等级\n2025,{code},AA型\n".encode()
    r = c.post(
        "/api/v1/imports/schedule",
        params={"commit": "true"},
        files={"file": ("plan.csv", good, "text/csv")},
        headers=headers,
    )
    assert r.status_code == 200 and r.json()["committed"], r.text
    assert _count(engine, ScheduleTarget) == before + 1
