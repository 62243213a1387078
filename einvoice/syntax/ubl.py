"""UBL 2.1 Invoice / CreditNote → EN 16931 model (binding as in the CEN/XRechnung UBL syntax binding)."""

from __future__ import annotations

from lxml import etree

from einvoice.domain.model import (
    AdditionalDocument,
    Address,
    AllowanceCharge,
    Attachment,
    CardPayment,
    Contact,
    CreditTransfer,
    Delivery,
    DirectDebit,
    DocumentTotals,
    Identifier,
    Invoice,
    InvoiceLine,
    Item,
    ItemAttribute,
    ItemClassification,
    LineVat,
    Note,
    Party,
    Payee,
    PaymentInstructions,
    Period,
    PrecedingInvoice,
    Price,
    TaxRepresentative,
    ThirdPartyPayment,
    VatBreakdown,
    VatCategory,
)
from einvoice.syntax._common import Kids, Reader, first, index, text_of
from einvoice.syntax.namespaces import CAC, CBC

__all__ = ["read_ubl"]


def _c(name: str) -> str:
    return f"{{{CAC}}}{name}"


def _b(name: str) -> str:
    return f"{{{CBC}}}{name}"


# cbc
ID, NAME, NOTE = _b("ID"), _b("Name"), _b("Note")
ISSUE_DATE, DUE_DATE = _b("IssueDate"), _b("DueDate")
INVOICE_TYPE, CN_TYPE = _b("InvoiceTypeCode"), _b("CreditNoteTypeCode")
DOC_CURRENCY, TAX_CURRENCY = _b("DocumentCurrencyCode"), _b("TaxCurrencyCode")
TAX_POINT_DATE, DESCRIPTION_CODE = _b("TaxPointDate"), _b("DescriptionCode")
BUYER_REFERENCE, ACCOUNTING_COST = _b("BuyerReference"), _b("AccountingCost")
CUSTOMIZATION, PROFILE = _b("CustomizationID"), _b("ProfileID")
START_DATE, END_DATE = _b("StartDate"), _b("EndDate")
SALES_ORDER_ID = _b("SalesOrderID")
DOCUMENT_TYPE_CODE, DOCUMENT_DESCRIPTION = _b("DocumentTypeCode"), _b("DocumentDescription")
ENDPOINT_ID, COMPANY_ID = _b("EndpointID"), _b("CompanyID")
REGISTRATION_NAME, COMPANY_LEGAL_FORM = _b("RegistrationName"), _b("CompanyLegalForm")
STREET, ADDITIONAL_STREET, LINE = _b("StreetName"), _b("AdditionalStreetName"), _b("Line")
CITY, POSTAL_ZONE, SUBENTITY = _b("CityName"), _b("PostalZone"), _b("CountrySubentity")
IDENTIFICATION_CODE = _b("IdentificationCode")
TELEPHONE, EMAIL = _b("Telephone"), _b("ElectronicMail")
ACTUAL_DELIVERY_DATE = _b("ActualDeliveryDate")
PAYMENT_MEANS_CODE, PAYMENT_ID, PAYMENT_DUE_DATE = _b("PaymentMeansCode"), _b("PaymentID"), _b("PaymentDueDate")
PAN, HOLDER_NAME = _b("PrimaryAccountNumberID"), _b("HolderName")
CHARGE_INDICATOR, REASON_CODE, REASON = _b("ChargeIndicator"), _b("AllowanceChargeReasonCode"), _b("AllowanceChargeReason")
MULTIPLIER, AMOUNT, BASE_AMOUNT = _b("MultiplierFactorNumeric"), _b("Amount"), _b("BaseAmount")
PERCENT, EXEMPTION_CODE, EXEMPTION = _b("Percent"), _b("TaxExemptionReasonCode"), _b("TaxExemptionReason")
LINE_EXTENSION, TAX_EXCLUSIVE, TAX_INCLUSIVE = _b("LineExtensionAmount"), _b("TaxExclusiveAmount"), _b("TaxInclusiveAmount")
ALLOWANCE_TOTAL, CHARGE_TOTAL, PREPAID = _b("AllowanceTotalAmount"), _b("ChargeTotalAmount"), _b("PrepaidAmount")
ROUNDING, PAYABLE = _b("PayableRoundingAmount"), _b("PayableAmount")
TAX_AMOUNT, TAXABLE_AMOUNT = _b("TaxAmount"), _b("TaxableAmount")
BINARY, URI = _b("EmbeddedDocumentBinaryObject"), _b("URI")
INVOICED_QTY, CREDITED_QTY, LINE_ID = _b("InvoicedQuantity"), _b("CreditedQuantity"), _b("LineID")
PRICE_AMOUNT, BASE_QUANTITY = _b("PriceAmount"), _b("BaseQuantity")
DESCRIPTION, CLASSIFICATION_CODE, VALUE = _b("Description"), _b("ItemClassificationCode"), _b("Value")
PAID_AMOUNT, INSTRUCTION_ID = _b("PaidAmount"), _b("InstructionID")
# cac
INVOICE_PERIOD, ORDER_REFERENCE = _c("InvoicePeriod"), _c("OrderReference")
BILLING_REFERENCE, INVOICE_DOC_REF = _c("BillingReference"), _c("InvoiceDocumentReference")
DESPATCH_REF, RECEIPT_REF = _c("DespatchDocumentReference"), _c("ReceiptDocumentReference")
ORIGINATOR_REF, CONTRACT_REF = _c("OriginatorDocumentReference"), _c("ContractDocumentReference")
ADDITIONAL_REF, PROJECT_REF = _c("AdditionalDocumentReference"), _c("ProjectReference")
SUPPLIER, CUSTOMER, PAYEE, TAX_REP = (
    _c("AccountingSupplierParty"), _c("AccountingCustomerParty"), _c("PayeeParty"), _c("TaxRepresentativeParty"))
