"""Scan inbox folders: take scanned stacks, split them into documents, store them, record the batch.

Per file (oldest first, only once it has stopped growing for ``settle_seconds``), after claiming it by
an atomic rename into ``.claimed/`` (so several workers never take the same file; a claim left by a
dead worker is put back after :data:`STALE_CLAIM_SECONDS`; a file already stored is not stored twice):

1. the stack is split at separator sheets (:mod:`dms.ocr.batch`); a stack without separators stays
   one document whose original is the file, bit for bit;
2. every part is stored in the content store and created as a document (channel ``scan``) in one
   transaction, filed into the Akte of its QR code (or the folder's Akte) with its ASN; the ingest
   pipeline (with the OCR step) is queued after commit;
3. only then is the file moved to ``processed/`` (or, if it could not be stored at all, to
   ``failed/`` with a ``.reason.txt``). A stack that cannot be split (damaged, encrypted) is still
   stored as one document: its OCR fails with the reason and the original is kept for a retry.

A TR-RESISCAN batch record is written per file under ``<data>/scan-records``.
"""

from __future__ import annotations

import hashlib
import logging
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlmodel import Session

from dms.db.tables import Akte, Document
from dms.domain.principal import Principal
from dms.errors import DmsError
from dms.ocr import resiscan
from dms.ocr.batch import BatchPlan, SeparationConfig, is_whole, separate_batch
from dms.ocr.config import OcrSettings, ScanFolder
from dms.ocr.errors import OcrError, UnsupportedFormatError
from dms.ocr.imageops import FileKind, sniff
from dms.ocr.tables import ScanFile
from dms.services import documents as svc

if TYPE_CHECKING:
    from dms.bootstrap import Container

log = logging.getLogger(__name__)

SCAN_PRINCIPAL = Principal(user_id=0, username="scan-station", role="admin")
PROCESSED, FAILED, CLAIMED = "processed", "failed", ".claimed"
#: a claimed file untouched for this long belongs to a worker that died
STALE_CLAIM_SECONDS = 900.0
_MIME: dict[FileKind, str] = {"pdf": "application/pdf", "tiff": "image/tiff", "png": "image/png", "jpeg": "image/jpeg"}
_IGNORED_SUFFIXES = (".part", ".tmp", ".crdownload", ".reason.txt")


@dataclass
class InboxReport:
    """What one run did: file name → document ids, or → reason."""

    stored: dict[str, list[int]] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)
    waiting: list[str] = field(default_factory=list)


def inbox_folders(settings_scan_path: Path, cfg: OcrSettings) -> list[ScanFolder]:
    """The main inbox (``AKTENWERK_SCAN_DIR``) plus the configured extra folders."""
    folders = [ScanFolder(path=settings_scan_path, scanner=cfg.scanner, operator=cfg.operator)]
    folders += [f for f in cfg.scan_folders if Path(f.path).resolve() != Path(settings_scan_path).resolve()]
    return folders


def _candidates(folder: Path, settle_seconds: float, report: InboxReport) -> list[Path]:
    if not folder.is_dir():
        return []
    now = time.time()
    out = []
    for path in folder.iterdir():
        if not path.is_file() or path.name.startswith(".") or path.name.endswith(_IGNORED_SUFFIXES):
            continue
        if now - path.stat().st_mtime < settle_seconds:
            report.waiting.append(path.name)
            continue
        out.append(path)
    return sorted(out, key=lambda p: (p.stat().st_mtime, p.name))


def _move(path: Path, folder: Path, sub: str, reason: str | None = None) -> Path:
    target_dir = folder / sub
    target_dir.mkdir(exist_ok=True)
    dest = target_dir / path.name
    n = 1
    while dest.exists():
        dest = target_dir / f"{path.stem}.{n}{path.suffix}"
        n += 1
    path.rename(dest)
    if reason:
        (target_dir / f"{dest.name}.reason.txt").write_text(reason + "\n", encoding="utf-8")
    return dest


def _forget_old_failure(folder: Path, name: str) -> None:
    """A file moved back from ``failed/`` into the inbox (the retry) and now stored: its old reason goes."""
    failed = folder / FAILED
    if not (failed / name).exists():
        (failed / f"{name}.reason.txt").unlink(missing_ok=True)


