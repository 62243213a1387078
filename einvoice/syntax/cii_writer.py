"""EN 16931 model → UN/CEFACT CII D16B CrossIndustryInvoice (XRechnung 3.0 / Factur-X, XSD order).

Not expressible in CII and therefore not written: BG-DEX-09 third party payments (UBL-only binding).
A price discount (BT-147) without gross price (BT-148) is written with BT-148 = BT-146 + BT-147.
"""

from __future__ import annotations

from datetime import date

from lxml import etree

from einvoice.domain.model import (
    TAX_POINT_CODE_UBL_TO_CII,
    AdditionalDocument,
    Address,
    AllowanceCharge,
    CreditTransfer,
    Identifier,
    Invoice,
    InvoiceLine,
    Party,
)
from einvoice.syntax._write import group, sub
from einvoice.syntax.namespaces import QDT, RAM, RSM, UDT

__all__ = ["write_cii"]


def _r(name: str) -> str:
    return f"{{{RAM}}}{name}"


def _s(name: str) -> str:
    return f"{{{RSM}}}{name}"


def _date(parent: etree._Element, tag: str, value: date | None, *, qualified: bool = False) -> None:
    """``<tag><udt:DateTimeString format="102">CCYYMMDD</…></tag>`` (``qdt:`` where the schema says so)."""
    if value is None:
        return
    wrapper = etree.SubElement(parent, tag)
    inner = etree.SubElement(wrapper, f"{{{QDT if qualified else UDT}}}DateTimeString", format="102")
    inner.text = value.strftime("%Y%m%d")


def write_cii(invoice: Invoice, *, pretty: bool = True) -> bytes:
    """Serialise ``invoice`` as CII D16B (flat lines; BG-DEX-01 sub-lines carry ``ParentLineID``)."""
    inv = invoice
    cur = inv.currency_code
    root = etree.Element(_s("CrossIndustryInvoice"), nsmap={"rsm": RSM, "ram": RAM, "qdt": QDT, "udt": UDT})
    ctx = group(root, _s("ExchangedDocumentContext"))
    if inv.business_process is not None:
        sub(group(ctx, _r("BusinessProcessSpecifiedDocumentContextParameter")), _r("ID"), inv.business_process)
    sub(group(ctx, _r("GuidelineSpecifiedDocumentContextParameter")), _r("ID"), inv.specification_id, always=True)
    doc = group(root, _s("ExchangedDocument"))
    sub(doc, _r("ID"), inv.number, always=True)
    sub(doc, _r("TypeCode"), inv.type_code, always=True)
    _date(doc, _r("IssueDateTime"), inv.issue_date)
    for note in inv.notes:
        ne = group(doc, _r("IncludedNote"))
        sub(ne, _r("Content"), note.text, always=True)
        sub(ne, _r("SubjectCode"), note.subject_code)
    trans = group(root, _s("SupplyChainTradeTransaction"))
    for line in inv.lines:
        _line(trans, line, cur, parent_id=None)
    _agreement(group(trans, _r("ApplicableHeaderTradeAgreement")), inv)
    _delivery(group(trans, _r("ApplicableHeaderTradeDelivery")), inv)
    _settlement(group(trans, _r("ApplicableHeaderTradeSettlement")), inv, cur)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=pretty))


def _id(parent: etree._Element, tag: str, ident: Identifier) -> None:
    sub(parent, tag, ident.value, {"schemeID": ident.scheme, "schemeVersionID": ident.scheme_version})


def _address(parent: etree._Element, a: Address | None) -> None:
    if a is None:
        return
    el = group(parent, _r("PostalTradeAddress"))
    sub(el, _r("PostcodeCode"), a.post_code)
    sub(el, _r("LineOne"), a.line1)
    sub(el, _r("LineTwo"), a.line2)
    sub(el, _r("LineThree"), a.line3)
    sub(el, _r("CityName"), a.city)
    sub(el, _r("CountryID"), a.country_code, always=True)
    sub(el, _r("CountrySubDivisionName"), a.country_subdivision)


