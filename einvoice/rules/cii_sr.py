"""CII-SR-001…451: UN/CEFACT CII elements the EN 16931 CII binding does not use ("should not be present"),
``warning`` in the CEN schematron. The fatal CII-SR rules live in `syntax_cii_strict`.

Table format as in `ubl_cr`: ``NNN Context/Path: Name Name …`` numbers consecutive rules; contexts are
abbreviations of the CEN rule contexts (``L`` = each invoice line); checked in one tree pass.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lxml import etree

from einvoice.syntax._common import OncePerContext, find, findall, findtext

if TYPE_CHECKING:
    from einvoice.rules.base import Ctx

__all__ = ["RULES_CII_SR", "check_cii_sr", "message"]

_CTX = {
    "DC": "ExchangedDocumentContext",
    "ED": "ExchangedDocument",
    "HTA": "SupplyChainTradeTransaction/ApplicableHeaderTradeAgreement",
    "HTD": "SupplyChainTradeTransaction/ApplicableHeaderTradeDelivery",
    "HTS": "SupplyChainTradeTransaction/ApplicableHeaderTradeSettlement",
    "HMS": "SupplyChainTradeTransaction/ApplicableHeaderTradeSettlement/SpecifiedTradeSettlementHeaderMonetarySummation",
    "L": "",
}
_APC = "ApplicableProductCharacteristic"
_DTC = "DefinedTradeContact"
_TABLE = f"""
001 DC: SpecifiedTransactionID TestIndicator
006 DC: BIMSpecifiedDocumentContextParameter ScenarioSpecifiedDocumentContextParameter ApplicationSpecifiedDocumentContextParameter
011 DC: SubsetSpecifiedDocumentContextParameter MessageStandardSpecifiedDocumentContextParameter
013 ED: Name
015 ED/IssueDateTime: DateTime
016 ED: CopyIndicator Purpose ControlRequirementIndicator LanguageID PurposeCode RevisionDateTime VersionID GlobalID RevisionID PreviousRevisionID CategoryCode
027 ED/IncludedNote: Subject ContentCode
032 ED/IncludedNote: ID
033 ED: EffectiveSpecifiedPeriod IssuerTradeParty
035 L: DescriptionCode ParentLineID LineStatusCode LineStatusReasonCode
041 L/AssociatedDocumentLineDocument/IncludedNote: SubjectCode ID Subject ContentCode
221 L: IncludedSubordinateTradeLineItem
045 L/SpecifiedTradeProduct: ID
048 L/SpecifiedTradeProduct: ManufacturerAssignedID TradeName TypeCode NetWeightMeasure GrossWeightMeasure ProductGroupID EndItemTypeCode EndItemName AreaDensityMeasure UseDescription BrandName SubBrandName DrainedNetWeightMeasure VariableMeasureIndicator ColourCode ColourDescription Designation FormattedCancellationAnnouncedLaunchDateTime FormattedLatestProductDataChangeDateTime
067 L/SpecifiedTradeProduct/{_APC}: ID TypeCode
070 L/SpecifiedTradeProduct/{_APC}: ValueMeasure MeasurementMethodCode
073 L/SpecifiedTradeProduct/{_APC}: ValueCode ValueDateTime ValueIndicator ContentTypeCode ValueSpecifiedBinaryFile ApplicableProductCharacteristicCondition ApplicableReferencedStandard
080 L/SpecifiedTradeProduct: ApplicableMaterialGoodsCharacteristic
081 L/SpecifiedTradeProduct/DesignatedProductClassification: SystemID SystemName ClassName SubClassCode ClassProductCharacteristic ApplicableReferencedStandard
087 L/SpecifiedTradeProduct: IndividualTradeProductInstance CertificationEvidenceReferenceReferencedDocument InspectionReferenceReferencedDocument
091 L/SpecifiedTradeProduct/OriginTradeCountry: Name SubordinateTradeCountrySubDivision
093 L/SpecifiedTradeProduct: LinearSpatialDimension MinimumLinearSpatialDimension MaximumLinearSpatialDimension ManufacturerTradeParty PresentationSpecifiedBinaryFile MSDSReferenceReferencedDocument AdditionalReferenceReferencedDocument LegalRightsOwnerTradeParty BrandOwnerTradeParty IncludedReferencedProduct InformationNote
104 L/SpecifiedLineTradeAgreement: BuyerReference BuyerRequisitionerTradeParty ApplicableTradeDeliveryTerms SellerOrderReferencedDocument
108 L/SpecifiedLineTradeAgreement/BuyerOrderReferencedDocument: IssuerAssignedID
109 L/SpecifiedLineTradeAgreement: QuotationReferencedDocument ContractReferencedDocument DemandForecastReferencedDocument PromotionalDealReferencedDocument AdditionalReferencedDocument
114 L/SpecifiedLineTradeAgreement/GrossPriceProductTradePrice: TypeCode MinimumQuantity MaximumQuantity ChangeReason OrderUnitConversionFactorNumeric
120 L/SpecifiedLineTradeAgreement/GrossPriceProductTradePrice/AppliedTradeAllowanceCharge: ID SequenceNumeric CalculationPercent BasisAmount BasisQuantity PrepaidIndicator UnitBasisAmount ReasonCode Reason TypeCode CategoryTradeTax ActualTradeCurrencyExchange
132 L/SpecifiedLineTradeAgreement/GrossPriceProductTradePrice: ValiditySpecifiedPeriod DeliveryTradeLocation TradeComparisonReferencePrice AssociatedReferencedDocument
445 L/SpecifiedLineTradeAgreement/GrossPriceProductTradePrice: IncludedTradeTax
136 L/SpecifiedLineTradeAgreement/NetPriceProductTradePrice: TypeCode
138 L/SpecifiedLineTradeAgreement/NetPriceProductTradePrice: MinimumQuantity MaximumQuantity ChangeReason OrderUnitConversionFactorNumeric AppliedTradeAllowanceCharge ValiditySpecifiedPeriod DeliveryTradeLocation TradeComparisonReferencePrice AssociatedReferencedDocument
446 L/SpecifiedLineTradeAgreement/NetPriceProductTradePrice: IncludedTradeTax
147 L/SpecifiedLineTradeAgreement: RequisitionerReferencedDocument ItemSellerTradeParty ItemBuyerTradeParty IncludedSpecifiedMarketplace
447 L/SpecifiedLineTradeAgreement: UltimateCustomerOrderReferencedDocument
151 L/SpecifiedLineTradeDelivery: RequestedQuantity ReceivedQuantity ChargeFreeQuantity PackageQuantity ProductUnitQuantity PerPackageUnitQuantity NetWeightMeasure GrossWeightMeasure TheoreticalWeightMeasure DespatchedQuantity SpecifiedDeliveryAdjustment IncludedSupplyChainPackaging RelatedSupplyChainConsignment ShipToTradeParty UltimateShipToTradeParty ShipFromTradeParty ActualDespatchSupplyChainEvent ActualPickUpSupplyChainEvent RequestedDeliverySupplyChainEvent ActualDeliverySupplyChainEvent ActualReceiptSupplyChainEvent AdditionalReferencedDocument DespatchAdviceReferencedDocument ReceivingAdviceReferencedDocument DeliveryNoteReferencedDocument ConsumptionReportReferencedDocument PackingListReferencedDocument
178 L/SpecifiedLineTradeSettlement: PaymentReference InvoiceIssuerReference TotalAdjustmentAmount DiscountIndicator
182 L/SpecifiedLineTradeSettlement/ApplicableTradeTax: CalculatedAmount
183 L/SpecifiedLineTradeSettlement/SpecifiedTradeAllowanceCharge/ChargeIndicator: IndicatorString
184 L/SpecifiedLineTradeSettlement/SpecifiedTradeAllowanceCharge: ID SequenceNumeric
187 L/SpecifiedLineTradeSettlement/SpecifiedTradeAllowanceCharge: BasisQuantity PrepaidIndicator UnitBasisAmount TypeCode CategoryTradeTax ActualTradeCurrencyExchange
194 L/SpecifiedLineTradeSettlement: SubtotalCalculatedTradeTax SpecifiedLogisticsServiceCharge SpecifiedTradePaymentTerms
197 L/SpecifiedLineTradeSettlement/SpecifiedTradeSettlementLineMonetarySummation: ChargeTotalAmount AllowanceTotalAmount TaxBasisTotalAmount TaxTotalAmount GrandTotalAmount InformationAmount TotalAllowanceChargeAmount TotalRetailValueInformationAmount GrossLineTotalAmount NetLineTotalAmount NetIncludingTaxesLineTotalAmount ProductWeightLossInformationAmount
209 L/SpecifiedLineTradeSettlement: SpecifiedFinancialAdjustment InvoiceReferencedDocument
212 L/SpecifiedLineTradeSettlement: PayableSpecifiedTradeAccountingAccount
213 L/SpecifiedLineTradeSettlement/ReceivableSpecifiedTradeAccountingAccount: SetTriggerCode TypeCode AmountTypeCode Name CostReferenceDimensionPattern
218 L/SpecifiedLineTradeSettlement: PurchaseSpecifiedTradeAccountingAccount SalesSpecifiedTradeAccountingAccount SpecifiedTradeSettlementFinancialCard
442 HTA: Reference
222 HTA/SellerTradeParty: RoleCode
223 HTA/SellerTradeParty/SpecifiedLegalOrganization: LegalClassificationCode Name PostalTradeAddress AuthorizedLegalRegistration
227 HTA/SellerTradeParty/{_DTC}: ID TypeCode JobTitle Responsibility PersonID
232 HTA/SellerTradeParty/{_DTC}/TelephoneUniversalCommunication: URIID ChannelCode
234 HTA/SellerTradeParty/{_DTC}: DirectTelephoneUniversalCommunication MobileTelephoneUniversalCommunication FaxUniversalCommunication
237 HTA/SellerTradeParty/{_DTC}/EmailURIUniversalCommunication: ChannelCode CompleteNumber
239 HTA/SellerTradeParty/{_DTC}: TelexUniversalCommunication VOIPUniversalCommunication InstantMessagingUniversalCommunication SpecifiedNote SpecifiedContactPerson
244 HTA/SellerTradeParty/URIUniversalCommunication: ChannelCode CompleteNumber
246 HTA/SellerTradeParty/SpecifiedTaxRegistration: AssociatedRegisteredTax
247 HTA/SellerTradeParty: EndPointURIUniversalCommunication LogoAssociatedSpecifiedBinaryFile
249 HTA/BuyerTradeParty: RoleCode Description
251 HTA/BuyerTradeParty/SpecifiedLegalOrganization: LegalClassificationCode Name
254 HTA/BuyerTradeParty/SpecifiedLegalOrganization: PostalTradeAddress AuthorizedLegalRegistration
256 HTA/BuyerTradeParty/{_DTC}: ID TypeCode JobTitle Responsibility PersonID
261 HTA/BuyerTradeParty/{_DTC}/TelephoneUniversalCommunication: URIID ChannelCode
263 HTA/BuyerTradeParty/{_DTC}: DirectTelephoneUniversalCommunication MobileTelephoneUniversalCommunication FaxUniversalCommunication
266 HTA/BuyerTradeParty/{_DTC}/EmailURIUniversalCommunication: ChannelCode CompleteNumber
268 HTA/BuyerTradeParty/{_DTC}: TelexUniversalCommunication VOIPUniversalCommunication InstantMessagingUniversalCommunication SpecifiedNote SpecifiedContactPerson
273 HTA/BuyerTradeParty/URIUniversalCommunication: ChannelCode CompleteNumber
275 HTA/BuyerTradeParty/SpecifiedTaxRegistration: AssociatedRegisteredTax
276 HTA/BuyerTradeParty: EndPointURIUniversalCommunication LogoAssociatedSpecifiedBinaryFile
278 HTA: SalesAgentTradeParty BuyerRequisitionerTradeParty BuyerAssignedAccountantTradeParty SellerAssignedAccountantTradeParty BuyerTaxRepresentativeTradeParty
282 HTA/SellerTaxRepresentativeTradeParty: ID GlobalID RoleCode Description SpecifiedLegalOrganization DefinedTradeContact URIUniversalCommunication
289 HTA/SellerTaxRepresentativeTradeParty/SpecifiedTaxRegistration: AssociatedRegisteredTax
290 HTA/SellerTaxRepresentativeTradeParty: EndPointURIUniversalCommunication LogoAssociatedSpecifiedBinaryFile
292 HTA: ProductEndUserTradeParty ApplicableTradeDeliveryTerms
294 HTA/SellerOrderReferencedDocument: LineID
295 HTA/BuyerOrderReferencedDocument: LineID
296 HTA: QuotationReferencedDocument OrderResponseReferencedDocument
298 HTA/ContractReferencedDocument: LineID
299 HTA: DemandForecastReferencedDocument SupplyInstructionReferencedDocument PromotionalDealReferencedDocument PriceListReferencedDocument
303 HTA/AdditionalReferencedDocument: LineID
304 HTA: RequisitionerReferencedDocument BuyerAgentTradeParty PurchaseConditionsReferencedDocument
307 HTA/SpecifiedProcuringProject: Description
448 HTA: UltimateCustomerOrderReferencedDocument
308 HTD: RelatedSupplyChainConsignment
309 HTD/ShipToTradeParty: RoleCode Description SpecifiedLegalOrganization DefinedTradeContact URIUniversalCommunication SpecifiedTaxRegistration EndPointURIUniversalCommunication LogoAssociatedSpecifiedBinaryFile
317 HTD: UltimateShipToTradeParty ShipFromTradeParty ActualDespatchSupplyChainEvent ActualPickUpSupplyChainEvent
321 HTD/ActualDeliverySupplyChainEvent: ID
322 HTD/ActualDeliverySupplyChainEvent/OccurrenceDateTime: DateTime
323 HTD/ActualDeliverySupplyChainEvent: TypeCode Description DescriptionBinaryObject UnitQuantity LatestOccurrenceDateTime EarliestOccurrenceDateTime OccurrenceSpecifiedPeriod OccurrenceLogisticsLocation
331 HTD: ActualReceiptSupplyChainEvent AdditionalReferencedDocument
333 HTD/DespatchAdviceReferencedDocument: LineID
334 HTD/ReceivingAdviceReferencedDocument: LineID
335 HTD: DeliveryNoteReferencedDocument ConsumptionReportReferencedDocument PreviousDeliverySupplyChainEvent PackingListReferencedDocument
339 HTS: DuePayableAmount CreditorReferenceTypeCode CreditorReferenceType CreditorReferenceIssuerID
344 HTS: PaymentCurrencyCode InvoiceIssuerReference InvoiceDateTime NextInvoiceDateTime CreditReasonCode CreditReason InvoicerTradeParty InvoiceeTradeParty
352 HTS/PayeeTradeParty: RoleCode Description
354 HTS/PayeeTradeParty/SpecifiedLegalOrganization: LegalClassificationCode Name TradingBusinessName PostalTradeAddress AuthorizedLegalRegistration
359 HTS/PayeeTradeParty: DefinedTradeContact PostalTradeAddress URIUniversalCommunication SpecifiedTaxRegistration EndPointURIUniversalCommunication LogoAssociatedSpecifiedBinaryFile
365 HTS: PayerTradeParty TaxApplicableTradeCurrencyExchange InvoiceApplicableTradeCurrencyExchange PaymentApplicableTradeCurrencyExchange
369 HTS/SpecifiedTradeSettlementPaymentMeans: PaymentChannelCode GuaranteeMethodCode PaymentMethodCode
443 HTS/SpecifiedTradeSettlementPaymentMeans: ID
372 HTS/SpecifiedTradeSettlementPaymentMeans/ApplicableTradeSettlementFinancialCard: MicrochipIndicator TypeCode
375 HTS/SpecifiedTradeSettlementPaymentMeans/ApplicableTradeSettlementFinancialCard: ExpiryDate VerificationNumeric ValidFromDateTime CreditLimitAmount CreditAvailableAmount InterestRatePercent Description
382 HTS/SpecifiedTradeSettlementPaymentMeans/PayerPartyDebtorFinancialAccount: AccountName
444 HTS/SpecifiedTradeSettlementPaymentMeans/PayerPartyDebtorFinancialAccount: ProprietaryID
384 HTS/SpecifiedTradeSettlementPaymentMeans/PayerSpecifiedDebtorFinancialInstitution: ClearingSystemName Name LocationFinancialInstitutionAddress
388 HTS/SpecifiedTradeAllowanceCharge: ID SequenceNumeric BasisQuantity PrepaidIndicator UnitBasisAmount TypeCode ActualTradeCurrencyExchange
395 HTS: SubtotalCalculatedTradeTax SpecifiedLogisticsServiceCharge
397 HTS/SpecifiedTradePaymentTerms: ID FromEventCode SettlementPeriodMeasure
400 HTS/SpecifiedTradePaymentTerms/DueDateDateTime: DateTime
401 HTS/SpecifiedTradePaymentTerms: TypeCode InstructionTypeCode
404 HTS/SpecifiedTradePaymentTerms: PartialPaymentPercent PaymentMeansID PartialPaymentAmount ApplicableTradePaymentPenaltyTerms ApplicableTradePaymentDiscountTerms PayeeTradeParty
421 HTS: SpecifiedFinancialAdjustment
422 HTS/InvoiceReferencedDocument: LineID
423 HTS: ProFormaInvoiceReferencedDocument LetterOfCreditReferencedDocument FactoringAgreementReferencedDocument FactoringListReferencedDocument PayableSpecifiedTradeAccountingAccount
428 HTS/ReceivableSpecifiedTradeAccountingAccount: SetTriggerCode TypeCode AmountTypeCode Name CostReferenceDimensionPattern
433 HTS: PurchaseSpecifiedTradeAccountingAccount SalesSpecifiedTradeAccountingAccount SpecifiedTradeSettlementFinancialCard SpecifiedAdvancePayment UltimatePayeeTradeParty
411 HMS: InformationAmount TotalDiscountAmount TotalAllowanceChargeAmount RetailValueExcludingTaxInformationAmount TotalDepositFeeInformationAmount ProductValueExcludingTobaccoTaxInformationAmount TotalRetailValueInformationAmount GrossLineTotalAmount NetLineTotalAmount NetIncludingTaxesLineTotalAmount
438 : ValuationBreakdownStatement
"""


def _build() -> tuple[dict[str, list[int]], dict[str, list[int]], dict[int, str]]:
    top: dict[str, list[int]] = {}
    line: dict[str, list[int]] = {}
    names: dict[int, str] = {}
    for raw in _TABLE.strip().splitlines():
        head, items = raw.split(":", 1)
        number_text, _, context = head.strip().partition(" ")
        number = int(number_text)
        abbreviation, _, rest = context.partition("/")
        for i, name in enumerate(items.split()):
            names.setdefault(number + i, name)
            if abbreviation == "L":
                path = "/".join(p for p in (rest, name) if p)
                line.setdefault(path, []).append(number + i)
            else:
                base = _CTX.get(abbreviation, "")
                path = "/".join(p for p in (base, rest, name) if p)
                top.setdefault(path, []).append(number + i)
    return top, line, names


_TOP, _LINE, _NAMES = _build()
# the CEN schematron numbers both BuyerTaxRepresentativeTradeParty and SellerTaxRepresentativeTradeParty/ID as 282
_NAMES[282] = "BuyerTaxRepresentativeTradeParty or SellerTaxRepresentativeTradeParty/ID"
_COUNT_RULES = {
    3: "BusinessProcessSpecifiedDocumentContextParameter should exist maximum once",
    30: "Content should exist maximum once",
    39: "IncludedNote should exist maximum once",
    40: "Content should exist maximum once",
    449: "Only one delivery to location identifier should be present (either the ID or the Global ID)",
    450: "Only one  buyer identifier should be present (either the ID or the Global ID)",
    451: "Only one payee identifier should be present (either the ID or the Global ID)",
    457: "IssuerAssignedID with TypeCode 50 should exist maximum once",
    458: "IssuerAssignedID with TypeCode 130 should exist maximum once",
}
RULES_CII_SR: tuple[str, ...] = tuple(sorted({f"CII-SR-{n:03d}" for n in (*_NAMES, *_COUNT_RULES)}))
_LINE_PATH = "SupplyChainTradeTransaction/IncludedSupplyChainTradeLineItem"
_LOCAL: dict[str, str] = {}
_MAX_CACHED_NAMES = 20_000  # hostile documents may bring any number of distinct tags


def message(number: int) -> str:
    text = _COUNT_RULES.get(number) or f"{_NAMES.get(number, 'Element')} should not be present"
    return f"[CII-SR-{number:03d}] - {text}"


class _Node:
    """One step of the table paths: rules for an element at this path, and the children worth visiting."""

    __slots__ = ("children", "line", "numbers")

    def __init__(self) -> None:
        self.children: dict[str, _Node] = {}
        self.numbers: list[int] = []
        self.line = False  # an invoice line: its subtree is a separate rule context


def _insert(root: _Node, path: str, number: int) -> _Node:
    node = root
    for part in path.split("/"):
        node = node.children.setdefault(part, _Node())
    node.numbers.append(number)
    return node


def _trie() -> _Node:
    root = _Node()
    for path, numbers in _TOP.items():
        for number in numbers:
            _insert(root, path, number)
    line = root
    for part in _LINE_PATH.split("/"):
        line = line.children.setdefault(part, _Node())
    line.line = True
    for path, numbers in _LINE.items():
        for number in numbers:
            _insert(line, path, number)
    return root


_TRIE = _trie()


def _walk(el: etree._Element, node: _Node, context: int, report: OncePerContext) -> None:
    """Pre-order over the children of ``el`` that some table path continues into."""
    children = node.children
    local = _LOCAL
    for child in el.getchildren():
        tag = child.tag
        if not isinstance(tag, str):
            continue
        name = local.get(tag)
        if name is None:
            name = tag.rsplit("}", 1)[-1]
            if len(local) >= _MAX_CACHED_NAMES:  # bounded: start over rather than stop caching
                local.clear()
            local[tag] = name
        sub = children.get(name)
        if sub is None:
            continue
        line_context = id(child) if sub.line else context
        for number in sub.numbers:
            report(number, child, line_context)
        if sub.children:
            _walk(child, sub, line_context, report)


def check_cii_sr(ctx: Ctx, root: etree._Element) -> None:
    """One pruned pass over the table paths: document-level rules fire once per document, line rules once
    per line; subtrees no rule refers to are not visited."""
    report = OncePerContext(ctx, "CII-SR")
    _walk(root, _TRIE, 0, report)
    _count_rules(ctx, root, report)


def _count_rules(ctx: Ctx, root: etree._Element, report: OncePerContext) -> None:
    fail = report
    context = find(root, "{*}ExchangedDocumentContext")
    if (
        context is not None
        and len(findall(context, "{*}BusinessProcessSpecifiedDocumentContextParameter")) > 1
    ):
        fail(3, context, 0)
    for note in findall(root, "{*}ExchangedDocument/{*}IncludedNote"):
        if len(findall(note, "{*}Content")) > 1:
            fail(30, note, id(note))
    for doc in findall(root,
        "{*}SupplyChainTradeTransaction/{*}IncludedSupplyChainTradeLineItem/{*}AssociatedDocumentLineDocument"
    ):
        notes = findall(doc, "{*}IncludedNote")
        if len(notes) > 1:
            fail(39, doc, id(doc))
        if sum(len(findall(n, "{*}Content")) for n in notes) > 1:
            fail(40, doc, id(doc))
    transaction = find(root, "{*}SupplyChainTradeTransaction")
    if transaction is None:
        return
    for number, path in (
        (449, "{*}ApplicableHeaderTradeDelivery/{*}ShipToTradeParty"),
        (450, "{*}ApplicableHeaderTradeAgreement/{*}BuyerTradeParty"),
        (451, "{*}ApplicableHeaderTradeSettlement/{*}PayeeTradeParty"),
    ):
        party = find(transaction, path)
        if party is not None and find(party, "{*}ID") is not None and find(party, "{*}GlobalID") is not None:
            fail(number, party, 0)
    agreement = find(transaction, "{*}ApplicableHeaderTradeAgreement")
    if agreement is not None:
        docs = findall(agreement, "{*}AdditionalReferencedDocument")
        for number, code in ((457, "50"), (458, "130")):
            if sum(1 for d in docs if (findtext(d, "{*}TypeCode") or "").strip() == code) > 1:
                fail(number, agreement, 0)
