"""The retention interface acceptance checks use: upload fields, DELETE lock, holds, four-eyes disposal,
certificate, 410 afterwards — over HTTP with bearer tokens."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from retention.certificate import verify


def _upload(client: Any, data: bytes, **fields: str) -> int:
    r = client.post("/api/v1/documents", files={"file": ("beleg.pdf", data, "application/pdf")}, data=fields)
    assert r.status_code in (201, 202), r.text
    return int(r.json()["id"])


def test_retention_api_flow(client_as: Any, pdf_bytes: Callable[..., bytes]) -> None:
    rm_a = client_as("records_manager")
    rm_b = client_as("records_manager")
    admin = client_as("admin")
    clerk = client_as("clerk", department="10")

    young = _upload(
        rm_a, pdf_bytes("Rechnung 2026"), document_date="2026-03-01", retention_class="ao147-belege"
    )
    old = _upload(
        rm_a, pdf_bytes("Rechnung 2010"), document_date="2010-03-01", retention_class="ao147-belege"
    )

    # GoBD lock: before the end of retention nobody deletes — admins included
    r = admin.delete(f"/api/v1/documents/{young}")
    assert r.status_code == 409 and "31.12.2034" in r.json()["detail"]
    assert clerk.delete(f"/api/v1/documents/{young}").status_code == 403
    why = rm_a.get(f"/api/v1/documents/{young}/retention").json()
    assert why["keep_until"] == "2034-12-31" and why["reason"].startswith("Aufbewahrung bis 31.12.2034, weil")

    # legal hold blocks disposal and deletion; releasing it lifts the block
    r = rm_a.post("/api/v1/holds", json={"document_id": old, "reason": "Rechtsstreit Az. 1 K 12/26"})
    assert r.status_code == 201
    hold_id = r.json()["id"]
    r = admin.delete(f"/api/v1/documents/{old}")
    assert r.status_code == 409 and "Rechtsstreit" in r.json()["detail"]
    assert rm_a.post("/api/v1/disposals", json={"document_ids": [old]}).status_code == 409
    assert clerk.post("/api/v1/holds", json={"document_id": old, "reason": "xyz"}).status_code == 403
    overdue = rm_a.post(
        "/api/v1/holds", json={"document_id": young, "reason": "Prüfung", "review_date": "2020-01-01"}
    )
    listed = {h["id"]: h for h in rm_a.get("/api/v1/holds", params={"active": True}).json()}
    assert (
        listed[overdue.json()["id"]]["review_overdue"] is True and listed[hold_id]["review_overdue"] is False
    )
    assert rm_a.post("/api/v1/holds", json={"reason": "no target"}).status_code == 422
    assert rm_b.delete(f"/api/v1/holds/{hold_id}").status_code == 200

    # the plan lists it as due, with the reason
    plan = rm_a.get("/api/v1/retention/plan", params={"as_of": "2026-11-26"}).json()
    assert [i["record_id"] for i in plan["items"]] == [str(old)]
    assert plan["items"][0]["reason"].startswith("Aufbewahrungsfrist endete am 31.12.2018")

    # four eyes: A opens, A cannot approve (403), B approves and it executes
    assert rm_a.post("/api/v1/disposals", json={"document_ids": [young]}).status_code == 409
    r = rm_a.post("/api/v1/disposals", json={"document_ids": [old]})
    assert r.status_code == 201
    disposal = r.json()["id"]
    assert rm_a.post(f"/api/v1/disposals/{disposal}/approve").status_code == 403
    assert clerk.post(f"/api/v1/disposals/{disposal}/approve").status_code == 403
    r = rm_b.post(f"/api/v1/disposals/{disposal}/approve")
    assert r.status_code == 200 and r.json()["completed"] is True

    cert = rm_a.get(f"/api/v1/disposals/{disposal}/certificate").json()
    sha = rm_a.get(f"/api/v1/documents/{young}").json()["sha256"]
    assert [i["record_id"] for i in cert["items"]] == [str(old)]
    assert len(cert["items"][0]["sha256"]) == 64 and cert["items"][0]["sha256"] != sha
    assert cert["items"][0]["class_id"] == "ao147-belege" and verify(cert)
    pdf = rm_a.get(f"/api/v1/disposals/{disposal}/certificate", params={"format": "pdf"})
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")

    # content is gone; the young document is untouched
    assert rm_a.get(f"/api/v1/documents/{old}/original").status_code == 410
    assert rm_a.get(f"/api/v1/documents/{old}/retention").json()["status"] == "disposed"
    assert admin.delete(f"/api/v1/documents/{old}").status_code == 410
    assert rm_a.post("/api/v1/disposals", json={"document_ids": [old]}).status_code == 410
    assert rm_a.get(f"/api/v1/documents/{young}/original").status_code == 200

    # DELETE of an expired record is a disposal too: 202 with a request a second records manager approves
    other = _upload(rm_a, pdf_bytes("Rechnung 2011"), document_date="2011-03-01", retention_class="ao147-belege")
    r = rm_a.delete(f"/api/v1/documents/{other}")
    assert r.status_code == 202 and r.json()["status"] == "disposal_requested"
    assert rm_a.get(f"/api/v1/documents/{other}/original").status_code == 200  # nothing removed yet
    assert rm_a.post(f"/api/v1/disposals/{r.json()['disposal_id']}/approve").status_code == 403
    assert rm_b.post(f"/api/v1/disposals/{r.json()['disposal_id']}/approve").json()["completed"] is True
    assert rm_a.get(f"/api/v1/documents/{other}/original").status_code == 410


def test_fixity_and_classes_api(client_as: Any, container: Any, pdf_bytes: Callable[..., bytes]) -> None:
    rm = client_as("records_manager")
    auditor = client_as("auditor")
    a = _upload(rm, pdf_bytes("A"), document_date="2020-01-01", retention_class="ao147-briefe")
    _upload(rm, pdf_bytes("B"), document_date="2020-01-01")
    assert auditor.get("/api/v1/retention/fixity").json() == {"status": "never run"}
    ok = rm.post("/api/v1/retention/fixity").json()
    assert ok["healthy"] and ok["checked"] == 2
    sha = rm.get(f"/api/v1/documents/{a}").json()["sha256"]
    path = container.store.path_for(sha)
    path.chmod(0o644)
    path.write_bytes(b"bit rot")
    bad = rm.post("/api/v1/retention/fixity").json()
    assert not bad["healthy"] and [m["key"] for m in bad["mismatches"]] == [sha]
    health = auditor.get("/api/v1/retention/fixity").json()
    assert health["status"] == "failed" and health["mismatches"] == 1
    assert auditor.post("/api/v1/retention/fixity").status_code == 403
    ids = {c["id"] for c in auditor.get("/api/v1/retention/classes").json()}
    assert {"ao147-belege", "ao147-buecher", "ao147-briefe"} <= ids


@pytest.mark.postgres
def test_disposal_api_on_postgres(
    make_container: Any, pg_settings: Any, pdf_bytes: Callable[..., bytes]
) -> None:
    from fastapi.testclient import TestClient

    from dms.auth import service as auth
    from dms.web.app import create_app

    container = make_container(pg_settings)
    app = create_app(container.settings, container=container)
    tokens = {}
    with container.uow() as uow:
        for name in ("pg-rm-a", "pg-rm-b"):
            user = auth.create_user(uow.session, None, name, "records_manager")
            tokens[name] = auth.create_token(uow.session, None, int(user.id))[1]
        uow.commit()
    with (
        TestClient(app, headers={"Authorization": f"Bearer {tokens['pg-rm-a']}"}) as a,
        TestClient(app, headers={"Authorization": f"Bearer {tokens['pg-rm-b']}"}) as b,
    ):
        old = _upload(a, pdf_bytes("alt"), document_date="2011-01-01", retention_class="ao147-briefe")
        assert (
            a.delete(
                f"/api/v1/documents/{_upload(a, pdf_bytes('neu'), document_date='2026-01-01', retention_class='ao147-briefe')}"
            ).status_code
            == 409
        )
        disposal = a.post("/api/v1/disposals", json={"document_ids": [old]}).json()["id"]
        assert a.post(f"/api/v1/disposals/{disposal}/approve").status_code == 403
        assert b.post(f"/api/v1/disposals/{disposal}/approve").json()["completed"] is True
        cert = b.get(f"/api/v1/disposals/{disposal}/certificate").json()
        assert cert["items"][0]["record_id"] == str(old) and verify(cert)


def test_unknown_retention_class_is_refused_before_storing(client_as: Any, pdf_bytes: Callable[..., bytes]) -> None:
    rm = client_as("records_manager")
    r = rm.post("/api/v1/documents", files={"file": ("x.pdf", pdf_bytes("X"), "application/pdf")},
                data={"retention_class": "no-such-class"})
    assert r.status_code == 422 and "no-such-class" in r.json()["detail"] and "ao147-belege" in r.json()["detail"]
    assert rm.get("/api/v1/documents").json()["total"] == 0


def test_an_event_no_class_starts_from_is_refused(client_as: Any, pdf_bytes: Callable[..., bytes]) -> None:
    """A misspelt event name used to be stored (201) and start nothing: the KomHVO records waiting for the
    adopted annual accounts stayed "undetermined" without a word. It is a 422 naming the known events."""
    rm = client_as("records_manager")
    doc = _upload(rm, pdf_bytes("Beleg 2017"), document_date="2017-05-01", retention_class="komhvo59-belege")
    body = {"name": "jahresabschluss-festgesteltt", "fiscal_year": 2017, "occurred_on": "2018-06-30"}
    r = rm.post("/api/v1/retention/events", json=body)
    assert r.status_code == 422 and "jahresabschluss-festgestellt" in r.json()["detail"]
    assert rm.get(f"/api/v1/documents/{doc}/retention").json()["status"] == "undetermined"
    body["name"] = "jahresabschluss-festgestellt"
    assert rm.post("/api/v1/retention/events", json=body).status_code == 201
    assert rm.get(f"/api/v1/documents/{doc}/retention").json()["keep_until"] == "2024-12-31"
