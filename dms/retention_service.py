"""Retention services of the application: holds, events, the GoBD delete lock, disposal requests.

Session functions never commit (the caller's unit of work does). Disposal *execution* is a job runner
(like the outbox drain): it commits per item so an interrupted run resumes where it stopped.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, func, insert, select, update
from sqlmodel import Session, col

from dms import audit
from dms.db.tables import Akte, AuditEntry, Document, DocumentText, DocumentVersion, SearchOutbox
from dms.db.types import utcnow
from dms.domain.principal import Principal
from dms.errors import Gone, NotFound, PermissionDenied, ValidationFailed
from dms.retention_facts import FactsBuilder, active_holds, calculator, registry, today
from dms.retention_settings import RetentionSettings
from dms.retention_tables import (
    DisposalItemRow,
    DisposalRequestRow,
    RetentionEvent,
    RetentionHold,
    RetentionPlanItem,
    RetentionPlanRun,
    RetentionTombstone,
)
from retention import (
    Action,
    Decision,
    DeletionBlocked,
    HoldIndex,
    HoldScope,
    RetentionCalculator,
    Status,
    Trigger,
    may_delete,
)
from retention.certificate import certificate
from retention.disposal import Actor, DisposalItem, DisposalRequest, ItemState, RequestState, execute
from retention.errors import NotAuthorised, RetentionError
from retention.schedule import Assessment, DisposalPlan, plan

if TYPE_CHECKING:
    from dms.bootstrap import Container

DISPOSED = "disposed"
#: archive law (e.g. § 4 ArchivG NRW): records must be offered to the archive before they may be destroyed
OFFER_FIRST = (
    "Die Unterlagen sind vor der Vernichtung dem zuständigen Archiv anzubieten "
    "(Aussonderung nach xdomea: Anbieteverzeichnis 0501, Bewertung 0502)."
)
MAX_DISPOSAL_ITEMS = 100_000


def actor_of(principal: Principal) -> Actor:
    return Actor(str(principal.user_id), principal.username, principal.role)


# ---------------------------------------------------------------- saved-query holds
_TERM = re.compile(r'(\w+):("([^"]*)"|(\S+))')
_QUERY_FIELDS = {
    "type": col(Document.document_type),
    "correspondent": col(Document.correspondent),
    "department": col(Document.department),
    "class": col(Document.retention_class),
}


def parse_hold_query(text: str) -> list[tuple[str, str]]:
    """A saved query for holds: ``field:value`` terms joined by AND (type, correspondent, department,
    class, akte (Aktenzeichen), year, tag). Anything else is refused so a hold never silently matches nothing."""
    terms = [
        (m.group(1).lower(), m.group(3) if m.group(3) is not None else m.group(4))
        for m in _TERM.finditer(text)
    ]
    rest = _TERM.sub("", text).strip()
    if not terms or rest:
        raise ValidationFailed(f"hold query must be field:value terms, got {text!r}")
    for name, value in terms:
        if name not in {*_QUERY_FIELDS, "akte", "year", "tag"}:
            raise ValidationFailed(
                f"unknown hold query field {name!r} (type, correspondent, department, class, akte, year, tag)"
            )
        if name == "year" and not value.isdigit():
            raise ValidationFailed(f"year must be a number, got {value!r}")
    return terms


def resolve_hold_query(session: Session, text: str) -> set[str]:
    q = select(col(Document.id), col(Document.tags))
    tags: list[str] = []
    for name, value in parse_hold_query(text):
        if name in _QUERY_FIELDS:
            q = q.where(_QUERY_FIELDS[name] == value)
        elif name == "akte":
            q = q.join(Akte, col(Akte.id) == col(Document.akte_id)).where(col(Akte.aktenzeichen) == value)
        elif name == "year":
            q = q.where(
                col(Document.document_date) >= date(int(value), 1, 1),
                col(Document.document_date) <= date(int(value), 12, 31),
            )
        else:
            tags.append(value)
    return {str(i) for i, doc_tags in session.execute(q) if all(t in (doc_tags or []) for t in tags)}


def holds_index(session: Session) -> HoldIndex:
    return active_holds(session, lambda text: resolve_hold_query(session, text))


# ---------------------------------------------------------------- assessment of one document
def _live_document(session: Session, document_id: int) -> Document:
    doc = session.get(Document, document_id)
    if doc is None:
        raise NotFound(f"document {document_id} not found")
    if doc.deleted:
        tomb = session.get(RetentionTombstone, document_id)
        if tomb is not None:
            raise Gone(f"document {document_id} was disposed on {tomb.disposed_at:%Y-%m-%d}")
        raise NotFound(f"document {document_id} not found")
    return doc


def assess_document(
    session: Session,
    settings: RetentionSettings,
    document_id: int,
    as_of: date | None = None,
    calc: RetentionCalculator | None = None,
) -> Assessment:
    doc = _live_document(session, document_id)
    facts = FactsBuilder(session).facts(doc)
    return (calc or calculator(settings)).assess(facts, as_of or today(settings), holds_index(session))


def retention_info(
    session: Session,
    settings: RetentionSettings,
    principal: Principal,
    document_id: int,
    as_of: date | None = None,
) -> dict[str, Any]:
    """Why is this document kept until when — or when was it disposed."""
    doc = session.get(Document, document_id)
    if doc is None:
        raise NotFound(f"document {document_id} not found")
    if not principal.can_read_acl(t for t in doc.acl_tokens.split(" ") if t):
        raise NotFound(f"document {document_id} not found")
    tomb = session.get(RetentionTombstone, document_id)
    if tomb is not None:
        return {
            "document_id": document_id,
            "status": DISPOSED,
            "disposed_at": tomb.disposed_at.isoformat(),
            "disposal_id": tomb.disposal_id,
            "sha256": tomb.sha256,
            "class_id": tomb.class_id,
            "reason": tomb.reason,
        }
    a = assess_document(session, settings, document_id, as_of)
    data = a.to_dict()
    data["document_id"] = document_id
    data["as_of"] = a.as_of.isoformat()
    data["disposable_from"] = a.disposable_from.isoformat() if a.disposable_from else None
    return data


def decision_for(
    session: Session,
    settings: RetentionSettings,
    document_id: int,
    as_of: date | None = None,
    calc: RetentionCalculator | None = None,
) -> Decision:
    """The GoBD lock: may this document's content be removed now?"""
    doc = _live_document(session, document_id)
    facts = FactsBuilder(session).facts(doc)
    return may_delete(
        facts,
        holds_index(session),
        as_of or today(settings),
        calc or calculator(settings),
        allow_unclassified=settings.allow_unclassified_delete,
    )


