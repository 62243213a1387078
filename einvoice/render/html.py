"""Human-readable German HTML view of an invoice: header, parties, lines, VAT breakdown, totals,
payment data and attachments (downloadable as ``data:`` links). Self-contained, no scripts.
"""

from __future__ import annotations

import base64
from datetime import date
from decimal import Decimal
from html import escape
from typing import TYPE_CHECKING

from einvoice.domain import codes
from einvoice.domain.model import Address, Invoice, Party
from einvoice.validation.html import CSS, SEVERITY_DE

if TYPE_CHECKING:
    from einvoice.syntax.parsed import ParsedInvoice
    from einvoice.validation.report import ValidationReport

__all__ = ["render_invoice"]

#: Attachments larger than this are listed but not embedded as data: links.
MAX_EMBED_BYTES = 20 * 1024 * 1024


def _e(value: object) -> str:
    return escape("" if value is None else str(value))


def _money(value: Decimal | None, currency: str | None = None) -> str:
    if value is None:
        return ""
    text = f"{value:,.2f}".replace(",", "\u2009").replace(".", ",").replace("\u2009", ".")
    return f"{text} {_e(currency or '')}".strip()


def _num(value: Decimal | None) -> str:
    if value is None:
        return ""
    return format(value.normalize() if value == value.to_integral_value() else value, "f").replace(".", ",")


def _date(value: date | None) -> str:
    return value.strftime("%d.%m.%Y") if value else ""


def _address(addr: Address | None) -> str:
    if addr is None:
        return ""
    lines = [
        addr.line1,
        addr.line2,
        addr.line3,
        " ".join(x for x in (addr.post_code, addr.city) if x),
        addr.country_subdivision,
        addr.country_code,
    ]
    return "<br>".join(_e(x) for x in lines if x)


def _party(title: str, party: Party | None) -> str:
    if party is None:
        return f"<section><h2>{_e(title)}</h2><p>–</p></section>"
    rows = [
        ("Name", party.name),
        ("Handelsname", party.trading_name),
        ("Kennung", ", ".join(str(i) for i in party.identifiers) or None),
        ("Registernummer", party.legal_registration_id),
        ("USt-IdNr.", party.vat_id),
        ("Steuernummer", party.tax_registration_id),
        ("Elektronische Adresse", party.electronic_address),
        ("Kontakt", party.contact.name if party.contact else None),
        ("Telefon", party.contact.telephone if party.contact else None),
        ("E-Mail", party.contact.email if party.contact else None),
    ]
    dl = "".join(f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in rows if v)
    return f"<section><h2>{_e(title)}</h2><dl>{dl}<dt>Anschrift</dt><dd>{_address(party.address)}</dd></dl></section>"


def _header(inv: Invoice, parsed: ParsedInvoice) -> str:
    type_name = codes.INVOICE_TYPE_NAMES.get(inv.type_code or "", "")
    rows = [
        ("Rechnungsnummer (BT-1)", inv.number),
        ("Rechnungsdatum (BT-2)", _date(inv.issue_date)),
        ("Rechnungsart (BT-3)", f"{inv.type_code or ''} {type_name}".strip()),
        ("Währung (BT-5)", inv.currency_code),
        ("Fälligkeitsdatum (BT-9)", _date(inv.due_date)),
        ("Käuferreferenz / Leitweg-ID (BT-10)", inv.buyer_reference),
        ("Projekt (BT-11)", inv.project_reference),
        ("Vertrag (BT-12)", inv.contract_reference),
        ("Bestellung (BT-13)", inv.purchase_order_reference),
        (
            "Leistungszeitraum (BG-14)",
            f"{_date(inv.invoicing_period.start)} – {_date(inv.invoicing_period.end)}"
            if inv.invoicing_period
            else None,
        ),
        ("Lieferdatum (BT-72)", _date(inv.delivery.actual_date) if inv.delivery else None),
        ("Spezifikation (BT-24)", inv.specification_id),
        ("Syntax / Profil", f"{parsed.syntax} / {parsed.profile}"),
    ]
    dl = "".join(f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in rows if v)
    notes = "".join(f"<li>{_e(n.text)}</li>" for n in inv.notes if n.text)
    preceding = "".join(
        f"<li>{_e(p.reference)} {_e(_date(p.issue_date))}</li>" for p in inv.preceding_invoices
    )
    return (
        f"<dl>{dl}</dl>"
        + (f"<h2>Bemerkungen</h2><ul>{notes}</ul>" if notes else "")
        + (f"<h2>Vorausgegangene Rechnungen</h2><ul>{preceding}</ul>" if preceding else "")
    )


