"""Admin pages over HTTP: users with roles/departments/limits, file plan CSV import, retention classes,
routing rules, health."""

from __future__ import annotations

from tests.e2e.harness import csrf_of

CSV = (
    b"code;title;parent_code;retention_class;department\n"
    b"63;Bauordnung;;;63\n"
    b"63.01;Baugenehmigungen;63;ao147-briefe;63\n"
    b"63.02;Bauvoranfragen;63;;63\n"
)


def _import(ui, data: bytes):
    token = ui.csrf("/admin/fileplan")
    return ui.http.post("/admin/fileplan", data={"csrf_token": token},
                        files={"file": ("aktenplan.csv", data, "text/csv")})


def test_fileplan_csv_import_creates_then_updates_and_explains_errors(ui, make_ui_user) -> None:
    make_ui_user("root", "admin")
    ui.login("root")
    first = _import(ui, CSV)
    assert first.status_code == 200
    assert "Import abgeschlossen: 3 neu, 0 geändert." in first.text
    assert "Baugenehmigungen" in first.text and "ao147-briefe" in first.text
    second = _import(ui, CSV.replace(b"Bauvoranfragen", b"Bauvoranfragen und Vorbescheide"))
    assert "Import abgeschlossen: 0 neu, 1 geändert." in second.text

    bad_parent = _import(ui, b"code,title,parent_code\n99.1,Waise,99\n")
    assert bad_parent.status_code == 422 and "99.1" in bad_parent.text
    no_header = _import(ui, b"a,b\n1,2\n")
    assert no_header.status_code == 422 and "code und title" in no_header.text
    latin1 = _import(ui, "code,title\n1,Straßenbau\n".encode("latin-1"))
    assert latin1.status_code == 422 and "UTF-8" in latin1.text
    assert "Waise" not in ui.http.get("/admin/fileplan").text  # a failed import changes nothing


def test_admin_creates_users_with_role_department_and_limit(ui, make_ui_user) -> None:
    make_ui_user("root", "admin")
    ui.login("root")
    page = ui.http.get("/admin/users")
    r = ui.http.post("/admin/users", data={"csrf_token": csrf_of(page.text), "username": "anordner",
                                           "role": "finance", "password": "Sehr-geheim-123",
                                           "department": "20", "amount_limit": "25000"},
                     follow_redirects=False)
    assert r.status_code == 303
    page = ui.http.get("/admin/users")
    assert "anordner" in page.text and "25.000,00 €" in page.text
    short = ui.http.post("/admin/users", data={"csrf_token": csrf_of(page.text), "username": "kurz",
                                               "role": "clerk", "password": "kurz"}, follow_redirects=False)
    assert short.status_code == 422
    dup = ui.http.post("/admin/users", data={"csrf_token": csrf_of(page.text), "username": "anordner",
                                             "role": "clerk", "password": "Sehr-geheim-123"},
                       follow_redirects=False)
    assert dup.status_code == 409 and "already exists" in dup.text
    for path in ("/admin/retention-classes", "/admin/routing", "/admin/health"):
        assert ui.http.get(path).status_code == 200, path
    assert "ao147-belege" in ui.http.get("/admin/retention-classes").text
    assert "Alle Komponenten arbeiten." in ui.http.get("/admin/health").text


# ------------------------------------------------------------------------------------- editors
def _audit_actions(ui_env, object_type: str) -> list[str]:
    from sqlalchemy import select

    from dms.db.tables import AuditEntry

    with ui_env["app"].state.container.uow(read_only=True) as unit:
        return list(unit.session.execute(
            select(AuditEntry.action).where(AuditEntry.object_type == object_type).order_by(AuditEntry.id)
        ).scalars())


def _token_for(ui_env, user_id: int) -> str:
    from dms.auth import service as auth

    with ui_env["app"].state.container.uow() as unit:
        _row, plain = auth.create_token(unit.session, None, user_id, "skript")
        unit.commit()
    return plain


