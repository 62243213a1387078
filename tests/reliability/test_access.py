"""Access: own/other department and supplier for every id-scoped route, generated from the route table
(a new route with a document or invoice id is covered automatically; the role x route matrix itself is
``tests/unit/dms/test_route_permissions.py``); tokens revocable; sessions expire; login rate limited on
the API too (finding: only the UI form was limited); passwords argon2id; secrets never logged."""

from __future__ import annotations

import logging
import re
from datetime import timedelta

from sqlalchemy import text, update

from dms.db.tables import User, WebSession
from dms.db.types import utcnow
from dms.invoices import suppliers
from dms.web.permissions import ROUTE_PERMISSIONS, iter_app_routes, role_has
from tests.integration.test_invoices_postgres import invoice_xml

_PARAM = re.compile(r"\{([^}]+)\}")
DOC_PARAMS = {"document_id", "doc_id"}
FIXED = {"version_no": "1", "page_no": "1"}


def _scoped_routes(app, params: set[str]) -> list[tuple[str, str]]:
    out = []
    for method, path, _ in iter_app_routes(app):
        names = set(_PARAM.findall(path))
        if names & params and names <= params | set(FIXED):
            out.append((method, path))
    return out


def _url(path: str, value: int) -> str:
    return _PARAM.sub(lambda m: FIXED.get(m.group(1), str(value)), path)


def _call(client, method: str, url: str):
    if method in {"POST", "PUT", "PATCH"}:
        return client.request(method, url, json={}, follow_redirects=False)
    return client.request(method, url, follow_redirects=False)


def _json(resp) -> dict:
    try:
        body = resp.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def test_other_department_and_supplier_never_reach_a_document(app, client_as, pdf_bytes):
    owner = client_as("clerk", department="63", raise_server_exceptions=False)
    r = owner.post("/api/v1/documents", files={"file": ("a.pdf", pdf_bytes("Amt 63 intern"), "application/pdf")})
    doc_id = r.json()["id"]
    routes = _scoped_routes(app, DOC_PARAMS)
    assert len(routes) >= 20, routes  # documents, versions, UI pages, Paperless API, retention, archive copy
    outsiders = {
        "clerk-20": client_as("clerk", department="20", raise_server_exceptions=False),
        "finance-20": client_as("finance", department="20", raise_server_exceptions=False),
        "supplier": client_as("supplier", supplier_id=None, raise_server_exceptions=False),
    }
    leaks, reached = [], 0
    for who, c in outsiders.items():
        role = who.split("-")[0]
        for method, path in routes:
            perm = ROUTE_PERMISSIONS[(method, path)]
            if not role_has(role, perm):
                continue  # refused by permission (covered by the role x route matrix)
            resp = _call(c, method, _url(path, doc_id))
            reached += 1
            empty_answer = resp.status_code == 200 and _json(resp).get("hits") == []  # e.g. more-like-this
            if (resp.status_code < 300 and not empty_answer) or resp.status_code >= 500 \
                    or b"Amt 63 intern" in resp.content:
                leaks.append(f"{who} {method} {path} -> {resp.status_code}")
    assert reached >= 20
    assert not leaks, "\n".join(leaks)
    own = [m + " " + p for m, p in routes if m == "GET" and p.startswith("/api/v1/documents")
           and owner.get(_url(p, doc_id)).status_code == 403]
    assert not own, own  # the owner's department is never refused its document
    assert owner.get(f"/api/v1/documents/{doc_id}/original").content.startswith(b"%PDF")


def test_other_supplier_never_reaches_an_invoice(app, container, client_as):
    with container.uow() as uow:
        a = suppliers.create_supplier(uow.session, None, "A GmbH", vat_id="DE123456789", ibans=["DE79000000001234567890"])
        b = suppliers.create_supplier(uow.session, None, "B GmbH", vat_id="DE999999999", ibans=["DE02120300000000202051"])
        uow.commit()
        a_id, b_id = int(a.id), int(b.id)
    sup_a = client_as("supplier", supplier_id=a_id, raise_server_exceptions=False)
    sup_b = client_as("supplier", supplier_id=b_id, raise_server_exceptions=False)
    inv = sup_a.post("/api/v1/invoices", files={"file": ("r.xml", invoice_xml("ACL-1"), "application/xml")})
    assert inv.status_code == 201, inv.text
    inv_id = inv.json()["id"]
    routes = _scoped_routes(app, {"invoice_id"})
    assert routes
    leaks = []
    for method, path in routes:
        if not role_has("supplier", ROUTE_PERMISSIONS[(method, path)]):
            continue
        r = _call(sup_b, method, _url(path, inv_id))
        if r.status_code < 300 or r.status_code >= 500:
            leaks.append(f"{method} {path} -> {r.status_code}")
        if method == "GET" and path.startswith("/api/"):
            assert sup_a.get(_url(path, inv_id)).status_code == 200, path
    assert not leaks, leaks
    listed = sup_b.get("/api/v1/invoices").json()
    assert inv_id not in {i["id"] for i in (listed if isinstance(listed, list) else listed.get("items", []))}


