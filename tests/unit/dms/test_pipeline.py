"""Ingest pipeline steps and the runner: types, text, previews, failures with reasons, sweep, outbox."""

from __future__ import annotations

import io
from datetime import timedelta
from email.message import EmailMessage

import pytest
from PIL import Image
from sqlalchemy import select, update

from dms.db.tables import Document, SearchOutbox
from dms.db.types import utcnow
from dms.pipeline.detect import detect, extension_mismatch
from dms.pipeline.extract import email_parts, html_text, xml_text
from dms.pipeline.steps import OcrSlot
from dms.worker.sweep import recovery_sweep


def _upload(c, data: bytes, name: str):
    r = c.post("/api/v1/documents", files={"file": (name, data)})
    assert r.status_code == 202, r.text
    return r.json()["id"]


def _eml() -> bytes:
    m = EmailMessage()
    m["From"] = "lieferant@example.com"
    m["To"] = "rechnung@stadt.example"
    m["Subject"] = "Rechnung 2026-17"
    m.set_content("Sehr geehrte Damen und Herren, anbei die Rechnung.")
    m.add_attachment(b"Positionen: Schrauben 100 Stueck", maintype="text", subtype="plain", filename="positionen.txt")
    return m.as_bytes()


def test_pipeline_order_is_explicit(container):
    names = [s.name for s in container.steps]
    assert names[:3] == ["detect", "ocr", "extract_text"]
    assert names.index("thumbnail") < names.index("search_handover") < names.index("done") == len(names) - 1
    assert any(isinstance(s, OcrSlot) for s in container.steps) or names[1] == "ocr"


def test_detect_types(pdf_bytes):
    assert detect(pdf_bytes()[:8192], "x.bin") == "application/pdf"
    assert detect(b"<?xml version='1.0'?><a/>", "r.xml") == "application/xml"
    assert detect(_eml()[:8192], "m.eml") == "message/rfc822"
    assert detect(b"hello", "notes.txt") == "text/plain"
    assert extension_mismatch(b"hello", "x.pdf") is not None
    assert extension_mismatch(pdf_bytes()[:100], "x.pdf") is None
    assert extension_mismatch(b"anything", "x.unknownext") is None


def test_email_body_and_attachments(client_as, container):
    c = client_as("clerk", department="63")
    doc_id = _upload(c, _eml(), "mail.eml")
    d = c.get(f"/api/v1/documents/{doc_id}").json()
    assert d["status"] == "ready" and d["mime_type"] == "message/rfc822"
    t = c.get(f"/api/v1/documents/{doc_id}/text").json()
    assert "anbei die Rechnung" in t["content"] and "Schrauben" in t["content"]
    assert t["attachments"][0]["filename"] == "positionen.txt"
    assert container.store.exists(t["attachments"][0]["sha256"])


def test_html_and_xml_text():
    assert html_text(b"<html><head><style>x{}</style><script>evil()</script></head><body><p>Hallo <b>Welt</b></p></body></html>") == "Hallo Welt"
    assert "4711" in xml_text(b"<Invoice><ID>4711</ID></Invoice>")


def test_xml_with_doctype_fails_with_reason(client_as):
    c = client_as("clerk", department="63")
    bomb = b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">]><a>&lol;</a>'
    doc_id = _upload(c, bomb, "bomb.xml")
    d = c.get(f"/api/v1/documents/{doc_id}").json()
    assert d["status"] == "failed"
    assert "DOCTYPE" in d["failure_reason"]
    assert c.get(f"/api/v1/documents/{doc_id}/original").content == bomb  # the original is kept


def test_corrupt_pdf_fails_with_reason(client_as):
    c = client_as("clerk", department="63")
    doc_id = _upload(c, b"%PDF-1.7\n garbage without structure", "broken.pdf")
    d = c.get(f"/api/v1/documents/{doc_id}").json()
    assert d["status"] == "failed"
    step = d["failure_reason"].split(":")[0]
    assert step in {"ocr", "extract_text"}, d["failure_reason"]  # names the step that could not read it


def test_thumbnails_for_images_and_pdfs(pdf_bytes):
    from dms.pipeline.base import IngestContext
    from dms.pipeline.steps import Thumbnail

    buf = io.BytesIO()
    Image.new("RGB", (800, 600), "white").save(buf, format="PNG")
    for data, mime in ((buf.getvalue(), "image/png"), (pdf_bytes(), "application/pdf")):
        ctx = IngestContext(document_id=1, version_no=1, filename="x", data=data, sha256="0" * 64, mime_type=mime)
        Thumbnail().run(ctx)
        assert ctx.thumbnail_png is not None
        assert Image.open(io.BytesIO(ctx.thumbnail_png)).width <= 320
    ctx = IngestContext(document_id=1, version_no=1, filename="x", data=b"junk", sha256="0" * 64, mime_type="image/png")
    Thumbnail().run(ctx)  # a broken image gets no preview but does not fail the document
    assert ctx.thumbnail_png is None


def test_pdf_thumbnail_served(client_as, pdf_bytes):
    c = client_as("clerk", department="63")
    doc_id = _upload(c, pdf_bytes(), "a.pdf")
    r = c.get(f"/api/v1/documents/{doc_id}/thumbnail")
    assert r.status_code == 200 and r.headers["content-type"] == "image/png"


