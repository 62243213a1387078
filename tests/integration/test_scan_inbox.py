"""Scan station end to end: a scan dropped into AKTENWERK_SCAN_DIR becomes a searchable document with a
PDF/A-2b archive copy; faults end in a failed document with its reason and original; retry works."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path
from typing import Any

import pikepdf
import pytest

from dms.db.tables import Document
from dms.ocr import testscans as ts
from dms.ocr.config import OcrSettings
from dms.ocr.inbox import run_inbox
from dms.ocr.service import retry
from dms.ocr.step import OcrStep
from dms.pipeline.indexing import drain_outbox

A6 = ts.A6_MM
CFG = OcrSettings(settle_seconds=0)


def _page(seed: int, **kw: Any) -> ts.TestPage:
    return ts.german_page(seed, n_sentences=3, size_mm=A6, font_pt=10, **kw)


def _doc(container: Any, doc_id: int) -> Any:
    """A detached snapshot of the document row's fields."""
    from types import SimpleNamespace

    with container.uow(read_only=True) as uow:
        doc = uow.session.get(Document, doc_id)
        assert doc is not None
        return SimpleNamespace(**doc.model_dump())


def test_dropped_scan_becomes_searchable_document_with_pdfa_archive_copy(container: Any, client_as: Any) -> None:
    inbox = container.settings.scan_path
    inbox.mkdir(parents=True, exist_ok=True)
    page = _page(7, codes=[ts.Code("ASN00042", kind="code128", x=0.45, y=0.02)])
    src = ts.save_png(page, inbox / "brief.png")
    original = src.read_bytes()

    report = run_inbox(container, CFG)
    assert list(report.stored) == ["brief.png"] and not report.failed
    (doc_id,) = report.stored["brief.png"]
    assert not src.exists() and (inbox / "processed" / "brief.png").read_bytes() == original

    client = client_as("admin")
    doc = client.get(f"/api/v1/documents/{doc_id}").json()
    assert doc["status"] == "ready", doc["failure_reason"]
    assert doc["sha256"] == hashlib.sha256(original).hexdigest()
    assert doc["asn"] == "ASN00042" and doc["channel"] == "scan"
    assert client.get(f"/api/v1/documents/{doc_id}/original").content == original

    info = client.get(f"/api/v1/documents/{doc_id}/archive-info").json()
    archive = client.get(f"/api/v1/documents/{doc_id}/archive")
    assert archive.status_code == 200 and archive.headers["content-type"] == "application/pdf"
    digest = hashlib.sha256(archive.content).hexdigest()
    assert info["archive_sha256"] == digest == archive.headers["x-archive-sha256"]
    assert doc["archive_sha256"] == digest  # the documents API reports it beside sha256
    with pikepdf.open(io.BytesIO(archive.content)) as pdf:
        assert pdf.open_metadata().pdfa_status == "2B"

    text = client.get(f"/api/v1/documents/{doc_id}/text").json()["content"]
    assert ts.word_recall(page.text, text) >= 0.9
    drain_outbox(container)
    word = next(w for w in ts.words_of(page.text) if len(w) > 8)
    hits = client.get("/api/v1/search", params={"q": word}).json()
    assert doc_id in [int(h["id"]) for h in hits["hits"]]


def test_stack_with_separator_sheet_becomes_two_documents(container: Any) -> None:
    inbox = container.settings.scan_path
    inbox.mkdir(parents=True, exist_ok=True)
    stack = [_page(1), ts.separator_page(size_mm=A6), _page(2, codes=[ts.Code("ASN7", kind="code128", x=0.5, y=0.02)])]
    ts.save_tiff(stack, inbox / "stapel.tif")
    report = run_inbox(container, CFG)
    ids = report.stored["stapel.tif"]
    assert len(ids) == 2
    docs = [_doc(container, i) for i in ids]
    assert [d.status for d in docs] == ["ready", "ready"]
    assert [d.page_count for d in docs] == [1, 1]
    assert docs[1].asn == "ASN00007"
    records = list((container.settings.data_path / "scan-records").glob("*.json"))
    assert len(records) == 1 and '"pages_scanned": 3' in records[0].read_text()


def test_encrypted_pdf_fails_with_reason_and_keeps_original(container: Any, client_as: Any) -> None:
    inbox = container.settings.scan_path
    inbox.mkdir(parents=True, exist_ok=True)
    src = ts.save_encrypted_pdf([_page(3)], inbox / "geheim.pdf")
    original = src.read_bytes()
    report = run_inbox(container, CFG)
    (doc_id,) = report.stored["geheim.pdf"]
    doc = _doc(container, doc_id)
    assert doc.status == "failed"
    assert doc.failure_reason and "encrypted" in doc.failure_reason
    client = client_as("admin")
    assert client.get(f"/api/v1/documents/{doc_id}/original").content == original
    assert client.get(f"/api/v1/documents/{doc_id}/archive").status_code == 404


