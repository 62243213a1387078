"""``aktenwerk import-paperless``: migrate a Paperless-ngx instance into Aktenwerk with ``pypaperless``.

Per document: original file (and the archive version where Paperless has one), title, created date,
added date, tags, correspondent, document type, custom fields, notes, owner, view permissions and ASN.
Every file's MD5 is compared with Paperless's ``original_checksum``/``archive_checksum`` and its SHA-256
with what the content store recorded. Each document is written in ONE transaction together with its
row in ``paperless_imports``: an interrupted run resumes where it stopped and never imports twice.
Documents go through the normal ingest pipeline (queued after commit) like any upload.
"""
# ruff: noqa: PLC0415  -- pypaperless/aiohttp are imported only when an import runs

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import hashlib
import os
import re
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, col

from dms import audit
from dms.auth import service as auth
from dms.bootstrap import Container
from dms.db.tables import Document, DocumentMetadataVersion, User
from dms.domain.principal import Principal
from dms.errors import DmsError, ValidationFailed
from dms.paperless import labels
from dms.paperless.tables import PaperlessArchive, PaperlessImport, PaperlessNote
from dms.pipeline.detect import detect
from dms.services import access
from dms.services import documents as svc
from dms.storage.local import LocalBlobStore

_USERNAME_BAD = re.compile(r"\s+")
ProgressFn = Callable[[int, int], None]


@dataclass
class Failure:
    paperless_id: int
    title: str
    reason: str


@dataclass
class ImportReport:
    source: str
    total: int = 0
    imported: int = 0
    skipped: int = 0
    archives: int = 0
    notes: int = 0
    checksums_verified: int = 0
    users_created: list[str] = field(default_factory=list)
    labels: dict[str, int] = field(default_factory=dict)
    failures: list[Failure] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.failures

    @property
    def rate(self) -> float:
        return self.imported / self.seconds if self.seconds > 0 else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.source, "total": self.total, "imported": self.imported, "skipped": self.skipped,
                "archives": self.archives, "notes": self.notes, "checksums_verified": self.checksums_verified,
                "users_created": self.users_created, "labels": self.labels, "seconds": round(self.seconds, 3),
                "documents_per_second": round(self.rate, 1),
                "failures": [{"paperless_id": f.paperless_id, "title": f.title, "reason": f.reason}
                             for f in self.failures]}


class SourceUnavailable(DmsError):
    """The Paperless source cannot be reached or refuses the token."""


class ChecksumMismatch(DmsError):
    """A downloaded file does not match the checksum Paperless reports."""


@dataclass
class _Fetched:
    doc: Any
    original: bytes
    original_name: str
    archive: bytes | None
    archive_name: str | None
    md5: str
    notes: list[Any]


@dataclass
class _Maps:
    tags: dict[int, str] = field(default_factory=dict)
    tag_colors: dict[str, str] = field(default_factory=dict)
    correspondents: dict[int, str] = field(default_factory=dict)
    document_types: dict[int, str] = field(default_factory=dict)
    custom_fields: dict[int, str] = field(default_factory=dict)
    field_types: dict[int, str] = field(default_factory=dict)
    groups: dict[int, str] = field(default_factory=dict)
    usernames: dict[int, str] = field(default_factory=dict)
    #: Paperless user id → Aktenwerk user id
    users: dict[int, int] = field(default_factory=dict)


def source_key(url: str) -> str:
    """The Paperless base URL as one key: no trailing ``/`` and no trailing ``/api`` (pypaperless adds it)."""
    u = url.strip().rstrip("/")
    if u.endswith("/api"):
        u = u[: -len("/api")].rstrip("/")
    return u[:300]


def candidate_urls(url: str) -> list[str]:
    """Base URLs to try: as given (normalised), then ``…/paperless`` (an Aktenwerk instance's bridge)."""
    base = source_key(url)
    return [base] if base.endswith("/paperless") else [base, f"{base}/paperless"]


def _md5(data: bytes) -> str:
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


def group_token(name: str) -> str:
    """Paperless group names may contain spaces; Aktenwerk group tokens may not."""
    return _USERNAME_BAD.sub("-", name.strip())[:100]


async def _all(helper: Any) -> list[Any]:
    items = []
    async with helper.reduce(page_size=1000):
        async for item in helper:
            items.append(item)
    return items


