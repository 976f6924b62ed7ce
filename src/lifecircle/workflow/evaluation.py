"""The evaluation path: self-assessment → declaration → district review → joint evaluation →
publication and plaque; re-checks in later years; which grade a circle holds."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from lifecircle.errors import RuleError
from lifecircle.store.audit import get_actor
from lifecircle.store.models import Evaluation, EvidenceFile
from lifecircle.workflow._common import check_version, check_year, flush, get_circle, get_row
from lifecircle.workflow._values import check_grade
from lifecircle.workflow.checkups import latest_result
from lifecircle.workflow.config import GRADE_ZH
from lifecircle.workflow.projects import store_evidence
from lifecircle.workflow.subsidies import settle_failed_recheck

STAGE_ZH = {
    "self_assessed": "居民自评",
    "declared": "街道申报",
    "reviewed": "区级审核通过",
    "review_failed": "区级审核未通过",
    "accepted": "联合评定通过",
    "rejected": "联合评定未通过",
    "published": "已公布",
    "plaqued": "已挂牌",
    "recheck_passed": "复核通过",
    "recheck_failed": "复核未通过",
}
_RANK = {"NONE": 0, "AA": 1, "AAA": 2}
# The next step of the path from each stage: (step, its Chinese name, the permission it needs).
NEXT_STEP = {
    "self_assessed": ("declare", "街道申报", "evaluation.declare"),
    "declared": ("review", "区级审核", "evaluation.review"),
    "reviewed": ("joint", "联合评定验收", "evaluation.joint"),
    "accepted": ("publish", "向社会公布", "evaluation.publish"),
    "published": ("plaque", "挂牌", "evaluation.plaque"),
}
PATH_ZH = ("居民自评", "街道申报", "区级审核", "联合评定", "公布", "挂牌")
ACTION_ZH = {
    "declare": "申报",
    "review": "区级审核",
    "evaluate jointly": "联合评定",
    "publish": "公布",
    "hang the plaque": "挂牌",
}


def _eval(session: Session, evaluation: int | Evaluation) -> Evaluation:
    e = (
        evaluation
        if isinstance(evaluation, Evaluation)
        else get_row(session, Evaluation, evaluation)
    )
    if e is None:
        raise RuleError(
            f"没有编号为 {evaluation} 的评定", fix="用 `lifecircle evaluate list` 查看评定编号"
        )
    return e


def _need_stage(e: Evaluation, stages: tuple[str, ...], action: str) -> None:
    if e.stage not in stages:
        raise RuleError(
            f"评定 {e.id}（{e.circle.code} {e.grade}）处于“{STAGE_ZH[e.stage]}”阶段，"
            f"不能{ACTION_ZH.get(action, action)}",
            fix="按 自评 → 申报 → 区级审核 → 联合评定 → 公布 → 挂牌 的顺序办理",
        )


def _not_before(e: Evaluation, on: date) -> None:
    last = max(
        (
            d
            for d in (
                e.self_assessed_on,
                e.declared_on,
                e.reviewed_on,
                e.evaluated_on,
                e.published_on,
            )
            if d
        ),
        default=None,
    )
    if last and on < last:
        raise RuleError(f"日期 {on} 早于上一步的日期（{last}）", fix="核对日期：每一步不早于上一步")


def held_grade(session: Session, circle: str | int, *, as_of: date | None = None) -> str:
    """The grade a circle holds: the best accepted joint evaluation, lowered by a failed re-check
    (a failed AAA re-check leaves AA; a failed AA re-check leaves NONE)."""
    c = get_circle(session, circle)
    return held_grades(session, [c.id], as_of=as_of)[c.id]


def held_grades(
    session: Session, circle_ids: list[int], *, as_of: date | None = None
) -> dict[int, str]:
    """``held_grade`` of many circles (by id) in one query."""
    q = select(Evaluation).where(
        Evaluation.circle_id.in_(circle_ids),
        Evaluation.verdict.is_not(None),
        Evaluation.evaluated_on.is_not(None),
    )
    by_circle: dict[int, list[Evaluation]] = {i: [] for i in circle_ids}
    for e in session.scalars(q):
        by_circle[e.circle_id].append(e)
    return {i: _held(events, as_of) for i, events in by_circle.items()}


def _held(events: list[Evaluation], as_of: date | None) -> str:
    events = sorted(events, key=lambda e: (e.evaluated_on, e.id))
    held = "NONE"
    for e in events:
        if as_of is not None and e.evaluated_on is not None and e.evaluated_on > as_of:
            break
        if e.is_recheck:
            if e.verdict == "rejected" and _RANK[held] >= _RANK[e.grade]:
                held = "AA" if e.grade == "AAA" else "NONE"
        elif e.verdict == "accepted" and _RANK[e.grade] > _RANK[held]:
            held = e.grade
    return held


def self_assessment(
    session: Session,
    circle: str,
    grade: str,
    *,
    year: int,
    on: date,
    respondents: int,
    satisfaction: float,
    questionnaire: dict | None = None,
) -> Evaluation:
    """Record residents' self-assessment (questionnaire results); opens an evaluation."""
    c = get_circle(session, circle)
    grade = check_grade(grade)
    check_year(year, field="--year")
    if respondents <= 0:
        raise RuleError("居民自评须有问卷份数", fix="用 --respondents 写明参与的居民问卷份数")
    if respondents > 10_000_000:
        raise RuleError(f"问卷份数 {respondents} 不合理", fix="写实际收回的问卷份数")
    if not 0 <= satisfaction <= 100:
        raise RuleError(f"满意度 {satisfaction} 不在 0～100 之间", fix="写百分数，如 92.5")
    open_ = session.scalar(
        select(Evaluation).where(
            Evaluation.circle_id == c.id,
            Evaluation.grade == grade,
            Evaluation.is_recheck.is_(False),
            Evaluation.stage.in_(("self_assessed", "declared", "reviewed")),
        )
    )
    if open_ is not None:
        raise RuleError(
            f"生活圈 {c.code} 已有一项未办结的 {grade} 评定（编号 {open_.id}）",
            fix="先办结那一项评定",
        )
    e = Evaluation(
        circle_id=c.id,
        grade=grade,
        year=year,
        is_recheck=False,
        stage="self_assessed",
        self_assessed_on=on,
        respondents=respondents,
        satisfaction=float(satisfaction),
        questionnaire=questionnaire,
    )
    session.add(e)
    flush(session)
    return e


