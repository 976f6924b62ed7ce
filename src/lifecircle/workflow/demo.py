"""A believable programme state for the demo, built from a demo checkup.

It is a demonstration: the schedule is marked 示例铺排（非官方附件2）, people are placeholders,
and every step goes through the same services (and rules) as real use.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from lifecircle.checkup import CheckupResult, Shortfall
from lifecircle.checkup.folder import CheckupFolder
from lifecircle.store.models import CheckupRun, Circle
from lifecircle.workflow import bulletins, checkups, evaluation, places, projects, schedule
from lifecircle.workflow.subsidies import ensure_default_rules

__all__ = ["build_demo_database", "seed_demo_programme"]

DEMO_NOTE = "示例铺排（非官方附件2）"
HISTORIC = "系统上线前的专项体检（纸质报告存档）"
UNIT_OF_CATEGORY = {
    "kindergarten": "区教育局",
    "primary_school": "区教育局",
    "middle_school": "区教育局",
    "nursery": "区卫生健康局",
    "community_health_station": "区卫生健康局",
    "pharmacy": "区卫生健康局",
    "elderly_service_station": "区民政局",
    "day_care_centre": "区民政局",
    "canteen": "区民政局",
    "community_service_station": "区民政局",
    "culture_station": "区文旅体局",
    "fitness_ground": "区文旅体局",
    "sports_court": "区文旅体局",
    "park": "区园林绿化维护中心",
    "public_toilet": "区城管执法局",
    "waste_station": "区城管执法局",
    "bus_stop": "区交通运输局",
    "metro_station": "区交通运输局",
}
_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜"
_GIVEN = [
    "建国",
    "志强",
    "海燕",
    "丽华",
    "明",
    "伟",
    "芳",
    "敏",
    "静",
    "磊",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "娟",
    "涛",
    "超",
    "霞",
    "平",
]


def _name(i: int) -> str:
    return _SURNAMES[i % len(_SURNAMES)] + _GIVEN[(i * 7) % len(_GIVEN)]


def _unit_for(shortfall: Shortfall) -> str:
    for cat in shortfall.facility_categories:
        if cat in UNIT_OF_CATEGORY:
            return UNIT_OF_CATEGORY[cat]
        if cat in (
            "supermarket",
            "fresh_market",
            "barber",
            "laundry",
            "repair",
            "bank",
            "housekeeping",
            "restaurant",
            "parcel_locker",
        ):
            return "区商务局"
    return "区住房城乡建设局"


def _evaluate(
    s: Session,
    code: str,
    grade: str,
    year: int,
    start: date,
    *,
    stop: str = "plaque",
    satisfaction: float = 91.0,
) -> None:
    """Walk one circle through the evaluation path up to ``stop``."""
    e = evaluation.self_assessment(
        s,
        code,
        grade,
        year=year,
        on=start,
        respondents=320,
        satisfaction=satisfaction,
        questionnaire={"问卷份数": 320, "满意": 291},
    )
    if stop == "self":
        return
    on = start + timedelta(days=14)
    try:
        evaluation.declare(s, e, on=on)
    except Exception:  # no passing checkup stored for that date: the historic paper record
        evaluation.declare(s, e, on=on, override_reason=HISTORIC)
    if stop == "declare":
        return
    evaluation.district_review(s, e, on=on + timedelta(days=10), passed=True, note="资料齐全")
    if stop == "review":
        return
    evaluation.joint_evaluation(
        s,
        e,
        on=on + timedelta(days=24),
        accepted=True,
        note="市区联合评定验收通过",
        evidence=[
            (
                f"{code}_{grade}_{year}_联合评定验收意见.txt",
                f"{code} {grade} {year} 联合评定验收意见（示例）".encode(),
            )
        ],
    )
    if stop == "accept":
        return
    evaluation.publish(s, e, on=on + timedelta(days=40))
    if stop == "publish":
        return
    evaluation.hang_plaque(s, e, on=on + timedelta(days=55))


def seed_demo_programme(
    session: Session, checkup: CheckupResult, *, today: date = date(2024, 9, 30)
) -> dict:
    """Load a believable programme state from a demo checkup; returns a short summary.

    2022's ten AA circles, AA/AAA targets for 2023-2025, projects with on-time and late ones,
    evaluations done up to ``today``, a re-check, subsidy rules and the bulletin of today's month.
    """
    s = session
    places.seed_units(s)
    if s.scalar(select(CheckupRun).where(CheckupRun.run_key == checkup.run.id)) is None:
        checkups.import_checkup(s, checkup, source="demo checkup.json")
    ensure_default_rules(s)

    # people: chief, deputy chiefs per street, one leader per circle
    circles = list(s.scalars(select(Circle).order_by(Circle.code)))
    chief = places.add_person(s, _name(0), unit="区人居环境局", title="局长（总圈长）")
    places.assign_role(s, chief, "chief")
    for i, st in enumerate(sorted({c.street.name for c in circles}), start=1):
        p = places.add_person(s, _name(i), unit=st, title="党工委书记（副总圈长）")
        places.assign_role(s, p, "deputy_chief", street=st)
    for i, c in enumerate(circles, start=20):
        leader = places.add_person(s, _name(i), unit=c.street.name, title="副主任（圈长）")
        places.set_circle_leader(s, c, leader)

    by_code = {c.id: c for c in checkup.circles}
    passing = [c.code for c in circles if not by_code[c.code].failed_constraints]
    failing = [c.code for c in circles if c.code not in passing]
    pool = passing + failing

    def take(lst, n):
        out = [x for x in lst if x in pool][:n]
        for x in out:
            pool.remove(x)
        return out

    aa = {2022: take(passing, 10), 2023: take(passing, 5)}
    aa[2024] = take(passing, 3) + take(failing, 2)
    aa[2024] += take(pool, 5 - len(aa[2024]))
    aa[2025] = take(failing, 5)
    aa[2025] += take(pool, 5 - len(aa[2025]))
    aaa = {2023: aa[2022][:3], 2024: aa[2022][3:6], 2025: aa[2022][6:10]}
    for year, codes in aa.items():
        for code in codes:
            schedule.add_target(s, code, year, "AA", note=DEMO_NOTE)
    for year, codes in aaa.items():
        for code in codes:
            schedule.add_target(s, code, year, "AAA", note=DEMO_NOTE)

    # evaluations up to today
    for i, code in enumerate(aa[2022]):
        _evaluate(s, code, "AA", 2022, date(2022, 7, 1) + timedelta(days=i))
    for i, code in enumerate(aa[2023]):
        _evaluate(s, code, "AA", 2023, date(2023, 7, 3) + timedelta(days=i))
    for i, code in enumerate(aaa[2023]):
        _evaluate(s, code, "AAA", 2023, date(2023, 8, 20) + timedelta(days=i), satisfaction=93)
    stops_2024 = ["plaque", "publish", "accept", "self", "none"]
    for i, (code, stop) in enumerate(zip(aa[2024], stops_2024, strict=False)):
        if stop != "none":
            _evaluate(s, code, "AA", 2024, date(2024, 7, 20) + timedelta(days=i), stop=stop)
    for i, (code, stop) in enumerate(zip(aaa[2024], ["accept", "review", "self"], strict=False)):
        _evaluate(
            s, code, "AAA", 2024, date(2024, 8, 10) + timedelta(days=i), stop=stop, satisfaction=88
        )
    if aa[2022]:
        evaluation.recheck(
            s,
            aa[2022][-1],
            year=2024,
            on=date(2024, 6, 18),
            passed=True,
            note="年度复核：设施运行正常",
            evidence=[("复核记录.txt", "2024年度复核记录（示例）".encode())],
        )

    # projects closing shortfalls (and general renewal) for the 2023-2025 targets
    n = 0

    def project(circle, name, unit, type_, due, budget, shortfall=None) -> projects.NewProject:
        nonlocal n
        n += 1
        co = [circle_obj[circle].street.name] if unit != circle_obj[circle].street.name else []
        return projects.NewProject(
            code=f"XM{due.year}-{n:03d}",
            name=name,
            circle=circle,
            project_type=type_,
            lead_unit=unit,
            co_units=co,
            indicator_ids=[shortfall.indicator_id] if shortfall else [],
            budget_yuan=budget,
            funding_source=("city_subsidy", "district_finance", "social_capital")[n % 3],
            start_date=date(due.year, 3, 1),
            due_date=due,
            on=min(date(due.year, 3, 1), today),
        )

    circle_obj = {c.code: c for c in circles}

    def plan_for(code, due):
        # a circle's projects are planned together: created in one flush (same rows, ids
        # and audit entries as one at a time)
        planned = []
        for sf in by_code[code].shortfalls:
            label = sf.name_zh or sf.indicator_id
            planned.append(
                project(
                    code,
                    f"{circle_obj[code].name}{label}补短板",
                    _unit_for(sf),
                    "micro_renewal",
                    due,
                    800_000 + 100_000 * n,
                    sf,
                )
            )
        planned.append(
            project(
                code,
                f"{circle_obj[code].name}老旧小区改造提质",
                "区住房城乡建设局",
                "old_compound",
                due,
                2_500_000 + 50_000 * n,
            )
        )
        return projects.create_projects(s, planned)

    def walk(p, steps, on):
        for st in steps:
            note = "施工受雨季影响" if st == "delayed" else None
            projects.transition(s, p, st, on=on, note=note)
            on += timedelta(days=20)
        return on

    def finish(p, on, verify=True):
        walk(p, ["approved", "in_progress"], date(p.start_date.year, 3, 10))
        projects.transition(s, p, "completed", on=on)
        if verify and on + timedelta(days=10) <= today:
            projects.attach_evidence(
                s, p, f"{p.code}_竣工验收.txt", f"{p.code} 竣工验收资料（示例）".encode()
            )
            projects.transition(s, p, "verified", on=on + timedelta(days=10))

    for code in aa[2023]:
        for k, p in enumerate(plan_for(code, date(2023, 8, 31))):
            finish(p, date(2023, 8, 20) if k % 3 else date(2023, 9, 12))
    for i, code in enumerate(aa[2024]):
        made = plan_for(code, date(2024, 8, 31))
        for k, p in enumerate(made):
            if code in passing:
                finish(p, date(2024, 8, 25) if (i + k) % 4 else date(2024, 9, 10))
            elif k == 0:  # the shortfall project of a failing circle is late
                walk(p, ["approved", "in_progress"], date(2024, 3, 10))
                projects.report_progress(s, p, 60)
            else:
                walk(p, ["approved", "in_progress", "delayed"], date(2024, 3, 10))
    for code in aaa[2024]:
        for p in plan_for(code, date(2024, 10, 15)):
            walk(p, ["approved", "in_progress"], date(2024, 3, 10))
            projects.report_progress(s, p, 75)
    for i, code in enumerate(aa[2025] + aaa[2025]):
        for p in plan_for(code, date(2025, 8, 31)):
            if i % 2:
                walk(p, ["approved"], min(date(2025, 3, 1), today))
    s.flush()
    b = bulletins.publish(s, f"{today:%Y-%m}", today=today)
    return {
        "targets": len(schedule.list_targets(s)),
        "projects": n,
        "evaluations": len(evaluation.list_evaluations(s)),
        "bulletin": b.period,
    }


def build_demo_database(
    path: str | os.PathLike[str],
    checkup: CheckupResult,
    *,
    today: date = date(2024, 9, 30),
    circle_outlines: str | os.PathLike[str] | None = None,
    maps_from: str | os.PathLike[str] | CheckupFolder | None = None,
    district: str | os.PathLike[str] | None = None,
) -> Path:
    """A new SQLite programme database at ``path`` holding the demo programme.

    The database is built in a temporary file beside ``path`` (migrated, then seeded by
    ``seed_demo_programme`` as actor ``demo``) and moved into place only when complete, so
    an earlier demo database is replaced whole or left as it was.

    Parameters
    ----------
    path : str or path-like
        The SQLite file.
    checkup : lifecircle.checkup.CheckupResult
        The demo checkup.
    today : datetime.date, default 2024-09-30
        The day the programme state is shown on.
    circle_outlines : str or path-like, optional
        The checkup's ``circles.gpkg``: circle outlines for the web platform's maps.
    maps_from : str or path-like or CheckupFolder, optional
        The checkup folder (or it read already): its map layers (walking distances, facilities, service areas)
        for the web's map by facility category.
    district : str or path-like, optional
        The demo's district package, recorded with the map layers for the web's what-if.

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    from lifecircle.io.writers import write_atomic
    from lifecircle.store.db import make_engine, session_scope, upgrade

    def build(tmp: Path) -> None:
        engine = make_engine(tmp)
        try:
            upgrade(engine)
            with session_scope(engine, actor="demo") as session:
                seed_demo_programme(session, checkup, today=today)
                if circle_outlines is not None:
                    from lifecircle.workflow.geometry import import_circle_geometry

                    import_circle_geometry(session, circle_outlines)
                if maps_from is not None:
                    from lifecircle.workflow.maps import import_checkup_maps

                    import_checkup_maps(session, maps_from, district=district)
        finally:
            engine.dispose()

    with _older_objects_set_aside():
        return write_atomic(path, build)


@contextmanager
def _older_objects_set_aside() -> Iterator[None]:
    """The objects alive before (the checkup and its layers, in the demo) are left out of
    the collections the build's ORM objects set off (``gc.freeze``): 0.2 CPU s of a 5 s
    build spent scanning them. Nothing is changed when something else froze them already."""
    import gc

    if gc.get_freeze_count():
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
