"""Parse + rules → report. Never raises on bad input: unreadable input gives a ``fatal`` finding."""

from __future__ import annotations

import logging

from einvoice.errors import UnreadableInvoice
from einvoice.reading import parse, parse_xml_bytes
from einvoice.rules import check
from einvoice.rules.base import Finding
from einvoice.rules.catalogue import RULES
from einvoice.syntax.parsed import ParsedInvoice
from einvoice.syntax.pdf import PdfInvoice, extract, is_pdf
from einvoice.validation.pdfcheck import pdf_findings
from einvoice.validation.report import ValidationReport
from einvoice.validation.schema import schema_findings

__all__ = ["fatal_report", "validate", "validate_parsed"]

log = logging.getLogger(__name__)


def validate_parsed(parsed: ParsedInvoice, path: str | None = None) -> ValidationReport:
    """Run every applicable rule on an already parsed invoice."""
    return ValidationReport(
        path=path,
        syntax=parsed.syntax,
        specification=parsed.specification,
        profile=parsed.profile,
        findings=schema_findings(parsed) + check(parsed),
        parsed=parsed,
    )


def fatal_report(path: str | None, reason: str, rule: str = "AW-UNREADABLE") -> ValidationReport:
    """A report for input that cannot be read as an invoice."""
    spec = RULES[rule]
    finding = Finding(
        rule,
        "fatal",
        f"{spec.message} {reason}",  # the official text, German for Aktenwerk's own rules like every AW-*
        None,
        None,
        f"{spec.message_en} {reason}",
        f"{spec.message_de} {reason}",
    )
    return ValidationReport(path=path, syntax=None, specification=None, profile=None, findings=[finding])


def validate(data: bytes, filename: str | None = None, *, path: str | None = None) -> ValidationReport:
    """Read and validate ``data``; bad input yields a report with a ``fatal`` finding, never an exception."""
    shown = path if path is not None else filename
    pdf: PdfInvoice | None = None
    try:
        if is_pdf(data):  # extract once, keeping the XMP facts for the container checks
            pdf = extract(bytes(data))
            parsed = parse_xml_bytes(pdf.xml)
            parsed.source, parsed.pdf_filename = "pdf", pdf.filename
        else:
            parsed = parse(data, filename)
    except UnreadableInvoice as exc:
        return fatal_report(shown, f"({exc.code}: {exc.message})")
    except RecursionError:
        return fatal_report(shown, "(hostile-xml: nesting too deep)")
    except Exception as exc:
        log.exception("unexpected error while reading %s", shown)
        return fatal_report(shown, f"(internal: {type(exc).__name__})", rule="AW-INTERNAL")
    report = validate_parsed(parsed, shown)
    if pdf is not None:
        report.findings.extend(pdf_findings(pdf, parsed))
    return report
