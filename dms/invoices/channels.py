"""Further intake channels: a watched folder and an IMAP mailbox (one invoice per attachment).

Both end in :func:`dms.invoices.facade.submit`. Writers should drop files atomically (write a dot-file, then
rename it): dot-files are ignored until renamed. Files are never deleted: a processed file moves to
``accepted/``, ``held/``, ``rejected/`` or ``duplicate/`` beside it. Mail senders are matched to a
supplier by the supplier's e-mail address; unknown senders go in as finance intake (the supplier is
then matched by VAT id / name, else the invoice is held).
"""

from __future__ import annotations

import email
import email.policy
import imaplib
import logging
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import parseaddr
from pathlib import Path

from sqlalchemy import func, select
from sqlmodel import col

from dms.bootstrap import Container
from dms.domain.principal import Principal
from dms.invoices import facade
from dms.invoices.errors import DuplicateInvoice
from dms.invoices.tables import Supplier

log = logging.getLogger(__name__)
INVOICE_SUFFIXES = (".xml", ".pdf")
MAX_ATTACHMENT_BYTES = 50 * 1024 * 1024


@dataclass
class ChannelReport:
    """What one channel run did, by outcome (file name or ``mail-uid/attachment`` → invoice id or reason)."""

    accepted: dict[str, int] = field(default_factory=dict)
    held: dict[str, int] = field(default_factory=dict)
    rejected: dict[str, int] = field(default_factory=dict)
    duplicate: dict[str, str] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)


INTAKE = Principal(user_id=0, username="intake", role="admin")


def _submit(
    container: Container,
    principal: Principal,
    data: bytes,
    *,
    name: str,
    channel: str,
    report: ChannelReport,
    key: str,
) -> str:
    with container.uow() as uow:
        try:
            result = facade.submit(container, uow, principal, data, name, channel=channel)
        except DuplicateInvoice as exc:
            report.duplicate[key] = exc.message
            return "duplicate"
    inv = result.invoice
    if result.rejected:
        report.rejected[key] = int(inv.id or 0)
        return "rejected"
    if inv.status == "held":
        report.held[key] = int(inv.id or 0)
        return "held"
    report.accepted[key] = int(inv.id or 0)
    return "accepted"


def scan_folder(container: Container, folder: Path, *, principal: Principal = INTAKE) -> ChannelReport:
    """Take every ``*.xml``/``*.pdf`` in ``folder`` (not sub-folders) and file it by outcome."""
    report = ChannelReport()
    for path in sorted(p for p in folder.iterdir() if p.is_file()):
        if path.suffix.lower() not in INVOICE_SUFFIXES or path.name.startswith("."):
            report.skipped[path.name] = "keine Rechnungsdatei"
            continue
        if path.stat().st_size > MAX_ATTACHMENT_BYTES:
            report.skipped[path.name] = "zu groß"
            continue
        outcome = _submit(
            container,
            principal,
            path.read_bytes(),
            name=path.name,
            channel="folder",
            report=report,
            key=path.name,
        )
        target = folder / outcome
        target.mkdir(exist_ok=True)
        dest = target / path.name
        n = 1
        while dest.exists():
            dest = target / f"{path.stem}.{n}{path.suffix}"
            n += 1
        path.rename(dest)
    return report


def _sender_principal(container: Container, sender: str) -> Principal:
    address = parseaddr(sender)[1].strip().lower()
    if address:
        with container.uow(read_only=True) as uow:
            supplier_id = (
                uow.session.execute(
                    select(col(Supplier.id)).where(
                        func.lower(col(Supplier.email)) == address, col(Supplier.active).is_(True)
                    )
                )
                .scalars()
                .first()
            )
        if supplier_id is not None:
            return Principal(
                user_id=0, username=f"mail:{address}", role="supplier", supplier_id=int(supplier_id)
            )
    return INTAKE


def process_message(container: Container, raw: bytes, key: str, report: ChannelReport) -> None:
    """Submit each invoice attachment of one RFC 822 message."""
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(msg, EmailMessage)
    principal = _sender_principal(container, str(msg.get("From", "")))
    found = False
    for part in msg.iter_attachments():
        name = part.get_filename() or ""
        ctype = part.get_content_type()
        if not (
            name.lower().endswith(INVOICE_SUFFIXES)
            or ctype in ("application/xml", "text/xml", "application/pdf")
        ):
            continue
        data = part.get_payload(decode=True)
        if not isinstance(data, bytes) or not data:
            continue
        found = True
        if len(data) > MAX_ATTACHMENT_BYTES:
            report.skipped[f"{key}/{name}"] = "zu groß"
            continue
        _submit(
            container,
            principal,
            data,
            name=name or "rechnung.xml",
            channel="email",
            report=report,
            key=f"{key}/{name}",
        )
    if not found:
        report.skipped[key] = "keine Rechnung im Anhang"


@dataclass(frozen=True, slots=True)
class MailboxConfig:
    host: str
    user: str
    password: str
    port: int = 993
    ssl: bool = True
    folder: str = "INBOX"


def fetch_mailbox(container: Container, cfg: MailboxConfig) -> ChannelReport:
    """Process unseen messages of an IMAP folder; each is flagged ``\\Seen`` after processing."""
    report = ChannelReport()
    client: imaplib.IMAP4 = (
        imaplib.IMAP4_SSL(cfg.host, cfg.port) if cfg.ssl else imaplib.IMAP4(cfg.host, cfg.port)
    )
    try:
        client.login(cfg.user, cfg.password)
        client.select(cfg.folder)
        status, data = client.uid("search", "UNSEEN")  # imaplib skips a None charset anyway
        if status != "OK":
            raise OSError(f"IMAP search failed: {status}")
        for uid in (data[0] or b"").split():
            status, parts = client.uid("fetch", uid.decode(), "(BODY.PEEK[])")
            raw = next((p[1] for p in parts if isinstance(p, tuple)), None)
            if status != "OK" or not isinstance(raw, bytes):
                report.skipped[uid.decode()] = "nicht lesbar"
                continue
            process_message(container, raw, f"mail-{uid.decode()}", report)
            client.uid("store", uid.decode(), "+FLAGS", "(\\Seen)")
    finally:
        try:
            client.logout()
        except (OSError, imaplib.IMAP4.error):
            log.warning("IMAP logout failed", exc_info=True)
    return report


__all__ = ["ChannelReport", "MailboxConfig", "fetch_mailbox", "process_message", "scan_folder"]
