"""Archive hand-over (xdomea 3.0.0 Aussonderung) on top of the dms: offer (0501), appraisal (0502),
transfer (0503), confirmation (0506) → a disposal request for what the archive confirmed or rejected (V).

Local destruction still goes through the four-eyes disposal request; nothing is destroyed before the
archive has answered (see :class:`retention.xdomea.AussonderungProcess`).
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlmodel import Session, col

from dms import audit
from dms.db.tables import Akte, Document
from dms.db.types import utcnow
from dms.domain.principal import Principal
from dms.errors import NotFound, ValidationFailed
from dms.retention_facts import FactsBuilder, calculator
from dms.retention_service import holds_index, open_disposal
from dms.retention_settings import RetentionSettings
from dms.retention_tables import ArchiveHandover
from retention import Action, Status
from retention.errors import XdomeaError
from retention.xdomea import (
    Acknowledgement,
    Agency,
    Appraisal,
    AppraisalCode,
    AussonderungProcess,
    ImportConfirmation,
    OfferDocument,
    OfferObject,
    build_0501,
    build_0503,
    container_name,
    read_container,
)

if TYPE_CHECKING:
    from dms.bootstrap import Container

_NS = uuid.UUID("6a1f3f0e-3c52-5a55-9f7e-616b74656e77")  # fixed namespace for Aktenwerk object ids


def object_id(kind: str, pk: int) -> str:
    """Stable xdomea UUID of an Akte or document."""
    return str(uuid.uuid5(_NS, f"aktenwerk/{kind}/{pk}"))


def _agencies(settings: RetentionSettings) -> tuple[Agency, Agency]:
    return (
        Agency(settings.agency_code, settings.agency_name, settings.agency_name),
        Agency(settings.archive_code, settings.archive_name),
    )


def _offer_document(doc: Document) -> OfferDocument:
    return OfferDocument(
        object_id("document", int(doc.id or 0)),
        doc.title or doc.filename,
        str(doc.id),
        doc.document_date,
        doc.received_at.date() if doc.received_at else None,
        doc.document_type or "",
        doc.filename,
    )


def _objects(session: Session, docs: list[Document]) -> tuple[list[OfferObject], dict[str, list[int]]]:
    """Documents grouped by Akte (xdomea Akte with documents); loose documents as Dokument objects."""
    by_akte: dict[int, list[Document]] = {}
    objects: list[OfferObject] = []
    mapping: dict[str, list[int]] = {}
    for doc in docs:
        if doc.akte_id:
            by_akte.setdefault(doc.akte_id, []).append(doc)
        else:
            od = _offer_document(doc)
            objects.append(OfferObject(od.id, "Dokument", od.betreff, document=od))
            mapping[od.id] = [int(doc.id or 0)]
    for akte_id, members in by_akte.items():
        akte = session.get(Akte, akte_id)
        oid = object_id("akte", akte_id)
        dates = [d.document_date for d in members if d.document_date]
        objects.append(
            OfferObject(
                oid,
                "Akte",
                akte.title if akte else f"Akte {akte_id}",
                akte.aktenzeichen if akte else "",
                (akte.aktenzeichen.split("-")[0] if akte else ""),
                min(dates) if dates else None,
                max(dates) if dates else None,
                tuple(_offer_document(d) for d in members),
            )
        )
        mapping[oid] = [int(d.id or 0) for d in members]
    return objects, mapping


def _docs(session: Session, ids: list[int]) -> list[Document]:
    docs = []
    for i in ids:
        doc = session.get(Document, i)
        if doc is None or doc.deleted:
            raise NotFound(f"document {i} not found")
        docs.append(doc)
    return docs


def create_offer(
    session: Session,
    settings: RetentionSettings,
    principal: Principal,
    as_of: date,
    document_ids: list[int] | None = None,
) -> tuple[ArchiveHandover, str, bytes]:
    """Offer list 0501 for due documents (default: all due documents whose class says "offer to the archive")."""
    calc = calculator(settings)
    holds = holds_index(session)
    builder = FactsBuilder(session)
    if document_ids:
        docs = _docs(session, document_ids)
        for doc in docs:
            a = calc.assess(builder.facts(doc), as_of, holds)
            if a.status is not Status.DUE:
                raise ValidationFailed(f"document {doc.id} is not due: {a.reason()}")
    else:
        due_ids = []
        for doc_id, _title, facts in builder.iter_live():
            a = calc.assess(facts, as_of, holds)
            if a.status is Status.DUE and a.action is Action.OFFER_TO_ARCHIVE:
                due_ids.append(doc_id)
        docs = _docs(session, due_ids)
    if not docs:
        raise ValidationFailed(f"nothing to offer to the archive on {as_of}")
    objects, mapping = _objects(session, docs)
    process = AussonderungProcess.start(list(mapping))
    sender, archive = _agencies(settings)
    xml = build_0501(process.process_id, sender, archive, objects, created=utcnow())
    row = ArchiveHandover(
        process_id=process.process_id,
        state=process.state.value,
        data={"process": process.to_dict(), "objects": mapping, "as_of": as_of.isoformat()},
        created_by=principal.user_id or None,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        principal,
        "retention.archive.offer",
        "handover",
        row.id,
        {
            "process_id": process.process_id,
            "objects": len(mapping),
            "documents": sum(map(len, mapping.values())),
        },
    )
    return row, container_name(process.process_id, "Anbieteverzeichnis", "0501") + ".xml", xml


def _load(session: Session, process_id: str) -> tuple[ArchiveHandover, AussonderungProcess]:
    row = session.execute(
        select(ArchiveHandover).where(col(ArchiveHandover.process_id) == process_id)
    ).scalar_one_or_none()
    if row is None:
        raise NotFound(f"no archive hand-over with process id {process_id}")
    return row, AussonderungProcess.from_dict(row.data["process"])


def _save(session: Session, row: ArchiveHandover, process: AussonderungProcess) -> None:
    row.data = {**row.data, "process": process.to_dict()}
    row.state = process.state.value
    row.updated_at = utcnow()
    session.add(row)


def import_message(
    session: Session, settings: RetentionSettings, principal: Principal, data: bytes
) -> dict[str, Any]:
    """Import 0502/0504/0505/0506/0507 (XML or zip). After the archive's final answer a disposal request is
    opened for the destroyable documents (approval by a second records manager is still required)."""
    try:
        message = read_container(data)
    except XdomeaError as exc:
        raise ValidationFailed(str(exc)) from exc
    row, process = _load(session, message.process_id)
    try:
        process.receive(message)
    except XdomeaError as exc:
        raise ValidationFailed(str(exc)) from exc
    _save(session, row, process)
    out: dict[str, Any] = {
        "handover_id": row.id,
        "process_id": process.process_id,
        "state": process.state.value,
    }
    if isinstance(message, Appraisal):
        out["decisions"] = {k: v.value for k, v in message.decisions.items()}
        out["to_transfer"] = process.to_transfer()
    elif isinstance(message, ImportConfirmation):
        out["imported"] = process.imported
    elif isinstance(message, Acknowledgement):
        out["receipt"] = message.code
    kind = type(message).__name__
    destroyable = process.destroyable()
    if destroyable and row.disposal_id is None:
        doc_ids = [d for oid in destroyable for d in row.data["objects"].get(oid, [])]
        live = [d for d in doc_ids if (doc := session.get(Document, d)) is not None and not doc.deleted]
        if live:
            disposal = open_disposal(
                session,
                settings,
                principal,
                live,
                note=f"xdomea Aussonderung {process.process_id}",
                source="xdomea",
            )
            row.disposal_id = disposal.id
            session.add(row)
            out["disposal_id"] = disposal.id
    audit.record(
        session,
        principal,
        "retention.archive.receive",
        "handover",
        row.id,
        {"message": kind, "process_id": process.process_id, "state": process.state.value},
    )
    return out


def build_transfer(
    container: Container, session: Session, settings: RetentionSettings, principal: Principal, process_id: str
) -> tuple[str, bytes]:
    """The 0503 transfer package (A and B objects with their primary files)."""
    row, process = _load(session, process_id)
    wanted = process.to_transfer()
    if not wanted:
        raise ValidationFailed("the archive selected nothing to transfer")
    doc_ids = [d for oid in wanted for d in row.data["objects"].get(oid, [])]
    docs = _docs(session, doc_ids)
    objects, mapping = _objects(session, docs)
    files = {object_id("document", int(d.id or 0)): container.store.get(d.sha256) for d in docs}
    sender, archive = _agencies(settings)
    try:
        name, data = build_0503(process.process_id, sender, archive, objects, files=files, created=utcnow())
        process.mark_transferred()
    except XdomeaError as exc:
        raise ValidationFailed(str(exc)) from exc
    _save(session, row, process)
    audit.record(
        session,
        principal,
        "retention.archive.transfer",
        "handover",
        row.id,
        {"process_id": process_id, "objects": list(mapping), "documents": doc_ids},
    )
    return name, data


def list_handovers(session: Session) -> list[dict[str, Any]]:
    rows = session.execute(select(ArchiveHandover).order_by(col(ArchiveHandover.id).desc())).scalars()
    return [
        {
            "id": r.id,
            "process_id": r.process_id,
            "status": r.state,
            "count": len(r.data.get("objects", {})),
            "disposal_id": r.disposal_id,
            "created_at": r.created_at.isoformat(),
        }
        for r in rows
    ]


__all__ = ["AppraisalCode", "build_transfer", "create_offer", "import_message", "list_handovers", "object_id"]
