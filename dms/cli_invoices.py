"""CLI of the invoice workflow: ``aktenwerk supplier …`` and ``aktenwerk invoice …``."""
# ruff: noqa: PLC0415, PLR0917  -- lazy imports keep `--help` fast; typer commands take many options

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from dms.errors import DmsError
from dms.settings import get_settings

supplier_app = typer.Typer(help="Suppliers (Kreditoren) and their known IBANs.", no_args_is_help=True)
invoice_app = typer.Typer(help="Incoming invoices: intake channels, reminders.", no_args_is_help=True)
console = Console(stderr=True)


def _fail(message: str) -> None:
    console.print(f"[red]error:[/red] {message}")
    raise typer.Exit(1)


@supplier_app.command("create")
def supplier_create(
    name: Annotated[str, typer.Argument(help="Supplier name")],
    vat_id: Annotated[
        str | None, typer.Option("--vat-id", help="VAT id (USt-IdNr.), e.g. DE123456789")
    ] = None,
    iban: Annotated[list[str] | None, typer.Option("--iban", help="Known IBAN (repeatable)")] = None,
    email: Annotated[str | None, typer.Option("--email", help="Invoice mail sender address")] = None,
) -> None:
    """Create a supplier; its id is the LAST line of stdout."""
    from dms.invoices import suppliers
    from dms.ops.context import cli_container

    with cli_container(get_settings()) as c, c.uow() as uow:
        try:
            s = suppliers.create_supplier(
                uow.session, None, name, vat_id=vat_id, ibans=iban or [], email=email
            )
            uow.commit()
        except DmsError as exc:
            _fail(str(exc))
            return
    print(f"created supplier {s.name} (vat id {s.vat_id or '-'}, {len(iban or [])} IBAN(s))")
    print(s.id)


@supplier_app.command("add-iban")
def supplier_add_iban(
    supplier_id: Annotated[int, typer.Argument(help="Supplier id")],
    iban: Annotated[str, typer.Argument(help="IBAN to add as known")],
) -> None:
    """Add a known IBAN (after verifying it with the supplier)."""
    from dms.invoices import suppliers
    from dms.ops.context import cli_container

    with cli_container(get_settings()) as c, c.uow() as uow:
        try:
            row = suppliers.add_known_iban(uow.session, None, supplier_id, iban)
            uow.commit()
        except DmsError as exc:
            _fail(str(exc))
            return
    print(row.iban)


@supplier_app.command("list")
def supplier_list() -> None:
    """List suppliers with their known IBANs (JSON lines)."""
    from dms.invoices import suppliers
    from dms.ops.context import cli_container

    with cli_container(get_settings()) as c, c.uow(read_only=True) as uow:
        for s in suppliers.list_suppliers(uow.session, limit=100000):
            print(
                json.dumps(
                    {
                        "id": s.id,
                        "name": s.name,
                        "vat_id": s.vat_id,
                        "ibans": sorted(suppliers.known_ibans(uow.session, int(s.id or 0))),
                    },
                    ensure_ascii=False,
                )
            )


@invoice_app.command("scan-folder")
def invoice_scan_folder(
    folder: Annotated[Path, typer.Argument(help="Watched folder with XML/PDF invoices")],
    watch: Annotated[
        bool, typer.Option("--watch", help="Keep watching the folder (until Ctrl-C/SIGTERM)")
    ] = False,
) -> None:
    """Take invoices from a folder (once, or continuously with --watch); prints a JSON report per pass."""
    from dms.invoices.channels import scan_folder
    from dms.ops.context import cli_container

    if not folder.is_dir():
        _fail(f"{folder} is not a directory")
    with cli_container(get_settings(), queue=True) as c:
        print(json.dumps(scan_folder(c, folder).__dict__, ensure_ascii=False), flush=True)
        if watch:
            from watchfiles import Change
            from watchfiles import watch as watch_changes

            for changes in watch_changes(folder, recursive=False):
                if any(kind in (Change.added, Change.modified) for kind, _ in changes):
                    print(json.dumps(scan_folder(c, folder).__dict__, ensure_ascii=False), flush=True)


@invoice_app.command("fetch-mail")
def invoice_fetch_mail(
    host: Annotated[str, typer.Option(help="IMAP server")],
    user: Annotated[str, typer.Option(help="IMAP user")],
    password_env: Annotated[
        str, typer.Option(help="Environment variable holding the IMAP password")
    ] = "AKTENWERK_IMAP_PASSWORD",  # noqa: S107 - the name of a variable, not a password
    port: Annotated[int, typer.Option(help="IMAP port")] = 993,
    ssl: Annotated[bool, typer.Option(help="IMAP over TLS")] = True,
    folder: Annotated[str, typer.Option(help="Mailbox folder")] = "INBOX",
) -> None:
    """Fetch unseen mails and submit their invoice attachments; prints a JSON report."""
    import os

    from dms.invoices.channels import MailboxConfig, fetch_mailbox
    from dms.ops.context import cli_container

    password = os.environ.get(password_env)
    if password is None:
        _fail(f"set the IMAP password in ${password_env}")
        return
    with cli_container(get_settings(), queue=True) as c:
        try:
            report = fetch_mailbox(c, MailboxConfig(host, user, password, port, ssl, folder))
        except OSError as exc:
            _fail(f"mailbox not reachable: {exc}")
            return
    print(json.dumps(report.__dict__, ensure_ascii=False))


@invoice_app.command("remind")
def invoice_remind() -> None:
    """Send due reminders/escalations now (beat runs this hourly); prints how many were sent."""
    from dms.invoices.reminders import send_reminders
    from dms.invoices.settings import get_invoice_settings
    from dms.ops.context import cli_container

    with cli_container(get_settings()) as c, c.uow() as uow:
        sent = send_reminders(uow.session, get_invoice_settings())
        uow.commit()
    print(len(sent))
