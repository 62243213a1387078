"""UN/CEFACT CII D16B (CrossIndustryInvoice, incl. Factur-X/ZUGFeRD 2.x and XRechnung CII) → model.

BG-DEX-09 (third party payment) has no CII binding in XRechnung (UBL only); ``ram:SpecifiedLogisticsServiceCharge``
is a Factur-X EXTENDED logistics charge and not EN 16931 content, so it is not read into the model.
"""

from __future__ import annotations

from datetime import date

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
    VatBreakdown,
    VatCategory,
)
from einvoice.syntax._common import Kids, Reader, first, index, text_of
from einvoice.syntax.namespaces import QDT, RAM, RSM, UDT

__all__ = ["read_cii", "read_cii_like"]


def _r(name: str) -> str:
    return f"{{{RAM}}}{name}"


# rsm
CONTEXT, DOCUMENT, TRANSACTION = f"{{{RSM}}}ExchangedDocumentContext", f"{{{RSM}}}ExchangedDocument", f"{{{RSM}}}SupplyChainTradeTransaction"
# udt / qdt
DATE_TIME_STRING, DATE_STRING = f"{{{UDT}}}DateTimeString", f"{{{UDT}}}DateString"
QDT_DATE_TIME_STRING, INDICATOR = f"{{{QDT}}}DateTimeString", f"{{{UDT}}}Indicator"
# ram
ID, NAME, TYPE_CODE, DESCRIPTION = _r("ID"), _r("Name"), _r("TypeCode"), _r("Description")
GUIDELINE, BUSINESS_PROCESS = _r("GuidelineSpecifiedDocumentContextParameter"), _r("BusinessProcessSpecifiedDocumentContextParameter")
ISSUE_DATE_TIME, INCLUDED_NOTE, CONTENT, SUBJECT_CODE = _r("IssueDateTime"), _r("IncludedNote"), _r("Content"), _r("SubjectCode")
LINE_ITEM, AGREEMENT, DELIVERY, SETTLEMENT = (
    _r("IncludedSupplyChainTradeLineItem"), _r("ApplicableHeaderTradeAgreement"),
    _r("ApplicableHeaderTradeDelivery"), _r("ApplicableHeaderTradeSettlement"))
BUYER_REFERENCE, SELLER_PARTY, BUYER_PARTY, TAX_REP_PARTY = (
    _r("BuyerReference"), _r("SellerTradeParty"), _r("BuyerTradeParty"), _r("SellerTaxRepresentativeTradeParty"))
SELLER_ORDER, BUYER_ORDER, CONTRACT, ADDITIONAL_DOC, PROJECT = (
    _r("SellerOrderReferencedDocument"), _r("BuyerOrderReferencedDocument"), _r("ContractReferencedDocument"),
    _r("AdditionalReferencedDocument"), _r("SpecifiedProcuringProject"))
ISSUER_ID, REFERENCE_TYPE_CODE, URIID, ATTACHMENT_BINARY, LINE_ID = (
    _r("IssuerAssignedID"), _r("ReferenceTypeCode"), _r("URIID"), _r("AttachmentBinaryObject"), _r("LineID"))
GLOBAL_ID, LEGAL_ORG, TRADING_NAME, CONTACT = (
    _r("GlobalID"), _r("SpecifiedLegalOrganization"), _r("TradingBusinessName"), _r("DefinedTradeContact"))
PERSON_NAME, DEPARTMENT_NAME, PHONE, COMPLETE_NUMBER, EMAIL = (
    _r("PersonName"), _r("DepartmentName"), _r("TelephoneUniversalCommunication"), _r("CompleteNumber"),
    _r("EmailURIUniversalCommunication"))
POSTAL_ADDRESS, POSTCODE, LINE_ONE, LINE_TWO, LINE_THREE, CITY, COUNTRY_ID, SUBDIVISION = (
    _r("PostalTradeAddress"), _r("PostcodeCode"), _r("LineOne"), _r("LineTwo"), _r("LineThree"), _r("CityName"),
    _r("CountryID"), _r("CountrySubDivisionName"))
URI_COMMUNICATION, TAX_REGISTRATION = _r("URIUniversalCommunication"), _r("SpecifiedTaxRegistration")
SHIP_TO, DELIVERY_EVENT, OCCURRENCE, DESPATCH_ADVICE, RECEIVING_ADVICE = (
    _r("ShipToTradeParty"), _r("ActualDeliverySupplyChainEvent"), _r("OccurrenceDateTime"),
    _r("DespatchAdviceReferencedDocument"), _r("ReceivingAdviceReferencedDocument"))