def ensure_content_change_allowed(session: Session, settings: RetentionSettings, document_id: int) -> None:
    """For other contexts: raise :class:`DeletionBlocked` (→ 409) while retention runs or a hold applies."""
    decision = decision_for(session, settings, document_id)
    if not decision.allowed:
        raise DeletionBlocked(decision.reason)


def validate_retention_class(settings: RetentionSettings, class_id: str | None) -> None:
    """For upload/metadata edits: refuse (422) a retention class id that is not configured."""
    if class_id and class_id not in registry(settings):
        known = ", ".join(sorted(registry(settings)))
        raise ValidationFailed(f"unknown retention class {class_id!r} (known: {known})")


# ---------------------------------------------------------------- holds and events
def create_hold(
    session: Session,
    principal: Principal,
    *,
    reason: str,
    document_id: int | None = None,
    akte_id: int | None = None,
    query: str | None = None,
    owner: str | None = None,
    review_date: date | None = None,
) -> RetentionHold:
    given = [x for x in (document_id, akte_id, query) if x not in (None, "")]
    if len(given) != 1:
        raise ValidationFailed("a hold needs exactly one of document_id, akte_id, query")
    reason = (reason or "").strip()
    if len(reason) < 3:
        raise ValidationFailed("a hold needs a reason (at least 3 characters)")
    if document_id is not None:
        doc = session.get(Document, document_id)
        if doc is None or doc.deleted:
            raise NotFound(f"document {document_id} not found")
        scope, target = HoldScope.DOCUMENT, str(document_id)
    elif akte_id is not None:
        if session.get(Akte, akte_id) is None:
            raise NotFound(f"Akte {akte_id} not found")
        scope, target = HoldScope.AKTE, str(akte_id)
    else:
        assert query is not None
        parse_hold_query(query)
        scope, target = HoldScope.QUERY, query.strip()
    row = RetentionHold(
        scope=scope.value,
        target=target,
        reason=reason[:5000],
        owner=(owner or principal.username),
        review_date=review_date,
        created_by=principal.user_id or None,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        principal,
        "retention.hold.create",
        "hold",
        row.id,
        {"scope": row.scope, "target": row.target, "reason": row.reason, "review_date": review_date},
    )
    return row


