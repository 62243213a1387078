"""Concurrency over HTTP against a live API with two server processes on PostgreSQL: 50 concurrent
payment runs pay each invoice exactly once; concurrent approvals of one step: one wins, the rest 409;
concurrent submissions of the same invoice file: one invoice; concurrent uploads of the same document
bytes: one stored blob, every answer 2xx, no 5xx."""

from __future__ import annotations

import hashlib
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from dms.auth import service as auth
from dms.invoices import facade, suppliers
from dms.invoices.tables import Invoice, PaymentRunItem
from tests.integration.test_invoices_postgres import invoice_xml
from tests.reliability.harness import LiveApi

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


def _user(c: Any, name: str, role: str, **kw: Any) -> tuple[Any, str]:
    with c.uow() as uow:
        u = auth.create_user(uow.session, None, name, role, **kw)
        p = auth.principal_of(uow.session, u)
        _, token = auth.create_token(uow.session, None, int(u.id), "t")
        uow.commit()
    return p, token


def _race(n: int, fn: Any) -> list[Any]:
    barrier = threading.Barrier(n)

    def go(i: int) -> Any:
        barrier.wait()
        return fn(i)

    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(go, range(n)))


@pytest.fixture(scope="module")
def live(pg_url, tmp_path_factory):
    """One migrated PostgreSQL database and one live API (two processes) for the module."""
    from dms.bootstrap import build_container
    from dms.db.migrate import upgrade
    from dms.db.uow import RecordingDispatcher
    from dms.ops.setup import ensure_dirs
    from dms.settings import Settings
    from tests.conftest import reset_pg

    reset_pg(pg_url)
    base = tmp_path_factory.mktemp("concurrency")
    settings = Settings(data_dir=base / "data", database_url=pg_url, eager_tasks=True, secret_key="test-secret",
                        search_backend="memory")
    ensure_dirs(settings)
    upgrade(settings.db_url)
    container = build_container(settings, dispatcher=RecordingDispatcher())
    api = LiveApi(settings, base, processes=2).start()
    yield container, api
    api.stop()
    container.close()


def _client(api: LiveApi, token: str) -> httpx.Client:
    return httpx.Client(base_url=api.url, headers={"Authorization": f"Bearer {token}"}, timeout=60)


def test_fifty_concurrent_payment_runs_pay_each_invoice_once(live):
    c, api = live
    with c.uow() as uow:
        s = suppliers.create_supplier(uow.session, None, "Rel GmbH", vat_id="DE123456780",
                                      ibans=["DE79000000001234567890"])
        uow.commit()
    sup, _ = _user(c, "sup1", "supplier", supplier_id=int(s.id))
    clerk, _ = _user(c, "clerk1", "clerk", department="63")
    fin_a, _ = _user(c, "fin_a", "finance", amount_limit="50000")
    fin_b, _ = _user(c, "fin_b", "finance", amount_limit="50000")
    _, runner_token = _user(c, "fin_run", "finance", amount_limit="50000")
    ids = []
    for i in range(8):
        with c.uow() as uow:
            inv = int(facade.submit(c, uow, sup, invoice_xml(f"REL-{i}"), "r.xml").invoice.id)
        for who, step in ((clerk, "factual"), (fin_a, "arithmetic"), (fin_b, "payment_order")):
            with c.uow() as uow:
                facade.decide(c, uow, who, inv, step=step, decision="approve")
        ids.append(inv)
    clients = [_client(api, runner_token) for _ in range(50)]
    responses = _race(50, lambda i: clients[i].post("/api/v1/payment-runs", json={}))
    codes = Counter(r.status_code for r in responses)
    assert all(code < 500 for code in codes), codes
    paid = [i for r in responses if r.status_code == 201 for i in r.json()["invoice_ids"]]
    assert sorted(paid) == sorted(ids), codes
    with c.uow(read_only=True) as uow:
        items = uow.session.execute(select(PaymentRunItem.invoice_id)).scalars().all()
    assert sorted(items) == sorted(ids)  # each invoice in exactly one run
    for cl in clients:
        cl.close()


def test_concurrent_approvals_one_wins_and_same_invoice_file_once(live):
    c, api = live
    with c.uow() as uow:
        s = suppliers.create_supplier(uow.session, None, "Race GmbH", vat_id="DE123456781",
                                      ibans=["DE79000000001234567890"])
        uow.commit()
    _, sup_token = _user(c, "sup2", "supplier", supplier_id=int(s.id))
    _, clerk_token = _user(c, "clerk2", "clerk", department="63")
    fins = [_user(c, f"fin{i}", "finance", amount_limit="50000")[1] for i in range(10)]

    data = invoice_xml("RACE-1")
    subs = [_client(api, sup_token) for _ in range(10)]
    answers = _race(10, lambda i: subs[i].post("/api/v1/invoices", files={"file": ("r.xml", data, "application/xml")}))
    codes = Counter(r.status_code for r in answers)
    assert codes[201] == 1 and codes[409] == 9, (codes, {
        "texts": [r.text[:200] for r in answers if r.status_code not in (201, 409)]})
    with c.uow(read_only=True) as uow:
        sha = hashlib.sha256(data).hexdigest()
        n = uow.session.execute(select(func.count()).select_from(Invoice).where(Invoice.sha256 == sha)).scalar_one()
    assert n == 1
    inv_id = next(r.json()["id"] for r in answers if r.status_code == 201)
    url = f"/api/v1/invoices/{inv_id}/decisions"
    assert _client(api, clerk_token).post(url, json={"step": "factual", "decision": "approve"}).status_code == 201
    deciders = [_client(api, t) for t in fins]
    results = _race(10, lambda i: deciders[i].post(url, json={"step": "arithmetic", "decision": "approve"}))
    assert sorted(r.status_code for r in results) == [201] + [409] * 9, [r.text[:120] for r in results]


def test_concurrent_uploads_of_the_same_file_make_one_document(live, pdf_bytes):
    c, api = live
    _, token = _user(c, "clerk3", "clerk", department="63")
    data = pdf_bytes("Gleiche Datei")
    clients = [_client(api, token) for _ in range(16)]
    answers = _race(16, lambda i: clients[i].post("/api/v1/documents", files={"file": ("same.pdf", data, "application/pdf")}))
    assert sorted(r.status_code for r in answers) == [202] + [409] * 15, [r.text[:200] for r in answers]
    sha = hashlib.sha256(data).hexdigest()
    winner = next(r.json() for r in answers if r.status_code == 202)
    assert winner["sha256"] == sha
    assert all(f"document {winner['id']}" in r.json()["detail"] for r in answers if r.status_code == 409)
    assert clients[0].get("/api/v1/documents").json()["total"] == 1
    assert [d for d in c.store.iter_digests() if d == sha] == [sha] and c.store.verify(sha)
    assert list((c.store.root / ".tmp").glob("w-*")) == []  # every concurrent writer cleaned up
