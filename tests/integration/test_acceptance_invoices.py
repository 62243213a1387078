"""Acceptance checks of the invoice workflow's setup interface (issue 5) from the outside.

``aktenwerk supplier create`` prints the id last; ``user create --role supplier --supplier ID`` links only
an existing supplier (a typo'd id is refused with a sentence, not stored as a dangling link); the users API
refuses the same with 422; finance limits must be numbers; a VAT id must look like one."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., Any]:
    from dms.cli import app
    from dms.settings import get_settings

    for key, value in {"DATA_DIR": str(tmp_path / "data"), "SEARCH_BACKEND": "memory", "EAGER_TASKS": "true",
                       "SECRET_KEY": "test-secret"}.items():
        monkeypatch.setenv(f"AKTENWERK_{key}", value)
    get_settings.cache_clear()
    runner = CliRunner()

    def invoke(*args: str) -> Any:
        return runner.invoke(app, list(args))

    assert invoke("init").exit_code == 0
    yield invoke
    get_settings.cache_clear()


def test_cli_links_supplier_users_only_to_existing_suppliers(run: Callable[..., Any]) -> None:
    created = run("supplier", "create", "Bäckerei Öztürk & Söhne", "--vat-id", "DE987654321",
                  "--iban", "DE02120300000000202051")
    assert created.exit_code == 0, created.output
    sid = created.stdout.strip().splitlines()[-1]
    assert sid.isdigit()
    missing = run("user", "create", "lieferant-x", "--role", "supplier", "--supplier", str(int(sid) + 100), "--token")
    assert missing.exit_code == 1 and "does not exist" in missing.output
    assert not run("user", "list").stdout.count("lieferant-x")
    ok = run("user", "create", "lieferant", "--role", "supplier", "--supplier", sid, "--token")
    assert ok.exit_code == 0, ok.output
    assert ok.stdout.strip().splitlines()[-1].startswith("akw_")
    fin = run("user", "create", "kasse", "--role", "finance", "--limit", "50000", "--token")
    assert fin.exit_code == 0 and fin.stdout.strip().splitlines()[-1].startswith("akw_")
    for bad in ("abc", "-5", "1.234,56"):
        r = run("user", "create", f"f{abs(hash(bad))}", "--role", "finance", "--limit", bad, "--token")
        assert r.exit_code != 0 and "limit" in r.output, (bad, r.output)
    assert run("supplier", "create", "Kaputt", "--iban", "DE00123").exit_code != 0
    bad_vat = run("supplier", "create", "Kaputt", "--vat-id", "garbage!!")
    assert bad_vat.exit_code != 0 and "USt-IdNr" in bad_vat.output
    assert "Kaputt" not in run("supplier", "list").stdout


def test_users_api_refuses_unknown_supplier(client_as: Any, container: Any) -> None:
    from dms.invoices import suppliers

    admin = client_as("admin")
    body = {"username": "lief-api", "role": "supplier", "supplier_id": 987654}
    r = admin.post("/api/v1/users", json=body)
    assert r.status_code == 422 and "987654" in r.json()["detail"], r.text
    with container.uow() as uow:
        sid = int(suppliers.create_supplier(uow.session, None, "Müller Bau GmbH").id)
        uow.commit()
    r = admin.post("/api/v1/users", json={**body, "supplier_id": sid})
    assert r.status_code == 201, r.text
    patched = admin.patch(f"/api/v1/users/{r.json()['id']}", json={"supplier_id": 987654})
    assert patched.status_code == 422, patched.text
