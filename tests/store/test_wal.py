"""SQLite runs in WAL mode with a busy timeout: a reader never blocks another user's write."""

from __future__ import annotations

from sqlalchemy import text

from lifecircle.store.db import make_engine


def test_sqlite_file_is_wal_and_a_reader_does_not_block_a_writer(tmp_path):
    engine = make_engine(tmp_path / "wal.db")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (x INTEGER)"))
        conn.execute(text("INSERT INTO t VALUES (1)"))
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 5000
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
