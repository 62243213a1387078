"""EN 16931 semantic model (business terms BT-…, business groups BG-…).

Pure, typed and cheap to construct: plain ``dataclasses`` with ``slots``. Both syntaxes (UBL 2.1 and
UN/CEFACT CII D16B) map to and from this one model; ZUGFeRD 1.0 maps into it for display.

Conventions
- Every field is optional where EN 16931 allows absence, and even where it does not: partial documents
  must parse so that the rules can report what is missing ("rules never crash on missing elements").
- Amounts, quantities, percentages are :class:`~decimal.Decimal` built from the text *exactly as written*
  (``Decimal("10.50")`` keeps its two decimals; see :func:`decimals`), so BR-DEC-* can count decimals.
- Dates are :class:`datetime.date`.
- Identifiers carry their scheme (``Identifier.scheme``, e.g. BT-29-1).
- Code lists are ``str`` (currency, country, unit, scheme codes …) and validated by the rules; only short
  closed lists are enums (:class:`VatCategory`).
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum

__all__ = [
    "CREDIT_NOTE_TYPE_CODES",
    "INVOICE_TYPE_CODES",
    "TAX_POINT_CODE_CII_TO_UBL",
    "TAX_POINT_CODE_UBL_TO_CII",
    "AdditionalDocument",
    "Address",
    "AllowanceCharge",
    "Attachment",
    "CardPayment",
    "Contact",
    "CreditTransfer",
    "Delivery",
    "DirectDebit",
    "DocumentTotals",
    "Identifier",
    "Invoice",
    "InvoiceLine",
    "Item",
    "ItemAttribute",
    "ItemClassification",
    "LineVat",
    "Note",
    "Party",
    "Payee",
    "PaymentInstructions",
    "Period",
    "PrecedingInvoice",
    "Price",
    "TaxRepresentative",
    "ThirdPartyPayment",
    "VatBreakdown",
    "VatCategory",
    "decimals",
]


class VatCategory(StrEnum):
    """VAT category code (UNTDID 5305 subset used by EN 16931; BT-95, BT-102, BT-118, BT-151)."""

    STANDARD = "S"  #: standard rate
    ZERO = "Z"  #: zero rated goods
    EXEMPT = "E"  #: exempt from tax
    REVERSE_CHARGE = "AE"  #: VAT reverse charge
    INTRA_COMMUNITY = "K"  #: VAT exempt for EEA intra-community supply
    EXPORT = "G"  #: free export item, VAT not charged
    NOT_SUBJECT = "O"  #: services outside scope of tax
    CANARY_ISLANDS = "L"  #: Canary Islands general indirect tax (IGIC)
    CEUTA_MELILLA = "M"  #: tax for production, services and importation in Ceuta and Melilla (IPSI)

    @classmethod
    def parse(cls, code: str | None) -> VatCategory | str | None:
        """The enum member for ``code``, the raw string for unknown codes (BR-CL-17/18 report them)."""
        if code is None:
            return None
        return _VAT_BY_CODE.get(code, code)


_VAT_BY_CODE: dict[str, VatCategory] = {member.value: member for member in VatCategory}

#: UNTDID 1001 codes allowed for invoices (BR-CL-01 subset, as in the EN 16931 code list 2023+).
INVOICE_TYPE_CODES: frozenset[str] = frozenset(
    {"71", "80", "82", "84", "102", "218", "219", "326", "331", "380", "382", "383", "384", "386",
     "388", "389", "390", "393", "394", "395", "456", "553", "575", "623", "633", "751", "780",
     "875", "876", "877", "935"}
)
#: UNTDID 1001 codes that denote a credit note (UBL CreditNote document; BT-3).
CREDIT_NOTE_TYPE_CODES: frozenset[str] = frozenset({"81", "83", "261", "262", "296", "308", "381", "396", "420", "458", "532"})


#: BT-8: UNTDID 2475 (CII) → UNTDID 2005 (UBL): invoice date, delivery date, paid to date
TAX_POINT_CODE_CII_TO_UBL: dict[str, str] = {"5": "3", "29": "35", "72": "432"}
TAX_POINT_CODE_UBL_TO_CII: dict[str, str] = {v: k for k, v in TAX_POINT_CODE_CII_TO_UBL.items()}


def decimals(value: Decimal | None) -> int:
    """Number of fraction digits as written (``Decimal("1.50")`` → 2, ``Decimal("3")`` → 0).

    Used by BR-DEC-*: the model keeps amounts exactly as written in the XML.
    """
    if value is None or not value.is_finite():
        return 0
    exponent = value.as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


@dataclass(slots=True)
class Identifier:
    """An identifier with optional scheme (e.g. BT-29 + BT-29-1) and scheme version (BT-158-2)."""

    value: str
    scheme: str | None = None
    scheme_version: str | None = None

    def __str__(self) -> str:
        return self.value


@dataclass(slots=True)
class Address:
    """Postal address: BG-5 (seller), BG-8 (buyer), BG-12 (tax representative), BG-15 (delivery).

    Terms given for the seller; the other groups use the parallel terms (BT-50…55/163, BT-64…69/164,
    BT-75…80/165).
    """

    line1: str | None = None  #: BT-35 address line 1
    line2: str | None = None  #: BT-36 address line 2
    line3: str | None = None  #: BT-162 address line 3
    city: str | None = None  #: BT-37 city
    post_code: str | None = None  #: BT-38 post code
    country_subdivision: str | None = None  #: BT-39 country subdivision
    country_code: str | None = None  #: BT-40 country code (ISO 3166-1 alpha-2)


@dataclass(slots=True)
class Contact:
    """Contact: BG-6 (seller: BT-41…43), BG-9 (buyer: BT-56…58)."""

    name: str | None = None  #: BT-41 / BT-56 contact point
    telephone: str | None = None  #: BT-42 / BT-57 telephone number
    email: str | None = None  #: BT-43 / BT-58 email address


@dataclass(slots=True)
class Party:
    """Seller (BG-4) or buyer (BG-7). Terms given as seller / buyer."""

    name: str | None = None  #: BT-27 seller name / BT-44 buyer name
    trading_name: str | None = None  #: BT-28 / BT-45 trading name
    identifiers: list[Identifier] = field(default_factory=list)  #: BT-29 (+BT-29-1) / BT-46 (+BT-46-1)
    legal_registration_id: Identifier | None = None  #: BT-30 (+BT-30-1) / BT-47 (+BT-47-1)
    vat_id: str | None = None  #: BT-31 seller VAT identifier / BT-48 buyer VAT identifier
    tax_registration_id: str | None = None  #: BT-32 seller tax registration identifier (seller only)
    legal_info: str | None = None  #: BT-33 seller additional legal information (seller only)
    electronic_address: Identifier | None = None  #: BT-34 (+BT-34-1) / BT-49 (+BT-49-1)
    address: Address | None = None  #: BG-5 / BG-8 postal address
    contact: Contact | None = None  #: BG-6 / BG-9 contact


@dataclass(slots=True)
class Payee:
    """BG-10 payee (if different from the seller)."""

    name: str | None = None  #: BT-59 payee name
    identifier: Identifier | None = None  #: BT-60 (+BT-60-1) payee identifier
    legal_registration_id: Identifier | None = None  #: BT-61 (+BT-61-1) payee legal registration id


@dataclass(slots=True)
class TaxRepresentative:
    """BG-11 seller tax representative party."""

    name: str | None = None  #: BT-62 seller tax representative name
    vat_id: str | None = None  #: BT-63 seller tax representative VAT identifier
    address: Address | None = None  #: BG-12 postal address (BT-64…69, BT-164)


@dataclass(slots=True)
class Period:
    """A period: BG-14 invoicing period (BT-73/74) or BG-26 invoice line period (BT-134/135)."""

    start: date | None = None  #: BT-73 / BT-134 start date
    end: date | None = None  #: BT-74 / BT-135 end date


@dataclass(slots=True)
class Delivery:
    """BG-13 delivery information."""

    party_name: str | None = None  #: BT-70 deliver to party name
    location_id: Identifier | None = None  #: BT-71 (+BT-71-1) deliver to location identifier
    actual_date: date | None = None  #: BT-72 actual delivery date
    address: Address | None = None  #: BG-15 deliver to address (BT-75…80, BT-165)


@dataclass(slots=True)
class CreditTransfer:
    """BG-17 credit transfer."""

    account_id: str | None = None  #: BT-84 payment account identifier (IBAN)
    account_name: str | None = None  #: BT-85 payment account name
    service_provider_id: str | None = None  #: BT-86 payment service provider identifier (BIC)


@dataclass(slots=True)
class CardPayment:
    """BG-18 payment card information."""

    account_number: str | None = None  #: BT-87 payment card primary account number (last digits)
    holder_name: str | None = None  #: BT-88 payment card holder name


@dataclass(slots=True)
class DirectDebit:
    """BG-19 direct debit."""

    mandate_reference: str | None = None  #: BT-89 mandate reference identifier
    creditor_id: str | None = None  #: BT-90 bank assigned creditor identifier
    debited_account_id: str | None = None  #: BT-91 debited account identifier (IBAN)


@dataclass(slots=True)
class PaymentInstructions:
    """BG-16 payment instructions."""

    means_code: str | None = None  #: BT-81 payment means type code (UNTDID 4461)
    means_text: str | None = None  #: BT-82 payment means text
    remittance_information: str | None = None  #: BT-83 remittance information
    credit_transfers: list[CreditTransfer] = field(default_factory=list)  #: BG-17
    card: CardPayment | None = None  #: BG-18
    direct_debit: DirectDebit | None = None  #: BG-19


@dataclass(slots=True)
class AllowanceCharge:
    """Document-level allowance BG-20 / charge BG-21, or line-level allowance BG-27 / charge BG-28.

    Terms given for BG-20 (allowance) / BG-21 (charge); line-level ones have no VAT fields.
    """

    is_charge: bool = False  #: False = allowance (BG-20/BG-27), True = charge (BG-21/BG-28)
    amount: Decimal | None = None  #: BT-92 / BT-99 (line: BT-136 / BT-141)
    base_amount: Decimal | None = None  #: BT-93 / BT-100 (line: BT-137 / BT-142)
    percentage: Decimal | None = None  #: BT-94 / BT-101 (line: BT-138 / BT-143)
    vat_category: VatCategory | str | None = None  #: BT-95 / BT-102 VAT category code (document level)
    vat_rate: Decimal | None = None  #: BT-96 / BT-103 VAT rate (document level)
    reason: str | None = None  #: BT-97 / BT-104 (line: BT-139 / BT-144)
    reason_code: str | None = None  #: BT-98 / BT-105 (line: BT-140 / BT-145)


@dataclass(slots=True)
class DocumentTotals:
    """BG-22 document totals."""

    line_net_total: Decimal | None = None  #: BT-106 sum of invoice line net amount
    allowance_total: Decimal | None = None  #: BT-107 sum of allowances on document level
    charge_total: Decimal | None = None  #: BT-108 sum of charges on document level
    tax_exclusive: Decimal | None = None  #: BT-109 invoice total amount without VAT
    vat_total: Decimal | None = None  #: BT-110 invoice total VAT amount (in BT-5)
    vat_total_tax_currency: Decimal | None = None  #: BT-111 invoice total VAT amount in accounting currency (BT-6)
    tax_inclusive: Decimal | None = None  #: BT-112 invoice total amount with VAT
    prepaid: Decimal | None = None  #: BT-113 paid amount
    rounding: Decimal | None = None  #: BT-114 rounding amount
    payable: Decimal | None = None  #: BT-115 amount due for payment


@dataclass(slots=True)
class VatBreakdown:
    """BG-23 VAT breakdown (one per VAT category and rate)."""

    taxable_amount: Decimal | None = None  #: BT-116 VAT category taxable amount
    tax_amount: Decimal | None = None  #: BT-117 VAT category tax amount
    category: VatCategory | str | None = None  #: BT-118 VAT category code
    rate: Decimal | None = None  #: BT-119 VAT category rate
    exemption_reason: str | None = None  #: BT-120 VAT exemption reason text
    exemption_reason_code: str | None = None  #: BT-121 VAT exemption reason code (VATEX)


class Attachment:
    """BT-125 attached document (binary object) with BT-125-1 mime code and BT-125-2 filename.

    Parsers hand over the base64 text (``encoded``); it is decoded on first access of :attr:`content`,
    so reading an invoice does not pay for large attachments it never opens.
    """

    __slots__ = ("_content", "_encoded", "filename", "mime_code")

    def __init__(self, content: bytes | None = None, mime_code: str | None = None, filename: str | None = None,
                 *, encoded: str | None = None) -> None:
        self._content = content
        self._encoded = encoded
        self.mime_code = mime_code  #: BT-125-1 attached document mime code
        self.filename = filename  #: BT-125-2 attached document filename

    @property
    def content(self) -> bytes:
        """BT-125 decoded content (b'' when the base64 text is invalid; see :attr:`is_valid`)."""
        if self._content is None:
            self._content = _b64decode(self._encoded or "") or b""
        return self._content

    @content.setter
    def content(self, value: bytes) -> None:
        self._content, self._encoded = value, None

    @property
    def encoded(self) -> str | None:
        """The base64 text as read (None when the content was given as bytes)."""
        return self._encoded

    @property
    def is_valid(self) -> bool:
        """False when the attachment text is not valid base64."""
        return self._content is not None or self._encoded is None or _b64decode(self._encoded) is not None

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Attachment):
            return NotImplemented
        return (self.content, self.mime_code, self.filename) == (other.content, other.mime_code, other.filename)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        size = len(self._content) if self._content is not None else f"~{len(self._encoded or '') * 3 // 4}"
        return f"Attachment(mime_code={self.mime_code!r}, filename={self.filename!r}, size={size})"


def _b64decode(text: str) -> bytes | None:
    try:
        return base64.b64decode("".join(text.split()), validate=True)
    except (binascii.Error, ValueError):
        return None


@dataclass(slots=True)
class AdditionalDocument:
    """BG-24 additional supporting documents."""

    reference: str | None = None  #: BT-122 supporting document reference
    description: str | None = None  #: BT-123 supporting document description
    external_uri: str | None = None  #: BT-124 external document location
    attachment: Attachment | None = None  #: BT-125 attached document


@dataclass(slots=True)
class Note:
    """BG-1 invoice note."""

    text: str | None = None  #: BT-22 invoice note
    subject_code: str | None = None  #: BT-21 invoice note subject code (UNTDID 4451)


@dataclass(slots=True)
class PrecedingInvoice:
    """BG-3 preceding invoice reference."""

    reference: str | None = None  #: BT-25 preceding invoice reference
    issue_date: date | None = None  #: BT-26 preceding invoice issue date


@dataclass(slots=True)
class ThirdPartyPayment:
    """BG-DEX-09 third party payment (XRechnung extension: BT-DEX-001…003)."""

    type_code: str | None = None  #: BT-DEX-001 third party payment type
    amount: Decimal | None = None  #: BT-DEX-002 third party payment amount
    description: str | None = None  #: BT-DEX-003 third party payment description


@dataclass(slots=True)
class Price:
    """BG-29 price details."""

    net_price: Decimal | None = None  #: BT-146 item net price
    discount: Decimal | None = None  #: BT-147 item price discount
    gross_price: Decimal | None = None  #: BT-148 item gross price
    base_quantity: Decimal | None = None  #: BT-149 item price base quantity
    base_quantity_unit: str | None = None  #: BT-150 item price base quantity unit of measure code


@dataclass(slots=True)
class LineVat:
    """BG-30 line VAT information."""

    category: VatCategory | str | None = None  #: BT-151 invoiced item VAT category code
    rate: Decimal | None = None  #: BT-152 invoiced item VAT rate


@dataclass(slots=True)
class ItemClassification:
    """BT-158 item classification identifier (+BT-158-1 scheme, BT-158-2 scheme version)."""

    value: str
    scheme: str | None = None  #: BT-158-1 scheme identifier (UNTDID 7143)
    scheme_version: str | None = None  #: BT-158-2 scheme version identifier


@dataclass(slots=True)
class ItemAttribute:
    """BG-32 item attribute."""

    name: str | None = None  #: BT-160 item attribute name
    value: str | None = None  #: BT-161 item attribute value


@dataclass(slots=True)
class Item:
    """BG-31 item information."""

    name: str | None = None  #: BT-153 item name
    description: str | None = None  #: BT-154 item description
    seller_id: str | None = None  #: BT-155 item seller's identifier
    buyer_id: str | None = None  #: BT-156 item buyer's identifier
    standard_id: Identifier | None = None  #: BT-157 (+BT-157-1) item standard identifier
    classifications: list[ItemClassification] = field(default_factory=list)  #: BT-158
    origin_country: str | None = None  #: BT-159 item country of origin
    attributes: list[ItemAttribute] = field(default_factory=list)  #: BG-32


@dataclass(slots=True)
class InvoiceLine:
    """BG-25 invoice line (and BG-DEX-01 sub invoice line of the XRechnung extension)."""

    id: str | None = None  #: BT-126 invoice line identifier
    note: str | None = None  #: BT-127 invoice line note
    object_id: Identifier | None = None  #: BT-128 (+BT-128-1) invoice line object identifier
    quantity: Decimal | None = None  #: BT-129 invoiced quantity
    unit_code: str | None = None  #: BT-130 invoiced quantity unit of measure code (UN/ECE Rec 20/21)
    net_amount: Decimal | None = None  #: BT-131 invoice line net amount
    order_line_reference: str | None = None  #: BT-132 referenced purchase order line reference
    buyer_accounting_reference: str | None = None  #: BT-133 invoice line buyer accounting reference
    period: Period | None = None  #: BG-26 invoice line period
    allowances: list[AllowanceCharge] = field(default_factory=list)  #: BG-27 invoice line allowances
    charges: list[AllowanceCharge] = field(default_factory=list)  #: BG-28 invoice line charges
    price: Price | None = None  #: BG-29 price details
    vat: LineVat | None = None  #: BG-30 line VAT information
    item: Item | None = None  #: BG-31 item information
    sub_lines: list[InvoiceLine] = field(default_factory=list)  #: BG-DEX-01 sub invoice lines (extension)


@dataclass(slots=True)
class Invoice:
    """The invoice (EN 16931 root, BT-1 … BT-26 and all groups BG-1 … BG-25)."""

    number: str | None = None  #: BT-1 invoice number
    issue_date: date | None = None  #: BT-2 invoice issue date
    type_code: str | None = None  #: BT-3 invoice type code (UNTDID 1001)
    currency_code: str | None = None  #: BT-5 invoice currency code (ISO 4217)
    tax_currency_code: str | None = None  #: BT-6 VAT accounting currency code
    tax_point_date: date | None = None  #: BT-7 value added tax point date
    #: BT-8 value added tax point date code as written: UNTDID 2005 in UBL (3, 35, 432), UNTDID 2475 in CII
    #: (5, 29, 72); the writers translate (see :data:`TAX_POINT_CODE_CII_TO_UBL`)
    tax_point_date_code: str | None = None
    due_date: date | None = None  #: BT-9 payment due date
    buyer_reference: str | None = None  #: BT-10 buyer reference (Leitweg-ID in XRechnung)
    project_reference: str | None = None  #: BT-11 project reference
    contract_reference: str | None = None  #: BT-12 contract reference
    purchase_order_reference: str | None = None  #: BT-13 purchase order reference
    sales_order_reference: str | None = None  #: BT-14 sales order reference
    receiving_advice_reference: str | None = None  #: BT-15 receiving advice reference
    despatch_advice_reference: str | None = None  #: BT-16 despatch advice reference
    tender_or_lot_reference: str | None = None  #: BT-17 tender or lot reference
    invoiced_object_id: Identifier | None = None  #: BT-18 (+BT-18-1) invoiced object identifier
    buyer_accounting_reference: str | None = None  #: BT-19 buyer accounting reference
    payment_terms: str | None = None  #: BT-20 payment terms (Skonto lines in XRechnung)
    notes: list[Note] = field(default_factory=list)  #: BG-1 invoice notes (BT-21, BT-22)
    business_process: str | None = None  #: BT-23 business process type (BG-2)
    specification_id: str | None = None  #: BT-24 specification identifier (BG-2)
    preceding_invoices: list[PrecedingInvoice] = field(default_factory=list)  #: BG-3
    seller: Party | None = None  #: BG-4 seller (BG-5 address, BG-6 contact)
    buyer: Party | None = None  #: BG-7 buyer (BG-8 address, BG-9 contact)
    payee: Payee | None = None  #: BG-10 payee
    tax_representative: TaxRepresentative | None = None  #: BG-11 seller tax representative (BG-12)
    delivery: Delivery | None = None  #: BG-13 delivery information (BG-15 address)
    invoicing_period: Period | None = None  #: BG-14 invoicing period
    payment: PaymentInstructions | None = None  #: BG-16 payment instructions (BG-17/18/19)
    allowances: list[AllowanceCharge] = field(default_factory=list)  #: BG-20 document level allowances
    charges: list[AllowanceCharge] = field(default_factory=list)  #: BG-21 document level charges
    totals: DocumentTotals | None = None  #: BG-22 document totals
    vat_breakdown: list[VatBreakdown] = field(default_factory=list)  #: BG-23 VAT breakdown
    additional_documents: list[AdditionalDocument] = field(default_factory=list)  #: BG-24
    lines: list[InvoiceLine] = field(default_factory=list)  #: BG-25 invoice lines
    third_party_payments: list[ThirdPartyPayment] = field(default_factory=list)  #: BG-DEX-09 (extension)

    @property
    def is_credit_note(self) -> bool:
        """True when BT-3 is a credit note type code (written as UBL CreditNote)."""
        return self.type_code in CREDIT_NOTE_TYPE_CODES

    def iter_lines(self) -> list[InvoiceLine]:
        """All lines depth-first, including BG-DEX-01 sub invoice lines."""
        out: list[InvoiceLine] = []
        stack = list(reversed(self.lines))
        while stack:
            line = stack.pop()
            out.append(line)
            stack.extend(reversed(line.sub_lines))
        return out