def test_tokens_are_revocable_at_once_and_from_another_process(container, client_as, make_container):
    c = client_as("clerk", department="63")
    made = c.post("/api/v1/me/tokens", json={"name": "zweit"}).json()
    second = made.get("token") or made.get("plain") or made.get("value")
    from fastapi.testclient import TestClient

    other = TestClient(c.app, headers={"Authorization": f"Bearer {second}"})
    assert other.get("/api/v1/me").status_code == 200
    assert c.delete(f"/api/v1/me/tokens/{made['id']}").status_code == 204
    assert other.get("/api/v1/me").status_code == 401  # revoked in this process: at once
    # revoked by another process (CLI, second API process): honoured within the cache TTL (2 s)
    with container.db.write.begin() as conn:
        conn.execute(text("UPDATE api_tokens SET revoked = :t WHERE user_id = :u"), {"t": True, "u": c.user.id})
    import time

    deadline = time.monotonic() + 5
    while c.get("/api/v1/me").status_code != 401:
        assert time.monotonic() < deadline, "a token revoked elsewhere still works after 5 s"
        time.sleep(0.2)


def test_sessions_expire_and_logout_ends_them(container, client, make_user):
    user, _ = make_user("clerk", department="63", username="sessionuser", password="richtig-geheim-1")
    r = client.post("/api/v1/auth/login", json={"username": "sessionuser", "password": "richtig-geheim-1"})
    assert r.status_code == 200
    assert client.get("/api/v1/me").status_code == 200
    with container.uow() as uow:
        uow.session.execute(update(WebSession).where(WebSession.user_id == user.id)
                            .values(expires_at=utcnow() - timedelta(seconds=1)))
        uow.commit()
    import time

    deadline = time.monotonic() + 5
    while client.get("/api/v1/me").status_code != 401:
        assert time.monotonic() < deadline, "an expired session still works"
        time.sleep(0.2)
    client.cookies.clear()
    assert client.post("/api/v1/auth/login", json={"username": "sessionuser", "password": "richtig-geheim-1"}).status_code == 200
    assert client.post("/api/v1/auth/logout").status_code == 204
    assert client.get("/api/v1/me").status_code == 401


def test_api_login_is_rate_limited_and_shares_the_ui_limit(client, make_user):
    make_user("clerk", username="opfer", password="das-richtige-passwort")
    for _ in range(5):
        assert client.post("/api/v1/auth/login", json={"username": "opfer", "password": "falsch"}).status_code == 401
    blocked = client.post("/api/v1/auth/login", json={"username": "opfer", "password": "das-richtige-passwort"})
    assert blocked.status_code == 429 and int(blocked.headers["Retry-After"]) > 0
    # the same address is limited for other user names too (password spraying)
    assert client.post("/api/v1/auth/login", json={"username": "anderer", "password": "x"}).status_code == 429


def test_passwords_are_argon2id_and_secrets_never_logged(container, client, make_user, caplog, pdf_bytes):
    caplog.set_level(logging.DEBUG)
    password = "Sehr-Geheimes-Passwort-4711"
    _, token = make_user("clerk", department="63", username="geheim", password=password)
    assert client.post("/api/v1/auth/login", json={"username": "geheim", "password": "Falsch-" + password}).status_code == 401
    ok = client.post("/api/v1/auth/login", json={"username": "geheim", "password": password})
    assert ok.status_code == 200
    session_cookie = ok.cookies.get("aktenwerk_session")
    client.cookies.clear()
    h = {"Authorization": f"Bearer {token}"}
    assert client.post("/api/v1/documents", headers=h, files={"file": ("a.pdf", pdf_bytes("x"), "application/pdf")}).status_code == 202
    assert client.get("/api/v1/me", headers={"Authorization": "Bearer falsch-" + token}).status_code == 401
    with container.uow(read_only=True) as uow:
        stored = uow.session.execute(text("SELECT password_hash FROM users WHERE username = 'geheim'")).scalar_one()
        dump = " ".join(str(r) for r in uow.session.execute(text("SELECT * FROM audit_log")).all())
        tokens = " ".join(str(r) for r in uow.session.execute(text("SELECT * FROM api_tokens")).all())
    assert stored.startswith("$argon2id$") and password not in stored
    assert token not in tokens  # only hashes are stored
    secrets = [password, token, session_cookie or "", container.settings.secret_key]
    logged = "\n".join(r.getMessage() + str(r.args) for r in caplog.records)
    for s in filter(None, secrets):
        assert s not in logged, "a secret appeared in the log"
        assert s not in dump, "a secret appeared in the audit log"
    _ = User


