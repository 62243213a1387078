"""Replacement-scanning records after BSI TR-RESISCAN (TR-03138): batch protocol, second-person quality
check on a sample, transfer note (Transfervermerk) with SHA-256 of every resulting document, and the
rule for when the paper may be destroyed.

Pure data and rules (stdlib only) plus a small JSON file store. Times are timezone-aware UTC.

Rules enforced here:

- the quality check is done by a second person (four-eyes: inspector ≠ operator) and covers at least
  the drawn sample (all documents for protection need ``sehr_hoch``);
- a transfer note can only be issued for a batch whose documents are all stored with an archive hash
  and whose quality check passed; the note carries its own SHA-256 over its canonical JSON;
- paper may be destroyed only with a passed check, an issued note, no failed document, and after the
  configured interim retention of the paper (``paper_retention_days``).
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import tempfile
import uuid
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from dms.ocr.errors import ResiscanError

PROTECTION_NEEDS = ("normal", "hoch", "sehr_hoch")

CONFORMITY_STATEMENT_DE = (
    "Es wird bestätigt, dass die aufgeführten elektronischen Dokumente mit den papiergebundenen "
    "Originalen bildlich und inhaltlich übereinstimmen. Die Erfassung erfolgte nach der "
    "Verfahrensdokumentation des zentralen Scanplatzes gemäß BSI TR-03138 (TR-RESISCAN); die "
    "Qualitätssicherung wurde durch eine zweite Person an einer Stichprobe durchgeführt."
)
CONFORMITY_STATEMENT_EN = (
    "The listed electronic documents are confirmed to match the paper originals in image and content. "
    "Capture followed the scan station's procedure documentation under BSI TR-03138 (TR-RESISCAN); "
    "quality assurance was done by a second person on a sample."
)


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(value: datetime, what: str) -> datetime:
    if value.tzinfo is None:
        raise ResiscanError(f"{what} must be timezone-aware")
    return value.astimezone(UTC)


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat() if value else None


def _parse(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


@dataclass
class ScanSettings:
    """Capture settings recorded per batch."""

    resolution_dpi: int = 300
    color_mode: str = "gray"  # bw | gray | color
    duplex: bool = False
    file_format: str = "PDF/A-2b"
    ocr_languages: list[str] = field(default_factory=lambda: ["deu", "eng"])
    ocr_mode: str = "skip"
    deskew: bool = True
    rotate: bool = True
    blank_page_removal: bool = False


@dataclass
class ScannedDocument:
    """One resulting document of the batch."""

    index: int
    pages: int
    original_sha256: str
    archive_sha256: str | None = None
    document_id: str | None = None
    akte: str | None = None
    asn: str | None = None
    status: str = "ok"  # ok | failed
    failure: str | None = None


@dataclass
class QualityCheck:
    """The second person's check on a sample (document index -> passed)."""

    inspector: str
    checked_at: datetime
    sample: list[int]
    results: dict[int, bool]
    notes: str = ""

    @property
    def passed(self) -> bool:
        return bool(self.results) and all(self.results.values())


@dataclass
class TransferNote:
    """Transfervermerk: links each document (by hash) to the batch and states conformity."""

    batch_id: str
    created_at: datetime
    created_by: str
    statement_de: str
    statement_en: str
    documents: list[dict[str, Any]]
    note_sha256: str = ""

    def canonical(self) -> bytes:
        """Canonical JSON over everything but the note's own hash (sorted keys, UTF-8)."""
        body = {
            "batch_id": self.batch_id,
            "created_at": _iso(self.created_at),
            "created_by": self.created_by,
            "statement_de": self.statement_de,
            "statement_en": self.statement_en,
            "documents": self.documents,
        }
        return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()

    def seal(self) -> None:
        self.note_sha256 = hashlib.sha256(self.canonical()).hexdigest()

    def verify(self) -> bool:
        return bool(self.note_sha256) and self.note_sha256 == hashlib.sha256(self.canonical()).hexdigest()


