"""``aktenwerk scan …``: the central scan station from the command line.

* ``aktenwerk scan run`` — take every settled file from the scan inbox folders once.
* ``aktenwerk scan retry ID`` — run OCR and the rest of the pipeline again for a (failed) document.
* ``aktenwerk scan ocr SRC DST`` — OCR one file into a PDF/A-2b copy (no database).
* ``aktenwerk scan info ID`` — the document's archive copy record (JSON).
"""
# ruff: noqa: PLC0415  -- lazy imports keep `--help` fast

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, cast

import typer
from rich.console import Console

from dms.errors import DmsError

if TYPE_CHECKING:
    from dms.bootstrap import Container
    from dms.ocr.engine import OcrMode
    from dms.ocr.resiscan import ScanBatchRecord

console = Console(stderr=True)
app = typer.Typer(help="Scan station: inbox, OCR to PDF/A, retry.", no_args_is_help=True)


def _fail(message: str, code: int = 1) -> None:
    console.print(f"[red]error:[/red] {message}")
    raise typer.Exit(code)


@app.command()
def run() -> None:
    """Process the scan inbox folders once (the worker does this periodically)."""
    from dms.ocr.inbox import run_inbox
    from dms.ops.context import cli_container
    from dms.settings import get_settings

    with cli_container(get_settings(), queue=True) as c:
        report = run_inbox(c)
    print(json.dumps({"stored": report.stored, "failed": report.failed, "waiting": report.waiting}, indent=2))
    if report.failed:
        raise typer.Exit(2)


@app.command()
def retry(document_id: Annotated[int, typer.Argument(help="Document id")]) -> None:
    """Re-run OCR and the pipeline for a document (e.g. after a failure); the original is unchanged."""
    from dms.ocr.service import retry as retry_document
    from dms.ops.context import cli_container
    from dms.settings import get_settings

    try:
        with cli_container(get_settings(), queue=True) as c:
            retry_document(c, document_id)
            with c.uow(read_only=True) as uow:
                from dms.db.tables import Document

                doc = uow.session.get(Document, document_id)
                status, reason = (doc.status, doc.failure_reason) if doc else ("?", None)
    except DmsError as exc:
        _fail(str(exc))
        return
    print(f"document {document_id}: {status}" + (f" ({reason})" if reason else ""))


@app.command()
def info(document_id: Annotated[int, typer.Argument(help="Document id")]) -> None:
    """Show the archive copy record of a document."""
    from dms.ocr.service import SYSTEM, archive_info
    from dms.ops.context import cli_container
    from dms.settings import get_settings

    try:
        with cli_container(get_settings()) as c, c.uow(read_only=True) as uow:
            doc, row = archive_info(uow.session, SYSTEM, document_id)
            data = {
                "document_id": document_id, "status": doc.status, "failure_reason": doc.failure_reason,
                "sha256": doc.sha256, "archive_sha256": row.archive_sha256 if row else None,
                "conformance": row.conformance if row else None,
                "skipped_reason": row.skipped_reason if row else None,
            }
    except DmsError as exc:
        _fail(str(exc))
        return
    print(json.dumps(data, indent=2))


@app.command()
def ocr(
    src: Annotated[Path, typer.Argument(help="TIFF, PNG, JPEG or PDF", exists=True, dir_okay=False)],
    dst: Annotated[Path, typer.Argument(help="Output PDF/A-2b")],
    mode: Annotated[str, typer.Option(help="skip | redo | force")] = "skip",
    languages: Annotated[str, typer.Option(help="Tesseract languages, e.g. deu+eng")] = "deu+eng",
) -> None:
    """OCR one file into a searchable PDF/A-2b copy (no database)."""
    from dms.ocr.engine import MODES, ocr_to_pdfa

    if mode not in MODES:
        _fail(f"mode must be one of {', '.join(MODES)}")
    try:
        result = ocr_to_pdfa(src, dst, languages=tuple(languages.split("+")), mode=cast("OcrMode", mode))
    except DmsError as exc:
        _fail(str(exc))
        return
    print(json.dumps({"pdfa": str(result.pdfa_path) if result.pdfa_path else None, "sha256": result.sha256,
                      "pages": result.pages, "skipped_reason": result.skipped_reason,
                      "warnings": list(result.warnings)}, indent=2))