CREDITOR_REF, PAYMENT_REF, TAX_CURRENCY, INVOICE_CURRENCY, PAYEE_PARTY = (
    _r("CreditorReferenceID"), _r("PaymentReference"), _r("TaxCurrencyCode"), _r("InvoiceCurrencyCode"),
    _r("PayeeTradeParty"))
PAYMENT_MEANS, INFORMATION, CARD, CARD_HOLDER = (
    _r("SpecifiedTradeSettlementPaymentMeans"), _r("Information"), _r("ApplicableTradeSettlementFinancialCard"),
    _r("CardholderName"))
PAYER_ACCOUNT, PAYEE_ACCOUNT, PAYEE_INSTITUTION, IBAN, PROPRIETARY_ID, ACCOUNT_NAME, BIC = (
    _r("PayerPartyDebtorFinancialAccount"), _r("PayeePartyCreditorFinancialAccount"),
    _r("PayeeSpecifiedCreditorFinancialInstitution"), _r("IBANID"), _r("ProprietaryID"), _r("AccountName"), _r("BICID"))
TRADE_TAX, CALCULATED_AMOUNT, EXEMPTION_REASON, BASIS_AMOUNT, CATEGORY_CODE, EXEMPTION_CODE = (
    _r("ApplicableTradeTax"), _r("CalculatedAmount"), _r("ExemptionReason"), _r("BasisAmount"), _r("CategoryCode"),
    _r("ExemptionReasonCode"))
TAX_POINT_DATE, DUE_DATE_TYPE_CODE, RATE = _r("TaxPointDate"), _r("DueDateTypeCode"), _r("RateApplicablePercent")
BILLING_PERIOD, START, END = _r("BillingSpecifiedPeriod"), _r("StartDateTime"), _r("EndDateTime")
ALLOWANCE_CHARGE, CHARGE_INDICATOR, PERCENT, ACTUAL_AMOUNT, REASON_CODE, REASON, CATEGORY_TAX = (
    _r("SpecifiedTradeAllowanceCharge"), _r("ChargeIndicator"), _r("CalculationPercent"), _r("ActualAmount"),
    _r("ReasonCode"), _r("Reason"), _r("CategoryTradeTax"))
PAYMENT_TERMS, DUE_DATE, MANDATE = _r("SpecifiedTradePaymentTerms"), _r("DueDateDateTime"), _r("DirectDebitMandateID")
SUMMATION = _r("SpecifiedTradeSettlementHeaderMonetarySummation")
LINE_TOTAL, CHARGE_TOTAL, ALLOWANCE_TOTAL, TAX_BASIS, TAX_TOTAL, ROUNDING, GRAND_TOTAL, PREPAID, DUE_PAYABLE = (
    _r("LineTotalAmount"), _r("ChargeTotalAmount"), _r("AllowanceTotalAmount"), _r("TaxBasisTotalAmount"),
    _r("TaxTotalAmount"), _r("RoundingAmount"), _r("GrandTotalAmount"), _r("TotalPrepaidAmount"),
    _r("DuePayableAmount"))
INVOICE_REF, FORMATTED_ISSUE, ACCOUNTING_ACCOUNT = (
    _r("InvoiceReferencedDocument"), _r("FormattedIssueDateTime"), _r("ReceivableSpecifiedTradeAccountingAccount"))
# line
LINE_DOC, PARENT_LINE_ID, PRODUCT, LINE_AGREEMENT, LINE_DELIVERY, LINE_SETTLEMENT = (
    _r("AssociatedDocumentLineDocument"), _r("ParentLineID"), _r("SpecifiedTradeProduct"),
    _r("SpecifiedLineTradeAgreement"), _r("SpecifiedLineTradeDelivery"), _r("SpecifiedLineTradeSettlement"))
SELLER_ASSIGNED, BUYER_ASSIGNED, CHARACTERISTIC, VALUE, CLASSIFICATION, CLASS_CODE, ORIGIN = (
    _r("SellerAssignedID"), _r("BuyerAssignedID"), _r("ApplicableProductCharacteristic"), _r("Value"),
    _r("DesignatedProductClassification"), _r("ClassCode"), _r("OriginTradeCountry"))
GROSS_PRICE, NET_PRICE, CHARGE_AMOUNT, BASIS_QUANTITY, APPLIED_AC = (
    _r("GrossPriceProductTradePrice"), _r("NetPriceProductTradePrice"), _r("ChargeAmount"), _r("BasisQuantity"),
    _r("AppliedTradeAllowanceCharge"))
BILLED_QUANTITY, LINE_SUMMATION = _r("BilledQuantity"), _r("SpecifiedTradeSettlementLineMonetarySummation")


