"""Boundary rule of evaluate() and the AA/AAA grading rule, checked by hand."""

from __future__ import annotations

import math

import pytest

from lifecircle.standards import Grade, Indicator, Status, evaluate, grade
from lifecircle.standards.model import Catalogue, GradingRule


def ind(iid="x", *, category="constraint", operator=">=", threshold=90.0, scope="circle"):
    return Indicator(
        id=iid,
        name_zh=f"指标{iid}",
        name_en=iid,
        category=category,
        kind="manual",
        operator=operator,
        threshold=threshold,
        unit="%",
        source="test",
        verified=True,
        scope=scope,
    )


@pytest.mark.parametrize(
    ("operator", "value", "status", "margin"),
    [
        (">=", 90.0, Status.PASS, 0.0),
        (">=", 90.5, Status.PASS, 0.5),
        (">=", 89.5, Status.FAIL, -0.5),
        ("<=", 90.0, Status.PASS, 0.0),
        ("<=", 89.0, Status.PASS, 1.0),
        ("<=", 91.0, Status.FAIL, -1.0),
        ("==", 90.0, Status.PASS, 0.0),
        ("==", 92.0, Status.FAIL, -2.0),
        ("==", 88.0, Status.FAIL, -2.0),
    ],
)
def test_evaluate_boundary(operator, value, status, margin):
    got_status, got_margin = evaluate(ind(operator=operator), value)
    assert got_status is status
    assert got_margin == pytest.approx(margin)


def test_value_exactly_at_threshold_after_float_noise_passes():
    # 0.1 + 0.2 != 0.3 in binary; a share summed from parts must still pass at the boundary
    status, margin = evaluate(ind(threshold=0.3), 0.1 + 0.2)
    assert status is Status.PASS and margin == 0.0
    assert evaluate(ind(threshold=99.95), 99.95)[0] is Status.PASS
    assert evaluate(ind(threshold=99.95), 99.9499)[0] is Status.FAIL


@pytest.mark.parametrize("value", [None, math.nan])
def test_missing_value(value):
    assert evaluate(ind(), value) == (Status.MISSING, None)


def catalogue(rule: GradingRule) -> Catalogue:
    inds = [
        ind("c1"),
        ind("c2"),
        ind("g1", category="guiding"),
        ind("g2", category="guiding"),
        ind("g3", category="guiding"),
        ind("h1", category="characteristic"),
        ind("h2", category="characteristic"),
        ind("d1", scope="district"),
    ]
    return Catalogue(
        id="t",
        version="1",
        title_zh="测试",
        title_en="test",
        provisional=False,
        sources=("test",),
        indicators=inds,
        grading=rule,
    )


COUNT_RULE = GradingRule(min_guiding_passed=2, min_characteristic_passed=1)
P, F, M = Status.PASS, Status.FAIL, Status.MISSING


def test_grade_none_when_a_constraint_fails():
    g, reason = grade(catalogue(COUNT_RULE), {"c1": P, "c2": F, "g1": P, "g2": P, "h1": P})
    assert g is Grade.NONE
    assert "未达AA" in reason and "指标c2" in reason and "未达标" in reason
    assert "（c2）" not in reason  # the reason is printed in reports: names, never ids


def test_grade_none_when_a_constraint_is_missing_and_says_so():
    g, reason = grade(catalogue(COUNT_RULE), {"c1": P, "g1": P, "g2": P, "h1": P})
    assert g is Grade.NONE
    assert "缺少数值" in reason and "c2" in reason
    g2, reason2 = grade(catalogue(COUNT_RULE), {"c1": P, "c2": M})
    assert g2 is Grade.NONE and "缺少数值" in reason2


def test_grade_aa_when_constraints_pass_but_too_few_guiding():
    g, reason = grade(catalogue(COUNT_RULE), {"c1": P, "c2": P, "g1": P, "g2": F, "h1": P})
    assert g is Grade.AA
    assert "达到AA" in reason and "引导性指标达标1项（需≥2项）" in reason


def test_grade_aaa_exactly_at_the_counts():
    statuses = {"c1": P, "c2": P, "g1": P, "g2": P, "g3": F, "h1": P, "h2": M}
    g, reason = grade(catalogue(COUNT_RULE), statuses)
    assert g is Grade.AAA
    assert "达到AAA" in reason


def test_grade_accepts_status_strings_and_ignores_district_scope():
    statuses = {"c1": "pass", "c2": "pass", "g1": "pass", "g2": "pass", "h1": "pass", "d1": "fail"}
    assert grade(catalogue(COUNT_RULE), statuses)[0] is Grade.AAA


def test_grade_rejects_unknown_indicator_ids():
    with pytest.raises(ValueError, match="nope"):
        grade(catalogue(COUNT_RULE), {"nope": P})


def test_score_form():
    rule = GradingRule(weights={"g1": 2, "g2": 1, "h1": 3}, min_score=4)
    base = {"c1": P, "c2": P}
    assert grade(catalogue(rule), {**base, "g1": P, "g2": P, "h1": F})[0] is Grade.AA
    g, reason = grade(catalogue(rule), {**base, "g2": P, "h1": P})
    assert g is Grade.AAA and "得分4" in reason


def test_grade_values_are_strings():
    assert [g.value for g in Grade] == ["NONE", "AA", "AAA"]
    assert [s.value for s in Status] == ["pass", "fail", "missing"]
