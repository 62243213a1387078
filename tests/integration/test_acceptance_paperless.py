"""Acceptance findings for ``import-paperless``: the URL is taken as people write it (trailing ``/``,
``…/api/``, or an Aktenwerk root whose bridge lives under ``/paperless``), and all spellings of one
source count as the same source, so nothing is imported twice."""

from __future__ import annotations

from typing import Any

import pytest

from dms.domain.principal import SYSTEM
from dms.paperless.importer import candidate_urls, import_paperless, source_key
from dms.paperless.server import serve_in_thread


@pytest.fixture(autouse=True)
def _no_ocr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AKTENWERK_OCR_ENABLED", "false")


def test_source_key_and_candidates_normalise_the_url() -> None:
    assert source_key(" http://h:1/paperless/ ") == "http://h:1/paperless"
    assert source_key("http://h:1/paperless/api/") == "http://h:1/paperless"
    assert source_key("https://p.example.org/api") == "https://p.example.org"
    assert candidate_urls("http://h:1/") == ["http://h:1", "http://h:1/paperless"]
    assert candidate_urls("http://h:1/paperless/api") == ["http://h:1/paperless"]


def test_import_accepts_url_spellings_and_stays_resumable(
    app: Any, client_as: Any, make_user: Any, make_container: Any, make_settings: Any, pdf_bytes: Any
) -> None:
    _, admin_token = make_user("admin", username="acc-pl-admin")
    clerk = client_as("clerk", department="63", username="acc-pl-clerk")
    r = clerk.post("/api/v1/documents", files={"file": ("ä.pdf", pdf_bytes("Grünfläche"), "application/pdf")},
                   data={"title": "Grünfläche Größe"})
    assert r.status_code == 202, r.text
    target = make_container(make_settings())
    with serve_in_thread(app) as url:
        first = import_paperless(target, f"{url}/", admin_token, SYSTEM)  # Aktenwerk root, trailing slash
        assert first.failures == [] and first.imported == first.total >= 1
        assert first.source == f"{url}/paperless"
        again = import_paperless(target, f"{url}/paperless/api/", admin_token, SYSTEM)
        assert (again.imported, again.skipped) == (0, first.total)
        with pytest.raises(Exception, match="check URL and token"):
            import_paperless(target, f"{url}/paperless/", "not-a-token", SYSTEM)