def read_cii(root: etree._Element, reader: Reader | None = None) -> tuple[Invoice, Reader]:
    """Read a CII CrossIndustryInvoice root (or a fragment shaped like one) into the model."""
    return read_cii_like(root, reader)


def _date(r: Reader, el: etree._Element | None, term: str, obj: object | None = None) -> date | None:
    """A CII date wrapper (``…DateTime``/``TaxPointDate``): reads its udt/qdt date string child."""
    if el is None:
        return None
    k = index(el)
    inner = first(k, DATE_TIME_STRING)
    if inner is None:
        inner = first(k, DATE_STRING)
    if inner is None:
        inner = first(k, QDT_DATE_TIME_STRING)
    if inner is None:
        r.locations.add(term, el, obj)
        return None
    return r.date_102(inner, term, obj)


def read_cii_like(root: etree._Element, reader: Reader | None = None) -> tuple[Invoice, Reader]:
    """Read CII D16B; the implementation behind :func:`read_cii`."""
    r = reader or Reader()
    k = index(root)
    inv = Invoice()
    ctx = first(k, CONTEXT)
    if ctx is not None:
        ck = index(ctx)
        bp = first(ck, BUSINESS_PROCESS)
        if bp is not None:
            inv.business_process = r.text(index(bp), ID, "BT-23")
        gl = first(ck, GUIDELINE)
        if gl is not None:
            inv.specification_id = r.text(index(gl), ID, "BT-24")
    doc = first(k, DOCUMENT)
    if doc is not None:
        dk = index(doc)
        inv.number = r.text(dk, ID, "BT-1")
        inv.type_code = r.text(dk, TYPE_CODE, "BT-3")
        inv.issue_date = _date(r, first(dk, ISSUE_DATE_TIME), "BT-2")
        for note_el in dk.get(INCLUDED_NOTE, ()):
            nk = index(note_el)
            note = Note()
            r.locations.bind(note, note_el)
            r.locations.add("BG-1", note_el, note)
            note.text = r.text(nk, CONTENT, "BT-22", note)
            note.subject_code = r.text(nk, SUBJECT_CODE, "BT-21", note)
            inv.notes.append(note)
    trans = first(k, TRANSACTION)
    if trans is None:
        return inv, r
    tk = index(trans)
    agreement = first(tk, AGREEMENT)
    if agreement is not None:
        _agreement(r, index(agreement), inv)
    delivery = first(tk, DELIVERY)
    if delivery is not None:
        _delivery(r, delivery, inv)
    settlement = first(tk, SETTLEMENT)
    if settlement is not None:
        _settlement(r, index(settlement), settlement, inv)
    _lines(r, tk.get(LINE_ITEM, ()), inv)
    return inv, r


def _ref(r: Reader, k: Kids, tag: str, term: str) -> str | None:
    el = first(k, tag)
    return r.text(index(el), ISSUER_ID, term) if el is not None else None


def _agreement(r: Reader, k: Kids, inv: Invoice) -> None:
    inv.buyer_reference = r.text(k, BUYER_REFERENCE, "BT-10")
    seller = first(k, SELLER_PARTY)
    if seller is not None:
        inv.seller = _party(r, seller, seller_role=True)
    buyer = first(k, BUYER_PARTY)
    if buyer is not None:
        inv.buyer = _party(r, buyer, seller_role=False)
    rep = first(k, TAX_REP_PARTY)
    if rep is not None:
        rk = index(rep)
        t = TaxRepresentative()
        r.locations.bind(t, rep)
        r.locations.add("BG-11", rep)
        t.name = r.text(rk, NAME, "BT-62", t)
        addr = first(rk, POSTAL_ADDRESS)
        if addr is not None:
            t.address = _address(r, addr, TAXREP_ADDRESS)
        for reg in rk.get(TAX_REGISTRATION, ()):
            id_el = first(index(reg), ID)
            if id_el is not None and t.vat_id is None:
                t.vat_id = r.el_text(id_el, "BT-63", t)
        inv.tax_representative = t
    inv.sales_order_reference = _ref(r, k, SELLER_ORDER, "BT-14")
    inv.purchase_order_reference = _ref(r, k, BUYER_ORDER, "BT-13")
    inv.contract_reference = _ref(r, k, CONTRACT, "BT-12")
    for el in k.get(ADDITIONAL_DOC, ()):
        ak = index(el)
        code_el = first(ak, TYPE_CODE)
        code = (code_el.text or "").strip() if code_el is not None else None
        if code == "50":
            inv.tender_or_lot_reference = r.text(ak, ISSUER_ID, "BT-17")
        elif code == "130":
            id_el = first(ak, ISSUER_ID)
            if id_el is not None:
                scheme = first(ak, REFERENCE_TYPE_CODE)
                inv.invoiced_object_id = Identifier(
                    r.el_text(id_el, "BT-18") or "", (scheme.text or "").strip() if scheme is not None else None)
        else:
            inv.additional_documents.append(_additional_document(r, el, ak))
    project = first(k, PROJECT)
    if project is not None:
        inv.project_reference = r.text(index(project), ID, "BT-11")


