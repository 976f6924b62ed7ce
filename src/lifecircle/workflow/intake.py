"""New projects from many users at once: codes numbered automatically that stay unique when
several people create projects at the same moment."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lifecircle.errors import RuleError
from lifecircle.store.models import Project
from lifecircle.workflow import projects

_CODE = re.compile(r"^XM(\d{4})-(\d+)$")
MAX_TRIES = 20
_CODE_LOCK = 0x6C63_0001  # PostgreSQL advisory lock key of automatic project codes


def suggest_project_code(session: Session, year: int) -> str:
    """The next free code of the form ``XM{year}-NNN``."""
    n = 0
    for code in session.scalars(select(Project.code).where(Project.code.like(f"XM{year}-%"))):
        m = _CODE.match(code)
        if m:
            n = max(n, int(m.group(2)))
    return f"XM{year}-{n + 1:03d}"


def create_project(session: Session, *, code: str | None, due_date: date, **fields: Any) -> Project:
    """``projects.create_project`` with ``code`` optional: without one, the next
    ``XM{year}-NNN`` of the due year, taken again if someone else took it meanwhile.

    Parameters
    ----------
    session : Session
        Open session (the caller commits).
    code : str or None
        The project's code; None or blank for an automatic one.
    due_date : date
        Due date (its year numbers automatic codes).
    **fields
        The other arguments of ``projects.create_project``.

    Returns
    -------
    Project
    """
    given = (code or "").strip() or None
    if given is None and session.get_bind().dialect.name == "postgresql":
        # automatic codes are handed out one creator at a time (until this transaction
        # ends): a crowd creating projects at once queues here instead of colliding on
        # the same next number (SQLite's write lock already serialises writers)
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _CODE_LOCK})
    for _ in range(MAX_TRIES):
        candidate = given or suggest_project_code(session, due_date.year)
        try:
            with session.begin_nested():
                return projects.create_project(session, code=candidate, due_date=due_date, **fields)
        except (IntegrityError, projects.CodeTaken) as e:
            # Another user took the code between our look and our insert: under READ
            # COMMITTED (PostgreSQL) their row shows either as the pre-insert check
            # (CodeTaken) or as the unique index (IntegrityError).
            taken = session.scalar(select(Project.id).where(Project.code == candidate))
            if taken is None:
                raise e from None
            if given:
                raise RuleError(
                    f"项目编号 {given} 已被使用", fix="换一个编号，或留空由系统自动编号"
                ) from None
    raise RuleError("未能分配项目编号：同时新建的项目太多", fix="稍后再提交一次")
