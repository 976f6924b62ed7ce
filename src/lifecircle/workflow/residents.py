"""Residents' voice (no account): the satisfaction questionnaire by service category and the
feedback form of a circle's public page, their counts, and the circle staff's handling.

Name and phone of a feedback message are personal data: ``summary`` carries none, and only
``feedback_list`` (for those ``permissions.can(..., "feedback.read")``) returns them."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import cache

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lifecircle.errors import InputError
from lifecircle.store.audit import get_actor
from lifecircle.store.models import Circle, ResidentFeedback, ResidentSurvey, utcnow
from lifecircle.workflow import config
from lifecircle.workflow._common import check_version, flush

MESSAGE_MIN, MESSAGE_MAX = 5, 1000
STATUS_ZH = {"new": "待办理", "handled": "已办理"}


@dataclass(frozen=True)
class Question:
    id: str
    zh: str
    hint: str


@dataclass(frozen=True)
class Questionnaire:
    title: str
    scale: dict[int, str]  # 5 很满意 … 1 很不满意
    questions: tuple[Question, ...]
    overall: Question
    topics: dict[str, str]  # feedback topics: the categories, then the others


@cache
def questionnaire() -> Questionnaire:
    """The questionnaire of ``workflow/data/questionnaire.yaml``."""
    raw = config._load("questionnaire.yaml")
    questions = tuple(Question(q["id"], q["zh"], q.get("hint", "")) for q in raw["questions"])
    o = raw["overall"]
    topics = {q.id: q.zh for q in questions} | dict(raw.get("feedback_topics") or {})
    scale = {int(k): str(v) for k, v in raw["scale"].items()}
    return Questionnaire(raw["title"], scale, questions, Question(o["id"], o["zh"], ""), topics)


def _circle(session: Session, code: str) -> Circle:
    c = session.scalar(select(Circle).where(Circle.code == (code or "").strip()))
    if c is None:
        raise InputError(f"没有编号为“{code}”的生活圈", field="生活圈", fix="从生活圈页面提交")
    return c


def _score(value: str | int | None, label: str, *, required: bool) -> int | None:
    q = questionnaire()
    v = str(value).strip() if value is not None else ""
    if not v:
        if required:
            raise InputError(f"请选择“{label}”", field=label, fix="从很满意到很不满意中选一项")
        return None
    for score, zh in q.scale.items():
        if v in (str(score), zh):
            return score
    raise InputError(
        f"“{label}”的选项“{v}”无效", field=label, fix="可选：" + "、".join(q.scale.values())
    )


def submit_survey(
    session: Session,
    circle: str,
    *,
    answers: dict[str, str | int | None],
    overall: str | int | None,
    community: str | None = None,
) -> ResidentSurvey:
    """Record one resident's questionnaire for ``circle``.

    Parameters
    ----------
    session : Session
    circle : str
        The circle's code.
    answers : dict
        Question id → score 1..5 or its Chinese label (很满意 …); unanswered questions may be
        missing or empty.
    overall : str or int
        The overall score (required).
    community : str, optional
        The resident's community (社区), not personal.

    Returns
    -------
    ResidentSurvey
    """
    q = questionnaire()
    c = _circle(session, circle)
    known = {x.id: x for x in q.questions}
    unknown = sorted(set(answers) - set(known))
    if unknown:
        raise InputError(f"问卷中没有问题 {'、'.join(unknown)}", field="问卷", fix="刷新页面后重填")
    scores = {k: _score(v, known[k].zh, required=False) for k, v in answers.items()}
    total = _score(overall, q.overall.zh, required=True)
    assert total is not None
    text = (community or "").strip()
    if len(text) > 100:
        raise InputError("所在社区太长", field="所在社区", fix="不超过 100 个字")
    row = ResidentSurvey(
        circle_id=c.id,
        answers={k: v for k, v in scores.items() if v is not None},
        overall=total,
        community=text or None,
    )
    session.add(row)
    flush(session)
    return row


_PHONE = re.compile(r"^\+?[0-9][0-9 \-]{5,22}[0-9]$")


def submit_feedback(
    session: Session,
    circle: str,
    *,
    topic: str,
    message: str,
    name: str | None = None,
    phone: str | None = None,
) -> ResidentFeedback:
    """Record a resident's message for ``circle``; ``name`` and ``phone`` are optional.

    Parameters
    ----------
    session : Session
    circle : str
        The circle's code.
    topic : str
        A topic code or its Chinese name (教育与托育 …, 其他建议).
    message : str
        5 to 1000 characters.
    name, phone : str, optional
        For a reply; never shown on a public page.

    Returns
    -------
    ResidentFeedback
    """
    c = _circle(session, circle)
    topics = questionnaire().topics
    code = config.resolve_choice(topic, topics)
    if code is None:
        raise InputError(
            f"反馈类别“{topic}”无效", field="反馈类别", fix="可选：" + "、".join(topics.values())
        )
    text = (message or "").strip()
    if len(text) < MESSAGE_MIN:
        raise InputError(
            "反馈内容太短", field="反馈内容", fix=f"请写下至少 {MESSAGE_MIN} 个字的具体情况"
        )
    if len(text) > MESSAGE_MAX:
        raise InputError(
            f"反馈内容太长（{len(text)} 字）", field="反馈内容", fix=f"不超过 {MESSAGE_MAX} 字"
        )
    who = (name or "").strip()
    if len(who) > 50:
        raise InputError("称呼太长", field="称呼", fix="不超过 50 个字")
    tel = (phone or "").strip().replace("（", "(").replace("）", ")")
    tel = re.sub(r"^\(([0-9]+)\)\s*", r"\1-", tel)  # (0731)8888 1234 → 0731-8888 1234
    if tel and not _PHONE.match(tel):
        raise InputError(
            f"联系电话“{phone}”无效",
            field="联系电话",
            fix="填写手机或座机号码（只含数字，可带 - 或空格），或留空",
        )
    row = ResidentFeedback(
        circle_id=c.id,
        topic=code,
        message=text,
        name=who or None,
        phone=tel or None,
        status="new",
    )
    session.add(row)
    flush(session)
    return row


@dataclass(frozen=True)
class QuestionResult:
    question: Question
    answered: int
    mean: float | None
    satisfied_pct: float | None  # share answering 满意 or 很满意


@dataclass(frozen=True)
class ResidentSummary:
    """What residents said about a circle, counted; no personal data."""

    respondents: int
    overall: QuestionResult
    by_question: tuple[QuestionResult, ...]
    feedback_total: int
    feedback_new: int
    feedback_by_topic: dict[str, int]  # Chinese topic → count


def _result(question: Question, scores: list[int]) -> QuestionResult:
    if not scores:
        return QuestionResult(question, 0, None, None)
    happy = sum(1 for x in scores if x >= 4)
    return QuestionResult(
        question, len(scores), sum(scores) / len(scores), 100.0 * happy / len(scores)
    )


def summary(session: Session, circle_id: int) -> ResidentSummary:
    """The questionnaire's results and the feedback counts of one circle."""
    q = questionnaire()
    rows = session.execute(
        select(ResidentSurvey.answers, ResidentSurvey.overall).where(
            ResidentSurvey.circle_id == circle_id
        )
    ).all()
    per: dict[str, list[int]] = {x.id: [] for x in q.questions}
    for answers, _ in rows:
        for k, v in (answers or {}).items():
            if k in per and isinstance(v, int):
                per[k].append(v)
    counts = session.execute(
        select(ResidentFeedback.topic, ResidentFeedback.status, func.count())
        .where(ResidentFeedback.circle_id == circle_id)
        .group_by(ResidentFeedback.topic, ResidentFeedback.status)
    ).all()
    by_topic: Counter[str] = Counter()
    new = 0
    for topic, status, n in counts:
        by_topic[q.topics.get(topic, topic)] += n
        new += n if status == "new" else 0
    return ResidentSummary(
        respondents=len(rows),
        overall=_result(q.overall, [o for _, o in rows]),
        by_question=tuple(_result(x, per[x.id]) for x in q.questions),
        feedback_total=sum(by_topic.values()),
        feedback_new=new,
        feedback_by_topic=dict(by_topic.most_common()),
    )


