"""Reminders/escalation over real SMTP (a local sink server), watched folder and mail intake."""

from __future__ import annotations

import socketserver
import threading
from datetime import date, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from dms.auth import service as auth
from dms.db.tables import AuditEntry
from dms.db.uow import RecordingDispatcher
from dms.invoices import facade, suppliers
from dms.invoices.channels import ChannelReport, process_message, scan_folder
from dms.invoices.reminders import due_reminders, send_reminders
from dms.invoices.settings import InvoiceSettings
from dms.invoices.tables import Invoice
from tests.paths import CORPUS_DIR

SAMPLE = (
    CORPUS_DIR / "xrechnung-ubl" / "kosit-testsuite" / "business-cases-standard" / "01.10a-INVOICE_ubl.xml"
)


def invoice_xml(number: str, issued: date | None = None) -> bytes:
    text = SAMPLE.read_text(encoding="utf-8").replace(
        "<cbc:ID>Rechnungsnummer</cbc:ID>", f"<cbc:ID>{number}</cbc:ID>", 1
    )
    return text.replace("2016-06-27", (issued or date.today()).isoformat()).encode()


class _SmtpSink(socketserver.StreamRequestHandler):
    """Just enough SMTP to receive messages (RFC 5321 happy path)."""

    def handle(self) -> None:
        self.wfile.write(b"220 sink ESMTP\r\n")
        data_mode, lines, rcpts = False, [], []
        while True:
            line = self.rfile.readline()
            if not line:
                return
            if data_mode:
                if line in (b".\r\n", b".\n"):
                    self.server.messages.append((rcpts, b"".join(lines)))  # type: ignore[attr-defined]
                    data_mode, lines, rcpts = False, [], []
                    self.wfile.write(b"250 queued\r\n")
                else:
                    lines.append(line)
                continue
            cmd = line.strip().upper()
            if cmd.startswith((b"EHLO", b"HELO")):
                self.wfile.write(b"250 sink\r\n")
            elif cmd.startswith(b"RCPT TO:"):
                rcpts.append(line.strip()[8:].strip(b"<>").decode())
                self.wfile.write(b"250 ok\r\n")
            elif cmd == b"DATA":
                data_mode = True
                self.wfile.write(b"354 go\r\n")
            elif cmd == b"QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            else:
                self.wfile.write(b"250 ok\r\n")


@pytest.fixture
def smtp() -> Any:
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _SmtpSink)
    server.messages = []  # type: ignore[attr-defined]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def world(make_container: Any, settings: Any) -> dict[str, Any]:
    c = make_container(settings, dispatcher=RecordingDispatcher())
    with c.uow() as uow:
        s = suppliers.create_supplier(
            uow.session,
            None,
            "Lieferant GmbH",
            vat_id="DE123456789",
            ibans=["DE79000000001234567890"],
            email="rechnung@lieferant.example",
        )
        users = {
            "supplier": auth.create_user(uow.session, None, "sup", "supplier", supplier_id=s.id),
            "clerk": auth.create_user(
                uow.session, None, "clerk", "clerk", department="63", email="clerk@stadt.example"
            ),
            "clerk_other": auth.create_user(
                uow.session, None, "clerk32", "clerk", department="32", email="c32@stadt.example"
            ),
            "fin": auth.create_user(
                uow.session, None, "fin", "finance", amount_limit="50000", email="fin@stadt.example"
            ),
        }
        principals = {k: auth.principal_of(uow.session, u) for k, u in users.items()}
        uow.commit()
    return {"c": c, "supplier_id": int(s.id), **principals}


