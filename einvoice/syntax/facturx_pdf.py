"""Model → Factur-X / ZUGFeRD 2.x hybrid PDF (PDF/A-3 with embedded ``factur-x.xml``).

A simple visual invoice is drawn with reportlab (embedded TrueType font, sRGB output intent, as PDF/A
requires), then the ``factur-x`` package embeds the CII XML, writes the XMP metadata (PDF/A-3B +
Factur-X extension schema) and the AF relationship.
"""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path

from einvoice.domain.model import Invoice, Party
from einvoice.errors import WriterError
from einvoice.syntax.cii_writer import write_cii
from einvoice.syntax.detect import detect_profile

__all__ = ["facturx_level", "write_facturx_pdf"]

_LEVELS = {"MINIMUM": "minimum", "BASIC-WL": "basicwl", "BASIC": "basic", "EN16931": "en16931",
           "EXTENDED": "extended", "XRECHNUNG": "en16931", "XRECHNUNG-EXTENSION": "extended",
           "PEPPOL-BIS-3": "en16931"}


def facturx_level(invoice: Invoice) -> str:
    """Factur-X level for the XMP metadata, from BT-24 (XRechnung is carried as EN 16931 level)."""
    return _LEVELS.get(detect_profile(invoice.specification_id, "CII"), "en16931")


def _money(value: Decimal | None, currency: str | None) -> str:
    if value is None:
        return ""
    text = f"{value:,.2f}".replace(",", "X").replace(".", ",").replace("X", ".")
    return f"{text} {currency or ''}".strip()


def _party_lines(p: Party | None) -> list[str]:
    if p is None:
        return []
    out = [p.name or ""]
    if p.address is not None:
        a = p.address
        out += [x for x in (a.line1, a.line2, a.line3) if x]
        out.append(" ".join(x for x in (a.country_code, a.post_code, a.city) if x))
    if p.vat_id:
        out.append(f"USt-IdNr.: {p.vat_id}")
    return out


def _visual_pdf(inv: Invoice) -> bytes:
    """A one-or-more page A4 rendering of the invoice (header, parties, lines, VAT, totals, payment)."""
    import reportlab  # noqa: PLC0415
    from reportlab.lib.pagesizes import A4  # noqa: PLC0415 - heavy import on demand
    from reportlab.lib.units import mm  # noqa: PLC0415
    from reportlab.pdfbase import pdfmetrics  # noqa: PLC0415
    from reportlab.pdfbase.ttfonts import TTFont  # noqa: PLC0415
    from reportlab.pdfgen import canvas  # noqa: PLC0415

    fonts = Path(reportlab.__file__).parent / "fonts"
    if "AkVera" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("AkVera", str(fonts / "Vera.ttf")))
        pdfmetrics.registerFont(TTFont("AkVeraBd", str(fonts / "VeraBd.ttf")))
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4, invariant=True, pageCompression=1)
    c.setTitle(f"Rechnung {inv.number or ''}".strip())
    c.setAuthor(inv.seller.name if inv.seller and inv.seller.name else "")
    c.setCreator("Aktenwerk")
    height = A4[1]
    cur = inv.currency_code
    y = height - 20 * mm

    def text(x: float, value: str, size: int = 9, bold: bool = False) -> None:
        c.setFont("AkVeraBd" if bold else "AkVera", size)
        c.drawString(x, y, value)

    def newline(step: float = 4.5) -> None:
        nonlocal y
        y -= step * mm
        if y < 20 * mm:
            c.showPage()
            y = height - 20 * mm

    title = "Gutschrift" if inv.is_credit_note else "Rechnung"
    text(20 * mm, f"{title} {inv.number or ''}", 16, bold=True)
    newline(8)
    seller, buyer = _party_lines(inv.seller), _party_lines(inv.buyer)
    text(20 * mm, "Verkäufer", bold=True)
    c.drawString(110 * mm, y, "")
    text(110 * mm, "Käufer", bold=True)
    for i in range(max(len(seller), len(buyer))):
        newline()
        if i < len(seller):
            text(20 * mm, seller[i])
        if i < len(buyer):
            text(110 * mm, buyer[i])
    newline(8)
    header = (("Rechnungsdatum", inv.issue_date.strftime("%d.%m.%Y") if inv.issue_date else None),
              ("Fällig am", inv.due_date.strftime("%d.%m.%Y") if inv.due_date else None),
              ("Leitweg-ID / Käuferreferenz", inv.buyer_reference),
              ("Bestellnummer", inv.purchase_order_reference))
    for label, shown in header:
        if shown is not None:
            text(20 * mm, f"{label}:")
            text(75 * mm, shown)
            newline()
    newline(4)
    text(20 * mm, "Pos.", bold=True)
    text(32 * mm, "Bezeichnung", bold=True)
    text(110 * mm, "Menge", bold=True)
    text(135 * mm, "Preis", bold=True)
    text(165 * mm, "Betrag", bold=True)
    for line in inv.iter_lines():
        newline()
        text(20 * mm, line.id or "")
        text(32 * mm, ((line.item.name if line.item else None) or "")[:45])
        qty = line.quantity
        text(110 * mm, f"{qty.normalize() if qty is not None else ''} {line.unit_code or ''}")
        text(135 * mm, _money(line.price.net_price if line.price else None, None))
        text(165 * mm, _money(line.net_amount, None))
    newline(8)
    tot = inv.totals
    rows: list[tuple[str, Decimal | None]] = []
    if tot is not None:
        rows += [("Summe Positionen", tot.line_net_total), ("Nachlässe", tot.allowance_total),
                 ("Zuschläge", tot.charge_total), ("Gesamt netto", tot.tax_exclusive)]
    for vb in inv.vat_breakdown:
        rate = f"{vb.rate.normalize()} %" if vb.rate is not None else ""
        rows.append((f"USt {vb.category or ''} {rate} auf {_money(vb.taxable_amount, cur)}", vb.tax_amount))
    if tot is not None:
        rows += [("Gesamt brutto", tot.tax_inclusive), ("Bereits gezahlt", tot.prepaid),
                 ("Zahlbetrag", tot.payable)]
    for label, value in rows:
        if value is not None:
            text(100 * mm, label, bold=label == "Zahlbetrag")
            text(165 * mm, _money(value, cur), bold=label == "Zahlbetrag")
            newline()
    if inv.payment is not None:
        newline(4)
        for ct in inv.payment.credit_transfers:
            text(20 * mm, f"Bankverbindung: IBAN {ct.account_id or ''}  BIC {ct.service_provider_id or ''}")
            newline()
    if inv.payment_terms:
        for term_line in inv.payment_terms.splitlines():
            if term_line and not term_line.startswith("#"):
                text(20 * mm, term_line[:100])
                newline()
    c.showPage()
    c.save()
    return buf.getvalue()