def _delivery_and_representative(inv: Invoice) -> str:
    parts = []
    d = inv.delivery
    if d is not None:
        rows = [
            ("Empfänger (BT-70)", d.party_name),
            ("Lieferort-Kennung (BT-71)", d.location_id),
            ("Lieferdatum (BT-72)", _date(d.actual_date)),
        ]
        dl = "".join(f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in rows if v)
        parts.append(
            f"<section><h2>Lieferung (BG-13)</h2><dl>{dl}<dt>Lieferanschrift</dt><dd>{_address(d.address)}</dd></dl></section>"
        )
    rep = inv.tax_representative
    if rep is not None:
        parts.append(
            f"<section><h2>Steuerlicher Vertreter (BG-11)</h2><dl><dt>Name</dt><dd>{_e(rep.name)}</dd>"
            f"<dt>USt-IdNr.</dt><dd>{_e(rep.vat_id)}</dd><dt>Anschrift</dt><dd>{_address(rep.address)}</dd></dl></section>"
        )
    return "".join(parts)


def _lines(inv: Invoice) -> str:
    cur = inv.currency_code
    rows = []
    for line in inv.iter_lines():
        item = line.item
        unit = codes.UNIT_NAMES.get(line.unit_code or "", line.unit_code or "")
        vat = ""
        if line.vat is not None:
            cat = str(line.vat.category or "")
            vat = f"{cat} {_num(line.vat.rate)} %" if line.vat.rate is not None else cat
        desc = _e(item.name if item else "") + (
            f"<br><small>{_e(item.description)}</small>" if item and item.description else ""
        )
        if line.note:
            desc += f"<br><small>{_e(line.note)}</small>"
        rows.append(
            f"<tr><td>{_e(line.id)}</td><td>{desc}</td><td class='num'>{_num(line.quantity)} {_e(unit)}</td>"
            f"<td class='num'>{_money(line.price.net_price if line.price else None, cur)}</td>"
            f"<td>{_e(vat)}</td><td class='num'>{_money(line.net_amount, cur)}</td></tr>"
        )
    return (
        '<table><caption>Rechnungspositionen (BG-25)</caption><thead><tr><th scope="col">Pos.</th>'
        '<th scope="col">Bezeichnung</th><th scope="col">Menge</th><th scope="col">Einzelpreis netto</th>'
        '<th scope="col">USt</th><th scope="col">Betrag netto</th></tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def _allowances(inv: Invoice) -> str:
    cur = inv.currency_code
    rows = [
        f"<tr><td>{'Zuschlag' if ac.is_charge else 'Abschlag'}</td><td>{_e(ac.reason or ac.reason_code)}</td>"
        f"<td>{_e(ac.vat_category)} {_num(ac.vat_rate)}</td><td class='num'>{_money(ac.amount, cur)}</td></tr>"
        for ac in (*inv.allowances, *inv.charges)
    ]
    if not rows:
        return ""
    return (
        '<table><caption>Ab- und Zuschläge auf Dokumentebene (BG-20/21)</caption><thead><tr><th scope="col">Art</th>'
        '<th scope="col">Grund</th><th scope="col">USt</th><th scope="col">Betrag</th></tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def _vat(inv: Invoice) -> str:
    cur = inv.currency_code
    rows = []
    for b in inv.vat_breakdown:
        name = codes.VAT_CATEGORY_NAMES.get(str(b.category or ""), "")
        reason = b.exemption_reason or b.exemption_reason_code or ""
        rows.append(
            f"<tr><td>{_e(b.category)} {_e(name)}</td><td class='num'>{_num(b.rate)}</td>"
            f"<td class='num'>{_money(b.taxable_amount, cur)}</td><td class='num'>{_money(b.tax_amount, cur)}</td>"
            f"<td>{_e(reason)}</td></tr>"
        )
    return (
        '<table><caption>Umsatzsteueraufschlüsselung (BG-23)</caption><thead><tr><th scope="col">Kategorie</th>'
        '<th scope="col">Satz %</th><th scope="col">Bemessungsgrundlage</th><th scope="col">Steuerbetrag</th>'
        f'<th scope="col">Befreiungsgrund</th></tr></thead><tbody>{"".join(rows)}</tbody></table>'
    )


def _totals(inv: Invoice) -> str:
    t = inv.totals
    if t is None:
        return "<p>Keine Summen angegeben.</p>"
    cur = inv.currency_code
    rows = [
        ("Summe Positionen netto (BT-106)", t.line_net_total),
        ("Summe Abschläge (BT-107)", t.allowance_total),
        ("Summe Zuschläge (BT-108)", t.charge_total),
        ("Gesamtbetrag netto (BT-109)", t.tax_exclusive),
        ("Umsatzsteuer (BT-110)", t.vat_total),
        ("Gesamtbetrag brutto (BT-112)", t.tax_inclusive),
        ("Bereits gezahlt (BT-113)", t.prepaid),
        ("Rundungsbetrag (BT-114)", t.rounding),
        ("Zahlbetrag (BT-115)", t.payable),
    ]
    body = "".join(
        f'<tr><th scope="row">{_e(k)}</th><td class="num">{_money(v, cur)}</td></tr>'
        for k, v in rows
        if v is not None
    )
    return f"<table><caption>Summen (BG-22)</caption><tbody>{body}</tbody></table>"


def _payment(inv: Invoice) -> str:
    pay = inv.payment
    parts = []
    if inv.payment_terms:
        parts.append(f"<dt>Zahlungsbedingungen (BT-20)</dt><dd><pre>{_e(inv.payment_terms)}</pre></dd>")
    if pay is not None:
        means = codes.PAYMENT_MEANS_NAMES.get(pay.means_code or "", "")
        parts.append(
            f"<dt>Zahlungsart (BT-81)</dt><dd>{_e(pay.means_code)} {_e(means)} {_e(pay.means_text)}</dd>"
        )
        if pay.remittance_information:
            parts.append(f"<dt>Verwendungszweck (BT-83)</dt><dd>{_e(pay.remittance_information)}</dd>")
        for ct in pay.credit_transfers:
            parts.append(
                f"<dt>Konto (BG-17)</dt><dd>IBAN {_e(ct.account_id)} {_e(ct.account_name)} "
                f"{('BIC ' + _e(ct.service_provider_id)) if ct.service_provider_id else ''}</dd>"
            )
        if pay.card is not None:
            parts.append(
                f"<dt>Karte (BG-18)</dt><dd>{_e(pay.card.account_number)} {_e(pay.card.holder_name)}</dd>"
            )
        if pay.direct_debit is not None:
            dd = pay.direct_debit
            parts.append(
                f"<dt>Lastschrift (BG-19)</dt><dd>Mandat {_e(dd.mandate_reference)}, Gläubiger-ID {_e(dd.creditor_id)}, "
                f"Konto {_e(dd.debited_account_id)}</dd>"
            )
    if inv.payee is not None:
        parts.append(f"<dt>Zahlungsempfänger (BG-10)</dt><dd>{_e(inv.payee.name)}</dd>")
    return f"<dl>{''.join(parts)}</dl>" if parts else "<p>Keine Zahlungsangaben.</p>"


def _attachments(inv: Invoice) -> str:
    items = []
    for i, doc in enumerate(inv.additional_documents, 1):
        label = _e(doc.reference or f"Anlage {i}")
        desc = f" – {_e(doc.description)}" if doc.description else ""
        att = doc.attachment
        if att is not None and att.content:
            name = att.filename or f"anlage-{i}"
            mime = att.mime_code or "application/octet-stream"
            if len(att.content) <= MAX_EMBED_BYTES:
                href = f"data:{_e(mime)};base64,{base64.b64encode(att.content).decode('ascii')}"
                items.append(
                    f'<li>{label}{desc}: <a href="{href}" download="{_e(name)}">{_e(name)}</a> '
                    f"({_e(mime)}, {len(att.content)} Bytes)</li>"
                )
            else:
                items.append(f"<li>{label}{desc}: {_e(name)} ({_e(mime)}, zu groß zum Einbetten)</li>")
        elif doc.external_uri:
            items.append(
                f'<li>{label}{desc}: <a href="{_e(doc.external_uri)}" rel="noopener noreferrer">{_e(doc.external_uri)}</a></li>'
            )
        else:
            items.append(f"<li>{label}{desc}</li>")
    return f"<ul>{''.join(items)}</ul>" if items else "<p>Keine Anlagen.</p>"


def _findings(report: ValidationReport | None) -> str:
    if report is None:
        return ""
    verdict = "gültig – annehmen" if report.valid else "ungültig – zurückweisen"
    rows = "".join(
        f"<li class='sev-{_e(f.severity)}'>{_e(SEVERITY_DE.get(f.severity, f.severity))} <code>{_e(f.rule)}</code>: {_e(f.message_de or f.message)}</li>"
        for f in report.findings
    )
    cls = "accept" if report.valid else "reject"
    return f'<section><h2>Prüfergebnis</h2><p class="verdict {cls}" role="status">{verdict}</p><ul>{rows}</ul></section>'


def render_invoice(parsed: ParsedInvoice, report: ValidationReport | None = None) -> str:
    """The whole invoice as one German HTML page."""
    inv = parsed.invoice
    title = f"Rechnung {inv.number or ''}".strip()
    return (
        '<!DOCTYPE html><html lang="de"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(title)}</title><style>{CSS}</style></head><body><main>"
        f"<h1>{_e(title)}</h1>"
        f"{_findings(report)}"
        f"<section><h2>Kopfdaten</h2>{_header(inv, parsed)}</section>"
        f"{_party('Verkäufer (BG-4)', inv.seller)}{_party('Käufer (BG-7)', inv.buyer)}"
        f"{_delivery_and_representative(inv)}"
        f"<section><h2>Positionen</h2>{_lines(inv)}{_allowances(inv)}</section>"
        f"<section><h2>Umsatzsteuer</h2>{_vat(inv)}</section>"
        f"<section><h2>Summen</h2>{_totals(inv)}</section>"
        f"<section><h2>Zahlung</h2>{_payment(inv)}</section>"
        f"<section><h2>Anlagen (BG-24)</h2>{_attachments(inv)}</section>"
        "</main></body></html>"
    )