def feedback_list(
    session: Session, circle_id: int, *, status: str | None = None, limit: int = 100
) -> list[ResidentFeedback]:
    """A circle's feedback messages, newest first, with name and phone (staff in scope)."""
    stmt = select(ResidentFeedback).where(ResidentFeedback.circle_id == circle_id)
    if status:
        stmt = stmt.where(ResidentFeedback.status == status)
    return list(
        session.scalars(stmt.order_by(ResidentFeedback.id.desc()).limit(max(1, min(limit, 500))))
    )


def mark_handled(
    session: Session,
    feedback_id: int,
    *,
    circle_id: int,
    reply: str,
    expected_version: int | None = None,
) -> ResidentFeedback:
    """Record how a message was handled (办理结果); who and when go with it."""
    row = session.get(ResidentFeedback, feedback_id)
    if row is None or row.circle_id != circle_id:
        raise InputError(f"本生活圈没有编号为 {feedback_id} 的反馈", field="反馈", fix="刷新页面")
    check_version(row, expected_version, "resident_feedback", feedback_id)
    text = (reply or "").strip()
    if not text:
        raise InputError("请填写办理结果", field="办理结果", fix="简要写明如何处理、是否已回复居民")
    if len(text) > 2000:
        raise InputError("办理结果太长", field="办理结果", fix="不超过 2000 字")
    row.status = "handled"
    row.reply = text
    row.handled_by = get_actor(session)
    row.handled_at = utcnow()
    flush(session, "resident_feedback", feedback_id)
    return row


def topic_zh(code: str) -> str:
    return questionnaire().topics.get(code, code)
