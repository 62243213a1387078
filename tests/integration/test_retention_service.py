"""Retention wired into the dms: GoBD lock, holds, four-eyes disposal, content removal, certificate."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from dms import audit
from dms.db.tables import AuditEntry, Document, DocumentText, SearchOutbox
from dms.errors import PermissionDenied, ValidationFailed
from dms.retention_service import (
    approve,
    certificate_of,
    compute_plan,
    create_hold,
    delete_document,
    disposal_dict,
    execute_disposal,
    open_disposal,
    record_event,
    release_hold,
    retention_info,
)
from retention import DeletionBlocked
from retention.certificate import verify
from tests.integration.test_retention_support import OLD, Env, make_env, postgres_db


@pytest.fixture
def env(tmp_path: Path) -> Iterator[Env]:
    with make_env(tmp_path) as e:
        yield e


def test_gobd_lock_refuses_delete_before_end_for_admin_too(env: Env) -> None:
    doc = env.doc(b"invoice 2026", document_date="2026-03-01", retention_class="ao147-belege")
    with pytest.raises(DeletionBlocked, match=r"31\.12\.2034"):
        delete_document(env.container, env.settings, env.users["admin"], doc)
    with env.container.uow(read_only=True) as uow:
        info = retention_info(uow.session, env.settings, env.users["rm1"], doc)
        refused = (
            uow.session.execute(select(AuditEntry).where(AuditEntry.action == "retention.delete_refused"))
            .scalars()
            .all()
        )
    assert info["keep_until"] == "2034-12-31" and info["status"] == "keep"
    assert info["reason"].startswith("Aufbewahrung bis 31.12.2034")
    assert len(refused) == 1


def test_hold_blocks_then_release_allows_delete(env: Env) -> None:
    doc = env.doc(b"old letter", document_date=OLD.isoformat(), retention_class="ao147-briefe")
    with env.container.uow() as uow:
        hold = create_hold(uow.session, env.users["rm1"], document_id=doc, reason="Rechtsstreit 1 K 12/26")
        uow.commit()
    with pytest.raises(DeletionBlocked, match="Rechtsstreit"):
        delete_document(env.container, env.settings, env.users["admin"], doc)
    with env.container.uow() as uow:
        release_hold(uow.session, env.users["rm2"], int(hold.id or 0), "Verfahren beendet")
        uow.commit()
    # nobody deletes alone: an admin may not even open the request, a records manager opens it …
    with pytest.raises(PermissionDenied):
        delete_document(env.container, env.settings, env.users["admin"], doc)
    out = delete_document(env.container, env.settings, env.users["rm1"], doc)
    assert out["status"] == "disposal_requested"
    with env.container.uow(read_only=True) as uow:
        row = uow.session.get(Document, doc)
        assert row is not None and not row.deleted  # nothing removed before the second approval
    with env.container.uow() as uow, pytest.raises(PermissionDenied):  # … the same person may not approve it …
        approve(uow.session, env.users["rm1"], out["disposal_id"])
    with env.container.uow() as uow:  # … a second records manager approves, then it executes
        approve(uow.session, env.users["rm2"], out["disposal_id"])
        uow.commit()
    execute_disposal(env.container, env.settings, env.users["rm2"], out["disposal_id"])
    with env.container.uow(read_only=True) as uow:
        cert = certificate_of(uow.session, out["disposal_id"])
    assert cert["items"][0]["record_id"] == str(doc) and cert["items"][0]["state"] == "destroyed"
    with env.container.uow(read_only=True) as uow:
        row = uow.session.get(Document, doc)
        assert row is not None and row.deleted and row.status == "disposed"
        sha = row.sha256
        assert retention_info(uow.session, env.settings, env.users["rm1"], doc)["status"] == "disposed"
    assert not env.container.store.exists(sha)


def test_akte_and_query_holds(env: Env) -> None:
    a = env.doc(
        b"a", document_date=OLD.isoformat(), retention_class="ao147-briefe", correspondent="Müller GmbH"
    )
    b = env.doc(b"b", document_date=OLD.isoformat(), retention_class="ao147-briefe", correspondent="Other")
    with env.container.uow() as uow:
        create_hold(uow.session, env.users["rm1"], query='correspondent:"Müller GmbH"', reason="Prüfung RPA")
        with pytest.raises(ValidationFailed):
            create_hold(uow.session, env.users["rm1"], query="nonsense words", reason="x y z")
        uow.commit()
    with pytest.raises(DeletionBlocked, match="Prüfung RPA"):
        delete_document(env.container, env.settings, env.users["rm1"], a)
    assert delete_document(env.container, env.settings, env.users["rm1"], b)["status"] == "disposal_requested"


def test_event_trigger_from_recorded_event(env: Env) -> None:
    doc = env.doc(b"kommunaler Beleg", document_date="2024-05-01", retention_class="komhvo59-belege")
    with env.container.uow(read_only=True) as uow:
        assert retention_info(uow.session, env.settings, env.users["rm1"], doc)["status"] == "undetermined"
    with env.container.uow() as uow:
        record_event(
            uow.session,
            env.users["rm1"],
            "jahresabschluss-festgestellt",
            fiscal_year=2024,
            occurred_on=date(2025, 9, 30),
        )
        uow.commit()
    with env.container.uow(read_only=True) as uow:
        info = retention_info(uow.session, env.settings, env.users["rm1"], doc)
    assert info["keep_until"] == "2031-12-31"


def _disposal_flow(env: Env) -> None:
    shared = b"same bytes in two documents"
    d1 = env.doc(b"old invoice 1", document_date=OLD.isoformat(), retention_class="ao147-belege", title="R 1")
    d2 = env.doc(shared, document_date=OLD.isoformat(), retention_class="ao147-belege", title="R 2")
    keep = env.doc(shared, document_date="2026-01-10", retention_class="ao147-belege", title="still kept")
    with env.container.uow() as uow:
        uow.session.add(DocumentText(document_id=d1, version_no=1, content="Rechnung Nr. 1"))
        uow.commit()
    with env.container.uow() as uow:
        with pytest.raises(DeletionBlocked, match="nicht aussonderbar"):
            open_disposal(uow.session, env.settings, env.users["rm1"], [d1, keep])
        with pytest.raises(PermissionDenied):
            open_disposal(uow.session, env.settings, env.users["clerk"], [d1])
    with env.container.uow() as uow:
        row = open_disposal(uow.session, env.settings, env.users["rm1"], [d1, d2], note="Belege 2010")
        uow.commit()
        rid = int(row.id or 0)
    with env.container.uow() as uow, pytest.raises(PermissionDenied, match="Vier-Augen"):
        approve(uow.session, env.users["rm1"], rid)
    with env.container.uow() as uow:
        approve(uow.session, env.users["rm2"], rid)
        uow.commit()
    out = execute_disposal(env.container, env.settings, env.users["rm2"], rid)
    assert out["completed"] and sorted(out["done"]) == sorted([str(d1), str(d2)])
    with env.container.uow(read_only=True) as uow:
        s = uow.session
        cert = certificate_of(s, rid)
        assert verify(cert)
        assert {i["record_id"]: i["state"] for i in cert["items"]} == {
            str(d1): "destroyed",
            str(d2): "destroyed",
        }
        assert cert["opened_by"]["name"] == "rm1" and cert["approved_by"]["name"] == "rm2"
        sha = {i["record_id"]: i["sha256"] for i in cert["items"]}
        assert s.get(DocumentText, d1) is None
        ops = {(o.document_id, o.op) for o in s.execute(select(SearchOutbox)).scalars()}
        assert (d1, "delete") in ops and (d2, "delete") in ops
        assert disposal_dict(s, s.get(type(row), rid))["state"] == "completed"  # type: ignore[arg-type]
        actions = [a.action for a in s.execute(select(AuditEntry).order_by(AuditEntry.id)).scalars()]
        assert actions.count("retention.dispose") == 2 and "retention.disposal.complete" in actions
        assert audit.verify_chain(s.connection()).ok
    assert not env.container.store.exists(sha[str(d1)])
    assert env.container.store.exists(sha[str(d2)])  # still used by the kept document
    with env.container.uow(read_only=True) as uow:
        plan, _ = compute_plan(uow.session, env.settings, date(2026, 11, 26))
    assert plan.counts.get("due", 0) == 0 and plan.counts["keep"] == 1


def test_four_eyes_disposal_sqlite(env: Env) -> None:
    _disposal_flow(env)


@pytest.mark.postgres
def test_four_eyes_disposal_postgres(tmp_path: Path) -> None:
    with postgres_db() as url, make_env(tmp_path, url) as env:
        _disposal_flow(env)


def test_interrupted_execution_resumes_without_double_work(env: Env, monkeypatch: pytest.MonkeyPatch) -> None:
    from dms.retention_tables import DisposalItemRow

    docs = [
        env.doc(f"old {i}".encode(), document_date=OLD.isoformat(), retention_class="ao147-belege")
        for i in range(3)
    ]
    with env.container.uow() as uow:
        rid = int(open_disposal(uow.session, env.settings, env.users["rm1"], docs).id or 0)
        uow.commit()
    with env.container.uow() as uow:
        approve(uow.session, env.users["rm2"], rid)
        uow.commit()
    real_delete = env.container.store.delete
    calls = {"n": 0}

    def dying_delete(digest: str) -> None:
        calls["n"] += 1
        if calls["n"] == 2:
            raise SystemExit("worker killed")  # not an Exception: the run dies mid-item
        real_delete(digest)

    monkeypatch.setattr(env.container.store, "delete", dying_delete)
    with pytest.raises(SystemExit):
        execute_disposal(env.container, env.settings, env.users["rm2"], rid)
    with env.container.uow(read_only=True) as uow:
        states = [
            i.state
            for i in uow.session.execute(
                select(DisposalItemRow)
                .where(DisposalItemRow.disposal_id == rid)
                .order_by(DisposalItemRow.position)
            ).scalars()
        ]
    assert states == ["done", "in_progress", "pending"]
    monkeypatch.setattr(env.container.store, "delete", real_delete)
    out = execute_disposal(env.container, env.settings, env.users["rm2"], rid)
    assert out["completed"] and out["done"] == [str(docs[1]), str(docs[2])]
    with env.container.uow(read_only=True) as uow:
        disposed = [
            a.object_id
            for a in uow.session.execute(
                select(AuditEntry).where(AuditEntry.action == "retention.dispose")
            ).scalars()
        ]
        assert sorted(disposed) == sorted(str(d) for d in docs)  # each exactly once
        assert certificate_of(uow.session, rid)["summary"] == {"destroyed": 3, "not_destroyed": 0}


def test_reclassification_never_shortens_retention(env: Env) -> None:
    """Changing the class or the date afterwards (versioned metadata) cannot open a way to early deletion."""
    from dms.services import documents

    doc = env.doc(b"invoice", document_date="2026-03-01", retention_class="ao147-belege")
    with env.container.uow() as uow:
        documents.update_metadata(
            uow.session,
            env.users["rm1"],
            doc,
            {"retention_class": "ao147-briefe", "document_date": "2010-01-01"},
        )
        uow.commit()
    with pytest.raises(DeletionBlocked, match="früher zugeordnet"):
        delete_document(env.container, env.settings, env.users["admin"], doc)
    with env.container.uow(read_only=True) as uow:
        info = retention_info(uow.session, env.settings, env.users["rm1"], doc)
        plan, _ = compute_plan(uow.session, env.settings, date(2030, 1, 1))
    assert info["keep_until"] == "2034-12-31" and info["class_id"] == "ao147-belege"
    assert "frühere Angabe des Dokumentdatums" in info["reason"]
    assert plan.counts == {"keep": 1}


def test_unknown_retention_class_is_refused(env: Env) -> None:
    from dms.retention_service import validate_retention_class

    validate_retention_class(env.settings, "ao147-belege")
    validate_retention_class(env.settings, None)
    with pytest.raises(ValidationFailed, match="ao147-belege"):
        validate_retention_class(env.settings, "ao147-beleg")


def test_offer_classes_go_to_the_archive_first(env: Env) -> None:
    """Archive law: a class whose action is "offer" cannot be destroyed by a plain disposal or DELETE."""
    doc = env.doc(b"kommunaler Beleg 2012", document_date="2012-05-01", retention_class="komhvo59-belege")
    with env.container.uow() as uow:
        record_event(
            uow.session,
            env.users["rm1"],
            "jahresabschluss-festgestellt",
            fiscal_year=2012,
            occurred_on=date(2013, 9, 30),
        )
        uow.commit()
    with pytest.raises(DeletionBlocked, match="Archiv anzubieten"):
        delete_document(env.container, env.settings, env.users["admin"], doc)
    with env.container.uow() as uow, pytest.raises(DeletionBlocked, match="Archiv anzubieten"):
        open_disposal(uow.session, env.settings, env.users["rm1"], [doc])
    with env.container.uow() as uow:
        row = open_disposal(uow.session, env.settings, env.users["rm1"], [doc], source="xdomea")
        assert row.source == "xdomea"