@dataclass
class ScanBatchRecord:
    """Protocol of one scan batch (Scanstapel)."""

    batch_id: str
    scanner: str
    operator: str
    started_at: datetime
    settings: ScanSettings
    finished_at: datetime | None = None
    source: str = ""
    sheets: int | None = None
    pages_scanned: int = 0
    separator_pages: int = 0
    blank_pages_dropped: int = 0
    protection_need: str = "normal"
    paper_retention_days: int = 0
    documents: list[ScannedDocument] = field(default_factory=list)
    sample: list[int] = field(default_factory=list)
    quality_check: QualityCheck | None = None
    transfer_note: TransferNote | None = None
    paper_destroyed_at: datetime | None = None
    paper_destroyed_by: str | None = None

    # ------------------------------------------------------------------------------------ counts
    @property
    def pages_in_documents(self) -> int:
        return sum(d.pages for d in self.documents)

    @property
    def failed_documents(self) -> list[ScannedDocument]:
        return [d for d in self.documents if d.status != "ok"]

    @property
    def status(self) -> str:
        if self.paper_destroyed_at:
            return "papier_vernichtet"
        if self.transfer_note:
            return "transfervermerk_erstellt"
        if self.quality_check:
            return "qs_bestanden" if self.quality_check.passed else "qs_nicht_bestanden"
        if self.finished_at:
            return "erfasst"
        return "in_erfassung"


def new_batch(
    *,
    scanner: str,
    operator: str,
    settings: ScanSettings | None = None,
    started_at: datetime | None = None,
    source: str = "",
    sheets: int | None = None,
    protection_need: str = "normal",
    paper_retention_days: int = 0,
    batch_id: str | None = None,
) -> ScanBatchRecord:
    """Open a batch record; scanner and operator are required."""
    if not scanner.strip() or not operator.strip():
        raise ResiscanError("scanner and operator are required")
    if protection_need not in PROTECTION_NEEDS:
        raise ResiscanError(f"protection_need must be one of {PROTECTION_NEEDS}")
    if paper_retention_days < 0:
        raise ResiscanError("paper_retention_days must not be negative")
    return ScanBatchRecord(
        batch_id=batch_id or str(uuid.uuid4()),
        scanner=scanner.strip(),
        operator=operator.strip(),
        started_at=_aware(started_at or _now(), "started_at"),
        settings=settings or ScanSettings(),
        source=source,
        sheets=sheets,
        protection_need=protection_need,
        paper_retention_days=paper_retention_days,
    )


def add_document(record: ScanBatchRecord, document: ScannedDocument) -> None:
    if record.finished_at is not None:
        raise ResiscanError("the batch is finished; no documents can be added")
    if any(d.index == document.index for d in record.documents):
        raise ResiscanError(f"document {document.index} is already recorded")
    record.documents.append(document)


def finish_batch(
    record: ScanBatchRecord, *, pages_scanned: int, separator_pages: int = 0, blank_pages_dropped: int = 0,
    finished_at: datetime | None = None,
) -> None:
    """Close capture and check the page balance: scanned = in documents + separators + dropped blanks."""
    if record.finished_at is not None:
        raise ResiscanError("the batch is already finished")
    accounted = record.pages_in_documents + separator_pages + blank_pages_dropped
    if record.documents and not record.failed_documents and accounted != pages_scanned:
        raise ResiscanError(
            f"page balance does not match: {pages_scanned} scanned, {accounted} accounted for "
            f"({record.pages_in_documents} in documents, {separator_pages} separators, "
            f"{blank_pages_dropped} blank dropped)"
        )
    record.pages_scanned = pages_scanned
    record.separator_pages = separator_pages
    record.blank_pages_dropped = blank_pages_dropped
    record.finished_at = _aware(finished_at or _now(), "finished_at")