def test_admin_edits_role_and_deactivates_user_session_and_token_stop_at_once(ui, ui_env, make_ui_user) -> None:
    from fastapi.testclient import TestClient

    from tests.e2e.conftest import UiClient

    make_ui_user("root", "admin")
    uid = make_ui_user("bea", "clerk", department="63")
    token = _token_for(ui_env, uid)
    other = UiClient(TestClient(ui_env["app"], base_url="http://testserver"))
    assert other.login("bea").status_code == 303
    assert other.http.get("/inbox").status_code == 200
    bearer = {"Authorization": f"Bearer {token}"}
    assert other.http.get("/api/v1/me", headers=bearer).status_code == 200
    assert other.http.get("/api/v1/payment-runs", headers=bearer).status_code == 403  # a clerk may not

    ui.login("root")
    page = ui.http.get(f"/admin/users/{uid}")
    assert page.status_code == 200 and "bea" in page.text and "Offene Sitzungen: 1" in page.text
    assert "skript" in page.text
    # validation: an unknown role and a bad limit are refused with a sentence, nothing changes
    bad = ui.post_form(f"/admin/users/{uid}", {"role": "kaiser", "active": "on"})
    assert bad.status_code == 422 and "unknown role" in bad.text
    bad = ui.post_form(f"/admin/users/{uid}", {"role": "clerk", "amount_limit": "viel", "active": "on"})
    assert bad.status_code == 422 and "is not a number" in bad.text

    # role change: the very next request of the user's browser session has the new role
    r = ui.post_form(f"/admin/users/{uid}", {"role": "finance", "department": "20", "amount_limit": "5000",
                                            "active": "on"})
    assert r.status_code == 303
    assert other.http.get("/inbox", follow_redirects=False).status_code == 403
    assert other.http.get("/invoices").status_code == 200
    assert other.http.get("/api/v1/payment-runs", headers=bearer).status_code == 200  # the token's new role

    # deactivation: session and token refused at once
    r = ui.post_form(f"/admin/users/{uid}", {"role": "finance", "department": "20"})
    assert r.status_code == 303
    gone = other.http.get("/invoices", follow_redirects=False)
    assert gone.status_code in (302, 303) and "/login" in gone.headers["location"]
    assert other.http.get("/api/v1/me", headers=bearer).status_code == 401
    page = ui.http.get(f"/admin/users/{uid}")
    assert "deaktiviert" in page.text and "Offene Sitzungen: 0" in page.text
    assert other.login("bea").status_code == 401

    # reactivation lets the password work again; the token can be revoked separately
    ui.post_form(f"/admin/users/{uid}", {"role": "finance", "department": "20", "active": "on"})
    assert other.http.get("/api/v1/me", headers=bearer).status_code == 200
    token_id = other.http.get("/api/v1/me/tokens", headers=bearer).json()[0]["id"]
    r = ui.post_form(f"/admin/users/{uid}/tokens/{token_id}/revoke", {}, page=f"/admin/users/{uid}")
    assert r.status_code == 303
    assert other.http.get("/api/v1/me", headers=bearer).status_code == 401
    assert other.login("bea").status_code == 303
    r = ui.post_form(f"/admin/users/{uid}/sessions/revoke", {}, page=f"/admin/users/{uid}")
    assert r.status_code == 303
    assert other.http.get("/invoices", follow_redirects=False).status_code in (302, 303)
    # an admin cannot lock themselves out
    root_id = ui.http.get("/api/v1/me").json()["user"]["id"]
    own = ui.post_form(f"/admin/users/{root_id}", {"role": "clerk", "active": "on"})
    assert own.status_code == 422 and "yourself" in own.text
    actions = _audit_actions(ui_env, "user")
    assert {"user.update", "token.revoke", "session.revoke_all"} <= set(actions)