SELLER_ADDRESS = ("BG-5", "BT-35", "BT-36", "BT-162", "BT-37", "BT-38", "BT-39", "BT-40")
BUYER_ADDRESS = ("BG-8", "BT-50", "BT-51", "BT-163", "BT-52", "BT-53", "BT-54", "BT-55")
TAXREP_ADDRESS = ("BG-12", "BT-64", "BT-65", "BT-164", "BT-66", "BT-67", "BT-68", "BT-69")
DELIVERY_ADDRESS = ("BG-15", "BT-75", "BT-76", "BT-165", "BT-77", "BT-78", "BT-79", "BT-80")


def _address(r: Reader, el: etree._Element, terms: tuple[str, ...]) -> Address:
    k = index(el)
    a = Address()
    r.locations.bind(a, el)
    r.locations.add(terms[0], el)
    a.line1 = r.text(k, LINE_ONE, terms[1], a)
    a.line2 = r.text(k, LINE_TWO, terms[2], a)
    a.line3 = r.text(k, LINE_THREE, terms[3], a)
    a.city = r.text(k, CITY, terms[4], a)
    a.post_code = r.text(k, POSTCODE, terms[5], a)
    a.country_subdivision = r.text(k, SUBDIVISION, terms[6], a)
    a.country_code = r.text(k, COUNTRY_ID, terms[7], a)
    return a


def _identifier(r: Reader, el: etree._Element | None, term: str, obj: object | None = None) -> Identifier | None:
    if el is None:
        return None
    return Identifier(r.el_text(el, term, obj) or "", el.get("schemeID"), el.get("schemeVersionID"))


def _party(r: Reader, el: etree._Element, *, seller_role: bool) -> Party:
    k = index(el)
    p = Party()
    r.locations.bind(p, el)
    r.locations.add("BG-4" if seller_role else "BG-7", el)
    t = ("BT-29", "BT-27", "BT-33", "BT-30", "BT-28", "BT-34", "BT-31", "BT-32") if seller_role else (
        "BT-46", "BT-44", "BT-33", "BT-47", "BT-45", "BT-49", "BT-48", "BT-48")
    for id_el in k.get(ID, ()):
        p.identifiers.append(Identifier(r.el_text(id_el, t[0], p) or "", id_el.get("schemeID")))
    for id_el in k.get(GLOBAL_ID, ()):
        p.identifiers.append(Identifier(r.el_text(id_el, t[0], p) or "", id_el.get("schemeID")))
    p.name = r.text(k, NAME, t[1], p)
    if seller_role:
        p.legal_info = r.text(k, DESCRIPTION, t[2], p)
    legal = first(k, LEGAL_ORG)
    if legal is not None:
        lk = index(legal)
        p.legal_registration_id = _identifier(r, first(lk, ID), t[3], p)
        p.trading_name = r.text(lk, TRADING_NAME, t[4], p)
    contact = first(k, CONTACT)
    if contact is not None:
        ck = index(contact)
        c = Contact()
        r.locations.bind(c, contact)
        r.locations.add("BG-6" if seller_role else "BG-9", contact)
        ct = ("BT-41", "BT-42", "BT-43") if seller_role else ("BT-56", "BT-57", "BT-58")
        c.name = r.text(ck, PERSON_NAME, ct[0], c)
        if c.name is None:
            c.name = r.text(ck, DEPARTMENT_NAME, ct[0], c)
        phone = first(ck, PHONE)
        if phone is not None:
            c.telephone = r.text(index(phone), COMPLETE_NUMBER, ct[1], c)
        email = first(ck, EMAIL)
        if email is not None:
            c.email = r.text(index(email), URIID, ct[2], c)
        p.contact = c
    addr = first(k, POSTAL_ADDRESS)
    if addr is not None:
        p.address = _address(r, addr, SELLER_ADDRESS if seller_role else BUYER_ADDRESS)
    uri = first(k, URI_COMMUNICATION)
    if uri is not None:
        p.electronic_address = _identifier(r, first(index(uri), URIID), t[5], p)
    for reg in k.get(TAX_REGISTRATION, ()):
        id_el = first(index(reg), ID)
        if id_el is None:
            continue
        if id_el.get("schemeID") == "FC":
            p.tax_registration_id = r.el_text(id_el, t[7] if seller_role else "BT-48", p)
        else:
            p.vat_id = r.el_text(id_el, t[6], p)
    return p