def _claim(path: Path) -> Path | None:
    """Move the file into ``.claimed/`` (atomic rename): of several workers exactly one gets it."""
    claimed_dir = path.parent / CLAIMED
    claimed_dir.mkdir(exist_ok=True)
    target = claimed_dir / path.name
    if target.exists():
        return None  # a file of that name is still being taken
    try:
        path.rename(target)
    except FileNotFoundError:
        return None  # another worker was faster
    return target


def _recover_stale_claims(folder: Path, stale_seconds: float) -> None:
    """A worker that died mid-file left it in ``.claimed/``: put it back into the inbox."""
    claimed_dir = folder / CLAIMED
    if not claimed_dir.is_dir():
        return
    now = time.time()
    for path in claimed_dir.iterdir():
        if path.is_file() and now - path.stat().st_ctime > stale_seconds and not (folder / path.name).exists():
            log.warning("scan inbox: %s was claimed %.0f s ago and not finished; retrying it", path.name,
                        now - path.stat().st_ctime)
            path.rename(folder / path.name)


def _akte_id(session: Session, aktenzeichen: str | None) -> tuple[int | None, str | None]:
    """The open Akte a part is filed into, or None with the note why not.

    An unknown or closed (zdA) Akte does not fail the whole stack: that part is filed without Akte (a
    closed Akte accepts no documents, and the other documents of the batch must not be lost with it)."""
    if not aktenzeichen:
        return None, None
    stmt = select(Akte).where(Akte.aktenzeichen == aktenzeichen)  # type: ignore[arg-type]
    akte = session.execute(stmt).scalars().first()
    if akte is None:
        return None, f"Akte {aktenzeichen} not found; filed without Akte"
    if akte.status != "open":
        return None, f"Akte {aktenzeichen} is closed (zdA); filed without Akte"
    return akte.id, None


@dataclass
class _Part:
    data: bytes
    filename: str
    mime: str
    pages: int
    akte: str | None = None
    asn: str | None = None
    notes: list[str] = field(default_factory=list)


def _split(path: Path, kind: FileKind, data: bytes, cfg: OcrSettings) -> tuple[list[_Part], BatchPlan | None, str]:
    """Parts to store; an unsplittable file becomes one part (its OCR will fail with the reason)."""
    mime = _MIME[kind]
    with tempfile.TemporaryDirectory(prefix="aw-inbox-") as tmp:
        try:
            result = separate_batch(
                path, Path(tmp), SeparationConfig(drop_blank_pages=cfg.drop_blank_pages), write_whole=False
            )
        except OcrError as exc:
            return [_Part(data, path.name, mime, 0, notes=[f"not split: {exc.code}"])], None, exc.code
        plan = result.plan
        if is_whole(plan):  # keep the scanner's file bit for bit as the original
            part = plan.parts[0]
            return [_Part(data, path.name, mime, len(part.pages), part.akte, part.asn, list(part.warnings))], plan, ""
        parts = []
        for part, doc in zip(plan.parts, result.documents, strict=True):
            name = f"{path.stem}-{part.index + 1:03d}.pdf"
            parts.append(_Part(doc.read_bytes(), name, "application/pdf", len(part.pages), part.akte, part.asn,
                               list(part.warnings)))
        return parts, plan, ""


def _plan_json(plan: BatchPlan | None) -> dict[str, object]:
    if plan is None:
        return {}
    return {
        "source_pages": plan.source_pages,
        "separator_pages": list(plan.separator_pages),
        "dropped_blank_pages": list(plan.dropped_blank_pages),
        "parts": [{"pages": list(p.pages), "akte": p.akte, "asn": p.asn, "warnings": list(p.warnings)}
                  for p in plan.parts],
        "warnings": list(plan.warnings),
    }


