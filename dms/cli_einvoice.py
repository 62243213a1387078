"""``aktenwerk einvoice …``: validate and show e-invoices from the command line.

- ``validate FILE… [--json]``: one report per file; with ``--json`` one JSON object per line
  (``path, syntax, specification, profile, valid, findings[rule, severity, message, location]``).
  Exit code 0 when every file is acceptable, 1 when any is not, 2 when any file is unreadable
  (missing, or not an invoice at all).
- ``show FILE [--html OUT]``: a readable summary; ``--html`` writes the German HTML rendering.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from einvoice.services import render_html
from einvoice.validation.engine import fatal_report, validate
from einvoice.validation.report import ValidationReport

__all__ = ["app", "exit_code"]

app = typer.Typer(
    help="E-invoices: validate (EN 16931, XRechnung, ZUGFeRD/Factur-X) and show.", no_args_is_help=True
)

EXIT_OK, EXIT_INVALID, EXIT_UNREADABLE = 0, 1, 2
SEVERITY_DE = {"fatal": "SCHWERWIEGEND", "error": "FEHLER", "warning": "WARNUNG", "information": "HINWEIS"}


def _report_for(path: Path) -> ValidationReport:
    shown = str(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return fatal_report(shown, "(not-found: file does not exist)")
    except IsADirectoryError:
        return fatal_report(shown, "(not-a-file: is a directory)")
    except OSError as exc:
        return fatal_report(shown, f"(io-error: {exc.strerror or exc})")
    return validate(data, path.name, path=shown)


def exit_code(reports: list[ValidationReport]) -> int:
    """2 if any file is unreadable, else 1 if any is not acceptable, else 0."""
    if any(not r.readable for r in reports):
        return EXIT_UNREADABLE
    if any(not r.valid for r in reports):
        return EXIT_INVALID
    return EXIT_OK


def _print_human(report: ValidationReport) -> None:
    verdict = "ANNEHMEN (gültig)" if report.valid else "ZURÜCKWEISEN (ungültig)"
    print(f"{report.path}: {verdict}")
    print(f"  Syntax: {report.syntax or '–'}  Profil: {report.profile or '–'}")
    print(f"  Spezifikation: {report.specification or '–'}")
    for f in report.findings:
        where = f" @ {f.location}" if f.location else ""
        print(f"  [{SEVERITY_DE.get(f.severity, f.severity)}] {f.rule}: {f.message}{where}")


@app.command("validate")
def validate_cmd(
    files: Annotated[list[Path], typer.Argument(help="XML or PDF files", show_default=False)],
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per file and line")] = False,
) -> None:
    """Validate e-invoices against EN 16931, the syntax bindings and XRechnung 3.0 (offline)."""
    reports: list[ValidationReport] = []
    for path in files:
        report = _report_for(path)
        reports.append(report)
        if as_json:
            data = report.to_dict()
            print(json.dumps(data, ensure_ascii=False), flush=True)
        else:
            _print_human(report)
    raise typer.Exit(exit_code(reports))


@app.command("show")
def show_cmd(
    file: Annotated[Path, typer.Argument(help="XML or PDF file", show_default=False)],
    html: Annotated[
        Path | None, typer.Option("--html", help="Write the German HTML rendering to this file")
    ] = None,
) -> None:
    """Show an e-invoice readably (and optionally write it as HTML)."""
    report = _report_for(file)
    parsed = report.parsed
    if parsed is None:
        _print_human(report)
        raise typer.Exit(EXIT_UNREADABLE)
    inv = parsed.invoice
    seller = inv.seller.name if inv.seller else None
    buyer = inv.buyer.name if inv.buyer else None
    totals = inv.totals
    print(f"Rechnung {inv.number or '–'} vom {inv.issue_date or '–'} ({parsed.syntax}, {parsed.profile})")
    print(f"  Verkäufer: {seller or '–'}")
    print(f"  Käufer:    {buyer or '–'}  Leitweg-ID/Käuferreferenz: {inv.buyer_reference or '–'}")
    for line in inv.iter_lines():
        name = line.item.name if line.item else ""
        print(
            f"  {line.id or '?':>4}  {line.quantity or ''} {line.unit_code or ''}  {name}  {line.net_amount or ''}"
        )
    if totals is not None:
        print(
            f"  Netto {totals.tax_exclusive}  USt {totals.vat_total}  Brutto {totals.tax_inclusive}  Zahlbetrag {totals.payable} {inv.currency_code or ''}"
        )
    print(f"  Prüfung: {'gültig' if report.valid else 'ungültig'} ({len(report.findings)} Befunde)")
    if html is not None:
        try:
            html.write_text(render_html(parsed, report), encoding="utf-8")
        except OSError as exc:
            print(f"cannot write {html}: {exc.strerror or exc}", file=sys.stderr)
            raise typer.Exit(EXIT_INVALID) from exc
        print(f"  HTML: {html}")
    raise typer.Exit(EXIT_OK)
