"""``aktenwerk import PATH…``: bulk ingest of files and folders."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlmodel import col

from dms.auth import service as auth
from dms.bootstrap import Container
from dms.db.tables import User
from dms.errors import DmsError, NotFound
from dms.pipeline.detect import detect, extension_mismatch
from dms.services import documents as svc


def iter_files(paths: list[Path]) -> Iterator[Path]:
    for p in paths:
        if p.is_file():
            yield p
        elif p.is_dir():
            for f in sorted(p.rglob("*")):
                if f.is_file() and not any(part.startswith(".") for part in f.relative_to(p).parts):
                    yield f
        else:
            raise NotFound(f"no such file or folder: {p}")


@dataclass
class ImportReport:
    imported: list[int] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)


def import_paths(
    container: Container,
    paths: list[Path],
    *,
    username: str | None = None,
    department: str | None = None,
    akte_id: int | None = None,
    document_type: str | None = None,
    on_file: Callable[[Path, str], None] | None = None,
) -> ImportReport:
    files = list(iter_files(paths))
    report = ImportReport()
    with container.uow(read_only=True) as uow:
        if username:
            user = auth.get_user_by_name(uow.session, username)
        else:
            admin = uow.session.execute(
                select(User).where(col(User.role) == "admin").order_by(col(User.id)).limit(1)).scalar_one_or_none()
            if admin is None:
                raise NotFound("no admin user: run `aktenwerk init` first or pass --user")
            user = admin
        principal = auth.principal_of(uow.session, user)
    for f in files:
        try:
            with f.open("rb") as fh:
                head = fh.read(8192)
                mismatch = extension_mismatch(head, f.name)
                if mismatch:
                    raise DmsError(mismatch)
                fh.seek(0)
                blob = container.store.put_stream(fh, max_bytes=container.settings.max_upload_bytes)
            with container.uow() as uow:
                new = svc.create_document(
                    uow.session, principal, blob, filename=f.name, mime_type=detect(head, f.name),
                    akte_id=akte_id, document_type=document_type, department=department, channel="import",
                    enqueue=uow.enqueue, refuse_duplicates=container.settings.duplicate_uploads == "refuse",
                )
                uow.commit()
            report.imported.append(new.id)
            if on_file:
                on_file(f, "ok")
        except (DmsError, OSError) as exc:
            report.failed.append((str(f), str(exc)))
            if on_file:
                on_file(f, f"failed: {exc}")
    return report