def _add_output_intent(pdf: bytes) -> bytes:
    """Add the sRGB output intent PDF/A requires (ICC profile generated by Pillow's littleCMS)."""
    import pikepdf  # noqa: PLC0415
    from PIL import ImageCms  # noqa: PLC0415

    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        stream = pikepdf.Stream(doc, icc)
        stream["/N"] = 3
        intent = pikepdf.Dictionary(
            Type=pikepdf.Name("/OutputIntent"), S=pikepdf.Name("/GTS_PDFA1"),
            OutputConditionIdentifier=pikepdf.String("sRGB"), Info=pikepdf.String("sRGB IEC61966-2.1"),
            DestOutputProfile=doc.make_indirect(stream))
        doc.Root.OutputIntents = pikepdf.Array([doc.make_indirect(intent)])
        out = io.BytesIO()
        doc.save(out, deterministic_id=True)
        return out.getvalue()


def write_facturx_pdf(invoice: Invoice, *, xml: bytes | None = None, check_xsd: bool = True) -> bytes:
    """A Factur-X/ZUGFeRD PDF/A-3 for ``invoice`` (CII written by :func:`write_cii` unless ``xml`` given).

    :raises WriterError: when the PDF cannot be produced (e.g. the XML fails the Factur-X XSD).
    """
    import facturx  # noqa: PLC0415

    cii = xml if xml is not None else write_cii(invoice)
    try:
        visual = _add_output_intent(_visual_pdf(invoice))
        return bytes(facturx.generate_from_binary(
            visual, cii, flavor="factur-x", level=facturx_level(invoice), check_xsd=check_xsd,
            pdf_metadata={"author": invoice.seller.name if invoice.seller and invoice.seller.name else "",
                          "keywords": "Factur-X, ZUGFeRD, Rechnung",
                          "title": f"Rechnung {invoice.number or ''}".strip(),
                          "subject": f"Rechnung {invoice.number or ''}".strip()},
            lang="de-DE"))
    except WriterError:
        raise
    except Exception as exc:  # factur-x raises bare Exceptions for XSD failures
        raise WriterError(f"Factur-X PDF could not be generated: {exc}") from exc
