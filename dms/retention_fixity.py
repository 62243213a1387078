"""Fixity check over the content store: re-hash every (or a sample of) stored original, record the run,
audit it, and expose the last result for the health endpoint."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, BinaryIO

from sqlalchemy import select
from sqlmodel import Session, col

from dms import audit
from dms.db.tables import Document, DocumentVersion
from dms.db.types import utcnow
from dms.domain.principal import SYSTEM, Principal
from dms.errors import NotFound
from dms.retention_settings import RetentionSettings
from dms.retention_tables import FixityRun
from retention.fixity import FixityTarget, check

if TYPE_CHECKING:
    from dms.bootstrap import Container
    from dms.storage.ports import BlobStore

MAX_LISTED_PROBLEMS = 1000


class StoreReader:
    """Adapts the dms blob store to :class:`retention.fixity.BlobReader`."""

    def __init__(self, store: BlobStore) -> None:
        self.store = store

    def open_blob(self, key: str) -> BinaryIO:
        try:
            return self.store.open(key)
        except NotFound as exc:
            raise FileNotFoundError(key) from exc


def fixity_targets(session: Session) -> list[FixityTarget]:
    """One target per distinct stored original of a live document (de-duplicated blobs are checked once)."""
    seen: dict[str, FixityTarget] = {}
    rows = session.execute(
        select(col(DocumentVersion.sha256), col(DocumentVersion.document_id))
        .join(Document, col(Document.id) == col(DocumentVersion.document_id))
        .where(col(Document.deleted).is_(False))
        .order_by(col(DocumentVersion.id))
    )
    for sha, doc_id in rows:
        if sha not in seen:
            seen[sha] = FixityTarget(sha, sha, str(doc_id))
    return list(seen.values())


def run_fixity(
    container: Container,
    settings: RetentionSettings,
    *,
    principal: Principal | None = None,
    sample: int | None = None,
    seed: int | None = None,
) -> dict[str, Any]:
    """Check, store a :class:`FixityRun`, audit the outcome; returns the report as a dict with ``run_id``."""
    started = utcnow()
    with container.uow(read_only=True) as uow:
        targets = fixity_targets(uow.session)
    report = check(
        targets, StoreReader(container.store), sample=sample, seed=seed, workers=settings.fixity_workers
    )
    data = report.to_dict()
    problems = {
        "mismatches": report.mismatches[:MAX_LISTED_PROBLEMS],
        "missing": report.missing[:MAX_LISTED_PROBLEMS],
        "errors": report.errors[:MAX_LISTED_PROBLEMS],
    }
    with container.uow() as uow:
        run = FixityRun(
            started_at=started,
            finished_at=utcnow(),
            checked=report.checked,
            ok=report.ok,
            bytes_read=report.bytes_read,
            seconds=report.seconds,
            sampled=report.sampled,
            healthy=report.healthy,
            problems=problems,
        )
        uow.session.add(run)
        uow.session.flush()
        audit.record(
            uow.session,
            principal or SYSTEM,
            "retention.fixity",
            "fixity_run",
            run.id,
            {
                "checked": report.checked,
                "ok": report.ok,
                "mismatches": len(report.mismatches),
                "missing": len(report.missing),
                "errors": len(report.errors),
                "sampled": report.sampled,
                "first_problems": [p["key"] for p in (report.mismatches + report.missing)[:20]],
            },
        )
        uow.commit()
        data["run_id"] = run.id
    return data


def fixity_health(session: Session) -> dict[str, Any]:
    """Summary of the last fixity run for ``GET /health``: ``ok``, ``failed`` or ``never run``."""
    run = session.execute(select(FixityRun).order_by(col(FixityRun.id).desc()).limit(1)).scalar_one_or_none()
    if run is None:
        return {"status": "never run"}
    problems = run.problems or {}
    return {
        "status": "ok" if run.healthy else "failed",
        "run_id": run.id,
        "finished_at": run.finished_at.isoformat() if run.finished_at else None,
        "checked": run.checked,
        "mismatches": len(problems.get("mismatches", [])),
        "missing": len(problems.get("missing", [])),
        "sampled": run.sampled,
    }


def fixity_health_check(container: Container) -> str:
    """One line for ``GET /api/v1/health`` checks: ``ok …``, ``never run`` or ``error: …`` (→ degraded)."""
    try:
        with container.uow(read_only=True) as uow:
            h = fixity_health(uow.session)
    except Exception as exc:  # health must answer even when this check cannot
        return f"error: {type(exc).__name__}"
    if h["status"] == "never run":
        return "never run"
    if h["status"] == "ok":
        return f"ok (run {h['run_id']} at {h['finished_at']}, {h['checked']} checked)"
    return f"error: {h['mismatches']} mismatching, {h['missing']} missing blob(s) in fixity run {h['run_id']}"