def test_user_editor_is_admin_only_and_needs_csrf(ui, make_ui_user) -> None:
    make_ui_user("root", "admin")
    uid = make_ui_user("rm", "records_manager")
    ui.login("rm")
    assert ui.http.get(f"/admin/users/{uid}", follow_redirects=False).status_code == 403
    token = ui.csrf("/records/holds")
    r = ui.http.post(f"/admin/users/{uid}", data={"csrf_token": token, "role": "admin", "active": "on"},
                     follow_redirects=False)
    assert r.status_code == 403
    r = ui.http.post("/admin/routing", data={"csrf_token": token, "leitweg_id": "x", "department": "1"},
                     follow_redirects=False)
    assert r.status_code == 403
    ui.login("root")
    r = ui.http.post(f"/admin/users/{uid}", data={"role": "admin", "active": "on"}, follow_redirects=False)
    assert r.status_code == 403  # no CSRF token
    assert "Schriftgutverwaltung" in ui.http.get(f"/admin/users/{uid}").text


def test_routing_rules_create_edit_reorder_delete(ui, ui_env, make_ui_user) -> None:
    make_ui_user("root", "admin")
    make_ui_user("tiefbau", "clerk", department="66")
    ui.login("root")
    r = ui.post_form("/admin/routing", {"leitweg_id": "05315000-66-11", "department": "66", "assignee": "tiefbau"})
    assert r.status_code == 303
    r = ui.post_form("/admin/routing", {"order_reference_prefix": "BA-", "department": "63"})
    assert r.status_code == 303
    none = ui.post_form("/admin/routing", {"department": "63"})
    assert none.status_code == 422 and "mindestens ein Kriterium" in none.text
    nobody = ui.post_form("/admin/routing", {"leitweg_id": "x", "department": "63", "assignee": "niemand"})
    assert nobody.status_code == 422 and "Diesen Benutzer gibt es nicht: niemand" in nobody.text

    from dms.invoices import routing

    def rules():
        with ui_env["app"].state.container.uow(read_only=True) as unit:
            return [(r.id, r.department, r.priority, r.leitweg_id) for r in routing.list_rules(unit.session)]

    (first, *_), (second, *_) = rules()
    page = ui.http.get(f"/admin/routing/{first}")
    assert page.status_code == 200 and "05315000-66-11" in page.text and "tiefbau" in page.text
    r = ui.post_form(f"/admin/routing/{first}", {"leitweg_id": "05315000-66-12", "department": "66",
                                                 "assignee": "tiefbau", "priority": "100"})
    assert r.status_code == 303
    assert rules()[0][3] == "05315000-66-12"
    bad = ui.post_form(f"/admin/routing/{first}", {"leitweg_id": "", "department": "66"})
    assert bad.status_code == 422 and "mindestens ein Kriterium" in bad.text
    r = ui.post_form(f"/admin/routing/{second}/move", {"direction": "up"}, page="/admin/routing")
    assert r.status_code == 303
    assert [x[0] for x in rules()] == [second, first] and [x[2] for x in rules()] == [10, 20]
    r = ui.post_form(f"/admin/routing/{first}/delete", {}, page="/admin/routing")
    assert r.status_code == 303 and [x[0] for x in rules()] == [second]
    assert ui.http.get(f"/admin/routing/{first}").status_code == 404
    assert _audit_actions(ui_env, "routing_rule") == [
        "invoice.routing_rule.create", "invoice.routing_rule.create", "invoice.routing_rule.update",
        "invoice.routing_rule.reorder", "invoice.routing_rule.delete",
    ]


