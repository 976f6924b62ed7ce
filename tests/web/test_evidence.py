"""Evidence of a project on the web platform: upload and download by the API and the project
page, kinds judged by content, the size limit, checksum-named files, rights, the audit log."""

from __future__ import annotations

import hashlib
import io
import itertools
import re
from datetime import date
from urllib.parse import unquote

import pytest
from sqlalchemy import select

from lifecircle.store import session_scope
from lifecircle.store.models import AuditLog, EvidenceFile, Project
from lifecircle.workflow import projects
from lifecircle.workflow.evidence import content_disposition, safe_filename
from lifecircle.workflow.evidence_store import EvidenceStore

from .conftest import OTHER_UNIT, PASSWORD, ROLES, UNIT, make_client

WHO = (*ROLES, "anonymous")
_ids = itertools.count(1)

# expected status for admin, district, street, circle_leader, unit, assessor, evaluator,
# public (an account), anonymous; "A" is the leader's circle in the street user's street.
TABLE: dict[str, tuple[int, ...]] = {
    "POST evidence {in A led by edu}": (201, 201, 201, 201, 201, 403, 403, 403, 401),
    "POST evidence {in B led by civil}": (201, 201, 403, 403, 403, 403, 403, 403, 401),
    "GET evidence list {in A}": (200, 200, 200, 200, 200, 200, 200, 403, 401),
    "GET evidence file {in A}": (200, 200, 200, 200, 200, 200, 200, 403, 401),
}


def _pdf(text: str = "验收") -> bytes:
    return b"%PDF-1.4\n% " + text.encode() + b"\n%%EOF\n"


def _png() -> bytes:
    from PIL import Image

    b = io.BytesIO()
    Image.new("RGB", (8, 8), (10, 120, 200)).save(b, "PNG")
    return b.getvalue()


def _docx() -> bytes:
    import docx

    d = docx.Document()
    d.add_paragraph("竣工验收意见")
    b = io.BytesIO()
    d.save(b)
    return b.getvalue()


def _xlsx() -> bytes:
    import openpyxl

    wb = openpyxl.Workbook()
    wb.active.append(["项目", "进度"])
    b = io.BytesIO()
    wb.save(b)
    return b.getvalue()


def _jpeg() -> bytes:
    from PIL import Image

    b = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 20, 20)).save(b, "JPEG")
    return b.getvalue()


def _make_project(seeded, circle: str, unit: str, *, db_evidence: bool = False) -> str:
    code = f"EV{next(_ids):04d}-{circle}"
    with session_scope(seeded.engine, actor="test") as s:
        p = projects.create_project(
            s,
            code=code,
            name=f"佐证测试{code}",
            circle=circle,
            project_type="micro_renewal",
            lead_unit=unit,
            due_date=date(2025, 8, 31),
            on=date(2024, 3, 1),
        )
        if db_evidence:  # as the CLI keeps it: bytes in the row
            projects.attach_evidence(s, p, "会议纪要.pdf", _pdf("纪要"))
    return code


@pytest.fixture(scope="module")
def site(seeded, tmp_path_factory):
    data = tmp_path_factory.mktemp("data")
    with make_client(seeded.engine, data_dir=data) as c:
        yield c, data


def _auth(tokens, who: str) -> dict[str, str]:
    return {} if who == "anonymous" else {"Authorization": f"Bearer {tokens[who]}"}


@pytest.fixture(scope="module")
def tokens(site):
    c, _ = site
    out = {}
    for role in ROLES:
        r = c.post("/api/v1/auth/token", data={"username": role, "password": PASSWORD})
        out[role] = r.json()["access_token"]
    return out


@pytest.mark.parametrize(
    ("endpoint", "who"),
    [(e, w) for e in TABLE for w in WHO],
    ids=[f"{e} as {w}" for e in TABLE for w in WHO],
)
def test_role_endpoint_table(seeded, site, tokens, endpoint, who):
    c, _ = site
    expected = TABLE[endpoint][WHO.index(who)]
    headers = _auth(tokens, who)
    if "{in B led by civil}" in endpoint:
        code = _make_project(seeded, seeded.circle_b, OTHER_UNIT)
    else:
        code = _make_project(seeded, seeded.circle_a, UNIT, db_evidence=True)
    url = f"/api/v1/projects/{code}/evidence"
    if endpoint.startswith("POST"):
        r = c.post(
            url, headers=headers, files={"file": ("验收报告.pdf", _pdf(who), "application/pdf")}
        )
    elif "list" in endpoint:
        r = c.get(url, headers=headers)
    else:
        with session_scope(seeded.engine) as s:
            ev_id = s.scalar(
                select(EvidenceFile.id)
                .join(Project, Project.id == EvidenceFile.project_id)
                .where(Project.code == code)
            )
        r = c.get(f"{url}/{ev_id}", headers=headers)
    assert r.status_code == expected, r.text
    if r.status_code >= 400:
        assert re.search(r"[\u4e00-\u9fff]", r.json()["detail"])