def test_search_outbox_written_in_same_transaction(make_settings, make_container, pdf_bytes):
    from fastapi.testclient import TestClient

    from dms.auth import service as auth
    from dms.pipeline.indexing import NullIndexer
    from dms.web.app import create_app

    s = make_settings()
    container = make_container(s, indexer=NullIndexer())
    with container.uow() as uow:
        user = auth.create_user(uow.session, None, "ix", "clerk", department="63")
        token = auth.create_token(uow.session, None, user.id)[1]
        uow.commit()
    with TestClient(create_app(s, container=container), headers={"Authorization": f"Bearer {token}"}) as c:
        doc_id = _upload(c, pdf_bytes(), "a.pdf")
    with container.uow(read_only=True) as uow:
        rows = list(uow.session.execute(select(SearchOutbox).where(SearchOutbox.document_id == doc_id)).scalars())
    assert rows and rows[0].op == "upsert"
    assert all(r.processed_at is not None for r in rows)  # drained inline by the no-op indexer
    assert container.indexer.upserted >= 1


def test_sweep_reenqueues_stuck_and_gives_up_after_max_attempts(make_settings, make_container, make_user, pdf_bytes):
    from dms.db.uow import RecordingDispatcher

    s = make_settings(eager_tasks=False, stuck_after_seconds=60, max_processing_attempts=2)
    rec = RecordingDispatcher()
    container = make_container(s, dispatcher=rec)
    from dms.auth import service as auth
    from dms.services import documents as svc

    with container.uow() as uow:
        user = auth.create_user(uow.session, None, "u", "clerk", department="63")
        principal = auth.principal_of(uow.session, user)
        blob = container.store.put(pdf_bytes())
        new = svc.create_document(uow.session, principal, blob, filename="a.pdf", enqueue=uow.enqueue)
        uow.commit()
    assert rec.sent == [("dms.ingest", [new.id])]
    # a worker claimed it and died long ago
    with container.uow() as uow:
        uow.session.execute(update(Document).where(Document.id == new.id).values(
            processing_attempts=1, processing_started_at=utcnow() - timedelta(minutes=10)))
        uow.commit()
    assert recovery_sweep(container) == [new.id]
    from dms.pipeline.runner import process_document

    with container.uow() as uow:
        uow.session.execute(update(Document).where(Document.id == new.id).values(
            processing_attempts=2, processing_started_at=utcnow() - timedelta(minutes=10)))
        uow.commit()
    assert process_document(container, new.id) == "failed"
    with container.uow(read_only=True) as uow:
        doc = uow.session.get(Document, new.id)
        assert doc.status == "failed" and "gave up after 2" in doc.failure_reason
    assert recovery_sweep(container) == []


def test_recent_claim_is_not_processed_twice(container, make_user, pdf_bytes):
    from dms.auth import service as auth
    from dms.pipeline.runner import process_document
    from dms.services import documents as svc

    with container.uow() as uow:
        user = auth.create_user(uow.session, None, "v", "clerk", department="63")
        principal = auth.principal_of(uow.session, user)
        new = svc.create_document(uow.session, principal, container.store.put(pdf_bytes()), filename="a.pdf")
        uow.session.get(Document, new.id).processing_started_at = utcnow()
        uow.commit()
    assert process_document(container, new.id) == "skipped"


@pytest.mark.parametrize("body", [b"plain", "Umlaute äöü ß".encode("cp1252")])
def test_plain_text_decoding(client_as, body):
    c = client_as("clerk", department="63")
    doc_id = _upload(c, body, "n.txt")
    assert c.get(f"/api/v1/documents/{doc_id}/text").json()["content"] == body.decode("cp1252")


def test_email_parts_without_body():
    m = EmailMessage()
    m["Subject"] = "leer"
    text, infos, payloads = email_parts(m.as_bytes())
    assert "leer" in text and infos == [] and payloads == []


def test_ingest_stores_the_search_analysis_of_the_extracted_text(client_as, container):
    """The worker analyses the text once and stores it with the text (checksum-stamped, so the indexer
    uses it only for exactly that text); a new version's text gets its own analysis. (A new version
    uploaded minutes after the first processing used to wait for the recovery sweep: the earlier claim's
    ``processing_started_at`` looked like another worker's fresh claim.)"""
    from dms.db.tables import DocumentText
    from search.analysis import default_analyzer

    an = default_analyzer()
    c = client_as("clerk", department="63")
    doc_id = _upload(c, "Das Bauantragsformular für die Lindenallee".encode(), "a.txt")
    with container.uow(read_only=True) as uow:
        text = uow.session.get(DocumentText, doc_id)
        assert text is not None and text.analysis
        terms, parts = an.decode_content(text.content, text.analysis) or ("", "")
    assert an.stem("Lindenallee") in terms.split() and an.stem("Formular") in parts.split()
    assert c.get("/api/v1/search", params={"q": "Formular"}).json()["total"] == 1
    r = c.post(f"/api/v1/documents/{doc_id}/versions", files={"file": ("b.txt", b"Hundesteuer 2026")})
    assert r.status_code == 202, r.text
    with container.uow(read_only=True) as uow:
        text = uow.session.get(DocumentText, doc_id)
        assert text is not None and text.content.startswith("Hundesteuer") and text.analysis
        terms, _parts = an.decode_content(text.content, text.analysis) or ("", "")
    assert terms.split() == [an.stem("Hundesteuer"), "2026"]
    assert c.get("/api/v1/search", params={"q": "Hundesteuer"}).json()["total"] == 1
    assert c.get("/api/v1/search", params={"q": "Formular"}).json()["total"] == 0