def _delivery(r: Reader, el: etree._Element, inv: Invoice) -> None:
    k = index(el)
    d = Delivery()
    r.locations.bind(d, el)
    ship_to = first(k, SHIP_TO)
    if ship_to is not None:
        sk = index(ship_to)
        r.locations.add("BG-13", ship_to)
        id_el = first(sk, ID)
        if id_el is None:
            id_el = first(sk, GLOBAL_ID)
        d.location_id = _identifier(r, id_el, "BT-71", d)
        d.party_name = r.text(sk, NAME, "BT-70", d)
        addr = first(sk, POSTAL_ADDRESS)
        if addr is not None:
            d.address = _address(r, addr, DELIVERY_ADDRESS)
    event = first(k, DELIVERY_EVENT)
    if event is not None:
        d.actual_date = _date(r, first(index(event), OCCURRENCE), "BT-72", d)
    inv.despatch_advice_reference = _ref(r, k, DESPATCH_ADVICE, "BT-16")
    inv.receiving_advice_reference = _ref(r, k, RECEIVING_ADVICE, "BT-15")
    if d != Delivery():
        inv.delivery = d


def _settlement(r: Reader, k: Kids, el: etree._Element, inv: Invoice) -> None:
    creditor_el = first(k, CREDITOR_REF)
    creditor = text_of(creditor_el)
    remittance = r.text(k, PAYMENT_REF, "BT-83")
    inv.tax_currency_code = r.text(k, TAX_CURRENCY, "BT-6")
    inv.currency_code = r.text(k, INVOICE_CURRENCY, "BT-5")
    payee = first(k, PAYEE_PARTY)
    if payee is not None:
        pk = index(payee)
        p = Payee()
        r.locations.bind(p, payee)
        r.locations.add("BG-10", payee)
        id_el = first(pk, ID)
        if id_el is None:
            id_el = first(pk, GLOBAL_ID)
        p.identifier = _identifier(r, id_el, "BT-60", p)
        p.name = r.text(pk, NAME, "BT-59", p)
        legal = first(pk, LEGAL_ORG)
        if legal is not None:
            p.legal_registration_id = _identifier(r, first(index(legal), ID), "BT-61", p)
        inv.payee = p
    pay = PaymentInstructions(remittance_information=remittance)
    means_list = k.get(PAYMENT_MEANS, ())
    if means_list:
        r.locations.bind(pay, means_list[0])
        r.locations.add("BG-16", means_list[0])
    for means in means_list:
        mk = index(means)
        if pay.means_code is None:
            pay.means_code = r.text(mk, TYPE_CODE, "BT-81", pay)
            pay.means_text = r.text(mk, INFORMATION, "BT-82", pay)
        card = first(mk, CARD)
        if card is not None and pay.card is None:
            ck = index(card)
            cp = CardPayment()
            r.locations.bind(cp, card)
            r.locations.add("BG-18", card)
            cp.account_number = r.text(ck, ID, "BT-87", cp)
            cp.holder_name = r.text(ck, CARD_HOLDER, "BT-88", cp)
            pay.card = cp
        payer = first(mk, PAYER_ACCOUNT)
        if payer is not None:
            dd = pay.direct_debit or DirectDebit()
            r.locations.bind(dd, payer)
            r.locations.add("BG-19", payer)
            dd.debited_account_id = r.text(index(payer), IBAN, "BT-91", dd)
            pay.direct_debit = dd
        payee_acc = mk.get(PAYEE_ACCOUNT, ())
        institutions = mk.get(PAYEE_INSTITUTION, ())
        for i, acc in enumerate(payee_acc):
            ak = index(acc)
            ct = CreditTransfer()
            r.locations.bind(ct, acc)
            r.locations.add("BG-17", acc)
            ct.account_id = r.text(ak, IBAN, "BT-84", ct)
            if ct.account_id is None:
                ct.account_id = r.text(ak, PROPRIETARY_ID, "BT-84", ct)
            ct.account_name = r.text(ak, ACCOUNT_NAME, "BT-85", ct)
            if i < len(institutions):
                ct.service_provider_id = r.text(index(institutions[i]), BIC, "BT-86", ct)
            pay.credit_transfers.append(ct)
    for tax_el in k.get(TRADE_TAX, ()):
        xk = index(tax_el)
        vb = VatBreakdown()
        r.locations.bind(vb, tax_el)
        r.locations.add("BG-23", tax_el, vb)
        vb.tax_amount = r.dec(xk, CALCULATED_AMOUNT, "BT-117", vb)
        vb.exemption_reason = r.text(xk, EXEMPTION_REASON, "BT-120", vb)
        vb.taxable_amount = r.dec(xk, BASIS_AMOUNT, "BT-116", vb)
        vb.category = VatCategory.parse(r.text(xk, CATEGORY_CODE, "BT-118", vb))
        vb.exemption_reason_code = r.text(xk, EXEMPTION_CODE, "BT-121", vb)
        tpd = first(xk, TAX_POINT_DATE)
        if tpd is not None and inv.tax_point_date is None:
            inv.tax_point_date = _date(r, tpd, "BT-7")
        if inv.tax_point_date_code is None:
            inv.tax_point_date_code = r.text(xk, DUE_DATE_TYPE_CODE, "BT-8")
        vb.rate = r.dec(xk, RATE, "BT-119", vb)
        inv.vat_breakdown.append(vb)
    period = first(k, BILLING_PERIOD)
    if period is not None:
        inv.invoicing_period = _period(r, period, "BT-73", "BT-74", "BG-14")
    for ac_el in k.get(ALLOWANCE_CHARGE, ()):
        ac = _allowance_charge(r, ac_el, document_level=True)
        (inv.charges if ac.is_charge else inv.allowances).append(ac)
    terms_list = k.get(PAYMENT_TERMS, ())
    descriptions: list[str] = []
    for terms in terms_list:
        tk = index(terms)
        desc = r.text(tk, DESCRIPTION, "BT-20", raw=True)
        if desc is not None:
            descriptions.append(desc)
        due = first(tk, DUE_DATE)
        if due is not None and inv.due_date is None:
            inv.due_date = _date(r, due, "BT-9")
        mandate = first(tk, MANDATE)
        if mandate is not None:
            dd = pay.direct_debit or DirectDebit()
            dd.mandate_reference = r.el_text(mandate, "BT-89", dd)
            pay.direct_debit = dd
    if descriptions:
        inv.payment_terms = "\n".join(descriptions)
    if creditor is not None:
        dd = pay.direct_debit or DirectDebit()
        dd.creditor_id = creditor
        if creditor_el is not None:
            r.locations.add("BT-90", creditor_el, dd)
        pay.direct_debit = dd
    if pay != PaymentInstructions():
        if not means_list:
            r.locations.bind(pay, el)
        inv.payment = pay
    summation = first(k, SUMMATION)
    if summation is not None:
        sk = index(summation)
        tot = DocumentTotals()
        r.locations.bind(tot, summation)
        r.locations.add("BG-22", summation)
        tot.line_net_total = r.dec(sk, LINE_TOTAL, "BT-106")
        tot.charge_total = r.dec(sk, CHARGE_TOTAL, "BT-108")
        tot.allowance_total = r.dec(sk, ALLOWANCE_TOTAL, "BT-107")
        tot.tax_exclusive = r.dec(sk, TAX_BASIS, "BT-109")
        for tax_total in sk.get(TAX_TOTAL, ()):
            cur = tax_total.get("currencyID")
            if (
                tot.vat_total is None
                and (cur is None or cur == inv.currency_code or inv.tax_currency_code in (None, inv.currency_code))
            ):
                tot.vat_total = r.decimal(tax_total, "BT-110")
            else:
                tot.vat_total_tax_currency = r.decimal(tax_total, "BT-111")
        tot.rounding = r.dec(sk, ROUNDING, "BT-114")
        tot.tax_inclusive = r.dec(sk, GRAND_TOTAL, "BT-112")
        tot.prepaid = r.dec(sk, PREPAID, "BT-113")
        tot.payable = r.dec(sk, DUE_PAYABLE, "BT-115")
        inv.totals = tot
    for ref_el in k.get(INVOICE_REF, ()):
        rk = index(ref_el)
        pre = PrecedingInvoice()
        r.locations.bind(pre, ref_el)
        pre.reference = r.text(rk, ISSUER_ID, "BT-25", pre)
        pre.issue_date = _date(r, first(rk, FORMATTED_ISSUE), "BT-26", pre)
        inv.preceding_invoices.append(pre)
    acc = first(k, ACCOUNTING_ACCOUNT)
    if acc is not None:
        inv.buyer_accounting_reference = r.text(index(acc), ID, "BT-19")


