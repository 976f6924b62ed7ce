"""Responsible units and streets by any name an office writes: code, full name, short name."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field

from sqlalchemy import event, select
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction

from lifecircle.store.models import Street, Unit
from lifecircle.workflow import config

#: Words in a 责任单位 cell that mean "the street office of the circle" (各街道 in the plan).
STREET_PLACEHOLDERS = frozenset({"各街道", "相关街道", "属地街道", "所在街道", "街道", "各街镇"})
_SPLIT = re.compile(r"[、，,；;/／\n]+|\s{2,}")
_PARENS = str.maketrans({"（": "(", "）": ")", "\u3000": " "})
#: session.info key of the directory built in the session's transaction (see UnitDirectory.load)
_CACHE = "lifecircle_unit_directory"


def _prefixes() -> tuple[str, ...]:
    d = config.units_data().get("district", {})
    name = str(d.get("name", ""))
    return tuple(p for p in ("长沙市" + name, "长沙市", name) if p)


def unit_key(text: object) -> str:
    """A unit name as compared: no spaces, no city/district prefix, no leading 区, no
    trailing 办事处 / 人民政府 (侯家塘街道办事处 is 侯家塘街道)."""
    key = re.sub(r"\s+", "", str(text or "").translate(_PARENS))
    for prefix in _prefixes():
        if key.startswith(prefix) and len(key) > len(prefix):
            key = key[len(prefix) :]
            break
    key = key.removeprefix("区") if len(key) > 2 else key
    for suffix in ("办事处", "人民政府"):
        if key.endswith(suffix) and len(key) > len(suffix) + 1:
            key = key[: -len(suffix)]
    return key


def split_units(text: object) -> list[str]:
    """The unit names of one cell: ``区住建局、各街道`` → ``["区住建局", "各街道"]``."""
    return [p.strip() for p in _SPLIT.split(str(text or "")) if p.strip()]


def unit_aliases() -> dict[str, tuple[str, ...]]:
    """unit code -> the other names of that unit (``units.yaml``)."""
    return {
        str(u["code"]): tuple(str(a) for a in u.get("aliases", ()))
        for u in config.units_data().get("units", [])
    }


@dataclass
class UnitDirectory:
    """Every unit of the database under every name it may be written with.

    Built once per import (one query), then asked for each cell.
    """

    by_key: dict[str, Unit] = field(default_factory=dict)
    ambiguous: set[str] = field(default_factory=set)
    names: list[str] = field(default_factory=list)

    @classmethod
    def load(cls, session: Session) -> UnitDirectory:
        """The units of the database with their aliases.

        Built once per transaction and kept until a flush or statement of the session
        changes units or streets, or the transaction ends: a programme names a unit per
        project, and building the directory costs milliseconds each time. The autoflush
        of the queries it replaces is kept, so flushes (and audit entries) fall as before.
        """
        if session.autoflush:
            session.flush()
        cached = session.info.get(_CACHE)
        pending = (*session.new, *session.dirty, *session.deleted)  # none after the flush
        if isinstance(cached, cls) and not any(isinstance(o, Unit | Street) for o in pending):
            return cached
        directory = cls()
        aliases = unit_aliases()
        units = list(session.scalars(select(Unit).order_by(Unit.id)))
        streets = {s.id: s for s in session.scalars(select(Street))}
        for unit in units:
            directory.names.append(unit.name)
            keys = [unit.code, unit.name, *aliases.get(unit.code, ())]
            if unit.kind == "street":
                street = streets.get(unit.street_id) if unit.street_id else None
                base = street.name if street is not None else unit.name
                keys += [base, re.sub(r"(街道|镇|乡)$", "", base)]
            for key in {unit_key(k) for k in keys if k} | {str(unit.code)}:
                directory._add(key, unit)
        session.info[_CACHE] = directory
        return directory

    def _add(self, key: str, unit: Unit) -> None:
        other = self.by_key.get(key)
        if other is not None and other.id != unit.id:
            self.ambiguous.add(key)
        else:
            self.by_key[key] = unit

    def find(self, text: object) -> Unit | None:
        """The unit written as ``text``, or None (unknown or ambiguous)."""
        raw = str(text or "").strip()
        for key in (raw, unit_key(raw)):
            if key and key not in self.ambiguous and key in self.by_key:
                return self.by_key[key]
        return None

    def suggest(self, text: object, n: int = 3) -> list[str]:
        """Unit names close to ``text``, for the fix of a message."""
        key = unit_key(text)
        keys = [unit_key(x) for x in self.names]
        near = difflib.get_close_matches(key, keys, n=n, cutoff=0.4)
        pairs = {key[i : i + 2] for i in range(len(key) - 1)} - {"街道", "中心", "分局"}
        near += [k for k in keys if any(p in k for p in pairs) and k not in near]
        out: list[str] = []
        for k in near:
            unit = self.by_key.get(k)
            if unit is not None and unit.name not in out:
                out.append(unit.name)
        return out[:n]


def _forget(session: Session, *_: object) -> None:
    session.info.pop(_CACHE, None)


for _name in ("after_commit", "after_rollback", "after_soft_rollback"):
    event.listen(Session, _name, _forget)


@event.listens_for(Session, "after_flush")
def _forget_changed(session: Session, _ctx: UOWTransaction) -> None:
    changed = (*session.new, *session.dirty, *session.deleted)
    if any(isinstance(o, Unit | Street) for o in changed):
        _forget(session)


@event.listens_for(Session, "do_orm_execute")
def _forget_written(state: ORMExecuteState) -> None:
    if not state.is_select:  # an UPDATE/DELETE/INSERT statement or text: may touch units
        _forget(state.session)


def find_unit(session: Session, text: object) -> Unit | None:
    """The unit written as ``text`` (code, full name, short name or alias), or None.

    Parameters
    ----------
    session : sqlalchemy.orm.Session
    text : str
        As an office writes it: ``区住建局``, ``雨花区住房和城乡建设局``, ``zjj``,
        ``侯家塘街道办事处``.

    Returns
    -------
    Unit or None
    """
    return UnitDirectory.load(session).find(text)


def street_key(text: object) -> str:
    """A street name as compared: 侯家塘, 侯家塘街道 and 侯家塘街道办事处 are one street."""
    return re.sub(r"(街道|镇|乡)$", "", unit_key(text))


def find_street(session: Session, text: object) -> Street | None:
    """The street written as ``text`` (with or without 街道/办事处), or None when unknown
    or ambiguous.

    Parameters
    ----------
    session : sqlalchemy.orm.Session
    text : str

    Returns
    -------
    Street or None
    """
    raw = str(text or "").strip()
    streets = list(session.scalars(select(Street)))
    exact = [s for s in streets if s.name == raw]
    if exact:
        return exact[0]
    key = street_key(raw)
    hits = [s for s in streets if street_key(s.name) == key]
    return hits[0] if len(hits) == 1 else None
