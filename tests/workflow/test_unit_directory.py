"""The unit directory kept for a transaction answers as one built afresh would."""

from __future__ import annotations

from sqlalchemy import delete, select

from lifecircle.store.models import Unit
from lifecircle.workflow._common import get_unit
from lifecircle.workflow.units import _CACHE, UnitDirectory


def _fresh(session) -> UnitDirectory:
    session.info.pop(_CACHE, None)
    return UnitDirectory.load(session)


def test_directory_is_kept_and_follows_changes(programme) -> None:
    s = programme
    first = UnitDirectory.load(s)
    assert UnitDirectory.load(s) is first  # kept within the transaction
    assert get_unit(s, "区教育局") is first.find("区教育局")

    s.add(Unit(code="xjdw", name="区新建单位", kind="department"))
    assert get_unit(s, "区新建单位").code == "xjdw"  # added: built again (autoflushed)

    unit = s.scalar(select(Unit).where(Unit.code == "xjdw"))
    unit.name = "区改名单位"
    found = UnitDirectory.load(s)
    assert found.find("区改名单位") is unit and found.find("区新建单位") is None
    assert found.by_key == _fresh(s).by_key

    s.execute(delete(Unit).where(Unit.code == "xjdw"))  # a statement: forgotten as well
    assert UnitDirectory.load(s).find("区改名单位") is None

    with s.no_autoflush:  # no flush: pending units are seen as the query would see them
        s.add(Unit(code="dd", name="区待定单位", kind="department"))
        assert UnitDirectory.load(s).by_key.keys() == _fresh(s).by_key.keys()
    s.commit()
    assert _CACHE not in s.info  # a new transaction builds its own
