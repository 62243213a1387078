"""The Paperless-compatible API spoken to by ``pypaperless`` (a client nobody here wrote), over HTTP
against uvicorn on a loopback port: auth, root, list/filter/search/paging, files, upload + task,
labels, notes, PATCH — and a user sees only what Aktenwerk lets them read."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from pypaperless import Paperless
from pypaperless.exceptions import InitializationError

from dms.paperless.importer import run_sync
from dms.paperless.mapping import PAPERLESS_VERSION
from dms.paperless.server import serve_in_thread


@pytest.fixture(autouse=True)
def _no_ocr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AKTENWERK_OCR_ENABLED", "false")  # OCR has its own suite


@pytest.fixture
def base_url(app: Any) -> Iterator[str]:
    with serve_in_thread(app) as url:
        yield url


def run(coro: Any) -> Any:
    # a session-scoped Playwright browser on the same xdist worker keeps an event loop running in this
    # thread: run_sync then uses a thread of its own
    return run_sync(coro)


def upload(c: Any, data: bytes, name: str, **form: str) -> int:
    r = c.post("/api/v1/documents", files={"file": (name, data, "application/octet-stream")}, data=form)
    assert r.status_code == 202, r.text
    return int(r.json()["id"])


@pytest.fixture
def corpus(client_as: Any, pdf_bytes: Any) -> dict[str, Any]:
    clerk = client_as("clerk", department="63")
    other = client_as("clerk", department="20")
    files = {
        "bau": pdf_bytes("Bauantrag Hauptstraße 12 Neubau Garage"),
        "lärm": "Beschwerde über Lärm in der Gartenstraße".encode(),
        "rechnung": pdf_bytes("Rechnung Stadtwerke Strom Januar"),
    }
    ids = {
        "bau": upload(clerk, files["bau"], "bauantrag.pdf", title="Bauantrag Garage", tags="Bau,Eilt",
                      correspondent="Familie Müller", document_type="Antrag", document_date="2026-03-01",
                      department="63"),
        "lärm": upload(clerk, files["lärm"], "beschwerde.txt", title="Lärmbeschwerde", tags="Bau",
                       correspondent="Herr Schmidt", document_date="2026-01-15", department="63"),
        "rechnung": upload(clerk, files["rechnung"], "rechnung.pdf", title="Stromrechnung", tags="Finanzen",
                           correspondent="Stadtwerke", document_type="Rechnung", document_date="2025-12-20",
                           department="63"),
    }
    hidden = upload(other, pdf_bytes("Vertraulich Kasse Bauantrag"), "kasse.pdf", title="Kasse intern",
                    tags="Bau", department="20")
    return {"clerk": clerk, "other": other, "ids": ids, "files": files, "hidden": hidden}


def test_token_auth_root_and_version(base_url: str, corpus: dict[str, Any]) -> None:
    token = corpus["clerk"].token

    async def scenario() -> None:
        async with Paperless(f"{base_url}/paperless", token) as pl:
            assert pl.host_version == PAPERLESS_VERSION
            assert {"documents", "tags", "correspondents", "document_types", "custom_fields", "tasks"} <= {
                str(r) for r in pl.remote_resources}
        with pytest.raises(InitializationError):
            async with Paperless(f"{base_url}/paperless", "wrong-token"):
                pass

    run(scenario())
    for header in (f"Token {token}", f"Bearer {token}"):
        r = httpx.get(f"{base_url}/paperless/api/documents/", headers={"Authorization": header})
        assert r.status_code == 200 and r.json()["count"] == 3
    r = httpx.get(f"{base_url}/paperless/api/documents/")
    assert r.status_code == 401 and "detail" in r.json()
    assert httpx.get(f"{base_url}/paperless/api/ui_settings/",
                     headers={"Authorization": f"Token {token}"}).json()["user"]["username"]


def test_list_filter_search_page_and_files(base_url: str, corpus: dict[str, Any]) -> None:
    ids, files = corpus["ids"], corpus["files"]

    async def scenario() -> None:
        async with Paperless(f"{base_url}/paperless", corpus["clerk"].token) as pl:
            # only what the clerk may read (the other department's document is absent)
            assert sorted(await pl.documents.all()) == sorted(ids.values())
            tags = {t.name: t for t in [t async for t in pl.tags]}
            assert tags["Bau"].document_count == 2 and tags["Eilt"].document_count == 1
            corrs = {c.name: c.id async for c in pl.correspondents}
            types = {t.name: t.id async for t in pl.document_types}

            async def ids_for(**filters: Any) -> set[int]:
                async with pl.documents.reduce(**filters):
                    return {d.id async for d in pl.documents}

            assert await ids_for(title__icontains="GARAGE") == {ids["bau"]}
            assert await ids_for(tags__id__all=f"{tags['Bau'].id},{tags['Eilt'].id}") == {ids["bau"]}
            assert await ids_for(tags__id__all=str(tags["Bau"].id)) == {ids["bau"], ids["lärm"]}
            assert await ids_for(correspondent__id=corrs["Stadtwerke"]) == {ids["rechnung"]}
            assert await ids_for(document_type__id=types["Antrag"]) == {ids["bau"]}
            assert await ids_for(created__date__gt="2026-01-01") == {ids["bau"], ids["lärm"]}
            assert await ids_for(created__date__lt="2026-01-01") == {ids["rechnung"]}
            assert await ids_for(document_type__isnull=1) == {ids["lärm"]}

            # pages of 2: three documents come back once each, newest created first
            seen = []
            async with pl.documents.reduce(page_size=2):
                pages = [p async for p in pl.documents.pages(page_size=2)]
            assert [p.current_count for p in pages] == [2, 1] and pages[0].count == 3
            for p in pages:
                seen += [d.id for d in p]
            assert seen == [ids["bau"], ids["lärm"], ids["rechnung"]]

            # full-text search through the dms search service, with Paperless's search hit
            hits = [d async for d in pl.documents.search("Hauptstraße")]
            assert [d.id for d in hits] == [ids["bau"]] and hits[0].has_search_hit
            assert [d async for d in pl.documents.search("Vertraulich")] == []  # the hidden one stays hidden

            doc = await pl.documents(ids["bau"])
            assert doc.title == "Bauantrag Garage" and str(doc.created_date) == "2026-03-01"
            assert {tags["Bau"].id, tags["Eilt"].id} == set(doc.tags or [])
            assert "Hauptstraße" in (doc.content or "")
            original = await doc.get_download(original=True)
            assert hashlib.sha256(original.content).hexdigest() == hashlib.sha256(files["bau"]).hexdigest()
            assert original.disposition_filename == "bauantrag.pdf"
            meta = await doc.get_metadata()
            assert meta.original_checksum == hashlib.md5(files["bau"], usedforsecurity=False).hexdigest()
            assert meta.original_size == len(files["bau"])
            thumb = await doc.get_thumbnail()
            assert thumb.content_type == "image/png" and thumb.content[:8] == b"\x89PNG\r\n\x1a\n"
            preview = await doc.get_preview(original=True)
            assert preview.content == files["bau"] and preview.disposition_type == "inline"

    run(scenario())
    # another department: refused, not leaked
    headers = {"Authorization": f"Token {corpus['clerk'].token}"}
    r = httpx.get(f"{base_url}/paperless/api/documents/{corpus['hidden']}/download/", headers=headers)
    assert r.status_code in (403, 404)
    r = httpx.get(f"{base_url}/paperless/api/documents/", params={"bogus__filter": "1"}, headers=headers)
    assert r.status_code == 422
    r = httpx.get(f"{base_url}/paperless/api/documents/", params={"page": 9}, headers=headers)
    assert r.status_code == 404


def test_upload_task_labels_notes_and_patch(base_url: str, corpus: dict[str, Any], pdf_bytes: Any) -> None:
    clerk = corpus["clerk"]
    data = pdf_bytes("Widerspruch gegen Bescheid vom Mai")

    async def scenario() -> int:
        async with Paperless(f"{base_url}/paperless", clerk.token) as pl:
            tag_id = await pl.tags.draft(name="Widerspruch", color="#ff0000", is_inbox_tag=False, match="",
                                         matching_algorithm=0, is_insensitive=True).save()
            corr_id = await pl.correspondents.draft(name="Frau Weber", match="", matching_algorithm=0,
                                                    is_insensitive=True).save()
            field_id = await pl.custom_fields.draft(name="Aktenzeichen alt", data_type="string").save()
            draft = pl.documents.draft(document=data, filename="widerspruch.pdf", title="Widerspruch Weber",
                                       tags=[tag_id], correspondent=corr_id, archive_serial_number=4711,
                                       created="2026-05-02")
            task_id = await draft.save()
            assert isinstance(task_id, str) and len(task_id) == 36
            task = await pl.tasks(task_id)
            assert task.status.value == "SUCCESS" and task.related_document
            doc = await pl.documents(int(task.related_document))
            assert doc.title == "Widerspruch Weber" and doc.tags == [tag_id] and doc.correspondent == corr_id
            assert doc.archive_serial_number == 4711 and str(doc.created_date) == "2026-05-02"
            assert await pl.documents.get_next_asn() == 4712

            note_id, _ = await pl.documents.notes.draft(doc.id, note="Bitte Frist prüfen").save()
            notes = await pl.documents.notes(doc.id)
            assert [n.note for n in notes] == ["Bitte Frist prüfen"] and notes[0].id == note_id

            doc.title = "Widerspruch Weber (Frist)"
            doc.custom_fields = [{"field": field_id, "value": "63-2019/17"}]
            assert await doc.update()
            again = await pl.documents(doc.id)
            assert again.title == "Widerspruch Weber (Frist)"
            assert [(c.field, c.value) for c in again.custom_fields] == [(field_id, "63-2019/17")]
            return int(doc.id)

    doc_id = run(scenario())
    # the same document through Aktenwerk's own API: metadata versioned, not overwritten
    native = clerk.get(f"/api/v1/documents/{doc_id}").json()
    assert native["title"] == "Widerspruch Weber (Frist)" and native["asn"] == "4711"
    assert native["custom_fields"] == {"Aktenzeichen alt": "63-2019/17"} and native["tags"] == ["Widerspruch"]
    history = clerk.get(f"/api/v1/documents/{doc_id}/metadata-history").json()
    assert [h["data"]["title"] for h in history][-2:] == ["Widerspruch Weber", "Widerspruch Weber (Frist)"]
    # a clerk of another department can neither see nor annotate it
    r = httpx.post(f"{base_url}/paperless/api/documents/{doc_id}/notes/", json={"note": "x"},
                   headers={"Authorization": f"Token {corpus['other'].token}"})
    assert r.status_code in (403, 404)