def declare(
    session: Session,
    evaluation: int | Evaluation,
    *,
    on: date,
    override_reason: str | None = None,
    expected_version: int | None = None,
) -> Evaluation:
    """The street declares the circle. Allowed only when the latest checkup (as of ``on``)
    passes every constraint indicator (for AAA: its checkup grade is AAA and the circle holds
    AA), or with a recorded override reason."""
    e = _eval(session, evaluation)
    check_version(e, expected_version, "evaluation", e.id)
    _need_stage(e, ("self_assessed",), "申报")
    _not_before(e, on)
    if e.grade == "AAA" and held_grade(session, e.circle_id, as_of=on) == "NONE":
        raise RuleError(
            f"生活圈 {e.circle.code} 尚未评为 AA 型",
            fix="AAA 型只从已达标的 AA 型中优选申报",
        )
    res = latest_result(session, e.circle_id, as_of=on)
    problem = None
    if res is None:
        problem = "数据库中没有这个生活圈的体检结果"
    elif not res.constraints_pass:
        problem = "最近一次体检有约束性指标未达标：" + "、".join(res.failed_constraints)
    elif e.grade == "AAA" and res.grade != "AAA":
        problem = f"最近一次体检评为 {GRADE_ZH.get(res.grade, res.grade)}，不是 AAA 型"
    if problem:
        if not (override_reason and override_reason.strip()):
            raise RuleError(
                f"{e.circle.code} 不能申报 {e.grade}：{problem}",
                fix="补齐短板后重新体检；或用 --override-reason 写明申报理由",
            )
        e.override_reason = f"{override_reason.strip()}（{problem}）"
        e.override_by = get_actor(session)
    e.checkup_result_id = res.id if res is not None else None
    e.declared_on = on
    e.stage = "declared"
    flush(session, "evaluation", e.id)
    return e


def district_review(
    session: Session,
    evaluation: int | Evaluation,
    *,
    on: date,
    passed: bool,
    note: str | None = None,
    expected_version: int | None = None,
) -> Evaluation:
    e = _eval(session, evaluation)
    check_version(e, expected_version, "evaluation", e.id)
    _need_stage(e, ("declared",), "区级审核")
    _not_before(e, on)
    if not passed and not note:
        raise RuleError("审核不通过须写明原因", fix="用 --note 写明不通过的原因")
    e.reviewed_on, e.review_passed, e.review_note = on, passed, note
    e.stage = "reviewed" if passed else "review_failed"
    flush(session, "evaluation", e.id)
    return e