def test_upload_and_download_back_identical_with_chinese_name(seeded, site, tokens):
    c, data = site
    code = _make_project(seeded, seeded.circle_a, UNIT)
    content = _pdf("竣工验收报告") * 50
    h = _auth(tokens, "circle_leader")
    r = c.post(
        f"/api/v1/projects/{code}/evidence",
        headers=h,
        files={"file": ("竣工验收报告（第一批）.pdf", content, "application/octet-stream")},
    )
    assert r.status_code == 201, r.text
    out = r.json()
    sha = hashlib.sha256(content).hexdigest()
    assert out["sha256"] == sha and out["size"] == len(content)
    assert out["filename"] == "竣工验收报告（第一批）.pdf" and out["uploaded_by"] == "circle_leader"
    # kept once, in the data folder, named by its checksum; the row holds no bytes
    path = data / "evidence" / sha[:2] / sha
    assert path.read_bytes() == content
    with session_scope(seeded.engine) as s:
        ev = s.get(EvidenceFile, out["id"])
        assert ev.content is None and ev.sha256 == sha
        audit = [
            a
            for a in s.scalars(select(AuditLog).where(AuditLog.table_name == "evidence_file"))
            if (a.after or {}).get("id") == out["id"]
        ]
        assert [a.action for a in audit] == ["insert"] and audit[0].actor == "circle_leader"
        assert audit[0].after["sha256"] == sha and audit[0].after["content"] is None
    # download by every reader: the same bytes, the Chinese name by RFC 5987
    d = c.get(out["url"], headers=_auth(tokens, "evaluator"))
    assert d.status_code == 200 and d.content == content
    assert d.headers["content-type"] == "application/pdf"
    cd = d.headers["content-disposition"]
    assert cd.startswith("attachment;") and 'filename="evidence.pdf"' in cd
    star = re.search(r"filename\*=UTF-8''(\S+)", cd)
    assert star and unquote(star.group(1)) == "竣工验收报告（第一批）.pdf"
    listed = c.get(f"/api/v1/projects/{code}/evidence", headers=h).json()
    assert [e["id"] for e in listed] == [out["id"]]
    # the same content again is stored once
    r2 = c.post(
        f"/api/v1/projects/{code}/evidence",
        headers=h,
        files={"file": ("副本.pdf", content, "application/pdf")},
    )
    assert r2.status_code == 201 and len(list((data / "evidence").rglob(sha))) == 1


@pytest.mark.parametrize(
    ("name", "make", "ok"),
    [
        ("照片.jpg", _jpeg, True),
        ("照片.JPEG", _jpeg, True),
        ("现场.png", _png, True),
        ("验收意见.docx", _docx, True),
        ("进度表.xlsx", _xlsx, True),
        ("报告.pdf", _pdf, True),
    ],
)
def test_accepted_kinds(seeded, site, tokens, name, make, ok):
    c, _ = site
    code = _make_project(seeded, seeded.circle_a, UNIT)
    r = c.post(
        f"/api/v1/projects/{code}/evidence",
        headers=_auth(tokens, "unit"),
        files={"file": (name, make(), "application/octet-stream")},
    )
    assert r.status_code == 201, r.text


@pytest.mark.parametrize(
    ("name", "content", "says"),
    [
        ("setup.pdf", b"MZ\x90\x00" + b"\x00" * 200, "不支持的文件类型"),  # a program named .pdf
        ("说明.pdf", "这是一段文字".encode() * 10, "不支持的文件类型"),
        ("压缩包.pdf", None, "不支持的文件类型"),  # a zip that is not Word or Excel
        ("照片.pdf", "png", "扩展名"),  # a PNG named .pdf
        ("报告", "pdf", "没有扩展名"),
        ("空.pdf", b"", "文件是空的"),
    ],
)
def test_kind_is_judged_by_content_not_name(seeded, site, tokens, name, content, says):
    c, _ = site
    if content is None:
        import zipfile

        b = io.BytesIO()
        with zipfile.ZipFile(b, "w") as z:
            z.writestr("a.txt", "x")
        content = b.getvalue()
    elif content == "png":
        content = _png()
    elif content == "pdf":
        content = _pdf()
    code = _make_project(seeded, seeded.circle_a, UNIT)
    r = c.post(
        f"/api/v1/projects/{code}/evidence",
        headers=_auth(tokens, "district"),
        files={"file": (name, content, "application/pdf")},
    )
    assert r.status_code == 400, r.text
    assert says in r.json()["detail"] and "Fix" not in r.json()["detail"]
    assert (
        c.get(f"/api/v1/projects/{code}/evidence", headers=_auth(tokens, "district")).json() == []
    )


def test_size_limit_is_a_setting_with_a_chinese_error(seeded, tmp_path):
    code = _make_project(seeded, seeded.circle_a, UNIT)
    with make_client(seeded.engine, data_dir=tmp_path, evidence_max_mb=0.01) as c:
        t = c.post("/api/v1/auth/token", data={"username": "district", "password": PASSWORD})
        h = {"Authorization": f"Bearer {t.json()['access_token']}"}
        small = c.post(
            f"/api/v1/projects/{code}/evidence", headers=h, files={"file": ("a.pdf", _pdf())}
        )
        assert small.status_code == 201
        big = c.post(
            f"/api/v1/projects/{code}/evidence",
            headers=h,
            files={"file": ("大文件.pdf", _pdf() + b"0" * 20_000)},
        )
        assert big.status_code == 413
        assert "文件过大" in big.json()["detail"] and "0.01 MB" in big.json()["detail"]
    assert not any(p.name.startswith(".upload") for p in tmp_path.rglob("*"))


