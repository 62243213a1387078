"""The invoice workflow's HTTP interface as the acceptance checks use it (shared app/client fixtures)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select

from dms.db.tables import DocumentVersion
from dms.invoices import suppliers
from einvoice.payment.sepa import summarize_pain001, validate_pain001
from tests.paths import CORPUS_DIR

SAMPLE = (
    CORPUS_DIR / "xrechnung-ubl" / "kosit-testsuite" / "business-cases-standard" / "01.10a-INVOICE_ubl.xml"
)
SAMPLE_IBAN = "DE79000000001234567890"


def invoice_xml(number: str, *, iban: str = SAMPLE_IBAN) -> bytes:
    text = SAMPLE.read_text(encoding="utf-8")
    text = text.replace("<cbc:ID>Rechnungsnummer</cbc:ID>", f"<cbc:ID>{number}</cbc:ID>", 1)
    text = text.replace("2016-06-27", date.today().isoformat()).replace(SAMPLE_IBAN, iban)
    return text.encode("utf-8")


@pytest.fixture
def setup(container: Any, client_as: Any) -> dict[str, Any]:
    with container.uow() as uow:
        s = suppliers.create_supplier(
            uow.session, None, "Lieferant GmbH", vat_id="DE123456789", ibans=[SAMPLE_IBAN]
        )
        uow.commit()
        supplier_id = int(s.id)
    return {
        "supplier_id": supplier_id,
        "supplier": client_as("supplier", supplier_id=supplier_id),
        "clerk": client_as("clerk", department="63"),
        "fin_a": client_as("finance", amount_limit="50000"),
        "fin_b": client_as("finance", amount_limit="50000"),
        "fin_small": client_as("finance", amount_limit="100"),
        "auditor": client_as("auditor"),
    }


def post_invoice(client: Any, data: bytes, name: str = "rechnung.xml", **headers: str) -> Any:
    return client.post("/api/v1/invoices", files={"file": (name, data, "application/xml")}, headers=headers)


def approve(s: dict[str, Any], invoice_id: int) -> None:
    for who, step in (("clerk", "factual"), ("fin_a", "arithmetic"), ("fin_b", "payment_order")):
        r = s[who].post(
            f"/api/v1/invoices/{invoice_id}/decisions", json={"step": step, "decision": "approve"}
        )
        assert r.status_code == 201, r.text


def test_submit_get_and_duplicates(setup: dict[str, Any]) -> None:
    sup = setup["supplier"]
    data = invoice_xml("API-1")
    r = post_invoice(sup, data, **{"Idempotency-Key": "abc"})
    assert r.status_code == 201, r.text
    body = r.json()
    assert set(body) >= {"id", "status", "validation"}
    assert body["status"] == "in_approval"
    assert body["validation"]["valid"] is True and isinstance(body["validation"]["findings"], list)
    replay = post_invoice(sup, data, **{"Idempotency-Key": "abc"})
    assert replay.status_code == 201 and replay.json()["id"] == body["id"]
    assert post_invoice(sup, data).status_code == 409  # same file again
    g = sup.get(f"/api/v1/invoices/{body['id']}")
    assert g.status_code == 200
    view = g.json()
    for key in (
        "id",
        "status",
        "supplier",
        "invoice_number",
        "amount_due",
        "due_date",
        "skonto_deadline",
        "steps",
    ):
        assert key in view
    assert view["invoice_number"] == "API-1" and view["amount_due"] == "2594.20" and view["steps"] == []


def test_invalid_invoice_gets_422_with_report(setup: dict[str, Any]) -> None:
    r = post_invoice(setup["supplier"], b"<Invoice>kaputt</Invoice>")
    assert r.status_code == 422
    body = r.json()
    assert body["validation"]["valid"] is False and body["validation"]["findings"]
    assert body["status"] == "rejected"
    assert setup["supplier"].get(f"/api/v1/invoices/{body['id']}").json()["status"] == "rejected"


def test_roles_and_supplier_isolation(setup: dict[str, Any], client_as: Any, container: Any) -> None:
    assert post_invoice(setup["clerk"], invoice_xml("API-2")).status_code == 403
    inv_id = post_invoice(setup["supplier"], invoice_xml("API-3")).json()["id"]
    with container.uow() as uow:
        other = suppliers.create_supplier(uow.session, None, "Andere AG")
        uow.commit()
    stranger = client_as("supplier", supplier_id=int(other.id))
    assert stranger.get(f"/api/v1/invoices/{inv_id}").status_code == 404
    assert setup["auditor"].get(f"/api/v1/invoices/{inv_id}").status_code == 200
    own = setup["supplier"].get("/api/v1/invoices?view=recent").json()["items"]
    assert [i["id"] for i in own] == [inv_id]
    assert stranger.get("/api/v1/invoices?view=recent").json()["items"] == []
    r = setup["supplier"].post(
        f"/api/v1/invoices/{inv_id}/decisions", json={"step": "factual", "decision": "approve"}
    )
    assert r.status_code == 403


def test_decisions_separation_of_duties_and_limit(setup: dict[str, Any], container: Any) -> None:
    inv_id = post_invoice(setup["supplier"], invoice_xml("API-4")).json()["id"]
    url = f"/api/v1/invoices/{inv_id}/decisions"
    fin_a = setup["fin_a"]
    assert (
        fin_a.post(url, json={"step": "factual", "decision": "approve", "comment": "ok"}).status_code == 201
    )
    second = fin_a.post(url, json={"step": "arithmetic", "decision": "approve"})
    assert second.status_code == 403
    assert "Vier-Augen-Prinzip" in second.json()["detail"]
    assert setup["fin_b"].post(url, json={"step": "arithmetic", "decision": "approve"}).status_code == 201
    limited = setup["fin_small"].post(url, json={"step": "payment_order", "decision": "approve"})
    assert limited.status_code == 403 and "Betragsgrenze" in limited.json()["detail"]
    wrong = setup["clerk"].post(url, json={"step": "factual", "decision": "approve"})
    assert wrong.status_code == 409
    bad = setup["clerk"].post(url, json={"step": "sachlich", "decision": "approve"})
    assert bad.status_code == 422
    view = setup["auditor"].get(f"/api/v1/invoices/{inv_id}").json()
    assert [(s["step"], s["decision"]) for s in view["steps"]] == [
        ("factual", "approve"),
        ("arithmetic", "approve"),
    ]
    assert all({"step", "decision", "user", "at"} <= set(s) for s in view["steps"])
    with container.uow(read_only=True) as uow:  # inline jobs: the archived trail got a version per decision
        n = uow.session.execute(
            select(func.count())
            .select_from(DocumentVersion)
            .where(DocumentVersion.document_id == view["archive"]["trail"])
        ).scalar_one()
    assert n == 3


def test_concurrent_decisions_one_wins_rest_409(setup: dict[str, Any], client_as: Any) -> None:
    inv_id = post_invoice(setup["supplier"], invoice_xml("API-5")).json()["id"]
    url = f"/api/v1/invoices/{inv_id}/decisions"
    assert setup["clerk"].post(url, json={"step": "factual", "decision": "approve"}).status_code == 201
    clients = [client_as("finance", amount_limit="50000") for _ in range(4)]
    barrier = threading.Barrier(len(clients))

    def go(c: Any) -> int:
        barrier.wait()
        return c.post(url, json={"step": "arithmetic", "decision": "approve"}).status_code

    with ThreadPoolExecutor(len(clients)) as pool:
        codes = sorted(pool.map(go, clients))
    assert codes == [201, 409, 409, 409]


def test_iban_hold_and_confirm(setup: dict[str, Any]) -> None:
    r = post_invoice(setup["supplier"], invoice_xml("API-6", iban="DE02120300000000202051"))
    assert r.status_code == 201 and r.json()["status"] == "held"
    inv_id = r.json()["id"]
    assert "IBAN changed" in r.json()["held_reason"]
    assert setup["clerk"].post(f"/api/v1/invoices/{inv_id}/confirm-iban").status_code == 403
    ok = setup["fin_a"].post(f"/api/v1/invoices/{inv_id}/confirm-iban")
    assert ok.status_code == 200 and ok.json()["status"] == "in_approval"


def test_payment_runs_exactly_once_pain001_and_booking_export(setup: dict[str, Any]) -> None:
    ids = [post_invoice(setup["supplier"], invoice_xml(f"API-P{i}")).json()["id"] for i in range(3)]
    for inv_id in ids:
        approve(setup, inv_id)

    def run(_: int) -> Any:
        return setup["fin_a"].post("/api/v1/payment-runs")

    with ThreadPoolExecutor(3) as pool:
        responses = list(pool.map(run, range(3)))
    assert all(r.status_code == 201 for r in responses), [r.text for r in responses]
    paid = [i for r in responses for i in r.json()["invoice_ids"]]
    assert sorted(paid) == sorted(ids)
    full = next(r.json() for r in responses if r.json()["invoice_ids"])
    assert set(full) >= {"id", "invoice_ids", "total"}
    xml = setup["fin_a"].get(f"/api/v1/payment-runs/{full['id']}/pain001")
    assert xml.status_code == 200 and xml.headers["content-type"].startswith("application/xml")
    assert validate_pain001(xml.content) == []
    assert summarize_pain001(xml.content).control_sum == Decimal(full["total"])
    assert Decimal(full["total"]) == Decimal("2542.32") * len(full["invoice_ids"])  # Skonto 2 % in time
    csv_export = setup["fin_a"].get(f"/api/v1/payment-runs/{full['id']}/booking-export?format=csv")
    assert csv_export.status_code == 200 and csv_export.text.count("\n") == 1 + len(full["invoice_ids"])
    js = setup["auditor"].get(f"/api/v1/payment-runs/{full['id']}/booking-export?format=json").json()
    assert sorted(b["invoice_id"] for b in js["bookings"]) == sorted(full["invoice_ids"])
    assert setup["clerk"].post("/api/v1/payment-runs").status_code == 403
    assert setup["fin_a"].get(f"/api/v1/invoices/{ids[0]}").json()["status"] == "scheduled"


def test_supplier_admin_routes(client_as: Any) -> None:
    fin = client_as("finance", amount_limit="1000")
    r = fin.post(
        "/api/v1/suppliers",
        json={"name": "Neu GmbH", "vat_id": "DE111111111", "ibans": ["DE89 3704 0044 0532 0130 00"]},
    )
    assert r.status_code == 201 and r.json()["ibans"] == ["DE89370400440532013000"]
    bad = fin.post("/api/v1/suppliers", json={"name": "X", "ibans": ["DE00"]})
    assert bad.status_code == 422
    admin = client_as("admin")
    rule = admin.post(
        "/api/v1/invoice-routing-rules", json={"leitweg_id": "04011000-12350-85", "department": "63"}
    )
    assert rule.status_code == 201
    assert (
        fin.post("/api/v1/invoice-routing-rules", json={"leitweg_id": "x", "department": "63"}).status_code
        == 403
    )
    chain = admin.put(
        "/api/v1/approval-chains/51",
        json=[{"step": "factual", "roles": ["clerk"]}, {"step": "payment_order", "roles": ["finance"]}],
    )
    assert chain.status_code == 200
    assert (
        admin.put("/api/v1/approval-chains/51", json=[{"step": "factual", "roles": ["clerk"]}]).status_code
        == 422
    )
    assert "51" in fin.get("/api/v1/approval-chains").json()["departments"]
    # ids that name nothing used to be stored (201): a rule for user 999999 or supplier 999999
    for dangling in ({"assignee_id": 999999}, {"supplier_id": 999999}):
        r = admin.post(
            "/api/v1/invoice-routing-rules", json={"leitweg_id": "y", "department": "63", **dangling}
        )
        assert r.status_code == 422 and "999999" in r.json()["detail"]


def test_execute_reconcile_reject_to_supplier_and_empty_run(setup: dict[str, Any]) -> None:
    fin = setup["fin_a"]
    empty = fin.post("/api/v1/payment-runs", json={})
    assert empty.status_code == 201 and empty.json()["invoice_ids"] == [] and empty.json()["total"] == "0.00"
    assert fin.get(f"/api/v1/payment-runs/{empty.json()['id']}/pain001").status_code == 404
    returned = post_invoice(setup["supplier"], invoice_xml("API-R")).json()["id"]
    r = setup["clerk"].post(
        f"/api/v1/invoices/{returned}/decisions",
        json={"step": "factual", "decision": "reject", "comment": "nicht bestellt", "reject_to": "supplier"},
    )
    assert r.status_code == 201 and r.json()["status"] == "returned"
    inv_id = post_invoice(setup["supplier"], invoice_xml("API-X")).json()["id"]
    approve(setup, inv_id)
    run = fin.post("/api/v1/payment-runs", json={"execution_date": date.today().isoformat()}).json()
    assert run["invoice_ids"] == [inv_id]
    assert fin.post(f"/api/v1/payment-runs/{run['id']}/executed").json()["status"] == "executed"
    assert fin.get(f"/api/v1/invoices/{inv_id}").json()["status"] == "paid"
    detail = fin.get(f"/api/v1/payment-runs/{run['id']}").json()
    (item,) = detail["items"]
    camt = (
        "<Document xmlns='urn:iso:std:iso:20022:tech:xsd:camt.053.001.08'><BkToCstmrStmt><Stmt><Id>S1</Id>"
        f"<Ntry><Amt Ccy='EUR'>{item['amount']}</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>"
        f"<NtryDtls><TxDtls><Refs><EndToEndId>{item['end_to_end_id']}</EndToEndId></Refs></TxDtls></NtryDtls>"
        "</Ntry></Stmt></BkToCstmrStmt></Document>"
    ).encode()
    rec = fin.post(
        f"/api/v1/payment-runs/{run['id']}/reconcile", files={"file": ("auszug.xml", camt, "application/xml")}
    )
    assert rec.status_code == 200 and rec.json()["status"] == "reconciled"
    bad = fin.post(
        f"/api/v1/payment-runs/{run['id']}/reconcile", files={"file": ("x.xml", b"<x/>", "application/xml")}
    )
    assert bad.status_code == 422
    past = fin.post("/api/v1/payment-runs", json={"execution_date": "2000-01-01"})
    assert past.status_code == 422


def test_late_payment_view_with_interest_estimate(setup: dict[str, Any]) -> None:
    from datetime import timedelta

    overdue = date.today() - timedelta(days=10)
    data = invoice_xml("API-LATE").replace(
        f"<cbc:IssueDate>{date.today().isoformat()}</cbc:IssueDate>".encode(),
        f"<cbc:IssueDate>{date.today().isoformat()}</cbc:IssueDate><cbc:DueDate>{overdue.isoformat()}</cbc:DueDate>".encode(),
    )
    r = post_invoice(setup["supplier"], data)
    assert r.status_code == 201, r.text
    late = setup["fin_a"].get("/api/v1/invoices?view=late").json()
    (item,) = late["items"]
    assert item["id"] == r.json()["id"] and item["days_late"] == 10
    assert Decimal(item["interest_estimate"]) > 0 and item["flat_fee"] == "40.00"
    assert setup["supplier"].get("/api/v1/invoices?view=late").status_code == 403


def test_deputyship_routes(setup: dict[str, Any], client_as: Any) -> None:
    fin = setup["fin_a"]
    absent, deputy = setup["clerk"].principal.user_id, client_as("clerk", department="63").principal.user_id
    today = date.today().isoformat()
    r = fin.post(
        "/api/v1/deputyships", json={"absent_id": absent, "deputy_id": deputy, "start": today, "end": today}
    )
    assert r.status_code == 201
    dep_id = r.json()["id"]
    assert [d["id"] for d in setup["auditor"].get("/api/v1/deputyships").json()] == [dep_id]
    bad = fin.post(
        "/api/v1/deputyships", json={"absent_id": absent, "deputy_id": absent, "start": today, "end": today}
    )
    assert bad.status_code == 422
    nobody = fin.post(  # a deputy who does not exist used to be accepted
        "/api/v1/deputyships", json={"absent_id": absent, "deputy_id": 999999, "start": today, "end": today}
    )
    assert nobody.status_code == 422 and "999999" in nobody.json()["detail"]
    assert setup["clerk"].delete(f"/api/v1/deputyships/{dep_id}").status_code == 403
    assert fin.delete(f"/api/v1/deputyships/{dep_id}").status_code == 204
    assert fin.get("/api/v1/deputyships").json() == []
