"""Clerk pages over HTTP: upload → inbox → search (facets, highlights, saved) → document → edit → download;
no data of other departments on any page."""

from __future__ import annotations

import re

from tests.e2e.documents import text_pdf
from tests.e2e.harness import csrf_of


def _upload(ui, name: str, data: bytes, **fields: str):
    token = ui.csrf("/upload")
    return ui.http.post(
        "/upload",
        data={"csrf_token": token, **fields},
        files=[("files", (name, data, "application/pdf"))],
        headers={"Accept": "application/json"},
    )


def test_clerk_journey_over_http(ui, make_ui_user) -> None:
    make_ui_user("klara", "clerk", department="63")
    assert ui.login("klara").status_code == 303
    pdf = text_pdf("Bauantrag Gartenhaus Lindenweg 5", "Antragsteller: Familie Mustermann")
    r = _upload(ui, "bauantrag.pdf", pdf, title="Bauantrag Lindenweg", document_type="Bauantrag")
    assert r.status_code == 201, r.text
    doc_id = r.json()["results"][0]["id"]

    inbox = ui.http.get("/inbox")
    assert "Bauantrag Lindenweg" in inbox.text and f'href="/documents/{doc_id}"' in inbox.text

    found = ui.http.get("/search", params={"q": "Gartenhaus"})
    assert found.status_code == 200
    assert f'href="/documents/{doc_id}"' in found.text
    assert "<mark>Gartenhaus</mark>" in found.text  # highlight, rendered as markup
    assert "1 Treffer" in found.text
    facet = ui.http.get("/search", params={"q": "Gartenhaus", "document_type": "Bauantrag"})
    assert f'href="/documents/{doc_id}"' in facet.text
    none = ui.http.get("/search", params={"q": "Gartenhaus", "document_type": "Rechnung"})
    assert f'href="/documents/{doc_id}"' not in none.text

    saved = ui.post_form("/search/saved", {"name": "Gartenhäuser", "query_string": "q=Gartenhaus"}, page="/search")
    assert saved.status_code == 303
    assert 'href="/search?q=Gartenhaus">Gartenhäuser</a>' in ui.http.get("/search").text

    page = ui.http.get(f"/documents/{doc_id}")
    assert page.status_code == 200
    assert "bauantrag.pdf" in page.text and f'hx-get="/documents/{doc_id}/audit"' in page.text
    trail = ui.http.get(f"/documents/{doc_id}/audit", headers={"HX-Request": "true"})
    assert "document.create" in trail.text and "<html" not in trail.text  # a fragment for htmx
    assert "<html" in ui.http.get(f"/documents/{doc_id}/audit").text  # a whole page without JavaScript
    preview = ui.http.get(f"/documents/{doc_id}/preview/1.png")
    assert preview.status_code == 200 and preview.content.startswith(b"\x89PNG")

    token = csrf_of(page.text)
    r = ui.http.post(f"/documents/{doc_id}", data={"csrf_token": token, "title": "Bauantrag Lindenweg 5",
                                                 "document_type": "Bauantrag", "correspondent": "Mustermann",
                                                 "tags": "Bau, Garten", "document_date": "2026-03-01"},
                     follow_redirects=False)
    assert r.status_code == 303
    page = ui.http.get(f"/documents/{doc_id}")
    assert 'value="Bauantrag Lindenweg 5"' in page.text
    assert "document.update_metadata" in ui.http.get(f"/documents/{doc_id}/audit").text

    bad = ui.http.post(f"/documents/{doc_id}", data={"csrf_token": token, "title": "x",
                                                   "document_date": "2026-13-45"}, follow_redirects=False)
    assert bad.status_code == 422 and 'aria-invalid="true"' in bad.text

    dl = ui.http.get(f"/documents/{doc_id}/download")
    assert dl.status_code == 200 and dl.content == pdf
    assert "attachment" in dl.headers["content-disposition"]
    assert "document.read_content" in ui.http.get(f"/documents/{doc_id}/audit").text


def test_upload_refuses_empty_file_with_a_message(ui, make_ui_user) -> None:
    make_ui_user("klara", "clerk", department="63")
    ui.login("klara")
    r = _upload(ui, "leer.pdf", b"")
    assert r.status_code == 422
    assert r.json()["results"][0]["error"] == "Die Datei ist leer."


def test_no_data_of_other_departments_leaks(ui_env, make_ui_user) -> None:
    from fastapi.testclient import TestClient

    from tests.e2e.conftest import UiClient

    make_ui_user("klara", "clerk", department="63")
    make_ui_user("otto", "clerk", department="20")
    a = UiClient(ui_env["client"])
    b = UiClient(TestClient(ui_env["app"]))
    a.login("klara")
    b.login("otto")
    r = _upload(a, "geheim.pdf", text_pdf("Vertraulich Personalakte Zebrafisch"), title="Personalakte Zebra",
                document_type="Personal")
    doc_id = r.json()["results"][0]["id"]
    _upload(b, "kasse.pdf", text_pdf("Kassenbuch Zebrafisch Stadtkasse"), title="Kassenbuch", document_type="Kasse")

    assert b.http.get(f"/documents/{doc_id}").status_code == 404
    assert b.http.get(f"/documents/{doc_id}/download").status_code == 404
    assert b.http.get(f"/documents/{doc_id}/preview/1.png").status_code == 404
    assert b.http.get(f"/documents/{doc_id}/audit").status_code == 404
    for path in ("/inbox", "/search?q=Zebrafisch", "/search?q=Personal", "/akten"):
        text = b.http.get(path).text
        assert "Personalakte" not in text and f"/documents/{doc_id}\"" not in text, path
        assert not re.search(r">Personal</a> \(\d+\)", text), path  # no facet value of the other department
    own = b.http.get("/search?q=Zebrafisch").text
    assert "Kassenbuch" in own and "1 Treffer" in own


