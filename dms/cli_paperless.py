"""``aktenwerk import-paperless --url URL --token TOKEN [--since DATE]``: migrate from Paperless-ngx.

Resumable (run it again after an interruption: what is imported is skipped), with a progress bar and a
final report; exit code 1 when any document failed (the reasons are listed), 2 on unusable input.
"""
# ruff: noqa: PLC0415, PLR0917  -- lazy imports keep `--help` fast; typer commands take many options

from __future__ import annotations

import json
from datetime import date
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

console = Console(stderr=True)


def import_paperless(
    url: Annotated[str, typer.Option(help="Paperless-ngx base URL, e.g. https://paperless.example.org")],
    token: Annotated[str, typer.Option(help="Paperless API token (Settings → API token)", envvar="PAPERLESS_TOKEN")],
    since: Annotated[str | None, typer.Option(help="Only documents added on or after this date (YYYY-MM-DD)")] = None,
    as_user: Annotated[str | None, typer.Option("--as-user", help="Aktenwerk user who performs the import "
                                                 "(default: the system actor)")] = None,
    create_users: Annotated[bool, typer.Option(help="Create missing owners as clerks without password")] = True,
    concurrency: Annotated[int, typer.Option(min=1, max=32, help="Parallel downloads")] = 8,
    json_out: Annotated[bool, typer.Option("--json", help="Print the report as JSON on stdout")] = False,
) -> None:
    """Import documents, labels, custom fields, notes, owners/permissions and ASNs from Paperless-ngx."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from dms.auth import service as auth
    from dms.domain.principal import SYSTEM
    from dms.errors import DmsError
    from dms.ops.context import cli_container
    from dms.paperless.importer import import_paperless as run
    from dms.settings import get_settings

    since_date: date | None = None
    if since:
        try:
            since_date = date.fromisoformat(since)
        except ValueError:
            console.print(f"[red]error:[/red] --since must be YYYY-MM-DD, got {since!r}")
            raise typer.Exit(2) from None
    if not url.startswith(("http://", "https://")):
        console.print("[red]error:[/red] --url must start with http:// or https://")
        raise typer.Exit(2)
    with cli_container(get_settings(), queue=True) as container:
        actor = SYSTEM
        if as_user:
            try:
                with container.uow(read_only=True) as uow:
                    actor = auth.principal_of(uow.session, auth.get_user_by_name(uow.session, as_user))
            except DmsError as exc:
                console.print(f"[red]error:[/red] {exc}")
                raise typer.Exit(2) from None
        progress = Progress(TextColumn("Paperless-Import"), BarColumn(), MofNCompleteColumn(),
                            TimeRemainingColumn(), console=console, transient=False)
        with progress:
            task = progress.add_task("import", total=None)

            def on_progress(done: int, total: int) -> None:
                progress.update(task, completed=done, total=total or None)

            try:
                report = run(container, url, token, actor, since=since_date, concurrency=concurrency,
                             create_users=create_users, on_progress=on_progress)
            except Exception as exc:
                console.print(f"[red]error:[/red] import stopped: {type(exc).__name__}: {exc}")
                console.print("Run the same command again to continue where it stopped.")
                raise typer.Exit(1) from None
    if json_out:
        print(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    table = Table(title="Paperless-Import")
    table.add_column("")
    table.add_column("Anzahl", justify="right")
    for label, value in (("Dokumente in der Quelle", report.total), ("importiert", report.imported),
                         ("bereits importiert (übersprungen)", report.skipped), ("Archivversionen", report.archives),
                         ("Notizen", report.notes), ("Prüfsummen verglichen", report.checksums_verified),
                         ("angelegte Benutzer", len(report.users_created)), ("Fehler", len(report.failures))):
        table.add_row(label, str(value))
    console.print(table)
    console.print(f"{report.rate:.1f} Dokumente/s in {report.seconds:.1f} s")
    for f in report.failures:
        console.print(f"[red]Fehler[/red] Paperless #{f.paperless_id} {f.title!r}: {f.reason}")
    if report.failures:
        raise typer.Exit(1)
