"""Documents API on the embedded default: bad input, visibility, versions, metadata history, immutability."""

from __future__ import annotations

import pytest


def _upload(c, data: bytes, name: str = "a.pdf", **form):
    return c.post("/api/v1/documents", files={"file": (name, data, "application/octet-stream")}, data=form)


def test_upload_returns_id_at_once_and_metadata(client_as, pdf_bytes):
    c = client_as("clerk", department="63")
    r = _upload(c, pdf_bytes(), title="Bauantrag", document_type="antrag", department="63",
                document_date="2026-01-15", retention_class="ao147-briefe", tags="bau, antrag")
    assert r.status_code == 202
    body = r.json()
    assert set(body) >= {"id", "sha256", "status"}
    d = c.get(f"/api/v1/documents/{body['id']}").json()
    assert d["title"] == "Bauantrag" and d["document_date"] == "2026-01-15"
    assert d["retention_class"] == "ao147-briefe" and d["tags"] == ["antrag", "bau"]
    assert d["channel"] == "api" and d["uploader_id"] == c.user.id
    assert d["status"] == "ready" and d["failure_reason"] is None


@pytest.mark.parametrize("name", [
    "../../etc/passwd", "..\\..\\windows\\system32\\evil.txt", "/abs/path/x.txt", "..",
    "....//....//x.txt", "%2e%2e%2fpasswd.txt", "sub/../../x.txt",
])
def test_traversal_names_are_refused(client_as, name):
    # ("C:\\x" never arrives: python-multipart already reduces drive/UNC paths to the base name, as IE sent them)
    c = client_as("clerk", department="63")
    r = _upload(c, b"plain text content", name)
    assert r.status_code == 422, r.text
    assert "path" in r.json()["detail"]


@pytest.mark.parametrize(("name", "expected"), [
    ("scans/brief.txt", "brief.txt"),
    ("a<b>c|d.txt", "a_b_c_d.txt"),
    (".hidden.txt", "hidden.txt"),
    ("Antrag M\u00fcller..final.txt", "Antrag M\u00fcller..final.txt"),
])
def test_unsafe_names_are_sanitised(client_as, name, expected):
    c = client_as("clerk", department="63")
    r = _upload(c, b"plain text content", name)
    assert r.status_code == 202, r.text
    assert c.get(f"/api/v1/documents/{r.json()['id']}").json()["filename"] == expected


def test_empty_file_refused(client_as):
    c = client_as("clerk", department="63")
    r = _upload(c, b"", "empty.pdf")
    assert r.status_code == 422
    assert "empty" in r.json()["detail"]


def test_wrong_extension_refused(client_as):
    c = client_as("clerk", department="63")
    r = _upload(c, b"this is not a pdf at all", "fake.pdf")
    assert r.status_code == 422
    assert ".pdf" in r.json()["detail"]


def test_oversized_upload_413(make_settings, make_container, make_user):
    from fastapi.testclient import TestClient

    from dms.web.app import create_app

    s = make_settings(max_upload_bytes=2000)
    container = make_container(s)
    from dms.auth import service as auth

    with container.uow() as uow:
        u = auth.create_user(uow.session, None, "big", "clerk", department="63")
        _, token = auth.create_token(uow.session, None, u.id)
        uow.commit()
    with TestClient(create_app(s, container=container), headers={"Authorization": f"Bearer {token}"}) as c:
        r = _upload(c, b"x" * 5000, "big.txt")  # passes the header check (slack), fails while streaming
        assert r.status_code == 413
        assert "limit" in r.json()["detail"]
        r = _upload(c, b"x" * (2000 + 2 * 1024 * 1024), "huge.txt")  # refused by Content-Length
        assert r.status_code == 413
        assert _upload(c, b"x" * 2000, "ok.txt").status_code == 202


def test_duplicate_upload_is_refused_naming_the_document(client_as, pdf_bytes):
    c = client_as("clerk", department="63")
    data = pdf_bytes("dup")
    a = _upload(c, data).json()
    r = _upload(c, data)
    assert r.status_code == 409 and f"document {a['id']}" in r.json()["detail"]
    assert c.get("/api/v1/documents").json()["total"] == 1
    other = client_as("clerk", department="50")  # may not read it: told it exists, not what it is
    r = _upload(other, data)
    assert r.status_code == 409 and f"document {a['id']}" not in r.json()["detail"]


