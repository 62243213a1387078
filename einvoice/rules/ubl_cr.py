"""UBL-CR-001…682: UBL elements that the EN 16931 UBL binding does not use ("should not include"),
all ``warning`` in the CEN schematron (UBL-CR-646 and UBL-CR-470 get KoSIT scenario levels elsewhere).

The table is written compactly: ``NNN Prefix/Path: Name Name …`` assigns consecutive rule numbers
starting at NNN to ``Prefix/Path/Name``; ``L/`` paths are relative to an invoice/credit note line.
One pass over the tree with local-name paths checks them all.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lxml import etree

from einvoice.syntax._common import OncePerContext, find, findall

if TYPE_CHECKING:
    from einvoice.rules.base import Ctx

__all__ = ["RULES_UBL_CR", "check_ubl_cr"]

_REF16 = (
    "CopyIndicator UUID IssueDate IssueTime DocumentTypeCode DocumentType XPath LanguageID LocaleCode VersionID "
    "DocumentStatusCode DocumentDescription Attachment ValidityPeriod IssuerParty ResultOfVerification"
)
_ADDR19 = (
    "ID AddressTypeCode AddressFormatCode Postbox Floor Room BlockName BuildingName BuildingNumber InhouseMail "
    "Department MarkAttention MarkCare PlotIdentification CitySubdivisionName CountrySubentityCode Region District "
    "TimezoneOffset"
)
_PTS5 = "RegistrationName TaxLevelCode ExemptionReasonCode ExemptionReason RegistrationAddress"
_TS4 = "Name TaxTypeCode CurrencyCode JurisdictionRegionAddress"
_ITEMID5 = "ExtendedID BarcodeSymbologyID PhysicalAttribute MeasurementDimension IssuerParty"

_TABLE = f"""
001 : UBLExtensions
003 : ProfileExecutionID CopyIndicator UUID IssueTime PricingCurrencyCode PaymentCurrencyCode PaymentAlternativeCurrencyCode AccountingCostCode LineCountNumeric
012 InvoicePeriod: StartTime EndTime DurationMeasure Description
016 OrderReference: CopyIndicator UUID IssueDate IssueTime CustomerReference OrderTypeCode DocumentReference
023 BillingReference/InvoiceDocumentReference: CopyIndicator UUID IssueTime DocumentTypeCode DocumentType XPath LanguageID LocaleCode VersionID DocumentStatusCode DocumentDescription Attachment ValidityPeriod IssuerParty ResultOfVerification
038 BillingReference: SelfBilledInvoiceDocumentReference CreditNoteDocumentReference SelfBilledCreditNoteDocumentReference DebitNoteDocumentReference ReminderDocumentReference AdditionalDocumentReference BillingReferenceLine
045 DespatchDocumentReference: {_REF16}
061 ReceiptDocumentReference: {_REF16}
077 : StatementDocumentReference
078 OriginatorDocumentReference: {_REF16}
094 ContractDocumentReference: {_REF16}
110 AdditionalDocumentReference: CopyIndicator UUID IssueDate IssueTime DocumentType XPath LanguageID LocaleCode VersionID DocumentStatusCode
121 AdditionalDocumentReference/Attachment/ExternalReference: DocumentHash HashAlgorithmMethod ExpiryDate ExpiryTime MimeCode FormatCode EncodingCode CharacterSetCode FileName Description
131 AdditionalDocumentReference: ValidityPeriod IssuerParty ResultOfVerification
134 ProjectReference: UUID IssueDate WorkPhaseReference
137 : Signature
138 AccountingSupplierParty: CustomerAssignedAccountID AdditionalAccountID DataSendingCapability
141 AccountingSupplierParty/Party: MarkCareIndicator MarkAttentionIndicator WebsiteURI LogoReferenceID IndustryClassificationCode Language
147 AccountingSupplierParty/Party/PostalAddress: {_ADDR19}
166 AccountingSupplierParty/Party/PostalAddress/Country: Name
167 AccountingSupplierParty/Party/PostalAddress: LocationCoordinate
168 AccountingSupplierParty/Party: PhysicalLocation
169 AccountingSupplierParty/Party/PartyTaxScheme: {_PTS5}
174 AccountingSupplierParty/Party/PartyTaxScheme/TaxScheme: {_TS4}
178 AccountingSupplierParty/Party/PartyLegalEntity: RegistrationDate RegistrationExpirationDate CompanyLegalFormCode SoleProprietorshipIndicator CompanyLiquidationStatusCode CorporateStockAmount FullyPaidSharesIndicator RegistrationAddress CorporateRegistrationScheme HeadOfficeParty ShareholderParty
189 AccountingSupplierParty/Party/Contact: ID Telefax Note OtherCommunication
193 AccountingSupplierParty/Party: Person AgentParty ServiceProviderParty PowerOfAttorney FinancialAccount
198 AccountingSupplierParty: DespatchContact AccountingContact SellerContact
201 AccountingCustomerParty: CustomerAssignedAccountID SupplierAssignedAccountID AdditionalAccountID
204 AccountingCustomerParty/Party: MarkCareIndicator MarkAttentionIndicator WebsiteURI LogoReferenceID IndustryClassificationCode Language
210 AccountingCustomerParty/Party/PostalAddress: {_ADDR19}
229 AccountingCustomerParty/Party/PostalAddress/Country: Name
230 AccountingCustomerParty/Party/PostalAddress: LocationCoordinate
231 AccountingCustomerParty/Party: PhysicalLocation
232 AccountingCustomerParty/Party/PartyTaxScheme: {_PTS5}
237 AccountingCustomerParty/Party/PartyTaxScheme/TaxScheme: {_TS4}
241 AccountingCustomerParty/Party/PartyLegalEntity: RegistrationDate RegistrationExpirationDate CompanyLegalFormCode CompanyLegalForm SoleProprietorshipIndicator CompanyLiquidationStatusCode CorporateStockAmount FullyPaidSharesIndicator RegistrationAddress CorporateRegistrationScheme HeadOfficeParty ShareholderParty
253 AccountingCustomerParty/Party/Contact: ID Telefax Note OtherCommunication
257 AccountingCustomerParty/Party: Person AgentParty ServiceProviderParty PowerOfAttorney FinancialAccount
262 AccountingCustomerParty: DeliveryContact AccountingContact BuyerContact
265 PayeeParty: MarkCareIndicator MarkAttentionIndicator WebsiteURI LogoReferenceID EndpointID IndustryClassificationCode Language PostalAddress PhysicalLocation PartyTaxScheme
275 PayeeParty/PartyLegalEntity: RegistrationName RegistrationDate RegistrationExpirationDate CompanyLegalFormCode CompanyLegalForm SoleProprietorshipIndicator CompanyLiquidationStatusCode CorporateStockAmount FullyPaidSharesIndicator RegistrationAddress CorporateRegistrationScheme HeadOfficeParty ShareholderParty
288 PayeeParty: Contact Person AgentParty ServiceProviderParty PowerOfAttorney FinancialAccount
294 : BuyerCustomerParty SellerSupplierParty
296 TaxRepresentativeParty: MarkCareIndicator MarkAttentionIndicator WebsiteURI LogoReferenceID EndpointID IndustryClassificationCode PartyIdentification Language
304 TaxRepresentativeParty/PostalAddress: {_ADDR19}
323 TaxRepresentativeParty/PostalAddress/Country: Name
324 TaxRepresentativeParty/PostalAddress: LocationCoordinate
325 TaxRepresentativeParty: PhysicalLocation
326 TaxRepresentativeParty/PartyTaxScheme: {_PTS5}
331 TaxRepresentativeParty/PartyTaxScheme/TaxScheme: {_TS4}
335 TaxRepresentativeParty: PartyLegalEntity Contact Person AgentParty ServiceProviderParty PowerOfAttorney FinancialAccount
342 Delivery: ID Quantity MinimumQuantity MaximumQuantity ActualDeliveryTime LatestDeliveryDate LatestDeliveryTime ReleaseID TrackingID
351 Delivery/DeliveryLocation: Description Conditions CountrySubentity CountrySubentityCode LocationTypeCode InformationURI Name ValidityPeriod
359 Delivery/DeliveryLocation/Address: {_ADDR19}
378 Delivery/DeliveryLocation/Address/Country: Name
379 Delivery/DeliveryLocation/Address: LocationCoordinate
380 Delivery/DeliveryLocation: SubsidiaryLocation LocationCoordinate
382 Delivery: AlternativeDeliveryLocation RequestedDeliveryPeriod EstimatedDeliveryPeriod CarrierParty
386 Delivery/DeliveryParty: MarkCareIndicator MarkAttentionIndicator WebsiteURI LogoReferenceID EndpointID IndustryClassificationCode PartyIdentification Language PostalAddress PhysicalLocation PartyTaxScheme PartyLegalEntity Contact Person AgentParty ServiceProviderParty PowerOfAttorney FinancialAccount
404 Delivery: NotifyParty Despatch DeliveryTerms MinimumDeliveryUnit MaximumDeliveryUnit Shipment
410 : DeliveryTerms
411 PaymentMeans: ID
413 PaymentMeans: PaymentChannelCode InstructionID
415 PaymentMeans/CardAccount: CardTypeCode ValidityStartDate ExpiryDate IssuerID IssueNumberID CV2ID CardChipCode ChipApplicationID
424 PaymentMeans/PayeeFinancialAccount: AliasName AccountTypeCode AccountFormatCode CurrencyCode PaymentNote
429 PaymentMeans/PayeeFinancialAccount/FinancialInstitutionBranch: Name
430 PaymentMeans/PayeeFinancialAccount/FinancialInstitutionBranch/FinancialInstitution: Name Address
432 PaymentMeans/PayeeFinancialAccount/FinancialInstitutionBranch: Address
433 PaymentMeans/PayeeFinancialAccount: Country
434 PaymentMeans: CreditAccount
435 PaymentMeans/PaymentMandate: MandateTypeCode MaximumPaymentInstructionsNumeric MaximumPaidAmount SignatureID PayerParty
440 PaymentMeans/PaymentMandate/PayerFinancialAccount: Name AliasName AccountTypeCode AccountFormatCode CurrencyCode PaymentNote FinancialInstitutionBranch Country
448 PaymentMeans/PaymentMandate: ValidityPeriod PaymentReversalPeriod Clause
451 PaymentMeans: TradeFinancing
452 PaymentTerms: ID PaymentMeansID PrepaidPaymentReferenceID ReferenceEventCode SettlementDiscountPercent PenaltySurchargePercent PaymentPercent Amount SettlementDiscountAmount PenaltyAmount PaymentTermsDetailsURI PaymentDueDate InstallmentDueDate InvoicingPartyReference SettlementPeriod PenaltyPeriod ExchangeRate ValidityPeriod
470 : PrepaidPayment
471 AllowanceCharge: ID PrepaidIndicator SequenceNumeric AccountingCostCode AccountingCost PerUnitAmount
477 AllowanceCharge/TaxCategory: Name BaseUnitMeasure PerUnitAmount TaxExemptionReasonCode TaxExemptionReason TierRange TierRatePercent
484 AllowanceCharge/TaxCategory/TaxScheme: {_TS4}
488 AllowanceCharge: TaxTotal PaymentMeans
490 : TaxExchangeRate PricingExchangeRate PaymentExchangeRate PaymentAlternativeExchangeRate
494 TaxTotal: RoundingAmount TaxEvidenceIndicator TaxIncludedIndicator
497 TaxTotal/TaxSubtotal: CalculationSequenceNumeric TransactionCurrencyTaxAmount Percent BaseUnitMeasure PerUnitAmount TierRange TierRatePercent
504 TaxTotal/TaxSubtotal/TaxCategory: Name BaseUnitMeasure PerUnitAmount TierRange TierRatePercent
509 TaxTotal/TaxSubtotal/TaxCategory/TaxScheme: {_TS4}
513 : WithholdingTaxTotal
514 LegalMonetaryTotal: PayableAlternativeAmount
515 L: UUID TaxPointDate AccountingCostCode PaymentPurposeCode FreeOfChargeIndicator
520 L/InvoicePeriod: StartTime EndTime DurationMeasure DescriptionCode Description
525 L/OrderLineReference: SalesOrderLineID UUID LineStatusCode OrderReference
529 L: DespatchLineReference ReceiptLineReference BillingReference
532 L/DocumentReference: CopyIndicator UUID IssueDate IssueTime
537 L/DocumentReference: DocumentType XPath LanguageID LocaleCode VersionID DocumentStatusCode DocumentDescription Attachment ValidityPeriod IssuerParty ResultOfVerification
548 L: PricingReference OriginatorParty Delivery PaymentTerms
552 L/AllowanceCharge: ID PrepaidIndicator SequenceNumeric AccountingCostCode AccountingCost PerUnitAmount TaxCategory TaxTotal PaymentMeans
561 L: TaxTotal WithholdingTaxTotal
563 L/Item: PackQuantity PackSizeNumeric CatalogueIndicator HazardousRiskIndicator AdditionalInformation Keyword BrandName ModelName
571 L/Item/BuyersItemIdentification: {_ITEMID5}
576 L/Item/SellersItemIdentification: {_ITEMID5}
581 L/Item: ManufacturersItemIdentification
582 L/Item/StandardItemIdentification: {_ITEMID5}
587 L/Item: CatalogueItemIdentification AdditionalItemIdentification CatalogueDocumentReference ItemSpecificationDocumentReference
591 L/Item/OriginCountry: Name
592 L/Item/CommodityClassification: NatureCode CargoTypeCode CommodityCode
595 L/Item: TransactionConditions HazardousItem
597 L/Item/ClassifiedTaxCategory: Name BaseUnitMeasure PerUnitAmount TaxExemptionReasonCode TaxExemptionReason TierRange TierRatePercent
604 L/Item/ClassifiedTaxCategory/TaxScheme: {_TS4}
608 L/Item/AdditionalItemProperty: ID NameCode TestMethod ValueQuantity ValueQualifier ImportanceCode ListValue UsabilityPeriod ItemPropertyGroup RangeDimension ItemPropertyRange
619 L/Item: ManufacturerParty InformationContentProviderParty OriginAddress ItemInstance Certificate Dimension
625 L/Price: PriceChangeReason PriceTypeCode PriceType OrderableUnitFactorRate ValidityPeriod PriceList
632 L/Price/AllowanceCharge: ID AllowanceChargeReasonCode AllowanceChargeReason MultiplierFactorNumeric PrepaidIndicator SequenceNumeric AccountingCostCode AccountingCost PerUnitAmount TaxCategory TaxTotal PaymentMeans
644 L/Price: PricingExchangeRate
645 L: DeliveryTerms
647 L: ItemPriceExtension
664 //: FinancialInstitution
680 //PaymentMeans: PayerFinancialAccount
681 PaymentMeans: InstructionNote
682 Delivery: DeliveryAddress
"""

#: (rule number, element path under the document, "L/…" under a line, "//…" anywhere) and attribute rules
_ATTRIBUTE_RULES = (
    (648, "CustomizationID", "schemeID"),
    (649, "ProfileID", "schemeID"),
    (650, "ID", "schemeID"),
    (651, "SalesOrderID", "schemeID"),
    (652, "//PartyTaxScheme/CompanyID", "schemeID"),
    (653, "PaymentMeans/PaymentID", "schemeID"),
    (654, "PaymentMeans/PayeeFinancialAccount/ID", "schemeID"),
    (655, "PaymentMeans/PayeeFinancialAccount/FinancialInstitutionBranch/ID", "schemeID"),
    (656, "InvoiceTypeCode", "listID"),
    (657, "DocumentCurrencyCode", "listID"),
    (658, "TaxCurrencyCode", "listID"),
    (659, "AdditionalDocumentReference/DocumentTypeCode", "listID"),
    (660, "//Country/IdentificationCode", "listID"),
    (661, "PaymentMeans/PaymentMeansCode", "listID"),
    (662, "//AllowanceChargeReasonCode", "listID"),
    (667, "//BuyersItemIdentification/ID", "schemeID"),
    (668, "//SellersItemIdentification/ID", "schemeID"),
    (672, "CreditNoteTypeCode", "listID"),
    (674, "//PrimaryAccountNumberID", "schemeID"),
    (675, "//CardAccount/NetworkID", "schemeID"),
    (676, "//PaymentMandate/ID", "schemeID"),
    (677, "//PaymentMandate/PayerFinancialAccount/ID", "schemeID"),
    (678, "//TaxCategory/ID", "schemeID"),
    (679, "//ClassifiedTaxCategory/ID", "schemeID"),
)


def _build() -> tuple[dict[str, list[int]], dict[str, list[int]], dict[str, list[int]]]:
    top: dict[str, list[int]] = {}
    line: dict[str, list[int]] = {}
    anywhere: dict[str, list[int]] = {}
    for raw in _TABLE.strip().splitlines():
        head, names = raw.split(":", 1)
        number_text, _, prefix = head.strip().partition(" ")
        number = int(number_text)
        for i, name in enumerate(names.split()):
            if prefix.startswith("//"):
                path = "/".join(p for p in (prefix[2:], name) if p)
                anywhere.setdefault(path, []).append(number + i)
            elif prefix == "L" or prefix.startswith("L/"):
                path = "/".join(p for p in (prefix[2:], name) if p)
                line.setdefault(path, []).append(number + i)
            else:
                path = "/".join(p for p in (prefix, name) if p)
                top.setdefault(path, []).append(number + i)
    line.setdefault("Price/OrderableUnitFactorRate", []).append(631)  # listed twice in the CEN binding
    return top, line, anywhere


_TOP, _LINE, _ANYWHERE = _build()
RULES_UBL_CR: tuple[str, ...] = tuple(
    sorted(
        {f"UBL-CR-{n:03d}" for paths in (_TOP, _LINE, _ANYWHERE) for ns in paths.values() for n in ns}
        | {f"UBL-CR-{n:03d}" for n, _p, _a in _ATTRIBUTE_RULES}
        | {
            "UBL-CR-002",
            "UBL-CR-412",
            "UBL-CR-663",
            "UBL-CR-665",
            "UBL-CR-666",
            "UBL-CR-669",
            "UBL-CR-670",
            "UBL-CR-671",
            "UBL-CR-673",
        }
    )
)
_LINE_TAGS = ("InvoiceLine", "CreditNoteLine")
_LOCAL_NAMES: dict[str, str] = {}
_MAX_CACHED_STEPS = 20_000  # cache bound: hostile documents may bring any number of distinct tags


class _Node:
    """One step of the table paths (local names from the document element)."""

    __slots__ = ("attributes", "children", "line", "line_numbers", "numbers")

    def __init__(self) -> None:
        self.children: dict[str, _Node] = {}
        self.numbers: list[int] = []  # document-level rules: once per document
        self.line_numbers: list[int] = []  # line rules: once per invoice line
        self.attributes: list[tuple[int, str]] = []  # (rule, attribute) on an element at exactly this path
        self.line = False


def _node(root: _Node, path: str) -> _Node:
    node = root
    for part in path.split("/"):
        node = node.children.setdefault(part, _Node())
    return node


def _trie() -> _Node:
    root = _Node()
    for path, numbers in _TOP.items():
        _node(root, path).numbers.extend(numbers)
    for tag in _LINE_TAGS:
        line = _node(root, tag)
        line.line = True
        for path, numbers in _LINE.items():
            _node(line, path).line_numbers.extend(numbers)
    for number, path, attr in _ATTRIBUTE_RULES:
        if not path.startswith("//"):
            _node(root, path).attributes.append((number, attr))
    return root


_TRIE = _trie()
#: rules on an element anywhere below the document element: (rule, ancestor-or-self local names, attribute
#: that must be present or None), indexed by the element's local name
_ANYWHERE_BY_NAME: dict[str, list[tuple[int, tuple[str, ...], str | None]]] = {}
for _pattern, _numbers in _ANYWHERE.items():
    for _number in _numbers:
        _parts = tuple(reversed(_pattern.split("/")))
        _ANYWHERE_BY_NAME.setdefault(_parts[0], []).append((_number, _parts, None))
for _number, _pattern, _attr in _ATTRIBUTE_RULES:
    if _pattern.startswith("//"):
        _parts = tuple(reversed(_pattern[2:].split("/")))
        _ANYWHERE_BY_NAME.setdefault(_parts[0], []).append((_number, _parts, _attr))
for _number, _name in (
    (669, "AllowanceChargeReasonCode"),
    (670, "AllowanceChargeReason"),
    (671, "MultiplierFactorNumeric"),
):
    _ANYWHERE_BY_NAME.setdefault(_name, []).append((_number, (_name, "AllowanceCharge", "Price"), None))
#: names whose "anywhere" rules all need the same attribute on the element → that attribute
_ATTRIBUTE_ONLY = {
    name: attrs.pop()
    for name, rules in _ANYWHERE_BY_NAME.items()
    if len(attrs := {attr for _n, _p, attr in rules}) == 1 and None not in attrs
}
_ANYWHERE_TAGS = tuple(f"{{*}}{name}" for name in _ANYWHERE_BY_NAME)
#: same elements as ``//*[@unitCodeListID]`` (document order), without a predicate per element
_WITH_UNIT_LIST = etree.XPath("//@unitCodeListID/..")


def _local(tag: object) -> str:
    if not isinstance(tag, str):
        return ""
    name = _LOCAL_NAMES.get(tag)
    if name is None:
        name = tag.rsplit("}", 1)[-1]
        if len(_LOCAL_NAMES) >= _MAX_CACHED_STEPS:  # bounded: start over rather than stop caching
            _LOCAL_NAMES.clear()
        _LOCAL_NAMES[tag] = name
    return name


def _below_root_as(el: etree._Element, names: tuple[str, ...], root: etree._Element) -> bool:
    """True when ``el`` and its ancestors carry ``names`` (innermost first), all below ``root``."""
    node: etree._Element | None = el
    for name in names:
        if node is None or node is root or _local(node.tag) != name:
            return False
        node = node.getparent()
    return node is not None


#: trie step per (trie node, child tag): the tag → local name → child lookup done once per tag
_STEPS: dict[tuple[int, object], _Node | None] = {}


def _step(node: _Node, tag: object) -> _Node | None:
    sub = node.children.get(_local(tag))
    if len(_STEPS) >= _MAX_CACHED_STEPS:  # bounded: start over rather than stop caching
        _STEPS.clear()
    _STEPS[(id(node), tag)] = sub
    return sub


def _walk(el: etree._Element, node: _Node, line: int, report: OncePerContext) -> None:
    """Pre-order over the children of ``el`` that some table path continues into."""
    key = id(node)
    steps = _STEPS
    for child in el.getchildren():
        tag = child.tag
        try:
            sub = steps[(key, tag)]
        except KeyError:
            sub = _step(node, tag)
        if sub is None:
            continue
        context = id(child) if sub.line else line
        for number in sub.numbers:
            report(number, child, 0)
        for number in sub.line_numbers:
            report(number, child, context)
        for number, attr in sub.attributes:
            if child.get(attr) is not None:
                report(number, child, 0)
        if sub.children:
            _walk(child, sub, context, report)


def check_ubl_cr(ctx: Ctx, root: etree._Element) -> None:
    """Report each UBL-CR rule once per document (line rules once per line), as the schematron does.

    The fixed paths are checked by a walk that only enters subtrees some rule refers to; the few
    "anywhere" rules use lxml's C-level tag iteration."""
    is_cn = _local(root.tag) == "CreditNote"
    # UBL-CR-646 (sub invoice lines) is reported by the syntax rules with the KoSIT level
    report = OncePerContext(ctx, "UBL-CR", skip=frozenset({646}))
    _walk(root, _TRIE, 0, report)
    for el in root.iter(*_ANYWHERE_TAGS):
        name = _local(el.tag)
        needed = _ATTRIBUTE_ONLY.get(name)
        if needed is not None and el.get(needed) is None:
            continue  # the common case (an ID without schemeID): no rule can fire
        for number, names, attr in _ANYWHERE_BY_NAME[name]:
            if (attr is None or el.get(attr) is not None) and _below_root_as(el, names, root):
                report(number, el, 0)
    # rules with conditions
    version = find(root, "{*}UBLVersionID")
    if version is not None and (version.text or "").strip() != "2.1":
        report(2, version, 0)
    if not is_cn:
        for due in findall(root, "{*}PaymentMeans/{*}PaymentDueDate"):
            report(412, due, 0)
    for ref in root.iter("{*}AdditionalDocumentReference"):
        codes = [(c.text or "").strip() for c in findall(ref, "{*}DocumentTypeCode")]
        ref_id = find(ref, "{*}ID")
        if "130" not in codes and ref_id is not None and ref_id.get("schemeID") is not None:
            report(665, ref_id, 0)
        if "130" in codes:
            for att in findall(ref, "{*}Attachment"):
                report(666, att, 0)
            for desc in findall(ref, "{*}DocumentDescription"):
                report(673, desc, 0)
    for el in _WITH_UNIT_LIST(root):
        report(663, el, 0)


