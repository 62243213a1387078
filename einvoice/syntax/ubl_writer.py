"""EN 16931 model → UBL 2.1 Invoice / CreditNote (XRechnung 3.0 / EN 16931 UBL binding, XSD order)."""

from __future__ import annotations

from decimal import Decimal

from lxml import etree

from einvoice.domain.model import (
    TAX_POINT_CODE_CII_TO_UBL,
    AdditionalDocument,
    Address,
    AllowanceCharge,
    CreditTransfer,
    Identifier,
    Invoice,
    InvoiceLine,
    Party,
)
from einvoice.syntax._write import group, prune, sub
from einvoice.syntax.namespaces import CAC, CBC, UBL_CREDITNOTE, UBL_INVOICE

__all__ = ["write_ubl"]


def _c(name: str) -> str:
    return f"{{{CAC}}}{name}"


def _b(name: str) -> str:
    return f"{{{CBC}}}{name}"


def write_ubl(invoice: Invoice, *, credit_note: bool | None = None, pretty: bool = True) -> bytes:
    """Serialise ``invoice`` as UBL 2.1 (``credit_note`` defaults to BT-3 being a credit note code)."""
    cn = invoice.is_credit_note if credit_note is None else credit_note
    ns = UBL_CREDITNOTE if cn else UBL_INVOICE
    root = etree.Element(f"{{{ns}}}{'CreditNote' if cn else 'Invoice'}", nsmap={None: ns, "cac": CAC, "cbc": CBC})
    inv = invoice
    cur = inv.currency_code
    sub(root, _b("CustomizationID"), inv.specification_id)
    sub(root, _b("ProfileID"), inv.business_process)
    sub(root, _b("ID"), inv.number)
    sub(root, _b("IssueDate"), inv.issue_date)
    if cn:
        sub(root, _b("TaxPointDate"), inv.tax_point_date)
        sub(root, _b("CreditNoteTypeCode"), inv.type_code)
    else:
        sub(root, _b("DueDate"), inv.due_date)
        sub(root, _b("InvoiceTypeCode"), inv.type_code)
    for note in inv.notes:
        text = note.text or ""
        sub(root, _b("Note"), f"#{note.subject_code}#{text}" if note.subject_code else text)
    if not cn:
        sub(root, _b("TaxPointDate"), inv.tax_point_date)
    sub(root, _b("DocumentCurrencyCode"), cur)
    sub(root, _b("TaxCurrencyCode"), inv.tax_currency_code)
    sub(root, _b("AccountingCost"), inv.buyer_accounting_reference)
    sub(root, _b("BuyerReference"), inv.buyer_reference)
    if inv.invoicing_period is not None or inv.tax_point_date_code is not None:
        period = group(root, _c("InvoicePeriod"))
        if inv.invoicing_period is not None:
            sub(period, _b("StartDate"), inv.invoicing_period.start)
            sub(period, _b("EndDate"), inv.invoicing_period.end)
        code = inv.tax_point_date_code
        sub(period, _b("DescriptionCode"), TAX_POINT_CODE_CII_TO_UBL.get(code, code) if code else code)
    if inv.purchase_order_reference is not None or inv.sales_order_reference is not None:
        order = group(root, _c("OrderReference"))
        # cbc:ID is mandatory in UBL; "NA" is the binding's placeholder when only BT-14 is known
        sub(order, _b("ID"), inv.purchase_order_reference if inv.purchase_order_reference is not None else "NA")
        sub(order, _b("SalesOrderID"), inv.sales_order_reference)
    for pre in inv.preceding_invoices:
        ref = group(group(root, _c("BillingReference")), _c("InvoiceDocumentReference"))
        sub(ref, _b("ID"), pre.reference, always=True)
        sub(ref, _b("IssueDate"), pre.issue_date)
    _ref(root, "DespatchDocumentReference", inv.despatch_advice_reference)
    _ref(root, "ReceiptDocumentReference", inv.receiving_advice_reference)
    if not cn:
        _ref(root, "OriginatorDocumentReference", inv.tender_or_lot_reference)
    _ref(root, "ContractDocumentReference", inv.contract_reference)
    if inv.invoiced_object_id is not None:
        adr = group(root, _c("AdditionalDocumentReference"))
        sub(adr, _b("ID"), inv.invoiced_object_id.value, {"schemeID": inv.invoiced_object_id.scheme})
        sub(adr, _b("DocumentTypeCode"), "130")
    if cn and inv.project_reference is not None:
        adr = group(root, _c("AdditionalDocumentReference"))
        sub(adr, _b("ID"), inv.project_reference)
        sub(adr, _b("DocumentTypeCode"), "50")
    for doc in inv.additional_documents:
        _additional_document(root, doc)
    if cn:
        _ref(root, "OriginatorDocumentReference", inv.tender_or_lot_reference)
    if not cn:
        _ref(root, "ProjectReference", inv.project_reference)
    creditor_id = inv.payment.direct_debit.creditor_id if inv.payment and inv.payment.direct_debit else None
    if inv.seller is not None:
        _party(group(root, _c("AccountingSupplierParty")), inv.seller, seller=True,
               creditor_id=creditor_id if inv.payee is None else None)
    if inv.buyer is not None:
        _party(group(root, _c("AccountingCustomerParty")), inv.buyer, seller=False)
    if inv.payee is not None:
        payee = group(root, _c("PayeeParty"))
        if inv.payee.identifier is not None:
            _id(group(payee, _c("PartyIdentification")), _b("ID"), inv.payee.identifier)
        if creditor_id is not None:
            sub(group(payee, _c("PartyIdentification")), _b("ID"), creditor_id, {"schemeID": "SEPA"})
        if inv.payee.name is not None:
            sub(group(payee, _c("PartyName")), _b("Name"), inv.payee.name)
        if inv.payee.legal_registration_id is not None:
            _id(group(payee, _c("PartyLegalEntity")), _b("CompanyID"), inv.payee.legal_registration_id)
    rep = inv.tax_representative
    if rep is not None:
        rp = group(root, _c("TaxRepresentativeParty"))
        if rep.name is not None:
            sub(group(rp, _c("PartyName")), _b("Name"), rep.name)
        if rep.address is not None:
            _address(group(rp, _c("PostalAddress")), rep.address)
        if rep.vat_id is not None:
            pts = group(rp, _c("PartyTaxScheme"))
            sub(pts, _b("CompanyID"), rep.vat_id)
            sub(group(pts, _c("TaxScheme")), _b("ID"), "VAT")
    d = inv.delivery
    if d is not None:
        de = group(root, _c("Delivery"))
        sub(de, _b("ActualDeliveryDate"), d.actual_date)
        if d.location_id is not None or d.address is not None:
            loc = group(de, _c("DeliveryLocation"))
            if d.location_id is not None:
                _id(loc, _b("ID"), d.location_id)
            if d.address is not None:
                _address(group(loc, _c("Address")), d.address)
        if d.party_name is not None:
            sub(group(group(de, _c("DeliveryParty")), _c("PartyName")), _b("Name"), d.party_name)
    _payment_means(root, inv, cn)
    if inv.payment_terms is not None:
        sub(group(root, _c("PaymentTerms")), _b("Note"), inv.payment_terms)
    if not cn:
        for tpp in inv.third_party_payments:
            pp = group(root, _c("PrepaidPayment"))
            sub(pp, _b("ID"), tpp.type_code)
            sub(pp, _b("PaidAmount"), tpp.amount, {"currencyID": cur})
            sub(pp, _b("InstructionID"), tpp.description)
    for ac in [*inv.allowances, *inv.charges]:
        _allowance_charge(root, ac, cur, document_level=True)
    tot = inv.totals
    vat_total = tot.vat_total if tot is not None else None
    if vat_total is None and inv.vat_breakdown and all(vb.tax_amount is not None for vb in inv.vat_breakdown):
        # UBL requires cbc:TaxAmount with the subtotals: BT-110 = Σ BT-117 (BR-CO-14)
        vat_total = sum((vb.tax_amount for vb in inv.vat_breakdown if vb.tax_amount is not None), Decimal(0))
    if vat_total is not None or inv.vat_breakdown:
        tt = group(root, _c("TaxTotal"))
        sub(tt, _b("TaxAmount"), vat_total, {"currencyID": cur}, always=True)
        for vb in inv.vat_breakdown:
            st = group(tt, _c("TaxSubtotal"))
            sub(st, _b("TaxableAmount"), vb.taxable_amount, {"currencyID": cur}, always=True)
            sub(st, _b("TaxAmount"), vb.tax_amount, {"currencyID": cur}, always=True)
            cat = group(st, _c("TaxCategory"))
            sub(cat, _b("ID"), vb.category, always=True)
            sub(cat, _b("Percent"), vb.rate)
            sub(cat, _b("TaxExemptionReasonCode"), vb.exemption_reason_code)
            sub(cat, _b("TaxExemptionReason"), vb.exemption_reason)
            sub(group(cat, _c("TaxScheme")), _b("ID"), "VAT")
    if tot is not None and tot.vat_total_tax_currency is not None:
        tt2 = group(root, _c("TaxTotal"))
        sub(tt2, _b("TaxAmount"), tot.vat_total_tax_currency, {"currencyID": inv.tax_currency_code})
    if tot is not None:
        mt = group(root, _c("LegalMonetaryTotal"))
        sub(mt, _b("LineExtensionAmount"), tot.line_net_total, {"currencyID": cur})
        sub(mt, _b("TaxExclusiveAmount"), tot.tax_exclusive, {"currencyID": cur})
        sub(mt, _b("TaxInclusiveAmount"), tot.tax_inclusive, {"currencyID": cur})
        sub(mt, _b("AllowanceTotalAmount"), tot.allowance_total, {"currencyID": cur})
        sub(mt, _b("ChargeTotalAmount"), tot.charge_total, {"currencyID": cur})
        sub(mt, _b("PrepaidAmount"), tot.prepaid, {"currencyID": cur})
        sub(mt, _b("PayableRoundingAmount"), tot.rounding, {"currencyID": cur})
        sub(mt, _b("PayableAmount"), tot.payable, {"currencyID": cur})
    for line in inv.lines:
        _line(root, line, cur, cn, "CreditNoteLine" if cn else "InvoiceLine")
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=pretty))