def test_duplicate_upload_allowed_by_setting_shares_the_blob(make_settings, make_container, pdf_bytes):
    from fastapi.testclient import TestClient

    from dms.auth import service as auth
    from dms.web.app import create_app

    container = make_container(make_settings(duplicate_uploads="allow"))
    with container.uow() as uow:
        u = auth.create_user(uow.session, None, "dup", "clerk", department="63")
        _, token = auth.create_token(uow.session, None, u.id)
        uow.commit()
    with TestClient(create_app(container.settings, container=container),
                    headers={"Authorization": f"Bearer {token}"}) as c:
        data = pdf_bytes("dup")
        a = _upload(c, data).json()
        b = _upload(c, data).json()
    assert a["id"] != b["id"] and a["sha256"] == b["sha256"]
    assert b["duplicate_of"] == [a["id"]]


def test_unknown_id_404_no_auth_401_wrong_role_403(client, client_as):
    assert client.get("/api/v1/documents/1").status_code == 401
    c = client_as("clerk", department="63")
    r = c.get("/api/v1/documents/424242")
    assert r.status_code == 404 and "424242" in r.json()["detail"]
    assert client_as("auditor").post("/api/v1/documents", files={"file": ("a.txt", b"x")}).status_code == 403
    assert c.get("/api/v1/documents/1", headers={"Authorization": "Bearer akw_wrong"}).status_code == 401


def test_visibility_department_and_grants(client_as, pdf_bytes):
    owner = client_as("clerk", department="63")
    doc_id = _upload(owner, pdf_bytes()).json()["id"]
    other = client_as("clerk", department="20")
    assert other.get(f"/api/v1/documents/{doc_id}").status_code == 403
    assert other.get(f"/api/v1/documents/{doc_id}/original").status_code == 403
    same_dept = client_as("clerk", department="63")
    assert same_dept.get(f"/api/v1/documents/{doc_id}").status_code == 200
    assert client_as("auditor").get(f"/api/v1/documents/{doc_id}").status_code == 200
    # explicit grant to a group
    grouped = client_as("clerk", department="20", groups=("bauamt",))
    rm = client_as("records_manager")
    r = rm.post("/api/v1/grants", json={"object_type": "document", "object_id": doc_id, "grantee": "group:bauamt"})
    assert r.status_code == 204
    assert grouped.get(f"/api/v1/documents/{doc_id}").status_code == 200
    assert other.get(f"/api/v1/documents/{doc_id}").status_code == 403
    listing = other.get("/api/v1/documents").json()
    assert doc_id not in [d["id"] for d in listing["items"]]


def test_grant_to_an_unknown_user_is_refused(client_as, pdf_bytes):
    """A grant to ``user:<id>`` nobody has was stored (204): the next user created with that id would have
    inherited the access. It is now a 404 with a sentence, and nothing is stored."""
    owner = client_as("clerk", department="63")
    doc_id = _upload(owner, pdf_bytes("Grant")).json()["id"]
    rm = client_as("records_manager")
    body = {"object_type": "document", "object_id": doc_id, "grantee": "user:987654"}
    r = rm.post("/api/v1/grants", json=body)
    assert r.status_code == 404 and "user 987654 not found" in r.json()["detail"]
    assert "user:987654" not in owner.get(f"/api/v1/documents/{doc_id}").json()["acl"]
    body["grantee"] = f"user:{owner.user.id}"
    assert rm.post("/api/v1/grants", json=body).status_code == 204


def test_access_inherited_from_akte(client_as, pdf_bytes):
    rm = client_as("records_manager", department="63")
    node = rm.post("/api/v1/fileplan", json={"code": "63.01", "title": "Bauordnung"}).json()
    akte = rm.post("/api/v1/akten", json={"fileplan_node_id": node["id"], "title": "Neubau X", "department": "63"}).json()
    vorgang = rm.post(f"/api/v1/akten/{akte['id']}/vorgaenge", json={"title": "Antrag"}).json()
    doc = _upload(rm, pdf_bytes(), vorgang_id=str(vorgang["id"]), department="").json()
    d = rm.get(f"/api/v1/documents/{doc['id']}").json()
    assert d["akte_id"] == akte["id"] and d["vorgang_id"] == vorgang["id"]
    outsider = client_as("clerk", department="20")
    assert outsider.get(f"/api/v1/documents/{doc['id']}").status_code == 403
    r = rm.post("/api/v1/grants", json={"object_type": "akte", "object_id": akte["id"], "grantee": f"user:{outsider.user.id}"})
    assert r.status_code == 204
    assert outsider.get(f"/api/v1/documents/{doc['id']}").status_code == 200
    assert outsider.get(f"/api/v1/akten/{akte['id']}").status_code == 200


