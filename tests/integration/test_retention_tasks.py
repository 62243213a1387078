"""The scheduled jobs: fixity check (Celery beat) and resuming interrupted disposals."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

import dms.retention_tasks as tasks
from dms.bootstrap import PERIODIC_TASKS
from dms.retention_fixity import fixity_health, fixity_health_check
from dms.retention_service import approve, open_disposal
from dms.retention_tables import DisposalRequestRow
from tests.integration.test_retention_support import OLD, Env, make_env


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Env]:
    with make_env(tmp_path) as e:
        monkeypatch.setattr(tasks, "get_container", lambda: e.container)
        yield e


def test_beat_schedules_fixity_and_resume() -> None:
    assert PERIODIC_TASKS["retention-fixity"][0] == tasks.FIXITY_TASK
    assert PERIODIC_TASKS["retention-resume-disposals"][0] == tasks.RESUME_TASK


def test_fixity_task_records_health(env: Env) -> None:
    env.doc(b"a", document_date=OLD.isoformat())
    assert fixity_health_check(env.container) == "never run"
    assert tasks.fixity_check_task.run()["healthy"] is True
    with env.container.uow(read_only=True) as uow:
        assert fixity_health(uow.session)["status"] == "ok"
    assert fixity_health_check(env.container).startswith("ok (run 1")
    for blob in (Path(env.container.settings.store_path)).rglob("*"):
        if blob.is_file() and ".tmp" not in blob.parts:
            blob.unlink()
    assert tasks.fixity_check_task.run()["healthy"] is False
    assert fixity_health_check(env.container) == "error: 0 mismatching, 1 missing blob(s) in fixity run 2"


def test_resume_task_finishes_approved_disposals(env: Env) -> None:
    doc = env.doc(b"old", document_date=OLD.isoformat(), retention_class="ao147-belege")
    with env.container.uow() as uow:
        rid = int(open_disposal(uow.session, env.settings, env.users["rm1"], [doc]).id or 0)
        uow.commit()
    with env.container.uow() as uow:
        approve(uow.session, env.users["rm2"], rid)  # approved, but the executing process died
        uow.commit()
    assert tasks.resume_disposals_task.run() == [rid]
    with env.container.uow(read_only=True) as uow:
        row = uow.session.execute(select(DisposalRequestRow).where(DisposalRequestRow.id == rid)).scalar_one()
        assert row.state == "completed" and row.certificate is not None
    assert tasks.resume_disposals_task.run() == []