PARTY, PARTY_ID, PARTY_NAME = _c("Party"), _c("PartyIdentification"), _c("PartyName")
POSTAL_ADDRESS, ADDRESS_LINE, COUNTRY = _c("PostalAddress"), _c("AddressLine"), _c("Country")
PARTY_TAX_SCHEME, TAX_SCHEME, LEGAL_ENTITY, CONTACT = (
    _c("PartyTaxScheme"), _c("TaxScheme"), _c("PartyLegalEntity"), _c("Contact"))
DELIVERY, DELIVERY_LOCATION, ADDRESS, DELIVERY_PARTY = (
    _c("Delivery"), _c("DeliveryLocation"), _c("Address"), _c("DeliveryParty"))
PAYMENT_MEANS, PAYEE_ACCOUNT, BRANCH = _c("PaymentMeans"), _c("PayeeFinancialAccount"), _c("FinancialInstitutionBranch")
CARD_ACCOUNT, MANDATE, PAYER_ACCOUNT = _c("CardAccount"), _c("PaymentMandate"), _c("PayerFinancialAccount")
PAYMENT_TERMS, ALLOWANCE_CHARGE, TAX_CATEGORY = _c("PaymentTerms"), _c("AllowanceCharge"), _c("TaxCategory")
TAX_TOTAL, TAX_SUBTOTAL, MONETARY_TOTAL = _c("TaxTotal"), _c("TaxSubtotal"), _c("LegalMonetaryTotal")
ATTACHMENT, EXTERNAL_REF = _c("Attachment"), _c("ExternalReference")
INVOICE_LINE, CREDIT_NOTE_LINE, SUB_LINE = _c("InvoiceLine"), _c("CreditNoteLine"), _c("SubInvoiceLine")
SUB_CN_LINE = _c("SubCreditNoteLine")
DOCUMENT_REF, ORDER_LINE_REF = _c("DocumentReference"), _c("OrderLineReference")
PRICE, ITEM = _c("Price"), _c("Item")
BUYERS_ITEM, SELLERS_ITEM, STANDARD_ITEM = (
    _c("BuyersItemIdentification"), _c("SellersItemIdentification"), _c("StandardItemIdentification"))
ORIGIN_COUNTRY, COMMODITY, CLASSIFIED_TAX = _c("OriginCountry"), _c("CommodityClassification"), _c("ClassifiedTaxCategory")
ITEM_PROPERTY, PREPAID_PAYMENT = _c("AdditionalItemProperty"), _c("PrepaidPayment")


