"""The ``aktenwerk`` command line (typer).

Other contexts mount their sub-commands in the marked registration block at the bottom, one line each:
``app.add_typer(<their typer app>, name="<name>")``.
"""
# ruff: noqa: PLC0415, PLR0917  -- lazy imports keep `--help` fast; typer commands take many options

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from dms.errors import DmsError
from dms.settings import Settings, get_settings

app = typer.Typer(name="aktenwerk", help="Aktenwerk: E-Akte, e-invoices, search and retention.", no_args_is_help=True)
user_app = typer.Typer(help="Users and API tokens.", no_args_is_help=True)
audit_app = typer.Typer(help="The hash-chained audit log.", no_args_is_help=True)
fileplan_app = typer.Typer(help="The file plan (Aktenplan).", no_args_is_help=True)
app.add_typer(user_app, name="user")
app.add_typer(audit_app, name="audit")
app.add_typer(fileplan_app, name="fileplan")

console = Console(stderr=True)


def _settings() -> Settings:
    return get_settings()


def _fail(message: str, code: int = 1) -> None:
    console.print(f"[red]error:[/red] {message}")
    raise typer.Exit(code)


#: commands that run without an initialised database (they create, serve, check or restore one, or need none)
_NO_DATABASE_NEEDED = frozenset({"init", "serve", "worker", "doctor", "restore", "einvoice"})