# ------------------------------------------------------------------------ TR-RESISCAN batch records
def _batch(c: Container, batch_id: str) -> ScanBatchRecord:
    from dms.ocr.service import batch_store, refresh_batch

    return refresh_batch(c, batch_store(c).load(batch_id))


@app.command()
def batches() -> None:
    """List the scan batches (TR-RESISCAN records) with their status."""
    from dms.ocr.service import batch_store
    from dms.ops.context import cli_container
    from dms.settings import get_settings

    with cli_container(get_settings()) as c:
        store = batch_store(c)
        for batch_id in store.list_ids():
            rec = store.load(batch_id)
            print(f"{batch_id}  {rec.status:26}  {len(rec.documents):3} Dokumente  {rec.source}")


@app.command()
def protocol(batch_id: str, as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Print a batch's protocol (German text or JSON), with current archive hashes."""
    from dms.ocr import resiscan
    from dms.ops.context import cli_container
    from dms.settings import get_settings

    try:
        with cli_container(get_settings()) as c:
            rec = _batch(c, batch_id)
    except DmsError as exc:
        _fail(str(exc))
        return
    print(resiscan.to_json(rec) if as_json else resiscan.render_text(rec))


@app.command()
def check(
    batch_id: str,
    inspector: Annotated[str, typer.Option(help="Second person (not the operator)")],
    failed: Annotated[list[int] | None, typer.Option("--failed", help="Sample document number (1-based) that failed")] = None,
    notes: Annotated[str, typer.Option()] = "",
) -> None:
    """Record the second person's quality check on the drawn sample (prints the sample first)."""
    from dms.ocr import resiscan
    from dms.ocr.service import batch_store
    from dms.ops.context import cli_container
    from dms.settings import get_settings

    try:
        with cli_container(get_settings()) as c:
            rec = _batch(c, batch_id)
            sample = resiscan.draw_sample(rec)
            bad = {n - 1 for n in failed or []}
            resiscan.record_quality_check(rec, inspector=inspector,
                                          results={i: i not in bad for i in sample}, notes=notes)
            batch_store(c).save(rec)
    except DmsError as exc:
        _fail(str(exc))
        return
    print(f"sample {[i + 1 for i in sample]}: {'passed' if not bad else 'FAILED'}")


@app.command()
def transfer(batch_id: str, by: Annotated[str, typer.Option(help="Who issues the transfer note")]) -> None:
    """Issue the transfer note (Transfervermerk) with the SHA-256 of every document."""
    from dms.ocr import resiscan
    from dms.ocr.service import batch_store
    from dms.ops.context import cli_container
    from dms.settings import get_settings

    try:
        with cli_container(get_settings()) as c:
            rec = _batch(c, batch_id)
            note = resiscan.issue_transfer_note(rec, created_by=by)
            batch_store(c).save(rec)
    except DmsError as exc:
        _fail(str(exc))
        return
    print(f"transfer note {note.note_sha256}")


@app.command()
def destroy(batch_id: str, by: Annotated[str, typer.Option(help="Who destroys the paper")]) -> None:
    """Record that the paper originals were destroyed (refused until every rule is met)."""
    from dms.ocr import resiscan
    from dms.ocr.service import batch_store
    from dms.ops.context import cli_container
    from dms.settings import get_settings

    try:
        with cli_container(get_settings()) as c:
            rec = _batch(c, batch_id)
            resiscan.record_destruction(rec, by=by)
            batch_store(c).save(rec)
    except DmsError as exc:
        _fail(str(exc))
        return
    print("paper destruction recorded")
