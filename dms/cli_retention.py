"""``aktenwerk retention …`` and ``aktenwerk fixity …``.

- ``retention plan --as-of DATE [--json]``: what is due (dry run) with reasons; nothing changes.
- ``retention classes``, ``retention why DOC``: the classes and one document's retention with its reason.
- ``retention hold add|list|release``, ``retention event``: legal holds and named events (Jahresabschluss).
- ``retention disposal open|approve|reject|list|certificate|resume``: four-eyes disposal.
- ``retention offer|import|transfer``: archive hand-over (xdomea 3.0.0 0501 / 0502, 0506, 0507 / 0503).
- ``fixity check [--sample N] [--json]``: re-hash stored originals; exit 1 on mismatches or missing blobs.
Actions name the acting user with ``--user`` (audit trail); records-manager rules apply as in the API.
"""
# ruff: noqa: PLC0415, PLR0917  -- lazy imports keep `--help` fast; typer commands take many options

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Column, Table

from dms.errors import DmsError
from retention.errors import RetentionError

app = typer.Typer(
    help="Retention: plan, holds, four-eyes disposal, archive hand-over (xdomea).", no_args_is_help=True
)
hold_app = typer.Typer(help="Legal holds (Löschsperren).", no_args_is_help=True)
disposal_app = typer.Typer(
    help="Disposal requests (four eyes) and deletion certificates.", no_args_is_help=True
)
fixity_app = typer.Typer(help="Fixity: re-hash stored content.", no_args_is_help=True)
app.add_typer(hold_app, name="hold")
app.add_typer(disposal_app, name="disposal")

err = Console(stderr=True)
out = Console(soft_wrap=True)

UserOpt = Annotated[str, typer.Option("--user", help="Acting user (username); recorded in the audit log")]
DateOpt = Annotated[str | None, typer.Option("--as-of", help="ISO date (default: today)")]


def _fail(message: str, code: int = 1) -> None:
    err.print(f"[red]error:[/red] {message}")
    raise typer.Exit(code)


def _date(value: str | None, what: str = "--as-of") -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        _fail(f"{what} must be an ISO date (YYYY-MM-DD), got {value!r}", 2)
    return None


@contextmanager
def _ctx(queue: bool = False) -> Iterator[Any]:
    from dms.ops.context import cli_container
    from dms.settings import get_settings

    try:
        with cli_container(get_settings(), queue=queue) as c:
            yield c
    except (DmsError, RetentionError) as exc:
        _fail(str(exc))


def _settings() -> Any:
    from dms.retention_settings import RetentionSettings

    return RetentionSettings()


def _principal(session: Any, username: str) -> Any:
    from dms.auth import service as auth

    return auth.principal_of(session, auth.get_user_by_name(session, username))


def _print_json(data: Any) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2, default=str))


# ---------------------------------------------------------------- plan, classes, why
@app.command("plan")
def plan_cmd(
    as_of: DateOpt = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
    limit: Annotated[int, typer.Option(help="List at most this many items")] = 1000,
) -> None:
    """Dry run: documents whose retention has ended on --as-of, with action and reason."""
    from dms.retention_facts import today
    from dms.retention_service import compute_plan

    settings = _settings()
    with _ctx() as c, c.uow(read_only=True) as uow:
        day = _date(as_of) or today(settings)
        result, titles = compute_plan(uow.session, settings, day)
    data = result.to_dict(limit=limit)
    for item in (*data["items"], *data["blocked"]):
        item["title"] = titles.get(item["record_id"], "")
    if as_json:
        _print_json(data)
        return
    out.print(
        f"Aussonderungsplan zum {day:%d.%m.%Y}: {data['due']} fällig, {len(data['blocked'])} gesperrt, "
        f"{data['total']} Dokumente geprüft ({', '.join(f'{k}={v}' for k, v in data['counts'].items())})"
    )
    table = Table("Dokument", "Titel", "Klasse", "Aufbewahrung bis", "Maßnahme", "Begründung")
    for item in (*data["items"], *data["blocked"]):
        table.add_row(
            item["record_id"],
            item["title"],
            item["class_id"] or "",
            item["keep_until"] or "",
            item["action"] or "",
            item["reason"],
        )
    out.print(table)