def test_versions_never_replace_and_original_per_version(client_as):
    c = client_as("clerk", department="63")
    doc_id = _upload(c, b"version one", "v.txt").json()["id"]
    r = c.post(f"/api/v1/documents/{doc_id}/versions", files={"file": ("v.txt", b"version two")}, data={"comment": "fix"})
    assert r.status_code == 202 and r.json()["version_no"] == 2
    versions = c.get(f"/api/v1/documents/{doc_id}/versions").json()
    assert [v["version_no"] for v in versions] == [1, 2]
    assert c.get(f"/api/v1/documents/{doc_id}/versions/1/original").content == b"version one"
    assert c.get(f"/api/v1/documents/{doc_id}/original").content == b"version two"
    assert c.get(f"/api/v1/documents/{doc_id}").json()["current_version"] == 2
    same = c.post(f"/api/v1/documents/{doc_id}/versions", files={"file": ("v.txt", b"version two")})
    assert same.status_code == 409


def test_list_filters_by_status_and_refuses_an_unknown_one(client_as):
    c = client_as("clerk", department="63")
    doc_id = _upload(c, b"status filter", "s.txt").json()["id"]
    assert doc_id in [d["id"] for d in c.get("/api/v1/documents", params={"status": "ready"}).json()["items"]]
    r = c.get("/api/v1/documents", params={"status": "fertig"})  # used to answer 200 with an empty list
    assert r.status_code == 422 and "processing, ready, failed" in r.json()["detail"]


def test_version_zero_is_not_the_current_version(client_as):
    """``/versions/0/original`` names no version: 404, not the current version's bytes."""
    c = client_as("clerk", department="63")
    doc_id = _upload(c, b"only version", "z.txt").json()["id"]
    r = c.get(f"/api/v1/documents/{doc_id}/versions/0/original")
    assert r.status_code == 404 and "no version 0" in r.json()["detail"]


def test_metadata_update_is_versioned(client_as):
    c = client_as("clerk", department="63")
    doc_id = _upload(c, b"text", "t.txt", title="Alt").json()["id"]
    r = c.patch(f"/api/v1/documents/{doc_id}", json={"title": "Neu", "tags": ["x"], "correspondent": "Firma A"})
    assert r.status_code == 200 and r.json()["metadata_version"] == 2
    hist = c.get(f"/api/v1/documents/{doc_id}/metadata-history").json()
    assert [h["data"]["title"] for h in hist] == ["Alt", "Neu"]
    assert c.patch(f"/api/v1/documents/{doc_id}", json={"bogus": 1}).status_code == 422
    assert c.patch(f"/api/v1/documents/{doc_id}", json={"document_date": "gestern"}).status_code == 422


def test_required_custom_fields_and_finalised_is_immutable(client_as):
    rm = client_as("records_manager", department="63")
    r = rm.post("/api/v1/document-types", json={"name": "vertrag", "fields": [{"name": "vertragsnummer", "required": True}]})
    assert r.status_code == 201
    doc_id = _upload(rm, b"Vertrag", "v.txt").json()["id"]
    r = rm.patch(f"/api/v1/documents/{doc_id}", json={"document_type": "vertrag"})
    assert r.status_code == 422 and "vertragsnummer" in r.json()["detail"]
    r = rm.patch(f"/api/v1/documents/{doc_id}", json={"document_type": "vertrag", "custom_fields": {"vertragsnummer": "V-1"}})
    assert r.status_code == 200
    assert rm.post(f"/api/v1/documents/{doc_id}/finalise").status_code == 200
    assert rm.patch(f"/api/v1/documents/{doc_id}", json={"title": "x"}).status_code == 409
    assert rm.post(f"/api/v1/documents/{doc_id}/versions", files={"file": ("v.txt", b"neu")}).status_code == 409
    assert rm.get(f"/api/v1/documents/{doc_id}/original").content == b"Vertrag"