def _party(parent: etree._Element, tag: str, p: Party, *, seller: bool) -> None:
    el = group(parent, _r(tag))
    for ident in p.identifiers:
        if ident.scheme:
            continue
        sub(el, _r("ID"), ident.value)
    for ident in p.identifiers:
        if ident.scheme:
            _id(el, _r("GlobalID"), ident)
    sub(el, _r("Name"), p.name, always=True)
    if seller:
        sub(el, _r("Description"), p.legal_info)
    if p.legal_registration_id is not None or p.trading_name is not None:
        legal = group(el, _r("SpecifiedLegalOrganization"))
        if p.legal_registration_id is not None:
            _id(legal, _r("ID"), p.legal_registration_id)
        sub(legal, _r("TradingBusinessName"), p.trading_name)
    c = p.contact
    if c is not None:
        ce = group(el, _r("DefinedTradeContact"))
        sub(ce, _r("PersonName"), c.name)
        if c.telephone is not None:
            sub(group(ce, _r("TelephoneUniversalCommunication")), _r("CompleteNumber"), c.telephone)
        if c.email is not None:
            sub(group(ce, _r("EmailURIUniversalCommunication")), _r("URIID"), c.email)
    _address(el, p.address)
    if p.electronic_address is not None:
        _id(group(el, _r("URIUniversalCommunication")), _r("URIID"), p.electronic_address)
    if p.vat_id is not None:
        sub(group(el, _r("SpecifiedTaxRegistration")), _r("ID"), p.vat_id, {"schemeID": "VA"})
    if p.tax_registration_id is not None:
        sub(group(el, _r("SpecifiedTaxRegistration")), _r("ID"), p.tax_registration_id, {"schemeID": "FC"})


def _issuer_ref(parent: etree._Element, tag: str, value: str | None) -> None:
    if value is not None:
        sub(group(parent, _r(tag)), _r("IssuerAssignedID"), value)


def _agreement(el: etree._Element, inv: Invoice) -> None:
    sub(el, _r("BuyerReference"), inv.buyer_reference)
    if inv.seller is not None:
        _party(el, "SellerTradeParty", inv.seller, seller=True)
    if inv.buyer is not None:
        _party(el, "BuyerTradeParty", inv.buyer, seller=False)
    rep = inv.tax_representative
    if rep is not None:
        rp = group(el, _r("SellerTaxRepresentativeTradeParty"))
        sub(rp, _r("Name"), rep.name, always=True)
        _address(rp, rep.address)
        if rep.vat_id is not None:
            sub(group(rp, _r("SpecifiedTaxRegistration")), _r("ID"), rep.vat_id, {"schemeID": "VA"})
    _issuer_ref(el, "SellerOrderReferencedDocument", inv.sales_order_reference)
    _issuer_ref(el, "BuyerOrderReferencedDocument", inv.purchase_order_reference)
    _issuer_ref(el, "ContractReferencedDocument", inv.contract_reference)
    for doc in inv.additional_documents:
        _additional_document(el, doc)
    if inv.tender_or_lot_reference is not None:
        ref = group(el, _r("AdditionalReferencedDocument"))
        sub(ref, _r("IssuerAssignedID"), inv.tender_or_lot_reference)
        sub(ref, _r("TypeCode"), "50")
    if inv.invoiced_object_id is not None:
        ref = group(el, _r("AdditionalReferencedDocument"))
        sub(ref, _r("IssuerAssignedID"), inv.invoiced_object_id.value)
        sub(ref, _r("TypeCode"), "130")
        sub(ref, _r("ReferenceTypeCode"), inv.invoiced_object_id.scheme)
    if inv.project_reference is not None:
        proj = group(el, _r("SpecifiedProcuringProject"))
        sub(proj, _r("ID"), inv.project_reference)
        sub(proj, _r("Name"), "Project reference")


def _additional_document(parent: etree._Element, doc: AdditionalDocument) -> None:
    el = group(parent, _r("AdditionalReferencedDocument"))
    sub(el, _r("IssuerAssignedID"), doc.reference, always=True)
    sub(el, _r("URIID"), doc.external_uri)
    sub(el, _r("TypeCode"), "916")
    sub(el, _r("Name"), doc.description)
    if doc.attachment is not None:
        sub(el, _r("AttachmentBinaryObject"), doc.attachment.content,
            {"mimeCode": doc.attachment.mime_code, "filename": doc.attachment.filename})