def _period(r: Reader, el: etree._Element, start: str, end: str, group: str) -> Period:
    k = index(el)
    p = Period()
    r.locations.bind(p, el)
    r.locations.add(group, el, p)
    p.start = _date(r, first(k, START), start, p)
    p.end = _date(r, first(k, END), end, p)
    return p


_AC_TERMS = {
    (False, True): ("BT-92", "BT-93", "BT-94", "BT-95", "BT-96", "BT-97", "BT-98", "BG-20"),
    (True, True): ("BT-99", "BT-100", "BT-101", "BT-102", "BT-103", "BT-104", "BT-105", "BG-21"),
    (False, False): ("BT-136", "BT-137", "BT-138", "", "", "BT-139", "BT-140", "BG-27"),
    (True, False): ("BT-141", "BT-142", "BT-143", "", "", "BT-144", "BT-145", "BG-28"),
}


def _allowance_charge(r: Reader, el: etree._Element, *, document_level: bool) -> AllowanceCharge:
    k = index(el)
    ind = first(k, CHARGE_INDICATOR)
    is_charge = False
    if ind is not None:
        ind_val = first(index(ind), INDICATOR)
        is_charge = ind_val is not None and (ind_val.text or "").strip().lower() == "true"
    t = _AC_TERMS[(is_charge, document_level)]
    ac = AllowanceCharge(is_charge=is_charge)
    r.locations.bind(ac, el)
    r.locations.add(t[7], el, ac)
    ac.percentage = r.dec(k, PERCENT, t[2], ac)
    ac.base_amount = r.dec(k, BASIS_AMOUNT, t[1], ac)
    ac.amount = r.dec(k, ACTUAL_AMOUNT, t[0], ac)
    ac.reason_code = r.text(k, REASON_CODE, t[6], ac)
    ac.reason = r.text(k, REASON, t[5], ac)
    if document_level:
        cat = first(k, CATEGORY_TAX)
        if cat is not None:
            ck = index(cat)
            ac.vat_category = VatCategory.parse(r.text(ck, CATEGORY_CODE, t[3], ac))
            ac.vat_rate = r.dec(ck, RATE, t[4], ac)
    return ac


