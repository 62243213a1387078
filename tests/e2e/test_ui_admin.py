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
