"""Departments as records: API, service, auto-registration of codes in use, and the migration's seeding."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text

from dms.db.tables import AuditEntry, Department

API = "/api/v1/departments"


def _audit(container, code: str) -> list[str]:
    with container.uow(read_only=True) as unit:
        return list(
            unit.session.execute(
                select(AuditEntry.action)
                .where(AuditEntry.object_type == "department", AuditEntry.object_id == code)
                .order_by(AuditEntry.id)
            ).scalars()
        )


def _record(container, code: str) -> Department | None:
    with container.uow(read_only=True) as unit:
        row = unit.session.scalars(select(Department).where(Department.code == code)).first()
        if row is not None:
            unit.session.expunge(row)
        return row


# ------------------------------------------------------------------------------------------ API
def test_admin_creates_lists_and_reads_a_department(client_as, container) -> None:
    admin = client_as("admin")
    r = admin.post(API, json={"code": "63", "name": "Bauordnung"})
    assert r.status_code == 201, r.text
    body = r.json()
    assert (body["code"], body["name"], body["active"]) == ("63", "Bauordnung", True)
    assert body["usage"]["users"] == 0
    assert admin.post(API, json={"code": "63.2"}).json()["name"] == "63.2"  # name defaults to the code
    listed = {d["code"]: d for d in admin.get(API).json()}
    assert listed["63"]["name"] == "Bauordnung" and "63.2" in listed
    assert admin.get(f"{API}/63").json()["name"] == "Bauordnung"
    assert _audit(container, "63") == ["department.create"]


def test_duplicate_code_is_409_with_a_sentence(client_as) -> None:
    admin = client_as("admin")
    assert admin.post(API, json={"code": "20", "name": "Kämmerei"}).status_code == 201
    dup = admin.post(API, json={"code": " 20 ", "name": "Noch einmal"})
    assert dup.status_code == 409
    assert "gibt es bereits" in dup.json()["detail"]


@pytest.mark.parametrize("code", ["", "   ", "63 2", "a/b", "-63", ".63", "63*", "x" * 65, "dept:63"])
def test_bad_code_format_is_422(client_as, code) -> None:
    r = client_as("admin").post(API, json={"code": code, "name": "X"})
    assert r.status_code == 422, (code, r.text)
    assert "Code" in r.json()["detail"]


def test_unknown_code_is_404(client_as) -> None:
    admin = client_as("admin")
    assert admin.get(f"{API}/gibtsnicht").status_code == 404
    assert admin.patch(f"{API}/gibtsnicht", json={"name": "X"}).status_code == 404


def test_rename_keeps_code_and_document_access(client_as, container, pdf_bytes) -> None:
    admin = client_as("admin")
    clerk = client_as("clerk", department="63")
    other = client_as("clerk", department="20")
    up = clerk.post("/api/v1/documents", files={"file": ("a.pdf", pdf_bytes(), "application/pdf")})
    assert up.status_code in (201, 202), up.text
    doc_id = up.json()["id"]
    r = admin.patch(f"{API}/63", json={"name": "Bauordnung und Denkmalschutz"})
    assert r.status_code == 200 and r.json()["code"] == "63"
    assert r.json()["name"] == "Bauordnung und Denkmalschutz"
    assert r.json()["usage"]["users"] == 1 and r.json()["usage"]["documents"] == 1
    assert clerk.get(f"/api/v1/documents/{doc_id}").status_code == 200  # dept:63 still grants access
    assert other.get(f"/api/v1/documents/{doc_id}").status_code in (403, 404)
    with container.uow(read_only=True) as unit:
        tokens = unit.session.execute(
            text("SELECT acl_tokens FROM documents WHERE id = :i"), {"i": doc_id}
        ).scalar()
    assert " dept:63 " in tokens
    assert admin.patch(f"{API}/63", json={"code": "64"}).status_code == 422  # the code is the key
    assert admin.patch(f"{API}/63", json={"name": "  "}).status_code == 422
    assert _audit(container, "63") == ["department.rename"]  # its first use registered it, unaudited


def test_deactivate_and_reactivate(client_as, container) -> None:
    admin = client_as("admin")
    admin.post(API, json={"code": "32", "name": "Ordnungsamt"})
    r = admin.patch(f"{API}/32", json={"active": False})
    assert r.status_code == 200 and r.json()["active"] is False
    assert "32" in {d["code"] for d in admin.get(API).json()}
    assert "32" not in {d["code"] for d in admin.get(API, params={"include_inactive": "false"}).json()}
    # a deactivated unit keeps working where it is used: a user can still be put into it
    assert (
        admin.post(
            "/api/v1/users",
            json={"username": "ordnung", "role": "clerk", "department": "32", "password": "Sehr-geheim-123"},
        ).status_code
        == 201
    )
    assert admin.patch(f"{API}/32", json={"active": True}).json()["active"] is True
    admin.patch(f"{API}/32", json={"active": True})  # unchanged: nothing audited
    assert _audit(container, "32") == ["department.create", "department.deactivate", "department.reactivate"]


def test_clerk_reads_but_cannot_write_and_supplier_cannot_read(client_as) -> None:
    client_as("admin").post(API, json={"code": "63", "name": "Bauordnung"})
    clerk = client_as("clerk", department="63")
    assert clerk.get(API).status_code == 200
    assert clerk.get(f"{API}/63").status_code == 200
    assert clerk.post(API, json={"code": "99", "name": "Neu"}).status_code == 403
    assert clerk.patch(f"{API}/63", json={"name": "Umbenannt"}).status_code == 403
    assert client_as("admin").get(f"{API}/63").json()["name"] == "Bauordnung"
    assert client_as("supplier").get(API).status_code == 403


# ------------------------------------------------------------------------------------ auto-registration
def test_unknown_codes_used_anywhere_are_registered_not_refused(client_as, container) -> None:
    admin = client_as("admin")
    r = admin.post(
        "/api/v1/users",
        json={"username": "neu", "role": "clerk", "department": "77", "password": "Sehr-geheim-123"},
    )
    assert r.status_code == 201
    reg = admin.get(f"{API}/77").json()
    assert (reg["name"], reg["active"], reg["usage"]["users"]) == ("77", True, 1)
    assert _audit(container, "77") == []  # the user.create row carries the code; no second row per first use
    node = admin.post("/api/v1/fileplan", json={"code": "51", "title": "Jugend", "department": "51.3"})
    assert node.status_code == 201, node.text
    assert admin.get(f"{API}/51.3").status_code == 200
    # a code existing data uses but the format would refuse still works (never fails an existing flow)
    legacy = admin.patch(f"/api/v1/users/{r.json()['id']}", json={"department": "Amt 10"})
    assert legacy.status_code == 200
    assert _record(container, "Amt 10") is not None
    # a known code is not registered twice
    admin.post(
        "/api/v1/users",
        json={"username": "neu2", "role": "clerk", "department": "77", "password": "Sehr-geheim-123"},
    )
    assert [d["code"] for d in admin.get(API).json()].count("77") == 1


def test_a_rolled_back_registration_leaves_nothing_and_is_retried(container) -> None:
    from dms.auth import service as auth

    with container.uow() as unit:
        auth.create_user(unit.session, None, "weg", "clerk", department="88", password="Sehr-geheim-123")
        unit.session.flush()
        assert unit.session.scalars(select(Department).where(Department.code == "88")).first() is not None
        unit.rollback()
    assert _record(container, "88") is None
    with container.uow() as unit:
        auth.create_user(unit.session, None, "bleibt", "clerk", department="88", password="Sehr-geheim-123")
        unit.commit()
    assert _record(container, "88") is not None


# ------------------------------------------------------------------------------------------ migration
def _seed_before_0800(url: str) -> None:
    from dms.db.migrate import upgrade

    upgrade(url, "0100_invoices")
    eng = create_engine(url)
    with eng.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO users (username, role, department, active, created_at) VALUES "
                "('a', 'clerk', '63', true, CURRENT_TIMESTAMP), ('b', 'clerk', '63', true, CURRENT_TIMESTAMP), "
                "('c', 'finance', '20', true, CURRENT_TIMESTAMP), ('d', 'admin', NULL, true, CURRENT_TIMESTAMP), "
                "('e', 'clerk', '', true, CURRENT_TIMESTAMP)"
            )
        )
        conn.execute(
            text(
                "INSERT INTO fileplan_nodes (code, title, department, deprecated, version, updated_at) "
                "VALUES ('63', 'Bauordnung', '63.2', false, 1, CURRENT_TIMESTAMP)"
            )
        )
        conn.execute(
            text(
                "INSERT INTO inv_routing_rules (priority, department, created_at) VALUES (100, '32', CURRENT_TIMESTAMP)"
            )
        )
        conn.execute(
            text(
                "INSERT INTO inv_approval_chains (department, steps, updated_at) VALUES "
                "('*', '[]', CURRENT_TIMESTAMP), ('66', '[]', CURRENT_TIMESTAMP)"
            )
        )
    eng.dispose()


def _check_seeded(url: str) -> None:
    from dms.db.migrate import current_revisions, head_revisions, upgrade

    upgrade(url, "heads")
    assert current_revisions(url) == head_revisions(url)
    eng = create_engine(url)
    with eng.connect() as conn:
        rows = conn.execute(text("SELECT code, name, active FROM departments ORDER BY code")).all()
    eng.dispose()
    assert [tuple(r) for r in rows] == [(c, c, True) for c in ("20", "32", "63", "63.2", "66")]


def test_migration_seeds_one_record_per_code_in_use_sqlite(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'seed.sqlite3'}"
    _seed_before_0800(url)
    _check_seeded(url)


@pytest.mark.postgres
def test_migration_seeds_one_record_per_code_in_use_postgres(pg_url: str) -> None:
    from tests.conftest import reset_pg

    reset_pg(pg_url)
    _seed_before_0800(pg_url)
    _check_seeded(pg_url)
    from alembic import command

    from dms.db.migrate import alembic_config

    command.downgrade(alembic_config(pg_url), "0800_departments@-1")  # the revision also goes down cleanly
    eng = create_engine(pg_url)
    with eng.connect() as conn:
        assert conn.execute(text("SELECT to_regclass('departments')")).scalar() is None
    eng.dispose()


@pytest.mark.postgres
def test_two_transactions_registering_the_same_code_both_succeed_postgres(
    pg_settings, make_container
) -> None:
    """The first use of a code in two concurrent transactions: no unique violation, one record."""
    import threading

    from dms.auth import service as auth
    from dms.services import departments  # noqa: F401  -- installs the registration hook

    container = make_container(pg_settings)
    errors: list[BaseException] = []
    flushed = threading.Event()
    with container.uow() as first:
        auth.create_user(first.session, None, "erste", "clerk", department="55", password="Sehr-geheim-123")
        first.session.flush()  # the record is inserted, not committed

        def second() -> None:
            try:
                with container.uow() as unit:
                    auth.create_user(
                        unit.session, None, "zweite", "clerk", department="55", password="Sehr-geheim-123"
                    )
                    flushed.set()
                    unit.commit()
            except BaseException as exc:  # reported below
                errors.append(exc)
                flushed.set()

        t = threading.Thread(target=second)
        t.start()
        t.join(timeout=1.0)  # blocked on the first transaction's uncommitted row (or done)
        first.commit()
    t.join(timeout=30)
    assert not t.is_alive() and not errors, errors
    assert _record(container, "55") is not None
    with container.uow(read_only=True) as unit:
        assert unit.session.execute(text("SELECT count(*) FROM departments WHERE code = '55'")).scalar() == 1
        assert unit.session.execute(text("SELECT count(*) FROM users WHERE department = '55'")).scalar() == 2
