"""Grading: one indicator value against its threshold, and a circle's grade (NONE/AA/AAA)."""

from __future__ import annotations

import math
from collections.abc import Mapping

from lifecircle.standards.model import Catalogue, Grade, Indicator, Status

# values this close to the threshold count as exactly at it (float noise from sums of shares)
_REL_TOL = 1e-9
_ABS_TOL = 1e-12


def evaluate(indicator: Indicator, value: float | None) -> tuple[Status, float | None]:
    """Compare ``value`` with the indicator's threshold.

    Returns ``(status, margin)``. ``margin`` is signed so that ``margin >= 0`` passes:
    ``value - threshold`` for ``>=``, ``threshold - value`` for ``<=``, and
    ``-abs(value - threshold)`` for ``==``. A value exactly at the threshold passes
    for every operator. ``None`` or NaN gives ``(Status.MISSING, None)``.

    Parameters
    ----------
    indicator : Indicator
        The indicator (operator and threshold).
    value : float or None
        The measured or reported value; ``None`` when there is none.

    Returns
    -------
    status : Status
        ``PASS``, ``FAIL`` or ``MISSING``.
    margin : float or None
        How far past the threshold (negative: short of it); ``None`` when missing.
    """
    if value is None:
        return Status.MISSING, None
    value = float(value)
    if math.isnan(value):
        return Status.MISSING, None
    t = float(indicator.threshold)
    if math.isclose(value, t, rel_tol=_REL_TOL, abs_tol=_ABS_TOL):
        return Status.PASS, 0.0
    if indicator.operator == ">=":
        margin = value - t
    elif indicator.operator == "<=":
        margin = t - value
    elif indicator.operator == "==":
        margin = -abs(value - t)
    else:  # the loader rejects other operators; a hand-built Indicator may not
        raise ValueError(f"indicator {indicator.id}: unknown operator {indicator.operator!r}")
    return (Status.PASS if margin >= 0 else Status.FAIL), margin


def _status(value: Status | str | None) -> Status:
    if value is None:
        return Status.MISSING
    return Status(value)


def _names(inds: list[Indicator]) -> str:
    # names only: the reason is printed in reports, which never show internal ids
    return "、".join(i.name_zh for i in inds)


def grade(catalogue: Catalogue, statuses: Mapping[str, Status | str | None]) -> tuple[Grade, str]:
    """Grade one circle from its indicator statuses, by the catalogue's rule.

    Only circle-scope indicators count; district-scope ids in ``statuses`` are ignored
    (they are reported once for the district). An indicator absent from ``statuses`` is
    missing, and a missing constraint indicator means not AA. Returns the grade and the
    reason in Chinese.

    Parameters
    ----------
    catalogue : Catalogue
        The catalogue whose grading rule applies.
    statuses : mapping of str -> Status, str or None
        Indicator id to status (``pass``, ``fail``, ``missing``).

    Returns
    -------
    grade : Grade
        ``NONE``, ``AA`` or ``AAA``.
    reason : str
        Why, in Chinese.
    """
    known = {i.id for i in catalogue.indicators}
    unknown = sorted(set(statuses) - known)
    if unknown:
        raise ValueError(
            f"grade(): indicator ids not in catalogue {catalogue.id}: {', '.join(unknown)}"
        )
    st = {i.id: _status(statuses.get(i.id)) for i in catalogue.circle_indicators}
    constraints = catalogue.by_category("constraint")
    missing = [i for i in constraints if st[i.id] is Status.MISSING]
    failed = [i for i in constraints if st[i.id] is Status.FAIL]
    if failed or missing:
        parts = []
        if failed:
            parts.append(f"{len(failed)}项约束性指标未达标：{_names(failed)}")
        if missing:
            parts.append(f"{len(missing)}项约束性指标缺少数值（按未达标处理）：{_names(missing)}")
        return Grade.NONE, "未达AA型：" + "；".join(parts)

    aa_reason = f"达到AA型：全部{len(constraints)}项约束性指标达标"
    rule = catalogue.grading
    ok = True
    parts = []
    for category, label, need in (
        ("guiding", "引导性", rule.min_guiding_passed),
        ("characteristic", "特色性", rule.min_characteristic_passed),
    ):
        if need is None:
            continue
        passed = sum(st[i.id] is Status.PASS for i in catalogue.by_category(category))
        parts.append(f"{label}指标达标{passed}项（需≥{need}项）")
        ok &= passed >= need
    if rule.min_score is not None:
        score = sum(w for iid, w in rule.weights.items() if st.get(iid) is Status.PASS)
        parts.append(f"得分{score:g}（需≥{rule.min_score:g}）")
        ok &= score >= rule.min_score
    detail = "，".join(parts)
    if ok:
        return Grade.AAA, f"{aa_reason}；达到AAA型：{detail}"
    return Grade.AA, f"{aa_reason}；未达AAA型：{detail}"