def _ref(parent: etree._Element, tag: str, value: str | None) -> None:
    if value is not None:
        sub(group(parent, _c(tag)), _b("ID"), value)


def _id(parent: etree._Element, tag: str, ident: Identifier) -> None:
    sub(parent, tag, ident.value, {"schemeID": ident.scheme, "schemeVersionID": ident.scheme_version})


def _address(el: etree._Element, a: Address) -> None:
    sub(el, _b("StreetName"), a.line1)
    sub(el, _b("AdditionalStreetName"), a.line2)
    sub(el, _b("CityName"), a.city)
    sub(el, _b("PostalZone"), a.post_code)
    sub(el, _b("CountrySubentity"), a.country_subdivision)
    if a.line3 is not None:
        sub(group(el, _c("AddressLine")), _b("Line"), a.line3)
    sub(group(el, _c("Country")), _b("IdentificationCode"), a.country_code, always=True)


def _party(wrapper: etree._Element, p: Party, *, seller: bool, creditor_id: str | None = None) -> None:
    pe = group(wrapper, _c("Party"))
    if p.electronic_address is not None:
        _id(pe, _b("EndpointID"), p.electronic_address)
    # BT-29 repeats for the seller; BT-46 occurs at most once for the buyer (UBL-SR-16)
    for ident in p.identifiers if seller else p.identifiers[:1]:
        _id(group(pe, _c("PartyIdentification")), _b("ID"), ident)
    if creditor_id is not None:
        sub(group(pe, _c("PartyIdentification")), _b("ID"), creditor_id, {"schemeID": "SEPA"})
    if p.trading_name is not None:
        sub(group(pe, _c("PartyName")), _b("Name"), p.trading_name)
    if p.address is not None:
        _address(group(pe, _c("PostalAddress")), p.address)
    if p.vat_id is not None:
        pts = group(pe, _c("PartyTaxScheme"))
        sub(pts, _b("CompanyID"), p.vat_id)
        sub(group(pts, _c("TaxScheme")), _b("ID"), "VAT")
    if p.tax_registration_id is not None:
        pts = group(pe, _c("PartyTaxScheme"))
        sub(pts, _b("CompanyID"), p.tax_registration_id)
        sub(group(pts, _c("TaxScheme")), _b("ID"), "FC")
    legal = group(pe, _c("PartyLegalEntity"))
    sub(legal, _b("RegistrationName"), p.name, always=True)
    if p.legal_registration_id is not None:
        _id(legal, _b("CompanyID"), p.legal_registration_id)
    if seller:
        sub(legal, _b("CompanyLegalForm"), p.legal_info)
    c = p.contact
    if c is not None:
        ce = group(pe, _c("Contact"))
        sub(ce, _b("Name"), c.name)
        sub(ce, _b("Telephone"), c.telephone)
        sub(ce, _b("ElectronicMail"), c.email)