async def _load_maps(pl: Any) -> _Maps:
    import aiohttp

    m = _Maps()
    for t in await _all(pl.tags):
        m.tags[t.id] = t.name
        if t.color:
            m.tag_colors[t.name] = t.color
    m.correspondents = {c.id: c.name for c in await _all(pl.correspondents)}
    m.document_types = {d.id: d.name for d in await _all(pl.document_types)}
    for f in await _all(pl.custom_fields):
        m.custom_fields[f.id] = f.name
        m.field_types[f.id] = f.data_type.value if f.data_type is not None else "string"
    try:  # users/groups need admin rights on the source; without them owners map to the importer
        m.usernames = {u.id: u.username for u in await _all(pl.users)}
        m.groups = {g.id: g.name for g in await _all(pl.groups)}
    except aiohttp.ClientResponseError:
        pass
    return m


class PaperlessImporter:
    """One run of the import. ``run()`` is async; ``import_paperless()`` is the sync entry point."""

    def __init__(self, container: Container, url: str, token: str, actor: Principal, *,
                 since: date | None = None, page_size: int = 100, concurrency: int = 8, batch_size: int = 50,
                 create_users: bool = True, on_progress: ProgressFn | None = None) -> None:
        self.container = container
        self.url = url
        self.token = token
        self.actor = actor
        self.since = since
        self.page_size = page_size
        self.concurrency = max(1, concurrency)
        self.batch_size = max(1, batch_size)
        self._unsynced = False
        self.create_users = create_users
        self.on_progress = on_progress
        self.report = ImportReport(source=source_key(url))
        self.maps = _Maps()

    # ------------------------------------------------------------------ set-up
    def _done_ids(self) -> set[int]:
        with self.container.uow(read_only=True) as uow:
            return set(uow.session.execute(select(col(PaperlessImport.paperless_id)).where(
                col(PaperlessImport.source) == self.report.source, col(PaperlessImport.kind) == "document")).scalars())

    def _register_labels(self) -> None:
        m = self.maps
        with self.container.uow() as uow:
            s = uow.session
            for kind, names in (("tag", m.tags), ("correspondent", m.correspondents),
                                ("document_type", m.document_types)):
                labels.ids_for(s, kind, names.values())
                self.report.labels[kind] = len(names)
            for name, color in m.tag_colors.items():
                labels.create_label(s, "tag", name, color=color[:16])
            for fid, name in m.custom_fields.items():
                labels.create_label(s, "custom_field", name, data_type=m.field_types.get(fid))
            self.report.labels["custom_field"] = len(m.custom_fields)
            uow.commit()

    def _map_users(self) -> None:
        """Paperless users → Aktenwerk users of the same name (created as clerks without password)."""
        with self.container.uow() as uow:
            s = uow.session
            existing = {u.username: int(u.id or 0) for u in s.execute(select(User)).scalars()}
            for pid, name in self.maps.usernames.items():
                uname = _USERNAME_BAD.sub("_", name.strip())[:150]
                if not uname:
                    continue
                if uname not in existing and self.create_users:
                    user = auth.create_user(s, self.actor, uname, "clerk")
                    existing[uname] = int(user.id or 0)
                    self.report.users_created.append(uname)
                if uname in existing:
                    self.maps.users[pid] = existing[uname]
            uow.commit()

    # ------------------------------------------------------------------ per document
    async def _fetch(self, pl: Any, doc: Any) -> _Fetched:
        did = int(doc.id)
        meta = await pl.documents.metadata(did)
        original = await pl.documents.download(did, original=True)
        data = original.content or b""
        if meta.original_checksum and _md5(data) != meta.original_checksum:
            raise ChecksumMismatch(f"original: MD5 {_md5(data)} differs from Paperless's {meta.original_checksum}")
        archive = archive_name = None
        if meta.has_archive_version:
            arch = await pl.documents.download(did, original=False)
            archive = arch.content or b""
            if meta.archive_checksum and _md5(archive) != meta.archive_checksum:
                raise ChecksumMismatch(f"archive: MD5 {_md5(archive)} differs from Paperless's {meta.archive_checksum}")
            archive_name = meta.archive_media_filename or arch.disposition_filename or doc.archived_file_name
        listed = doc._data.get("notes")  # the list payload already says whether there are notes
        notes = await pl.documents.notes(did) if listed is None or listed else []
        name = doc.original_file_name or meta.original_filename or original.disposition_filename or f"paperless-{did}"
        return _Fetched(doc, data, name, archive, archive_name, meta.original_checksum or _md5(data), notes)

    def _custom_fields(self, doc: Any) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for cf in doc.custom_fields or []:
            name = self.maps.custom_fields.get(int(cf.field)) if cf.field is not None else None
            if name is None:
                raise ValidationFailed(f"custom field {cf.field} is unknown on the source")
            out[name] = cf.value
        return out

    def _grant(self, s: Session, doc_id: int, doc: Any) -> None:
        perms = getattr(doc, "permissions", None)
        if perms is None:
            return
        grantees = {f"user:{self.maps.users[u]}" for u in perms.view.users + perms.change.users if u in self.maps.users}
        grantees |= {f"group:{group_token(self.maps.groups[g])}" for g in perms.view.groups + perms.change.groups
                     if g in self.maps.groups and group_token(self.maps.groups[g])}
        for g in sorted(grantees):
            svc.grant(s, self.actor, "document", doc_id, g)

    def _write(self, uow: Any, f: _Fetched) -> int:
        """Write one document, its extras and its import-map row into the caller's transaction."""
        s = uow.session
        doc = f.doc
        expected_sha = hashlib.sha256(f.original).hexdigest()
        blob = self._put(f.original)
        if blob.sha256 != expected_sha:
            raise ChecksumMismatch(f"store recorded SHA-256 {blob.sha256}, bytes have {expected_sha}")
        created = doc.created_date or (doc.created.date() if doc.created else None)
        dtype = self.maps.document_types.get(doc.document_type or 0)
        if dtype and len(dtype) > 64:
            raise ValidationFailed(f"document type {dtype[:40]!r}… is longer than 64 characters")
        new = svc.create_document(
            s, self.actor, blob, filename=f.original_name, mime_type=detect(f.original[:8192], f.original_name),
            title=doc.title, document_type=dtype,
            document_date=created, correspondent=self.maps.correspondents.get(doc.correspondent or 0),
            tags=[self.maps.tags[t] for t in doc.tags or [] if t in self.maps.tags],
            custom_fields=self._custom_fields(doc) or None, channel="import", enqueue=uow.enqueue)
        row = s.get(Document, new.id)
        assert row is not None
        if doc.added:
            row.received_at = doc.added.astimezone(UTC)
        if doc.owner is not None and doc.owner in self.maps.users:
            row.uploader_id = self.maps.users[doc.owner]
        access.refresh_acl(s, row)
        if doc.archive_serial_number is not None:
            # the ASN belongs to the imported initial state (metadata version 1), it is not a later change
            row.asn = str(doc.archive_serial_number)
            first = s.execute(select(DocumentMetadataVersion).where(
                col(DocumentMetadataVersion.document_id) == new.id, col(DocumentMetadataVersion.metadata_version) == 1)).scalar_one()
            first.data = {**first.data, "asn": row.asn}
        self._grant(s, new.id, doc)
        if f.archive is not None:
            ablob = self._put(f.archive)
            s.add(PaperlessArchive(document_id=new.id, sha256=ablob.sha256, size=ablob.size,
                                   filename=svc.sanitise_filename(f.archive_name or f"{new.id}.pdf")))
        for n in f.notes:
            s.add(PaperlessNote(document_id=new.id, note=n.note or "", user_id=self.maps.users.get(n.user or 0),
                                created=(n.created or datetime.now(UTC)).astimezone(UTC)))
        s.add(PaperlessImport(source=self.report.source, kind="document", paperless_id=int(doc.id),
                              aktenwerk_id=new.id, sha256=blob.sha256, md5=f.md5))
        audit.record(s, self.actor, "paperless.import", "document", new.id,
                     {"source": self.report.source, "paperless_id": int(doc.id), "sha256": blob.sha256, "md5": f.md5,
                      "asn": row.asn, "owner": row.uploader_id})
        return new.id

    def _put(self, data: bytes) -> Any:
        """Store bytes; on the local store the fsync is done once per batch (``_flush``) before commit."""
        if isinstance(self.container.store, LocalBlobStore):
            self._unsynced = True
            return self.container.store.put(data, durable=False)
        return self.container.store.put(data)

    def _flush(self) -> None:
        """Make the batch's blobs durable before the rows that reference them are committed."""
        if self._unsynced:
            os.sync()
            self._unsynced = False

    def _store_one(self, f: _Fetched) -> Failure | None:
        try:
            with self.container.uow() as uow:
                self._write(uow, f)
                self._flush()
                uow.commit()
        except DmsError as exc:
            return Failure(int(f.doc.id), f.doc.title or "", str(exc))
        except SQLAlchemyError as exc:  # e.g. a name longer than its column on PostgreSQL
            return Failure(int(f.doc.id), f.doc.title or "", f"database refused the document: {getattr(exc, 'orig', exc)}")
        return None

    def _store_batch(self, items: list[_Fetched]) -> tuple[list[_Fetched], list[Failure]]:
        """Several documents per transaction; if one is refused, redo them one per transaction so
        it fails alone (the audit chain is never left with a rolled-back savepoint)."""
        try:
            with self.container.uow() as uow:
                for f in items:
                    self._write(uow, f)
                self._flush()
                uow.commit()
        except (DmsError, SQLAlchemyError):
            ok: list[_Fetched] = []
            bad: list[Failure] = []
            for f in items:
                failure = self._store_one(f)
                if failure is None:
                    ok.append(f)
                else:
                    bad.append(failure)
            return ok, bad
        return items, []

    # ------------------------------------------------------------------ run
    def _progress(self) -> None:
        if self.on_progress is not None:
            self.on_progress(self.report.imported + self.report.skipped + len(self.report.failures), self.report.total)

    async def _fetch_guarded(self, sem: asyncio.Semaphore, pl: Any, doc: Any) -> _Fetched | Failure:
        async with sem:
            try:
                return await self._fetch(pl, doc)
            except ChecksumMismatch as exc:
                return Failure(int(doc.id), doc.title or "", str(exc))
            except Exception as exc:  # any transport/HTTP error is a per-document failure
                return Failure(int(doc.id), doc.title or "", f"download failed: {type(exc).__name__}: {exc}")

    async def _produce(self, pl: Any, queue: asyncio.Queue[Any], done: set[int]) -> None:
        """Page through the source and download what is not imported yet (downloads run in parallel)."""
        sem = asyncio.Semaphore(self.concurrency)
        filters: dict[str, Any] = {"ordering": "id", "page_size": self.page_size}
        if self.since is not None:
            filters["added__date__gte"] = self.since.isoformat()
        try:
            async with pl.documents.reduce(**filters):
                async for page in pl.documents.pages(page_size=self.page_size):
                    self.report.total = page.count
                    todo = []
                    for doc in page:
                        if int(doc.id) in done:
                            await queue.put(int(doc.id))  # already imported: counted as skipped, in order
                        else:
                            todo.append(doc)
                    for item in await asyncio.gather(*(self._fetch_guarded(sem, pl, d) for d in todo)):
                        await queue.put(item)
        finally:
            await queue.put(None)

    async def _consume(self, queue: asyncio.Queue[Any]) -> None:
        """Write downloaded documents in batches (in a worker thread, overlapping the next downloads)."""
        finished = False
        while not finished:
            batch: list[_Fetched] = []
            while len(batch) < self.batch_size:
                item = await queue.get()
                if item is None:
                    finished = True
                    break
                if isinstance(item, int):
                    self.report.skipped += 1
                    self._progress()
                elif isinstance(item, Failure):
                    self.report.failures.append(item)
                    self._progress()
                else:
                    batch.append(item)
                if queue.empty() and batch:
                    break  # do not wait for a full batch while the source is slow
            if not batch:
                continue
            ok, bad = await asyncio.to_thread(self._store_batch, batch)
            for f in ok:
                self.report.imported += 1
                self.report.checksums_verified += 1 + (f.archive is not None)
                self.report.archives += f.archive is not None
                self.report.notes += len(f.notes)
                self._progress()
            for failure in bad:
                self.report.failures.append(failure)
                self._progress()

    async def run(self) -> ImportReport:
        from pypaperless import Paperless

        started = time.perf_counter()
        first_exc: Exception | None = None
        for base in candidate_urls(self.url):
            pl = Paperless(base, self.token)
            try:
                await pl.initialize()
            except Exception as exc:
                first_exc = first_exc or exc
                await pl.close()
                continue
            self.report.source = base
            break
        else:
            raise SourceUnavailable(f"cannot use the Paperless API at {self.url}: {type(first_exc).__name__} "
                                    f"{first_exc} (check URL and token)") from first_exc
        try:
            done = self._done_ids()
            self.maps = await _load_maps(pl)
            self._register_labels()
            self._map_users()
            pl.documents.request_permissions = True
            queue: asyncio.Queue[Any] = asyncio.Queue(maxsize=max(4 * self.batch_size, 2 * self.page_size))
            producer = asyncio.create_task(self._produce(pl, queue, done))
            try:
                await self._consume(queue)
            finally:
                if not producer.done():
                    producer.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await producer
        finally:
            await pl.close()
        self.report.seconds = time.perf_counter() - started
        return self.report


T = TypeVar("T")


def run_sync(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to completion from synchronous code — also when this thread already runs an event
    loop (a host application, a notebook, Playwright's sync API): then on a fresh loop in its own thread."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="paperless-import") as pool:
        return pool.submit(asyncio.run, coro).result()


def import_paperless(container: Container, url: str, token: str, actor: Principal, **kwargs: Any) -> ImportReport:
    """Synchronous entry point (CLI, bench)."""
    return run_sync(PaperlessImporter(container, url, token, actor, **kwargs).run())