def test_reminders_and_escalation_by_smtp(world: dict[str, Any], smtp: Any) -> None:
    c = world["c"]
    today = date.today()
    ids = {}
    for name, issued in (
        ("soon", today - timedelta(days=5)),
        ("far", today),
        ("last", today - timedelta(days=7)),
    ):
        with c.uow() as uow:
            ids[name] = int(
                facade.submit(c, uow, world["supplier"], invoice_xml(f"M-{name}", issued), "r.xml").invoice.id
            )
    settings = InvoiceSettings(
        smtp_host="127.0.0.1",
        smtp_port=smtp.server_address[1],
        remind_days=3,
        escalate_days=0,
        escalation_email="kaemmerer@stadt.example",
    )
    with c.uow() as uow:
        due = {r.invoice_id: r for r in due_reminders(uow.session, settings)}
    assert set(due) == {ids["soon"], ids["last"]}  # Skonto in 2 days / today; "far" has 7 days left
    assert due[ids["soon"]].deadline_kind == "skonto" and not due[ids["soon"]].escalation
    assert due[ids["last"]].escalation and "kaemmerer@stadt.example" in due[ids["last"]].recipients
    # who may act on the open step (factual): the clerks of the unit (none routed: all) and finance
    assert {"clerk@stadt.example", "fin@stadt.example"} <= set(due[ids["soon"]].recipients)
    with c.uow() as uow:
        sent = send_reminders(uow.session, settings)
        uow.commit()
    assert len(sent) == 2
    assert len(smtp.messages) == 2
    subjects = [m.split(b"Subject: ")[1].split(b"\r\n")[0].decode() for _, m in smtp.messages]
    assert any(s.startswith("ESKALATION") for s in subjects)
    with c.uow() as uow:  # once per day
        assert send_reminders(uow.session, settings) == []
        assert uow.session.get(Invoice, ids["soon"]).last_reminder_at is not None
        actions = list(
            uow.session.execute(
                select(AuditEntry.action).where(AuditEntry.action == "invoice.reminder")
            ).scalars()
        )
        assert len(actions) == 2
    tomorrow = datetime.now().astimezone() + timedelta(days=1)
    with c.uow() as uow:
        again = send_reminders(uow.session, settings, now=tomorrow)
    assert {r.invoice_id for r in again} >= {ids["soon"]}


def test_unreachable_smtp_does_not_stamp(world: dict[str, Any]) -> None:
    c = world["c"]
    with c.uow() as uow:
        inv_id = int(
            facade.submit(
                c, uow, world["supplier"], invoice_xml("M-x", date.today() - timedelta(days=6)), "r.xml"
            ).invoice.id
        )
    settings = InvoiceSettings(smtp_host="127.0.0.1", smtp_port=1, remind_days=3)
    with c.uow() as uow:
        assert send_reminders(uow.session, settings) == []
        uow.commit()
    with c.uow(read_only=True) as uow:
        assert uow.session.get(Invoice, inv_id).last_reminder_at is None


def test_watched_folder(world: dict[str, Any], tmp_path: Path) -> None:
    c = world["c"]
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "a.xml").write_bytes(invoice_xml("F-1"))
    (inbox / "b.xml").write_bytes(b"<Invoice>nope</Invoice>")
    (inbox / "c.xml").write_bytes(invoice_xml("F-1"))  # same file content as a.xml
    (inbox / "notes.txt").write_text("hallo")
    report = scan_folder(c, inbox)
    assert list(report.accepted) == ["a.xml"]
    assert list(report.rejected) == ["b.xml"]
    assert list(report.duplicate) == ["c.xml"]
    assert "notes.txt" in report.skipped
    assert (inbox / "accepted" / "a.xml").exists() and (inbox / "rejected" / "b.xml").exists()
    assert (inbox / "duplicate" / "c.xml").exists() and (inbox / "notes.txt").exists()
    with c.uow(read_only=True) as uow:
        inv = uow.session.get(Invoice, report.accepted["a.xml"])
        assert inv.channel == "folder" and inv.supplier_id == world["supplier_id"]


def test_mail_attachment_matched_to_supplier_by_sender(world: dict[str, Any]) -> None:
    c = world["c"]
    msg = EmailMessage()
    msg["From"] = "Lieferant <Rechnung@Lieferant.example>"
    msg["To"] = "rechnungseingang@stadt.example"
    msg["Subject"] = "Rechnung M-1"
    msg.set_content("Anbei unsere Rechnung.")
    msg.add_attachment(invoice_xml("MAIL-1"), maintype="application", subtype="xml", filename="rechnung.xml")
    report = ChannelReport()
    process_message(c, msg.as_bytes(), "mail-1", report)
    assert list(report.accepted) == ["mail-1/rechnung.xml"]
    with c.uow(read_only=True) as uow:
        inv = uow.session.get(Invoice, report.accepted["mail-1/rechnung.xml"])
        assert inv.channel == "email" and inv.supplier_id == world["supplier_id"]
    empty = EmailMessage()
    empty["From"] = "x@y.example"
    empty.set_content("ohne Anhang")
    process_message(c, empty.as_bytes(), "mail-2", report)
    assert report.skipped["mail-2"] == "keine Rechnung im Anhang"