def test_failed_ocr_is_retried_to_ready(container: Any) -> None:
    inbox = container.settings.scan_path
    inbox.mkdir(parents=True, exist_ok=True)
    ts.save_png(_page(5), inbox / "langsam.png")
    index = next(i for i, s in enumerate(container.steps) if s.name == "ocr")
    normal = container.steps[index]
    container.steps[index] = OcrStep(container, OcrSettings(timeout_seconds=0.05))
    try:
        (doc_id,) = run_inbox(container, CFG).stored["langsam.png"]
    finally:
        container.steps[index] = normal
    failed = _doc(container, doc_id)
    assert failed.status == "failed" and "time limit" in (failed.failure_reason or "")
    retry(container, doc_id)
    assert _doc(container, doc_id).status == "ready"


def test_unreadable_file_moves_to_failed_with_reason(container: Any, tmp_path: Path) -> None:
    inbox = container.settings.scan_path
    inbox.mkdir(parents=True, exist_ok=True)
    (inbox / "notiz.txt").write_text("keine Scandatei")
    (inbox / ".hidden.png").write_bytes(b"x")
    report = run_inbox(container, CFG)
    assert "notiz.txt" in report.failed and not report.stored
    assert (inbox / "failed" / "notiz.txt").exists()
    assert "UnsupportedFormatError" in (inbox / "failed" / "notiz.txt.reason.txt").read_text()
    assert (inbox / ".hidden.png").exists()


def test_a_failed_file_moved_back_and_stored_loses_its_old_reason(container: Any) -> None:
    """The retry of an inbox file is moving it back from failed/; once stored, failed/ no longer explains a
    failure of a file that is not there (the reason file used to stay behind)."""
    inbox = container.settings.scan_path
    inbox.mkdir(parents=True, exist_ok=True)
    (inbox / "failed").mkdir()
    (inbox / "failed" / "zurueck.png.reason.txt").write_text("Frozen: Akte 1 is closed (zdA)\n")
    (inbox / "failed" / "other.png").write_bytes(b"x")
    (inbox / "failed" / "other.png.reason.txt").write_text("CorruptInputError\n")
    ts.save_png(_page(7), inbox / "zurueck.png")
    assert "zurueck.png" in run_inbox(container, CFG).stored
    assert not (inbox / "failed" / "zurueck.png.reason.txt").exists()
    assert (inbox / "failed" / "other.png.reason.txt").exists()  # a file still failed keeps its reason


@pytest.mark.parametrize("settle", [3600.0])
def test_files_still_being_written_wait(container: Any, settle: float) -> None:
    inbox = container.settings.scan_path
    inbox.mkdir(parents=True, exist_ok=True)
    ts.save_png(_page(9), inbox / "frisch.png")
    report = run_inbox(container, OcrSettings(settle_seconds=settle))
    assert report.waiting == ["frisch.png"] and not report.stored


