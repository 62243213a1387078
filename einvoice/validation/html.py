"""German HTML rendering of a validation report (self-contained, no scripts, accessible markup)."""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from einvoice.validation.report import ValidationReport

__all__ = ["CSS", "report_html"]

SEVERITY_DE = {"fatal": "Schwerwiegend", "error": "Fehler", "warning": "Warnung", "information": "Hinweis"}

CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2rem auto;max-width:70rem;color:#1b1b1b;line-height:1.45}
h1{font-size:1.6rem}h2{font-size:1.25rem;margin-top:2rem}
table{border-collapse:collapse;width:100%;margin:.5rem 0}th,td{border:1px solid #999;padding:.35rem .5rem;text-align:left;vertical-align:top}
th{background:#eef}td.num{text-align:right;font-variant-numeric:tabular-nums}
.verdict{padding:1rem;border:3px solid;font-weight:bold;font-size:1.2rem}
.accept{border-color:#1a7f37;background:#e6f4ea}.reject{border-color:#b3261e;background:#fde7e9}
.sev-fatal,.sev-error{color:#8c1d18;font-weight:bold}.sev-warning{color:#7a4d00}.sev-information{color:#1f4e79}
code{font-size:.85em;word-break:break-all}.nowrap,.nowrap code{white-space:nowrap;word-break:normal}dl{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem}dt{font-weight:bold}
"""


def _e(value: object) -> str:
    return escape("" if value is None else str(value))


def report_html(report: ValidationReport) -> str:
    verdict_cls = "accept" if report.valid else "reject"
    verdict = (
        "Empfehlung: annehmen – die Rechnung erfüllt alle geprüften Regeln (ggf. mit Warnungen)."
        if report.valid
        else "Empfehlung: zurückweisen – die Rechnung verletzt verbindliche Regeln."
    )
    counts = ", ".join(
        f"{SEVERITY_DE[s]}: {report.count(s)}" for s in ("fatal", "error", "warning", "information")
    )
    rows = []
    for f in report.findings:
        de = f.message_de if f.message_de and f.message_de != f.message else None
        text = _e(f.message) + (f'<br><span lang="de">{_e(de)}</span>' if de else "")
        lang = ' lang="de"' if f.message_de and f.message == f.message_de else ' lang="en"'
        rows.append(
            f'<tr><td class="sev-{_e(f.severity)}">{_e(SEVERITY_DE.get(f.severity, f.severity))}</td>'
            f'<td class="nowrap"><code>{_e(f.rule)}</code></td><td class="nowrap">{_e(f.bt or "")}</td>'
            f"<td{lang}>{text}</td><td><code>{_e(f.location or '')}</code></td></tr>"
        )
    table = (
        '<table><caption>Prüfergebnisse</caption><thead><tr><th scope="col">Schwere</th><th scope="col">Regel</th>'
        '<th scope="col">BT</th><th scope="col">Meldung</th><th scope="col">Fundstelle (XPath)</th></tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
        if rows
        else "<p>Keine Befunde.</p>"
    )
    return (
        '<!DOCTYPE html><html lang="de"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Prüfbericht {_e(report.path or '')}</title><style>{CSS}</style></head><body><main>"
        f"<h1>Prüfbericht E-Rechnung</h1>"
        f'<p class="verdict {verdict_cls}" role="status">{_e(verdict)}</p>'
        "<dl>"
        f"<dt>Datei</dt><dd>{_e(report.path or '–')}</dd>"
        f"<dt>Syntax</dt><dd>{_e(report.syntax or '–')}</dd>"
        f"<dt>Spezifikation (BT-24)</dt><dd><code>{_e(report.specification or '–')}</code></dd>"
        f"<dt>Profil</dt><dd>{_e(report.profile or '–')}</dd>"
        f"<dt>Befunde</dt><dd>{_e(counts)}</dd>"
        "</dl>"
        f"<h2>Befunde</h2>{table}"
        "<p><small>Regeln: EN 16931 (CEN/TC 434), Syntax-Bindungen UBL/CII, XRechnung 3.0 (KoSIT); "
        "Schweregrade wie in der KoSIT-Prüfkonfiguration XRechnung.</small></p>"
        "</main></body></html>"
    )
