"""The creation schedule MILP: brute force on tiny cases, targets checked by counting, diagnoses."""

from __future__ import annotations

import itertools
import math
from datetime import date, timedelta

import numpy as np
import pytest

from lifecircle.errors import InputError
from lifecircle.planning import (
    CircleNeed,
    Option,
    Programme,
    Target,
    plan_schedule,
    programme_from_rules,
)

DUE = {"AA": (9, 30), "AAA": (10, 31)}


def prog(targets, *, start=date(2024, 1, 1), years=(2023, 2024, 2025)) -> Programme:
    return Programme(years=years, targets=tuple(targets), due=DUE, start=start)


def first_year(need: CircleNeed, grade: str, p: Programme):
    """Earliest plan year, written out again from the rule (not the engine's function)."""
    if grade in need.held or grade not in need.options:
        return None
    months = need.options[grade].months
    if grade == "AAA" and "AA" not in need.held:
        if "AA" not in need.options:
            return None
        months += need.options["AA"].months
    done = p.start + timedelta(days=math.ceil(months * 30.4375))
    for y in p.years:
        m, d = DUE[grade]
        if date(y, m, d) >= p.start and done <= date(y, m, d):
            return y
    return None


def violations(plan, needs, p: Programme, budget=None) -> list[str]:
    """Everything a plan must satisfy, counted from its assignments alone."""
    out = []
    by = {n.id: n for n in needs}
    seen = set()
    for a in plan.assignments:
        if (a.circle, a.grade) in seen:
            out.append(f"{a.circle} {a.grade} twice")
        seen.add((a.circle, a.grade))
        n = by[a.circle]
        fy = first_year(n, a.grade, p)
        if fy is None or a.year < fy:
            out.append(f"{a.circle} {a.grade} {a.year} before {fy}")
        if a.grade == "AAA" and "AA" not in n.held:
            aa = plan.for_circle(a.circle).get("AA")
            if aa is None or aa > a.year:
                out.append(f"{a.circle} AAA {a.year} without AA before")
    for t in p.targets:
        if not set(t.years) & {y for y in p.years if date(y, 10, 31) >= p.start}:
            continue  # history
        held = 0
        for n in needs:
            year = n.held.get(t.grade, n.held.get("AAA", "no") if t.grade == "AA" else "no")
            if year == "no":
                continue
            if year is None:
                held += len(t.years) > 1
            elif year in t.years or (len(t.years) > 1 and year < min(t.years)):
                held += 1
        planned = sum(1 for a in plan.assignments if a.grade == t.grade and a.year in t.years)
        if held + planned < t.min:
            out.append(f"target {t.id}: {held}+{planned} < {t.min}")
    if budget is not None:
        for y in {a.year for a in plan.assignments}:
            spent = sum(a.cost for a in plan.assignments if a.year == y)
            if spent > budget + 1e-6:
                out.append(f"budget {y}: {spent} > {budget}")
    return out


def brute(needs, p: Programme, budget=None, objective="cost"):
    """The best plan by enumerating every choice of years for every circle."""
    years = [y for y in p.years if date(y, 10, 31) >= p.start]
    per_circle = []
    for n in needs:
        choices = []
        aa_years = [None] + [y for y in years if (fy := first_year(n, "AA", p)) and y >= fy]
        aaa_years = [None] + [y for y in years if (fy := first_year(n, "AAA", p)) and y >= fy]
        for aa in aa_years:
            for aaa in aaa_years:
                choices.append((aa, aaa))
        per_circle.append(choices)
    best = None
    for combo in itertools.product(*per_circle):
        from lifecircle.planning.schedule import Assignment, SchedulePlan

        assigns = []
        for n, (aa, aaa) in zip(needs, combo, strict=True):
            for g, y in (("AA", aa), ("AAA", aaa)):
                if y is not None:
                    assigns.append(
                        Assignment(n.id, g, y, n.options[g].cost, n.options[g].months,
                                   date(y, *DUE[g]), date(y, 1, 1))
                    )  # fmt: skip
        plan = SchedulePlan(True, objective, assigns, {}, 0, 0, [], None, None, tuple(years))
        if violations(plan, needs, p, budget):
            continue
        cost = sum(a.cost for a in assigns)
        pop = sum(next(n.population for n in needs if n.id == a.circle) for a in assigns)
        key = (cost, -pop) if objective == "cost" else (-pop, cost)
        if best is None or key < best:
            best = key
    return best