def read_ubl(root: etree._Element, reader: Reader | None = None) -> tuple[Invoice, Reader]:
    """Read a UBL Invoice or CreditNote root (or a fragment shaped like one) into the model."""
    r = reader or Reader()
    k = index(root)
    inv = Invoice()
    inv.specification_id = r.text(k, CUSTOMIZATION, "BT-24")
    inv.business_process = r.text(k, PROFILE, "BT-23")
    inv.number = r.text(k, ID, "BT-1")
    inv.issue_date = r.iso_date(first(k, ISSUE_DATE), "BT-2")
    inv.due_date = r.iso_date(first(k, DUE_DATE), "BT-9")
    inv.type_code = r.text(k, INVOICE_TYPE, "BT-3") if INVOICE_TYPE in k else r.text(k, CN_TYPE, "BT-3")
    for el in k.get(NOTE, ()):
        inv.notes.append(_note(r, el))
    inv.tax_point_date = r.iso_date(first(k, TAX_POINT_DATE), "BT-7")
    inv.currency_code = r.text(k, DOC_CURRENCY, "BT-5")
    inv.tax_currency_code = r.text(k, TAX_CURRENCY, "BT-6")
    inv.buyer_accounting_reference = r.text(k, ACCOUNTING_COST, "BT-19")
    inv.buyer_reference = r.text(k, BUYER_REFERENCE, "BT-10")
    period_el = first(k, INVOICE_PERIOD)
    if period_el is not None:
        pk = index(period_el)
        inv.invoicing_period = _period(r, period_el, "BT-73", "BT-74", "BG-14")
        inv.tax_point_date_code = r.text(pk, DESCRIPTION_CODE, "BT-8")
    order = first(k, ORDER_REFERENCE)
    if order is not None:
        ok = index(order)
        inv.purchase_order_reference = r.text(ok, ID, "BT-13")
        inv.sales_order_reference = r.text(ok, SALES_ORDER_ID, "BT-14")
        if inv.purchase_order_reference == "NA" and inv.sales_order_reference:
            inv.purchase_order_reference = None  # binding convention: "NA" when only BT-14 is known
    for el in k.get(BILLING_REFERENCE, ()):
        ref = first(index(el), INVOICE_DOC_REF)
        if ref is not None:
            rk = index(ref)
            pre = PrecedingInvoice()
            r.locations.bind(pre, ref)
            pre.reference = r.text(rk, ID, "BT-25", pre)
            pre.issue_date = r.iso_date(first(rk, ISSUE_DATE), "BT-26", pre)
            inv.preceding_invoices.append(pre)
    inv.despatch_advice_reference = _ref_id(r, k, DESPATCH_REF, "BT-16")
    inv.receiving_advice_reference = _ref_id(r, k, RECEIPT_REF, "BT-15")
    inv.tender_or_lot_reference = _ref_id(r, k, ORIGINATOR_REF, "BT-17")
    inv.contract_reference = _ref_id(r, k, CONTRACT_REF, "BT-12")
    for el in k.get(ADDITIONAL_REF, ()):
        ak = index(el)
        code = text_of(first(ak, DOCUMENT_TYPE_CODE))
        if code == "130":
            id_el = first(ak, ID)
            if id_el is not None:
                inv.invoiced_object_id = Identifier(r.el_text(id_el, "BT-18") or "", id_el.get("schemeID"))
        elif code == "50" and PROJECT_REF not in k and CN_TYPE in k:
            inv.project_reference = r.text(ak, ID, "BT-11")
        else:
            inv.additional_documents.append(_additional_document(r, el, ak))
    if PROJECT_REF in k:
        inv.project_reference = _ref_id(r, k, PROJECT_REF, "BT-11")
    supplier = first(k, SUPPLIER)
    if supplier is not None:
        inv.seller = _party(r, supplier, inv, seller=True)
    customer = first(k, CUSTOMER)
    if customer is not None:
        inv.buyer = _party(r, customer, inv, seller=False)
    payee = first(k, PAYEE)
    if payee is not None:
        inv.payee = _payee(r, payee, inv)
    rep = first(k, TAX_REP)
    if rep is not None:
        inv.tax_representative = _tax_rep(r, rep)
    delivery = first(k, DELIVERY)
    if delivery is not None:
        inv.delivery = _delivery(r, delivery)
    for el in k.get(PREPAID_PAYMENT, ()):
        pk = index(el)
        tpp = ThirdPartyPayment()
        r.locations.bind(tpp, el)
        tpp.type_code = r.text(pk, ID, "BT-DEX-001", tpp)
        tpp.amount = r.dec(pk, PAID_AMOUNT, "BT-DEX-002", tpp)
        tpp.description = r.text(pk, INSTRUCTION_ID, "BT-DEX-003", tpp)
        inv.third_party_payments.append(tpp)
    means = k.get(PAYMENT_MEANS, ())
    terms = k.get(PAYMENT_TERMS, ())
    if means:
        inv.payment = _payment(r, means, inv)
        if inv.due_date is None:
            inv.due_date = r.iso_date(first(index(means[0]), PAYMENT_DUE_DATE), "BT-9")
    if terms:
        # several PaymentTerms/Note are joined (UBL allows 0..n; EN 16931 has one BT-20)
        notes = [r.text(index(t), NOTE, "BT-20", raw=True) for t in terms]
        joined = [n for n in notes if n is not None]
        inv.payment_terms = "\n".join(joined) if joined else None
    for el in k.get(ALLOWANCE_CHARGE, ()):
        ac = _allowance_charge(r, el, document_level=True)
        (inv.charges if ac.is_charge else inv.allowances).append(ac)
    _tax_totals(r, k, inv)
    mt = first(k, MONETARY_TOTAL)
    if mt is not None:
        mk = index(mt)
        tot = DocumentTotals()
        r.locations.bind(tot, mt)
        r.locations.add("BG-22", mt)
        tot.line_net_total = r.dec(mk, LINE_EXTENSION, "BT-106")
        tot.tax_exclusive = r.dec(mk, TAX_EXCLUSIVE, "BT-109")
        tot.tax_inclusive = r.dec(mk, TAX_INCLUSIVE, "BT-112")
        tot.allowance_total = r.dec(mk, ALLOWANCE_TOTAL, "BT-107")
        tot.charge_total = r.dec(mk, CHARGE_TOTAL, "BT-108")
        tot.prepaid = r.dec(mk, PREPAID, "BT-113")
        tot.rounding = r.dec(mk, ROUNDING, "BT-114")
        tot.payable = r.dec(mk, PAYABLE, "BT-115")
        if inv.totals is not None:  # VAT totals were read first
            tot.vat_total = inv.totals.vat_total
            tot.vat_total_tax_currency = inv.totals.vat_total_tax_currency
        inv.totals = tot
    for el in k.get(INVOICE_LINE, ()) or k.get(CREDIT_NOTE_LINE, ()):
        inv.lines.append(_line(r, el))
    return inv, r