def release_hold(
    session: Session, principal: Principal, hold_id: int, note: str | None = None
) -> RetentionHold:
    row = session.get(RetentionHold, hold_id)
    if row is None:
        raise NotFound(f"hold {hold_id} not found")
    if row.released_at is not None:
        raise ValidationFailed(f"hold {hold_id} was already released")
    row.released_at = utcnow()
    row.released_by = principal.user_id or None
    row.release_note = note
    session.add(row)
    audit.record(
        session,
        principal,
        "retention.hold.release",
        "hold",
        hold_id,
        {"scope": row.scope, "target": row.target, "note": note},
    )
    return row


def list_holds(session: Session, *, active_only: bool = False) -> list[RetentionHold]:
    q = select(RetentionHold).order_by(RetentionHold.id)  # type: ignore[arg-type]
    if active_only:
        q = q.where(RetentionHold.released_at.is_(None))  # type: ignore[union-attr]
    return list(session.execute(q).scalars())


def record_event(
    session: Session,
    principal: Principal,
    name: str,
    *,
    fiscal_year: int,
    occurred_on: date,
    note: str | None = None,
    settings: RetentionSettings | None = None,
) -> RetentionEvent:
    """Record a retention event (e.g. the council adopted the annual accounts of ``fiscal_year``).

    With ``settings`` the name must be an event some retention class starts from: a misspelt name would be
    stored and start nothing, and the records waiting for it would stay undetermined without a word."""
    name = name.strip()
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]{1,99}", name):
        raise ValidationFailed("event name: lower-case letters, digits and hyphens")
    if settings is not None:
        known = sorted({c.event for c in registry(settings).values() if c.event})
        if name not in known:
            raise ValidationFailed(
                f"unknown event {name!r}: no retention class starts from it (known: {', '.join(known) or 'none'})"
            )
    if occurred_on.year < fiscal_year:
        raise ValidationFailed("the event cannot happen before the end of its fiscal year's start")
    exists = session.execute(
        select(RetentionEvent).where(col(RetentionEvent.name) == name, col(RetentionEvent.fiscal_year) == fiscal_year)
    ).scalar_one_or_none()
    if exists is not None:
        raise ValidationFailed(f"event {name} for {fiscal_year} is already recorded ({exists.occurred_on})")
    row = RetentionEvent(
        name=name,
        fiscal_year=fiscal_year,
        occurred_on=occurred_on,
        note=note,
        recorded_by=principal.user_id or None,
    )
    session.add(row)
    audit.record(
        session,
        principal,
        "retention.event",
        "retention_event",
        f"{name}/{fiscal_year}",
        {"occurred_on": occurred_on, "note": note},
    )
    return row


# ---------------------------------------------------------------- plan
def compute_plan(
    session: Session, settings: RetentionSettings, as_of: date
) -> tuple[DisposalPlan, dict[str, str]]:
    """The disposal plan over all live documents on ``as_of`` and the titles of the listed documents."""
    builder = FactsBuilder(session)
    titles: dict[str, str] = {}

    calc = calculator(settings)
    need_received = any(c.trigger is Trigger.RECEIPT for c in calc.classes.values())

    def facts() -> Iterable[Any]:
        for _doc_id, title, f in builder.iter_live(need_received=need_received):
            titles[f.record_id] = title
            yield f

    result = plan(facts(), calc, holds_index(session), as_of)
    keep = {a.record_id for a in result.items} | {a.record_id for a in result.blocked}
    return result, {k: v for k, v in titles.items() if k in keep}


# ---------------------------------------------------------------- disposal requests
def _to_request(session: Session, row: DisposalRequestRow) -> DisposalRequest:
    items = [
        DisposalItem(
            str(i.document_id),
            i.sha256,
            i.class_id,
            i.keep_until,
            i.document_date,
            i.title,
            ItemState(i.state),
            i.detail,
            i.completed_at,
        )
        for i in session.execute(
            select(DisposalItemRow)
            .where(col(DisposalItemRow.disposal_id) == row.id)
            .order_by(col(DisposalItemRow.position))
        ).scalars()
    ]
    opened = Actor(str(row.opened_by), row.opened_by_name, "records_manager")
    approved = (
        Actor(str(row.approved_by), row.approved_by_name or "", "records_manager")
        if row.approved_by
        else None
    )
    return DisposalRequest(
        str(row.id),
        items,
        opened,
        row.opened_at,
        RequestState(row.state),
        row.note,
        approved,
        row.approved_at,
        None,
        row.closed_reason,
        row.started_at,
        row.completed_at,
    )


