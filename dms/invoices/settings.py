"""Settings of the invoice workflow (pydantic-settings, prefix ``AKTENWERK_INVOICE_``; no I/O at import)."""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class InvoiceSettings(BaseSettings):
    """Debtor account for payment runs, reminder thresholds and the SMTP relay for reminders."""

    model_config = SettingsConfigDict(env_prefix="AKTENWERK_INVOICE_", extra="ignore")

    debtor_name: str = Field(
        default="Stadtkasse", description="Name of the paying authority (pain.001 Dbtr)."
    )
    debtor_iban: str = Field(default="DE89370400440532013000", description="Account debited by payment runs.")
    debtor_bic: str | None = Field(default=None, description="BIC of the debtor account (optional in SEPA).")
    remind_days: int = Field(
        default=3, ge=0, description="Remind approvers this many days before a deadline."
    )
    escalate_days: int = Field(default=1, ge=0, description="Escalate this many days before a deadline.")
    escalation_email: str | None = Field(
        default=None, description="Inbox of the finance lead for escalations."
    )
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    smtp_user: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    mail_from: str = "aktenwerk@localhost"
    base_rate_percent: Decimal = Field(
        default=Decimal("1.27"),
        description="Basiszinssatz (§ 247 BGB, Deutsche Bundesbank) for late-payment estimates; keep current.",
    )
    finance_department: str = Field(default="20", description="Organisation unit of the finance Akte.")
    fileplan_code: str = Field(default="902", description="File-plan code of the yearly finance Akte.")
    retention_class: str = Field(default="ao147-belege", description="Retention class of filed invoices.")


@lru_cache(maxsize=1)
def get_invoice_settings() -> InvoiceSettings:
    return InvoiceSettings()