def _note(r: Reader, el: etree._Element) -> Note:
    """BG-1: UBL carries BT-21 as a ``#CODE#`` prefix of the note text (CEN/Peppol convention)."""
    text = r.el_text(el, "BT-22") or ""
    note = Note(text=text)
    r.locations.bind(note, el)
    if text.startswith("#") and text.count("#") >= 2:
        code, _, rest = text[1:].partition("#")
        if 0 < len(code) <= 3 and code.isalpha() and code.isupper():
            note.subject_code, note.text = code, rest
            r.locations.add("BT-21", el, note)
    return note


def _ref_id(r: Reader, k: Kids, tag: str, term: str) -> str | None:
    el = first(k, tag)
    if el is None:
        return None
    return r.text(index(el), ID, term)


def _period(r: Reader, el: etree._Element, start: str, end: str, group: str) -> Period:
    pk = index(el)
    p = Period()
    r.locations.bind(p, el)
    r.locations.add(group, el)
    p.start = r.iso_date(first(pk, START_DATE), start, p)
    p.end = r.iso_date(first(pk, END_DATE), end, p)
    return p


def _identifier(r: Reader, el: etree._Element | None, term: str, obj: object | None = None) -> Identifier | None:
    if el is None:
        return None
    return Identifier(r.el_text(el, term, obj) or "", el.get("schemeID"), el.get("schemeVersionID"))


def _address(r: Reader, el: etree._Element, terms: tuple[str, ...]) -> Address:
    """``terms``: group, line1, line2, line3, city, post code, subdivision, country."""
    ak = index(el)
    a = Address()
    r.locations.bind(a, el)
    r.locations.add(terms[0], el)
    a.line1 = r.text(ak, STREET, terms[1], a)
    a.line2 = r.text(ak, ADDITIONAL_STREET, terms[2], a)
    line = first(ak, ADDRESS_LINE)
    if line is not None:
        a.line3 = r.text(index(line), LINE, terms[3], a)
    a.city = r.text(ak, CITY, terms[4], a)
    a.post_code = r.text(ak, POSTAL_ZONE, terms[5], a)
    a.country_subdivision = r.text(ak, SUBENTITY, terms[6], a)
    country = first(ak, COUNTRY)
    if country is not None:
        a.country_code = r.text(index(country), IDENTIFICATION_CODE, terms[7], a)
    return a