def draw_sample(record: ScanBatchRecord, *, rate: float = 0.1, minimum: int = 1) -> list[int]:
    """Draw (once) the documents the second person must check; reproducible from the batch id.

    Protection need ``sehr_hoch`` means every document is checked.
    """
    if record.sample:
        return list(record.sample)
    indexes = sorted(d.index for d in record.documents)
    if not indexes:
        raise ResiscanError("the batch has no documents to sample")
    if record.protection_need == "sehr_hoch":
        size = len(indexes)
    else:
        size = min(len(indexes), max(minimum, round(len(indexes) * rate + 0.4999)))
    rng = random.Random(record.batch_id)  # noqa: S311 - reproducible audit sample, not security
    record.sample = sorted(rng.sample(indexes, size))
    return list(record.sample)


def record_quality_check(
    record: ScanBatchRecord,
    *,
    inspector: str,
    results: dict[int, bool],
    notes: str = "",
    checked_at: datetime | None = None,
) -> QualityCheck:
    """Record the second person's check. Refuses the operator as inspector and an incomplete sample."""
    if record.finished_at is None:
        raise ResiscanError("finish the batch before the quality check")
    if not inspector.strip():
        raise ResiscanError("the inspector is required")
    if inspector.strip().casefold() == record.operator.casefold():
        raise ResiscanError(
            "the quality check must be done by a second person, not the operator (Vier-Augen-Prinzip)"
        )
    sample = record.sample or draw_sample(record)
    missing = sorted(set(sample) - set(results))
    if missing:
        raise ResiscanError(f"sample documents not checked: {missing}")
    unknown = sorted(set(results) - {d.index for d in record.documents})
    if unknown:
        raise ResiscanError(f"unknown documents in the check: {unknown}")
    check = QualityCheck(
        inspector=inspector.strip(), checked_at=_aware(checked_at or _now(), "checked_at"),
        sample=list(sample), results=dict(results), notes=notes,
    )
    record.quality_check = check
    return check


def issue_transfer_note(
    record: ScanBatchRecord, *, created_by: str, created_at: datetime | None = None
) -> TransferNote:
    """Issue the Transfervermerk: only for a passed check and documents stored with an archive hash."""
    if record.quality_check is None or not record.quality_check.passed:
        raise ResiscanError("a passed quality check is required before the transfer note")
    if record.failed_documents:
        raise ResiscanError(f"{len(record.failed_documents)} document(s) failed; retry them first")
    unstored = [d.index for d in record.documents if not d.archive_sha256]
    if unstored:
        raise ResiscanError(f"documents without archive copy hash: {unstored}")
    note = TransferNote(
        batch_id=record.batch_id,
        created_at=_aware(created_at or _now(), "created_at"),
        created_by=created_by,
        statement_de=CONFORMITY_STATEMENT_DE,
        statement_en=CONFORMITY_STATEMENT_EN,
        documents=[
            {
                "index": d.index,
                "document_id": d.document_id,
                "pages": d.pages,
                "akte": d.akte,
                "asn": d.asn,
                "original_sha256": d.original_sha256,
                "archive_sha256": d.archive_sha256,
            }
            for d in sorted(record.documents, key=lambda d: d.index)
        ],
    )
    note.seal()
    record.transfer_note = note
    return note


def destruction_decision(record: ScanBatchRecord, *, as_of: datetime | None = None) -> tuple[bool, list[str]]:
    """May the paper be destroyed now? Returns (allowed, reasons why not)."""
    when = _aware(as_of or _now(), "as_of")
    reasons: list[str] = []
    if record.paper_destroyed_at:
        reasons.append("paper already destroyed")
    if record.finished_at is None:
        reasons.append("batch not finished")
    if record.quality_check is None:
        reasons.append("no quality check by a second person")
    elif not record.quality_check.passed:
        reasons.append("quality check failed")
    if record.failed_documents:
        reasons.append("failed documents in the batch")
    if record.transfer_note is None:
        reasons.append("no transfer note")
    elif not record.transfer_note.verify():
        reasons.append("transfer note hash does not verify")
    if record.finished_at and record.paper_retention_days:
        until = record.finished_at + timedelta(days=record.paper_retention_days)
        if when < until:
            reasons.append(f"paper must be kept until {until.date().isoformat()}")
    return (not reasons, reasons)


