"""Catalogue of every rule Aktenwerk checks: official id, severity, official texts.

Severities follow the KoSIT validator configuration for XRechnung 3.0 (which runs the CEN
EN 16931 schematron 1.3.x plus the XRechnung schematron): schematron flag ``fatal`` is reported
as ``error``, ``warning`` as ``warning`` and ``information`` as ``information``. English texts are
the CEN TC 434 assertion texts, German texts the XRechnung (KoSIT) assertion texts.

Rule ids of the VAT category "IGIC" (L) and "IPSI" (M) changed between CEN releases
(BR-IG-*/BR-IP-* → BR-AF-*/BR-AG-*); `ALIASES` maps the older ids to the ones reported.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Severity = Literal["fatal", "error", "warning", "information"]
SEVERITY_ORDER: dict[str, int] = {"fatal": 0, "error": 1, "warning": 2, "information": 3}


@dataclass(frozen=True, slots=True)
class RuleSpec:
    """One rule: id, severity under the XRechnung configuration, official texts, origin."""

    id: str
    severity: Severity
    message_en: str | None
    message_de: str | None
    origin: str  # "EN16931", "EN16931-UBL", "EN16931-CII", "XRechnung", "Aktenwerk"

    @property
    def message(self) -> str:
        """The official text: German for XRechnung rules, English for CEN rules."""
        return (
            self.message_de or self.message_en or self.id
            if self.origin in {"XRechnung", "Aktenwerk"}
            else (self.message_en or self.message_de or self.id)
        )


RULES: dict[str, RuleSpec] = {}


def _add(
    rule_id: str, severity: Severity, en: str | None, de: str | None = None, origin: str = "EN16931"
) -> None:
    RULES[rule_id] = RuleSpec(rule_id, severity, en, de, origin)


# --- EN 16931 core rules (BR-01 … BR-67) ------------------------------------------------------------
_CORE = """
BR-01|An Invoice shall have a Specification identifier (BT-24).
BR-02|An Invoice shall have an Invoice number (BT-1).
BR-03|An Invoice shall have an Invoice issue date (BT-2).
BR-04|An Invoice shall have an Invoice type code (BT-3).
BR-05|An Invoice shall have an Invoice currency code (BT-5).
BR-06|An Invoice shall contain the Seller name (BT-27).
BR-07|An Invoice shall contain the Buyer name (BT-44).
BR-08|An Invoice shall contain the Seller postal address (BG-5).
BR-09|The Seller postal address (BG-5) shall contain a Seller country code (BT-40).
BR-10|An Invoice shall contain the Buyer postal address (BG-8).
BR-11|The Buyer postal address shall contain a Buyer country code (BT-55).
BR-12|An Invoice shall have the Sum of Invoice line net amount (BT-106).
BR-13|An Invoice shall have the Invoice total amount without VAT (BT-109).
BR-14|An Invoice shall have the Invoice total amount with VAT (BT-112).
BR-15|An Invoice shall have the Amount due for payment (BT-115).
BR-16|An Invoice shall have at least one Invoice line (BG-25)
BR-17|The Payee name (BT-59) shall be provided in the Invoice, if the Payee (BG-10) is different from the Seller (BG-4)
BR-18|The Seller tax representative name (BT-62) shall be provided in the Invoice, if the Seller (BG-4) has a Seller tax representative party (BG-11)
BR-19|The Seller tax representative postal address (BG-12) shall be provided in the Invoice, if the Seller (BG-4) has a Seller tax representative party (BG-11).
BR-20|The Seller tax representative postal address (BG-12) shall contain a Tax representative country code (BT-69), if the Seller (BG-4) has a Seller tax representative party (BG-11).
BR-21|Each Invoice line (BG-25) shall have an Invoice line identifier (BT-126).
BR-22|Each Invoice line (BG-25) shall have an Invoiced quantity (BT-129).
BR-23|An Invoice line (BG-25) shall have an Invoiced quantity unit of measure code (BT-130).
BR-24|Each Invoice line (BG-25) shall have an Invoice line net amount (BT-131).
BR-25|Each Invoice line (BG-25) shall contain the Item name (BT-153).
BR-26|Each Invoice line (BG-25) shall contain the Item net price (BT-146).
BR-27|The Item net price (BT-146) shall NOT be negative.
BR-28|The Item gross price (BT-148) shall NOT be negative.
BR-29|If both Invoicing period start date (BT-73) and Invoicing period end date (BT-74) are given then the Invoicing period end date (BT-74) shall be later or equal to the Invoicing period start date (BT-73).
BR-30|If both Invoice line period start date (BT-134) and Invoice line period end date (BT-135) are given then the Invoice line period end date (BT-135) shall be later or equal to the Invoice line period start date (BT-134).
BR-31|Each Document level allowance (BG-20) shall have a Document level allowance amount (BT-92).
BR-32|Each Document level allowance (BG-20) shall have a Document level allowance VAT category code (BT-95).
BR-33|Each Document level allowance (BG-20) shall have a Document level allowance reason (BT-97) or a Document level allowance reason code (BT-98).
BR-36|Each Document level charge (BG-21) shall have a Document level charge amount (BT-99).
BR-37|Each Document level charge (BG-21) shall have a Document level charge VAT category code (BT-102).
BR-38|Each Document level charge (BG-21) shall have a Document level charge reason (BT-104) or a Document level charge reason code (BT-105).
BR-41|Each Invoice line allowance (BG-27) shall have an Invoice line allowance amount (BT-136).
BR-42|Each Invoice line allowance (BG-27) shall have an Invoice line allowance reason (BT-139) or an Invoice line allowance reason code (BT-140).
BR-43|Each Invoice line charge (BG-28) shall have an Invoice line charge amount (BT-141).
BR-44|Each Invoice line charge shall have an Invoice line charge reason or an invoice line allowance reason code.
BR-45|Each VAT breakdown (BG-23) shall have a VAT category taxable amount (BT-116).
BR-46|Each VAT breakdown (BG-23) shall have a VAT category tax amount (BT-117).
BR-47|Each VAT breakdown (BG-23) shall be defined through a VAT category code (BT-118).
BR-48|Each VAT breakdown (BG-23) shall have a VAT category rate (BT-119), except if the Invoice is not subject to VAT.
BR-49|A Payment instruction (BG-16) shall specify the Payment means type code (BT-81).
BR-50|A Payment account identifier (BT-84) shall be present if Credit transfer (BG-17) information is provided in the Invoice.
BR-51|In accordance with card payments security standards an invoice should never include a full card primary account number (BT-87). At the moment PCI Security Standards Council has defined that the first 6 digits and last 4 digits are the maximum number of digits to be shown.
BR-52|Each Additional supporting document (BG-24) shall contain a Supporting document reference (BT-122).
BR-53|If the VAT accounting currency code (BT-6) is present, then the Invoice total VAT amount in accounting currency (BT-111) shall be provided.
BR-54|Each Item attribute (BG-32) shall contain an Item attribute name (BT-160) and an Item attribute value (BT-161).
BR-55|Each Preceding Invoice reference (BG-3) shall contain a Preceding Invoice reference (BT-25).
BR-56|Each Seller tax representative party (BG-11) shall have a Seller tax representative VAT identifier (BT-63).
BR-57|Each Deliver to address (BG-15) shall contain a Deliver to country code (BT-80).
BR-61|If the Payment means type code (BT-81) means SEPA credit transfer, Local credit transfer or Non-SEPA international credit transfer, the Payment account identifier (BT-84) shall be present.
BR-62|The Seller electronic address (BT-34) shall have a Scheme identifier.
BR-63|The Buyer electronic address (BT-49) shall have a Scheme identifier.
BR-64|The Item standard identifier (BT-157) shall have a Scheme identifier.
BR-65|The Item classification identifier (BT-158) shall have a Scheme identifier.
BR-66|An Invoice shall contain maximum one Payment Card account (BG-18).
BR-67|An Invoice shall contain maximum one Payment Mandate (BG-19).
BR-CO-03|Value added tax point date (BT-7) and Value added tax point date code (BT-8) are mutually exclusive.
BR-CO-04|Each Invoice line (BG-25) shall be categorized with an Invoiced item VAT category code (BT-151).
BR-CO-09|The Seller VAT identifier (BT-31), the Seller tax representative VAT identifier (BT-63) and the Buyer VAT identifier (BT-48) shall have a prefix in accordance with ISO code ISO 3166-1 alpha-2 by which the country of issue may be identified. Nevertheless, Greece may use the prefix ‘EL’.
BR-CO-10|Sum of Invoice line net amount (BT-106) = Σ Invoice line net amount (BT-131).
BR-CO-11|Sum of allowances on document level (BT-107) = Σ Document level allowance amount (BT-92).
BR-CO-12|Sum of charges on document level (BT-108) = Σ Document level charge amount (BT-99).
BR-CO-13|Invoice total amount without VAT (BT-109) = Σ Invoice line net amount (BT-131) - Sum of allowances on document level (BT-107) + Sum of charges on document level (BT-108).
BR-CO-14|Invoice total VAT amount (BT-110) = Σ VAT category tax amount (BT-117).
BR-CO-15|Invoice total amount with VAT (BT-112) = Invoice total amount without VAT (BT-109) + Invoice total VAT amount (BT-110).
BR-CO-16|Amount due for payment (BT-115) = Invoice total amount with VAT (BT-112) -Paid amount (BT-113) +Rounding amount (BT-114).
BR-CO-17|VAT category tax amount (BT-117) = VAT category taxable amount (BT-116) x (VAT category rate (BT-119) / 100), rounded to two decimals.
BR-CO-18|An Invoice shall at least have one VAT breakdown group (BG-23).
BR-CO-19|If Invoicing period (BG-14) is used, the Invoicing period start date (BT-73) or the Invoicing period end date (BT-74) shall be filled, or both.
BR-CO-20|If Invoice line period (BG-26) is used, the Invoice line period start date (BT-134) or the Invoice line period end date (BT-135) shall be filled, or both.
BR-CO-21|Each Document level allowance (BG-20) shall contain a Document level allowance reason (BT-97) or a Document level allowance reason code (BT-98), or both.
BR-CO-22|Each Document level charge (BG-21) shall contain a Document level charge reason (BT-104) or a Document level charge reason code (BT-105), or both.
BR-CO-23|Each Invoice line allowance (BG-27) shall contain an Invoice line allowance reason (BT-139) or an Invoice line allowance reason code (BT-140), or both.
BR-CO-24|Each Invoice line charge (BG-28) shall contain an Invoice line charge reason (BT-144) or an Invoice line charge reason code (BT-145), or both.
BR-CO-25|In case the Amount due for payment (BT-115) is positive, either the Payment due date (BT-9) or the Payment terms (BT-20) shall be present.
BR-CO-26|In order for the buyer to automatically identify a supplier, the Seller identifier (BT-29), the Seller legal registration identifier (BT-30) and/or the Seller VAT identifier (BT-31) shall be present.
"""

_DEC = {
    "BR-DEC-01": "Document level allowance amount (BT-92)",
    "BR-DEC-02": "Document level allowance base amount (BT-93)",
    "BR-DEC-05": "Document level charge amount (BT-99)",
    "BR-DEC-06": "Document level charge base amount (BT-100)",
    "BR-DEC-09": "Sum of Invoice line net amount (BT-106)",
    "BR-DEC-10": "Sum of allowanced on document level (BT-107)",
    "BR-DEC-11": "Sum of charges on document level (BT-108)",
    "BR-DEC-12": "Invoice total amount without VAT (BT-109)",
    "BR-DEC-13": "Invoice total VAT amount (BT-110)",
    "BR-DEC-14": "Invoice total amount with VAT (BT-112)",
    "BR-DEC-15": "Invoice total VAT amount in accounting currency (BT-111)",
    "BR-DEC-16": "Paid amount (BT-113)",
    "BR-DEC-17": "Rounding amount (BT-114)",
    "BR-DEC-18": "Amount due for payment (BT-115)",
    "BR-DEC-19": "VAT category taxable amount (BT-116)",
    "BR-DEC-20": "VAT category tax amount (BT-117)",
    "BR-DEC-23": "Invoice line net amount (BT-131)",
    "BR-DEC-24": "Invoice line allowance amount (BT-136)",
    "BR-DEC-25": "Invoice line allowance base amount (BT-137)",
    "BR-DEC-27": "Invoice line charge amount (BT-141)",
    "BR-DEC-28": "Invoice line charge base amount (BT-142)",
}

_CODELISTS = """
BR-CL-01|The document type code MUST be coded by the invoice and credit note related code lists of UNTDID 1001.
BR-CL-03|currencyID MUST be coded using ISO code list 4217 alpha-3
BR-CL-04|Invoice currency code MUST be coded using ISO code list 4217 alpha-3
BR-CL-05|Tax currency code MUST be coded using ISO code list 4217 alpha-3
BR-CL-06|Value added tax point date code MUST be coded using a restriction of UNTDID 2005.
BR-CL-07|Object identifier identification scheme identifier MUST be coded using a restriction of UNTDID 1153.
BR-CL-08|Subject Code MUST be coded using a restriction of UNTDID 4451.
BR-CL-10|Any identifier identification scheme identifier MUST be coded using one of the ISO 6523 ICD list.
BR-CL-11|Any registration identifier identification scheme identifier MUST be coded using one of the ISO 6523 ICD list.
BR-CL-13|Item classification identifier identification scheme identifier MUST be coded using one of the UNTDID 7143 list.
BR-CL-14|Country codes in an invoice MUST be coded using ISO code list 3166-1
BR-CL-15|Country codes in an invoice MUST be coded using ISO code list 3166-1
BR-CL-16|Payment means in an invoice MUST be coded using UNCL4461 code list
BR-CL-17|Invoice tax categories MUST be coded using UNCL5305 code list
BR-CL-18|Invoice tax categories MUST be coded using UNCL5305 code list
BR-CL-19|Coded allowance reasons MUST belong to the UNCL 5189 code list
BR-CL-20|Coded charge reasons MUST belong to the UNCL 7161 code list
BR-CL-21|Item standard identifier scheme identifier MUST belong to the ISO 6523 ICD code list
BR-CL-22|Tax exemption reason code identifier scheme identifier MUST belong to the CEF VATEX code list
BR-CL-23|Unit code MUST be coded according to the UN/ECE Recommendation 20 with Rec 21 extension
BR-CL-24|For Mime code in attribute use MIMEMediaType.
BR-CL-25|Endpoint identifier scheme identifier MUST belong to the CEF EAS code list
BR-CL-26|Delivery location identifier scheme identifier MUST belong to the ISO 6523 ICD code list
"""

# VAT category families: (prefix, code, English name, kind)
# kind "rated": S/L/M (rate > 0 or >= 0, tax = base × rate); "zero": Z/E/AE/K/G (rate 0, tax 0); "O".
VAT_FAMILIES: tuple[tuple[str, str, str], ...] = (
    ("BR-S", "S", "Standard rated"),
    ("BR-Z", "Z", "Zero rated"),
    ("BR-E", "E", "Exempt from VAT"),
    ("BR-AE", "AE", "Reverse charge"),
    ("BR-IC", "K", "Intra-community supply"),
    ("BR-G", "G", "Export outside the EU"),
    ("BR-O", "O", "Not subject to VAT"),
    ("BR-AF", "L", "IGIC"),
    ("BR-AG", "M", "IPSI"),
)

#: Older CEN ids → the ids Aktenwerk reports.
ALIASES: dict[str, str] = {}
for _n in range(1, 11):
    ALIASES[f"BR-IG-{_n:02d}"] = f"BR-AF-{_n:02d}"
    ALIASES[f"BR-IP-{_n:02d}"] = f"BR-AG-{_n:02d}"


def _vat_family_texts(prefix: str, name: str) -> dict[str, str]:
    q = f"“{name}”"
    seller_ids = "the Sellers VAT Identifier (BT-31), the Seller Tax registration identifier (BT-32) or the Seller tax representative VAT identifier (BT-63)"
    if prefix in {"BR-IC", "BR-G"}:
        seller_ids = (
            "the Sellers VAT Identifier (BT-31) or the Seller tax representative VAT identifier (BT-63)"
        )
    buyer = ""
    if prefix == "BR-AE":
        buyer = " and the Buyer VAT identifier (BT-48) and/or the Buyer legal registration identifier (BT-47)"
    elif prefix == "BR-IC":
        buyer = " and the Buyer VAT identifier (BT-48)"
    count = "at least one" if prefix in {"BR-S", "BR-AF", "BR-AG"} else "exactly one"
    t: dict[str, str] = {
        "01": f'An Invoice that contains an Invoice line (BG-25), a Document level allowance (BG-20) or a Document level charge (BG-21) where the VAT category code (BT-151, BT-95 or BT-102) is {q} shall contain in the VAT breakdown (BG-23) {count} VAT category code (BT-118) equal with "{name}".',
        "02": f"An Invoice that contains an Invoice line (BG-25) where the Invoiced item VAT category code (BT-151) is {q} shall contain {seller_ids}{buyer}.",
        "03": f"An Invoice that contains a Document level allowance (BG-20) where the Document level allowance VAT category code (BT-95) is {q} shall contain {seller_ids}{buyer}.",
        "04": f"An Invoice that contains a Document level charge (BG-21) where the Document level charge VAT category code (BT-102) is {q} shall contain {seller_ids}{buyer}.",
    }
    if prefix == "BR-O":
        t["02"] = (
            f"An Invoice that contains an Invoice line (BG-25) where the Invoiced item VAT category code (BT-151) is {q} shall not contain the Seller VAT identifier (BT-31), the Seller tax representative VAT identifier (BT-63) or the Buyer VAT identifier (BT-48)."
        )
        t["03"] = (
            f"An Invoice that contains a Document level allowance (BG-20) where the Document level allowance VAT category code (BT-95) is {q} shall not contain the Seller VAT identifier (BT-31), the Seller tax representative VAT identifier (BT-63) or the Buyer VAT identifier (BT-48)."
        )
        t["04"] = (
            f"An Invoice that contains a Document level charge (BG-21) where the Document level charge VAT category code (BT-102) is {q} shall not contain the Seller VAT identifier (BT-31), the Seller tax representative VAT identifier (BT-63) or the Buyer VAT identifier (BT-48)."
        )
        t["05"] = (
            f"An Invoice line (BG-25) where the VAT category code (BT-151) is {q} shall not contain an Invoiced item VAT rate (BT-152)."
        )
        t["06"] = (
            f"A Document level allowance (BG-20) where VAT category code (BT-95) is {q} shall not contain a Document level allowance VAT rate (BT-96)."
        )
        t["07"] = (
            f"A Document level charge (BG-21) where the VAT category code (BT-102) is {q} shall not contain a Document level charge VAT rate (BT-103)."
        )
    elif prefix in {"BR-S"}:
        t["05"] = (
            f"In an Invoice line (BG-25) where the Invoiced item VAT category code (BT-151) is {q} the Invoiced item VAT rate (BT-152) shall be greater than zero."
        )
        t["06"] = (
            f"In a Document level allowance (BG-20) where the Document level allowance VAT category code (BT-95) is {q} the Document level allowance VAT rate (BT-96) shall be greater than zero."
        )
        t["07"] = (
            f"In a Document level charge (BG-21) where the Document level charge VAT category code (BT-102) is {q} the Document level charge VAT rate (BT-103) shall be greater than zero."
        )
    elif prefix in {"BR-AF", "BR-AG"}:
        t["05"] = (
            f"In an Invoice line (BG-25) where the Invoiced item VAT category code (BT-151) is {q} the Invoiced item VAT rate (BT-152) shall be 0 (zero) or greater than zero."
        )
        t["06"] = (
            f"In a Document level allowance (BG-20) where the Document level allowance VAT category code (BT-95) is {q} the Document level allowance VAT rate (BT-96) shall be 0 (zero) or greater than zero."
        )
        t["07"] = (
            f"In a Document level charge (BG-21) where the Document level charge VAT category code (BT-102) is {q} the Document level charge VAT rate (BT-103) shall be 0 (zero) or greater than zero."
        )
    else:
        t["05"] = (
            f"In an Invoice line (BG-25) where the Invoiced item VAT category code (BT-151) is {q}, the Invoiced item VAT rate (BT-152) shall be 0 (zero)."
        )
        t["06"] = (
            f"In a Document level allowance (BG-20) where the Document level allowance VAT category code (BT-95) is {q}, the Document level allowance VAT rate (BT-96) shall be 0 (zero)."
        )
        t["07"] = (
            f"In a Document level charge (BG-21) where the Document level charge VAT category code (BT-102) is {q}, the Document level charge VAT rate (BT-103) shall be 0 (zero)."
        )
    if prefix in {"BR-S", "BR-AF", "BR-AG"}:
        t["08"] = (
            f"For each different value of VAT category rate (BT-119) where the VAT category code (BT-118) is {q}, the VAT category taxable amount (BT-116) in a VAT breakdown (BG-23) shall equal the sum of Invoice line net amounts (BT-131) plus the sum of document level charge amounts (BT-99) minus the sum of document level allowance amounts (BT-92) where the VAT category code (BT-151, BT-102, BT-95) is {q} and the VAT rate (BT-152, BT-103, BT-96) equals the VAT category rate (BT-119)."
        )
        t["09"] = (
            f"The VAT category tax amount (BT-117) in a VAT breakdown (BG-23) where VAT category code (BT-118) is {q} shall equal the VAT category taxable amount (BT-116) multiplied by the VAT category rate (BT-119)."
        )
        t["10"] = (
            f"A VAT breakdown (BG-23) with VAT Category code (BT-118) {q} shall not have a VAT exemption reason code (BT-121) or VAT exemption reason text (BT-120)."
        )
    else:
        t["08"] = (
            f"In a VAT breakdown (BG-23) where the VAT category code (BT-118) is {q} the VAT category taxable amount (BT-116) shall equal the sum of Invoice line net amounts (BT-131) minus the sum of Document level allowance amounts (BT-92) plus the sum of Document level charge amounts (BT-99) where the VAT category codes (BT-151, BT-95, BT-102) are {q}."
        )
        t["09"] = (
            f"The VAT category tax amount (BT-117) in a VAT breakdown (BG-23) where the VAT category code (BT-118) equals {q} shall equal 0 (zero)."
        )
        if prefix == "BR-Z":
            t["10"] = (
                f"A VAT breakdown (BG-23) with VAT Category code (BT-118) {q} shall not have a VAT exemption reason code (BT-121) or VAT exemption reason text (BT-120)."
            )
        else:
            t["10"] = (
                f"A VAT breakdown (BG-23) with the VAT Category code (BT-118) {q} shall have a VAT exemption reason code (BT-121) or a VAT exemption reason text (BT-120)."
            )
    if prefix == "BR-IC":
        t["11"] = (
            "In an Invoice with a VAT breakdown (BG-23) where the VAT category code (BT-118) is “Intra-community supply” the Actual delivery date (BT-72) or the Invoicing period (BG-14) shall not be blank."
        )
        t["12"] = (
            "In an Invoice with a VAT breakdown (BG-23) where the VAT category code (BT-118) is “Intra-community supply” the Deliver to country code (BT-80) shall not be blank."
        )
    if prefix == "BR-O":
        t["11"] = (
            f"An Invoice that contains a VAT breakdown group (BG-23) with a VAT category code (BT-118) {q} shall not contain other VAT breakdown groups (BG-23)."
        )
        t["12"] = (
            f"An Invoice that contains a VAT breakdown group (BG-23) with a VAT category code (BT-118) {q} shall not contain an Invoice line (BG-25) where the Invoiced item VAT category code (BT-151) is not {q}."
        )
        t["13"] = (
            f"An Invoice that contains a VAT breakdown group (BG-23) with a VAT category code (BT-118) {q} shall not contain Document level allowances (BG-20) where Document level allowance VAT category code (BT-95) is not {q}."
        )
        t["14"] = (
            f"An Invoice that contains a VAT breakdown group (BG-23) with a VAT category code (BT-118) {q} shall not contain Document level charges (BG-21) where Document level charge VAT category code (BT-102) is not {q}."
        )
    return t


def _build() -> None:
    for block in (_CORE, _CODELISTS):
        for line in block.strip().splitlines():
            rid, text = line.split("|", 1)
            _add(rid, "error", f"[{rid}]-{text}")
    RULES["BR-51"] = RuleSpec("BR-51", "warning", RULES["BR-51"].message_en, None, "EN16931")
    for rid, term in _DEC.items():
        _add(rid, "error", f"[{rid}]-The allowed maximum number of decimals for the {term} is 2.")
    for prefix, _code, name in VAT_FAMILIES:
        for n, text in _vat_family_texts(prefix, name).items():
            _add(f"{prefix}-{n}", "error", f"[{prefix}-{n}]-{text}")
    _add(
        "BR-B-01",
        "error",
        "[BR-B-01]-An Invoice where the VAT category code (BT-151, BT-95 or BT-102) is “Split payment” shall be a domestic Italian invoice.",
    )
    _add(
        "BR-B-02",
        "error",
        '[BR-B-02]-An Invoice that contains an Invoice line (BG-25), a Document level allowance (BG-20) or a Document level charge (BG-21) where the VAT category code (BT-151, BT-95 or BT-102) is “Split payment" shall not contain an invoice line (BG-25), a Document level allowance (BG-20) or a Document level charge (BG-21) where the VAT category code (BT-151, BT-95 or BT-102) is “Standard rated”.',
    )


_build()


# --- XRechnung 3.0 (KoSIT) -------------------------------------------------------------------------
_XR = """
BR-DE-1|error|Eine Rechnung (INVOICE) muss Angaben zu "PAYMENT INSTRUCTIONS" (BG-16) enthalten.
BR-DE-2|error|Die Gruppe "SELLER CONTACT" (BG-6) muss übermittelt werden.
BR-DE-3|error|Das Element "Seller city" (BT-37) muss übermittelt werden.
BR-DE-4|error|Das Element "Seller post code" (BT-38) muss übermittelt werden.
BR-DE-5|error|Das Element "Seller contact point" (BT-41) muss übermittelt werden.
BR-DE-6|error|Das Element "Seller contact telephone number" (BT-42) muss übermittelt werden.
BR-DE-7|error|Das Element "Seller contact email address" (BT-43) muss übermittelt werden.
BR-DE-8|error|Das Element "Buyer city" (BT-52) muss übermittelt werden.
BR-DE-9|error|Das Element "Buyer post code" (BT-53) muss übermittelt werden.
BR-DE-10|error|Das Element "Deliver to city" (BT-77) muss übermittelt werden, wenn die Gruppe "DELIVER TO ADDRESS" (BG-15) übermittelt wird.
BR-DE-11|error|Das Element "Deliver to post code" (BT-78) muss übermittelt werden, wenn die Gruppe "DELIVER TO ADDRESS" (BG-15) übermittelt wird.
BR-DE-14|error|Das Element "VAT category rate" (BT-119) muss übermittelt werden.
BR-DE-15|error|Das Element "Buyer reference" (BT-10) muss übermittelt werden.
BR-DE-16|error|Wenn in einer Rechnung die Steuercodes S, Z, E, AE, K, G, L oder M verwendet werden, muss mindestens eines der Elemente "Seller VAT identifier" (BT-31), "Seller tax registration identifier" (BT-32) oder "SELLER TAX REPRESENTATIVE PARTY" (BG-11) übermittelt werden.
BR-DE-17|warning|Mit dem Element "Invoice type code" (BT-3) sollen ausschließlich folgende Codes aus der Codeliste UNTDID 1001 übermittelt werden: 326 (Partial invoice), 380 (Commercial invoice), 384 (Corrected invoice), 389 (Self-billed invoice) und 381 (Credit note), 875 (Partial construction invoice), 876 (Partial final construction invoice), 877 (Final construction invoice).
BR-DE-18|error|Skonto Zeilen in "Payment terms" (BT-20) müssen dem regulären Ausdruck #(SKONTO)#TAGE=([0-9]+#PROZENT=[0-9]+\\.[0-9]{2})(#BASISBETRAG=-?[0-9]+\\.[0-9]{2})?#$ entsprechen: im ersten Segment "SKONTO", im zweiten "TAGE=n", im dritten "PROZENT=n" (zwei Nachkommastellen, Punkt), optional "BASISBETRAG=n"; jede Zeile beginnt und endet mit #, am Ende einer vollständigen Skontoangabe muss ein Zeilenumbruch folgen; Großbuchstaben, kein zusätzliches Whitespace.
BR-DE-19|warning|"Payment account identifier" (BT-84) soll eine korrekte IBAN enthalten, wenn in "Payment means type code" (BT-81) mit dem Code 58 SEPA als Zahlungsmittel gefordert wird.
BR-DE-20|warning|"Debited account identifier" (BT-91) soll eine korrekte IBAN enthalten, wenn in "Payment means type code" (BT-81) mit dem Code 59 SEPA als Zahlungsmittel gefordert wird.
BR-DE-21|warning|Das Element "Specification identifier" (BT-24) soll syntaktisch der Kennung des Standards XRechnung entsprechen.
BR-DE-22|error|Das "filename"-Attribut aller "EmbeddedDocumentBinaryObject"-Elemente muss eindeutig sein
BR-DE-23-a|error|Wenn BT-81 "Payment means type code" einen Schlüssel für Überweisungen enthält (30, 58), muss BG-17 "CREDIT TRANSFER" übermittelt werden.
BR-DE-23-b|error|Wenn BT-81 "Payment means type code" einen Schlüssel für Überweisungen enthält (30, 58), dürfen BG-18 und BG-19 nicht übermittelt werden.
BR-DE-24-a|error|Wenn BT-81 "Payment means type code" einen Schlüssel für Kartenzahlungen enthält (48, 54, 55), muss genau BG-18 "PAYMENT CARD INFORMATION" übermittelt werden.
BR-DE-24-b|error|Wenn BT-81 "Payment means type code" einen Schlüssel für Kartenzahlungen enthält (48, 54, 55), dürfen BG-17 und BG-19 nicht übermittelt werden.
BR-DE-25-a|error|Wenn BT-81 "Payment means type code" einen Schlüssel für Lastschriften enthält (59), muss genau BG-19 "DIRECT DEBIT" übermittelt werden.
BR-DE-25-b|error|Wenn BT-81 "Payment means type code" einen Schlüssel für Lastschriften enthält (59), dürfen BG-17 und BG-18 nicht übermittelt werden.
BR-DE-26|warning|Wenn im Element "Invoice type code" (BT-3) der Code 384 (Corrected invoice) übergeben wird, soll PRECEDING INVOICE REFERENCE BG-3 mind. einmal vorhanden sein.
BR-DE-27|warning|In BT-42 sollen mindestens drei Ziffern enthalten sein.
BR-DE-28|warning|In BT-43 soll genau ein @-Zeichen enthalten sein, welches nicht von einem Leerzeichen, einem Punkt, aber mindestens zwei Zeichen auf beiden Seiten flankiert werden soll. Ein Punkt sollte nicht am Anfang oder am Ende stehen.
BR-DE-29|error|Wenn "DIRECT DEBIT" BG-19 vorhanden ist, dann muss "Mandate reference identifier" BT-89 übermittelt werden.
BR-DE-18-a|error|BT-20 darf nicht mehrfach vorhanden sein.
BR-TMP-1|warning|BG-30 LINE VAT INFORMATION is allowed exactly once within BG-25 INVOICE LINE. Violation may lead to rejection of the invoice when validation is implemented by CEN.
BR-DEX-15|warning|This CII file might use the concept of Sub Invoice Lines. However XRechnung does not support this.
BR-DE-30|error|Wenn "DIRECT DEBIT" BG-19 vorhanden ist, dann muss "Bank assigned creditor identifier" BT-90 übermittelt werden.
BR-DE-31|error|Wenn "DIRECT DEBIT" BG-19 vorhanden ist, dann muss "Debited account identifier" BT-91 übermittelt werden.
BR-DE-TMP-32|information|Eine Rechnung sollte zur Angabe des Liefer-/Leistungsdatums entweder BT-72 "Actual delivery date", BG-14 "Invoicing period" oder in jeder Rechnungsposition BG-26 "Invoice line period" enthalten.
BR-TMP-2|warning|BT-124 "External document location" muss eine absolute URL mit gültigem Schema enthalten.
BR-DEX-01|error|Das Element "Attached Document" (BT-125) benutzt einen nicht zulässigen MIME-Code. Im Falle einer Extension darf zusätzlich zu der Liste der mime codes (definiert in Abschnitt 8.2, "Binary Object") der MIME-Code application/xml genutzt werden.
BR-DEX-02|warning|Der Wert von "Invoice line net amount" (BT-131) einer "INVOICE LINE" (BG-25) oder einer "SUB INVOICE LINE" (BG-DEX-01) soll der Summe der "Invoice line net amount" (BT-131) der direkt darunterliegenden "SUB INVOICE LINE" (BG-DEX-01) entsprechen.
BR-DEX-03|error|Eine Sub Invoice Line (BG-DEX-01) muss genau eine "SUB INVOICE LINE VAT INFORMATION" (BG-DEX-06) enthalten.
BR-DEX-04|error|Any scheme identifier MUST be coded using one of the ISO 6523 ICD list.
BR-DEX-05|error|Any scheme identifier MUST be coded using one of the ISO 6523 ICD list.
BR-DEX-06|error|Any scheme identifier MUST be coded using one of the ISO 6523 ICD list.
BR-DEX-07|error|Any scheme identifier for an Endpoint Identifier MUST belong to the CEF EAS code list.
BR-DEX-08|error|Any scheme identifier for a Delivery location identifier MUST be coded using one of the ISO 6523 ICD list.
BR-DEX-09|error|Amount due for payment (BT-115) = Invoice total amount with VAT (BT-112) - Paid amount (BT-113) + Rounding amount (BT-114) + Σ Third party payment amount (BT-DEX-002).
BR-DEX-10|error|Das Element "Third party payment type" BT-DEX-001 muss übermittelt werden, wenn die Gruppe "THIRD PARTY PAYMENT" (BG-DEX-09) übermittelt wird.
BR-DEX-11|error|Das Element "Third party payment amount" BT-DEX-002 muss übermittelt werden, wenn die Gruppe "THIRD PARTY PAYMENT" (BG-DEX-09) übermittelt wird.
BR-DEX-12|error|Das Element "Third party payment description" BT-DEX-003 muss übermittelt werden, wenn die Gruppe "THIRD PARTY PAYMENT" (BG-DEX-09) übermittelt wird.
BR-DEX-13|error|Die maximale Anzahl zulässiger Nachkommastellen für das Element "Third party payment amount" (BT-DEX-002) ist 2.
BR-DEX-14|error|Die Währungsangabe von "Third party payment amount" BT-DEX-002 muss BT-5 ("Invoice currency code") entsprechen.
BR-DE-CVD-01|error|Das Element "Contract reference" (BT-12) muss übermittelt werden.
BR-DE-CVD-02|error|Das Element "Tender or lot reference" (BT-17) muss übermittelt werden.
BR-DE-CVD-03|error|In einer Rechnung muss mindestens eine INVOICE LINE (BG-25) enthalten sein, in der der Scheme identifier von "Item classification identifier" (BT-158) den Wert 'CVD' und der "Item attribute name" (BT-160) den Wert 'cva' enthält.
BR-DE-CVD-06-a|error|Wenn der Scheme identifier von "Item classification identifier" (BT-158) mit dem Wert 'CVD' angegeben ist, muss in derselben Rechnungszeile genau ein "Item attribute name" (BT-160) mit dem Wert 'cva' vorhanden sein.
BR-DE-CVD-06-b|error|Wenn "Item attribute name" (BT-160) mit dem Wert 'cva' angegeben ist, muss in derselben Rechnungszeile genau ein "Item classification identifier" (BT-158) mit dem Scheme identifier 'CVD' vorhanden sein.
"""

# --- syntax bindings (CEN UBL / CII) -----------------------------------------------------------------
_SYNTAX = """
UBL-SR-01|error|Contract identifier shall occur maximum once.
UBL-SR-02|error|Receive advice identifier shall occur maximum once
UBL-SR-03|error|Despatch advice identifier shall occur maximum once
UBL-SR-04|error|Invoice object identifier shall occur maximum once
UBL-SR-05|error|Payment terms shall occur maximum once
UBL-SR-06|error|Preceding invoice reference shall occur maximum once
UBL-SR-07|error|If there is a preceding invoice reference, the preceding invoice number shall be present
UBL-SR-08|error|Invoice period shall occur maximum once
UBL-SR-09|error|Seller name shall occur maximum once
UBL-SR-10|error|Seller trader name shall occur maximum once
UBL-SR-11|error|Seller legal registration identifier shall occur maximum once
UBL-SR-12|error|Seller VAT identifier shall occur maximum once
UBL-SR-13|error|Seller tax registration shall occur maximum once
UBL-SR-14|error|Seller additional legal information shall occur maximum once
UBL-SR-15|error|Buyer name shall occur maximum once
UBL-SR-16|error|Buyer identifier shall occur maximum once
UBL-SR-17|error|Buyer legal registration identifier shall occur maximum once
UBL-SR-18|error|Buyer VAT identifier shall occur maximum once
UBL-SR-19|error|Payee name shall occur maximum once, if the Payee is different from the Seller
UBL-SR-20|error|Payee identifier shall occur maximum once, if the Payee is different from the Seller
UBL-SR-21|error|Payee legal registration identifier shall occur maximum once, if the Payee is different from the Seller
UBL-SR-22|error|Seller tax representative name shall occur maximum once, if the Seller has a tax representative
UBL-SR-23|error|Seller tax representative VAT identifier shall occur maximum once, if the Seller has a tax representative
UBL-SR-24|error|Deliver to information shall occur maximum once
UBL-SR-25|error|Deliver to party name shall occur maximum once
UBL-SR-26|error|Payment reference shall occur maximum once
UBL-SR-27|error|Payment means text shall occur maximum once
UBL-SR-28|error|Mandate reference identifier shall occur maximum once
UBL-SR-29|error|Bank creditor reference shall occur maximum once
UBL-SR-30|error|Document level allowance reason shall occur maximum once
UBL-SR-31|error|Document level charge reason shall occur maximum once
UBL-SR-32|error|VAT exemption reason text shall occur maximum once
UBL-SR-33|error|Supporting document description shall occur maximum once
UBL-SR-34|error|Invoice line note shall occur maximum once
UBL-SR-35|error|Referenced purchase order line identifier shall occur maximum once
UBL-SR-36|error|Invoice line period shall occur maximum once
UBL-SR-37|error|Item price discount shall occur maximum once
UBL-SR-39|error|Project reference shall occur maximum once.
UBL-SR-40|error|Buyer trade name shall occur maximum once
UBL-SR-42|error|Party tax scheme shall occur maximum twice in accounting supplier party
UBL-SR-43|error|Scheme identifier shall only be used for invoiced object (document type code with value 130 or 50)
UBL-SR-44|error|An Invoice may only have one unique PaymentID, but the PaymentID may be used for multiple PaymentMeans
UBL-SR-45|error|Due Date shall occur maximum once
UBL-SR-46|error|Payment means text shall occur maximum once
UBL-SR-47|error|When there are more than one payment means code, they shall be equal
UBL-SR-48|error|Invoice lines shall have one and only one classified tax category.
UBL-SR-49|error|Value tax point date shall occur maximum once
UBL-SR-50|error|Item description shall occur maximum once
UBL-SR-51|error|An address can only have one third line.
UBL-SR-52|error|Document reference shall occur maximum once.
UBL-SR-53|error| CompanyID (VAT Identifier) must be stated when providing the PartyTaxScheme/TaxScheme/ID.
UBL-DT-01|error|Amounts shall be decimal up to two fraction digits
UBL-DT-06|error|Binary object elements shall contain the mime code attribute
UBL-DT-07|error|Binary object elements shall contain the file name attribute
UBL-CR-646|warning|A UBL invoice should not include the InvoiceLine SubInvoiceLine
BR-66|error|[BR-66]-An Invoice shall contain maximum one Payment Card account (BG-18).
BR-67|error|[BR-67]-An Invoice shall contain maximum one Payment Mandate (BG-19).
CII-SR-452|warning|Only one Payment Terms (BT-20) should be present
CII-SR-453|warning|Only one Payment Terms description (BT-20) should be present
CII-SR-454|warning|Exactly one line VAT information (BG-30, ApplicableTradeTax) shall be given per invoice line (BG-25)
CII-SR-461|error|Value added tax point date (BT-7) shall occur maximum once
CII-SR-462|error|Value added tax point date code (BT-8) shall occur maximum once (all DueDateTypeCode values shall be equal)
CII-SR-465|warning|Seller contact point (BT-41) and seller contact department (DepartmentName) shall not both be present
CII-SR-466|warning|Buyer contact point (BT-56) and buyer contact department (DepartmentName) shall not both be present
CII-DT-097|error|[CII-DT-097] - Date time string with format attribute 102 shall be YYYYMMDD.
CII-SR-009|error|[CII-SR-009] - GuidelineSpecifiedDocumentContextParameter must exist exactly once
CII-SR-010|error|[CII-SR-010] - ID must exist exactly once
CII-SR-014|error|[CII-SR-014] - TypeCode must exist exactly once
CII-SR-046|error|[CII-SR-046] - schemeID must be present if GlobalID is present
CII-SR-069|error|[CII-SR-069] - Description should exist maximum once.
CII-SR-072|error|[CII-SR-072] - Value should exist maximum once.
CII-SR-090|error|[CII-SR-090] - ID should exist maximum once.
CII-SR-439|error|[CII-SR-439] - ChargeAmount should exist maximum once
CII-SR-440|error|[CII-SR-440] - ActualAmount should exist maximum once
CII-SR-441|error|[CII-SR-441] - ChargeAmount should exist maximum once
CII-SR-455|error|[CII-SR-455] - DefinedTradeContact of SellerTradeParty shall exist maximum once
CII-SR-456|error|[CII-SR-456] - DefinedTradeContact of BuyerTradeParty shall exist maximum once
CII-SR-459|error|[CII-SR-459] - SellerTradeParty URIUniversalCommunication should exist maximum once
CII-SR-460|error|[CII-SR-460] - BuyerTradeParty URIUniversalCommunication should exist maximum once
CII-SR-463|error|[CII-SR-463] - Each Specified Trade Allowance Charge (BG-20)(BG-21) shall contain a Charge Indicator.
CII-DT-001|error|[CII-DT-001] - schemeName should not be present
CII-DT-002|error|[CII-DT-002] - schemeAgencyName should not be present
CII-DT-003|error|[CII-DT-003] - schemeDataURI should not be present
CII-DT-004|error|[CII-DT-004] - schemeURI should not be present
CII-DT-005|error|[CII-DT-005] - schemeID should not be present
CII-DT-006|error|[CII-DT-006] - schemeAgencyID should not be present
CII-DT-007|error|[CII-DT-007] - schemeVersionID should not be present
CII-DT-008|error|[CII-DT-008] - name should not be present
CII-DT-009|error|[CII-DT-009] - listURI should not be present
CII-DT-010|error|[CII-DT-010] - listID should not be present
CII-DT-011|error|[CII-DT-011] - listAgencyID should not be present
CII-DT-012|error|[CII-DT-012] - listVersionID should not be present
CII-DT-013|error|[CII-DT-013] - languageID should not be present
CII-DT-014|error|[CII-DT-014] - languageLocaleID should not be present
CII-DT-015|error|[CII-DT-015] - URIID should not be present
CII-DT-016|error|[CII-DT-016] - StatusCode should not be present
CII-DT-017|error|[CII-DT-017] - CopyIndicator should not be present
CII-DT-018|error|[CII-DT-018] - TypeCode should not be present
CII-DT-019|error|[CII-DT-019] - GlobalID should not be present
CII-DT-020|error|[CII-DT-020] - RevisionID should not be present
CII-DT-021|error|[CII-DT-021] - Name should not be present
CII-DT-022|error|[CII-DT-022] - AttachmentBinaryObject should not be present
CII-DT-023|error|[CII-DT-023] - Information should not be present
CII-DT-024|error|[CII-DT-024] - ReferenceTypeCode should not be present
CII-DT-025|error|[CII-DT-025] - SectionName should not be present
CII-DT-026|error|[CII-DT-026] - PreviousRevisionID should not be present
CII-DT-027|error|[CII-DT-027] - FormattedIssueDateTime should not be present
CII-DT-028|error|[CII-DT-028] - EffectiveSpecifiedPeriod should not be present
CII-DT-029|error|[CII-DT-029] - IssuerTradeParty should not be present
CII-DT-030|error|[CII-DT-030] - AttachedSpecifiedBinaryFile should not be present
CII-DT-031|error|[CII-DT-031] - currencyID should not be present
CII-DT-032|error|[CII-DT-032] - currencyCodeListVersionID should not be present
CII-DT-034|error|[CII-DT-034] - unitCodeListID should not be present
CII-DT-035|error|[CII-DT-035] - unitCodeListAgencyID should not be present
CII-DT-036|error|[CII-DT-036] - unitCodeListAgencyName should not be present
CII-DT-037|error|[CII-DT-037] - TypeCode shall be 'VAT'
CII-DT-033|error|[CII-DT-033] - unitCode should not be present
CII-DT-038|error|[CII-DT-038] - CalculatedRate should not be present
CII-DT-039|error|[CII-DT-039] - CalculationSequenceNumeric should not be present
CII-DT-040|error|[CII-DT-040] - BasisQuantity should not be present
CII-DT-041|error|[CII-DT-041] - BasisAmount should not be present
CII-DT-042|error|[CII-DT-042] - UnitBasisAmount should not be present
CII-DT-043|error|[CII-DT-043] - LineTotalBasisAmount should not be present
CII-DT-044|error|[CII-DT-044] - AllowanceChargeBasisAmount should not be present
CII-DT-045|error|[CII-DT-045] - listID should not be present
CII-DT-046|error|[CII-DT-046] - listAgencyID should not be present
CII-DT-047|error|[CII-DT-047] - listVersionID should not be present
CII-DT-048|error|[CII-DT-048] - listURI should not be present
CII-DT-049|error|[CII-DT-049] - CurrencyCode should not be present
CII-DT-050|error|[CII-DT-050] - Jurisdiction should not be present
CII-DT-051|error|[CII-DT-051] - CustomsDutyIndicator should not be present
CII-DT-052|error|[CII-DT-052] - ExemptionReasonCode should not be present
CII-DT-053|error|[CII-DT-053] - TaxBasisAllowanceRate should not be present
CII-DT-054|error|[CII-DT-054] - TaxPointDate should not be present
CII-DT-055|error|[CII-DT-055] - Type should not be present
CII-DT-056|error|[CII-DT-056] - InformationAmount should not be present
CII-DT-057|error|[CII-DT-057] - CategoryName should not be present
CII-DT-058|error|[CII-DT-058] - DueDateTypeCode should not be present
CII-DT-059|error|[CII-DT-059] - format should not be present
CII-DT-060|error|[CII-DT-060] - SpecifiedTradeAccountingAccount should not be present
CII-DT-061|error|[CII-DT-061] - ServiceSupplyTradeCountry should not be present
CII-DT-062|error|[CII-DT-062] - BuyerRepayableTaxSpecifiedTradeAccountingAccount should not be present
CII-DT-063|error|[CII-DT-063] - SellerPayableTaxSpecifiedTradeAccountingAccount should not be present
CII-DT-064|error|[CII-DT-064] - SellerRefundableTaxSpecifiedTradeAccountingAccount should not be present
CII-DT-065|error|[CII-DT-065] - BuyerDeductibleTaxSpecifiedTradeAccountingAccount should not be present
CII-DT-066|error|[CII-DT-066] - BuyerNonDeductibleTaxSpecifiedTradeAccountingAccount should not be present
CII-DT-067|error|[CII-DT-067] - PlaceApplicableTradeLocation should not be present
CII-DT-098|error|[CII-DT-098] - ExemptionReason should not be present
CII-DT-068|error|[CII-DT-068] - DateTime shall not be used.
CII-DT-069|error|[CII-DT-069] - DurationMeasure shall not be used.
CII-DT-070|error|[CII-DT-070] - InclusiveIndicator shall not be used.
CII-DT-071|error|[CII-DT-071] - Description shall not be used.
CII-DT-072|error|[CII-DT-072] - DateTime shall not be used.
CII-DT-073|error|[CII-DT-073] - CompleteDateTime shall not be used.
CII-DT-074|error|[CII-DT-074] - OpenIndicator shall not be used.
CII-DT-075|error|[CII-DT-075] - SeasonCode shall not be used.
CII-DT-076|error|[CII-DT-076] - ID shall not be used.
CII-DT-077|error|[CII-DT-077] - Name shall not be used.
CII-DT-078|error|[CII-DT-078] - SequenceNumeric shall not be used.
CII-DT-079|error|[CII-DT-079] - StartDateFlexibilityCode shall not be used.
CII-DT-080|error|[CII-DT-080] - ContinuousIndicator shall not be used.
CII-DT-081|error|[CII-DT-081] - PurposeCode shall not be used.
CII-DT-082|error|[CII-DT-082] - ID shall not be used.
CII-DT-083|error|[CII-DT-083] - PostOfficeBox shall not be used.
CII-DT-084|error|[CII-DT-084] - BuildingName shall not be used.
CII-DT-086|error|[CII-DT-086] - LineFour shall not be used.
CII-DT-087|error|[CII-DT-087] - LineFive shall not be used.
CII-DT-088|error|[CII-DT-088] - StreetName shall not be used.
CII-DT-089|error|[CII-DT-089] - CitySubDivisionName shall not be used.
CII-DT-090|error|[CII-DT-090] - CountryName shall not be used.
CII-DT-091|error|[CII-DT-091] - CountrySubDivisionID shall not be used.
CII-DT-092|error|[CII-DT-092] - AttentionOf shall not be used.
CII-DT-093|error|[CII-DT-093] - CareOf shall not be used.
CII-DT-094|error|[CII-DT-094] - BuildingNumber shall not be used.
CII-DT-095|error|[CII-DT-095] - DepartmentName shall not be used.
CII-DT-096|error|[CII-DT-096] - AdditionalStreetName shall not be used.
"""

# --- PEPPOL-EN16931 rules integrated into XRechnung 3.0 (errors in UBL, warnings in CII) -----------------
_PEPPOL = """
R001|Business process MUST be provided.
R005|VAT accounting currency code MUST be different from invoice currency code when provided.
R008|Document MUST not contain empty elements.
R010|Buyer electronic address MUST be provided
R020|Seller electronic address MUST be provided
R040|Allowance/charge amount must equal base amount * percentage/100 if base amount and percentage exists
R041|Allowance/charge base amount MUST be provided when allowance/charge percentage is provided.
R042|Allowance/charge percentage MUST be provided when allowance/charge base amount is provided.
R043|Allowance/charge ChargeIndicator value MUST equal 'true' or 'false'
R044|Charge on price level is NOT allowed. Only value 'false' allowed.
R046|Item net price MUST equal (Gross price - Allowance amount) when gross price is provided.
R053|Only one tax total with tax subtotals MUST be provided.
R054|Only one tax total without tax subtotals MUST be provided when tax currency code is provided.
R055|Invoice total VAT amount and Invoice total VAT amount in accounting currency MUST have the same operational sign
R061|Mandate reference MUST be provided for direct debit.
R101|Element Document reference can only be used for Invoice line object
R110|Start date of line period MUST be within invoice period.
R111|End date of line period MUST be within invoice period.
R120|Invoice line net amount MUST equal (Invoiced quantity * (Item net price/item price base quantity) + Sum of invoice line charge amount - sum of invoice line allowance amount
R121|Base quantity MUST be a positive number above zero.
R130|Unit code of price base quantity MUST be same as invoiced quantity.
"""
PEPPOL_RULES = tuple(f"PEPPOL-EN16931-{line.split('|', 1)[0]}" for line in _PEPPOL.strip().splitlines())

# --- Aktenwerk's own findings (not part of any schematron) --------------------------------------------
_AW = {
    "AW-UNREADABLE": (
        "fatal",
        "The file cannot be read as an e-invoice.",
        "Die Datei kann nicht als E-Rechnung gelesen werden.",
    ),
    "AW-PROFILE-NOT-EN16931": (
        "error",
        "The Factur-X/ZUGFeRD profile MINIMUM or BASIC WL is not an EN 16931 compliant invoice (no invoice lines); it is not a valid e-invoice in Germany.",
        "Das Profil MINIMUM bzw. BASIC WL ist keine EN-16931-konforme Rechnung (keine Rechnungspositionen) und in Deutschland keine gültige E-Rechnung.",
    ),
    "AW-OUTDATED": (
        "error",
        "Outdated format ZUGFeRD 1.0: not an EN 16931 invoice and no longer a valid e-invoice; the content is shown for information only.",
        "Veraltetes Format ZUGFeRD 1.0: keine EN-16931-Rechnung und keine gültige E-Rechnung mehr; der Inhalt wird nur zur Information angezeigt.",
    ),
    "AW-OUTDATED-XRECHNUNG": (
        "warning",
        "Outdated XRechnung version (before 3.0): checked against EN 16931 only; the KoSIT validator for XRechnung 3.0 rejects it, public buyers require the current version.",
        "Veraltete XRechnung-Version (vor 3.0): nur gegen EN 16931 geprüft; der KoSIT-Validator für XRechnung 3.0 weist sie zurück, öffentliche Auftraggeber verlangen die aktuelle Version.",
    ),
    "AW-DEPRECATED-CODE": (
        "warning",
        "Deprecated code: the value was valid in an earlier code list version (e.g. EAS 9958, now 0204 for the Leitweg-ID).",
        "Veralteter Code: der Wert war in einer früheren Codelisten-Version gültig (z. B. EAS 9958, heute 0204 für die Leitweg-ID).",
    ),
    "AW-EXTENDED-RELAXED": (
        "warning",
        "Factur-X/ZUGFeRD EXTENDED extends EN 16931 (sub lines, logistics charges, further codes); this EN 16931 rule is reported as a warning.",
        "Factur-X/ZUGFeRD EXTENDED erweitert EN 16931 (Unterpositionen, Logistikkosten, weitere Codes); diese EN-16931-Regel wird nur als Warnung gemeldet.",
    ),
    "AW-NOT-XRECHNUNG": (
        "warning",
        "EN 16931 invoice, but not an XRechnung: the German XRechnung rules (BR-DE-*) were not applied. Public buyers in Germany may require XRechnung.",
        "EN-16931-Rechnung, aber keine XRechnung: die XRechnung-Regeln (BR-DE-*) wurden nicht angewendet. Öffentliche Auftraggeber können eine XRechnung verlangen.",
    ),
    "AW-UNKNOWN-SPECIFICATION": (
        "error",
        "The specification identifier (BT-24) names no known EN 16931 specification.",
        "Die Spezifikationskennung (BT-24) nennt keine bekannte EN-16931-Spezifikation.",
    ),
    "AW-DATATYPE": (
        "error",
        "A value does not match its data type (number, date, binary object) as required by the XML schema.",
        "Ein Wert entspricht nicht seinem Datentyp (Zahl, Datum, Binärobjekt) gemäß XML-Schema.",
    ),
    "AW-PDF-XMP": (
        "warning",
        "ZUGFeRD/Factur-X PDF: the XMP metadata is missing or inconsistent.",
        "ZUGFeRD/Factur-X-PDF: die XMP-Metadaten fehlen oder sind widersprüchlich.",
    ),
    "AW-TRUNCATED": (
        "information",
        "Further findings of the same rules were not listed (at most 200 per rule); number not listed per rule:",
        "Weitere Befunde derselben Regeln wurden nicht einzeln aufgeführt (höchstens 200 je Regel); nicht aufgeführt je Regel:",
    ),
    "AW-XSD": (
        "error",
        "The document violates the XML Schema of its syntax (UBL 2.1 / UN/CEFACT CII): unknown, repeated or misplaced element.",
        "Das Dokument verletzt das XML-Schema seiner Syntax (UBL 2.1 / UN/CEFACT CII): unbekanntes, wiederholtes oder falsch platziertes Element.",
    ),
    "AW-LEITWEG-ID": (
        "warning",
        "The buyer reference (BT-10) has the form of a Leitweg-ID, but its check digits (ISO/IEC 7064 Mod 97-10) are wrong; the invoice may be routed to the wrong office.",
        "Die Käuferreferenz (BT-10) hat die Form einer Leitweg-ID, aber die Prüfziffern (ISO/IEC 7064 Mod 97-10) stimmen nicht; die Rechnung kann falsch zugestellt werden.",
    ),
    "AW-INTERNAL": (
        "fatal",
        "Internal error while checking a rule.",
        "Interner Fehler bei der Prüfung einer Regel.",
    ),
}


def _build_more() -> None:
    for line in _XR.strip().splitlines():
        rid, sev, text = line.split("|", 2)
        _add(rid, sev, None, f"[{rid}] {text}", origin="XRechnung")  # type: ignore[arg-type]
    for line in _SYNTAX.strip().splitlines():
        rid, sev, text = line.split("|", 2)
        origin = "EN16931-CII" if rid.startswith("CII") else "EN16931-UBL"
        _add(rid, sev, text if text.startswith("[") else f"[{rid}]-{text}", origin=origin)  # type: ignore[arg-type]
    for line in _PEPPOL.strip().splitlines():
        num, text = line.split("|", 1)
        _add(f"PEPPOL-EN16931-{num}", "error", text, origin="XRechnung")
    for rid, (sev, en, de) in _AW.items():
        _add(rid, sev, en, de, origin="Aktenwerk")  # type: ignore[arg-type]


_build_more()


def _build_ubl_cr() -> None:
    from einvoice.rules.ubl_cr import RULES_UBL_CR, message  # noqa: PLC0415 - table module, no cycle at import

    for rid in RULES_UBL_CR:
        if rid not in RULES:
            _add(rid, "warning", message(int(rid[-3:])), origin="EN16931-UBL")


_build_ubl_cr()


def _build_cii_sr() -> None:
    from einvoice.rules.cii_sr import RULES_CII_SR, message  # noqa: PLC0415 - table module, no cycle at import

    for rid in RULES_CII_SR:
        if rid not in RULES:
            _add(rid, "warning", message(int(rid[-3:])), origin="EN16931-CII")


_build_cii_sr()

# --- severity overrides of the KoSIT XRechnung scenarios (customLevel) ---------------------------------
_XR_COMMON = {"BR-CL-23": "warning", "BR-CL-21": "warning"}
_XR_CII = {
    "CII-SR-452": "error",
    "CII-SR-453": "error",
    "CII-SR-454": "error",
    "CII-SR-475": "information",
    "CII-SR-476": "information",
}
_EXT = {
    "BR-CL-10": "information",
    "BR-CL-11": "information",
    "BR-CL-21": "information",
    "BR-CL-24": "information",
    "BR-CL-25": "information",
    "BR-CL-26": "information",
}


#: EN 16931 rules that Factur-X/ZUGFeRD EXTENDED legitimately goes beyond (reported as warnings there).
EXTENDED_RELAXED = frozenset({"BR-CL-19", "BR-CL-20"})


def severity_overrides(
    *, xrechnung: bool, extension: bool, cvd: bool, syntax: str, profile: str = ""
) -> dict[str, Severity]:
    """Severity changes the KoSIT XRechnung scenario for this document applies to CEN rules."""
    if profile == "EXTENDED":
        return dict.fromkeys(EXTENDED_RELAXED, "warning")
    if not xrechnung:
        return {}
    out: dict[str, str] = dict(_XR_COMMON)
    if syntax == "CII":
        out.update(_XR_CII)
        out.update(
            dict.fromkeys(PEPPOL_RULES, "warning")
        )  # KoSIT integrates PEPPOL rules for CII as warnings
    if extension:
        out.update(_EXT)
        if syntax.startswith("UBL"):
            out.update({"BR-CO-16": "information", "UBL-CR-646": "information", "UBL-CR-470": "information"})
    elif syntax == "UBL-Invoice":
        out["UBL-CR-646"] = "error"
    if cvd:
        out["BR-CL-13"] = "information"
        if syntax.startswith("UBL"):
            out["UBL-CR-646"] = "error"
    return out  # type: ignore[return-value]