SELLER_ADDRESS = ("BG-5", "BT-35", "BT-36", "BT-162", "BT-37", "BT-38", "BT-39", "BT-40")
BUYER_ADDRESS = ("BG-8", "BT-50", "BT-51", "BT-163", "BT-52", "BT-53", "BT-54", "BT-55")
TAXREP_ADDRESS = ("BG-12", "BT-64", "BT-65", "BT-164", "BT-66", "BT-67", "BT-68", "BT-69")
DELIVERY_ADDRESS = ("BG-15", "BT-75", "BT-76", "BT-165", "BT-77", "BT-78", "BT-79", "BT-80")


def _direct_debit(inv: Invoice) -> DirectDebit:
    if inv.payment is None:
        inv.payment = PaymentInstructions()
    if inv.payment.direct_debit is None:
        inv.payment.direct_debit = DirectDebit()
    return inv.payment.direct_debit


def _party(r: Reader, wrapper: etree._Element, inv: Invoice, *, seller: bool) -> Party:
    p = Party()
    party_el = first(index(wrapper), PARTY)
    r.locations.bind(p, wrapper)
    r.locations.add("BG-4" if seller else "BG-7", wrapper)
    if party_el is None:
        return p
    k = index(party_el)
    t = ("BT-34", "BT-29", "BT-28", "BT-31", "BT-32", "BT-27", "BT-30", "BT-33") if seller else (
        "BT-49", "BT-46", "BT-45", "BT-48", "BT-48", "BT-44", "BT-47", "BT-33")
    p.electronic_address = _identifier(r, first(k, ENDPOINT_ID), t[0], p)
    for pid in k.get(PARTY_ID, ()):
        id_el = first(index(pid), ID)
        if id_el is None:
            continue
        if seller and id_el.get("schemeID") == "SEPA":
            _direct_debit(inv).creditor_id = r.el_text(id_el, "BT-90")
            continue
        ident = _identifier(r, id_el, t[1], p)
        if ident is not None:
            p.identifiers.append(ident)
    name = first(k, PARTY_NAME)
    if name is not None:
        p.trading_name = r.text(index(name), NAME, t[2], p)
    addr = first(k, POSTAL_ADDRESS)
    if addr is not None:
        p.address = _address(r, addr, SELLER_ADDRESS if seller else BUYER_ADDRESS)
    for pts in k.get(PARTY_TAX_SCHEME, ()):
        tk = index(pts)
        scheme = first(tk, TAX_SCHEME)
        scheme_id = text_of(first(index(scheme), ID)) if scheme is not None else None
        if scheme_id == "VAT":
            p.vat_id = r.text(tk, COMPANY_ID, t[3], p)
        else:  # seller: BT-32; buyer: a non-VAT registration, kept for display (not EN 16931)
            p.tax_registration_id = r.text(tk, COMPANY_ID, t[4], p)
    legal = first(k, LEGAL_ENTITY)
    if legal is not None:
        lk = index(legal)
        p.name = r.text(lk, REGISTRATION_NAME, t[5], p)
        p.legal_registration_id = _identifier(r, first(lk, COMPANY_ID), t[6], p)
        if seller:
            p.legal_info = r.text(lk, COMPANY_LEGAL_FORM, t[7], p)
    contact = first(k, CONTACT)
    if contact is not None:
        ck = index(contact)
        c = Contact()
        r.locations.bind(c, contact)
        r.locations.add("BG-6" if seller else "BG-9", contact)
        ct = ("BT-41", "BT-42", "BT-43") if seller else ("BT-56", "BT-57", "BT-58")
        c.name = r.text(ck, NAME, ct[0], c)
        c.telephone = r.text(ck, TELEPHONE, ct[1], c)
        c.email = r.text(ck, EMAIL, ct[2], c)
        p.contact = c
    return p


def _payee(r: Reader, el: etree._Element, inv: Invoice) -> Payee:
    k = index(el)
    p = Payee()
    r.locations.bind(p, el)
    r.locations.add("BG-10", el)
    for pid in k.get(PARTY_ID, ()):
        id_el = first(index(pid), ID)
        if id_el is None:
            continue
        if id_el.get("schemeID") == "SEPA":
            _direct_debit(inv).creditor_id = r.el_text(id_el, "BT-90")
        elif p.identifier is None:
            p.identifier = _identifier(r, id_el, "BT-60", p)
    name = first(k, PARTY_NAME)
    if name is not None:
        p.name = r.text(index(name), NAME, "BT-59", p)
    legal = first(k, LEGAL_ENTITY)
    if legal is not None:
        p.legal_registration_id = _identifier(r, first(index(legal), COMPANY_ID), "BT-61", p)
    return p


