"""``aktenwerk scan …``: inbox run, TR-RESISCAN batch workflow (check, transfer note, destruction), retry."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from typer.testing import CliRunner

from dms.cli import app
from dms.ocr import testscans as ts
from dms.settings import get_settings

runner = CliRunner()
A6 = ts.A6_MM


@pytest.fixture
def env(make_settings: Any, make_container: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    settings = make_settings()
    for key, value in {"DATA_DIR": str(settings.data_dir), "EAGER_TASKS": "true", "SEARCH_BACKEND": "memory",
                       "SECRET_KEY": "test-secret", "OCR_SETTLE_SECONDS": "0"}.items():
        monkeypatch.setenv(f"AKTENWERK_{key}", value)
    monkeypatch.delenv("AKTENWERK_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    container = make_container(settings)
    yield container
    get_settings.cache_clear()


def _ok(args: list[str]) -> str:
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    return result.stdout


def test_inbox_run_and_resiscan_workflow(env: Any) -> None:
    inbox = env.settings.scan_path
    inbox.mkdir(parents=True, exist_ok=True)
    stack = [ts.german_page(1, n_sentences=2, size_mm=A6), ts.separator_page(size_mm=A6),
             ts.german_page(2, n_sentences=2, size_mm=A6)]
    ts.save_image_pdf(stack, inbox / "posteingang.pdf")

    report = json.loads(_ok(["scan", "run"]))
    assert len(report["stored"]["posteingang.pdf"]) == 2
    (line,) = _ok(["scan", "batches"]).splitlines()
    batch_id = line.split()[0]

    refused = runner.invoke(app, ["scan", "check", batch_id, "--inspector", "scanstelle"])
    assert refused.exit_code == 1 and "second person" in refused.output
    assert "passed" in _ok(["scan", "check", batch_id, "--inspector", "pruefer"])
    assert "transfer note" in _ok(["scan", "transfer", batch_id, "--by", "pruefer"])
    too_early = runner.invoke(app, ["scan", "destroy", batch_id, "--by", "pruefer"])
    assert too_early.exit_code == 1 and "kept until" in too_early.output

    record = json.loads(_ok(["scan", "protocol", batch_id, "--json"]))
    assert record["status"] == "transfervermerk_erstellt"
    hashes = [d["archive_sha256"] for d in record["transfer_note"]["documents"]]
    assert all(h and len(h) == 64 for h in hashes)
    for doc in record["documents"]:
        info = json.loads(_ok(["scan", "info", doc["document_id"]]))
        assert info["archive_sha256"] == doc["archive_sha256"] and info["status"] == "ready"
    text = _ok(["scan", "protocol", batch_id])
    assert "Transfervermerk" in text and "Qualitätskontrolle: pruefer" in text

    first = record["documents"][0]["document_id"]
    assert f"document {first}: ready" in _ok(["scan", "retry", first])


def test_ocr_command_on_a_single_file(env: Any, tmp_path: Any) -> None:
    src = ts.save_png(ts.german_page(3, n_sentences=2, size_mm=A6), tmp_path / "a.png")
    out = json.loads(_ok(["scan", "ocr", str(src), str(tmp_path / "a.pdf")]))
    assert out["pages"] == 1 and len(out["sha256"]) == 64
    bad = runner.invoke(app, ["scan", "ocr", str(src), str(tmp_path / "b.pdf"), "--mode", "maybe"])
    assert bad.exit_code == 1