def _store_request(session: Session, row: DisposalRequestRow, req: DisposalRequest) -> None:
    row.state = req.state.value
    row.approved_by = int(req.approved_by.id) if req.approved_by else None
    row.approved_by_name = req.approved_by.name if req.approved_by else None
    row.approved_at = req.approved_at
    row.started_at = req.started_at
    row.completed_at = req.completed_at
    row.closed_reason = req.closed_reason
    if req.closed_by:
        row.closed_by = int(req.closed_by.id)
    session.add(row)


def get_disposal(session: Session, disposal_id: int) -> DisposalRequestRow:
    row = session.get(DisposalRequestRow, disposal_id)
    if row is None:
        raise NotFound(f"disposal request {disposal_id} not found")
    return row


def open_disposal(
    session: Session,
    settings: RetentionSettings,
    principal: Principal,
    document_ids: list[int],
    *,
    note: str = "",
    source: str = "manual",
    as_of: date | None = None,
) -> DisposalRequestRow:
    """A records manager asks to dispose of documents whose retention has ended (four-eyes: see approve)."""
    ids = list(dict.fromkeys(int(i) for i in document_ids))
    if not ids:
        raise ValidationFailed("document_ids must not be empty")
    if len(ids) > MAX_DISPOSAL_ITEMS:
        raise ValidationFailed(f"at most {MAX_DISPOSAL_ITEMS} documents per disposal request")
    day = as_of or today(settings)
    calc = calculator(settings)
    builder = FactsBuilder(session)
    holds = holds_index(session)
    items: list[DisposalItem] = []
    refused: list[str] = []
    for doc_id in ids:
        doc = _live_document(session, doc_id)
        a = calc.assess(builder.facts(doc), day, holds)
        if a.status is not Status.DUE:
            refused.append(f"{doc_id}: {a.reason()}")
            continue
        if a.action is Action.OFFER_TO_ARCHIVE and source != "xdomea":
            refused.append(f"{doc_id}: {OFFER_FIRST}")
            continue
        items.append(
            DisposalItem(str(doc_id), doc.sha256, a.class_id, a.keep_until, doc.document_date, doc.title)
        )
    if refused:
        raise DeletionBlocked("nicht aussonderbar – " + " | ".join(refused[:20]))
    try:
        req = DisposalRequest.open("new", items, actor_of(principal), utcnow(), note)
    except NotAuthorised as exc:
        raise PermissionDenied(str(exc)) from exc
    row = DisposalRequestRow(
        state=req.state.value,
        source=source,
        note=note,
        opened_by=principal.user_id,
        opened_by_name=principal.username,
        opened_at=req.opened_at,
    )
    session.add(row)
    session.flush()
    for pos, it in enumerate(items):
        session.add(
            DisposalItemRow(
                disposal_id=int(row.id or 0),
                position=pos,
                document_id=int(it.record_id),
                sha256=it.sha256,
                class_id=it.class_id,
                keep_until=it.keep_until,
                document_date=it.document_date,
                title=it.title[:500],
            )
        )
    audit.record(
        session,
        principal,
        "retention.disposal.open",
        "disposal",
        row.id,
        {"documents": ids[:1000], "count": len(ids), "note": note, "as_of": day},
    )
    return row


def approve(session: Session, principal: Principal, disposal_id: int) -> DisposalRequestRow:
    """Second records manager approves (the same person → PermissionDenied). Execution follows separately."""
    row = get_disposal(session, disposal_id)
    req = _to_request(session, row)
    try:
        req.approve(actor_of(principal), utcnow())
    except NotAuthorised as exc:
        raise PermissionDenied(str(exc)) from exc
    _store_request(session, row, req)
    audit.record(
        session,
        principal,
        "retention.disposal.approve",
        "disposal",
        disposal_id,
        {"opened_by": row.opened_by, "count": len(req.items)},
    )
    return row