def _delivery(el: etree._Element, inv: Invoice) -> None:
    d = inv.delivery
    if d is not None:
        if d.location_id is not None or d.party_name is not None or d.address is not None:
            st = group(el, _r("ShipToTradeParty"))
            if d.location_id is not None:
                if d.location_id.scheme:
                    _id(st, _r("GlobalID"), d.location_id)
                else:
                    sub(st, _r("ID"), d.location_id.value)
            sub(st, _r("Name"), d.party_name)
            _address(st, d.address)
        if d.actual_date is not None:
            _date(group(el, _r("ActualDeliverySupplyChainEvent")), _r("OccurrenceDateTime"), d.actual_date)
    _issuer_ref(el, "DespatchAdviceReferencedDocument", inv.despatch_advice_reference)
    _issuer_ref(el, "ReceivingAdviceReferencedDocument", inv.receiving_advice_reference)


def _allowance_charge(parent: etree._Element, ac: AllowanceCharge, cur: str | None, *, document_level: bool) -> None:
    el = group(parent, _r("SpecifiedTradeAllowanceCharge"))
    sub(group(el, _r("ChargeIndicator")), f"{{{UDT}}}Indicator", ac.is_charge)
    sub(el, _r("CalculationPercent"), ac.percentage)
    sub(el, _r("BasisAmount"), ac.base_amount)
    sub(el, _r("ActualAmount"), ac.amount, always=True)
    sub(el, _r("ReasonCode"), ac.reason_code)
    sub(el, _r("Reason"), ac.reason)
    if document_level and (ac.vat_category is not None or ac.vat_rate is not None):
        tax = group(el, _r("CategoryTradeTax"))
        sub(tax, _r("TypeCode"), "VAT")
        sub(tax, _r("CategoryCode"), ac.vat_category, always=True)
        sub(tax, _r("RateApplicablePercent"), ac.vat_rate)


