"""The records-manager pages over dms.retention_ui (wired the way the UI backend seam expects)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

import dms.retention_ui as rui
from dms.web.ui import backend

NAMES = (
    "retention_due",
    "holds",
    "create_hold",
    "release_hold",
    "disposals",
    "create_disposal",
    "approve_disposal",
    "certificate",
    "archive_handover",
    "archive_offer",
    "retention_classes",
)


@pytest.fixture
def wired(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in NAMES:
        monkeypatch.setattr(backend, name, getattr(rui, name))


def test_records_pages(wired: None, client_as: Any, pdf_bytes: Callable[..., bytes]) -> None:
    rm_a = client_as("records_manager")
    rm_b = client_as("records_manager")
    r = rm_a.post(
        "/api/v1/documents",
        files={"file": ("a.pdf", pdf_bytes("alt"), "application/pdf")},
        data={"document_date": "2010-05-01", "retention_class": "ao147-briefe", "title": "Alter Brief"},
    )
    doc = r.json()["id"]
    page = rm_a.get("/records/due", params={"as_of": "2026-11-26"})
    assert page.status_code == 200 and "Alter Brief" in page.text and "31.12.2016" in page.text
    assert "badge-held" not in page.text
    # the due list is cached per audit head: an audited change (a new hold) shows on the next view at once
    hold = rm_a.post("/api/v1/holds", json={"document_id": doc, "reason": "Prüfung Rechnungsprüfungsamt"})
    assert hold.status_code == 201
    assert "badge-held" in rm_a.get("/records/due", params={"as_of": "2026-11-26"}).text
    assert rm_a.delete(f"/api/v1/holds/{hold.json()['id']}").status_code == 200
    assert "badge-held" not in rm_a.get("/records/due", params={"as_of": "2026-11-26"}).text
    assert rm_a.get("/records/holds").status_code == 200
    r = rm_a.post("/records/disposals", data={"document_ids": str(doc)}, follow_redirects=False)
    assert r.status_code in (302, 303), r.text
    listing = rm_b.get("/records/disposals")
    assert listing.status_code == 200 and "/approve" in listing.text
    r = rm_b.post("/records/disposals/1/approve", follow_redirects=False)
    assert r.status_code in (302, 303), r.text
    cert = rm_a.get("/records/disposals/1/certificate")
    assert cert.status_code == 200 and cert.json()["items"][0]["record_id"] == str(doc)
    assert rm_a.get("/records/disposals/1/certificate", params={"fmt": "pdf"}).content.startswith(b"%PDF")


def _runs(container: Any) -> list[tuple[int, int]]:
    from sqlalchemy import select

    from dms.retention_tables import RetentionPlanItem, RetentionPlanRun

    with container.uow(read_only=True) as unit:
        runs = list(unit.session.execute(select(RetentionPlanRun.id)).scalars())
        return [
            (run_id, len(unit.session.execute(
                select(RetentionPlanItem.id).where(RetentionPlanItem.run_id == run_id)).all()))
            for run_id in runs
        ]


def test_due_page_serves_a_stored_paged_plan_updated_incrementally(
    wired: None, client_as: Any, pdf_bytes: Callable[..., bytes], container: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import time

    monkeypatch.setattr(rui, "PAGE_SIZE", 2)
    rm = client_as("records_manager")
    ids = []
    for n in range(3):
        r = rm.post("/api/v1/documents", files={"file": (f"{n}.pdf", pdf_bytes(f"alt {n}"), "application/pdf")},
                    data={"document_date": f"201{n}-05-01", "retention_class": "ao147-briefe", "title": f"Brief {n}"})
        ids.append(r.json()["id"])
    day = {"as_of": "2026-11-26"}
    first = rm.get("/records/due", params=day)
    assert first.status_code == 200 and "Stand: berechnet am" in first.text
    assert "3 Dokumente zum 26.11.2026 fällig" in first.text and "Seite 1 von 2" in first.text
    assert "Brief 0" in first.text and "Brief 2" not in first.text
    assert "Brief 2" in rm.get("/records/due", params={**day, "page": 2}).text
    assert _runs(container) == [(_runs(container)[0][0], 3)]
    (run_id, _), = _runs(container)

    # a single document's change is applied to the stored run at once (no full recomputation)
    r = rm.patch(f"/api/v1/documents/{ids[0]}", json={"retention_class": "ao147-belege"})
    assert r.status_code == 200, r.text
    rm.get("/records/due", params=day)
    assert _runs(container) == [(run_id, 3)]
    assert rm.post("/api/v1/holds", json={"document_id": ids[1], "reason": "Prüfung"}).status_code == 201
    page = rm.get("/records/due", params={**day, "page": 2})
    assert "badge-held" in page.text and "davon 1 mit Löschsperre" in page.text  # held ones are listed last
    assert _runs(container) == [(run_id, 3)]

    # a file-plan change reaches many documents: recomputed in the background, the stored plan meanwhile
    r = rm.post("/api/v1/fileplan", json={"code": "99", "title": "Neu"})
    assert r.status_code == 201, r.text
    rm.get("/records/due", params=day)
    for _ in range(100):
        if len(_runs(container)) == 1 and _runs(container)[0][0] != run_id:
            break
        time.sleep(0.1)
    assert _runs(container)[0][0] != run_id and _runs(container)[0][1] == 3  # old run of that day removed

    # 'Neu berechnen' starts a full recomputation; auditors may look but not recompute
    token = rm.get("/records/due", params=day)
    assert token.status_code == 200
    auditor = client_as("auditor")
    assert auditor.get("/records/due", params=day).status_code == 200
    assert auditor.post("/records/due/refresh", data={"as_of": "2026-11-26"}, follow_redirects=False).status_code == 403
    r = rm.post("/records/due/refresh", data={"as_of": "2026-11-26"}, follow_redirects=False)
    assert r.status_code == 303 and "msg=plan_refreshing" in r.headers["location"]


def test_refresh_task_stores_a_plan_and_keeps_few_runs(container: Any) -> None:
    from datetime import date

    from dms.retention_service import latest_run, refresh_plan
    from dms.retention_settings import RetentionSettings

    settings = RetentionSettings()
    for day in (date(2026, 1, 1), date(2026, 1, 2), date(2026, 1, 3), date(2026, 1, 4), date(2026, 1, 4)):
        refresh_plan(container, settings, day)
    runs = _runs(container)
    assert len(runs) == 4  # the newest run and the last three of other days
    with container.uow(read_only=True) as unit:
        run = latest_run(unit.session)
        assert run is not None and run.as_of == date(2026, 1, 4) and run.audit_head >= 0


def test_first_plan_of_a_large_archive_is_computed_in_the_background(
    wired: None, client_as: Any, pdf_bytes: Callable[..., bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    import time

    monkeypatch.setattr(rui, "SYNC_LIMIT", 0)  # every archive counts as large
    rm = client_as("records_manager")
    rm.post("/api/v1/documents", files={"file": ("a.pdf", pdf_bytes("alt"), "application/pdf")},
            data={"document_date": "2010-05-01", "retention_class": "ao147-briefe", "title": "Alter Brief"})
    first = rm.get("/records/due", params={"as_of": "2026-11-26"})
    assert first.status_code == 200
    assert "zum ersten Mal berechnet" in first.text or "Alter Brief" in first.text  # the thread may be quick
    for _ in range(100):
        page = rm.get("/records/due", params={"as_of": "2026-11-26"})
        if "Alter Brief" in page.text:
            break
        time.sleep(0.1)
    assert "Alter Brief" in page.text and "zum ersten Mal" not in page.text and "Stand: berechnet am" in page.text


@pytest.mark.postgres
def test_stored_plan_on_postgresql(pg_settings: Any, make_container: Callable[..., Any]) -> None:
    """The stored plan's statements (bulk insert, compare-and-swap update, paging) on PostgreSQL."""
    from datetime import UTC, date, datetime

    from dms import audit
    from dms.db.tables import Document
    from dms.domain.principal import Principal
    from dms.retention_service import latest_run, plan_changes, plan_items, refresh_plan, update_plan
    from dms.retention_settings import RetentionSettings

    container = make_container(pg_settings)
    admin = Principal(user_id=1, username="t", role="admin")
    with container.uow() as unit:
        for i in range(1, 4):
            unit.session.add(Document(id=i, title=f"Brief {i}", sha256=f"{i:064d}", document_date=date(2010, 1, i),
                                      retention_class="ao147-briefe", received_at=datetime.now(UTC)))
        unit.commit()
    settings = RetentionSettings()
    day = date(2026, 11, 26)
    run_id = refresh_plan(container, settings, day)
    with container.uow() as unit:
        doc = unit.session.get(Document, 2)
        assert doc is not None
        doc.retention_class = None
        audit.record(unit.session, admin, "document.update_metadata", "document", 2, {})
        unit.commit()
    with container.uow(read_only=True) as unit:
        run = latest_run(unit.session, day)
        assert run is not None and run.id == run_id
        head, docs = plan_changes(unit.session, run.audit_head)
    assert docs == {2}
    assert update_plan(container, settings, run_id, since=run.audit_head, head=head, documents=docs)
    assert not update_plan(container, settings, run_id, since=run.audit_head, head=head, documents=docs)  # taken
    with container.uow(read_only=True) as unit:
        items, total, held = plan_items(unit.session, run_id, 0, 10)
    assert [i.document_id for i in items] == [1, 3] and (total, held) == (2, 0)


def test_beat_task_refreshes_the_stored_plan(container: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from datetime import date

    import dms.retention_tasks as tasks
    from dms.bootstrap import PERIODIC_TASKS
    from dms.retention_service import latest_run

    monkeypatch.setattr(tasks, "get_container", lambda: container)
    assert PERIODIC_TASKS["retention-refresh-plan"][0] == tasks.REFRESH_PLAN_TASK
    run_id = tasks.refresh_plan_task.run("2026-03-01")
    with container.uow(read_only=True) as unit:
        run = latest_run(unit.session)
        assert run is not None and run.id == run_id and run.as_of == date(2026, 3, 1)
