"""``GET /api/v1/documents/{id}`` (the hot read: one Core query, JSON built in the route) answers exactly
what the ORM path answers, with the same 404 → 403 → 410 order, the archive copy of the *current* version
only, and no audit row (metadata is not content)."""

from __future__ import annotations

from sqlalchemy import func, select, update

from dms.db.tables import AuditEntry, Document
from dms.ocr.tables import DocumentArchive
from dms.services import documents as svc
from dms.web.api.schemas import DocumentOut


def _upload(c, data: bytes, **form):
    r = c.post("/api/v1/documents", files={"file": ("a.pdf", data, "application/pdf")}, data=form)
    assert r.status_code == 202, r.text
    return r.json()["id"]


def _audit_rows(container) -> int:
    with container.uow(read_only=True) as uow:
        return int(uow.session.execute(select(func.count()).select_from(AuditEntry)).scalar_one())


def test_view_equals_the_orm_shape_and_is_not_audited(client_as, container, pdf_bytes):
    c = client_as("clerk", department="63")
    doc_id = _upload(c, pdf_bytes("Sicht"), title="Bauantrag", department="63", document_date="2026-03-01",
                     tags="b, a", custom_fields='{"az": "63-1"}')
    before = _audit_rows(container)
    body = c.get(f"/api/v1/documents/{doc_id}")
    assert body.status_code == 200 and body.headers["content-type"] == "application/json"
    with container.uow(read_only=True) as uow:
        expected = DocumentOut.of(uow.session.get(Document, doc_id)).model_dump(mode="json")
    assert body.json() == expected
    assert body.json()["custom_fields"] == {"az": "63-1"} and body.json()["received_at"].endswith("Z")
    assert _audit_rows(container) == before  # a metadata read is not a content read
    c.get(f"/api/v1/documents/{doc_id}/original")
    assert _audit_rows(container) == before + 1


def test_archive_copy_only_of_the_current_version(client_as, container, pdf_bytes):
    c = client_as("clerk", department="63")
    doc_id = _upload(c, pdf_bytes("Archiv"), department="63")
    assert c.get(f"/api/v1/documents/{doc_id}").json()["archive_sha256"] is None
    with container.uow() as uow:
        uow.session.add(DocumentArchive(document_id=doc_id, version_no=1, archive_sha256="a" * 64))
        uow.commit()
    assert c.get(f"/api/v1/documents/{doc_id}").json()["archive_sha256"] == "a" * 64
    with container.uow() as uow:  # a newer version without its own archive copy: the old copy is not reported
        uow.session.execute(update(Document).where(Document.id == doc_id).values(current_version=2))
        uow.commit()
    assert c.get(f"/api/v1/documents/{doc_id}").json()["archive_sha256"] is None


def test_list_and_changing_routes_report_the_archive_copy_like_the_view(client_as, container, pdf_bytes):
    """The list, PATCH, finalise and refile answer ``archive_sha256`` as ``GET /documents/{id}`` does (they
    used to answer null for every scan, so a client reading the list never saw the PDF/A copy)."""
    c = client_as("clerk", department="63")
    doc_id = _upload(c, pdf_bytes("Liste"), department="63")
    plain_id = _upload(c, pdf_bytes("Ohne Archiv"), department="63")
    with container.uow() as uow:
        uow.session.add(DocumentArchive(document_id=doc_id, version_no=1, archive_sha256="b" * 64))
        uow.commit()
    listed = {d["id"]: d["archive_sha256"] for d in c.get("/api/v1/documents").json()["items"]}
    assert listed == {doc_id: "b" * 64, plain_id: None}
    patched = c.patch(f"/api/v1/documents/{doc_id}", json={"title": "Neu"})
    assert patched.status_code == 200 and patched.json()["archive_sha256"] == "b" * 64
    assert patched.json() == c.get(f"/api/v1/documents/{doc_id}").json()
    with container.uow() as uow:  # a newer version without its own copy: neither route reports the old one
        uow.session.execute(update(Document).where(Document.id == doc_id).values(current_version=2))
        uow.commit()
    listed = {d["id"]: d["archive_sha256"] for d in c.get("/api/v1/documents").json()["items"]}
    assert listed[doc_id] is None


def test_unknown_404_invisible_403_disposed_410(client_as, container, pdf_bytes):
    owner = client_as("clerk", department="63")
    other = client_as("clerk", department="20")
    doc_id = _upload(owner, pdf_bytes("Weg"), department="63")
    r = owner.get("/api/v1/documents/987654")
    assert r.status_code == 404 and "987654" in r.json()["detail"]
    assert other.get(f"/api/v1/documents/{doc_id}").status_code == 403
    with container.uow() as uow:
        uow.session.execute(update(Document).where(Document.id == doc_id).values(deleted=True))
        uow.commit()
    r = owner.get(f"/api/v1/documents/{doc_id}")
    assert r.status_code == 410 and "disposed" in r.json()["detail"]
    assert other.get(f"/api/v1/documents/{doc_id}").status_code == 403  # visibility is checked first
    assert client_as("auditor").get(f"/api/v1/documents/{doc_id}").status_code == 410


def test_document_view_on_a_session_too(client_as, container, pdf_bytes):
    """The service function takes a Connection (the route) or a Session (callers inside a unit of work)."""
    c = client_as("clerk", department="63")
    doc_id = _upload(c, pdf_bytes("Session"), department="63", title="T")
    with container.uow(read_only=True) as uow:
        from dms.domain.principal import Principal

        admin = Principal(user_id=1, username="x", role="admin", department=None)
        view = svc.document_view(uow.session, admin, doc_id)
    assert view["title"] == "T" and view["has_thumbnail"] in (True, False) and "acl_tokens" not in view