#: id parameters of the route table and how their own/other dimension is proven. A route with a new id
#: parameter fails ``test_every_id_parameter_has_an_own_other_rule`` until it is classified here.
ID_PARAMS = {
    "document_id": "department/uploader ACL: test_other_department_and_supplier_never_reach_a_document",
    "doc_id": "department/uploader ACL: test_other_department_and_supplier_never_reach_a_document",
    "version_no": "with document_id", "page_no": "with doc_id",
    "invoice_id": "supplier scope: test_other_supplier_never_reaches_an_invoice",
    "akte_id": "department ACL: test_other_department_never_reaches_an_akte_or_vorgang",
    "vorgang_id": "department ACL: test_other_department_never_reaches_an_akte_or_vorgang",
    "token_id": "owner: test_a_user_cannot_revoke_another_users_token",
    # organisation-wide objects: only the role decides (tests/unit/dms/test_route_permissions.py)
    "user_id": "admin/auditor only", "code": "admin (department chains)", "department": "admin (approval chains)",
    "deputyship_id": "finance deputies, organisation-wide", "disposal_id": "records manager, organisation-wide",
    "hold_id": "records manager, organisation-wide", "process_id": "records manager, organisation-wide",
    "rule_id": "admin (invoice routing)", "run_id": "finance, organisation-wide payment runs",
    "supplier_id": "finance/auditor, organisation-wide supplier records",
    "label_id": "Paperless tags/types/correspondents: shared vocabulary, no content",
    "node_id": "the file plan is published to everyone", "name": "static files",
}


def test_every_id_parameter_has_an_own_other_rule(app):
    unclassified = sorted({(p, name) for _, p, _ in iter_app_routes(app) for name in _PARAM.findall(p)
                           if name not in ID_PARAMS})
    assert not unclassified, f"routes with an id parameter nobody classified for own/other access: {unclassified}"


def test_other_department_never_reaches_an_akte_or_vorgang(app, client_as):
    rm = client_as("records_manager", department="63", raise_server_exceptions=False)
    node = rm.post("/api/v1/fileplan", json={"code": "63.07", "title": "Zugriff"}).json()
    akte = rm.post("/api/v1/akten", json={"fileplan_node_id": node["id"], "title": "Amt 63 geheim",
                                          "department": "63"}).json()
    vorgang = rm.post(f"/api/v1/akten/{akte['id']}/vorgaenge", json={"title": "Antrag 63"}).json()
    owner = client_as("clerk", department="63", raise_server_exceptions=False)
    outsiders = {
        "clerk-20": client_as("clerk", department="20", raise_server_exceptions=False),
        "finance-20": client_as("finance", department="20", raise_server_exceptions=False),
        "supplier": client_as("supplier", supplier_id=None, raise_server_exceptions=False),
    }
    leaks, reached = [], 0
    for param, obj_id in (("akte_id", akte["id"]), ("vorgang_id", vorgang["id"])):
        routes = _scoped_routes(app, {param})
        assert routes, param
        for who, c in outsiders.items():
            for method, path in routes:
                if not role_has(who.split("-")[0], ROUTE_PERMISSIONS[(method, path)]):
                    continue
                r = _call(c, method, _url(path, obj_id))
                reached += 1
                if r.status_code < 400 or r.status_code >= 500 or b"geheim" in r.content or b"Antrag 63" in r.content:
                    leaks.append(f"{who} {method} {path} -> {r.status_code}")
        for method, path in routes:  # the owning department reads them
            if method == "GET" and path.startswith("/api/"):
                assert owner.get(_url(path, obj_id)).status_code == 200, path
    assert reached >= 6 and not leaks, leaks
    for c in outsiders.values():  # and lists do not show them
        listed = c.get("/api/v1/akten")
        assert listed.status_code >= 400 or b"geheim" not in listed.content


def test_a_user_cannot_revoke_another_users_token(client_as):
    a = client_as("clerk", department="63")
    b = client_as("clerk", department="63")
    made = a.post("/api/v1/me/tokens", json={"name": "eigen"}).json()
    plain = made.get("token") or made.get("plain") or made.get("value")
    r = b.delete(f"/api/v1/me/tokens/{made['id']}")
    assert r.status_code in {403, 404}, r.text
    from fastapi.testclient import TestClient

    assert TestClient(a.app, headers={"Authorization": f"Bearer {plain}"}).get("/api/v1/me").status_code == 200
