"""``aktenwerk einvoice validate/show``: JSON lines, exit codes 0/1/2, HTML output."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dms.cli_einvoice import app
from tests.unit.einvoice.corpus_expectations import corpus_files

VALID = corpus_files("xrechnung-cii")[:2]
runner = CliRunner()

pytestmark = pytest.mark.skipif(not VALID, reason="e-invoice corpus not available")


def _invalid(tmp_path: Path) -> Path:
    data = re.sub(rb"<ram:BuyerReference>[^<]*</ram:BuyerReference>", b"", VALID[0].read_bytes(), count=1)
    out = tmp_path / "ohne-leitweg.xml"
    out.write_bytes(data)
    return out


def test_json_lines_and_exit_0_when_all_valid() -> None:
    result = runner.invoke(app, ["validate", "--json", *map(str, VALID)])
    assert result.exit_code == 0, result.output
    lines = [json.loads(x) for x in result.stdout.splitlines()]
    assert [d["path"] for d in lines] == [str(p) for p in VALID]
    assert all(d["valid"] for d in lines)
    assert all({"path", "syntax", "specification", "profile", "valid", "findings"} <= d.keys() for d in lines)


def test_exit_1_when_any_invalid(tmp_path: Path) -> None:
    bad = _invalid(tmp_path)
    result = runner.invoke(app, ["validate", "--json", str(VALID[0]), str(bad)])
    assert result.exit_code == 1
    first, second = (json.loads(x) for x in result.stdout.splitlines())
    assert first["valid"] and not second["valid"]
    assert any(f["rule"] == "BR-DE-15" and f["severity"] == "error" for f in second["findings"])


def test_exit_2_when_unreadable_or_missing(tmp_path: Path) -> None:
    junk = tmp_path / "junk.xml"
    junk.write_bytes(b"not xml at all")
    result = runner.invoke(
        app,
        [
            "validate",
            "--json",
            str(VALID[0]),
            str(_invalid(tmp_path)),
            str(junk),
            str(tmp_path / "missing.xml"),
        ],
    )
    assert result.exit_code == 2
    records = [json.loads(x) for x in result.stdout.splitlines()]
    assert len(records) == 4
    assert records[2]["findings"][0]["severity"] == "fatal"
    assert (
        records[3]["findings"][0]["severity"] == "fatal"
        and "not-found" in records[3]["findings"][0]["message"]
    )


def test_human_output_in_german(tmp_path: Path) -> None:
    result = runner.invoke(app, ["validate", str(_invalid(tmp_path))])
    assert result.exit_code == 1
    assert "ZURÜCKWEISEN" in result.stdout and "BR-DE-15" in result.stdout


def test_show_writes_html(tmp_path: Path) -> None:
    out = tmp_path / "rechnung.html"
    result = runner.invoke(app, ["show", str(VALID[0]), "--html", str(out)])
    assert result.exit_code == 0, result.output
    assert "Rechnung" in result.stdout
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and 'lang="de"' in page


def test_show_unreadable_exits_2(tmp_path: Path) -> None:
    junk = tmp_path / "junk.pdf"
    junk.write_bytes(b"%PDF-1.4 nothing")
    assert runner.invoke(app, ["show", str(junk)]).exit_code == 2


def test_mounted_in_main_cli() -> None:
    from dms.cli import app as main_app

    result = runner.invoke(main_app, ["einvoice", "validate", "--json", str(VALID[0])])
    assert result.exit_code == 0, result.output