def reject(session: Session, principal: Principal, disposal_id: int, reason: str) -> DisposalRequestRow:
    row = get_disposal(session, disposal_id)
    req = _to_request(session, row)
    try:
        req.reject(actor_of(principal), utcnow(), reason)
    except NotAuthorised as exc:
        raise PermissionDenied(str(exc)) from exc
    _store_request(session, row, req)
    audit.record(session, principal, "retention.disposal.reject", "disposal", disposal_id, {"reason": reason})
    return row


def list_disposals(session: Session, limit: int = 200) -> list[tuple[DisposalRequestRow, int]]:
    counts: dict[int, int] = dict(
        session.execute(
            select(col(DisposalItemRow.disposal_id), func.count()).group_by(col(DisposalItemRow.disposal_id))
        ).all()
    )
    rows = session.execute(
        select(DisposalRequestRow).order_by(col(DisposalRequestRow.id).desc()).limit(limit)
    ).scalars()
    return [(r, int(counts.get(r.id, 0))) for r in rows]


def disposal_dict(session: Session, row: DisposalRequestRow) -> dict[str, Any]:
    req = _to_request(session, row)
    data = req.to_dict()
    data["id"] = row.id
    data["source"] = row.source
    data["certificate_available"] = row.certificate is not None
    return data


def certificate_of(session: Session, disposal_id: int) -> dict[str, Any]:
    row = get_disposal(session, disposal_id)
    if row.certificate is None:
        raise RetentionError(f"disposal request {disposal_id} is {row.state}: no deletion certificate yet")
    return dict(row.certificate)


# ---------------------------------------------------------------- content removal (job side)
def _referenced_elsewhere(session: Session, document_id: int, digests: set[str]) -> set[str]:
    if not digests:
        return set()
    versions = session.execute(
        select(col(DocumentVersion.sha256))
        .join(Document, col(Document.id) == col(DocumentVersion.document_id))
        .where(col(DocumentVersion.sha256).in_(digests), col(Document.id) != document_id, col(Document.deleted).is_(False))
    ).scalars()
    thumbs = session.execute(
        select(col(Document.thumbnail_sha256)).where(
            col(Document.thumbnail_sha256).in_(digests),
            col(Document.id) != document_id,
            col(Document.deleted).is_(False),
        )
    ).scalars()
    return {d for d in (*versions, *thumbs) if d}


def dispose_content(
    container: Container,
    principal: Principal,
    document_id: int,
    *,
    disposal_id: int | None,
    class_id: str | None,
    reason: str,
) -> bool:
    """Remove a document's content: blobs no other live document uses, extracted text, preview, index entry
    (via the search outbox). The metadata row stays as a tombstone (``deleted``, status ``disposed``).

    Idempotent: returns False when the document was already disposed. Blobs go first, then one
    transaction marks the tombstone, so a crash in between is finished by the next run.
    """
    with container.uow(read_only=True) as uow:
        s = uow.session
        doc = s.get(Document, document_id)
        if doc is None:
            raise NotFound(f"document {document_id} not found")
        if s.get(RetentionTombstone, document_id) is not None:
            return False
        digests = set(
            s.execute(
                select(col(DocumentVersion.sha256)).where(col(DocumentVersion.document_id) == document_id)
            ).scalars()
        )
        if doc.thumbnail_sha256:
            digests.add(doc.thumbnail_sha256)
        digests.add(doc.sha256)
        shared = _referenced_elsewhere(s, document_id, digests)
    removable = sorted(digests - shared)
    for digest in removable:
        container.store.delete(digest)
    with container.uow() as uow:
        s = uow.session
        if s.get(RetentionTombstone, document_id) is not None:
            return False
        doc = s.get(Document, document_id)
        assert doc is not None
        text = s.get(DocumentText, document_id)
        if text is not None:
            s.delete(text)
        doc.deleted = True
        doc.status = DISPOSED
        doc.thumbnail_sha256 = None
        doc.updated_at = utcnow()
        s.add(doc)
        s.add(SearchOutbox(document_id=document_id, op="delete"))
        s.add(
            RetentionTombstone(
                document_id=document_id,
                disposal_id=disposal_id,
                disposed_by=principal.user_id or None,
                sha256=doc.sha256,
                class_id=class_id,
                reason=reason[:5000],
            )
        )
        audit.record(
            s,
            principal,
            "retention.dispose",
            "document",
            document_id,
            {
                "sha256": doc.sha256,
                "disposal_id": disposal_id,
                "class_id": class_id,
                "blobs_removed": len(removable),
                "blobs_shared": len(digests) - len(removable),
            },
        )
        uow.enqueue("dms.drain_outbox")
        uow.commit()
    return True