def test_fileplan_entry_limits_and_department_chain(ui, ui_env, make_ui_user) -> None:
    make_ui_user("root", "admin")
    fid = make_ui_user("kasse", "finance", department="20")
    ui.login("root")
    _import(ui, CSV)
    from dms.services import fileplan as fileplan_svc

    with ui_env["app"].state.container.uow(read_only=True) as unit:
        node = next(n for n in fileplan_svc.list_nodes(unit.session) if n.code == "63.02")
    r = ui.post_form(f"/admin/fileplan/{node.id}", {"title": "Bauvoranfragen (alt)", "parent_code": "63",
                                                    "retention_class": "ao147-briefe", "department": "63",
                                                    "deprecated": "on"})
    assert r.status_code == 303
    page = ui.http.get(f"/admin/fileplan/{node.id}")
    assert "Bauvoranfragen (alt)" in page.text and page.text.count("<tr>") >= 3  # header + 2 versions
    bad = ui.post_form(f"/admin/fileplan/{node.id}", {"title": "x", "retention_class": "ewig"})
    assert bad.status_code == 422 and "unknown retention class" in bad.text
    bad = ui.post_form(f"/admin/fileplan/{node.id}", {"title": "x", "parent_code": "63.02"})
    assert bad.status_code == 422 and "below itself" in bad.text

    r = ui.post_form(f"/admin/limits/{fid}", {"amount_limit": "12500.5"}, page="/admin/limits")
    assert r.status_code == 303 and "12.500,50 €" in ui.http.get("/admin/limits").text
    bad = ui.post_form(f"/admin/limits/{fid}", {"amount_limit": "-1"}, page="/admin/limits")
    assert bad.status_code == 422 and "non-negative" in bad.text
    r = ui.post_form(f"/admin/limits/{fid}", {"amount_limit": ""}, page="/admin/limits")
    assert r.status_code == 303 and "12.500,50 €" not in ui.http.get("/admin/limits").text

    assert "20" in ui.http.get("/admin/departments").text
    page = ui.http.get("/admin/departments/20")
    assert page.status_code == 200 and "kasse" in page.text
    form = {"factual-on": "on", "factual-roles": ["clerk"], "factual-dept": "on",
            "payment_order-on": "on", "payment_order-roles": ["finance"], "payment_order-limit": "on"}
    r = ui.post_form("/admin/departments/20/chain", form, page="/admin/departments/20")
    assert r.status_code == 303
    from dms.invoices import routing

    with ui_env["app"].state.container.uow(read_only=True) as unit:
        chain = routing.load_policy(unit.session).chains["20"]
    assert [s.value for s in chain.steps] == ["factual", "payment_order"]
    bad = ui.post_form("/admin/departments/20/chain", {"payment_order-on": "on"}, page="/admin/departments/20")
    assert bad.status_code == 422 and "keine berechtigte Rolle" in bad.text
    assert ui.http.get("/admin/departments/gibtsnicht").status_code == 404
    default = ui.http.get("/admin/departments/%2A")
    assert default.status_code == 200 and "Standard-Freigabekette" in default.text
    assert "Klassendatei" in ui.http.get("/admin/retention-classes").text


def test_api_revokes_tokens_and_sessions_of_a_user(ui, ui_env, make_ui_user) -> None:
    make_ui_user("root", "admin")
    uid = make_ui_user("bea", "clerk")
    admin_token = _token_for(ui_env, 1)
    plain = _token_for(ui_env, uid)
    _token_for(ui_env, uid)
    http = ui.http
    admin = {"Authorization": f"Bearer {admin_token}"}
    bearer = {"Authorization": f"Bearer {plain}"}
    assert http.get("/api/v1/me", headers=bearer).status_code == 200
    tokens = http.get(f"/api/v1/users/{uid}/tokens", headers=admin).json()
    assert [t["name"] for t in tokens] == ["skript", "skript"] and all(t["token"] is None for t in tokens)
    assert http.delete(f"/api/v1/users/{uid}/tokens/{tokens[0]['id']}", headers=admin).status_code == 204
    assert http.get("/api/v1/me", headers=bearer).status_code == 401
    assert http.delete(f"/api/v1/users/{uid}/tokens/{tokens[0]['id'] + 99}", headers=admin).status_code == 404
    assert http.delete(f"/api/v1/users/{uid}/tokens", headers=admin).json() == {"revoked": 1}
    ui.login("bea")
    assert http.get("/inbox").status_code == 200
    assert http.delete(f"/api/v1/users/{uid}/sessions", headers=admin).json() == {"revoked": 1}
    assert http.get("/inbox", follow_redirects=False).status_code in (302, 303)
    assert http.delete(f"/api/v1/users/{uid}/sessions", headers=bearer).status_code == 401
    clerk_token = _token_for(ui_env, uid)
    assert http.delete("/api/v1/users/1/sessions",
                       headers={"Authorization": f"Bearer {clerk_token}"}).status_code == 403
