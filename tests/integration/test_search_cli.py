"""``aktenwerk search``/``search check``/``reindex`` on the Tantivy engine, and reindexing while searching."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from dms.cli import app as cli
from dms.pipeline.indexing import drain_outbox
from dms.search_index import backend_of, check, reindex
from dms.settings import get_settings
from search.model import SearchRequest

runner = CliRunner()


@pytest.fixture
def env(
    make_settings: Any, make_container: Any, make_user: Any, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Any]:
    settings = make_settings(search_backend="tantivy")
    container = make_container(settings)
    for key, value in {
        "AKTENWERK_DATA_DIR": str(settings.data_dir),
        "AKTENWERK_SEARCH_BACKEND": "tantivy",
        "AKTENWERK_EAGER_TASKS": "true",
        "AKTENWERK_SECRET_KEY": "test-secret",
    }.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AKTENWERK_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    from dms.auth import service as auth
    from dms.web.app import create_app

    with container.uow() as uow:
        user = auth.create_user(uow.session, None, "bau1", "clerk", department="63")
        _, token = auth.create_token(uow.session, None, int(user.id), "t")
        other = auth.create_user(uow.session, None, "kasse1", "clerk", department="20")
        uow.commit()
    assert other.id
    with TestClient(
        create_app(settings, container=container), headers={"Authorization": f"Bearer {token}"}
    ) as c:
        c.container = container  # type: ignore[attr-defined]
        yield c
    get_settings.cache_clear()


def upload(c: Any, text: str, **form: str) -> int:
    r = c.post("/api/v1/documents", files={"file": ("v.txt", text.encode(), "text/plain")}, data=form)
    assert r.status_code == 202, r.text
    return int(r.json()["id"])


def run(*args: str, code: int = 0) -> str:
    result = runner.invoke(cli, list(args))
    assert result.exit_code == code, result.output
    return result.stdout


def test_cli_search_check_and_reindex(env: Any) -> None:
    a = upload(env, "Bauantrag für die Hauptstraße", title="Bauantrag", department="63")
    upload(env, "Stromrechnung Januar", title="Rechnung", department="20")
    out = json.loads(run("search", "Hauptstrasse", "--json"))
    assert out["total"] == 1 and out["hits"][0]["id"] == a
    assert "Bauantrag" in run("search", "Bauantrag")
    assert json.loads(run("search", "Rechnung", "--json"))["total"] == 1  # admin sees every department
    assert json.loads(run("search", "Bauantrag", "--json", "--as-user", "kasse1"))["total"] == 0
    assert json.loads(run("search", "Rechnung", "--json", "--as-user", "kasse1"))["total"] == 1
    run("search", "x", "--as-user", "nobody", code=2)

    report = json.loads(run("search", "check", "--json"))
    assert report["ok"] and report["database"] == 2 and report["indexed"] == 2

    backend_of(env.container).delete([str(a)])
    backend_of(env.container).commit()
    backend_of(env.container).close()  # the API process lets go of the writer (one writer per index)
    drift = json.loads(run("search", "check", "--json", code=1))
    assert drift["missing"] == [str(a)]

    out = run("reindex")
    assert "reindexed 2 document(s)" in out
    assert json.loads(run("search", "check", "--json"))["ok"]
    assert env.get("/api/v1/search", params={"q": "Hauptstraße"}).json()["total"] == 1


def test_reindex_while_searching_keeps_serving(env: Any) -> None:
    for i in range(30):
        upload(env, f"Vermerk Nummer {i} zur Kanalsanierung", title=f"Vermerk {i}", department="63")
    container = env.container
    backend = backend_of(container)
    request = SearchRequest(query="Kanalsanierung", principal_tokens=frozenset({"dept:63"}), page_size=5)
    assert backend.search(request).total == 30
    backend.close()
    totals: list[int] = []
    errors: list[BaseException] = []
    stop = threading.Event()

    def searcher() -> None:
        while not stop.is_set():
            try:
                totals.append(backend.search(request).total)
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)
                return

    t = threading.Thread(target=searcher)
    t.start()
    try:
        first = backend.generation()  # type: ignore[attr-defined]
        report = reindex(container, batch=7)
        # a change made right after the switch lands in the new generation
        extra = upload(env, "Nachtrag Kanalsanierung", title="Nachtrag", department="63")
    finally:
        stop.set()
        t.join()
    assert not errors
    assert totals and min(totals) == 30  # never an empty or partial answer during the rebuild
    assert report.documents == 30 and backend.generation() != first  # type: ignore[attr-defined]
    drain_outbox(container)
    ids = {
        h.id for h in backend.search(SearchRequest(query="Nachtrag", principal_tokens=frozenset({"*"}))).hits
    }
    assert ids == {str(extra)}
    assert check(container).ok