def test_akte_page_filing_and_zda(ui_env, ui, make_ui_user) -> None:
    from dms.services import fileplan

    make_ui_user("klara", "clerk", department="63")
    container = ui_env["app"].state.container
    with container.uow() as unit:
        from dms.auth import service as auth

        admin = auth.principal_of(unit.session, auth.get_user_by_name(unit.session, "klara"))
        node = fileplan.create_node(unit.session, admin, "63.01", "Baugenehmigungen", retention_class="ao147-briefe")
        akte = fileplan.create_akte(unit.session, admin, ui_env["settings"].aktenzeichen_pattern, int(node.id),
                                    "Gartenhaus Lindenweg 5", department="63")
        unit.commit()
        akte_id, az = int(akte.id), akte.aktenzeichen
    ui.login("klara")
    assert az in ui.http.get("/upload").text  # offered as filing target
    r = _upload(ui, "plan.pdf", text_pdf("Lageplan Gartenhaus"), title="Lageplan", akte_id=str(akte_id))
    doc_id = r.json()["results"][0]["id"]
    assert f'href="/documents/{doc_id}"' not in ui.http.get("/inbox").text  # filed: not in the inbox

    page = ui.http.get(f"/akten/{akte_id}")
    assert page.status_code == 200 and f"Akte {az}" in page.text and "Lageplan" in page.text
    assert "63.01 Baugenehmigungen" in page.text and "ao147-briefe" in page.text
    assert az in ui.http.get("/akten", params={"q": "Lindenweg"}).text
    assert "Zu den Akten (z.d.A.)" not in page.text  # closing is the records manager's (akten:close)
    assert ui.post_form(f"/akten/{akte_id}/close", {}, page=f"/akten/{akte_id}").status_code == 403

    from fastapi.testclient import TestClient

    from tests.e2e.conftest import UiClient

    make_ui_user("rm", "records_manager")
    rm = UiClient(TestClient(ui_env["app"]))
    rm.login("rm")
    assert "Zu den Akten (z.d.A.)" in rm.http.get(f"/akten/{akte_id}").text
    r = rm.post_form(f"/akten/{akte_id}/close", {}, page=f"/akten/{akte_id}")
    assert r.status_code == 303
    page = ui.http.get(f"/akten/{akte_id}")
    assert "geschlossen (z.d.A.)" in page.text and "Zu den Akten (z.d.A.)" not in page.text
    assert "festgeschrieben" in ui.http.get(f"/documents/{doc_id}").text  # no metadata form any more
    late = _upload(ui, "nachtrag.pdf", text_pdf("Nachtrag"), akte_id=str(akte_id))
    assert late.status_code == 422 and "closed" in late.json()["results"][0]["error"]


def test_saved_searches_live_in_the_database_and_old_json_files_are_imported_once(ui, ui_env, make_ui_user) -> None:
    import json

    from sqlalchemy import select

    from dms.web.ui.tables import SavedSearch

    uid = make_ui_user("sb", "clerk", department="63")
    other = make_ui_user("sb2", "clerk", department="63")
    folder = ui_env["settings"].data_path / "ui" / "saved-searches"
    folder.mkdir(parents=True)
    (folder / f"{uid}.json").write_text(json.dumps([{"name": "Neu", "query": "q=neu"},
                                                    {"name": "Alt", "query": "q=alt"}]), encoding="utf-8")
    (folder / f"{other}.json").write_text("kaputt", encoding="utf-8")
    ui.login("sb")
    page = ui.http.get("/search")
    assert page.text.index("q=neu") < page.text.index("q=alt")  # order kept: newest first
    assert not folder.exists() and (folder.parent / "saved-searches.imported" / f"{uid}.json.imported").exists()
    r = ui.post_form("/search/saved", {"name": "Alt", "query_string": "q=alt&sort=date_desc"}, page="/search")
    assert r.status_code == 303
    for i in range(55):
        ui.post_form("/search/saved", {"name": f"S{i}", "query_string": f"q=s{i}"}, page="/search")
    with ui_env["app"].state.container.uow(read_only=True) as unit:
        rows = unit.session.execute(select(SavedSearch.user_id, SavedSearch.name)).all()
    assert len(rows) == 50 and {u for u, _ in rows} == {uid}  # capped; the broken file imported nothing
    page = ui.http.get("/search")
    assert "q=s54" in page.text and "q=s4\"" not in page.text
    blank = ui.post_form("/search/saved", {"name": "  ", "query_string": "q=x"}, page="/search")
    assert blank.status_code == 422 and "braucht einen Namen" in blank.text