class _DbPort:
    """The :class:`retention.disposal.DisposalPort` over the database and store."""

    def __init__(
        self, container: Container, settings: RetentionSettings, principal: Principal, row_id: int
    ) -> None:
        self.container, self.settings, self.principal, self.row_id = container, settings, principal, row_id
        self.calc = calculator(settings)

    def decision(self, item: DisposalItem) -> Decision:
        with self.container.uow(read_only=True) as uow:
            try:
                return decision_for(uow.session, self.settings, int(item.record_id), calc=self.calc)
            except (NotFound, Gone) as exc:
                return Decision(False, str(exc), Status.UNCLASSIFIED)

    def destroy(self, item: DisposalItem) -> None:
        dispose_content(
            self.container,
            self.principal,
            int(item.record_id),
            disposal_id=self.row_id,
            class_id=item.class_id,
            reason=f"Aussonderungsantrag {self.row_id}",
        )

    def save(self, request: DisposalRequest, item: DisposalItem | None) -> None:
        with self.container.uow() as uow:
            s = uow.session
            row = get_disposal(s, self.row_id)
            _store_request(s, row, request)
            if item is not None:
                it = s.execute(
                    select(DisposalItemRow).where(
                        col(DisposalItemRow.disposal_id) == self.row_id,
                        col(DisposalItemRow.document_id) == int(item.record_id),
                    )
                ).scalar_one()
                it.state, it.detail, it.completed_at = item.state.value, item.detail[:5000], item.completed_at
                s.add(it)
            if request.state is RequestState.COMPLETED and row.certificate is None:
                row.certificate = certificate(request, utcnow())
                audit.record(
                    s,
                    self.principal,
                    "retention.disposal.complete",
                    "disposal",
                    self.row_id,
                    {
                        "destroyed": row.certificate["summary"]["destroyed"],
                        "not_destroyed": row.certificate["summary"]["not_destroyed"],
                        "certificate_digest": row.certificate["digest"],
                    },
                )
            uow.commit()


def execute_disposal(
    container: Container, settings: RetentionSettings, principal: Principal, disposal_id: int
) -> dict[str, Any]:
    """Run (or resume) an approved disposal request; returns the per-item outcome."""
    with container.uow(read_only=True) as uow:
        req = _to_request(uow.session, get_disposal(uow.session, disposal_id))
    result = execute(req, _DbPort(container, settings, principal, disposal_id), utcnow)
    return {
        "id": disposal_id,
        "state": req.state.value,
        "done": result.done,
        "skipped": result.skipped,
        "failed": result.failed,
        "completed": result.completed,
    }


DELETE_REQUESTED = "disposal_requested"


def delete_document(
    container: Container, settings: RetentionSettings, principal: Principal, document_id: int
) -> dict[str, Any]:
    """``DELETE /documents/{id}``: only after retention ended and without hold — for admins too (GoBD).

    Allowed deletions open a one-item disposal request; a second records manager approves it
    (``POST /disposals/{id}/approve``), which executes it. Nobody deletes a record alone.
    """
    with container.uow(read_only=True) as uow:
        doc = _live_document(uow.session, document_id)
        if not principal.can_read_acl(t for t in doc.acl_tokens.split(" ") if t):
            raise NotFound(f"document {document_id} not found")
        decision = decision_for(uow.session, settings, document_id)
        a = assess_document(uow.session, settings, document_id)
    if decision.allowed and a.action is Action.OFFER_TO_ARCHIVE:
        decision = Decision(False, f"{decision.reason} {OFFER_FIRST}", decision.status, decision.keep_until)
    if not decision.allowed:
        with container.uow() as uow:
            audit.record(
                uow.session,
                principal,
                "retention.delete_refused",
                "document",
                document_id,
                {"reason": decision.reason},
            )
            uow.commit()
        raise DeletionBlocked(decision.reason)
    # Deleting a record is a disposal: it opens a one-item request that a *second* records manager must
    # approve (four-eyes), which then removes the content resumably and issues a Löschprotokoll.
    with container.uow() as uow:
        row = open_disposal(
            uow.session, settings, principal, [document_id],
            note=f"DELETE durch {principal.username}", source="delete",
        )
        audit.record(uow.session, principal, "retention.delete_requested", "document", document_id,
                     {"disposal_id": row.id, "reason": decision.reason})
        uow.commit()
        rid = int(row.id or 0)
    return {
        "id": document_id, "status": DELETE_REQUESTED, "disposal_id": rid, "reason": decision.reason,
        "message": (f"Löschung beantragt (Aussonderungsantrag {rid}): ein zweiter Records Manager muss ihn "
                    "freigeben (Vier-Augen-Prinzip), erst dann wird der Inhalt gelöscht."),
    }