def record_destruction(record: ScanBatchRecord, *, by: str, at: datetime | None = None) -> None:
    allowed, reasons = destruction_decision(record, as_of=at)
    if not allowed:
        raise ResiscanError("paper may not be destroyed yet: " + "; ".join(reasons))
    record.paper_destroyed_at = _aware(at or _now(), "at")
    record.paper_destroyed_by = by


# ------------------------------------------------------------------------------------ serialisation


def to_dict(record: ScanBatchRecord) -> dict[str, Any]:
    data = asdict(record)
    for key in ("started_at", "finished_at", "paper_destroyed_at"):
        data[key] = _iso(getattr(record, key))
    if record.quality_check:
        data["quality_check"]["checked_at"] = _iso(record.quality_check.checked_at)
        data["quality_check"]["results"] = {str(k): v for k, v in record.quality_check.results.items()}
        data["quality_check"]["passed"] = record.quality_check.passed
    if record.transfer_note:
        data["transfer_note"]["created_at"] = _iso(record.transfer_note.created_at)
    data["status"] = record.status
    data["pages_in_documents"] = record.pages_in_documents
    return data


def from_dict(data: dict[str, Any]) -> ScanBatchRecord:
    qc = data.get("quality_check")
    note = data.get("transfer_note")
    started = _parse(data["started_at"])
    assert started is not None
    return ScanBatchRecord(
        batch_id=data["batch_id"],
        scanner=data["scanner"],
        operator=data["operator"],
        started_at=started,
        settings=ScanSettings(**data.get("settings", {})),
        finished_at=_parse(data.get("finished_at")),
        source=data.get("source", ""),
        sheets=data.get("sheets"),
        pages_scanned=data.get("pages_scanned", 0),
        separator_pages=data.get("separator_pages", 0),
        blank_pages_dropped=data.get("blank_pages_dropped", 0),
        protection_need=data.get("protection_need", "normal"),
        paper_retention_days=data.get("paper_retention_days", 0),
        documents=[ScannedDocument(**d) for d in data.get("documents", [])],
        sample=list(data.get("sample", [])),
        quality_check=QualityCheck(
            inspector=qc["inspector"], checked_at=_parse(qc["checked_at"]) or _now(), sample=qc["sample"],
            results={int(k): bool(v) for k, v in qc["results"].items()}, notes=qc.get("notes", ""),
        ) if qc else None,
        transfer_note=TransferNote(
            batch_id=note["batch_id"], created_at=_parse(note["created_at"]) or _now(),
            created_by=note["created_by"], statement_de=note["statement_de"],
            statement_en=note["statement_en"], documents=note["documents"], note_sha256=note["note_sha256"],
        ) if note else None,
        paper_destroyed_at=_parse(data.get("paper_destroyed_at")),
        paper_destroyed_by=data.get("paper_destroyed_by"),
    )


def to_json(record: ScanBatchRecord) -> str:
    return json.dumps(to_dict(record), ensure_ascii=False, indent=2, sort_keys=True)


def from_json(text: str) -> ScanBatchRecord:
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise ResiscanError(f"invalid batch record JSON: {exc}") from exc
    try:
        return from_dict(data)
    except (KeyError, TypeError, ValueError) as exc:
        raise ResiscanError(f"incomplete batch record: {exc}") from exc


def _fmt(value: datetime | None) -> str:
    return value.astimezone(UTC).strftime("%d.%m.%Y %H:%M UTC") if value else "—"