def _tax_rep(r: Reader, el: etree._Element) -> TaxRepresentative:
    k = index(el)
    t = TaxRepresentative()
    r.locations.bind(t, el)
    r.locations.add("BG-11", el)
    name = first(k, PARTY_NAME)
    if name is not None:
        t.name = r.text(index(name), NAME, "BT-62", t)
    addr = first(k, POSTAL_ADDRESS)
    if addr is not None:
        t.address = _address(r, addr, TAXREP_ADDRESS)
    pts = first(k, PARTY_TAX_SCHEME)
    if pts is not None:
        t.vat_id = r.text(index(pts), COMPANY_ID, "BT-63", t)
    return t


def _delivery(r: Reader, el: etree._Element) -> Delivery:
    k = index(el)
    d = Delivery()
    r.locations.bind(d, el)
    r.locations.add("BG-13", el)
    d.actual_date = r.iso_date(first(k, ACTUAL_DELIVERY_DATE), "BT-72", d)
    loc = first(k, DELIVERY_LOCATION)
    if loc is not None:
        lk = index(loc)
        d.location_id = _identifier(r, first(lk, ID), "BT-71", d)
        addr = first(lk, ADDRESS)
        if addr is not None:
            d.address = _address(r, addr, DELIVERY_ADDRESS)
    party = first(k, DELIVERY_PARTY)
    if party is not None:
        pn = first(index(party), PARTY_NAME)
        if pn is not None:
            d.party_name = r.text(index(pn), NAME, "BT-70", d)
    return d


def _payment(r: Reader, means: list[etree._Element], inv: Invoice) -> PaymentInstructions:
    pay = inv.payment or PaymentInstructions()
    r.locations.bind(pay, means[0])
    r.locations.add("BG-16", means[0])
    for el in means:
        k = index(el)
        code_el = first(k, PAYMENT_MEANS_CODE)
        if code_el is not None and pay.means_code is None:
            pay.means_code = r.el_text(code_el, "BT-81", pay)
            if code_el.get("name") is not None:
                pay.means_text = code_el.get("name")
                r.locations.add("BT-82", code_el, pay)
        if pay.remittance_information is None:
            pay.remittance_information = r.text(k, PAYMENT_ID, "BT-83", pay)
        for acc in k.get(PAYEE_ACCOUNT, ()):
            ak = index(acc)
            ct = CreditTransfer()
            r.locations.bind(ct, acc)
            r.locations.add("BG-17", acc)
            ct.account_id = r.text(ak, ID, "BT-84", ct)
            ct.account_name = r.text(ak, NAME, "BT-85", ct)
            branch = first(ak, BRANCH)
            if branch is not None:
                ct.service_provider_id = r.text(index(branch), ID, "BT-86", ct)
            pay.credit_transfers.append(ct)
        card = first(k, CARD_ACCOUNT)
        if card is not None and pay.card is None:
            ck = index(card)
            cp = CardPayment()
            r.locations.bind(cp, card)
            r.locations.add("BG-18", card)
            cp.account_number = r.text(ck, PAN, "BT-87", cp)
            cp.holder_name = r.text(ck, HOLDER_NAME, "BT-88", cp)
            pay.card = cp
        mandate = first(k, MANDATE)
        if mandate is not None:
            mk = index(mandate)
            dd = pay.direct_debit or DirectDebit()
            r.locations.bind(dd, mandate)
            r.locations.add("BG-19", mandate)
            dd.mandate_reference = r.text(mk, ID, "BT-89", dd)
            payer = first(mk, PAYER_ACCOUNT)
            if payer is not None:
                dd.debited_account_id = r.text(index(payer), ID, "BT-91", dd)
            pay.direct_debit = dd
    return pay


_AC_TERMS = {
    # (is_charge, document_level) -> amount, base, percentage, category, rate, reason, reason code, group
    (False, True): ("BT-92", "BT-93", "BT-94", "BT-95", "BT-96", "BT-97", "BT-98", "BG-20"),
    (True, True): ("BT-99", "BT-100", "BT-101", "BT-102", "BT-103", "BT-104", "BT-105", "BG-21"),
    (False, False): ("BT-136", "BT-137", "BT-138", "", "", "BT-139", "BT-140", "BG-27"),
    (True, False): ("BT-141", "BT-142", "BT-143", "", "", "BT-144", "BT-145", "BG-28"),
}