def ingest_file(container: Container, folder: ScanFolder, path: Path, cfg: OcrSettings) -> list[int]:
    """Store one scanned file as document(s). Raises DmsError when nothing could be stored."""
    data = path.read_bytes()
    if len(data) > cfg.max_file_bytes:
        raise UnsupportedFormatError(f"file larger than {cfg.max_file_bytes} bytes")
    kind = sniff(path)
    digest = hashlib.sha256(data).hexdigest()
    with container.uow(read_only=True) as uow:
        done = uow.session.execute(
            select(ScanFile).where(ScanFile.sha256 == digest, ScanFile.filename == path.name,  # type: ignore[arg-type]
                                   ScanFile.status == "stored")  # type: ignore[arg-type]
        ).scalars().first()
        if done is not None:  # stored before, but the file was not moved (worker died in between)
            log.info("scan inbox: %s was already stored as %s", path.name, done.document_ids)
            return list(done.document_ids)
    parts, plan, split_error = _split(path, kind, data, cfg)
    record = resiscan.new_batch(
        scanner=folder.scanner, operator=folder.operator, source=f"{folder.path}/{path.name}",
        settings=resiscan.ScanSettings(ocr_languages=list(cfg.language_tuple), ocr_mode=cfg.mode,
                                       deskew=cfg.deskew, rotate=cfg.rotate,
                                       blank_page_removal=cfg.drop_blank_pages),
        paper_retention_days=cfg.paper_retention_days,
    )
    blobs = [container.store.put(p.data) for p in parts]
    if len(parts) > 1:
        container.store.put(data)  # the whole stack as scanned, for provenance
    ids: list[int] = []
    with container.uow() as uow:
        for part, blob in zip(parts, blobs, strict=True):
            akte_id, akte_note = _akte_id(uow.session, part.akte or folder.akte)
            notes = list(part.notes)
            if akte_note:
                notes.append(akte_note)
            new = svc.create_document(
                uow.session, SCAN_PRINCIPAL, blob, filename=part.filename, mime_type=part.mime,
                akte_id=akte_id, department=folder.department, channel="scan",
                tags=["scan"], enqueue=uow.enqueue,
            )
            doc = uow.session.get(Document, new.id)
            if doc is not None and part.asn:
                doc.asn = part.asn
                uow.session.add(doc)
            ids.append(new.id)
            resiscan.add_document(record, resiscan.ScannedDocument(
                index=len(ids) - 1, pages=part.pages, original_sha256=blob.sha256, document_id=str(new.id),
                # the Akte it was filed into: an unknown or closed one named by a QR code is not claimed
                akte=(part.akte or folder.akte) if akte_id is not None else None, asn=part.asn,
            ))
            if notes:
                log.info("scan %s → document %s: %s", path.name, new.id, "; ".join(notes))
        pages = plan.source_pages if plan else sum(p.pages for p in parts)
        resiscan.finish_batch(
            record, pages_scanned=pages,
            separator_pages=len(plan.separator_pages) if plan else 0,
            blank_pages_dropped=len(plan.dropped_blank_pages) if plan else 0,
        )
        uow.session.add(ScanFile(
            batch_id=record.batch_id, folder=str(folder.path), filename=path.name, sha256=digest,
            status="stored", reason=split_error or None, document_ids=ids, plan=_plan_json(plan),
        ))
        uow.commit()
    resiscan.ResiscanStore(container.settings.data_path / "scan-records").save(record)
    return ids


def run_inbox(container: Container, cfg: OcrSettings | None = None,
              folders: Iterable[ScanFolder] | None = None) -> InboxReport:
    """Process every settled file of every inbox folder once."""
    cfg = cfg or OcrSettings()
    report = InboxReport()
    for folder in folders if folders is not None else inbox_folders(container.settings.scan_path, cfg):
        root = Path(folder.path)
        _recover_stale_claims(root, STALE_CLAIM_SECONDS)
        for found in _candidates(root, cfg.settle_seconds, report):
            path = _claim(found)
            if path is None:
                continue
            try:
                ids = ingest_file(container, folder, path, cfg)
            except (DmsError, OSError) as exc:
                reason = f"{type(exc).__name__}: {exc}"
                log.warning("scan inbox: %s not stored: %s", found, reason)
                report.failed[found.name] = reason
                _move(path, root, FAILED, reason)
                continue
            report.stored[found.name] = ids
            _move(path, root, PROCESSED)
            _forget_old_failure(root, found.name)
    return report