def _additional_document(r: Reader, el: etree._Element, k: Kids) -> AdditionalDocument:
    doc = AdditionalDocument()
    r.locations.bind(doc, el)
    r.locations.add("BG-24", el, doc)
    doc.reference = r.text(k, ISSUER_ID, "BT-122", doc)
    doc.external_uri = r.text(k, URIID, "BT-124", doc)
    doc.description = r.text(k, NAME, "BT-123", doc)
    bin_el = first(k, ATTACHMENT_BINARY)
    if bin_el is not None:
        doc.attachment = Attachment(
            encoded=r.b64(bin_el, "BT-125", doc), mime_code=bin_el.get("mimeCode"), filename=bin_el.get("filename"))
    return doc


def _lines(r: Reader, elements: list[etree._Element] | tuple[()], inv: Invoice) -> None:
    """Lines in document order; sub-lines (``ParentLineID``, XRechnung extension / Factur-X EXTENDED)
    nest under their parent wherever it stands in the document; unknown or cyclic parents stay top-level."""
    read = [_line(r, el) for el in elements]
    by_id: dict[str, InvoiceLine] = {}
    for line, _ in read:
        if line.id:
            by_id.setdefault(line.id, line)
    parent_of: dict[int, InvoiceLine] = {}
    for line, parent_id in read:
        parent = by_id.get(parent_id) if parent_id else None
        if parent is None or parent is line:
            continue
        ancestor: InvoiceLine | None = parent
        seen = 0
        while ancestor is not None and ancestor is not line and seen <= len(read):
            ancestor = parent_of.get(id(ancestor))
            seen += 1
        if ancestor is None:
            parent_of[id(line)] = parent
    for line, _ in read:
        parent = parent_of.get(id(line))
        (parent.sub_lines if parent is not None else inv.lines).append(line)