def _settlement(el: etree._Element, inv: Invoice, cur: str | None) -> None:
    pay = inv.payment
    dd = pay.direct_debit if pay is not None else None
    sub(el, _r("CreditorReferenceID"), dd.creditor_id if dd is not None else None)
    sub(el, _r("PaymentReference"), pay.remittance_information if pay is not None else None)
    sub(el, _r("TaxCurrencyCode"), inv.tax_currency_code)
    sub(el, _r("InvoiceCurrencyCode"), cur, always=True)
    if inv.payee is not None:
        pe = group(el, _r("PayeeTradeParty"))
        if inv.payee.identifier is not None:
            if inv.payee.identifier.scheme:
                _id(pe, _r("GlobalID"), inv.payee.identifier)
            else:
                sub(pe, _r("ID"), inv.payee.identifier.value)
        sub(pe, _r("Name"), inv.payee.name, always=True)
        if inv.payee.legal_registration_id is not None:
            _id(group(pe, _r("SpecifiedLegalOrganization")), _r("ID"), inv.payee.legal_registration_id)
    if pay is not None and (pay.means_code is not None or pay.credit_transfers or pay.card is not None
                            or (dd is not None and dd.debited_account_id is not None)):
        transfers: list[CreditTransfer | None] = [*pay.credit_transfers] or [None]
        for i, ct in enumerate(transfers):
            pm = group(el, _r("SpecifiedTradeSettlementPaymentMeans"))
            sub(pm, _r("TypeCode"), pay.means_code, always=True)
            sub(pm, _r("Information"), pay.means_text)
            if i == 0 and pay.card is not None:
                card = group(pm, _r("ApplicableTradeSettlementFinancialCard"))
                sub(card, _r("ID"), pay.card.account_number, always=True)
                sub(card, _r("CardholderName"), pay.card.holder_name)
            if i == 0 and dd is not None and dd.debited_account_id is not None:
                sub(group(pm, _r("PayerPartyDebtorFinancialAccount")), _r("IBANID"), dd.debited_account_id)
            if ct is not None:
                acc = group(pm, _r("PayeePartyCreditorFinancialAccount"))
                sub(acc, _r("IBANID"), ct.account_id)
                sub(acc, _r("AccountName"), ct.account_name)
                if ct.service_provider_id is not None:
                    sub(group(pm, _r("PayeeSpecifiedCreditorFinancialInstitution")), _r("BICID"), ct.service_provider_id)
    for i, vb in enumerate(inv.vat_breakdown):
        tax = group(el, _r("ApplicableTradeTax"))
        sub(tax, _r("CalculatedAmount"), vb.tax_amount, always=True)
        sub(tax, _r("TypeCode"), "VAT")
        sub(tax, _r("ExemptionReason"), vb.exemption_reason)
        sub(tax, _r("BasisAmount"), vb.taxable_amount, always=True)
        sub(tax, _r("CategoryCode"), vb.category, always=True)
        sub(tax, _r("ExemptionReasonCode"), vb.exemption_reason_code)
        if i == 0 and inv.tax_point_date is not None:
            tpd = group(tax, _r("TaxPointDate"))
            sub(tpd, f"{{{UDT}}}DateString", inv.tax_point_date.strftime("%Y%m%d"), {"format": "102"})
        if i == 0 and inv.tax_point_date_code:
            code = inv.tax_point_date_code
            sub(tax, _r("DueDateTypeCode"), TAX_POINT_CODE_UBL_TO_CII.get(code, code))
        sub(tax, _r("RateApplicablePercent"), vb.rate)
    if inv.invoicing_period is not None:
        period = group(el, _r("BillingSpecifiedPeriod"))
        _date(period, _r("StartDateTime"), inv.invoicing_period.start)
        _date(period, _r("EndDateTime"), inv.invoicing_period.end)
    for ac in [*inv.allowances, *inv.charges]:
        _allowance_charge(el, ac, cur, document_level=True)
    if (inv.payment_terms is not None or inv.due_date is not None
            or (dd is not None and dd.mandate_reference is not None)):
        terms = group(el, _r("SpecifiedTradePaymentTerms"))
        sub(terms, _r("Description"), inv.payment_terms)
        _date(terms, _r("DueDateDateTime"), inv.due_date)
        sub(terms, _r("DirectDebitMandateID"), dd.mandate_reference if dd is not None else None)
    tot = inv.totals
    if tot is not None:
        sm = group(el, _r("SpecifiedTradeSettlementHeaderMonetarySummation"))
        sub(sm, _r("LineTotalAmount"), tot.line_net_total, always=True)
        sub(sm, _r("ChargeTotalAmount"), tot.charge_total)
        sub(sm, _r("AllowanceTotalAmount"), tot.allowance_total)
        sub(sm, _r("TaxBasisTotalAmount"), tot.tax_exclusive, always=True)
        sub(sm, _r("TaxTotalAmount"), tot.vat_total, {"currencyID": cur})
        sub(sm, _r("TaxTotalAmount"), tot.vat_total_tax_currency, {"currencyID": inv.tax_currency_code})
        sub(sm, _r("RoundingAmount"), tot.rounding)
        sub(sm, _r("GrandTotalAmount"), tot.tax_inclusive, always=True)
        sub(sm, _r("TotalPrepaidAmount"), tot.prepaid)
        sub(sm, _r("DuePayableAmount"), tot.payable, always=True)
    for pre in inv.preceding_invoices:
        ref = group(el, _r("InvoiceReferencedDocument"))
        sub(ref, _r("IssuerAssignedID"), pre.reference, always=True)
        _date(ref, _r("FormattedIssueDateTime"), pre.issue_date, qualified=True)
    if inv.buyer_accounting_reference is not None:
        sub(group(el, _r("ReceivableSpecifiedTradeAccountingAccount")), _r("ID"), inv.buyer_accounting_reference)


