"""The programme version: a stamp that every committed write to the programme changes.

Caches of derived views (一张图, circle pages, the API) are keyed by it. The stamp is bumped
in the writing transaction itself, just before it commits, so a reader that sees the new
stamp also sees the write, in any process or worker, on SQLite and PostgreSQL alike (a
maximum audit-log id would not do on PostgreSQL: ids are drawn before commit, so a later id
can be visible while an earlier one's write is not yet). Taking the row lock last, just
before commit, keeps writers from deadlocking on it. Sign-in sessions do not count: no view
shows them.
"""

from __future__ import annotations

import uuid
from typing import cast

from sqlalchemy import Connection, Table, event, insert, select, update
from sqlalchemy.orm import ORMExecuteState, Session

from lifecircle.store.models import ProgrammeVersion

CHANGED = "lifecircle_programme_changed"
_MEMO = "lifecircle_programme_version"
#: tables whose writes no derived view depends on
IGNORED = frozenset({"user_session", "audit_log", "programme_version"})
_TABLE = cast(Table, ProgrammeVersion.__table__)  # a declarative class's table


def _counts(obj: object) -> bool:
    return getattr(obj, "__tablename__", None) not in IGNORED


@event.listens_for(Session, "after_flush")
def _note_flush(session: Session, _ctx) -> None:
    if any(_counts(o) for o in (*session.new, *session.dirty, *session.deleted)):
        session.info[CHANGED] = True
        session.info.pop(_MEMO, None)


@event.listens_for(Session, "do_orm_execute")
def _note_statement(state: ORMExecuteState) -> None:
    """Bulk statements (``session.execute(delete(...))``) write without a flush."""
    if state.is_insert or state.is_update or state.is_delete:
        table = getattr(state.statement, "table", None)
        if getattr(table, "name", None) not in IGNORED:
            state.session.info[CHANGED] = True
            state.session.info.pop(_MEMO, None)


def note_write(session: Session) -> None:
    """For writes on ``session.connection()`` that the ORM events do not see."""
    session.info[CHANGED] = True
    session.info.pop(_MEMO, None)


@event.listens_for(Session, "before_commit")
def _bump_on_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint: the outer transaction bumps when it commits
    session.flush()  # the last changes (commit would flush them after this event)
    if session.info.pop(CHANGED, False):
        bump(session.connection())


def bump(conn: Connection) -> None:
    """A new stamp, in ``conn``'s transaction (also for writes outside the ORM: restore)."""
    stamp = uuid.uuid4().hex
    done = conn.execute(update(_TABLE).values(stamp=stamp, writes=_TABLE.c.writes + 1))
    if done.rowcount == 0:  # a database restored from a dump without the row
        conn.execute(insert(_TABLE).values(id=1, stamp=stamp, writes=1))


def programme_version(session: Session) -> str | None:
    """The stamp as ``session`` sees it, or None when it must not be trusted for caching:
    the session has written and not committed (its reads see its own writes), or the
    database has no version row. Read once per unit of work."""
    if session.info.get(CHANGED):
        return None
    if _MEMO in session.info:
        memo: str | None = session.info[_MEMO]
        return memo
    stamp = session.execute(select(_TABLE.c.stamp).where(_TABLE.c.id == 1)).scalar()
    session.info[_MEMO] = stamp
    return stamp


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(_MEMO, None)  # the next transaction may see a newer stamp
