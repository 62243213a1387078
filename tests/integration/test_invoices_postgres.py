"""Exactly-once guarantees on PostgreSQL (row locks, SKIP LOCKED), with real concurrent sessions."""

from __future__ import annotations

import threading
from datetime import date
from typing import Any

import pytest
from sqlalchemy import func, select

from dms.auth import service as auth
from dms.db.uow import RecordingDispatcher
from dms.invoices import facade, payments, suppliers
from dms.invoices.errors import DecisionConflict
from dms.invoices.tables import InvoiceDecision, PaymentRunItem
from tests.paths import CORPUS_DIR

pytestmark = pytest.mark.postgres

SAMPLE = (
    CORPUS_DIR / "xrechnung-ubl" / "kosit-testsuite" / "business-cases-standard" / "01.10a-INVOICE_ubl.xml"
)


def invoice_xml(number: str) -> bytes:
    text = SAMPLE.read_text(encoding="utf-8").replace(
        "<cbc:ID>Rechnungsnummer</cbc:ID>", f"<cbc:ID>{number}</cbc:ID>", 1
    )
    return text.replace("2016-06-27", date.today().isoformat()).encode()


@pytest.fixture
def pg(make_container: Any, pg_settings: Any) -> Any:
    return make_container(pg_settings, dispatcher=RecordingDispatcher())


def _principal(c: Any, name: str, role: str, **kw: Any) -> Any:
    with c.uow() as uow:
        u = auth.create_user(uow.session, None, name, role, **kw)
        p = auth.principal_of(uow.session, u)
        uow.commit()
    return p


def _race(n: int, fn: Any) -> list[Any]:
    barrier = threading.Barrier(n)
    out: list[Any] = []
    lock = threading.Lock()

    def run(i: int) -> None:
        barrier.wait()
        try:
            res = fn(i)
        except Exception as exc:  # collected and asserted by the caller
            res = exc
        with lock:
            out.append(res)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return out


def test_concurrent_decisions_and_payment_runs_on_postgres(pg: Any) -> None:
    with pg.uow() as uow:
        s = suppliers.create_supplier(
            uow.session, None, "PG GmbH", vat_id="DE123456789", ibans=["DE79000000001234567890"]
        )
        uow.commit()
    sup = _principal(pg, "sup", "supplier", supplier_id=int(s.id))
    clerk = _principal(pg, "clerk", "clerk", department="63")
    fins = [_principal(pg, f"fin{i}", "finance", amount_limit="50000") for i in range(6)]
    ids = []
    for i in range(8):
        with pg.uow() as uow:
            ids.append(int(facade.submit(pg, uow, sup, invoice_xml(f"PG-{i}"), "r.xml").invoice.id))

    def decide(who: Any, inv_id: int, step: str) -> Any:
        with pg.uow() as uow:
            return facade.decide(pg, uow, who, inv_id, step=step, decision="approve")

    for inv_id in ids:
        decide(clerk, inv_id, "factual")
    results = _race(5, lambda i: decide(fins[i], ids[0], "arithmetic"))
    assert sum(isinstance(r, dict) for r in results) == 1
    assert sum(isinstance(r, DecisionConflict) for r in results) == 4
    with pg.uow(read_only=True) as uow:
        n = uow.session.execute(
            select(func.count()).select_from(InvoiceDecision).where(InvoiceDecision.invoice_id == ids[0])
        ).scalar_one()
        assert n == 2
    for inv_id in ids:
        if inv_id != ids[0]:
            decide(fins[1], inv_id, "arithmetic")
        view = decide(fins[5] if inv_id == ids[0] else fins[2], inv_id, "payment_order")
        assert view["status"] == "approved"

    def run(i: int) -> list[int]:
        with pg.uow() as uow:
            r = facade.create_payment_run(pg, uow, fins[3])
        with pg.uow(read_only=True) as uow:
            return payments.run_view(uow.session, r)["invoice_ids"]

    runs = _race(4, run)
    assert all(isinstance(r, list) for r in runs), runs
    assert sorted(i for r in runs for i in r) == sorted(ids)
    with pg.uow(read_only=True) as uow:
        assert uow.session.execute(select(func.count()).select_from(PaymentRunItem)).scalar_one() == len(ids)


def test_concurrent_identical_submissions_accept_one(pg: Any) -> None:
    from dms.invoices.errors import DuplicateInvoice

    with pg.uow() as uow:
        s = suppliers.create_supplier(
            uow.session, None, "PG2 GmbH", vat_id="DE123456789", ibans=["DE79000000001234567890"]
        )
        uow.commit()
    sup = _principal(pg, "sup2", "supplier", supplier_id=int(s.id))
    data = invoice_xml("PG-DUP")

    def submit(i: int) -> Any:
        with pg.uow() as uow:
            return facade.submit(pg, uow, sup, data, "r.xml").invoice.id

    results = _race(4, submit)
    assert sum(isinstance(r, int) for r in results) == 1
    assert sum(isinstance(r, DuplicateInvoice) for r in results) == 3, results