def random_needs(rng, k: int) -> list[CircleNeed]:
    needs = []
    for i in range(k):
        held: dict = {}
        r = rng.random()
        if r < 0.2:
            held = {"AA": 2023}
        options = {}
        if "AA" not in held:
            options["AA"] = Option(float(rng.integers(0, 5) * 100), float(rng.integers(0, 30)))
        if rng.random() < 0.8:
            options["AAA"] = Option(float(rng.integers(1, 6) * 100), float(rng.integers(0, 12)))
        needs.append(
            CircleNeed(f"C{i}", f"圈{i}", "街道", float(rng.integers(1, 9) * 1000), held, options)
        )
    return needs


@pytest.mark.parametrize("seed", range(8))
def test_tiny_cases_match_brute_force(seed):
    rng = np.random.default_rng(seed)
    needs = random_needs(rng, 5)
    p = prog(
        [
            Target("aa24", "2024年AA≥1", "AA", (2024,), 1),
            Target("aa25", "2025年AA≥1", "AA", (2025,), 1),
            Target("aaa25", "2025年AAA≥1", "AAA", (2025,), 1),
            Target("aa_total", "AA累计≥3", "AA", (2023, 2024, 2025), 3),
        ]
    )
    budget = float(rng.choice([np.inf, 800.0]))
    for objective in ("cost", "residents"):
        plan = plan_schedule(
            needs, p, budget=None if budget == np.inf else budget, objective=objective
        )
        best = brute(needs, p, None if budget == np.inf else budget, objective)
        if best is None:
            assert not plan.feasible and plan.diagnosis is not None
            continue
        assert plan.feasible, plan.message
        assert violations(plan, needs, p, None if budget == np.inf else budget) == []
        pop = {n.id: n.population for n in needs}
        got = (
            (plan.total_cost, -sum(pop[a.circle] for a in plan.assignments))
            if objective == "cost"
            else (-sum(pop[a.circle] for a in plan.assignments), plan.total_cost)
        )
        assert got[0] == pytest.approx(best[0]) and got[1] == pytest.approx(best[1])


def demo_needs(n=49) -> list[CircleNeed]:
    rng = np.random.default_rng(5)
    needs = []
    for i in range(n):
        held = {"AA": 2022} if i < 10 else ({"AA": 2023} if i < 15 else {})
        if i < 3:
            held = {"AA": 2022, "AAA": 2023}
        opts = {}
        if "AA" not in held:
            opts["AA"] = Option(float(rng.integers(0, 20) * 50), float(rng.integers(0, 14)))
        if "AAA" not in held:
            opts["AAA"] = Option(float(rng.integers(2, 20) * 50), float(rng.integers(2, 10)))
        needs.append(
            CircleNeed(f"C{i:02d}", f"第{i}圈", f"街道{i % 8}", 20000.0 + 100 * i, held, opts)
        )
    return needs