def test_same_file_again_is_not_stored_twice_and_stale_claims_are_recovered(
    container: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dms.ocr import inbox as inbox_mod

    inbox = container.settings.scan_path
    inbox.mkdir(parents=True, exist_ok=True)
    src = ts.save_png(_page(11), inbox / "doppelt.png")
    data = src.read_bytes()
    (first,) = run_inbox(container, CFG).stored["doppelt.png"]
    # a worker died after storing but before moving the file: it is back in .claimed/
    (inbox / ".claimed").mkdir(exist_ok=True)
    (inbox / ".claimed" / "doppelt.png").write_bytes(data)
    monkeypatch.setattr(inbox_mod, "STALE_CLAIM_SECONDS", -1.0)
    report = run_inbox(container, CFG)
    assert report.stored["doppelt.png"] == [first]
    assert not list((inbox / ".claimed").iterdir())
    with container.uow(read_only=True) as uow:
        from sqlalchemy import func, select

        assert uow.session.execute(select(func.count()).select_from(Document)).scalar_one() == 1


def test_disposal_helpers_name_and_forget_the_archive_copy(container: Any) -> None:
    from dms.ocr.service import archive_digests, forget_archive

    inbox = container.settings.scan_path
    inbox.mkdir(parents=True, exist_ok=True)
    ts.save_png(_page(13), inbox / "weg.png")
    (doc_id,) = run_inbox(container, CFG).stored["weg.png"]
    with container.uow() as uow:
        (digest,) = archive_digests(uow.session, doc_id)
        assert container.store.exists(digest)
        forget_archive(uow.session, doc_id)
        uow.commit()
    with container.uow(read_only=True) as uow:
        assert archive_digests(uow.session, doc_id) == set()


def test_uploaded_multipage_tiff_is_ocrd_too(client_as: Any) -> None:
    pages = [_page(21), _page(22)]
    buf = io.BytesIO()
    images = [p.image.copy() for p in pages]
    images[0].save(buf, format="TIFF", save_all=True, append_images=images[1:], compression="tiff_lzw", dpi=(300, 300))
    client = client_as("clerk", department="63")
    r = client.post("/api/v1/documents", files={"file": ("stapel.tif", buf.getvalue(), "image/tiff")},
                    data={"title": "Upload"})
    assert r.status_code == 202, r.text
    doc_id = r.json()["id"]
    doc = client.get(f"/api/v1/documents/{doc_id}").json()
    assert doc["status"] == "ready" and doc["page_count"] == 2
    info = client.get(f"/api/v1/documents/{doc_id}/archive-info").json()
    assert info["conformance"] == "2B" and info["ocr_applied"]
    text = client.get(f"/api/v1/documents/{doc_id}/text").json()["content"]
    assert "1021" in text and "1022" in text


def test_aktenzeichen_qr_files_the_document_into_that_akte(container: Any) -> None:
    from dms.ocr.service import SYSTEM
    from dms.services import fileplan

    with container.uow() as uow:
        node = fileplan.create_node(uow.session, SYSTEM, "63.01.02", "Baugenehmigungen", department="63")
        assert node.id is not None
        akte = fileplan.create_akte(uow.session, SYSTEM, container.settings.aktenzeichen_pattern, node.id,
                                    "Gartenstraße 12", department="63", year=2026)
        uow.commit()
        assert akte.id is not None
        akte_id, aktenzeichen = akte.id, akte.aktenzeichen
    inbox = container.settings.scan_path
    inbox.mkdir(parents=True, exist_ok=True)
    stack = [ts.separator_page(size_mm=A6, extra_codes=[ts.Code(f"AW-AKTE:{aktenzeichen}", x=0.1, y=0.7,
                                                                 module_mm=0.6)]),
             _page(31), ts.separator_page(size_mm=A6), _page(32)]
    ts.save_tiff(stack, inbox / "akte.tif")
    ids = run_inbox(container, CFG).stored["akte.tif"]
    docs = [_doc(container, i) for i in ids]
    assert [d.akte_id for d in docs] == [akte_id, None]
    assert docs[0].department == "63"


def test_qr_of_a_closed_akte_files_that_part_without_akte_and_keeps_the_stack(container: Any) -> None:
    """A QR code naming a closed (zdA) Akte used to fail the whole stack (every document of the batch went
    to failed/ with "Frozen"); now that part is stored without Akte, like an unknown Aktenzeichen."""
    from dms.ocr.service import SYSTEM
    from dms.services import fileplan

    with container.uow() as uow:
        node = fileplan.create_node(uow.session, SYSTEM, "63.01.03", "Abgeschlossen", department="63")
        assert node.id is not None
        open_akte = fileplan.create_akte(uow.session, SYSTEM, container.settings.aktenzeichen_pattern, node.id,
                                         "Offen", department="63", year=2026)
        closed = fileplan.create_akte(uow.session, SYSTEM, container.settings.aktenzeichen_pattern, node.id,
                                      "Geschlossen", department="63", year=2026)
        uow.commit()
        assert open_akte.id is not None and closed.id is not None
        open_id, open_az, closed_id, closed_az = open_akte.id, open_akte.aktenzeichen, closed.id, closed.aktenzeichen
    with container.uow() as uow:
        fileplan.close_akte(uow.session, SYSTEM, closed_id)
        uow.commit()
    inbox = container.settings.scan_path
    inbox.mkdir(parents=True, exist_ok=True)
    stack = [ts.separator_page(size_mm=A6, extra_codes=[ts.Code(f"AW-AKTE:{closed_az}", x=0.1, y=0.7,
                                                                 module_mm=0.6)]),
             _page(41),
             ts.separator_page(size_mm=A6, extra_codes=[ts.Code(f"AW-AKTE:{open_az}", x=0.1, y=0.7,
                                                                 module_mm=0.6)]),
             _page(42)]
    ts.save_tiff(stack, inbox / "zda.tif")
    report = run_inbox(container, CFG)
    assert report.failed == {}
    docs = [_doc(container, i) for i in report.stored["zda.tif"]]
    assert [d.akte_id for d in docs] == [None, open_id]
    assert (inbox / "processed" / "zda.tif").exists()
    # the TR-RESISCAN protocol names the Akte each document was filed into, not the closed one of the QR
    from dms.ocr import resiscan

    store = resiscan.ResiscanStore(container.settings.data_path / "scan-records")
    (batch_id,) = store.list_ids()
    assert [d.akte for d in store.load(batch_id).documents] == [None, open_az]