def _line(r: Reader, el: etree._Element) -> tuple[InvoiceLine, str | None]:
    k = index(el)
    line = InvoiceLine()
    r.locations.bind(line, el)
    r.locations.add("BG-25", el, line)
    parent_id: str | None = None
    doc = first(k, LINE_DOC)
    if doc is not None:
        dk = index(doc)
        line.id = r.text(dk, LINE_ID, "BT-126", line)
        parent_el = first(dk, PARENT_LINE_ID)
        parent_id = (parent_el.text or "").strip() if parent_el is not None else None
        note_el = first(dk, INCLUDED_NOTE)
        if note_el is not None:
            line.note = r.text(index(note_el), CONTENT, "BT-127", line)
    product = first(k, PRODUCT)
    if product is not None:
        line.item = _item(r, product)
    agreement = first(k, LINE_AGREEMENT)
    if agreement is not None:
        ak = index(agreement)
        order = first(ak, BUYER_ORDER)
        if order is not None:
            line.order_line_reference = r.text(index(order), LINE_ID, "BT-132", line)
        line.price = _price(r, ak, agreement)
    delivery = first(k, LINE_DELIVERY)
    if delivery is not None:
        qty = first(index(delivery), BILLED_QUANTITY)
        if qty is not None:
            line.quantity = r.decimal(qty, "BT-129", line)
            line.unit_code = qty.get("unitCode")
            r.locations.add("BT-130", qty, line)
    settlement = first(k, LINE_SETTLEMENT)
    if settlement is not None:
        sk = index(settlement)
        tax = first(sk, TRADE_TAX)
        if tax is not None:
            xk = index(tax)
            vat = LineVat()
            r.locations.bind(vat, tax)
            r.locations.add("BG-30", tax, vat)
            vat.category = VatCategory.parse(r.text(xk, CATEGORY_CODE, "BT-151", vat))
            vat.rate = r.dec(xk, RATE, "BT-152", vat)
            line.vat = vat
        period = first(sk, BILLING_PERIOD)
        if period is not None:
            line.period = _period(r, period, "BT-134", "BT-135", "BG-26")
        for ac_el in sk.get(ALLOWANCE_CHARGE, ()):
            ac = _allowance_charge(r, ac_el, document_level=False)
            (line.charges if ac.is_charge else line.allowances).append(ac)
        summ = first(sk, LINE_SUMMATION)
        if summ is not None:
            line.net_amount = r.dec(index(summ), LINE_TOTAL, "BT-131", line)
        for ref in sk.get(ADDITIONAL_DOC, ()):
            rk = index(ref)
            id_el = first(rk, ISSUER_ID)
            if id_el is not None and line.object_id is None:
                scheme = first(rk, REFERENCE_TYPE_CODE)
                line.object_id = Identifier(
                    r.el_text(id_el, "BT-128", line) or "", (scheme.text or "").strip() if scheme is not None else None)
        acc = first(sk, ACCOUNTING_ACCOUNT)
        if acc is not None:
            line.buyer_accounting_reference = r.text(index(acc), ID, "BT-133", line)
    return line, parent_id


def _price(r: Reader, k: Kids, el: etree._Element) -> Price | None:
    gross = first(k, GROSS_PRICE)
    net = first(k, NET_PRICE)
    if gross is None and net is None:
        return None
    p = Price()
    r.locations.bind(p, net if net is not None else el)
    r.locations.add("BG-29", net if net is not None else el, p)
    if gross is not None:
        gk = index(gross)
        p.gross_price = r.dec(gk, CHARGE_AMOUNT, "BT-148", p)
        bq = first(gk, BASIS_QUANTITY)
        if bq is not None:
            p.base_quantity = r.decimal(bq, "BT-149", p)
            p.base_quantity_unit = bq.get("unitCode")
        applied = first(gk, APPLIED_AC)
        if applied is not None:
            p.discount = r.dec(index(applied), ACTUAL_AMOUNT, "BT-147", p)
    if net is not None:
        nk = index(net)
        p.net_price = r.dec(nk, CHARGE_AMOUNT, "BT-146", p)
        bq = first(nk, BASIS_QUANTITY)
        if bq is not None:
            p.base_quantity = r.decimal(bq, "BT-149", p)
            p.base_quantity_unit = bq.get("unitCode")
            if p.base_quantity_unit is not None:
                r.locations.add("BT-150", bq, p)
    return p


def _item(r: Reader, el: etree._Element) -> Item:
    k = index(el)
    item = Item()
    r.locations.bind(item, el)
    r.locations.add("BG-31", el, item)
    item.standard_id = _identifier(r, first(k, GLOBAL_ID), "BT-157", item)
    item.seller_id = r.text(k, SELLER_ASSIGNED, "BT-155", item)
    item.buyer_id = r.text(k, BUYER_ASSIGNED, "BT-156", item)
    item.name = r.text(k, NAME, "BT-153", item)
    item.description = r.text(k, DESCRIPTION, "BT-154", item)
    for ch in k.get(CHARACTERISTIC, ()):
        ck = index(ch)
        attr = ItemAttribute()
        r.locations.bind(attr, ch)
        attr.name = r.text(ck, DESCRIPTION, "BT-160", attr)
        attr.value = r.text(ck, VALUE, "BT-161", attr)
        item.attributes.append(attr)
    for cl in k.get(CLASSIFICATION, ()):
        code = first(index(cl), CLASS_CODE)
        if code is not None:
            item.classifications.append(
                ItemClassification(r.el_text(code, "BT-158", item) or "", code.get("listID"), code.get("listVersionID")))
    origin = first(k, ORIGIN)
    if origin is not None:
        item.origin_country = r.text(index(origin), ID, "BT-159", item)
    return item
