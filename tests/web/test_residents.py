"""Residents on the public circle page (no account): questionnaire and feedback with CSRF and a
per-IP limit, counted on the internal circle page; name and phone never public."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from lifecircle.errors import InputError
from lifecircle.store import session_scope
from lifecircle.store.models import AuditLog, Circle, ResidentFeedback
from lifecircle.workflow import residents

from .conftest import PASSWORD, make_client

PHONE = "138-0013-8000"


def _csrf(html: str) -> str:
    m = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert m
    return m.group(1)


def _login(c, user: str) -> None:
    page = c.get("/login")
    r = c.post(
        "/login",
        data={"username": user, "password": PASSWORD, "csrf_token": _csrf(page.text)},
        follow_redirects=False,
    )
    assert r.status_code == 303


def _summary(seeded, code: str) -> residents.ResidentSummary:
    with session_scope(seeded.engine) as s:
        cid = s.scalar(select(Circle.id).where(Circle.code == code))
        return residents.summary(s, cid)


def _survey(c, code: str, **answers: str):
    token = _csrf(c.get(f"/public/circles/{code}").text)
    return c.post(
        f"/public/circles/{code}/survey",
        data={"csrf_token": token, **answers},
        follow_redirects=False,
    )


def _feedback(c, code: str, **fields: str):
    token = _csrf(c.get(f"/public/circles/{code}").text)
    data = {"topic": "commerce", "message": "小区门口缺少菜市场，买菜要走很远。"} | fields
    return c.post(
        f"/public/circles/{code}/feedback",
        data={"csrf_token": token, **data},
        follow_redirects=False,
    )


def test_public_page_has_the_questionnaire_and_the_form(seeded):
    with make_client(seeded.engine) as c:
        html = c.get(f"/public/circles/{seeded.circle_a}").text
    for q in residents.questionnaire().questions:
        assert f'name="q_{q.id}"' in html and q.zh in html
    assert html.count('type="radio"') == 5 * (len(residents.questionnaire().questions) + 1)
    for field in ("fb-topic", "fb-message", "fb-name", "fb-phone", "sv-community"):
        assert f'<label for="{field}"' in html and f'id="{field}"' in html
    assert "不会公开" in html


def test_survey_is_recorded_and_counted(seeded):
    code = seeded.circle_b
    before = _summary(seeded, code)
    with make_client(seeded.engine) as c:
        r = _survey(c, code, q_education="5", q_commerce="2", q_overall="4", community="幸福社区")
        assert r.status_code == 303 and r.headers["location"] == f"/public/circles/{code}"
        page = c.get(r.headers["location"]).text
        assert "问卷已提交" in page
        r = _survey(c, code, q_commerce="很不满意", q_overall="很满意")  # the labels work too
        assert r.status_code == 303
        after = _summary(seeded, code)
        assert after.respondents == before.respondents + 2
        assert (
            f"已有 <strong>{after.respondents}</strong> 位居民"
            in c.get(f"/public/circles/{code}").text
        )
    commerce = next(x for x in after.by_question if x.question.id == "commerce")
    assert commerce.answered >= 2


@pytest.mark.parametrize(
    ("answers", "says"),
    [
        ({"q_education": "5"}, "请选择“总体满意度”"),
        ({"q_overall": "9"}, "选项“9”无效"),
        ({"q_overall": "4", "q_nonsense": "4"}, ""),  # unknown fields are ignored
    ],
)
def test_survey_validation_in_chinese(seeded, answers, says):
    with make_client(seeded.engine) as c:
        r = _survey(c, seeded.circle_a, **answers)
    if says:
        assert r.status_code == 400 and "问卷未提交：" in r.text and says in r.text
        assert 'role="alert"' in r.text
    else:
        assert r.status_code == 303


def test_forms_need_the_token(seeded):
    with make_client(seeded.engine) as c:
        c.get(f"/public/circles/{seeded.circle_a}")
        for what in ("survey", "feedback"):
            r = c.post(
                f"/public/circles/{seeded.circle_a}/{what}",
                data={"q_overall": "5", "topic": "other", "message": "没有表单令牌的提交"},
            )
            assert r.status_code == 403 and "表单已过期" in r.text


def test_feedback_counted_inside_and_phone_never_public(seeded):
    code = seeded.circle_a
    before = _summary(seeded, code)
    with make_client(seeded.engine) as c:
        r = _feedback(c, code, name="王阿姨", phone=PHONE)
        assert r.status_code == 303
        assert "反馈已收到" in c.get(r.headers["location"]).text
        public = c.get(f"/public/circles/{code}").text
        api = c.get(f"/api/v1/circles/{code}").text
    assert _summary(seeded, code).feedback_total == before.feedback_total + 1
    assert PHONE not in public and "王阿姨" not in public and PHONE not in api
    assert f"已收到 <strong>{before.feedback_total + 1}</strong> 条意见反馈" in public
    # the circle leader, the street and the district read the message with the phone
    for role in ("circle_leader", "street", "district"):
        with make_client(seeded.engine) as c:
            _login(c, role)
            html = c.get(f"/circles/{code}").text
        assert PHONE in html and "王阿姨" in html and "小区门口缺少菜市场" in html
        assert f'id="rs-feedback">{before.feedback_total + 1}<' in html
    # other staff see the counts only
    for role in ("unit", "assessor", "evaluator"):
        with make_client(seeded.engine) as c:
            _login(c, role)
            html = c.get(f"/circles/{code}").text
        assert PHONE not in html and "王阿姨" not in html
        assert f'id="rs-feedback">{before.feedback_total + 1}<' in html
        assert "只有本生活圈的圈长、所在街道和区级可以查看" in html


@pytest.mark.parametrize(
    ("fields", "says"),
    [
        ({"message": "太短"}, "反馈内容太短"),
        ({"message": "字" * 1001}, "反馈内容太长"),
        ({"phone": "call me"}, "联系电话“call me”无效"),
        ({"topic": "外星人"}, "反馈类别“外星人”无效"),
    ],
)
def test_feedback_validation_keeps_what_was_typed(seeded, fields, says):
    with make_client(seeded.engine) as c:
        r = _feedback(c, seeded.circle_a, name="李大爷", **fields)
    assert r.status_code == 400 and f"反馈未提交：{says}" in r.text
    assert 'value="李大爷"' in r.text


def test_submissions_are_limited_per_ip(seeded):
    with make_client(seeded.engine, resident_submissions=2) as c:
        assert _survey(c, seeded.circle_a, q_overall="3").status_code == 303
        assert _feedback(c, seeded.circle_a).status_code == 303
        r = _feedback(c, seeded.circle_a, message="第三次提交应被限制。")
        assert r.status_code == 429 and "提交过于频繁" in r.text
        assert int(r.headers["retry-after"]) > 0
        assert _survey(c, seeded.circle_a, q_overall="3").status_code == 429
        assert ">第三次提交应被限制。</textarea>" in r.text  # what was typed is kept


def test_leader_marks_feedback_handled_and_it_is_audited(seeded):
    code = seeded.circle_a
    with make_client(seeded.engine) as c:
        _feedback(c, code, message="路灯坏了好几天了，晚上看不见路。", topic="environment")
    with session_scope(seeded.engine) as s:
        fid = s.scalar(select(func.max(ResidentFeedback.id)))
    with make_client(seeded.engine) as c:
        _login(c, "evaluator")
        html = c.get(f"/circles/{code}").text
        r = c.post(
            f"/circles/{code}/feedback/{fid}/handled",
            data={"csrf_token": _csrf(html), "reply": "已修复"},
        )
        assert r.status_code == 403
    with make_client(seeded.engine) as c:
        _login(c, "circle_leader")
        html = c.get(f"/circles/{code}").text
        assert f'action="/circles/{code}/feedback/{fid}/handled"' in html
        r = c.post(
            f"/circles/{code}/feedback/{fid}/handled",
            data={
                "csrf_token": _csrf(html),
                "reply": "已通知街道照明所，次日修复。",
                "version": "1",
            },
            follow_redirects=False,
        )
        assert r.status_code == 303
        html = c.get(r.headers["location"]).text
        assert "已记为“已办理”" in html and "次日修复" in html
    with session_scope(seeded.engine) as s:
        row = s.get(ResidentFeedback, fid)
        assert row.status == "handled" and row.handled_by == "circle_leader"
        actions = [
            a.actor
            for a in s.scalars(select(AuditLog).where(AuditLog.table_name == "resident_feedback"))
            if (a.after or {}).get("status") == "handled"
        ]
        assert "circle_leader" in actions


def test_workflow_rules(seeded):
    with session_scope(seeded.engine, actor="test") as s:
        with pytest.raises(InputError, match="没有编号"):
            residents.submit_survey(s, "NOPE", answers={}, overall=5)
        row = residents.submit_feedback(
            s,
            seeded.circle_b,
            topic="出行与停车",
            message="公交站没有座椅，老人等车很累。",
            phone="（0731）8888 1234",
        )
        assert row.topic == "transport" and row.phone == "0731-8888 1234"
        summary = residents.summary(s, row.circle_id)
        assert "出行与停车" in summary.feedback_by_topic
