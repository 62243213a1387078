"""Admin pages for departments as records: list with names and usage counts, create (errors tied to their
field), rename / deactivate, and the department fields of the other admin forms offering "code – name"."""

from __future__ import annotations

import re

from tests.e2e.harness import csrf_of


def _options(html: str) -> list[str]:
    """The labels of the department datalist of a page."""
    block = re.search(r'<datalist id="f-department-options">(.*?)</datalist>', html, re.S)
    assert block, "the page offers no department list"
    return re.findall(r'<option value="[^"]*" label="([^"]*)">', block.group(1))


def test_admin_creates_renames_and_deactivates_a_department(ui, make_ui_user) -> None:
    make_ui_user("root", "admin")
    ui.login("root")
    r = ui.post_form("/admin/departments", {"code": "63", "name": "Bauordnung"}, page="/admin/departments")
    assert r.status_code == 303 and r.headers["location"] == "/admin/departments/63?msg=department_created"
    make_ui_user("bauer", "clerk", department="63")
    listing = ui.http.get("/admin/departments").text
    row = re.search(r'<tr><td><a href="/admin/departments/63">63</a></td>(.*?)</tr>', listing, re.S)
    assert row and "Bauordnung" in row.group(1) and '<td class="num">1</td>' in row.group(1)  # one member

    page = ui.http.get("/admin/departments/63?msg=department_created").text
    assert (
        "Organisationseinheit 63 – Bauordnung" in page and "Die Organisationseinheit wurde angelegt." in page
    )
    assert "bauer" in page

    r = ui.post_form(
        "/admin/departments/63",
        {"name": "Bauordnung und Denkmalschutz", "active": "on"},
        page="/admin/departments/63",
    )
    assert r.status_code == 303
    users = ui.http.get("/admin/users").text
    assert "63 – Bauordnung und Denkmalschutz" in _options(users)
    assert "<td>63 – Bauordnung und Denkmalschutz</td>" in users  # the list shows the name next to the code

    r = ui.post_form(
        "/admin/departments/63", {"name": "Bauordnung und Denkmalschutz"}, page="/admin/departments/63"
    )
    assert r.status_code == 303
    page = ui.http.get("/admin/departments/63").text
    assert "<strong>deaktiviert</strong>" in page and "bauer" in page  # members stay
    assert not any(o.startswith("63") for o in _options(ui.http.get("/admin/users").text))


def test_create_errors_are_tied_to_their_field(ui, make_ui_user) -> None:
    make_ui_user("root", "admin")
    ui.login("root")
    ui.post_form("/admin/departments", {"code": "20", "name": "Kämmerei"}, page="/admin/departments")
    dup = ui.post_form("/admin/departments", {"code": "20", "name": "Noch einmal"}, page="/admin/departments")
    assert dup.status_code == 409
    assert (
        'id="f-code-err"' in dup.text and 'aria-invalid="true"' in dup.text and "gibt es bereits" in dup.text
    )
    assert 'value="Noch einmal"' in dup.text  # the input is kept
    bad = ui.post_form("/admin/departments", {"code": "63 2", "name": "X"}, page="/admin/departments")
    assert bad.status_code == 422 and 'id="f-code-err"' in bad.text and "Ungültiger Code" in bad.text
    long_name = ui.post_form(
        "/admin/departments", {"code": "21", "name": "x" * 201}, page="/admin/departments"
    )
    assert long_name.status_code == 422 and 'id="f-name-err"' in long_name.text
    empty = ui.post_form("/admin/departments/20", {"name": " ", "active": "on"}, page="/admin/departments/20")
    assert empty.status_code == 422 and 'id="f-name-err"' in empty.text
    assert (
        ui.post_form("/admin/departments/gibtsnicht", {"name": "X"}, page="/admin/departments").status_code
        == 404
    )


def test_forms_offer_departments_and_register_unknown_codes(ui, make_ui_user) -> None:
    make_ui_user("root", "admin")
    ui.login("root")
    ui.post_form("/admin/departments", {"code": "63", "name": "Bauordnung"}, page="/admin/departments")
    page = ui.http.get("/admin/users")
    assert "63 – Bauordnung" in _options(page.text)
    assert 'list="f-department-options"' in page.text and 'aria-describedby="f-department-help"' in page.text
    r = ui.http.post(
        "/admin/users",
        data={
            "csrf_token": csrf_of(page.text),
            "username": "neu",
            "role": "clerk",
            "password": "Sehr-geheim-123",
            "department": "45",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303  # an unknown code is registered, not refused
    listing = ui.http.get("/admin/departments").text
    assert '<a href="/admin/departments/45">45</a>' in listing
    r = ui.post_form(
        "/admin/routing",
        {"department": "46", "leitweg_id": "04011000-1234-56", "priority": "10"},
        page="/admin/routing",
    )
    assert r.status_code == 303
    routing = ui.http.get("/admin/routing").text
    assert "46" in _options(routing) and "63 – Bauordnung" in _options(routing)
    assert ui.http.get("/admin/departments/46").status_code == 200


def test_english_labels_and_clerk_refused(ui, make_ui_user) -> None:
    make_ui_user("root", "admin")
    make_ui_user("bea", "clerk", department="63")
    ui.login("root")
    ui.post_form("/lang", {"lang": "en", "next": "/admin/departments"}, page="/admin/departments")
    page = ui.http.get("/admin/departments").text
    assert (
        "New organisation unit" in page and "in use, not yet registered" not in page
    )  # 63 was seeded by use
    ui.login("bea")
    r = ui.post_form("/admin/departments", {"code": "99", "name": "X"}, page="/inbox")
    assert r.status_code == 403


def test_a_code_in_use_without_a_record_is_shown_and_registered_when_saved(ui, ui_env, make_ui_user) -> None:
    from sqlalchemy import text

    make_ui_user("root", "admin")
    make_ui_user("alt", "clerk")
    with ui_env["app"].state.container.uow() as unit:  # data written around the service (a raw import)
        unit.session.execute(text("UPDATE users SET department = '37' WHERE username = 'alt'"))
        unit.commit()
    ui.login("root")
    listing = ui.http.get("/admin/departments").text
    assert "in Verwendung, noch nicht angelegt" in listing
    page = ui.http.get("/admin/departments/37").text
    assert "in Verwendung, noch nicht angelegt" in page and "alt" in page
    r = ui.post_form(
        "/admin/departments/37", {"name": "Feuerwehr", "active": "on"}, page="/admin/departments/37"
    )
    assert r.status_code == 303
    assert "Organisationseinheit 37 – Feuerwehr" in ui.http.get("/admin/departments/37").text
    assert "in Verwendung, noch nicht angelegt" not in ui.http.get("/admin/departments").text
    from sqlalchemy import select

    from dms.db.tables import AuditEntry

    with ui_env["app"].state.container.uow(read_only=True) as unit:
        actions = list(
            unit.session.execute(
                select(AuditEntry.action)
                .where(AuditEntry.object_type == "department")
                .order_by(AuditEntry.id)
            ).scalars()
        )
    assert actions == ["department.register", "department.rename"]
