"""SQLite runs in WAL mode with a busy timeout: a reader never blocks another user's write."""

from __future__ import annotations

from sqlalchemy import text

from lifecircle.store.db import BUSY_TIMEOUT_MS, make_engine


def test_sqlite_file_is_wal_and_a_reader_does_not_block_a_writer(tmp_path):
    engine = make_engine(tmp_path / "wal.db")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (x INTEGER)"))
        conn.execute(text("INSERT INTO t VALUES (1)"))
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == BUSY_TIMEOUT_MS
    reader = engine.connect()
    tx = reader.begin()
    assert reader.execute(text("SELECT count(*) FROM t")).scalar() == 1  # holds a read snapshot
    with engine.begin() as writer:  # would wait for the reader in rollback-journal mode
        writer.execute(text("INSERT INTO t VALUES (2)"))
    assert reader.execute(text("SELECT count(*) FROM t")).scalar() == 1  # its snapshot is stable
    tx.rollback()
    assert reader.execute(text("SELECT count(*) FROM t")).scalar() == 2
    reader.close()
    engine.dispose()


def test_concurrent_writers_queue_instead_of_failing(tmp_path):
    """Read-then-write units of work from many threads: with ``write=True`` every one lands
    (a deferred SQLite transaction would fail at once with "database is locked")."""
    import threading

    from lifecircle.store import session_scope

    engine = make_engine(tmp_path / "busy.db")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (x INTEGER)"))
        conn.execute(text("INSERT INTO t VALUES (0)"))
    errors: list[BaseException] = []
    start = threading.Barrier(8)

    def add_one() -> None:
        try:
            start.wait()
            with session_scope(engine, write=True) as s:
                v = s.execute(text("SELECT x FROM t")).scalar()
                s.execute(text("UPDATE t SET x = :v"), {"v": v + 1})
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=add_one) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with engine.connect() as conn:
        assert conn.execute(text("SELECT x FROM t")).scalar() == 8
    engine.dispose()