def test_no_path_traversal(seeded, site, tokens, tmp_path):
    c, data = site
    code = _make_project(seeded, seeded.circle_a, UNIT)
    h = _auth(tokens, "district")
    r = c.post(
        f"/api/v1/projects/{code}/evidence",
        headers=h,
        files={"file": ("../../../../tmp/evil.pdf", _pdf("evil"))},
    )
    assert r.status_code == 201 and r.json()["filename"] == "evil.pdf"
    sha = r.json()["sha256"]
    assert (data / "evidence" / sha[:2] / sha).is_file()
    for bad in ("..%2F..%2Fetc%2Fpasswd", "../../etc/passwd", "%2e%2e"):
        got = c.get(f"/api/v1/projects/{code}/evidence/{bad}", headers=h)
        assert got.status_code in (404, 422) and "root:" not in got.text
    # an evidence id of another project is not found through this project
    other = _make_project(seeded, seeded.circle_a, UNIT)
    assert (
        c.get(f"/api/v1/projects/{other}/evidence/{r.json()['id']}", headers=h).status_code == 404
    )
    store = EvidenceStore(tmp_path)
    for bad in ("../x", "a" * 63, "A" * 64, "/etc/passwd"):
        with pytest.raises(Exception, match="校验值"):
            store.path_of(bad)
    assert safe_filename("..\\..\\windows\\验收.docx") == "验收.docx"
    assert safe_filename('a"b;c.pdf') == "a_b_c.pdf"
    assert "\n" not in content_disposition("报告\r\nSet-Cookie: x.pdf")


def test_a_file_altered_on_disk_is_refused(seeded, site, tokens):
    c, data = site
    code = _make_project(seeded, seeded.circle_a, UNIT)
    h = _auth(tokens, "district")
    content = _pdf("将被改动")
    r = c.post(f"/api/v1/projects/{code}/evidence", headers=h, files={"file": ("x.pdf", content)})
    sha = r.json()["sha256"]
    path = data / "evidence" / sha[:2] / sha
    path.write_bytes(content + b"tampered")
    got = c.get(r.json()["url"], headers=h)
    assert got.status_code == 500 and "校验值不符" in got.json()["detail"]
    path.write_bytes(content)
    assert c.get(r.json()["url"], headers=h).content == content


def _csrf(html: str) -> str:
    m = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert m
    return m.group(1)


def test_project_page_upload_and_download(seeded, site):
    _, data = site
    code = _make_project(seeded, seeded.circle_a, UNIT, db_evidence=True)
    with make_client(seeded.engine, data_dir=data) as c:
        page = c.get("/login")
        c.post(
            "/login",
            data={"username": "unit", "password": PASSWORD, "csrf_token": _csrf(page.text)},
        )
        html = c.get(f"/projects/{code}").text
        assert 'enctype="multipart/form-data"' in html and "不超过 20 MB" in html
        token = _csrf(html)
        content = _docx()
        no_token = c.post(f"/projects/{code}/evidence", files={"file": ("验收意见.docx", content)})
        assert no_token.status_code == 403
        r = c.post(
            f"/projects/{code}/evidence",
            data={"csrf_token": token},
            files={"file": ("验收意见.docx", content)},
            follow_redirects=False,
        )
        assert r.status_code == 303
        html = c.get(r.headers["location"]).text
        assert "已上传佐证材料“验收意见.docx”" in html
        links = re.findall(rf'href="(/projects/{code}/evidence/\d+)" download>([^<]+)<', html)
        assert [n for _, n in links] == ["会议纪要.pdf", "验收意见.docx"]
        got = c.get(links[1][0])
        assert got.content == content and "filename*=UTF-8''" in got.headers["content-disposition"]
        assert c.get(links[0][0]).content == _pdf("纪要")  # kept in the row by the CLI
        bad = c.post(
            f"/projects/{code}/evidence",
            data={"csrf_token": token},
            files={"file": ("病毒.docx", b"MZ\x90\x00" + b"\x00" * 100)},
        )
        assert "材料“病毒.docx”未上传：不支持的文件类型" in bad.text
    # a reader who may not edit sees the list but no upload form
    with make_client(seeded.engine, data_dir=data) as c:
        page = c.get("/login")
        c.post(
            "/login",
            data={"username": "assessor", "password": PASSWORD, "csrf_token": _csrf(page.text)},
        )
        html = c.get(f"/projects/{code}").text
        assert "验收意见.docx" in html and 'name="file"' not in html
        r = c.post(
            f"/projects/{code}/evidence",
            data={"csrf_token": _csrf(html)},
            files={"file": ("x.pdf", _pdf())},
        )
        assert r.status_code == 403 and "无权上传佐证材料" in r.text
