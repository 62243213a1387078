"""Upload → ready with REAL Celery worker processes, in both modes:

- embedded: SQLite database + the durable local SQLite broker (no server),
- scale-out: PostgreSQL + Redis.

Each mode: upload → ready; documents queued while no worker runs survive and finish after a (re)start;
a worker killed (SIGKILL) mid-job loses nothing: the document is retried and ends ready.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from dms.auth import service as auth
from dms.db.tables import Document
from dms.web.app import create_app
from tests.integration.worker_harness import Worker, wait_for

pytestmark = pytest.mark.slow


def _mode_settings(mode: str, make_settings, request):
    if mode == "embedded":
        return make_settings(eager_tasks=False)
    pg_url = request.getfixturevalue("pg_url")
    redis_url = request.getfixturevalue("redis_url")
    from tests.conftest import reset_pg

    reset_pg(pg_url)
    return make_settings(eager_tasks=False, database_url=pg_url, broker_url=redis_url)


@pytest.fixture(
    params=[
        pytest.param("embedded", id="embedded"),
        pytest.param("scaleout", id="postgres+redis", marks=[pytest.mark.postgres, pytest.mark.redis]),
    ]
)
def env(request, make_settings, make_container, tmp_path):
    settings = _mode_settings(request.param, make_settings, request)
    container = make_container(settings)  # migrates; CeleryDispatcher on the mode's broker
    with container.uow() as uow:
        user = auth.create_user(uow.session, None, "clerk", "clerk", department="63")
        _, token = auth.create_token(uow.session, None, user.id)
        uow.commit()
    workers: list[Worker] = []

    class Env:
        mode = request.param

        def __init__(self) -> None:
            self.settings, self.container = settings, container
            self.client = TestClient(
                create_app(settings, container=container), headers={"Authorization": f"Bearer {token}"}
            )

        def worker(self, **kw) -> Worker:
            kw.setdefault("ocr_enabled", "false")  # reliability of the queue, not OCR speed, is tested here
            w = Worker(settings, tmp_path, **kw)
            workers.append(w)
            w.wait_ready()
            return w

        def upload(self, data: bytes, name: str = "doc.pdf") -> int:
            r = self.client.post("/api/v1/documents", files={"file": (name, data)})
            assert r.status_code == 202, r.text
            return r.json()["id"]

        def status(self, doc_id: int) -> str:
            return self.client.get(f"/api/v1/documents/{doc_id}").json()["status"]

        def wait_ready(self, ids: list[int], timeout: float = 60) -> None:
            def done() -> bool:
                states = [self.status(i) for i in ids]
                assert "failed" not in states, states
                return all(s == "ready" for s in states)

            try:
                wait_for(done, timeout, what=f"documents {ids} ready")
            except TimeoutError:
                logs = "\n---\n".join(w.log() for w in workers)
                raise AssertionError(
                    f"not ready: {[self.status(i) for i in ids]}\nworker logs:\n{logs}"
                ) from None

    e = Env()
    yield e
    for w in workers:
        w.kill()  # cleanup only (a warm shutdown takes seconds); graceful stops are tested explicitly
    e.client.close()


def test_upload_becomes_ready(env, pdf_bytes):
    env.worker()
    doc_id = env.upload(pdf_bytes("Bescheid"))
    env.wait_ready([doc_id])
    text = env.client.get(f"/api/v1/documents/{doc_id}/text").json()["content"]
    assert "Bescheid" in text


def test_queued_documents_survive_until_a_worker_starts(env, pdf_bytes):
    first = env.worker()
    a = env.upload(pdf_bytes("vorher"))
    env.wait_ready([a])
    first.stop()
    queued = [env.upload(pdf_bytes(f"während {i}")) for i in range(3)]
    assert all(env.status(i) == "processing" for i in queued)
    env.worker()  # a new worker process after the "restart"
    env.wait_ready(queued)


def test_killed_worker_loses_nothing(env, pdf_bytes):
    slow = env.worker(ingest_debug_delay=30, stuck_after_seconds=2)
    doc_id = env.upload(pdf_bytes("unterbrochen"))

    def claimed() -> bool:
        with env.container.uow(read_only=True) as uow:
            doc = uow.session.execute(select(Document).where(Document.id == doc_id)).scalar_one()
            return doc.processing_attempts >= 1

    wait_for(claimed, 30, what="the job to start")
    slow.kill()
    assert env.status(doc_id) == "processing"
    env.worker(stuck_after_seconds=2, sweep_interval_seconds=1, beat=True)
    env.wait_ready([doc_id], timeout=60)
    with env.container.uow(read_only=True) as uow:
        doc = uow.session.get(Document, doc_id)
        assert doc.processing_attempts >= 2
