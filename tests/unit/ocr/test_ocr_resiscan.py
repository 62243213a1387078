"""TR-RESISCAN batch records: four-eyes quality check, transfer note hashes, destruction rule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from dms.ocr import resiscan as rs
from dms.ocr.errors import ResiscanError

T0 = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)


def _batch(n: int = 12, **kw: object) -> rs.ScanBatchRecord:
    record = rs.new_batch(scanner="Fujitsu fi-7160 #A123", operator="mueller", started_at=T0,
                          source="Posteingang Bauamt", sheets=n + 2, **kw)  # type: ignore[arg-type]
    for i in range(n):
        rs.add_document(record, rs.ScannedDocument(index=i, pages=1, original_sha256=f"{i:064x}",
                                                   archive_sha256=f"{i + 100:064x}", document_id=str(i)))
    rs.finish_batch(record, pages_scanned=n + 2, separator_pages=2, finished_at=T0 + timedelta(hours=1))
    return record


def test_full_lifecycle_until_destruction() -> None:
    record = _batch(paper_retention_days=30)
    sample = rs.draw_sample(record, rate=0.1)
    assert len(sample) == 2 and sample == rs.draw_sample(record)  # drawn once, reproducible
    rs.record_quality_check(record, inspector="schmidt", results=dict.fromkeys(sample, True),
                            checked_at=T0 + timedelta(hours=2))
    assert record.status == "qs_bestanden"
    note = rs.issue_transfer_note(record, created_by="schmidt", created_at=T0 + timedelta(hours=3))
    assert note.verify() and len(note.documents) == 12
    assert note.documents[3]["archive_sha256"] == f"{103:064x}"
    allowed, reasons = rs.destruction_decision(record, as_of=T0 + timedelta(days=5))
    assert not allowed and "kept until" in reasons[0]
    rs.record_destruction(record, by="schmidt", at=T0 + timedelta(days=31))
    assert record.status == "papier_vernichtet"


def test_operator_cannot_check_own_batch() -> None:
    record = _batch()
    sample = rs.draw_sample(record)
    with pytest.raises(ResiscanError, match="second person"):
        rs.record_quality_check(record, inspector="Mueller", results=dict.fromkeys(sample, True))


def test_check_must_cover_sample_and_failed_check_blocks() -> None:
    record = _batch()
    sample = rs.draw_sample(record)
    with pytest.raises(ResiscanError, match="not checked"):
        rs.record_quality_check(record, inspector="schmidt", results={})
    rs.record_quality_check(record, inspector="schmidt", results={sample[0]: False, **dict.fromkeys(sample[1:], True)})
    with pytest.raises(ResiscanError, match="passed quality check"):
        rs.issue_transfer_note(record, created_by="schmidt")
    allowed, reasons = rs.destruction_decision(record)
    assert not allowed and "quality check failed" in reasons


def test_very_high_protection_checks_every_document() -> None:
    record = _batch(n=5, protection_need="sehr_hoch")
    assert rs.draw_sample(record) == [0, 1, 2, 3, 4]


def test_no_destruction_without_transfer_note_or_with_failed_document() -> None:
    record = rs.new_batch(scanner="s", operator="a", started_at=T0)
    rs.add_document(record, rs.ScannedDocument(index=0, pages=2, original_sha256="a" * 64,
                                               status="failed", failure="encrypted_pdf"))
    rs.finish_batch(record, pages_scanned=2, finished_at=T0)
    rs.record_quality_check(record, inspector="b", results={0: True})
    with pytest.raises(ResiscanError, match="failed"):
        rs.issue_transfer_note(record, created_by="b")
    with pytest.raises(ResiscanError, match="no transfer note"):
        rs.record_destruction(record, by="b")


def test_page_balance_is_checked() -> None:
    record = rs.new_batch(scanner="s", operator="a", started_at=T0)
    rs.add_document(record, rs.ScannedDocument(index=0, pages=3, original_sha256="a" * 64))
    with pytest.raises(ResiscanError, match="page balance"):
        rs.finish_batch(record, pages_scanned=5, separator_pages=1)


def test_naive_times_and_bad_inputs_are_refused() -> None:
    with pytest.raises(ResiscanError):
        rs.new_batch(scanner="s", operator="a", started_at=datetime(2026, 1, 1))
    with pytest.raises(ResiscanError):
        rs.new_batch(scanner="", operator="a")
    with pytest.raises(ResiscanError):
        rs.new_batch(scanner="s", operator="a", protection_need="egal")


def test_json_round_trip_store_and_tamper_detection(tmp_path: Path) -> None:
    record = _batch()
    sample = rs.draw_sample(record)
    rs.record_quality_check(record, inspector="schmidt", results=dict.fromkeys(sample, True), notes="ok")
    rs.issue_transfer_note(record, created_by="schmidt")
    store = rs.ResiscanStore(tmp_path)
    store.save(record)
    loaded = store.load(record.batch_id)
    assert rs.to_dict(loaded) == rs.to_dict(record)
    assert loaded.transfer_note is not None and loaded.transfer_note.verify()
    text = (tmp_path / f"{record.batch_id}.txt").read_text()
    assert "Transfervermerk" in text and "Qualitätskontrolle: schmidt" in text and "mueller" in text
    loaded.transfer_note.documents[0]["archive_sha256"] = "0" * 64
    assert not loaded.transfer_note.verify()
    assert store.list_ids() == [record.batch_id]
    with pytest.raises(ResiscanError):
        store.load("../../etc/passwd")
    with pytest.raises(ResiscanError):
        rs.from_json("{not json")