def _allowance_charge(r: Reader, el: etree._Element, *, document_level: bool) -> AllowanceCharge:
    k = index(el)
    ind = first(k, CHARGE_INDICATOR)
    is_charge = ind is not None and (ind.text or "").strip().lower() == "true"
    t = _AC_TERMS[(is_charge, document_level)]
    ac = AllowanceCharge(is_charge=is_charge)
    r.locations.bind(ac, el)
    r.locations.add(t[7], el, ac)
    ac.amount = r.dec(k, AMOUNT, t[0], ac)
    ac.base_amount = r.dec(k, BASE_AMOUNT, t[1], ac)
    ac.percentage = r.dec(k, MULTIPLIER, t[2], ac)
    if document_level:
        cat = first(k, TAX_CATEGORY)
        if cat is not None:
            ck = index(cat)
            ac.vat_category = VatCategory.parse(r.text(ck, ID, t[3], ac))
            ac.vat_rate = r.dec(ck, PERCENT, t[4], ac)
    ac.reason = r.text(k, REASON, t[5], ac)
    ac.reason_code = r.text(k, REASON_CODE, t[6], ac)
    return ac


def _tax_totals(r: Reader, k: Kids, inv: Invoice) -> None:
    """BT-110 is the TaxTotal in the invoice currency (the one with subtotals), BT-111 the one in BT-6."""
    totals = k.get(TAX_TOTAL, ())
    if not totals:
        return
    tot = inv.totals or DocumentTotals()
    for el in totals:
        tk = index(el)
        amount_el = first(tk, TAX_AMOUNT)
        subtotals = tk.get(TAX_SUBTOTAL, ())
        cur = amount_el.get("currencyID") if amount_el is not None else None
        in_tax_currency = (
            not subtotals and inv.tax_currency_code is not None and cur == inv.tax_currency_code
            and cur != inv.currency_code
        ) or (tot.vat_total is not None and not subtotals)
        if in_tax_currency:
            tot.vat_total_tax_currency = r.decimal(amount_el, "BT-111")
        else:
            tot.vat_total = r.decimal(amount_el, "BT-110")
        for sub in subtotals:
            sk = index(sub)
            vb = VatBreakdown()
            r.locations.bind(vb, sub)
            r.locations.add("BG-23", sub, vb)
            vb.taxable_amount = r.dec(sk, TAXABLE_AMOUNT, "BT-116", vb)
            vb.tax_amount = r.dec(sk, TAX_AMOUNT, "BT-117", vb)
            cat = first(sk, TAX_CATEGORY)
            if cat is not None:
                ck = index(cat)
                vb.category = VatCategory.parse(r.text(ck, ID, "BT-118", vb))
                vb.rate = r.dec(ck, PERCENT, "BT-119", vb)
                vb.exemption_reason_code = r.text(ck, EXEMPTION_CODE, "BT-121", vb)
                vb.exemption_reason = r.text(ck, EXEMPTION, "BT-120", vb)
            inv.vat_breakdown.append(vb)
    inv.totals = tot


def _additional_document(r: Reader, el: etree._Element, k: Kids) -> AdditionalDocument:
    doc = AdditionalDocument()
    r.locations.bind(doc, el)
    r.locations.add("BG-24", el, doc)
    doc.reference = r.text(k, ID, "BT-122", doc)
    doc.description = r.text(k, DOCUMENT_DESCRIPTION, "BT-123", doc)
    att = first(k, ATTACHMENT)
    if att is not None:
        atk = index(att)
        bin_el = first(atk, BINARY)
        if bin_el is not None:
            doc.attachment = Attachment(
                encoded=r.b64(bin_el, "BT-125", doc), mime_code=bin_el.get("mimeCode"), filename=bin_el.get("filename"))
        ext = first(atk, EXTERNAL_REF)
        if ext is not None:
            doc.external_uri = r.text(index(ext), URI, "BT-124", doc)
    return doc


