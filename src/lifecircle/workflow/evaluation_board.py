"""The evaluation path as the 评价 page and the API show it: each evaluation with its steps,
its next step and who may take it; ``advance`` takes a step through ``evaluation``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from lifecircle.errors import InputError, RuleError
from lifecircle.store.models import Circle, Evaluation
from lifecircle.workflow import evaluation
from lifecircle.workflow.config import GRADE_ZH
from lifecircle.workflow.evaluation import NEXT_STEP, STAGE_ZH
from lifecircle.workflow.permissions import Actor, Scope, can

STEPS = ("declare", "review", "joint", "publish", "plaque")
STEP_ZH = {step: zh for step, zh, _ in NEXT_STEP.values()}
STEP_ACTION = {step: action for step, _, action in NEXT_STEP.values()}


def scope_of_evaluation(e: Evaluation) -> Scope:
    """The scope of an evaluation: its circle and street."""
    return Scope(circle_id=e.circle_id, street_id=e.circle.street_id)


@dataclass(frozen=True)
class Step:
    """One step of the path as shown: its name, the day it was taken (or None)."""

    zh: str
    on: date | None
    note: str = ""


@dataclass(frozen=True)
class EvaluationRow:
    """An evaluation with its path, and the next step when it has one."""

    evaluation: Evaluation
    steps: list[Step]
    next_step: str | None
    next_zh: str | None

    @property
    def stage_zh(self) -> str:
        return STAGE_ZH[self.evaluation.stage]

    @property
    def grade_zh(self) -> str:
        return GRADE_ZH[self.evaluation.grade]

    def may_advance(self, actor: Actor) -> bool:
        """Whether ``actor`` may take the next step."""
        if self.next_step is None:
            return False
        return can(actor, STEP_ACTION[self.next_step], scope_of_evaluation(self.evaluation))


def _steps(e: Evaluation) -> list[Step]:
    if e.is_recheck:
        return [Step("年度复核", e.evaluated_on, e.verdict_note or "")]
    review = ""
    if e.review_passed is not None:
        review = ("通过" if e.review_passed else "未通过") + (
            f"：{e.review_note}" if e.review_note else ""
        )
    verdict = ""
    if e.verdict:
        verdict = ("通过" if e.verdict == "accepted" else "未通过") + (
            f"：{e.verdict_note}" if e.verdict_note else ""
        )
    return [
        Step(
            "居民自评",
            e.self_assessed_on,
            f"问卷 {e.respondents} 份，满意度 {e.satisfaction:g}%" if e.respondents else "",
        ),
        Step(
            "街道申报", e.declared_on, f"例外申报：{e.override_reason}" if e.override_reason else ""
        ),
        Step("区级审核", e.reviewed_on, review),
        Step("联合评定", e.evaluated_on, verdict),
        Step("公布", e.published_on),
        Step("挂牌", e.plaque_on),
    ]


def row_of(e: Evaluation) -> EvaluationRow:
    nxt = None if e.is_recheck else NEXT_STEP.get(e.stage)
    return EvaluationRow(
        evaluation=e,
        steps=_steps(e),
        next_step=nxt[0] if nxt else None,
        next_zh=nxt[1] if nxt else None,
    )


def evaluation_rows(
    session: Session,
    *,
    circle: str | None = None,
    street: str | None = None,
    year: int | None = None,
    open_only: bool = False,
) -> list[EvaluationRow]:
    """Evaluations (newest first), filtered by circle code, street name, year, or to those
    with a next step."""
    q = (
        select(Evaluation)
        .join(Circle, Circle.id == Evaluation.circle_id)
        .options(selectinload(Evaluation.circle).selectinload(Circle.street))
        .order_by(Evaluation.year.desc(), Circle.code, Evaluation.id.desc())
    )
    if circle:
        q = q.where(Circle.code == circle)
    if year is not None:
        q = q.where(Evaluation.year == year)
    rows = [row_of(e) for e in session.scalars(q)]
    if street:
        rows = [r for r in rows if r.evaluation.circle.street.name == street]
    if open_only:
        rows = [r for r in rows if r.next_step is not None]
    return rows


def get_evaluation(session: Session, evaluation_id: int) -> Evaluation:
    e = session.get(Evaluation, evaluation_id)
    if e is None:
        raise RuleError(f"没有编号为 {evaluation_id} 的评定记录", fix="从评价页面的列表中选择评定")
    return e


def advance(
    session: Session,
    evaluation_id: int,
    step: str,
    *,
    on: date,
    expected_version: int | None = None,
    passed: bool | None = None,
    note: str | None = None,
    override_reason: str | None = None,
    evidence: list[tuple[str, bytes]] | None = None,
) -> Evaluation:
    """Take ``step`` (one of ``STEPS``) on an evaluation through the ``evaluation`` service.

    ``passed`` is the verdict of a review or joint evaluation; ``evidence`` the files of a
    joint evaluation; ``override_reason`` an exceptional declaration's reason.
    """
    e = get_evaluation(session, evaluation_id)
    if step not in STEPS:
        raise InputError(f"未知的评定步骤 {step!r}", field="step", fix="可用：" + "、".join(STEPS))
    if step in ("review", "joint") and passed is None:
        raise InputError(
            f"{STEP_ZH[step]}须给出结论（通过或不通过）", field="passed", fix="选择通过或不通过"
        )
    note = (note or "").strip() or None
    if step == "declare":
        return evaluation.declare(
            session, e, on=on, override_reason=override_reason, expected_version=expected_version
        )
    if step == "review":
        assert passed is not None
        return evaluation.district_review(
            session, e, on=on, passed=passed, note=note, expected_version=expected_version
        )
    if step == "joint":
        assert passed is not None
        return evaluation.joint_evaluation(
            session,
            e,
            on=on,
            accepted=passed,
            evidence=evidence or [],
            note=note,
            expected_version=expected_version,
        )
    if step == "publish":
        return evaluation.publish(session, e, on=on, expected_version=expected_version)
    return evaluation.hang_plaque(session, e, on=on, expected_version=expected_version)