def _payment_means(root: etree._Element, inv: Invoice, cn: bool) -> None:
    pay = inv.payment
    if pay is None:
        if cn and inv.due_date is not None:
            pm = group(root, _c("PaymentMeans"))
            sub(pm, _b("PaymentMeansCode"), "1")
            sub(pm, _b("PaymentDueDate"), inv.due_date)
        return
    only_creditor = (pay.means_code is None and not pay.credit_transfers and pay.card is None
                     and pay.direct_debit is not None and pay.direct_debit.mandate_reference is None
                     and pay.direct_debit.debited_account_id is None and pay.remittance_information is None)
    if only_creditor and not (cn and inv.due_date is not None):
        return  # BT-90 alone is written in the party identification
    transfers: list[CreditTransfer | None] = [*pay.credit_transfers] or [None]
    for i, ct in enumerate(transfers):
        pm = group(root, _c("PaymentMeans"))
        # BT-82 and BT-83 occur once (UBL-SR-46/47): written on the first payment means only
        sub(pm, _b("PaymentMeansCode"), pay.means_code, {"name": pay.means_text if i == 0 else None}, always=True)
        if cn and i == 0:
            sub(pm, _b("PaymentDueDate"), inv.due_date)
        if i == 0:
            sub(pm, _b("PaymentID"), pay.remittance_information)
        if i == 0 and pay.card is not None:
            card = group(pm, _c("CardAccount"))
            sub(card, _b("PrimaryAccountNumberID"), pay.card.account_number, always=True)
            sub(card, _b("NetworkID"), "NA")
            sub(card, _b("HolderName"), pay.card.holder_name)
        if ct is not None:
            acc = group(pm, _c("PayeeFinancialAccount"))
            sub(acc, _b("ID"), ct.account_id, always=True)
            sub(acc, _b("Name"), ct.account_name)
            if ct.service_provider_id is not None:
                sub(group(acc, _c("FinancialInstitutionBranch")), _b("ID"), ct.service_provider_id)
        dd = pay.direct_debit
        if i == 0 and dd is not None and (dd.mandate_reference is not None or dd.debited_account_id is not None):
            mandate = group(pm, _c("PaymentMandate"))
            sub(mandate, _b("ID"), dd.mandate_reference)
            if dd.debited_account_id is not None:
                sub(group(mandate, _c("PayerFinancialAccount")), _b("ID"), dd.debited_account_id)


