"""UBL syntax-binding rules on the XML tree: UBL-SR-*, UBL-DT-01/06/07, UBL-CR-646, BR-66/67, BR-CL-03.

These cardinality rules cannot be seen in the model (which keeps the first occurrence), so they run on
the lxml tree with precompiled ElementPath lookups (no XPath engine, no re-parsing).
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache

from lxml import etree

from einvoice.domain.codes import ISO_4217, UNTDID_1153
from einvoice.rules.base import Ctx
from einvoice.rules.ubl_cr import check_ubl_cr
from einvoice.syntax._common import Kids, index
from einvoice.syntax.namespaces import CAC, CBC

__all__ = ["check_ubl"]


@cache
def _p(path: str) -> str:
    """'cac:A/cbc:B' → Clark notation for lxml ``findall``."""
    out = []
    for step in path.split("/"):
        prefix, local = step.split(":")
        out.append("{{{}}}{}".format(CAC if prefix == "cac" else CBC, local))
    return "/".join(out)


@cache
def _steps(path: str) -> tuple[str, ...]:
    """'cac:A/cbc:B' → the Clark tags of its steps."""
    return tuple(_p(step) for step in path.split("/"))


def _findall(el: etree._Element, path: str) -> list[etree._Element]:
    """``el.findall(_p(path))`` for a child path, comparing the children's tags (no ElementPath engine)."""
    steps = _steps(path)
    first = steps[0]
    found = [c for c in el.getchildren() if c.tag == first]
    for tag in steps[1:]:
        if not found:
            break
        found = [c for parent in found for c in parent.getchildren() if c.tag == tag]
    return found


def _sub(k: Kids, path: str) -> list[etree._Element]:
    """Like `_findall` for an element whose children are already indexed (``k = index(el)``)."""
    steps = _steps(path)
    found = k.get(steps[0], [])
    for tag in steps[1:]:
        if not found:
            break
        found = [c for parent in found for c in parent.getchildren() if c.tag == tag]
    return found


def _find(el: etree._Element, path: str) -> etree._Element | None:
    """``el.find(_p(path))`` for a child path."""
    found = _findall(el, path)
    return found[0] if found else None


class _Children:
    """The document element's children indexed by tag: root-level lookups without re-scanning the root."""

    __slots__ = ("_index",)

    def __init__(self, root: etree._Element) -> None:
        index: dict[object, list[etree._Element]] = {}
        for child in root.getchildren():
            index.setdefault(child.tag, []).append(child)
        self._index = index

    def all(self, path: str) -> list[etree._Element]:
        """Like ``root.findall(_p(path))`` for a prefixed path starting below the root."""
        first, _, rest = path.partition("/")
        found = self._index.get(_p(first), [])
        if not rest:
            return found
        return [el for parent in found for el in _findall(parent, rest)]

    def first(self, path: str) -> etree._Element | None:
        found = self.all(path)
        return found[0] if found else None


_ROOT_MAX1 = (
    ("UBL-SR-01", "cac:ContractDocumentReference/cbc:ID"),
    ("UBL-SR-02", "cac:ReceiptDocumentReference/cbc:ID"),
    ("UBL-SR-03", "cac:DespatchDocumentReference/cbc:ID"),
    ("UBL-SR-05", "cac:PaymentTerms/cbc:Note"),
    ("UBL-SR-08", "cac:InvoicePeriod"),
    ("UBL-SR-09", "cac:AccountingSupplierParty/cac:Party/cac:PartyLegalEntity/cbc:RegistrationName"),
    ("UBL-SR-10", "cac:AccountingSupplierParty/cac:Party/cac:PartyName/cbc:Name"),
    ("UBL-SR-11", "cac:AccountingSupplierParty/cac:Party/cac:PartyLegalEntity/cbc:CompanyID"),
    ("UBL-SR-14", "cac:AccountingSupplierParty/cac:Party/cac:PartyLegalEntity/cbc:CompanyLegalForm"),
    ("UBL-SR-15", "cac:AccountingCustomerParty/cac:Party/cac:PartyLegalEntity/cbc:RegistrationName"),
    ("UBL-SR-16", "cac:AccountingCustomerParty/cac:Party/cac:PartyIdentification/cbc:ID"),
    ("UBL-SR-17", "cac:AccountingCustomerParty/cac:Party/cac:PartyLegalEntity/cbc:CompanyID"),
    ("UBL-SR-24", "cac:Delivery"),
    ("UBL-SR-39", "cac:ProjectReference/cbc:ID"),
    ("UBL-SR-40", "cac:AccountingCustomerParty/cac:Party/cac:PartyName/cbc:Name"),
    ("UBL-SR-45", "cac:PaymentMeans/cbc:PaymentDueDate"),
    ("UBL-SR-49", "cac:InvoicePeriod/cbc:DescriptionCode"),
)