def _line(r: Reader, el: etree._Element) -> InvoiceLine:
    k = index(el)
    line = InvoiceLine()
    r.locations.bind(line, el)
    r.locations.add("BG-25", el, line)
    line.id = r.text(k, ID, "BT-126", line)
    line.note = r.text(k, NOTE, "BT-127", line)
    qty = first(k, INVOICED_QTY)
    if qty is None:
        qty = first(k, CREDITED_QTY)
    if qty is not None:
        line.quantity = r.decimal(qty, "BT-129", line)
        line.unit_code = qty.get("unitCode")
        r.locations.add("BT-130", qty, line)
    line.net_amount = r.dec(k, LINE_EXTENSION, "BT-131", line)
    line.buyer_accounting_reference = r.text(k, ACCOUNTING_COST, "BT-133", line)
    period = first(k, INVOICE_PERIOD)
    if period is not None:
        line.period = _period(r, period, "BT-134", "BT-135", "BG-26")
    olr = first(k, ORDER_LINE_REF)
    if olr is not None:
        line.order_line_reference = r.text(index(olr), LINE_ID, "BT-132", line)
    for dr in k.get(DOCUMENT_REF, ()):
        dk = index(dr)
        if line.object_id is None:
            line.object_id = _identifier(r, first(dk, ID), "BT-128", line)
    for ac_el in k.get(ALLOWANCE_CHARGE, ()):
        ac = _allowance_charge(r, ac_el, document_level=False)
        (line.charges if ac.is_charge else line.allowances).append(ac)
    item_el = first(k, ITEM)
    if item_el is not None:
        line.item, line.vat = _item(r, item_el)
    price_el = first(k, PRICE)
    if price_el is not None:
        line.price = _price(r, price_el)
    for sub in k.get(SUB_LINE, ()) or k.get(SUB_CN_LINE, ()):
        line.sub_lines.append(_line(r, sub))
    return line


def _item(r: Reader, el: etree._Element) -> tuple[Item, LineVat | None]:
    k = index(el)
    item = Item()
    r.locations.bind(item, el)
    r.locations.add("BG-31", el, item)
    item.description = r.text(k, DESCRIPTION, "BT-154", item)
    item.name = r.text(k, NAME, "BT-153", item)
    for tag, attr, term in ((BUYERS_ITEM, "buyer_id", "BT-156"), (SELLERS_ITEM, "seller_id", "BT-155")):
        sub = first(k, tag)
        if sub is not None:
            setattr(item, attr, r.text(index(sub), ID, term, item))
    std = first(k, STANDARD_ITEM)
    if std is not None:
        item.standard_id = _identifier(r, first(index(std), ID), "BT-157", item)
    origin = first(k, ORIGIN_COUNTRY)
    if origin is not None:
        item.origin_country = r.text(index(origin), IDENTIFICATION_CODE, "BT-159", item)
    for cc in k.get(COMMODITY, ()):
        code = first(index(cc), CLASSIFICATION_CODE)
        if code is not None:
            item.classifications.append(
                ItemClassification(r.el_text(code, "BT-158", item) or "", code.get("listID"), code.get("listVersionID")))
    vat: LineVat | None = None
    cat = first(k, CLASSIFIED_TAX)
    if cat is not None:
        ck = index(cat)
        vat = LineVat()
        r.locations.bind(vat, cat)
        r.locations.add("BG-30", cat, vat)
        vat.category = VatCategory.parse(r.text(ck, ID, "BT-151", vat))
        vat.rate = r.dec(ck, PERCENT, "BT-152", vat)
    for prop in k.get(ITEM_PROPERTY, ()):
        pk = index(prop)
        attr_ = ItemAttribute()
        r.locations.bind(attr_, prop)
        attr_.name = r.text(pk, NAME, "BT-160", attr_)
        attr_.value = r.text(pk, VALUE, "BT-161", attr_)
        item.attributes.append(attr_)
    return item, vat


def _price(r: Reader, el: etree._Element) -> Price:
    k = index(el)
    p = Price()
    r.locations.bind(p, el)
    r.locations.add("BG-29", el, p)
    p.net_price = r.dec(k, PRICE_AMOUNT, "BT-146", p)
    bq = first(k, BASE_QUANTITY)
    if bq is not None:
        p.base_quantity = r.decimal(bq, "BT-149", p)
        p.base_quantity_unit = bq.get("unitCode")
        if p.base_quantity_unit is not None:
            r.locations.add("BT-150", bq, p)
    ac = first(k, ALLOWANCE_CHARGE)
    if ac is not None:
        ak = index(ac)
        p.discount = r.dec(ak, AMOUNT, "BT-147", p)
        p.gross_price = r.dec(ak, BASE_AMOUNT, "BT-148", p)
    return p