def _allowance_charge(parent: etree._Element, ac: AllowanceCharge, cur: str | None, *, document_level: bool) -> None:
    el = group(parent, _c("AllowanceCharge"))
    sub(el, _b("ChargeIndicator"), ac.is_charge)
    sub(el, _b("AllowanceChargeReasonCode"), ac.reason_code)
    sub(el, _b("AllowanceChargeReason"), ac.reason)
    sub(el, _b("MultiplierFactorNumeric"), ac.percentage)
    sub(el, _b("Amount"), ac.amount, {"currencyID": cur}, always=True)
    sub(el, _b("BaseAmount"), ac.base_amount, {"currencyID": cur})
    if document_level and (ac.vat_category is not None or ac.vat_rate is not None):
        cat = group(el, _c("TaxCategory"))
        sub(cat, _b("ID"), ac.vat_category, always=True)
        sub(cat, _b("Percent"), ac.vat_rate)
        sub(group(cat, _c("TaxScheme")), _b("ID"), "VAT")


def _additional_document(root: etree._Element, doc: AdditionalDocument) -> None:
    el = group(root, _c("AdditionalDocumentReference"))
    sub(el, _b("ID"), doc.reference, always=True)
    sub(el, _b("DocumentDescription"), doc.description)
    if doc.attachment is not None or doc.external_uri is not None:
        att = group(el, _c("Attachment"))
        if doc.attachment is not None:
            sub(att, _b("EmbeddedDocumentBinaryObject"), doc.attachment.content,
                {"mimeCode": doc.attachment.mime_code, "filename": doc.attachment.filename})
        if doc.external_uri is not None:
            sub(group(att, _c("ExternalReference")), _b("URI"), doc.external_uri)