def joint_evaluation(
    session: Session,
    evaluation: int | Evaluation,
    *,
    on: date,
    accepted: bool,
    evidence: list[tuple[str, bytes]],
    note: str | None = None,
    expected_version: int | None = None,
) -> Evaluation:
    """City-district joint evaluation: verdict with at least one evidence file."""
    e = _eval(session, evaluation)
    check_version(e, expected_version, "evaluation", e.id)
    _need_stage(e, ("reviewed",), "联合评定")
    _not_before(e, on)
    if not evidence:
        raise RuleError(
            "联合评定须附佐证材料",
            fix="用 --evidence 附上评定验收意见文件",
        )
    for name, content in evidence:
        store_evidence(session, name, content, evaluation_id=e.id)
    e.evaluated_on, e.verdict, e.verdict_note = on, "accepted" if accepted else "rejected", note
    e.stage = "accepted" if accepted else "rejected"
    flush(session, "evaluation", e.id)
    return e


def publish(
    session: Session, evaluation: int | Evaluation, *, on: date, expected_version: int | None = None
) -> Evaluation:
    e = _eval(session, evaluation)
    check_version(e, expected_version, "evaluation", e.id)
    _need_stage(e, ("accepted",), "公布")
    _not_before(e, on)
    e.published_on, e.stage = on, "published"
    flush(session, "evaluation", e.id)
    return e


def hang_plaque(
    session: Session, evaluation: int | Evaluation, *, on: date, expected_version: int | None = None
) -> Evaluation:
    e = _eval(session, evaluation)
    check_version(e, expected_version, "evaluation", e.id)
    _need_stage(e, ("published",), "挂牌")
    _not_before(e, on)
    e.plaque_on, e.stage = on, "plaqued"
    flush(session, "evaluation", e.id)
    return e


def recheck(
    session: Session,
    circle: str,
    *,
    year: int,
    on: date,
    passed: bool,
    evidence: list[tuple[str, bytes]],
    note: str | None = None,
) -> Evaluation:
    """A later-year re-check of the grade the circle holds; a failed one lowers it, and the
    subsidy of the grade it takes away is withheld, or to be reclaimed if paid
    (``subsidies.settle_failed_recheck``, audited)."""
    c = get_circle(session, circle)
    check_year(year, field="--year")
    grade = held_grade(session, c.id, as_of=on)
    if grade == "NONE":
        raise RuleError(f"生活圈 {c.code} 尚无评定等级，无需复核", fix="先完成评定")
    if not evidence:
        raise RuleError("复核须附佐证材料", fix="用 --evidence 附上复核记录文件")
    if not passed and not note:
        raise RuleError("复核不通过须写明原因", fix="用 --note 写明不通过的原因")
    e = Evaluation(
        circle_id=c.id,
        grade=grade,
        year=year,
        is_recheck=True,
        stage="recheck_passed" if passed else "recheck_failed",
        evaluated_on=on,
        verdict="accepted" if passed else "rejected",
        verdict_note=note,
    )
    session.add(e)
    flush(session)
    for name, content in evidence:
        store_evidence(session, name, content, evaluation_id=e.id)
    if not passed:
        settle_failed_recheck(session, e)
    return e


@dataclass(frozen=True)
class RecheckOutcome:
    """A recorded re-check and the grade the circle holds after it."""

    evaluation: Evaluation
    held_grade: str


def recheck_circle(
    session: Session,
    circle: str,
    *,
    year: int,
    on: date,
    passed: bool,
    evidence: list[tuple[str, bytes]],
    note: str | None = None,
) -> RecheckOutcome:
    """Record a re-check (``recheck``) and return it with the grade now held.

    Parameters
    ----------
    session : sqlalchemy.orm.Session
    circle : str
        Circle code.
    year : int
        The year re-checked.
    on : datetime.date
        The day of the re-check.
    passed : bool
        Whether it passed; a failed one needs ``note`` and lowers the grade.
    evidence : list of (file name, content)
        The re-check record (at least one file).
    note : str, optional
        Reasons.

    Returns
    -------
    RecheckOutcome
    """
    e = recheck(session, circle, year=year, on=on, passed=passed, evidence=evidence, note=note)
    return RecheckOutcome(e, held_grade(session, circle))


def list_evaluations(session: Session, *, circle: str | None = None) -> list[Evaluation]:
    q = select(Evaluation).order_by(Evaluation.id)
    if circle:
        q = q.where(Evaluation.circle_id == get_circle(session, circle).id)
    return list(session.scalars(q))


def evidence_of_evaluation(session: Session, evaluation_id: int) -> list[EvidenceFile]:
    return list(
        session.scalars(
            select(EvidenceFile)
            .where(EvidenceFile.evaluation_id == evaluation_id)
            .order_by(EvidenceFile.id)
        )
    )
