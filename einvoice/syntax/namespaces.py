"""Namespace URIs and canonical prefixes of the supported syntaxes."""

from __future__ import annotations

from typing import Final

UBL_INVOICE: Final = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
UBL_CREDITNOTE: Final = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
CAC: Final = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
CBC: Final = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
EXT: Final = "urn:oasis:names:specification:ubl:schema:xsd:CommonExtensionComponents-2"

RSM: Final = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
RAM: Final = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
UDT: Final = "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"
QDT: Final = "urn:un:unece:uncefact:data:standard:QualifiedDataType:100"

ZF1_RSM: Final = "urn:ferd:CrossIndustryDocument:invoice:1p0"
ZF1_RAM: Final = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:12"
ZF1_UDT: Final = "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:15"

XSI: Final = "http://www.w3.org/2001/XMLSchema-instance"

#: canonical prefix per namespace, used to print readable XPaths in findings
PREFIXES: Final[dict[str, str]] = {
    UBL_INVOICE: "ubl",
    UBL_CREDITNOTE: "cn",
    CAC: "cac",
    CBC: "cbc",
    EXT: "ext",
    RSM: "rsm",
    RAM: "ram",
    UDT: "udt",
    QDT: "qdt",
    ZF1_RSM: "rsm",
    ZF1_RAM: "ram",
    ZF1_UDT: "udt",
}

UBL_NSMAP: Final[dict[str, str]] = {"ubl": UBL_INVOICE, "cn": UBL_CREDITNOTE, "cac": CAC, "cbc": CBC, "ext": EXT}
CII_NSMAP: Final[dict[str, str]] = {"rsm": RSM, "ram": RAM, "udt": UDT, "qdt": QDT}
ZF1_NSMAP: Final[dict[str, str]] = {"rsm": ZF1_RSM, "ram": ZF1_RAM, "udt": ZF1_UDT}
