"""The ``fatal`` CII syntax-binding rules of the CEN schematron (CII-SR-009…463 cardinalities and the
CII-DT-* data type restrictions), checked in one pass over the tree.

They bind EN 16931 CII documents; Factur-X/ZUGFeRD EXTENDED is a *conformant* extension that
legitimately uses more of the CII vocabulary, so the engine does not apply them there.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from lxml import etree

from einvoice.rules.base import Ctx
from einvoice.syntax._common import find, findall, findtext
from einvoice.syntax.namespaces import RAM, RSM, UDT

__all__ = ["check_cii_strict"]

_RAM = f"{{{RAM}}}"
_RSM = f"{{{RSM}}}"
_UDT = f"{{{UDT}}}"


# CII-DT-015…030 on every *ReferencedDocument: child → (rule, exception test)
_REFDOC_FORBIDDEN = {
    "URIID": "CII-DT-015",
    "StatusCode": "CII-DT-016",
    "CopyIndicator": "CII-DT-017",
    "TypeCode": "CII-DT-018",
    "GlobalID": "CII-DT-019",
    "RevisionID": "CII-DT-020",
    "Name": "CII-DT-021",
    "AttachmentBinaryObject": "CII-DT-022",
    "Information": "CII-DT-023",
    "ReferenceTypeCode": "CII-DT-024",
    "SectionName": "CII-DT-025",
    "PreviousRevisionID": "CII-DT-026",
    "FormattedIssueDateTime": "CII-DT-027",
    "EffectiveSpecifiedPeriod": "CII-DT-028",
    "IssuerTradeParty": "CII-DT-029",
    "AttachedSpecifiedBinaryFile": "CII-DT-030",
}
_PERIOD_FORBIDDEN = {
    "DurationMeasure": "CII-DT-069",
    "InclusiveIndicator": "CII-DT-070",
    "Description": "CII-DT-071",
    "CompleteDateTime": "CII-DT-073",
    "OpenIndicator": "CII-DT-074",
    "SeasonCode": "CII-DT-075",
    "ID": "CII-DT-076",
    "Name": "CII-DT-077",
    "SequenceNumeric": "CII-DT-078",
    "StartDateFlexibilityCode": "CII-DT-079",
    "ContinuousIndicator": "CII-DT-080",
    "PurposeCode": "CII-DT-081",
}
_ADDRESS_FORBIDDEN = {
    "ID": "CII-DT-082",
    "PostOfficeBox": "CII-DT-083",
    "BuildingName": "CII-DT-084",
    "LineFour": "CII-DT-086",
    "LineFive": "CII-DT-087",
    "StreetName": "CII-DT-088",
    "CitySubDivisionName": "CII-DT-089",
    "CountryName": "CII-DT-090",
    "CountrySubDivisionID": "CII-DT-091",
    "AttentionOf": "CII-DT-092",
    "CareOf": "CII-DT-093",
    "BuildingNumber": "CII-DT-094",
    "DepartmentName": "CII-DT-095",
    "AdditionalStreetName": "CII-DT-096",
}
_ID_ATTRS = (
    ("schemeName", "CII-DT-101"),
    ("schemeAgencyName", "CII-DT-102"),
    ("schemeDataURI", "CII-DT-103"),
    ("schemeURI", "CII-DT-104"),
)
_ID_NO_ATTRS = (
    ("schemeName", "CII-DT-001"),
    ("schemeAgencyName", "CII-DT-002"),
    ("schemeDataURI", "CII-DT-003"),
    ("schemeURI", "CII-DT-004"),
    ("schemeID", "CII-DT-005"),
    ("schemeAgencyID", "CII-DT-006"),
    ("schemeVersionID", "CII-DT-007"),
)
_DATE_102 = re.compile(r"^\s*(\d{4})(1[0-2]|0[1-9])(3[01]|[12][0-9]|0[1-9])\s*$")


def _local(el: etree._Element) -> str:
    tag = el.tag
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _count(el: etree._Element, path: str) -> int:
    return len(findall(el, path))


def _r(path: str) -> str:
    return "/".join(f"{_RAM}{step}" for step in path.split("/"))


def check_cii_strict(ctx: Ctx, root: etree._Element) -> None:
    fail = ctx.fail
    for attr, rid in (("languageID", "CII-DT-013"), ("languageLocaleID", "CII-DT-014")):
        if root.get(attr) is not None:
            fail(rid, location=ctx.xpath(root))
    context = find(root, f"{_RSM}ExchangedDocumentContext")
    if context is not None:
        guidelines = findall(context, f"{_RAM}GuidelineSpecifiedDocumentContextParameter")
        if len(guidelines) != 1:
            fail("CII-SR-009", "BT-24", location=ctx.xpath(context))
        if sum(_count(g, f"{_RAM}ID") for g in guidelines) != 1:
            fail("CII-SR-010", "BT-24", location=ctx.xpath(context))
    document = find(root, f"{_RSM}ExchangedDocument")
    if document is not None:
        if _count(document, f"{_RAM}TypeCode") != 1:
            fail("CII-SR-014", "BT-3", location=ctx.xpath(document))
        type_code = find(document, f"{_RAM}TypeCode")
        if type_code is not None:
            for attr, rid in (
                ("listID", "CII-DT-010"),
                ("listAgencyID", "CII-DT-011"),
                ("listVersionID", "CII-DT-012"),
            ):
                if type_code.get(attr) is not None:
                    fail(rid, location=ctx.xpath(type_code))
    agreement = find(root, f"{_RSM}SupplyChainTradeTransaction/{_RAM}ApplicableHeaderTradeAgreement")
    if agreement is not None:
        for party, contact_rule, uri_rule in (
            ("SellerTradeParty", "CII-SR-455", "CII-SR-459"),
            ("BuyerTradeParty", "CII-SR-456", "CII-SR-460"),
        ):
            p = find(agreement, f"{_RAM}{party}")
            if p is None:
                continue
            if _count(p, f"{_RAM}DefinedTradeContact") > 1:
                fail(contact_rule, location=ctx.xpath(p))
            if _count(p, f"{_RAM}URIUniversalCommunication") > 1:
                fail(uri_rule, location=ctx.xpath(p))
    scan = _ram_scan(root)
    _structure(ctx, root, scan.referenced, scan.trade_taxes)
    _attributes(ctx, root, scan.with_attributes)
    _quantities_and_category_codes(ctx, root, scan.unit_quantities)


_NS = {"ram": RAM, "udt": UDT}
_STRUCTURE_TAGS = tuple(
    f"{_RAM}{t}"
    for t in (
        "SpecifiedTradeProduct",
        "ApplicableProductCharacteristic",
        "SpecifiedLineTradeAgreement",
        "AppliedTradeAllowanceCharge",
        "SpecifiedTradeAllowanceCharge",
        "BillingSpecifiedPeriod",
        "PostalTradeAddress",
    )
)
_CHECKED_ATTRIBUTES = frozenset(
    {
        "schemeName",
        "schemeAgencyName",
        "schemeDataURI",
        "schemeURI",
        "name",
        "listURI",
        "currencyID",
        "currencyCodeListVersionID",
        "unitCodeListID",
        "unitCodeListAgencyID",
        "unitCodeListAgencyName",
    }
)
_RAM_ANY = f"{_RAM}*"  # every element in the ram: namespace


class _Scan(NamedTuple):
    referenced: list[tuple[etree._Element, str]]  # …ReferencedDocument elements and their local names
    trade_taxes: list[tuple[etree._Element, str]]  # …TradeTax elements and their local names
    with_attributes: list[etree._Element]  # elements carrying one of the checked attributes
    unit_quantities: list[etree._Element]  # …Quantity elements with a unitCode


#: per ram: tag: (local name, …ReferencedDocument, …TradeTax, …Quantity); bounded for hostile documents
_RAM_KINDS: dict[str, tuple[str, bool, bool, bool]] = {}


def _ram_kind(tag: str) -> tuple[str, bool, bool, bool]:
    kind = _RAM_KINDS.get(tag)
    if kind is None:
        name = tag[len(_RAM) :]
        kind = (name, name.endswith("ReferencedDocument"), name.endswith("TradeTax"), name.endswith("Quantity"))
        if len(_RAM_KINDS) >= 20_000:  # bounded: start over rather than stop caching
            _RAM_KINDS.clear()
        _RAM_KINDS[tag] = kind
    return kind


def _ram_scan(root: etree._Element) -> _Scan:
    """One pass over the ram: elements, collecting what the data type rules look at (document order)."""
    referenced: list[tuple[etree._Element, str]] = []
    trade_taxes: list[tuple[etree._Element, str]] = []
    with_attributes: list[etree._Element] = []
    unit_quantities: list[etree._Element] = []
    kinds = _RAM_KINDS
    checked = _CHECKED_ATTRIBUTES
    for el in root.iter(_RAM_ANY):  # C-level namespace filter
        tag = el.tag
        kind = kinds.get(tag) or _ram_kind(tag)
        name, is_referenced, is_trade_tax, is_quantity = kind
        if is_referenced:
            referenced.append((el, name))
        elif is_trade_tax:
            trade_taxes.append((el, name))
        keys = el.keys()
        if keys:
            if not checked.isdisjoint(keys):
                with_attributes.append(el)
            if is_quantity and el.get("unitCode") is not None:
                unit_quantities.append(el)
    return _Scan(referenced, trade_taxes, with_attributes, unit_quantities)


_NO_ATTR_IDS = etree.XPath(
    "/*/*/ram:GuidelineSpecifiedDocumentContextParameter/ram:ID | /*/*/ram:ID"
    " | //ram:AssociatedDocumentLineDocument/ram:LineID | //ram:SpecifiedTradeProduct/ram:SellerAssignedID",
    namespaces=_NS,
)


def _structure(
    ctx: Ctx,
    root: etree._Element,
    referenced: list[tuple[etree._Element, str]],
    trade_taxes: list[tuple[etree._Element, str]],
) -> None:
    fail = ctx.fail
    for el in root.iter(*_STRUCTURE_TAGS):
        name = _local(el)
        if name == "SpecifiedTradeProduct":
            gid = find(el, f"{_RAM}GlobalID")
            if gid is not None and gid.get("schemeID") is None:
                fail("CII-SR-046", "BT-157", location=ctx.xpath(gid))
            if _count(el, _r("OriginTradeCountry/ID")) > 1:
                fail("CII-SR-090", "BT-159", location=ctx.xpath(el))
        elif name == "ApplicableProductCharacteristic":
            if _count(el, f"{_RAM}Description") > 1:
                fail("CII-SR-069", "BT-160", location=ctx.xpath(el))
            if _count(el, f"{_RAM}Value") > 1:
                fail("CII-SR-072", "BT-161", location=ctx.xpath(el))
        elif name == "SpecifiedLineTradeAgreement":
            if _count(el, _r("GrossPriceProductTradePrice/ChargeAmount")) > 1:
                fail("CII-SR-439", "BT-148", location=ctx.xpath(el))
            if _count(el, _r("NetPriceProductTradePrice/ChargeAmount")) > 1:
                fail("CII-SR-441", "BT-146", location=ctx.xpath(el))
        elif name == "AppliedTradeAllowanceCharge":
            if _count(el, f"{_RAM}ActualAmount") > 1:
                fail("CII-SR-440", "BT-147", location=ctx.xpath(el))
        elif name == "SpecifiedTradeAllowanceCharge":
            if find(el, f"{_RAM}ChargeIndicator") is None:
                fail("CII-SR-463", location=ctx.xpath(el))
        elif name == "BillingSpecifiedPeriod":
            for child in el.getchildren():
                child_name = _local(child)
                period_rule = _PERIOD_FORBIDDEN.get(child_name)
                if (
                    period_rule is None
                    and child_name in {"StartDateTime", "EndDateTime"}
                    and find(child, f"{_UDT}DateTime") is not None
                ):
                    period_rule = "CII-DT-068" if child_name == "StartDateTime" else "CII-DT-072"
                if period_rule is not None:
                    fail(period_rule, location=ctx.xpath(child))
        else:  # PostalTradeAddress
            for child in el.getchildren():
                address_rule = _ADDRESS_FORBIDDEN.get(_local(child))
                if address_rule is not None:
                    fail(address_rule, location=ctx.xpath(child))
    for el, name in referenced:
        _referenced_document(ctx, el, name)
    for tax, tax_name in trade_taxes:
        _trade_tax(ctx, tax, tax_name)
    for el in root.iter(f"{_UDT}DateTimeString"):
        if el.get("format") == "102" and not _DATE_102.match(el.text or ""):
            fail("CII-DT-097", location=ctx.xpath(el))


#: TradeTaxType children the EN 16931 binding does not use (CII-DT-038…067, 098)
_TRADE_TAX_FORBIDDEN = {
    "CalculatedRate": "CII-DT-038",
    "CalculationSequenceNumeric": "CII-DT-039",
    "BasisQuantity": "CII-DT-040",
    "UnitBasisAmount": "CII-DT-042",
    "LineTotalBasisAmount": "CII-DT-043",
    "AllowanceChargeBasisAmount": "CII-DT-044",
    "CurrencyCode": "CII-DT-049",
    "Jurisdiction": "CII-DT-050",
    "CustomsDutyIndicator": "CII-DT-051",
    "TaxBasisAllowanceRate": "CII-DT-053",
    "Type": "CII-DT-055",
    "InformationAmount": "CII-DT-056",
    "CategoryName": "CII-DT-057",
    "SpecifiedTradeAccountingAccount": "CII-DT-060",
    "ServiceSupplyTradeCountry": "CII-DT-061",
    "BuyerRepayableTaxSpecifiedTradeAccountingAccount": "CII-DT-062",
    "SellerPayableTaxSpecifiedTradeAccountingAccount": "CII-DT-063",
    "SellerRefundableTaxSpecifiedTradeAccountingAccount": "CII-DT-064",
    "BuyerDeductibleTaxSpecifiedTradeAccountingAccount": "CII-DT-065",
    "BuyerNonDeductibleTaxSpecifiedTradeAccountingAccount": "CII-DT-066",
    "PlaceApplicableTradeLocation": "CII-DT-067",
}
#: allowed only below ApplicableHeaderTradeSettlement
_TRADE_TAX_HEADER_ONLY = {
    "BasisAmount": "CII-DT-041",
    "TaxPointDate": "CII-DT-054",
    "DueDateTypeCode": "CII-DT-058",
}
#: allowed only in ApplicableTradeTax
_TRADE_TAX_APPLICABLE_ONLY = {"ExemptionReasonCode": "CII-DT-052", "ExemptionReason": "CII-DT-098"}
_HEADER_SETTLEMENT = f"{_RAM}ApplicableHeaderTradeSettlement"


def _trade_tax(ctx: Ctx, tax: etree._Element, name: str) -> None:
    fail = ctx.fail
    in_header: bool | None = None
    for child in tax.getchildren():
        tag = child.tag
        if not isinstance(tag, str) or not tag.startswith(_RAM):
            continue
        child_name = tag[len(_RAM) :]
        if child_name == "TypeCode":
            if (child.text or "").strip() != "VAT":
                fail("CII-DT-037", location=ctx.xpath(child))
            continue
        rule = _TRADE_TAX_FORBIDDEN.get(child_name)
        if rule is None and child_name in _TRADE_TAX_HEADER_ONLY:
            if in_header is None:
                in_header = any(a.tag == _HEADER_SETTLEMENT for a in tax.iterancestors())
            rule = None if in_header else _TRADE_TAX_HEADER_ONLY[child_name]
        elif rule is None and child_name in _TRADE_TAX_APPLICABLE_ONLY and name != "ApplicableTradeTax":
            rule = _TRADE_TAX_APPLICABLE_ONLY[child_name]
        elif rule is None and child_name == "RateApplicablePercent" and child.get("format") is not None:
            rule = "CII-DT-059"
        if rule is not None:
            fail(rule, location=ctx.xpath(child))


_LINE_CATEGORY_CODES = (
    f"{_RSM}SupplyChainTradeTransaction/{_RAM}IncludedSupplyChainTradeLineItem/"
    f"{_RAM}SpecifiedLineTradeSettlement/{_RAM}ApplicableTradeTax/{_RAM}CategoryCode"
)
_BILLED_QUANTITIES = (
    f"{_RSM}SupplyChainTradeTransaction/{_RAM}IncludedSupplyChainTradeLineItem/"
    f"{_RAM}SpecifiedLineTradeDelivery/{_RAM}BilledQuantity"
)
_CATEGORY_CODE_ATTRS = (
    ("listID", "CII-DT-045"),
    ("listAgencyID", "CII-DT-046"),
    ("listVersionID", "CII-DT-047"),
    ("listURI", "CII-DT-048"),
)


def _quantities_and_category_codes(
    ctx: Ctx, root: etree._Element, unit_quantities: list[etree._Element]
) -> None:
    """CII-DT-033 (unitCode only when the line quantities carry one) and CII-DT-045…048 (line VAT category
    code without list attributes)."""
    if unit_quantities and not any(q.get("unitCode") is not None for q in findall(root, _BILLED_QUANTITIES)):
        for quantity in unit_quantities:
            ctx.fail("CII-DT-033", location=ctx.xpath(quantity))
    for code in findall(root, _LINE_CATEGORY_CODES):
        if code.attrib:
            for attr, rule in _CATEGORY_CODE_ATTRS:
                if code.get(attr) is not None:
                    ctx.fail(rule, location=ctx.xpath(code))


def _attributes(ctx: Ctx, root: etree._Element, with_attributes: list[etree._Element]) -> None:
    fail = ctx.fail
    for el in with_attributes:
        name = _local(el)
        if name.endswith("ID"):
            for attr, rid in _ID_ATTRS:
                if el.get(attr) is not None:
                    fail(rid, location=ctx.xpath(el))
        if name == "TypeCode":
            for attr, rid in (("name", "CII-DT-008"), ("listURI", "CII-DT-009")):
                if el.get(attr) is not None:
                    fail(rid, location=ctx.xpath(el))
        if name.endswith("Amount") and name != "TaxTotalAmount":
            for attr, rid in (("currencyID", "CII-DT-031"), ("currencyCodeListVersionID", "CII-DT-032")):
                if el.get(attr) is not None:
                    fail(rid, location=ctx.xpath(el))
        if name.endswith("Quantity"):
            for attr, rid in (
                ("unitCodeListID", "CII-DT-034"),
                ("unitCodeListAgencyID", "CII-DT-035"),
                ("unitCodeListAgencyName", "CII-DT-036"),
            ):
                if el.get(attr) is not None:
                    fail(rid, location=ctx.xpath(el))
    for el in _NO_ATTR_IDS(root):
        for attr, rid in _ID_NO_ATTRS:
            if el.get(attr) is not None:
                fail(rid, location=ctx.xpath(el))


def _referenced_document(ctx: Ctx, el: etree._Element, name: str) -> None:
    type_code = (findtext(el, f"{_RAM}TypeCode") or "").strip()
    additional = name == "AdditionalReferencedDocument"
    allowed = {
        "URIID": additional and type_code == "916",
        "TypeCode": additional and type_code in {"50", "130", "916"},
        "Name": additional and type_code == "916",
        "AttachmentBinaryObject": additional and type_code == "916",
        "ReferenceTypeCode": additional and type_code == "130",
        "FormattedIssueDateTime": name == "InvoiceReferencedDocument",
    }
    for child in el.getchildren():
        child_name = _local(child)
        rid = _REFDOC_FORBIDDEN.get(child_name)
        if rid is not None and not allowed.get(child_name, False):
            ctx.fail(rid, location=ctx.xpath(child))