# ---------------------------------------------------------------- stored plan (behind /records/due)
#: more changed documents than this since the stored run → a full recomputation instead of an update
INCREMENTAL_LIMIT = 5_000
#: audit actions that never change a retention date (reads, notes)
_IGNORED_PREFIXES = ("document.read", "document.note")
#: audit actions whose effect reaches beyond single documents → full recomputation
_WIDE_PREFIXES = ("fileplan.", "document_type.", "retention.event", "paperless.")


def audit_head(session: Session) -> int:
    return int(session.execute(select(func.max(AuditEntry.id))).scalar() or 0)


def _item_rows(run_id: int, plan_: DisposalPlan, titles: dict[str, str]) -> list[dict[str, Any]]:
    return [
        {
            "run_id": run_id,
            "document_id": int(a.record_id),
            "title": titles.get(a.record_id, "")[:500],
            "held": held,
            "class_id": (a.class_id or "")[:64],
            "keep_until": a.keep_until,
            "action": a.action.value if a.action else "review",
            "reason": a.reason(),
        }
        for a, held in [(a, False) for a in plan_.items] + [(a, True) for a in plan_.blocked]
    ]


def count_live(session: Session) -> int:
    return int(session.execute(select(func.count()).select_from(Document).where(col(Document.deleted).is_(False))).scalar() or 0)


def latest_run(session: Session, as_of: date | None = None) -> RetentionPlanRun | None:
    q = select(RetentionPlanRun).order_by(col(RetentionPlanRun.id).desc()).limit(1)
    if as_of is not None:
        q = q.where(col(RetentionPlanRun.as_of) == as_of)
    return session.execute(q).scalar_one_or_none()


def refresh_plan(container: Container, settings: RetentionSettings, as_of: date | None = None) -> int:
    """Compute the whole disposal plan for ``as_of`` (default: today) and store it as a new run.

    The retention core decides (``compute_plan``); this only stores its result. Older runs of the same
    day and runs of other days beyond the last few are removed. Returns the new run's id."""
    day = as_of or today(settings)
    started = time.perf_counter()
    with container.uow(read_only=True) as uow:
        head = audit_head(uow.session)
        result, titles = compute_plan(uow.session, settings, day)
    seconds = time.perf_counter() - started
    now = utcnow()
    with container.uow() as uow:
        s = uow.session
        run = RetentionPlanRun(as_of=day, computed_at=now, updated_at=now, audit_head=head,
                               seconds=round(seconds, 3), counts=dict(result.counts))
        s.add(run)
        s.flush()
        run_id = int(run.id or 0)
        rows = _item_rows(run_id, result, titles)
        for start in range(0, len(rows), 5000):
            s.execute(insert(RetentionPlanItem), rows[start : start + 5000])
        keep = {run_id} | set(
            s.execute(
                select(col(RetentionPlanRun.id)).where(col(RetentionPlanRun.as_of) != day)
                .order_by(col(RetentionPlanRun.id).desc()).limit(3)
            ).scalars()
        )
        old = [i for i in s.execute(select(col(RetentionPlanRun.id))).scalars() if i not in keep]
        if old:
            s.execute(delete(RetentionPlanItem).where(col(RetentionPlanItem.run_id).in_(old)))
            s.execute(delete(RetentionPlanRun).where(col(RetentionPlanRun.id).in_(old)))
        uow.commit()
    return run_id


