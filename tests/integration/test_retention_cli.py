"""``aktenwerk retention …`` / ``aktenwerk fixity check`` against a real data dir."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dms.cli import app
from dms.settings import get_settings
from tests.integration.test_retention_support import OLD, Env, make_env

runner = CliRunner()


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Env]:
    with make_env(tmp_path) as e:
        monkeypatch.setenv("AKTENWERK_DATA_DIR", str(tmp_path / "data"))
        monkeypatch.delenv("AKTENWERK_DATABASE_URL", raising=False)
        get_settings.cache_clear()
        yield e
    get_settings.cache_clear()


def run(*args: str, code: int = 0) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == code, result.output
    return result.stdout


def test_cli_plan_holds_disposal_fixity(env: Env, tmp_path: Path) -> None:
    old = env.doc(b"old", document_date=OLD.isoformat(), retention_class="ao147-belege", title="Beleg alt")
    env.doc(b"new", document_date="2026-02-01", retention_class="ao147-belege")
    classes = json.loads(run("retention", "classes", "--json"))
    assert {"ao147-belege", "ao147-buecher", "ao147-briefe"} <= {c["id"] for c in classes}

    plan = json.loads(run("retention", "plan", "--as-of", "2026-11-26", "--json"))
    assert [i["record_id"] for i in plan["items"]] == [str(old)] and plan["items"][0]["title"] == "Beleg alt"
    assert plan["counts"] == {"due": 1, "keep": 1}
    assert "1 fällig" in run("retention", "plan", "--as-of", "2026-11-26")
    later = json.loads(run("retention", "plan", "--as-of", "2035-01-01", "--json"))
    assert later["due"] == 2
    run("retention", "plan", "--as-of", "26.11.2026", code=2)

    hold = run(
        "retention", "hold", "add", "--document", str(old), "--reason", "Prüfung", "--user", "rm1"
    ).strip()
    assert json.loads(run("retention", "hold", "list", "--json"))[0]["id"] == int(hold)
    run("retention", "disposal", "open", str(old), "--user", "rm1", code=1)
    run("retention", "hold", "release", hold, "--user", "rm2")

    disposal = run("retention", "disposal", "open", str(old), "--user", "rm1").strip()
    run("retention", "disposal", "approve", disposal, "--user", "rm1", code=1)  # four eyes
    done = json.loads(run("retention", "disposal", "approve", disposal, "--user", "rm2"))
    assert done["completed"]
    cert = json.loads(run("retention", "disposal", "certificate", disposal))
    assert cert["items"][0]["record_id"] == str(old)
    pdf = tmp_path / "cert.pdf"
    run("retention", "disposal", "certificate", disposal, "--pdf", str(pdf))
    assert pdf.read_bytes().startswith(b"%PDF")

    report = json.loads(run("fixity", "check", "--json"))
    assert report["healthy"] and report["checked"] == 1
    (blob,) = [p for p in (tmp_path / "data" / "store").rglob("*") if p.is_file() and ".tmp" not in p.parts]
    blob.unlink()
    assert "MISSING" in run("fixity", "check", "--sample", "5", code=1)
