"""Acceptance findings on the E-Akte core and search interfaces (issues 2 and 4), each a regression test.

Every bad input must get a clear 4xx with a message — never a 500.
"""

from __future__ import annotations

from typing import Any

import pytest

HUGE_ID = 10**25  # beyond any database integer column


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/v1/documents/{id}"),
        ("get", "/api/v1/documents/{id}/original"),
        ("delete", "/api/v1/documents/{id}"),
        ("get", "/api/v1/disposals/{id}/certificate"),
        ("delete", "/api/v1/holds/{id}"),
    ],
)
def test_out_of_range_id_is_a_clear_4xx(client_as: Any, method: str, path: str) -> None:
    rm = client_as("records_manager", raise_server_exceptions=False)
    r = getattr(rm, method)(path.format(id=HUGE_ID))
    assert 400 <= r.status_code < 500, (r.status_code, r.text)
    assert r.json()["detail"]



def test_search_hit_ids_are_the_document_ids(client_as: Any) -> None:
    """``GET /api/v1/search`` hits carry the integer id the upload answered, and umlaut queries fold."""
    clerk = client_as("clerk", department="63")
    r = clerk.post("/api/v1/documents", files={"file": ("Größe.txt", "Straßenbeleuchtung am Mühlenweg".encode())},
                   data={"title": "Straßenbeleuchtung", "department": "63"})
    assert r.status_code in (201, 202), r.text
    doc_id = r.json()["id"]
    body = clerk.get("/api/v1/search", params={"q": "Muehlenweg", "page": 1, "page_size": 5}).json()
    assert [h["id"] for h in body["hits"]] == [doc_id]
    similar = clerk.get(f"/api/v1/search/similar/{doc_id}").json()
    assert all(isinstance(h["id"], int) for h in similar["hits"])


@pytest.mark.parametrize(
    ("field", "size"),
    [("title", 501), ("department", 65), ("document_type", 65), ("correspondent", 301), ("channel", 33)],
)
def test_over_long_upload_fields_are_refused_not_truncated(client_as: Any, field: str, size: int) -> None:
    clerk = client_as("clerk", department="63", raise_server_exceptions=False)
    r = clerk.post("/api/v1/documents", files={"file": ("v.txt", b"Vermerk")}, data={field: "x" * size})
    assert r.status_code == 422, r.text
    assert clerk.get("/api/v1/documents").json()["total"] == 0  # nothing stored
    r = clerk.post("/api/v1/documents", files={"file": ("v.txt", b"Vermerk")}, data={"title": "T" * 500})
    assert r.status_code == 202 and clerk.get(f"/api/v1/documents/{r.json()['id']}").json()["title"] == "T" * 500


def test_bidi_override_is_removed_from_file_names(client_as: Any) -> None:
    clerk = client_as("clerk", department="63")
    r = clerk.post("/api/v1/documents", files={"file": ("rechnung\u202egpj.exe", b"MZ\x90\x00")})
    assert r.status_code == 202, r.text
    name = clerk.get(f"/api/v1/documents/{r.json()['id']}").json()["filename"]
    assert "\u202e" not in name and name.endswith(".exe")


def test_cli_on_an_uninitialised_data_dir_says_so(tmp_path: Any, monkeypatch: Any, capsys: Any) -> None:
    """``aktenwerk … `` before ``aktenwerk init``: exit 1 with a sentence, not a traceback."""
    from dms import cli
    from dms.settings import get_settings

    monkeypatch.setenv("AKTENWERK_DATA_DIR", str(tmp_path / "fresh"))
    monkeypatch.delenv("AKTENWERK_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    monkeypatch.setattr("sys.argv", ["aktenwerk", "user", "create", "anna", "--role", "clerk", "--token"])
    try:
        with pytest.raises(SystemExit) as exit_info:
            cli.main()
    finally:
        get_settings.cache_clear()
    assert exit_info.value.code == 1
    err = capsys.readouterr().err
    assert "aktenwerk init" in err and "Traceback" not in err


def test_a_failed_document_is_indexed_by_its_metadata_so_search_check_finds_no_drift(
    client_as: Any, container: Any
) -> None:
    from dms.search_index import check

    clerk = client_as("clerk", department="63")
    r = clerk.post("/api/v1/documents", files={"file": ("kaputt.pdf", b"%PDF-1.4 kein echtes PDF")},
                   data={"title": "Kaputter Bauplan", "department": "63"})
    assert r.status_code in (201, 202), r.text
    doc_id = r.json()["id"]
    assert clerk.get(f"/api/v1/documents/{doc_id}").json()["status"] == "failed"
    assert [h["id"] for h in clerk.get("/api/v1/search", params={"q": "Bauplan"}).json()["hits"]] == [doc_id]
    report = check(container)
    assert report.ok, report.to_dict()
