"""Records manager pages over HTTP: due list with reasons, legal hold, four-eyes disposal, certificate."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.e2e.conftest import UiClient
from tests.e2e.documents import text_pdf
from tests.e2e.harness import csrf_of


def _upload_old(ui, title: str) -> int:
    token = ui.csrf("/upload")
    r = ui.http.post(
        "/upload",
        data={"csrf_token": token, "title": title, "document_date": "2012-03-01",
              "retention_class": "ao147-briefe"},
        files=[("files", (f"{title}.pdf", text_pdf(title), "application/pdf"))],
        headers={"Accept": "application/json"},
    )
    assert r.status_code == 201, r.text
    return int(r.json()["results"][0]["id"])


def test_due_list_hold_and_four_eyes_disposal(ui_env, ui, make_ui_user) -> None:
    make_ui_user("klara", "clerk", department="63")
    make_ui_user("rm1", "records_manager")
    make_ui_user("rm2", "records_manager")
    ui.login("klara")
    gone = _upload_old(ui, "Geschaeftsbrief-2012")
    kept = _upload_old(ui, "Streitsache-2012")

    rm1 = UiClient(TestClient(ui_env["app"]))
    rm2 = UiClient(TestClient(ui_env["app"]))
    rm1.login("rm1")
    rm2.login("rm2")

    due = rm1.http.get("/records/due")
    assert due.status_code == 200
    assert "Geschaeftsbrief-2012" in due.text and "Streitsache-2012" in due.text
    assert "ao147-briefe" in due.text

    hold = rm1.post_form("/records/holds", {"document_id": str(kept), "reason": "Rechtsstreit Az. 1 K 2/26"},
                         page="/records/holds")
    assert hold.status_code == 303
    assert "Rechtsstreit" in rm1.http.get("/records/holds").text
    due = rm1.http.get("/records/due")
    assert f'value="{kept}" id="sel-{kept}" disabled' in due.text  # held: not selectable

    r = rm1.http.post("/records/disposals", data={"csrf_token": csrf_of(due.text), "document_ids": [str(gone)]},
                      follow_redirects=False)
    assert r.status_code == 303
    page = rm1.http.get("/records/disposals")
    assert "Wartet auf Genehmigung durch eine zweite Person." in page.text
    disposal_id = int(page.text.split("<tr><td>", 1)[1].split("<", 1)[0])
    own = rm1.http.post(f"/records/disposals/{disposal_id}/approve", data={"csrf_token": csrf_of(page.text)},
                        follow_redirects=False)
    assert own.status_code == 403  # four eyes: the requester cannot approve

    page = rm2.http.get("/records/disposals")
    assert f"Antrag {disposal_id} genehmigen" in page.text
    ok = rm2.http.post(f"/records/disposals/{disposal_id}/approve", data={"csrf_token": csrf_of(page.text)},
                       follow_redirects=False)
    assert ok.status_code == 303
    cert = rm2.http.get(f"/records/disposals/{disposal_id}/certificate")
    assert cert.status_code == 200 and "sha256" in cert.text
    assert rm2.http.get(f"/records/disposals/{disposal_id}/certificate?fmt=pdf").content.startswith(b"%PDF")
    assert ui.http.get(f"/documents/{gone}/download").status_code in (404, 410)
    assert ui.http.get(f"/documents/{kept}/download").status_code == 200


def test_archive_offer_list_and_bad_answer(ui_env, ui, make_ui_user) -> None:
    make_ui_user("klara", "clerk", department="63")
    make_ui_user("rm1", "records_manager")
    ui.login("klara")
    _upload_old(ui, "Altakte-2012")
    rm = UiClient(TestClient(ui_env["app"]))
    rm.login("rm1")
    page = rm.http.get("/records/archive")
    assert "Noch keine Aussonderung." in page.text
    # ao147-briefe ends in destruction, not in an offer to the archive: the page says so
    offer = rm.http.post("/records/archive/offer", data={"csrf_token": csrf_of(page.text), "as_of": ""})
    assert offer.status_code == 422 and "nothing to offer" in offer.text
    bad = rm.http.post("/records/archive/messages", data={"csrf_token": csrf_of(page.text)},
                       files={"file": ("antwort.xml", b"<kein-xdomea/>", "application/xml")})
    assert bad.status_code in (409, 422) and 'role="alert"' in bad.text
    clerk_try = ui.post_form("/records/archive/offer", {"as_of": ""}, page="/inbox")
    assert clerk_try.status_code == 403
