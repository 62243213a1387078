"""Database and broker unavailable for a while: requests fail with a clear 503 (+ Retry-After), work
resumes by itself when the service is back, nothing acknowledged is lost. Throw-away PostgreSQL and Redis
servers on their own ports are stopped and started, so no other test is disturbed."""

from __future__ import annotations

import time

import pytest
from fastapi.testclient import TestClient

from tests.integration.worker_harness import Worker, wait_for
from tests.reliability.harness import ThrowawayPostgres, ThrowawayRedis

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow]


@pytest.fixture
def services(tmp_path):
    pg = ThrowawayPostgres(tmp_path / "pg").init()
    rd = ThrowawayRedis(tmp_path).start()
    try:
        yield pg, rd
    finally:
        rd.stop()
        pg.remove()


def _ready(client, ids, timeout=90.0):
    def done():
        states = [client.get(f"/api/v1/documents/{i}").json().get("status") for i in ids]
        assert "failed" not in states, states
        return all(s == "ready" for s in states)

    wait_for(done, timeout, interval=0.5, what=f"documents {ids} ready")


def test_database_and_broker_outages_give_503_and_recover(services, make_settings, make_container, tmp_path,
                                                          pdf_bytes):
    from dms.auth import service as auth
    from dms.web.app import create_app

    pg, rd = services
    settings = make_settings(eager_tasks=False, database_url=pg.url, broker_url=rd.url)
    container = make_container(settings)
    with container.uow() as uow:
        user = auth.create_user(uow.session, None, "clerk-outage", "clerk", department="63")
        _, token = auth.create_token(uow.session, None, int(user.id), "t")
        uow.commit()
    worker = Worker(settings, tmp_path, beat=True, ocr_enabled="false", stuck_after_seconds=2, sweep_interval_seconds=1)
    worker.wait_ready()
    client = TestClient(create_app(settings, container=container), headers={"Authorization": f"Bearer {token}"},
                        raise_server_exceptions=False)
    sent: dict[int, bytes] = {}

    def upload(word: str):
        data = pdf_bytes(word)
        r = client.post("/api/v1/documents", files={"file": (f"{word}.pdf", data, "application/pdf")})
        if r.status_code == 202:
            sent[r.json()["id"]] = data
        return r

    try:
        assert upload("vorher").status_code == 202
        _ready(client, list(sent))

        # --- broker down: uploads refused with 503 before anything is stored; reads still work
        rd.stop()
        early = upload("brokerweg-sofort")  # the queue check is cached for 2 s: this one may still be taken
        assert early.status_code in (202, 503), early.text  # if taken, the recovery sweep must finish it
        time.sleep(2.5)
        r = upload("brokerweg")
        assert r.status_code == 503 and r.headers.get("Retry-After"), r.text
        assert client.get(f"/api/v1/documents/{next(iter(sent))}").status_code == 200
        rd.start()  # same port, empty (no persistence): the worker reconnects by itself
        wait_for(lambda: upload("brokerzurueck").status_code == 202, 30, interval=1, what="uploads accepted again")
        _ready(client, list(sent))

        # --- database down: clear 503 everywhere, health says so
        pg.stop()
        t0 = time.monotonic()
        for resp in (client.get("/api/v1/documents"), upload("dbweg"), client.get("/api/v1/health")):
            assert resp.status_code == 503, (resp.status_code, resp.text[:200])
            assert "detail" in resp.json() or resp.json().get("status") == "degraded"
        assert time.monotonic() - t0 < 60  # fails fast, no hanging requests
        pg.start()
        wait_for(lambda: client.get("/api/v1/documents").status_code == 200, 30, interval=0.5, what="DB back")
        assert upload("dbzurueck").status_code == 202
        _ready(client, list(sent))
        for doc_id, data in sent.items():  # every acknowledged upload, bit-exact
            assert client.get(f"/api/v1/documents/{doc_id}/original").content == data
        assert client.get("/api/v1/health").status_code == 200
    finally:
        client.close()
        worker.kill()
