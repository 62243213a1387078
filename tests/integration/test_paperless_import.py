"""``import-paperless`` against a second Aktenwerk instance serving the Paperless API (uvicorn on a
loopback port): what goes in comes out identical (bytes by SHA-256, metadata, notes, owners, grants,
archive versions); an interrupted run resumes without duplicates; checksum mismatches are refused."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from dms.auth import service as auth
from dms.db.tables import AccessGrant, Document, User
from dms.domain.principal import SYSTEM
from dms.paperless import labels
from dms.paperless.importer import import_paperless
from dms.paperless.server import serve_in_thread
from dms.paperless.tables import PaperlessArchive, PaperlessImport, PaperlessNote
from dms.services import documents as svc
from dms.settings import get_settings


@pytest.fixture(autouse=True)
def _no_ocr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AKTENWERK_OCR_ENABLED", "false")  # OCR has its own suite


@dataclass
class Source:
    url: str
    token: str
    container: Any
    ids: list[int]


def _upload(c: Any, data: bytes, name: str, **form: str) -> int:
    r = c.post("/api/v1/documents", files={"file": (name, data, "application/octet-stream")}, data=form)
    assert r.status_code == 202, r.text
    return int(r.json()["id"])


def _png() -> bytes:
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 120, 40)).save(buf, format="PNG")
    return buf.getvalue()


@pytest.fixture
def source(app: Any, container: Any, client_as: Any, make_user: Any, pdf_bytes: Any) -> Iterator[Source]:
    """Instance A: documents of two clerks with tags, types, custom fields, ASN, notes, a grant, an archive."""
    _, admin_token = make_user("admin", username="pl-admin")
    alice = client_as("clerk", department="63", username="alice")
    bob = client_as("clerk", department="20", username="bob", groups=("bauamt",))
    ids = [
        _upload(alice, pdf_bytes("Bauantrag Hauptstraße 12"), "bauantrag.pdf", title="Bauantrag Garage",
                tags="Bau,Eilt", correspondent="Familie Müller", document_type="Antrag",
                document_date="2026-03-01", custom_fields=json.dumps({"Kassenzeichen": "K-0815", "Betrag": "EUR12.50"})),
        _upload(alice, "Lärmbeschwerde Gartenstraße".encode(), "beschwerde.txt", title="Lärmbeschwerde",
                tags="Bau", document_date="2026-01-15"),
        _upload(bob, pdf_bytes("Stromrechnung Januar"), "rechnung.pdf", title="Stromrechnung",
                correspondent="Stadtwerke", document_type="Rechnung", document_date="2025-12-20"),
        _upload(bob, _png(), "ortstermin.png", title="Foto Ortstermin"),
    ]
    assert alice.patch(f"/api/v1/documents/{ids[0]}", json={"asn": "17"}).status_code == 200
    archive = pdf_bytes("Bauantrag Hauptstraße 12 (Archivversion)")
    with container.uow() as uow:
        s = uow.session
        blob = container.store.put(archive)
        s.add(PaperlessArchive(document_id=ids[0], sha256=blob.sha256, size=blob.size, filename="bauantrag-archiv.pdf"))
        s.add(PaperlessNote(document_id=ids[0], note="Statik fehlt noch", user_id=alice.user.id))
        s.add(PaperlessNote(document_id=ids[0], note="Nachgereicht am 3.3.", user_id=bob.user.id))
        svc.grant(s, SYSTEM, "document", ids[0], f"user:{bob.user.id}")
        svc.grant(s, SYSTEM, "document", ids[1], "group:bauamt")
        uow.commit()
    with serve_in_thread(app) as url:
        yield Source(f"{url}/paperless", admin_token, container, ids)


@pytest.fixture
def target(make_container: Any, make_settings: Any) -> Any:
    """Instance B: an empty Aktenwerk with its own data dir."""
    return make_container(make_settings())


def _snapshot(container: Any, doc_id: int) -> dict[str, Any]:
    with container.uow(read_only=True) as uow:
        s = uow.session
        d = s.get(Document, doc_id)
        assert d is not None
        users = {u.id: u.username for u in s.execute(select(User)).scalars()}
        grants = sorted(
            (f"user:{users[int(g[5:])]}" if g.startswith("user:") else g)
            for g in s.execute(select(AccessGrant.grantee).where(
                AccessGrant.object_type == "document", AccessGrant.object_id == doc_id)).scalars())
        notes = [(n.note, users.get(n.user_id)) for n in s.execute(
            select(PaperlessNote).where(PaperlessNote.document_id == doc_id).order_by(PaperlessNote.id)).scalars()]
        archive = s.get(PaperlessArchive, doc_id)
        return {
            "title": d.title, "document_date": d.document_date, "tags": d.tags, "correspondent": d.correspondent,
            "document_type": d.document_type, "custom_fields": d.custom_fields, "asn": d.asn, "sha256": d.sha256,
            "size": d.size, "filename": d.filename, "mime_type": d.mime_type, "received_at": d.received_at,
            "owner": users.get(d.uploader_id), "grants": grants, "notes": sorted(notes, key=str),
            "archive": archive.sha256 if archive else None,
            "bytes_sha256": hashlib.sha256(container.store.get(d.sha256)).hexdigest(),
        }


def _mapping(container: Any) -> dict[int, int]:
    with container.uow(read_only=True) as uow:
        return {r.paperless_id: r.aktenwerk_id for r in uow.session.execute(
            select(PaperlessImport).where(PaperlessImport.kind == "document")).scalars()}


def _count(container: Any) -> int:
    with container.uow(read_only=True) as uow:
        return int(uow.session.execute(select(func.count()).select_from(Document)).scalar_one())


def test_round_trip_is_identical(source: Source, target: Any) -> None:
    report = import_paperless(target, source.url, source.token, SYSTEM)
    assert report.failures == [] and report.imported == 4 and report.total == 4
    assert report.checksums_verified == 5 and report.archives == 1 and report.notes == 2
    assert set(report.users_created) >= {"alice", "bob", "pl-admin"}
    mapping = _mapping(target)
    assert sorted(mapping) == sorted(source.ids)
    for a_id, b_id in mapping.items():
        a, b = _snapshot(source.container, a_id), _snapshot(target, b_id)
        if a["document_date"] is None:  # Paperless always has a created date: the day it was received
            a["document_date"] = a["received_at"].date()
        assert a == b, f"document {a_id} → {b_id} differs"
        assert a["bytes_sha256"] == a["sha256"]
    with source.container.uow(read_only=True) as uow:  # tag colours travel with the tags
        a_colors = {r.name: r.color for r in labels.list_labels(uow.session, "tag")}
    with target.uow(read_only=True) as uow:
        b_colors = {r.name: r.color for r in labels.list_labels(uow.session, "tag")}
    assert b_colors == {name: color or "#a6cee3" for name, color in a_colors.items()}
    # owners and grants mean the same people on B: alice reads her documents, bob the granted one
    with target.uow(read_only=True) as uow:
        s = uow.session
        alice = auth.principal_of(s, auth.get_user_by_name(s, "alice"))
        bob = auth.principal_of(s, auth.get_user_by_name(s, "bob"))
        first = svc.get_document(s, alice, mapping[source.ids[0]])
        assert svc.get_document(s, bob, first.id or 0).id == first.id  # explicit grant user:bob
        docs = {d.id: d for d in s.execute(select(Document)).scalars()}
        assert {d.status for d in docs.values()} == {"ready"}  # B's own pipeline processed them
        assert {d.channel for d in docs.values()} == {"import"}


def test_interrupted_import_resumes_without_duplicates(source: Source, target: Any) -> None:
    class Stop(Exception):
        pass

    def stop_after_two(done: int, total: int) -> None:
        if done >= 2:
            raise Stop

    with pytest.raises(Stop):
        import_paperless(target, source.url, source.token, SYSTEM, on_progress=stop_after_two, batch_size=1)
    assert _count(target) == 2 and len(_mapping(target)) == 2

    second = import_paperless(target, source.url, source.token, SYSTEM)
    assert (second.imported, second.skipped, second.failures) == (2, 2, [])
    third = import_paperless(target, source.url, source.token, SYSTEM)
    assert (third.imported, third.skipped) == (0, 4)
    assert _count(target) == 4 and sorted(_mapping(target)) == sorted(source.ids)
    with target.uow(read_only=True) as uow:
        shas = list(uow.session.execute(select(Document.sha256)).scalars())
    assert len(shas) == len(set(shas)) == 4


def test_checksum_mismatch_is_refused_and_since_filters(source: Source, target: Any,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    nothing = import_paperless(target, source.url, source.token, SYSTEM, since=date(2999, 1, 1))
    assert (nothing.total, nothing.imported) == (0, 0)

    import dms.paperless.api as api

    monkeypatch.setattr(api, "_md5", lambda container, sha: "0" * 32)
    report = import_paperless(target, source.url, source.token, SYSTEM)
    assert report.imported == 0 and len(report.failures) == 4
    assert all("MD5" in f.reason and "differs" in f.reason for f in report.failures)
    assert _count(target) == 0


def test_cli_import(source: Source, make_settings: Any, make_container: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from dms.cli import app

    settings = make_settings()
    for key, value in {"DATA_DIR": str(settings.data_dir), "EAGER_TASKS": "true", "SEARCH_BACKEND": "memory",
                       "SECRET_KEY": "test-secret"}.items():
        monkeypatch.setenv(f"AKTENWERK_{key}", value)
    monkeypatch.delenv("AKTENWERK_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    try:
        target = make_container(settings)
        result = CliRunner().invoke(app, ["import-paperless", "--url", source.url, "--token", source.token, "--json"])
        assert result.exit_code == 0, result.output
        report = json.loads(result.stdout)
        assert report["imported"] == 4 and report["failures"] == [] and report["checksums_verified"] == 5
        assert _count(target) == 4
        bad = CliRunner().invoke(app, ["import-paperless", "--url", source.url, "--token", source.token,
                                       "--since", "gestern"])
        assert bad.exit_code == 2
        wrong = CliRunner().invoke(app, ["import-paperless", "--url", source.url, "--token", "nope"])
        assert wrong.exit_code == 1 and "import stopped" in wrong.output
    finally:
        get_settings.cache_clear()


def test_refused_document_fails_alone_and_audit_chain_holds(source: Source, target: Any) -> None:
    from dms.audit import verify_chain
    from dms.db.tables import DocumentType

    with target.uow() as uow:  # on B, "Antrag" defines its fields: the source's extra fields are refused
        uow.session.add(DocumentType(name="Antrag", title="Antrag", fields=[{"name": "Aktenzeichen", "type": "string"}]))
        uow.commit()
    report = import_paperless(target, source.url, source.token, SYSTEM, batch_size=50)
    assert report.imported == 3 and [f.paperless_id for f in report.failures] == [source.ids[0]]
    assert "unknown custom field" in report.failures[0].reason
    assert sorted(_mapping(target)) == sorted(source.ids[1:])
    with target.db.write.connect() as conn:
        assert verify_chain(conn).ok


@pytest.mark.postgres
def test_round_trip_into_postgresql(source: Source, make_container: Any, pg_settings: Any) -> None:
    target = make_container(pg_settings)
    with pytest.raises(RuntimeError):
        import_paperless(target, source.url, source.token, SYSTEM, batch_size=1,
                         on_progress=lambda done, total: (_ for _ in ()).throw(RuntimeError("stop")) if done >= 3 else None)
    report = import_paperless(target, source.url, source.token, SYSTEM)
    assert (report.imported, report.skipped, report.failures) == (1, 3, [])
    mapping = _mapping(target)
    assert sorted(mapping) == sorted(source.ids) and _count(target) == 4
    for a_id, b_id in mapping.items():
        a, b = _snapshot(source.container, a_id), _snapshot(target, b_id)
        if a["document_date"] is None:
            a["document_date"] = a["received_at"].date()
        assert a == b