def message(number: int) -> str:
    """The CEN text pattern: 'A UBL invoice should not include the <path>'."""
    for table, prefix in ((_TOP, ""), (_LINE, "InvoiceLine "), (_ANYWHERE, "")):
        for path, numbers in table.items():
            if number in numbers:
                return f"[UBL-CR-{number:03d}]-A UBL invoice should not include the {prefix}{path.replace('/', ' ')}"
    for n, pattern, attr in _ATTRIBUTE_RULES:
        if n == number:
            return f"[UBL-CR-{number:03d}]-A UBL invoice should not include the {pattern.strip('/').replace('/', ' ')} {attr}"
    special = {
        2: "the UBLVersionID or it should be 2.1",
        663: "the unitCodeListID",
        412: "the PaymentMeans PaymentDueDate",
        665: "the AdditionalDocumentReference ID schemeID unless the ID equals '130'",
        666: "an AdditionalDocumentReference simultaneously referring an Invoice Object Identifier and an Attachment",
        669: "the Price AllowanceCharge AllowanceChargeReasonCode",
        670: "the Price AllowanceCharge AllowanceChargeReason",
        671: "the Price AllowanceCharge MultiplierFactorNumeric",
        673: "an AdditionalDocumentReference simultaneously referring an Invoice Object Identifier and an Document Description",
    }
    return f"[UBL-CR-{number:03d}]-A UBL invoice should not include {special.get(number, 'this element')}"