def plan_changes(session: Session, since: int) -> tuple[int, set[int] | None]:
    """(current audit head, ids of documents whose plan entry may have changed since ``since``), or
    ``None`` instead of the ids when the changes reach wider than single documents (full recomputation)."""
    rows = session.execute(
        select(col(AuditEntry.id), col(AuditEntry.action), col(AuditEntry.object_type), col(AuditEntry.object_id))
        .where(col(AuditEntry.id) > since).order_by(col(AuditEntry.id)).limit(INCREMENTAL_LIMIT * 4 + 1)
    ).all()
    if len(rows) > INCREMENTAL_LIMIT * 4:
        return audit_head(session), None
    head = int(rows[-1][0]) if rows else since
    docs: set[int] = set()
    akten: set[int] = set()
    holds: set[int] = set()
    for _id, action, object_type, object_id in rows:
        if action.startswith(_IGNORED_PREFIXES):
            continue
        if action.startswith(_WIDE_PREFIXES):
            return head, None
        if object_type == "document" and object_id.isdigit():
            docs.add(int(object_id))
        elif action.startswith("akte.") and object_id.isdigit():
            akten.add(int(object_id))
        elif action.startswith("retention.hold.") and object_id.isdigit():
            holds.add(int(object_id))
    for hold_id in holds:
        hold = session.get(RetentionHold, hold_id)
        if hold is None or hold.scope == HoldScope.QUERY.value:
            return head, None
        if hold.scope == HoldScope.DOCUMENT.value and hold.target.isdigit():
            docs.add(int(hold.target))
        elif hold.scope == HoldScope.AKTE.value and hold.target.isdigit():
            akten.add(int(hold.target))
        else:
            return head, None
    if akten:
        docs.update(
            int(i) for i in session.execute(select(col(Document.id)).where(col(Document.akte_id).in_(akten))).scalars()
        )
    if len(docs) > INCREMENTAL_LIMIT:
        return head, None
    return head, docs


def update_plan(container: Container, settings: RetentionSettings, run_id: int, *, since: int, head: int,
                documents: set[int]) -> bool:
    """Re-assess ``documents`` and update their entries in the stored run; False when another process
    updated the run first (its ``audit_head`` moved) — then the caller reads the newer state."""
    with container.uow() as uow:
        s = uow.session
        claimed = s.execute(
            update(RetentionPlanRun)
            .where(col(RetentionPlanRun.id) == run_id, col(RetentionPlanRun.audit_head) == since)
            .values(audit_head=head, updated_at=utcnow())
        )
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            return False
        run = s.get(RetentionPlanRun, run_id)
        assert run is not None
        rows: list[dict[str, Any]] = []
        if documents:
            calc = calculator(settings)
            builder = FactsBuilder(s)
            index = holds_index(s)
            for doc_id in sorted(documents):
                doc = s.get(Document, doc_id)
                if doc is None or doc.deleted:
                    continue
                a = calc.assess(builder.facts(doc), run.as_of, index)
                held = a.status is Status.HELD and a.underlying is Status.DUE
                if a.status is Status.DUE or held:
                    rows.append({
                        "run_id": run_id, "document_id": doc_id, "title": doc.title[:500], "held": held,
                        "class_id": (a.class_id or "")[:64], "keep_until": a.keep_until,
                        "action": a.action.value if a.action else "review", "reason": a.reason(),
                    })
            ids = sorted(documents)
            for start in range(0, len(ids), 500):
                s.execute(delete(RetentionPlanItem).where(
                    col(RetentionPlanItem.run_id) == run_id, col(RetentionPlanItem.document_id).in_(ids[start : start + 500])
                ))
            if rows:
                s.execute(insert(RetentionPlanItem), rows)
        uow.commit()
    return True


def plan_items(session: Session, run_id: int, offset: int, limit: int) -> tuple[list[RetentionPlanItem], int, int]:
    """One page of a stored run (due first, then held; by document id), the total and the held count."""
    items = list(
        session.execute(
            select(RetentionPlanItem).where(col(RetentionPlanItem.run_id) == run_id)
            .order_by(col(RetentionPlanItem.held), col(RetentionPlanItem.document_id)).offset(offset).limit(limit)
        ).scalars()
    )
    counts = dict(
        session.execute(
            select(col(RetentionPlanItem.held), func.count()).where(col(RetentionPlanItem.run_id) == run_id)
            .group_by(col(RetentionPlanItem.held))
        ).all()
    )
    held = int(counts.get(True, 0))
    return items, held + int(counts.get(False, 0)), held
