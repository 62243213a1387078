"""CLI for departments (Organisationseinheiten): ``aktenwerk department list|create|rename|deactivate|activate``.

The same service as ``/api/v1/departments`` and ``/admin/departments``; the code never changes (it is the
key in ``dept:<code>`` access tokens), only the name and the active flag."""
# ruff: noqa: PLC0415  -- lazy imports keep `--help` fast

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console

from dms.errors import DmsError
from dms.settings import get_settings

app = typer.Typer(
    help="Departments (Organisationseinheiten): codes and readable names.", no_args_is_help=True
)
console = Console(stderr=True)


def _change(code: str, *, create: bool = False, name: str | None = None, active: bool | None = None) -> None:
    from dms.ops.context import cli_container
    from dms.services import departments as svc

    with cli_container(get_settings()) as c, c.uow() as uow:
        try:
            if create:
                row = svc.create(uow.session, None, code, name)
            else:
                row = svc.update(uow.session, None, code, name=name, active=active)
            uow.commit()
        except DmsError as exc:
            console.print(f"[red]error:[/red] {exc}")
            raise typer.Exit(1) from None
    print(f"{row.code}\t{row.name}\t{'aktiv' if row.active else 'inaktiv'}")


@app.command("list")
def list_(as_json: Annotated[bool, typer.Option("--json", help="Machine-readable")] = False) -> None:
    """Every department with its name, status and usage counts."""
    from dms.ops.context import cli_container
    from dms.services import departments as svc

    with cli_container(get_settings()) as c, c.uow(read_only=True) as uow:
        rows = svc.list_departments(uow.session)
        counts = svc.usage(uow.session)
        out = [
            {"code": d.code, "name": d.name, "active": d.active, "users": u.users, "documents": u.documents}
            for d in rows
            for u in [counts.get(d.code) or svc.Usage()]
        ]
    if as_json:
        print(json.dumps(out, ensure_ascii=False, indent=2))
        return
    for d in out:
        state = "aktiv" if d["active"] else "inaktiv"
        print(f"{d['code']}\t{d['name']}\t{state}\t{d['users']} Nutzer\t{d['documents']} Dokumente")


@app.command("create")
def create(
    code: Annotated[str, typer.Argument(help="Code, e.g. 63 or 63.2")],
    name: Annotated[str | None, typer.Option("--name", help="Readable name (default: the code)")] = None,
) -> None:
    """Create a department."""
    _change(code, create=True, name=name)


@app.command("rename")
def rename(
    code: Annotated[str, typer.Argument(help="Code of the department")],
    name: Annotated[str, typer.Argument(help="New readable name")],
) -> None:
    """Give a department a new name (the code stays)."""
    _change(code, name=name)


@app.command("deactivate")
def deactivate(code: Annotated[str, typer.Argument(help="Code of the department")]) -> None:
    """No longer offer the department in forms (existing references keep working)."""
    _change(code, active=False)


@app.command("activate")
def activate(code: Annotated[str, typer.Argument(help="Code of the department")]) -> None:
    """Offer a deactivated department again."""
    _change(code, active=True)