def test_refile_keeps_history_and_zda_freezes(client_as):
    rm = client_as("records_manager", department="63")
    node = rm.post("/api/v1/fileplan", json={"code": "63.02", "title": "Denkmal"}).json()
    a1 = rm.post("/api/v1/akten", json={"fileplan_node_id": node["id"], "title": "A1"}).json()
    a2 = rm.post("/api/v1/akten", json={"fileplan_node_id": node["id"], "title": "A2"}).json()
    doc_id = _upload(rm, b"brief", "b.txt", akte_id=str(a1["id"])).json()["id"]
    r = rm.post(f"/api/v1/documents/{doc_id}/refile", json={"akte_id": a2["id"], "reason": "falsch abgelegt"})
    assert r.status_code == 200 and r.json()["akte_id"] == a2["id"]
    hist = rm.get(f"/api/v1/documents/{doc_id}/filing-history").json()
    assert hist[0]["from_akte_id"] == a1["id"] and hist[0]["to_akte_id"] == a2["id"]
    closed = rm.post(f"/api/v1/akten/{a2['id']}/close")
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    assert rm.get(f"/api/v1/documents/{doc_id}").json()["finalised"] is True
    assert rm.patch(f"/api/v1/documents/{doc_id}", json={"title": "x"}).status_code == 409
    assert _upload(rm, b"neu", "n.txt", akte_id=str(a2["id"])).status_code == 409
    assert rm.post(f"/api/v1/akten/{a2['id']}/vorgaenge", json={"title": "v"}).status_code == 409
    assert rm.post(f"/api/v1/documents/{doc_id}/refile", json={"akte_id": a1["id"]}).status_code == 409


def test_aktenzeichen_generated_from_pattern(client_as):
    rm = client_as("records_manager", department="63")
    node = rm.post("/api/v1/fileplan", json={"code": "63.01.02", "title": "Baugenehmigung"}).json()
    a = rm.post("/api/v1/akten", json={"fileplan_node_id": node["id"], "title": "X", "year": 2026}).json()
    b = rm.post("/api/v1/akten", json={"fileplan_node_id": node["id"], "title": "Y", "year": 2026}).json()
    assert a["aktenzeichen"] == "63.01.02-2026/0001"
    assert b["aktenzeichen"] == "63.01.02-2026/0002"


def test_original_read_is_audited(client_as, pdf_bytes):
    c = client_as("clerk", department="63")
    doc_id = _upload(c, pdf_bytes()).json()["id"]
    c.get(f"/api/v1/documents/{doc_id}/original")
    entries = client_as("auditor").get("/api/v1/audit", params={"object_type": "document", "object_id": str(doc_id)}).json()
    actions = [e["action"] for e in entries]
    assert "document.create" in actions and "document.read_content" in actions
    assert client_as("auditor").get("/api/v1/audit/verify").json()["ok"] is True


def test_corrupted_original_is_not_delivered(client_as, container):
    c = client_as("clerk", department="63")
    body = _upload(c, b"precious record", "p.txt").json()
    path = container.store.path_for(body["sha256"])
    path.chmod(0o644)
    path.write_bytes(b"tampered record")
    r = c.get(f"/api/v1/documents/{body['id']}/original")
    assert r.status_code == 500
    assert "integrity" in r.json()["detail"]


def test_health_reports_components(client):
    r = client.get("/api/v1/health")
    assert r.status_code == 200
    assert set(r.json()["checks"]) == {"db", "queue", "store", "index", "fixity"}


def test_login_session_cookie_and_logout(client, make_user):
    user, _ = make_user("clerk", department="63", password="correct horse battery")
    assert client.post("/api/v1/auth/login", json={"username": user.username, "password": "wrong password"}).status_code == 401
    r = client.post("/api/v1/auth/login", json={"username": user.username, "password": "correct horse battery"})
    assert r.status_code == 200 and r.json()["csrf_token"]
    assert client.get("/api/v1/me").json()["user"]["username"] == user.username
    assert client.post("/api/v1/auth/logout", headers={"Origin": "http://evil.example"}).status_code == 403
    assert client.post("/api/v1/auth/logout").status_code == 204
    assert client.get("/api/v1/me").status_code == 401


def test_revoked_token_refused_at_once(client_as):
    c = client_as("clerk", department="63")
    r = c.post("/api/v1/me/tokens", json={"name": "zweit", "days": 30})
    assert r.status_code == 201
    second = r.json()
    hdr = {"Authorization": f"Bearer {second['token']}"}
    assert c.get("/api/v1/me", headers=hdr).status_code == 200
    assert c.delete(f"/api/v1/me/tokens/{second['id']}").status_code == 204
    assert c.get("/api/v1/me", headers=hdr).status_code == 401


def test_disabled_user_refused(client_as):
    admin = client_as("admin")
    clerk = client_as("clerk", department="63")
    assert clerk.get("/api/v1/me").status_code == 200
    assert admin.patch(f"/api/v1/users/{clerk.user.id}", json={"active": False}).status_code == 200
    assert clerk.get("/api/v1/me").status_code == 401