def _uninitialised(settings: Settings) -> str | None:
    """A sentence when the configured database has no Aktenwerk schema yet (nothing is created on the way)."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import SQLAlchemyError

    from dms.db.engine import normalise_url
    from dms.db.migrate import current_revisions

    url = make_url(normalise_url(settings.db_url))
    shown = url.render_as_string(hide_password=True)
    hint = "run `aktenwerk init` first, or point AKTENWERK_DATA_DIR / AKTENWERK_DATABASE_URL at an initialised installation"
    if (url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:")
            and not Path(url.database).exists()):  # checked first: opening SQLite would create the file
        return f"no Aktenwerk database at {url.database}: {hint}"
    try:
        if not current_revisions(settings.db_url):
            return f"the database {shown} has no Aktenwerk schema: {hint}"
    except SQLAlchemyError as exc:
        cause = getattr(exc, "orig", None) or exc  # DBAPIError carries the driver's own message
        first = (str(cause).strip().splitlines() or [type(exc).__name__])[0]
        return f"cannot reach the database {shown}: {first}"
    return None


@app.callback()
def _require_initialised(ctx: typer.Context) -> None:
    # Commands that read or write the installation refuse, with a sentence, to run against nothing.
    # (A comment, not a docstring: typer would show a callback docstring as the program's help.)
    if ctx.resilient_parsing or ctx.invoked_subcommand in _NO_DATABASE_NEEDED or {"--help", "-h"} & set(sys.argv):
        return
    problem = _uninitialised(_settings())
    if problem:
        _fail(problem)


@app.command()
def init(
    admin: Annotated[str, typer.Option(help="Username of the first admin")] = "admin",
    admin_password: Annotated[str | None, typer.Option(help="Password (default: generated and printed)")] = None,
) -> None:
    """Create the data dir, migrate the database and create the first admin (non-interactive)."""
    from dms.ops.setup import initialise

    try:
        r = initialise(_settings(), admin, admin_password)
    except DmsError as exc:
        _fail(str(exc))
        return
    print(f"data dir: {r.data_dir}")
    print(f"database: {r.database}")
    if r.admin_password:
        print(f"admin user: {r.admin_username}")
        print(f"admin password: {r.admin_password}")
    else:
        print(f"admin user {r.admin_username} exists already")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Bind address")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port")] = 8000,
    worker: Annotated[bool, typer.Option(help="Also run the background worker + scheduler")] = True,
    concurrency: Annotated[int | None, typer.Option(help="Worker processes")] = None,
    web_workers: Annotated[int | None, typer.Option(help="HTTP server processes (default AKTENWERK_WEB_WORKERS)")] = None,
) -> None:
    """Serve API + UI, with worker and beat, until SIGTERM/SIGINT."""
    from dms.ops.serve import serve as run

    logging.basicConfig(level=_settings().log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    run(_settings(), host, port, worker=worker, concurrency=concurrency, web_workers=web_workers or _settings().web_workers)
    # everything is shut down and flushed; skip the interpreter's slow final teardown of large module state
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


@app.command()
def worker(
    concurrency: Annotated[int | None, typer.Option(help="Worker processes")] = None,
    beat: Annotated[bool, typer.Option(help="Run the scheduler in this worker too")] = False,
) -> None:
    """Run a Celery worker (scale-out; same as `celery -A dms.worker.app worker`)."""
    import os

    from dms.ops.serve import child_env, worker_command

    s = _settings()
    cmd = worker_command(s, beat=beat, concurrency=concurrency, loglevel=s.log_level)
    os.execve(cmd[0], cmd, child_env(s))  # noqa: S606 - replace this process with the worker


@user_app.command("create")
def user_create(
    name: Annotated[str, typer.Argument(help="Username")],
    role: Annotated[str, typer.Option("--role", help="admin, records_manager, clerk, finance, supplier, auditor")],
    department: Annotated[str | None, typer.Option(help="Organisationseinheit code, e.g. 63")] = None,
    supplier: Annotated[int | None, typer.Option(help="Supplier id (for role supplier)")] = None,
    limit: Annotated[str | None, typer.Option(help="Amount limit (EUR) for approvals")] = None,
    password: Annotated[str | None, typer.Option(help="Password (min. 10 characters)")] = None,
    group: Annotated[list[str] | None, typer.Option(help="Group membership (repeatable)")] = None,
    token: Annotated[bool, typer.Option("--token", help="Create an API token and print it as the last line")] = False,
) -> None:
    """Create a user; with --token the API token is the LAST line of stdout."""
    from dms.auth import service as auth
    from dms.invoices.suppliers import supplier_exists
    from dms.ops.context import cli_container

    with cli_container(_settings()) as c, c.uow() as uow:
        if supplier is not None and not supplier_exists(uow.session, supplier):
            _fail(f"supplier {supplier} does not exist (create it with 'aktenwerk supplier create NAME')")
        try:
            user = auth.create_user(uow.session, None, name, role, password=password, department=department,
                                    supplier_id=supplier, amount_limit=limit, groups=group or [])
            days = _settings().token_days
            plain = auth.create_token(uow.session, None, int(user.id or 0), "cli", days)[1] if token else None
            uow.commit()
        except DmsError as exc:
            _fail(str(exc))
            return
    print(f"created user {name} (id {user.id}, role {role}{', department ' + department if department else ''})")
    if plain:
        print(plain)


@user_app.command("token")
def user_token(
    name: Annotated[str, typer.Argument(help="Username")],
    label: Annotated[str, typer.Option("--name", help="Token label")] = "cli",
    days: Annotated[int | None, typer.Option(help="Validity in days (default AKTENWERK_TOKEN_DAYS)")] = None,
) -> None:
    """Create a personal API token for a user; printed as the last line."""
    from dms.auth import service as auth
    from dms.ops.context import cli_container

    with cli_container(_settings()) as c, c.uow() as uow:
        try:
            user = auth.get_user_by_name(uow.session, name)
            _, plain = auth.create_token(uow.session, None, int(user.id or 0), label, days or _settings().token_days)
            uow.commit()
        except DmsError as exc:
            _fail(str(exc))
            return
    print(plain)


@user_app.command("list")
def user_list() -> None:
    """List users."""
    from sqlalchemy import select
    from sqlmodel import col

    from dms.db.tables import User
    from dms.ops.context import cli_container

    table = Table("id", "username", "role", "department", "supplier", "limit", "active")
    with cli_container(_settings()) as c, c.uow(read_only=True) as uow:
        for u in uow.session.execute(select(User).order_by(col(User.id))).scalars():
            table.add_row(str(u.id), u.username, u.role, u.department or "", str(u.supplier_id or ""),
                          str(u.amount_limit or ""), "yes" if u.active else "no")
    Console().print(table)


@app.command("import")
def import_cmd(
    paths: Annotated[list[Path], typer.Argument(help="Files and/or folders")],
    department: Annotated[str | None, typer.Option(help="Department of the imported documents")] = None,
    akte_id: Annotated[int | None, typer.Option(help="File into this Akte")] = None,
    document_type: Annotated[str | None, typer.Option(help="Document type")] = None,
    as_user: Annotated[str | None, typer.Option("--user", help="Import as this user (default: first admin)")] = None,
    sync: Annotated[bool, typer.Option(help="Process in this process instead of the background worker")] = False,
) -> None:
    """Bulk-import files/folders (progress bar). Processing runs in the worker unless --sync."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from dms.ops.context import cli_container
    from dms.ops.importer import import_paths, iter_files

    s = _settings()
    if sync:
        s = s.model_copy(update={"eager_tasks": True})
    try:
        total = sum(1 for _ in iter_files(paths))
    except DmsError as exc:
        _fail(str(exc))
        return
    with cli_container(s, queue=True) as c, Progress(
        TextColumn("[bold]import"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
        TextColumn("{task.description}"), console=console,
    ) as progress:
        task = progress.add_task("", total=total)

        def step(path: Path, outcome: str) -> None:
            progress.update(task, advance=1, description=f"{path.name[:40]} {'' if outcome == 'ok' else outcome[:60]}")

        try:
            report = import_paths(c, paths, username=as_user, department=department, akte_id=akte_id,
                                  document_type=document_type, on_file=step)
        except DmsError as exc:
            _fail(str(exc))
            return
    print(f"imported {len(report.imported)} file(s), {len(report.failed)} failed")
    for path, reason in report.failed:
        print(f"  failed: {path}: {reason}")
    if report.failed:
        raise typer.Exit(1)


@audit_app.command("verify")
def audit_verify() -> None:
    """Verify the hash chain; exit 1 naming the first broken row."""
    from dms import audit
    from dms.db.engine import make_engine

    engine = make_engine(_settings().db_url, immediate=False, pool=False)
    try:
        with engine.connect() as conn:
            r = audit.verify_chain(conn)
    except Exception as exc:
        _fail(f"cannot read the audit log: {exc}")
        return
    finally:
        engine.dispose()
    if r.ok:
        print(f"audit chain intact: {r.rows} rows, head {r.head_hash}")
        return
    print(f"audit chain BROKEN at row {r.broken_id}: {r.reason}")
    raise typer.Exit(1)


@fileplan_app.command("import")
def fileplan_import(path: Annotated[Path, typer.Argument(help="CSV with columns code,title[,retention_class,department,archive_value]")]) -> None:
    """Import a published Aktenplan from CSV (`;` or `,` separated, UTF-8); re-importing versions changes."""
    import csv

    from dms.domain.principal import SYSTEM
    from dms.ops.context import cli_container
    from dms.services import fileplan

    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        _fail(f"cannot read {path}: {exc}")
        return
    dialect = csv.Sniffer().sniff(text.splitlines()[0] if text else "code;title", delimiters=";,")
    rows = list(csv.DictReader(text.splitlines(), dialect=dialect))
    with cli_container(_settings()) as c, c.uow() as uow:
        try:
            counts = fileplan.import_plan(uow.session, SYSTEM, rows)
            uow.commit()
        except DmsError as exc:
            _fail(str(exc))
            return
    print(f"file plan: {counts['created']} created, {counts['updated']} updated, {counts['unchanged']} unchanged")


# >>> backup / restore / store (reliability) >>>
@app.command()
def backup(dest: Annotated[Path, typer.Argument(help="Empty or new folder")]) -> None:
    """Back up database + content store with a manifest of hashes, signed with the backup key (HMAC-SHA256)."""
    from dms.ops.backup import backup as run

    try:
        r = run(_settings(), dest, progress=console.print)
    except DmsError as exc:
        _fail(str(exc))
        return
    print(f"backup written to {r.path}: {r.tables} tables, {r.rows} rows, {r.blobs} blobs")


@app.command()
def restore(
    src: Annotated[Path, typer.Argument(help="Backup folder")],
    key_file: Annotated[Path | None, typer.Option(
        help="File with the backup key of the installation that made the backup "
             "(default AKTENWERK_BACKUP_KEY, else <data>/backup.key)")] = None,
) -> None:
    """Restore a backup into an empty installation; refuses an unsigned, tampered or wrongly-keyed backup."""
    from dms.ops.backup import restore as run

    try:
        r = run(_settings(), src, progress=console.print, key_file=key_file)
    except DmsError as exc:
        _fail(str(exc))
        return
    print(f"restored {r.rows} rows and {r.blobs} blobs; audit chain intact ({r.audit_rows} rows)")


store_app = typer.Typer(help="The content store (blobs).", no_args_is_help=True)
app.add_typer(store_app, name="store")


@store_app.command("sweep")
def store_sweep(
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Only report what would be quarantined")] = False,
    grace: Annotated[float | None, typer.Option(
        help="Seconds an unreferenced blob is left alone (default AKTENWERK_ORPHAN_GRACE_SECONDS)", min=0)] = None,
) -> None:
    """Quarantine blobs no row refers to (older than the grace period) into <store>/.orphaned/."""
    from dms.ops.blobs import sweep_orphans
    from dms.ops.context import cli_container

    s = _settings()
    with cli_container(s) as c:
        try:
            r = sweep_orphans(c, grace_seconds=s.orphan_grace_seconds if grace is None else grace, dry_run=dry_run)
        except DmsError as exc:
            _fail(str(exc))
            return
    verb = "would quarantine" if dry_run else "quarantined"
    print(f"{r.stored} blobs, {r.referenced} referenced digests; {verb} {len(r.orphaned)} orphaned blob(s); "
          f"{r.young} unreferenced but younger than the grace period; {r.kept} kept (in use again); "
          f"{r.temp_removed} stale temp file(s) removed")
    for digest in r.orphaned:
        print(f"  {digest}")
# <<< backup / restore / store <<<


@app.command()
def doctor() -> None:
    """Check configuration and services."""
    from dms.ops.doctor import run_checks

    checks = run_checks(_settings())
    table = Table("check", "status", "detail")
    for ch in checks:
        status = "[green]ok[/green]" if ch.ok else ("[red]FAIL[/red]" if ch.fatal else "[yellow]warn[/yellow]")
        table.add_row(ch.name, status, ch.detail)
    Console().print(table)
    if any(not ch.ok and ch.fatal for ch in checks):
        raise typer.Exit(1)


# >>> registration: sub-commands of other contexts, one line each >>>
# e.g. from dms.cli_search import app as search_app; app.add_typer(search_app, name="search")
from dms.cli_invoices import invoice_app, supplier_app; app.add_typer(supplier_app, name="supplier"); app.add_typer(invoice_app, name="invoice")  # noqa: E402, E702, I001
from dms.cli_einvoice import app as einvoice_app; app.add_typer(einvoice_app, name="einvoice")  # noqa: E402, E702, I001
from dms.cli_retention import app as retention_app, fixity_app; app.add_typer(retention_app, name="retention"); app.add_typer(fixity_app, name="fixity")  # noqa: E402, E702, I001
from dms.cli_search import app as search_app, reindex as search_reindex; app.add_typer(search_app, name="search"); app.command("reindex")(search_reindex)  # noqa: E402, E702, I001
from dms.cli_scan import app as scan_app; app.add_typer(scan_app, name="scan")  # noqa: E402, E702, I001
from dms.cli_departments import app as department_app; app.add_typer(department_app, name="department")  # noqa: E402, E702, I001
from dms.cli_paperless import import_paperless; app.command("import-paperless")(import_paperless)  # noqa: E402, E702, I001
# <<< registration <<<


def main() -> None:
    from sqlalchemy.exc import OperationalError, ProgrammingError

    try:
        app()
    except KeyboardInterrupt:  # pragma: no cover
        sys.exit(130)
    except (OperationalError, ProgrammingError) as exc:  # a sentence instead of a traceback
        first = str(exc.orig if exc.orig is not None else exc).splitlines()[0]
        console.print(f"[red]error:[/red] the database is not ready ({first}); run `aktenwerk init` first "
                      "or check AKTENWERK_DATA_DIR / AKTENWERK_DATABASE_URL")
        sys.exit(1)
