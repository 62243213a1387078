"""Tables of the invoice workflow (same SQLModel metadata as the documents context).

Storage shapes only; :mod:`dms.invoices.services` validates before building rows. Money is
``Numeric(14, 2)``; dates deciding payment are plain ``date``; instants are UTC.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Column, Index, Numeric, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from dms.db.types import UTCDateTime, utcnow


class Supplier(SQLModel, table=True):
    """A supplier (Kreditor): its users submit invoices; it keeps the known IBANs."""

    __tablename__ = "inv_suppliers"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(sa_column=Column(String(300), nullable=False, index=True))
    vat_id: str | None = Field(default=None, sa_column=Column(String(32), nullable=True, index=True))
    email: str | None = Field(default=None, sa_column=Column(String(254), nullable=True))
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    created_by: int | None = None


class SupplierIban(SQLModel, table=True):
    """An IBAN known (confirmed) for a supplier. Invoices to other IBANs are held."""

    __tablename__ = "inv_supplier_ibans"
    __table_args__ = (UniqueConstraint("supplier_id", "iban"),)
    id: int | None = Field(default=None, primary_key=True)
    supplier_id: int = Field(foreign_key="inv_suppliers.id", index=True)
    iban: str = Field(sa_column=Column(String(34), nullable=False))
    bic: str | None = Field(default=None, sa_column=Column(String(11), nullable=True))
    source: str = Field(default="master_data", sa_column=Column(String(32), nullable=False))
    confirmed_by: int | None = None
    confirmed_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


class Invoice(SQLModel, table=True):
    """One received incoming invoice and where it stands."""

    __tablename__ = "inv_invoices"
    __table_args__ = (Index("ix_inv_invoices_status_due", "status", "due_date"),)
    id: int | None = Field(default=None, primary_key=True)
    status: str = Field(sa_column=Column(String(16), nullable=False, index=True))
    version: int = 1
    # intake
    channel: str = Field(default="api", sa_column=Column(String(16), nullable=False))
    submitted_by: int | None = None
    supplier_id: int | None = Field(default=None, foreign_key="inv_suppliers.id", index=True)
    received_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    filename: str = Field(default="", sa_column=Column(String(255), nullable=False))
    sha256: str = Field(sa_column=Column(String(64), nullable=False, index=True))
    #: set while the invoice is not rejected: the same file cannot be accepted twice
    file_key: str | None = Field(default=None, sa_column=Column(String(100), nullable=True, unique=True))
    #: supplier|number|amount while not rejected: the same invoice cannot be accepted twice
    dedupe_key: str | None = Field(default=None, sa_column=Column(String(400), nullable=True, unique=True))
    idempotency_key: str | None = Field(
        default=None, sa_column=Column(String(300), nullable=True, unique=True)
    )
    syntax: str | None = Field(default=None, sa_column=Column(String(32), nullable=True))
    valid: bool = False
    validation: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    # invoice data (EN 16931 business terms)
    invoice_number: str | None = Field(default=None, sa_column=Column(String(200), nullable=True))  # BT-1
    issue_date: date | None = None  # BT-2
    currency: str = Field(default="EUR", sa_column=Column(String(3), nullable=False))  # BT-5
    seller_name: str | None = Field(default=None, sa_column=Column(String(300), nullable=True))  # BT-27
    seller_vat_id: str | None = Field(default=None, sa_column=Column(String(32), nullable=True))  # BT-31
    leitweg_id: str | None = Field(default=None, sa_column=Column(String(64), nullable=True))  # BT-10
    order_reference: str | None = Field(default=None, sa_column=Column(String(200), nullable=True))  # BT-13
    gross_total: Decimal | None = Field(
        default=None, sa_column=Column(Numeric(14, 2), nullable=True)
    )  # BT-112
    amount_due: Decimal | None = Field(
        default=None, sa_column=Column(Numeric(14, 2), nullable=True)
    )  # BT-115
    iban: str | None = Field(default=None, sa_column=Column(String(34), nullable=True))  # BT-84
    bic: str | None = Field(default=None, sa_column=Column(String(11), nullable=True))  # BT-86
    payment_terms: str | None = Field(default=None, sa_column=Column(Text, nullable=True))  # BT-20
    skonto_terms: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    due_date: date | None = None
    due_source: str | None = Field(default=None, sa_column=Column(String(32), nullable=True))
    skonto_deadline: date | None = None
    skonto_amount: Decimal | None = Field(default=None, sa_column=Column(Numeric(14, 2), nullable=True))
    # routing and workflow
    department: str | None = Field(default=None, sa_column=Column(String(64), nullable=True, index=True))
    assignee_id: int | None = None
    routing_rule_id: int | None = None
    alerts: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    held_reason: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    last_reminder_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    # payment
    payment_run_id: int | None = Field(default=None, index=True)
    paid_amount: Decimal | None = Field(default=None, sa_column=Column(Numeric(14, 2), nullable=True))
    skonto_deducted: Decimal | None = Field(default=None, sa_column=Column(Numeric(14, 2), nullable=True))
    paid_on: date | None = None
    # archive (DMS document ids: original, xml, report, trail)
    archive: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


class InvoiceDecision(SQLModel, table=True):
    """The approval trail: one row per decision, never changed."""

    __tablename__ = "inv_decisions"
    __table_args__ = (UniqueConstraint("invoice_id", "seq"),)
    id: int | None = Field(default=None, primary_key=True)
    invoice_id: int = Field(foreign_key="inv_invoices.id", index=True)
    seq: int
    step: str = Field(sa_column=Column(String(32), nullable=False))
    decision: str = Field(sa_column=Column(String(16), nullable=False))
    user_id: int
    username: str = Field(sa_column=Column(String(150), nullable=False))
    on_behalf_of: int | None = None
    reject_to: str | None = Field(default=None, sa_column=Column(String(16), nullable=True))
    comment: str = Field(default="", sa_column=Column(Text, nullable=False))
    amount_limit: Decimal | None = Field(default=None, sa_column=Column(Numeric(14, 2), nullable=True))
    at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


class RoutingRule(SQLModel, table=True):
    """Routing: the first matching rule (lowest priority number) names unit and responsible clerk."""

    __tablename__ = "inv_routing_rules"
    id: int | None = Field(default=None, primary_key=True)
    priority: int = 100
    leitweg_id: str | None = Field(default=None, sa_column=Column(String(64), nullable=True))
    buyer_reference: str | None = Field(default=None, sa_column=Column(String(200), nullable=True))
    order_reference_prefix: str | None = Field(default=None, sa_column=Column(String(200), nullable=True))
    supplier_id: int | None = None
    department: str = Field(sa_column=Column(String(64), nullable=False))
    assignee_id: int | None = None
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


class ApprovalChainConfig(SQLModel, table=True):
    """Approval chain of one organisation unit (``*`` = the default chain)."""

    __tablename__ = "inv_approval_chains"
    department: str = Field(sa_column=Column(String(64), primary_key=True))
    steps: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


class Deputyship(SQLModel, table=True):
    """Vertretung: ``deputy_id`` acts for ``absent_id`` between ``start`` and ``end`` (inclusive)."""

    __tablename__ = "inv_deputyships"
    id: int | None = Field(default=None, primary_key=True)
    absent_id: int = Field(index=True)
    deputy_id: int = Field(index=True)
    start: date
    end: date
    created_by: int | None = None


class PaymentRun(SQLModel, table=True):
    """A SEPA payment run (Zahlungslauf) and its pain.001 file."""

    __tablename__ = "inv_payment_runs"
    id: int | None = Field(default=None, primary_key=True)
    status: str = Field(default="created", sa_column=Column(String(16), nullable=False))
    message_id: str = Field(sa_column=Column(String(35), nullable=False, unique=True))
    execution_date: date
    total: Decimal = Field(default=Decimal("0.00"), sa_column=Column(Numeric(16, 2), nullable=False))
    skonto_total: Decimal = Field(default=Decimal("0.00"), sa_column=Column(Numeric(16, 2), nullable=False))
    count: int = 0
    pain001: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    created_by: int | None = None
    executed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    reconciled_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))


class PaymentRunItem(SQLModel, table=True):
    """One transfer of a run. ``invoice_id`` is unique: an invoice is paid in exactly one run."""

    __tablename__ = "inv_payment_run_items"
    id: int | None = Field(default=None, primary_key=True)
    run_id: int = Field(foreign_key="inv_payment_runs.id", index=True)
    invoice_id: int = Field(foreign_key="inv_invoices.id", unique=True)
    end_to_end_id: str = Field(sa_column=Column(String(35), nullable=False, unique=True))
    amount: Decimal = Field(sa_column=Column(Numeric(14, 2), nullable=False))
    skonto: Decimal = Field(default=Decimal("0.00"), sa_column=Column(Numeric(14, 2), nullable=False))
    status: str = Field(default="scheduled", sa_column=Column(String(16), nullable=False))