@app.command("classes")
def classes_cmd(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """The retention classes (shipped defaults plus AKTENWERK_RETENTION_CLASSES_FILE)."""
    from dms.retention_facts import registry

    try:
        classes = list(registry(_settings()).values())
    except (DmsError, RetentionError) as exc:
        _fail(str(exc))
        return
    if as_json:
        _print_json([c.to_dict() for c in classes])
        return
    table = Table("Name", "Frist", "Beginn", "Maßnahme", "Rechtsgrundlage")
    table.columns.insert(0, Column("id", no_wrap=True))
    for c in classes:
        table.add_row(c.id, c.name, c.period.german(), c.start_text(), c.action.german(), c.legal_basis)
    out.print(table)


@app.command("why")
def why_cmd(document_id: int, as_of: DateOpt = None) -> None:
    """Why is this document kept until when (or when was it disposed)."""
    from dms.domain.principal import SYSTEM
    from dms.retention_service import retention_info

    with _ctx() as c, c.uow(read_only=True) as uow:
        _print_json(retention_info(uow.session, _settings(), SYSTEM, document_id, _date(as_of)))


@app.command("event")
def event_cmd(
    name: str,
    fiscal_year: Annotated[int, typer.Option("--fiscal-year")],
    on: Annotated[str, typer.Option("--on", help="ISO date the event happened")],
    user: UserOpt,
    note: Annotated[str | None, typer.Option()] = None,
) -> None:
    """Record a named event, e.g. ``jahresabschluss-festgestellt --fiscal-year 2025 --on 2026-06-15``."""
    from dms.retention_service import record_event

    day = _date(on, "--on")
    assert day is not None
    with _ctx() as c, c.uow() as uow:
        record_event(
            uow.session,
            _principal(uow.session, user),
            name,
            fiscal_year=fiscal_year,
            occurred_on=day,
            note=note,
            settings=_settings(),
        )
        uow.commit()
    print(f"event {name} {fiscal_year} recorded ({day})")


# ---------------------------------------------------------------- holds
@hold_app.command("add")
def hold_add(
    reason: Annotated[str, typer.Option()],
    user: UserOpt,
    document: Annotated[int | None, typer.Option(help="Document id")] = None,
    akte: Annotated[int | None, typer.Option(help="Akte id")] = None,
    query: Annotated[
        str | None, typer.Option(help="Saved query, e.g. 'correspondent:\"X GmbH\" year:2019'")
    ] = None,
    owner: Annotated[str | None, typer.Option()] = None,
    review: Annotated[str | None, typer.Option("--review-date")] = None,
) -> None:
    """Place a legal hold: it blocks disposal and deletion until released."""
    from dms.retention_service import create_hold

    with _ctx() as c, c.uow() as uow:
        row = create_hold(
            uow.session,
            _principal(uow.session, user),
            reason=reason,
            document_id=document,
            akte_id=akte,
            query=query,
            owner=owner,
            review_date=_date(review, "--review-date"),
        )
        uow.commit()
        print(row.id)


@hold_app.command("list")
def hold_list(
    all_: Annotated[bool, typer.Option("--all", help="Include released holds")] = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    from dms.retention_service import list_holds

    with _ctx() as c, c.uow(read_only=True) as uow:
        rows = [
            {
                "id": h.id,
                "scope": h.scope,
                "target": h.target,
                "reason": h.reason,
                "owner": h.owner,
                "review_date": h.review_date,
                "active": h.released_at is None,
            }
            for h in list_holds(uow.session, active_only=not all_)
        ]
    if as_json:
        _print_json(rows)
        return
    table = Table("id", "Bereich", "Ziel", "Grund", "verantwortlich", "Wiedervorlage", "aktiv")
    for r in rows:
        table.add_row(
            *(
                str(r[k] if r[k] is not None else "")
                for k in ("id", "scope", "target", "reason", "owner", "review_date", "active")
            )
        )
    out.print(table)


@hold_app.command("release")
def hold_release(hold_id: int, user: UserOpt, note: Annotated[str | None, typer.Option()] = None) -> None:
    from dms.retention_service import release_hold

    with _ctx() as c, c.uow() as uow:
        release_hold(uow.session, _principal(uow.session, user), hold_id, note)
        uow.commit()
    print(f"hold {hold_id} released")


# ---------------------------------------------------------------- disposals
@disposal_app.command("open")
def disposal_open(
    document_ids: Annotated[list[int], typer.Argument()],
    user: UserOpt,
    note: Annotated[str, typer.Option()] = "",
) -> None:
    """Open a disposal request (records manager); a different records manager must approve it."""
    from dms.retention_service import open_disposal

    with _ctx() as c, c.uow() as uow:
        row = open_disposal(uow.session, _settings(), _principal(uow.session, user), document_ids, note=note)
        uow.commit()
        print(row.id)


@disposal_app.command("approve")
def disposal_approve(disposal_id: int, user: UserOpt) -> None:
    """Approve (four eyes) and execute."""
    from dms.retention_service import approve, execute_disposal

    with _ctx(queue=True) as c:
        with c.uow() as uow:
            principal = _principal(uow.session, user)
            approve(uow.session, principal, disposal_id)
            uow.commit()
        _print_json(execute_disposal(c, _settings(), principal, disposal_id))


@disposal_app.command("reject")
def disposal_reject(disposal_id: int, user: UserOpt, reason: Annotated[str, typer.Option()]) -> None:
    from dms.retention_service import reject

    with _ctx() as c, c.uow() as uow:
        reject(uow.session, _principal(uow.session, user), disposal_id, reason)
        uow.commit()
    print(f"disposal {disposal_id} closed")


@disposal_app.command("resume")
def disposal_resume(disposal_id: int, user: UserOpt) -> None:
    """Resume an interrupted execution (finished items are not touched again)."""
    from dms.retention_service import execute_disposal

    with _ctx(queue=True) as c:
        with c.uow(read_only=True) as uow:
            principal = _principal(uow.session, user)
        _print_json(execute_disposal(c, _settings(), principal, disposal_id))


@disposal_app.command("list")
def disposal_list() -> None:
    from dms.retention_service import list_disposals

    with _ctx() as c, c.uow(read_only=True) as uow:
        table = Table("id", "Status", "Quelle", "beantragt von", "genehmigt von", "Dokumente", "Protokoll")
        for r, n in list_disposals(uow.session):
            table.add_row(
                str(r.id),
                r.state,
                r.source,
                r.opened_by_name,
                r.approved_by_name or "",
                str(n),
                "ja" if r.certificate else "",
            )
    out.print(table)


@disposal_app.command("certificate")
def disposal_certificate(
    disposal_id: int, pdf: Annotated[Path | None, typer.Option(help="Write the PDF here")] = None
) -> None:
    """Print the deletion certificate (JSON) or write it as PDF."""
    from dms.retention_service import certificate_of
    from retention.certificate import certificate_pdf

    with _ctx() as c, c.uow(read_only=True) as uow:
        body = certificate_of(uow.session, disposal_id)
    if pdf is None:
        _print_json(body)
        return
    pdf.write_bytes(certificate_pdf(body))
    print(f"written {pdf}")


# ---------------------------------------------------------------- archive hand-over
@app.command("offer")
def offer_cmd(
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for the 0501 XML")],
    user: UserOpt,
    as_of: DateOpt = None,
    document_ids: Annotated[
        list[int] | None, typer.Option("--document", help="Offer these (repeatable)")
    ] = None,
) -> None:
    """Export the offer list (xdomea 0501) of due documents for the archive."""
    from dms.retention_facts import today
    from dms.retention_xdomea import create_offer

    settings = _settings()
    with _ctx() as c, c.uow() as uow:
        _row, name, xml = create_offer(
            uow.session,
            settings,
            _principal(uow.session, user),
            _date(as_of) or today(settings),
            document_ids,
        )
        out_dir.mkdir(parents=True, exist_ok=True)
        (out_dir / name).write_bytes(xml)
        uow.commit()
        print(out_dir / name)


@app.command("import")
def import_cmd(
    path: Annotated[Path, typer.Argument(help="0502 / 0506 / 0507 message, XML or zip")], user: UserOpt
) -> None:
    """Import the archive's answer. After the final answer a disposal request is opened (needs approval)."""
    from dms.retention_xdomea import import_message

    try:
        data = path.read_bytes()
    except OSError as exc:
        _fail(f"cannot read {path}: {exc}")
        return
    with _ctx() as c, c.uow() as uow:
        result = import_message(uow.session, _settings(), _principal(uow.session, user), data)
        uow.commit()
    _print_json(result)


@app.command("transfer")
def transfer_cmd(process_id: str, out_dir: Annotated[Path, typer.Option("--out")], user: UserOpt) -> None:
    """Export the transfer package (xdomea 0503 zip) with the documents the archive selected."""
    from dms.retention_xdomea import build_transfer

    with _ctx() as c, c.uow() as uow:
        name, data = build_transfer(c, uow.session, _settings(), _principal(uow.session, user), process_id)
        out_dir.mkdir(parents=True, exist_ok=True)
        (out_dir / name).write_bytes(data)
        uow.commit()
        print(out_dir / name)


# ---------------------------------------------------------------- fixity
@fixity_app.command("check")
def fixity_check(
    sample: Annotated[int | None, typer.Option(min=1, help="Check a random sample of N blobs")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
    user: Annotated[str | None, typer.Option("--user", help="Acting user (default: system)")] = None,
) -> None:
    """Re-hash stored originals; exit 1 when any blob is missing or does not match its SHA-256."""
    from dms.retention_fixity import run_fixity

    with _ctx() as c:
        principal = None
        if user:
            with c.uow(read_only=True) as uow:
                principal = _principal(uow.session, user)
        report = run_fixity(c, _settings(), principal=principal, sample=sample)
    if as_json:
        _print_json(report)
    else:
        print(
            f"fixity: {report['checked']} checked, {report['ok']} ok, {len(report['mismatches'])} mismatching, "
            f"{len(report['missing'])} missing, {report['bytes_read']:,} bytes in {report['seconds']} s "
            f"({report['throughput_mb_s']} MB/s){' [sample]' if report['sampled'] else ''}"
        )
        for m in report["mismatches"]:
            print(f"  MISMATCH {m['key']} (document {m['record_id']}): now {m['actual']}")
        for m in report["missing"]:
            print(f"  MISSING  {m['key']} (document {m['record_id']})")
    if not report["healthy"]:
        raise typer.Exit(1)
