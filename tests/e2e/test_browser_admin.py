"""Admin journeys in Chromium: editing a user (role, deactivation → session and token refused at once),
editing a routing rule (an incoming invoice follows it), and the other admin editors (axe-checked)."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from tests.e2e.harness import create_supplier
from tests.e2e.test_browser_journeys import _unique_invoice, _users
from tests.e2e.test_ui_finance import IBAN

pytestmark = pytest.mark.browser


def _container(live: dict[str, Any]) -> Any:
    from dms.bootstrap import build_container

    return build_container(live["settings"], pool=False)


def _user_id(live: dict[str, Any], username: str) -> int:
    from dms.db.tables import User

    container = _container(live)
    try:
        with container.uow(read_only=True) as unit:
            return int(unit.session.execute(select(User.id).where(User.username == username)).scalar_one())
    finally:
        container.close()


def _token(live: dict[str, Any], user_id: int) -> str:
    from dms.auth import service as auth

    container = _container(live)
    try:
        with container.uow() as unit:
            _row, plain = auth.create_token(unit.session, None, user_id, "fachverfahren")
            unit.commit()
            return plain
    finally:
        container.close()


def test_admin_changes_role_then_deactivates_user_session_and_token_stop(journey, live_server) -> None:
    admin, bea = _users(live_server, ("root", "admin", {}), ("bea", "clerk", {"department": "63"}))
    uid = _user_id(live_server, bea)
    token = _token(live_server, uid)
    api = httpx.Client(base_url=live_server["base"], headers={"Authorization": f"Bearer {token}"}, timeout=30)
    assert api.get("/api/v1/me").status_code == 200
    assert api.get("/api/v1/payment-runs").status_code == 403  # clerks may not

    u = journey("user")
    u.login(bea)
    assert "/inbox" in u.page.url

    a = journey("admin")
    a.login(admin)
    a.goto("/admin/users")
    a.page.get_by_role("link", name=f"Benutzer {bea} bearbeiten").click()
    a.page.wait_for_load_state("domcontentloaded")
    assert a.page.get_by_text("Offene Sitzungen: 1").is_visible()
    a.check("50-admin-user-edit")
    a.page.get_by_label("Rolle").select_option("finance")
    a.page.get_by_label("Organisationseinheit").fill("20")
    a.page.get_by_role("button", name="Speichern").click()
    a.page.wait_for_selector(".notice-success:has-text('Die Änderungen am Benutzer wurden gespeichert.')")
    a.check()

    # the user's next request already has the new role (browser session and API token alike)
    response = u.goto("/inbox")
    assert response is not None and response.status == 403
    assert u.goto("/invoices").status == 200
    assert api.get("/api/v1/payment-runs").status_code == 200

    a.page.get_by_label("Konto aktiv").uncheck()
    a.page.get_by_role("button", name="Speichern").click()
    a.page.wait_for_selector("text=deaktiviert")
    assert a.page.get_by_text("Offene Sitzungen: 0").is_visible()
    a.check("51-admin-user-deactivated")

    u.goto("/invoices")
    assert "/login" in u.page.url  # signed out at once
    assert api.get("/api/v1/me").status_code == 401
    u.page.get_by_label("Benutzername").fill(bea)
    u.page.get_by_label("Passwort").fill("Geheim-Passwort-2026")
    u.page.get_by_role("button", name="Anmelden").click()
    u.page.wait_for_load_state("domcontentloaded")
    assert "/login" in u.page.url  # a deactivated account cannot sign in
    api.close()


def test_admin_edits_routing_rule_and_incoming_invoice_follows_it(journey, live_server, tmp_path) -> None:
    from dms.invoices.tables import Invoice, RoutingRule

    sid = create_supplier(live_server["settings"], f"Tiefbau {uuid.uuid4().hex[:4]} GmbH", IBAN)
    admin, supplier, tief = _users(live_server, ("root", "admin", {}), ("lieferant", "supplier", {"supplier_id": sid}),
                                   ("tiefbau", "clerk", {"department": "66"}))
    a = journey("admin")
    a.login(admin)
    a.goto("/admin/routing")
    a.page.get_by_label("Lieferant (Nr.)").fill(str(sid))
    a.page.get_by_label("Organisationseinheit").fill("63")
    a.page.get_by_role("button", name="Regel anlegen").click()
    a.page.wait_for_selector(".notice-success:has-text('Die Regel wurde angelegt.')")
    container = _container(live_server)
    try:
        with container.uow(read_only=True) as unit:
            rule_id = int(unit.session.execute(
                select(RoutingRule.id).where(RoutingRule.supplier_id == sid)).scalar_one())
    finally:
        container.close()
    a.check("52-admin-routing")
    a.page.get_by_role("link", name=f"Regel {rule_id} bearbeiten").click()
    a.page.wait_for_load_state("domcontentloaded")
    a.check("53-admin-routing-rule")
    a.page.get_by_label("Organisationseinheit").fill("66")
    a.page.get_by_label("Zuständige Person (Benutzername)").fill(tief)
    a.page.get_by_role("button", name="Speichern").click()
    a.page.wait_for_selector(".notice-success:has-text('Die Regel wurde gespeichert.')")
    a.check()

    s = journey("supplier")
    s.login(supplier)
    s.goto("/portal/upload")
    s.page.set_input_files("#f-file", _unique_invoice(tmp_path))
    s.page.get_by_role("button", name="Rechnung einreichen").click()
    s.page.wait_for_selector("#outcome:has-text('Rechnung angenommen')")
    container = _container(live_server)
    try:
        with container.uow(read_only=True) as unit:
            inv = unit.session.execute(select(Invoice).where(Invoice.supplier_id == sid)).scalar_one()
            assert (inv.department, inv.routing_rule_id) == ("66", rule_id)  # the edited rule, not the old one
            assert inv.assignee_id == _user_id(live_server, tief)
    finally:
        container.close()

    # the other editors: limits, departments (approval chain), file plan entry — all axe-clean
    for path, shot in (("/admin/limits", "54-admin-limits"), ("/admin/departments", None),
                       ("/admin/departments/66", "55-admin-department"), ("/admin/retention-classes", None)):
        a.goto(path)
        a.check(shot)
    from dms.domain.principal import Principal
    from dms.services import fileplan as fileplan_svc

    container = _container(live_server)
    try:
        with container.uow() as unit:
            node = fileplan_svc.create_node(unit.session, Principal(user_id=1, username="t", role="admin"),
                                            f"66.{uuid.uuid4().int % 10000}", "Straßenbau")
            unit.commit()
            node_id = int(node.id or 0)
    finally:
        container.close()
    a.goto(f"/admin/fileplan/{node_id}")
    a.page.get_by_label("Titel").fill("Straßen- und Brückenbau")
    a.page.get_by_role("button", name="Speichern").click()
    a.page.wait_for_selector(".notice-success:has-text('Die Aktenplan-Position wurde gespeichert.')")
    a.check("56-admin-fileplan-entry")
    a.goto("/admin/routing")
    a.page.get_by_role("button", name=f"Regel {rule_id} löschen").click()
    a.page.wait_for_selector(".notice-success:has-text('Die Regel wurde gelöscht.')")