def _line(parent: etree._Element, line: InvoiceLine, cur: str | None, *, parent_id: str | None) -> None:
    el = group(parent, _r("IncludedSupplyChainTradeLineItem"))
    doc = group(el, _r("AssociatedDocumentLineDocument"))
    sub(doc, _r("LineID"), line.id, always=True)
    sub(doc, _r("ParentLineID"), parent_id)
    if line.note is not None:
        sub(group(doc, _r("IncludedNote")), _r("Content"), line.note)
    item = line.item
    prod = group(el, _r("SpecifiedTradeProduct"))
    if item is not None:
        if item.standard_id is not None:
            _id(prod, _r("GlobalID"), item.standard_id)
        sub(prod, _r("SellerAssignedID"), item.seller_id)
        sub(prod, _r("BuyerAssignedID"), item.buyer_id)
    sub(prod, _r("Name"), item.name if item is not None else None, always=True)
    if item is not None:
        sub(prod, _r("Description"), item.description)
        for attr in item.attributes:
            ch = group(prod, _r("ApplicableProductCharacteristic"))
            sub(ch, _r("Description"), attr.name, always=True)
            sub(ch, _r("Value"), attr.value, always=True)
        for cls in item.classifications:
            sub(group(prod, _r("DesignatedProductClassification")), _r("ClassCode"), cls.value,
                {"listID": cls.scheme, "listVersionID": cls.scheme_version})
        if item.origin_country is not None:
            sub(group(prod, _r("OriginTradeCountry")), _r("ID"), item.origin_country)
    agr = group(el, _r("SpecifiedLineTradeAgreement"))
    if line.order_line_reference is not None:
        sub(group(agr, _r("BuyerOrderReferencedDocument")), _r("LineID"), line.order_line_reference)
    price = line.price
    if price is not None:
        if price.gross_price is not None or price.discount is not None:
            gross = price.gross_price
            if gross is None and price.net_price is not None and price.discount is not None:
                gross = price.net_price + price.discount  # CII requires the gross price with a discount
            gp = group(agr, _r("GrossPriceProductTradePrice"))
            sub(gp, _r("ChargeAmount"), gross, always=True)
            sub(gp, _r("BasisQuantity"), price.base_quantity, {"unitCode": price.base_quantity_unit})
            if price.discount is not None:
                ac = group(gp, _r("AppliedTradeAllowanceCharge"))
                sub(group(ac, _r("ChargeIndicator")), f"{{{UDT}}}Indicator", False)
                sub(ac, _r("ActualAmount"), price.discount)
        np = group(agr, _r("NetPriceProductTradePrice"))
        sub(np, _r("ChargeAmount"), price.net_price, always=True)
        sub(np, _r("BasisQuantity"), price.base_quantity, {"unitCode": price.base_quantity_unit})
    if line.quantity is not None or line.unit_code is not None:
        dl = group(el, _r("SpecifiedLineTradeDelivery"))
        sub(dl, _r("BilledQuantity"), line.quantity, {"unitCode": line.unit_code}, always=True)
    st = group(el, _r("SpecifiedLineTradeSettlement"))
    if line.vat is not None:
        tax = group(st, _r("ApplicableTradeTax"))
        sub(tax, _r("TypeCode"), "VAT")
        sub(tax, _r("CategoryCode"), line.vat.category, always=True)
        sub(tax, _r("RateApplicablePercent"), line.vat.rate)
    if line.period is not None:
        period = group(st, _r("BillingSpecifiedPeriod"))
        _date(period, _r("StartDateTime"), line.period.start)
        _date(period, _r("EndDateTime"), line.period.end)
    for ac in [*line.allowances, *line.charges]:
        _allowance_charge(st, ac, cur, document_level=False)
    sub(group(st, _r("SpecifiedTradeSettlementLineMonetarySummation")), _r("LineTotalAmount"), line.net_amount,
        always=True)
    if line.object_id is not None:
        ref = group(st, _r("AdditionalReferencedDocument"))
        sub(ref, _r("IssuerAssignedID"), line.object_id.value)
        sub(ref, _r("TypeCode"), "130")
        sub(ref, _r("ReferenceTypeCode"), line.object_id.scheme)
    if line.buyer_accounting_reference is not None:
        sub(group(st, _r("ReceivableSpecifiedTradeAccountingAccount")), _r("ID"), line.buyer_accounting_reference)
    for sl in line.sub_lines:
        _line(parent, sl, cur, parent_id=line.id)