# ------------------------------------------------------------------------------ IMAP against dovecot

DOVECOT_CONF = """
base_dir = {root}/run
state_dir = {root}/state
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain
first_valid_uid = 100
log_path = {root}/dovecot.log
mail_location = maildir:{root}/mail/%u
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/users
}}
userdb {{
  driver = static
  args = uid=dovecot gid=dovecot home={root}/mail/%u
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
"""


@pytest.fixture
def dovecot() -> Any:
    """A throw-away dovecot IMAP server on a free loopback port (Debian's dovecot-imapd)."""
    import os
    import shutil
    import socket
    import subprocess
    import tempfile
    import time

    binary = shutil.which("dovecot") or ("/usr/sbin/dovecot" if Path("/usr/sbin/dovecot").exists() else None)
    if binary is None or os.geteuid() != 0:
        pytest.skip("dovecot (Debian dovecot-imapd) not installed or not running as root")
    root = Path(tempfile.mkdtemp(prefix="aw-dovecot-"))
    root.chmod(0o755)
    for sub in ("run", "state", "mail"):
        (root / sub).mkdir()
    shutil.chown(root / "mail", "dovecot", "dovecot")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    (root / "users").write_text("rechnungen:{PLAIN}geheim-123\n")
    (root / "dovecot.conf").write_text(DOVECOT_CONF.format(root=root, port=port))
    proc = subprocess.Popen([binary, "-F", "-c", str(root / "dovecot.conf")])
    try:
        deadline = time.monotonic() + 10
        while True:
            try:  # ready when the IMAP greeting arrives (the port opens before imap-login is up)
                with socket.create_connection(("127.0.0.1", port), timeout=1) as probe:
                    if probe.recv(64).startswith(b"* OK"):
                        break
            except OSError:
                pass
            if time.monotonic() > deadline or proc.poll() is not None:
                pytest.fail(f"dovecot did not start: {(root / 'dovecot.log').read_text(errors='replace')}")
            time.sleep(0.1)
        yield {"port": port, "user": "rechnungen", "password": "geheim-123"}
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        shutil.rmtree(root, ignore_errors=True)


def test_mailbox_intake_over_imap(world: dict[str, Any], dovecot: dict[str, Any]) -> None:
    import imaplib

    from dms.invoices.channels import MailboxConfig, fetch_mailbox

    c = world["c"]
    with_invoice = EmailMessage()
    with_invoice["From"] = "rechnung@lieferant.example"
    with_invoice["Subject"] = "Rechnung IMAP-1"
    with_invoice.set_content("Anbei.")
    with_invoice.add_attachment(
        invoice_xml("IMAP-1"), maintype="application", subtype="xml", filename="imap-1.xml"
    )
    plain = EmailMessage()
    plain["From"] = "werbung@example.org"
    plain["Subject"] = "Newsletter"
    plain.set_content("Kein Anhang.")
    client = imaplib.IMAP4("127.0.0.1", dovecot["port"])
    client.login(dovecot["user"], dovecot["password"])
    for m in (with_invoice, plain):
        client.append("INBOX", None, None, m.as_bytes())
    client.logout()
    cfg = MailboxConfig("127.0.0.1", dovecot["user"], dovecot["password"], port=dovecot["port"], ssl=False)
    report = fetch_mailbox(c, cfg)
    (key,) = report.accepted
    assert key.endswith("/imap-1.xml")
    assert any(v == "keine Rechnung im Anhang" for v in report.skipped.values())
    with c.uow(read_only=True) as uow:
        inv = uow.session.get(Invoice, report.accepted[key])
        assert inv.channel == "email" and inv.supplier_id == world["supplier_id"]
    again = fetch_mailbox(c, cfg)  # everything is \Seen now
    assert not again.accepted and not again.skipped and not again.duplicate