def render_text(record: ScanBatchRecord) -> str:
    """Human-readable protocol (German) including the Transfervermerk."""
    s = record.settings
    lines = [
        f"Scanprotokoll (BSI TR-RESISCAN) – Stapel {record.batch_id}",
        f"Status: {record.status}",
        f"Scanner: {record.scanner}",
        f"Bediener/in: {record.operator}",
        f"Beginn: {_fmt(record.started_at)}   Ende: {_fmt(record.finished_at)}",
        f"Herkunft: {record.source or '—'}   Blätter: {record.sheets if record.sheets is not None else '—'}",
        f"Schutzbedarf: {record.protection_need}",
        f"Einstellungen: {s.resolution_dpi} dpi, {s.color_mode}, {'Duplex' if s.duplex else 'Simplex'}, "
        f"{s.file_format}, OCR {'+'.join(s.ocr_languages)} ({s.ocr_mode}), "
        f"Geraderichten {'ja' if s.deskew else 'nein'}, Drehen {'ja' if s.rotate else 'nein'}, "
        f"Leerseitenentfernung {'ja' if s.blank_page_removal else 'nein'}",
        f"Seiten: {record.pages_scanned} gescannt, {record.pages_in_documents} in Dokumenten, "
        f"{record.separator_pages} Trennblätter, {record.blank_pages_dropped} Leerseiten entfernt",
        f"Dokumente: {len(record.documents)} ({len(record.failed_documents)} fehlgeschlagen)",
        "",
    ]
    for d in sorted(record.documents, key=lambda d: d.index):
        lines.append(
            f"  #{d.index + 1}: {d.pages} S., Akte {d.akte or '—'}, ASN {d.asn or '—'}, {d.status}"
            + (f" ({d.failure})" if d.failure else "")
        )
        lines.append(f"      Original  SHA-256 {d.original_sha256}")
        lines.append(f"      Archiv    SHA-256 {d.archive_sha256 or '—'}")
    qc = record.quality_check
    lines.append("")
    if qc:
        lines.append(
            f"Qualitätskontrolle: {qc.inspector}, {_fmt(qc.checked_at)}, Stichprobe "
            f"{[i + 1 for i in qc.sample]}: {'bestanden' if qc.passed else 'NICHT bestanden'}"
            + (f" – {qc.notes}" if qc.notes else "")
        )
    else:
        lines.append("Qualitätskontrolle: ausstehend")
    note = record.transfer_note
    if note:
        lines += [
            "",
            f"Transfervermerk vom {_fmt(note.created_at)}, erstellt von {note.created_by}",
            note.statement_de,
            f"Prüfsumme des Vermerks (SHA-256): {note.note_sha256}",
        ]
    if record.paper_destroyed_at:
        lines.append(f"Papier vernichtet am {_fmt(record.paper_destroyed_at)} durch {record.paper_destroyed_by}")
    return "\n".join(lines) + "\n"


class ResiscanStore:
    """Batch records as JSON files (``<id>.json``) plus the readable protocol (``<id>.txt``)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def _path(self, batch_id: str, suffix: str) -> Path:
        try:
            uuid.UUID(batch_id)
        except ValueError:
            if not batch_id.replace("-", "").replace("_", "").isalnum():
                raise ResiscanError(f"invalid batch id: {batch_id!r}") from None
        return self.root / f"{batch_id}{suffix}"

    def save(self, record: ScanBatchRecord) -> Path:
        self.root.mkdir(parents=True, exist_ok=True)
        target = self._path(record.batch_id, ".json")
        for path, text in ((target, to_json(record)), (self._path(record.batch_id, ".txt"), render_text(record))):
            fd, tmp = tempfile.mkstemp(dir=self.root, prefix=".rec-", suffix=".part")
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(text)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        return target

    def load(self, batch_id: str) -> ScanBatchRecord:
        path = self._path(batch_id, ".json")
        if not path.is_file():
            raise ResiscanError(f"no batch record {batch_id}")
        return from_json(path.read_text(encoding="utf-8"))

    def list_ids(self) -> list[str]:
        if not self.root.is_dir():
            return []
        return sorted(p.stem for p in self.root.glob("*.json"))