_LINE_MAX1 = (
    ("UBL-SR-34", "cbc:Note"),
    ("UBL-SR-35", "cac:OrderLineReference/cbc:LineID"),
    ("UBL-SR-36", "cac:InvoicePeriod"),
    ("UBL-SR-37", "cac:Price/cac:AllowanceCharge/cbc:Amount"),
    ("UBL-SR-50", "cac:Item/cbc:Description"),
    ("UBL-SR-52", "cac:DocumentReference"),
)

_AMOUNT_TAGS = frozenset(
    f"{{{CBC}}}{n}"
    for n in [
        "Amount",
        "BaseAmount",
        "PriceAmount",
        "TaxAmount",
        "TaxableAmount",
        "LineExtensionAmount",
        "TaxExclusiveAmount",
        "TaxInclusiveAmount",
        "AllowanceTotalAmount",
        "ChargeTotalAmount",
        "PrepaidAmount",
        "PayableRoundingAmount",
        "PayableAmount",
    ]
)
_PRICE = f"{{{CAC}}}Price"
_PRICE_AMOUNT = f"{{{CBC}}}PriceAmount"
_BINARY = f"{{{CBC}}}EmbeddedDocumentBinaryObject"
_ADDRESS_TAGS = frozenset({f"{{{CAC}}}PostalAddress", f"{{{CAC}}}Address"})
_ADDRESS_LINE = f"{{{CAC}}}AddressLine"
_SCAN_TAGS = (
    *_AMOUNT_TAGS,
    f"{{{CBC}}}EmbeddedDocumentBinaryObject",
    f"{{{CAC}}}PostalAddress",
    f"{{{CAC}}}Address",
    f"{{{CAC}}}SubInvoiceLine",
)


def _texts(els: Iterable[etree._Element]) -> list[str]:
    return [(e.text or "").strip() for e in els]


def _is_vat_scheme(pts: etree._Element) -> bool:
    return any((t or "").strip().upper() == "VAT" for t in _texts(_findall(pts, "cac:TaxScheme/cbc:ID")))


