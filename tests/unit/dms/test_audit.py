"""The hash-chained audit log: appends, verification, tamper detection (edit, delete, truncate)."""

from __future__ import annotations

from sqlalchemy import text

from dms import audit
from dms.domain.principal import Principal

P = Principal(user_id=1, username="admin", role="admin")


def _append(container, n: int) -> None:
    with container.uow() as uow:
        for i in range(n):
            audit.record(uow.session, P, "test.event", "document", i, {"i": i, "ä": "ü"})
        uow.commit()


def _verify(container):
    with container.db.read.connect() as conn:
        return audit.verify_chain(conn)


def _exec(container, sql: str) -> None:
    with container.db.write.begin() as conn:
        conn.execute(text(sql))


def test_chain_is_intact_and_linked(container):
    _append(container, 5)
    _append(container, 3)
    r = _verify(container)
    assert r.ok and r.rows == 8
    with container.db.read.connect() as conn:
        rows = conn.execute(text("SELECT prev_hash, row_hash FROM audit_log ORDER BY id")).all()
    assert rows[0][0] == audit.GENESIS
    assert all(rows[i][0] == rows[i - 1][1] for i in range(1, len(rows)))


def test_rolled_back_appends_leave_no_gap(container):
    _append(container, 2)
    with container.uow() as uow:
        audit.record(uow.session, P, "lost", "x", 1)
        uow.rollback()
    _append(container, 1)
    assert _verify(container).ok


def test_edited_row_is_named(container):
    _append(container, 6)
    _exec(container, "UPDATE audit_log SET details = 'changed' WHERE id = 4")
    r = _verify(container)
    assert not r.ok and r.broken_id == 4 and "hash" in (r.reason or "")


def test_deleted_row_is_named(container):
    _append(container, 6)
    _exec(container, "DELETE FROM audit_log WHERE id = 3")
    r = _verify(container)
    assert not r.ok and r.broken_id == 3 and "row 3 is missing" in (r.reason or "")


def test_deleted_first_row_is_named(container):
    _append(container, 3)
    _exec(container, "DELETE FROM audit_log WHERE id = 1")
    r = _verify(container)
    assert not r.ok and r.broken_id == 1 and "row 1 is missing" in (r.reason or "")


def test_truncated_tail_is_detected(container):
    _append(container, 6)
    _exec(container, "DELETE FROM audit_log WHERE id >= 5")
    r = _verify(container)
    assert not r.ok and r.broken_id == 5


def test_cli_verify_exit_codes(container, monkeypatch):
    from typer.testing import CliRunner

    from dms import cli
    from dms.settings import get_settings

    _append(container, 3)
    monkeypatch.setenv("AKTENWERK_DATA_DIR", str(container.settings.data_path))
    monkeypatch.setenv("AKTENWERK_DATABASE_URL", container.settings.db_url)
    get_settings.cache_clear()
    try:
        ok = CliRunner().invoke(cli.app, ["audit", "verify"])
        assert ok.exit_code == 0, ok.output
        assert "intact" in ok.output
        _exec(container, "UPDATE audit_log SET actor = 'mallory' WHERE id = 2")
        bad = CliRunner().invoke(cli.app, ["audit", "verify"])
        assert bad.exit_code == 1
        assert "row 2" in bad.output
    finally:
        get_settings.cache_clear()


def _verify_with_appends_midway(container, monkeypatch, appended: int):
    """verify_chain in batches of 2 while another connection commits appends after the first batch."""
    real = audit._batches

    def batches_then_append(conn, batch):
        _append(container, appended - 1)  # committed after the head was read, before the rows are
        for i, rows in enumerate(real(conn, batch)):
            yield rows
            if i == 0:
                _append(container, 1)  # committed while the rows stream

    monkeypatch.setattr(audit, "_batches", batches_then_append)
    with container.db.read.connect() as conn:
        return audit.verify_chain(conn, batch=2)


def test_appends_during_a_verify_are_not_mistaken_for_tampering(container, monkeypatch):
    """Head and rows come from one snapshot: rows appended meanwhile are simply not part of this run."""
    _append(container, 5)
    r = _verify_with_appends_midway(container, monkeypatch, 3)
    assert r.ok and r.rows == 5, r.reason
    monkeypatch.undo()
    assert _verify(container).ok and _verify(container).rows == 8