def test_the_plans_targets_are_met_each_year():
    """The programme's own targets (programme.yaml) on 49 circles: every one met, counted
    here from the assignments, AAA never before AA, nothing before its works can end."""
    from lifecircle.workflow.config import programme as rules

    p = programme_from_rules(rules(), start=date(2024, 3, 1))
    needs = demo_needs()
    for objective in ("cost", "residents"):
        plan = plan_schedule(needs, p, objective=objective)
        assert plan.feasible, plan.message
        assert violations(plan, needs, p) == []
        for year in (2024, 2025):
            aa = sum(1 for a in plan.assignments if a.grade == "AA" and a.year == year)
            aaa = sum(1 for a in plan.assignments if a.grade == "AAA" and a.year == year)
            assert aa >= 5 and aaa >= 3
        aa_all = 15 + sum(1 for a in plan.assignments if a.grade == "AA")
        aaa_all = 3 + sum(1 for a in plan.assignments if a.grade == "AAA")
        assert aa_all >= 25 and aaa_all >= 10
        assert all(c.met for c in plan.checks if c.in_plan)
    cheap = plan_schedule(needs, p, objective="cost")
    many = plan_schedule(needs, p, objective="residents")
    assert cheap.total_cost <= many.total_cost and many.residents >= cheap.residents
    # with a yearly budget no year spends more
    tight = plan_schedule(needs, p, budget=cheap.total_cost / 1.5, objective="residents")
    assert tight.feasible
    assert max(tight.cost_by_year.values()) <= cheap.total_cost / 1.5 + 1e-6


def test_impossible_targets_say_which_and_by_how_many():
    # only three circles have a way to AA (in time); the others have none known
    needs = [
        CircleNeed(f"C{i}", f"圈{i}", "街", 1000.0, {}, {"AA": Option(100.0, 3.0)} if i < 3 else {})
        for i in range(8)
    ]
    p = prog([Target("aa24", "2024年创建AA型不少于5个", "AA", (2024,), 5)])
    plan = plan_schedule(needs, p)
    assert not plan.feasible
    gap = plan.diagnosis.gaps[0]
    assert (gap.target.id, gap.best, gap.short) == ("aa24", 3, 2)
    assert "差 2 个" in plan.message and "2024年创建AA型不少于5个" in plan.message
    assert not plan.diagnosis.earlier_closes


def test_budget_too_small_names_the_budget_needed():
    needs = [
        CircleNeed("A", "甲", "街", 1000.0, {}, {"AA": Option(300.0, 3.0)}),
        CircleNeed("B", "乙", "街", 1000.0, {}, {"AA": Option(500.0, 3.0)}),
    ]
    p = prog([Target("aa24", "2024年AA不少于2个", "AA", (2024,), 2)])
    plan = plan_schedule(needs, p, budget=600.0)
    assert not plan.feasible
    assert plan.diagnosis.budget_needed == {2024: pytest.approx(800.0)}
    assert "2024年需 800 万元" in plan.message and "差 200 万元" in plan.message
    assert plan_schedule(needs, p, budget=800.0).feasible


def test_late_works_say_who_must_start_earlier():
    """Works of 12 months started on 1 March 2024 end after 30 September 2024."""
    needs = [
        CircleNeed("A", "甲", "街", 1000.0, {}, {"AA": Option(100.0, 2.0)}),
        CircleNeed("B", "乙", "街", 1000.0, {}, {"AA": Option(100.0, 12.0)}),
    ]
    p = prog([Target("aa24", "2024年AA不少于2个", "AA", (2024,), 2)], start=date(2024, 3, 1))
    plan = plan_schedule(needs, p)
    assert not plan.feasible and plan.diagnosis.earlier_closes
    (e,) = plan.diagnosis.earlier
    assert (e.circle, e.grade, e.year, e.earliest) == ("B", "AA", 2024, 2025)
    assert e.start_by == date(2024, 9, 30) - timedelta(days=math.ceil(12 * 30.4375))
    assert "B 于 2024 年达到AA型" in plan.message and "前开工" in plan.message


def test_bad_inputs():
    needs = [CircleNeed("A", "甲", "街", 1.0, {}, {"AA": Option(1.0, 1.0)})]
    p = prog([])
    with pytest.raises(InputError, match="优化目标"):
        plan_schedule(needs, p, objective="fastest")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="负数"):
        plan_schedule(needs, p, budget=-1)
    with pytest.raises(InputError, match="两次"):
        plan_schedule(needs + needs, p)
    with pytest.raises(InputError, match="晚于规划期"):
        plan_schedule(needs, prog([], start=date(2026, 1, 1)))