def check_ubl(ctx: Ctx, root: etree._Element) -> None:
    """Run the UBL syntax rules on ``root`` (Invoice or CreditNote)."""
    fail = ctx.fail
    kids = _Children(root)
    for rid, path in _ROOT_MAX1:
        found = kids.all(path)
        if len(found) > 1:
            fail(rid, location=ctx.xpath(found[1]))
    docs = kids.all("cac:AdditionalDocumentReference")
    doc_kids = [index(d) for d in docs]
    if (
        sum(
            1
            for dk in doc_kids
            if _texts(_sub(dk, "cbc:DocumentTypeCode")) == ["130"] and _sub(dk, "cbc:ID")
        )
        > 1
    ):
        fail("UBL-SR-04", location=ctx.xpath(docs[-1]))
    is_cn = root.tag.endswith("}CreditNote")
    for d, dk in zip(docs, doc_kids, strict=True):
        if len(_sub(dk, "cbc:DocumentDescription")) > 1:
            fail("UBL-SR-33", location=ctx.xpath(d))
        type_codes = _texts(_sub(dk, "cbc:DocumentTypeCode"))
        id_els = _sub(dk, "cbc:ID")
        id_el = id_els[0] if id_els else None
        ok = (
            "130" in type_codes
            or (is_cn and "50" in type_codes)
            or ((id_el is None or id_el.get("schemeID") is None) and not type_codes)
        )
        if not ok:
            fail("UBL-SR-43", location=ctx.xpath(d))
    for br in kids.all("cac:BillingReference"):
        refs = _findall(br, "cac:InvoiceDocumentReference")
        if len(refs) > 1:
            fail("UBL-SR-06", location=ctx.xpath(br))
        if not _findall(br, "cac:InvoiceDocumentReference/cbc:ID"):
            fail("UBL-SR-07", location=ctx.xpath(br))
            fail("BR-55", "BT-25", location=ctx.xpath(br))
    seller_party = kids.first("cac:AccountingSupplierParty/cac:Party")
    if seller_party is not None:
        schemes = _findall(seller_party, "cac:PartyTaxScheme")
        vat = [s for s in schemes if _is_vat_scheme(s)]
        other = [s for s in schemes if not _is_vat_scheme(s) and _findall(s, "cac:TaxScheme/cbc:ID")]
        if sum(len(_findall(s, "cbc:CompanyID")) for s in vat) > 1:
            fail("UBL-SR-12", location=ctx.xpath(vat[-1]))
        if sum(len(_findall(s, "cbc:CompanyID")) for s in other) > 1:
            fail("UBL-SR-13", location=ctx.xpath(other[-1]))
        if len(schemes) > 2:
            fail("UBL-SR-42", location=ctx.xpath(seller_party))
    for pts in root.iter(f"{{{CAC}}}PartyTaxScheme"):
        if _find(pts, "cac:TaxScheme/cbc:ID") is None or _find(pts, "cbc:CompanyID") is None:
            fail("UBL-SR-53", location=ctx.xpath(pts))
    buyer_party = kids.first("cac:AccountingCustomerParty/cac:Party")
    if buyer_party is not None:
        vat_ids = [
            c
            for s in _findall(buyer_party, "cac:PartyTaxScheme")
            if _is_vat_scheme(s)
            for c in _findall(s, "cbc:CompanyID")
        ]
        if len(vat_ids) > 1:
            fail("UBL-SR-18", location=ctx.xpath(vat_ids[1]))
    payee = kids.first("cac:PayeeParty")
    if payee is not None:
        names = _texts(_findall(payee, "cac:PartyName/cbc:Name"))
        seller_names = _texts(
            kids.all("cac:AccountingSupplierParty/cac:Party/cac:PartyLegalEntity/cbc:RegistrationName")
        )
        differs = any(a != b for a in names for b in seller_names)
        loc = ctx.xpath(payee)
        if not (len(names) <= 1 and differs):
            fail("UBL-SR-19", location=loc)
        non_sepa = [
            e
            for e in _findall(payee, "cac:PartyIdentification/cbc:ID")
            if e.get("schemeID") is not None and e.get("schemeID", "").upper() != "SEPA"
        ]
        if not (len(non_sepa) <= 1 and differs):
            fail("UBL-SR-20", location=loc)
        if not (len(_findall(payee, "cac:PartyLegalEntity/cbc:CompanyID")) <= 1 and differs):
            fail("UBL-SR-21", location=loc)
    rep = kids.first("cac:TaxRepresentativeParty")
    if rep is not None:
        vat_ids = [
            c
            for s in _findall(rep, "cac:PartyTaxScheme")
            if _is_vat_scheme(s)
            for c in _findall(s, "cbc:CompanyID")
        ]
        if not vat_ids:
            fail("BR-56", "BT-63", location=ctx.xpath(rep))
        if len(_findall(rep, "cac:PartyName/cbc:Name")) > 1:
            fail("UBL-SR-22", location=ctx.xpath(rep))
        if len(_findall(rep, "cac:PartyTaxScheme/cbc:CompanyID")) > 1:
            fail("UBL-SR-23", location=ctx.xpath(rep))
    for delivery in kids.all("cac:Delivery"):
        if len(_findall(delivery, "cac:DeliveryParty/cac:PartyName/cbc:Name")) > 1:
            fail("UBL-SR-25", location=ctx.xpath(delivery))
    means = kids.all("cac:PaymentMeans")
    payment_ids: set[str] = set()
    means_codes: set[str] = set()
    card_accounts = mandates = code_names = 0
    for pm in means:
        pk = index(pm)
        ids = _sub(pk, "cbc:PaymentID")
        codes = _sub(pk, "cbc:PaymentMeansCode")
        if len(ids) > 1:
            fail("UBL-SR-26", location=ctx.xpath(pm))
        if len(codes) > 1:
            fail("UBL-SR-27", location=ctx.xpath(pm))
        if len(_sub(pk, "cac:PaymentMandate/cbc:ID")) > 1:
            fail("UBL-SR-28", location=ctx.xpath(pm))
        payment_ids.update(_texts(ids))
        means_codes.update(_texts(codes))
        card_accounts += len(_sub(pk, "cac:CardAccount"))
        mandates += len(_sub(pk, "cac:PaymentMandate"))
        code_names += sum(1 for c in codes if c.get("name") is not None)
    if len(payment_ids) > 1:
        fail("UBL-SR-44", "BT-83")
    if code_names > 1:
        fail("UBL-SR-46", "BT-82")
    if len(means_codes) > 1:
        fail("UBL-SR-47", "BT-81")
    if card_accounts > 1:
        fail("BR-66", "BG-18")
    if mandates > 1:
        fail("BR-67", "BG-19")
    sepa = [
        e
        for e in root.iter(f"{{{CBC}}}ID")
        if (e.get("schemeID") or "").upper() == "SEPA"
        and e.getparent() is not None
        and e.getparent().tag == f"{{{CAC}}}PartyIdentification"
    ]
    if len(sepa) > 1:
        fail("UBL-SR-29", location=ctx.xpath(sepa[1]))
    for ac in kids.all("cac:AllowanceCharge"):
        if len(_findall(ac, "cbc:AllowanceChargeReason")) > 1:
            indicator = _find(ac, "cbc:ChargeIndicator")
            is_charge = ((indicator.text if indicator is not None else None) or "").strip() == "true"
            fail("UBL-SR-31" if is_charge else "UBL-SR-30", location=ctx.xpath(ac))
    for sub in kids.all("cac:TaxTotal/cac:TaxSubtotal"):
        if len(_findall(sub, "cac:TaxCategory/cbc:TaxExemptionReason")) > 1:
            fail("UBL-SR-32", location=ctx.xpath(sub))
    line_tag = "cac:CreditNoteLine" if is_cn else "cac:InvoiceLine"
    for line in kids.all(line_tag):
        lk = index(line)
        for rid, path in _LINE_MAX1:
            if len(_sub(lk, path)) > 1:
                fail(rid, location=ctx.xpath(line))
        for ref in _sub(lk, "cac:DocumentReference"):
            if _texts(_findall(ref, "cbc:DocumentTypeCode")) == ["130"]:
                ref_id = _find(ref, "cbc:ID")
                scheme = ref_id.get("schemeID") if ref_id is not None else None
                if scheme is not None and " ".join(scheme.split()) not in UNTDID_1153:
                    fail("BR-CL-07", "BT-128", location=ctx.xpath(ref_id))
        if len(_sub(lk, "cac:Item/cac:ClassifiedTaxCategory")) != 1:
            fail("UBL-SR-48", location=ctx.xpath(line))
    # BR-CO-15 (UBL binding): exactly one TaxAmount in the document currency
    currency = (_text(kids.first("cbc:DocumentCurrencyCode"))).strip()
    if currency:
        n = sum(1 for e in kids.all("cac:TaxTotal/cbc:TaxAmount") if e.get("currencyID") == currency)
        if n > 1:
            fail("BR-CO-15", "BT-110")
    # one pass over all elements: amounts, binary objects, addresses, sub invoice lines
    sub_lines = False
    for el in root.iter(*_SCAN_TAGS):  # C-level tag filter: only the elements these checks look at
        tag = el.tag
        if tag in _AMOUNT_TAGS:
            cur = el.get("currencyID")
            if cur is None or " ".join(cur.split()) not in ISO_4217:
                fail("BR-CL-03", location=ctx.xpath(el))
            text = (el.text or "").strip()
            if (
                "." in text
                and len(text.split(".", 1)[1]) > 2
                and tag != _PRICE_AMOUNT
                and not _under_price(el)
            ):
                fail("UBL-DT-01", location=ctx.xpath(el))
        elif tag == _BINARY:
            if el.get("mimeCode") is None:
                fail("UBL-DT-06", location=ctx.xpath(el))
            if el.get("filename") is None:
                fail("UBL-DT-07", location=ctx.xpath(el))
        elif tag in _ADDRESS_TAGS:
            if sum(1 for c in el.getchildren() if c.tag == _ADDRESS_LINE) > 1:
                fail("UBL-SR-51", location=ctx.xpath(el))
        elif tag == f"{{{CAC}}}SubInvoiceLine":
            sub_lines = True
    if sub_lines:
        fail("UBL-CR-646", "BG-25")
    check_ubl_cr(ctx, root)
    if ctx.is_extension:
        for pp in kids.all("cac:PrepaidPayment"):
            amount = _find(pp, "cbc:PaidAmount")
            if amount is not None and amount.get("currencyID") != currency:
                fail("BR-DEX-14", location=ctx.xpath(amount))


def _text(el: etree._Element | None) -> str:
    return (el.text or "") if el is not None else ""


def _under_price(el: etree._Element) -> bool:
    parent = el.getparent()
    while parent is not None:
        if parent.tag == _PRICE:
            return True
        parent = parent.getparent()
    return False
