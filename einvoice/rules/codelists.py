"""Code-list rules BR-CL-01…26 over the model (BR-CL-03 currencyID attributes: syntax modules)."""

from __future__ import annotations

from einvoice.domain import codes as C
from einvoice.domain.model import Address, Identifier
from einvoice.rules.base import Ctx, code

__all__ = ["RULES"]


def _in(value: str | None, allowed: frozenset[str]) -> bool:
    v = code(value)
    return v is not None and v in allowed


def codelists(ctx: Ctx) -> None:
    inv = ctx.invoice
    ext = ctx.is_extension
    icd = C.ICD | C.DIGA_CODES if ext else C.ICD
    eas = C.EAS | C.DIGA_CODES if ext else C.EAS
    tc = code(inv.type_code)
    if tc:
        if ctx.syntax == "UBL-Invoice":
            allowed = C.UNTDID_1001_INVOICE
        elif ctx.syntax == "UBL-CreditNote":
            allowed = C.UNTDID_1001_CREDIT_NOTE
        else:
            allowed = C.UNTDID_1001
        ctx.check(tc in allowed, "BR-CL-01", "BT-3")
    if inv.currency_code is not None:
        ctx.check(_in(inv.currency_code, C.ISO_4217), "BR-CL-04", "BT-5")
    if inv.tax_currency_code is not None:
        ctx.check(_in(inv.tax_currency_code, C.ISO_4217), "BR-CL-05", "BT-6")
    if inv.tax_point_date_code is not None:
        allowed = C.UNTDID_2475_CII if ctx.syntax == "CII" else C.UNTDID_2005_UBL
        ctx.check(_in(inv.tax_point_date_code, allowed), "BR-CL-06", "BT-8")
    obj = inv.invoiced_object_id
    if obj is not None and obj.scheme is not None:
        ctx.check(_in(obj.scheme, C.UNTDID_1153), "BR-CL-07", "BT-18")
    for note in inv.notes:
        if note.subject_code is not None and code(note.subject_code):
            ctx.check(_in(note.subject_code, C.UNTDID_4451), "BR-CL-08", "BT-21", note)
    # party identifiers (BR-CL-10; SEPA allowed for seller and payee), legal registration ids (BR-CL-11)
    ids: list[tuple[Identifier, bool, object]] = []
    for party, sepa_ok in ((inv.seller, True), (inv.buyer, False)):
        if party is None:
            continue
        ids.extend((i, sepa_ok, party) for i in party.identifiers)
        if party.legal_registration_id is not None and party.legal_registration_id.scheme is not None:
            ok = _in(party.legal_registration_id.scheme, icd)
            ctx.check(ok, "BR-DEX-05" if ext else "BR-CL-11", "BT-30", party)
        if party.electronic_address is not None and party.electronic_address.scheme is not None:
            scheme = party.electronic_address.scheme
            if _in(scheme, C.EAS_DEPRECATED):
                ctx.fail("AW-DEPRECATED-CODE", "BT-34", party)
            else:
                ctx.check(_in(scheme, eas), "BR-DEX-07" if ext else "BR-CL-25", "BT-34", party)
    if inv.payee is not None:
        if inv.payee.identifier is not None:
            ids.append((inv.payee.identifier, True, inv.payee))
        lr = inv.payee.legal_registration_id
        if lr is not None and lr.scheme is not None:
            ctx.check(_in(lr.scheme, icd), "BR-DEX-05" if ext else "BR-CL-11", "BT-61", inv.payee)
    for ident, sepa_ok, owner in ids:
        if ident.scheme is None:
            continue
        ok = _in(ident.scheme, icd) or (sepa_ok and code(ident.scheme) == "SEPA")
        ctx.check(ok, "BR-DEX-04" if ext else "BR-CL-10", "BT-29", owner)
    # countries (BR-CL-14), addresses of every party
    addresses: list[Address | None] = [
        inv.seller.address if inv.seller else None,
        inv.buyer.address if inv.buyer else None,
        inv.tax_representative.address if inv.tax_representative else None,
        inv.delivery.address if inv.delivery else None,
    ]
    for addr in addresses:
        if addr is not None and addr.country_code is not None and code(addr.country_code):
            ctx.check(_in(addr.country_code, C.ISO_3166), "BR-CL-14", "BT-40", addr)
    pay = inv.payment
    if pay is not None and pay.means_code is not None and code(pay.means_code):
        ctx.check(_in(pay.means_code, C.UNTDID_4461), "BR-CL-16", "BT-81")
    for ac in (*inv.allowances, *inv.charges):
        if ac.vat_category is not None:
            ctx.check(_in(ac.vat_category, C.UNTDID_5305), "BR-CL-17", "BT-95", ac)
    for b in inv.vat_breakdown:
        if b.category is not None:
            ctx.check(_in(b.category, C.UNTDID_5305), "BR-CL-17", "BT-118", b)
        if b.exemption_reason_code is not None and code(b.exemption_reason_code):
            ctx.check((code(b.exemption_reason_code) or "").upper() in C.VATEX, "BR-CL-22", "BT-121", b)
    for ac in [*inv.allowances, *(a for ln in inv.lines for a in ln.allowances)]:
        if ac.reason_code is not None and code(ac.reason_code):
            ctx.check(_in(ac.reason_code, C.UNTDID_5189), "BR-CL-19", "BT-98", ac)
    for ac in [*inv.charges, *(c for ln in inv.lines for c in ln.charges)]:
        if ac.reason_code is not None and code(ac.reason_code):
            ctx.check(_in(ac.reason_code, C.UNTDID_7161), "BR-CL-20", "BT-105", ac)
    for line in inv.lines:
        if ctx.syntax == "CII" and line.object_id is not None and line.object_id.scheme is not None:
            ctx.check(_in(line.object_id.scheme, C.UNTDID_1153), "BR-CL-07", "BT-128", line)
        if line.vat is not None and line.vat.category is not None:
            ctx.check(_in(line.vat.category, C.UNTDID_5305), "BR-CL-18", "BT-151", line)
        if line.unit_code is not None and code(line.unit_code):
            ctx.check(_in(line.unit_code, C.UNIT_CODES), "BR-CL-23", "BT-130", line)
        if line.price is not None and line.price.base_quantity_unit is not None:
            ctx.check(_in(line.price.base_quantity_unit, C.UNIT_CODES), "BR-CL-23", "BT-150", line)
        item = line.item
        if item is None:
            continue
        for cls in item.classifications:
            if cls.scheme is not None:
                ok = _in(cls.scheme, C.UNTDID_7143)
                ctx.check(ok, "BR-CL-13", "BT-158", line)
        if item.standard_id is not None and item.standard_id.scheme is not None:
            ctx.check(_in(item.standard_id.scheme, icd), "BR-DEX-06" if ext else "BR-CL-21", "BT-157", line)
        if item.origin_country is not None and code(item.origin_country):
            ctx.check(_in(item.origin_country, C.ISO_3166), "BR-CL-15", "BT-159", line)
    for doc in inv.additional_documents:
        att = doc.attachment
        if att is not None and att.mime_code is not None:
            if ext:
                ctx.check(att.mime_code in C.MIME_CODES_EXTENSION, "BR-DEX-01", "BT-125", doc)
            else:
                ctx.check(att.mime_code in C.MIME_CODES, "BR-CL-24", "BT-125", doc)
    d = inv.delivery
    if d is not None and d.location_id is not None and d.location_id.scheme is not None:
        ctx.check(_in(d.location_id.scheme, icd), "BR-DEX-08" if ext else "BR-CL-26", "BT-71")


RULES = (codelists,)