def _line(parent: etree._Element, line: InvoiceLine, cur: str | None, cn: bool, tag: str) -> None:
    el = group(parent, _c(tag))
    sub(el, _b("ID"), line.id, always=True)
    sub(el, _b("Note"), line.note)
    sub(el, _b("CreditedQuantity" if cn else "InvoicedQuantity"), line.quantity, {"unitCode": line.unit_code},
        always=True)
    sub(el, _b("LineExtensionAmount"), line.net_amount, {"currencyID": cur}, always=True)
    sub(el, _b("AccountingCost"), line.buyer_accounting_reference)
    if line.period is not None:
        period = group(el, _c("InvoicePeriod"))
        sub(period, _b("StartDate"), line.period.start)
        sub(period, _b("EndDate"), line.period.end)
    if line.order_line_reference is not None:
        sub(group(el, _c("OrderLineReference")), _b("LineID"), line.order_line_reference)
    if line.object_id is not None:
        dr = group(el, _c("DocumentReference"))
        _id(dr, _b("ID"), line.object_id)
        sub(dr, _b("DocumentTypeCode"), "130")
    for ac in [*line.allowances, *line.charges]:
        _allowance_charge(el, ac, cur, document_level=False)
    item = line.item
    it = group(el, _c("Item"))
    if item is not None:
        sub(it, _b("Description"), item.description)
        sub(it, _b("Name"), item.name, always=True)
        if item.buyer_id is not None:
            sub(group(it, _c("BuyersItemIdentification")), _b("ID"), item.buyer_id)
        if item.seller_id is not None:
            sub(group(it, _c("SellersItemIdentification")), _b("ID"), item.seller_id)
        if item.standard_id is not None:
            _id(group(it, _c("StandardItemIdentification")), _b("ID"), item.standard_id)
        if item.origin_country is not None:
            sub(group(it, _c("OriginCountry")), _b("IdentificationCode"), item.origin_country)
        for cls in item.classifications:
            sub(group(it, _c("CommodityClassification")), _b("ItemClassificationCode"), cls.value,
                {"listID": cls.scheme, "listVersionID": cls.scheme_version})
    if line.vat is not None:
        cat = group(it, _c("ClassifiedTaxCategory"))
        sub(cat, _b("ID"), line.vat.category, always=True)
        sub(cat, _b("Percent"), line.vat.rate)
        sub(group(cat, _c("TaxScheme")), _b("ID"), "VAT")
    if item is not None:
        for attr in item.attributes:
            prop = group(it, _c("AdditionalItemProperty"))
            sub(prop, _b("Name"), attr.name, always=True)
            sub(prop, _b("Value"), attr.value, always=True)
    prune(it)
    price = line.price
    if price is not None:
        pe = group(el, _c("Price"))
        sub(pe, _b("PriceAmount"), price.net_price, {"currencyID": cur}, always=True)
        sub(pe, _b("BaseQuantity"), price.base_quantity, {"unitCode": price.base_quantity_unit})
        if price.discount is not None or price.gross_price is not None:
            pac = group(pe, _c("AllowanceCharge"))
            sub(pac, _b("ChargeIndicator"), False)
            discount = price.discount
            if discount is None:  # UBL requires the amount: BT-147 = BT-148 - BT-146 (BR-? Peppol R046)
                discount = (price.gross_price - price.net_price
                            if price.gross_price is not None and price.net_price is not None else None)
            sub(pac, _b("Amount"), discount, {"currencyID": cur}, always=True)
            sub(pac, _b("BaseAmount"), price.gross_price, {"currencyID": cur})
    for sl in line.sub_lines:
        _line(el, sl, cur, cn, "SubCreditNoteLine" if cn else "SubInvoiceLine")
