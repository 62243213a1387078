"""Finding of the 1,000-document kill -9 run: with a queue backlog older than 4x ``stuck_after_seconds``,
every recovery sweep re-sent every unclaimed document again, flooding the broker with duplicates
(9,000+ messages for 1,000 documents) and starving real work. A re-sent document now waits a full period."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from dms.db.tables import Document
from dms.db.types import utcnow
from dms.db.uow import RecordingDispatcher
from dms.worker.sweep import recovery_sweep


def test_sweep_resends_a_backlog_once_per_period(make_container, make_settings, pdf_bytes):
    dispatcher = RecordingDispatcher()
    c = make_container(make_settings(eager_tasks=False, stuck_after_seconds=3), dispatcher=dispatcher)
    from fastapi.testclient import TestClient

    from dms.auth import service as auth
    from dms.web.app import create_app

    with c.uow() as uow:
        u = auth.create_user(uow.session, None, "clerk-sweep", "clerk", department="63")
        _, token = auth.create_token(uow.session, None, int(u.id), "t")
        uow.commit()
    with TestClient(create_app(c.settings, container=c), headers={"Authorization": f"Bearer {token}"}) as client:
        ids = [client.post("/api/v1/documents", files={"file": (f"{i}.pdf", pdf_bytes(f"Stau {i}"),
                                                                "application/pdf")}).json()["id"] for i in range(5)]
    with c.uow() as uow:  # queued a minute ago, never claimed (the worker is far behind)
        uow.session.execute(update(Document).where(Document.id.in_(ids))
                            .values(updated_at=utcnow() - timedelta(seconds=60), processing_started_at=None))
        uow.commit()
    dispatcher.sent.clear()
    assert sorted(recovery_sweep(c)) == sorted(ids)
    assert sorted(a[0] for t, a in dispatcher.sent if t == "dms.ingest") == sorted(ids)
    dispatcher.sent.clear()
    recovery_sweep(c)
    recovery_sweep(c)
    assert dispatcher.sent == []  # not again until a full period has passed
