"""``aktenwerk search …`` and ``aktenwerk reindex`` (typer).

* ``aktenwerk search QUERY [--json] [--as-user NAME]`` — search as admin (everything) or as a user.
* ``aktenwerk search check [--json] [--fix]`` — drift report between database and index.
* ``aktenwerk reindex`` — rebuild the index from the database with a progress bar, no downtime.

``search`` is a group whose first word is a query unless it names a sub-command (``check``); to search
for the literal word "check" use ``aktenwerk search query check``.
"""
# ruff: noqa: PLC0415, PLR0917  -- lazy imports keep `--help` fast; typer commands take many options

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

import typer
from rich.console import Console
from typer.core import TyperGroup

from dms.errors import DmsError
from dms.settings import get_settings
from search.errors import SearchError

console = Console(stderr=True)


class _QueryFirstGroup(TyperGroup):
    """``search WORDS…`` means ``search query WORDS…`` unless the first word is a sub-command."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:  # typer's own click Context
        if args and args[0] not in self.commands and args[0] not in {"--help", "-h"}:
            args = ["query", *args]
        return super().parse_args(ctx, args)


app = typer.Typer(
    cls=_QueryFirstGroup,
    help="Full-text search and index health. `aktenwerk search WORDS… [--json] [--as-user NAME]` searches "
    "(as admin unless --as-user); `aktenwerk search check [--fix]` reports drift.",
    no_args_is_help=True,
)


@contextmanager
def _released(container: Any, close: Any) -> Iterator[None]:
    """Close the search engine handle (releasing a writer lock) when the command ends."""
    try:
        yield
    finally:
        close(container)


def _fail(message: str, code: int = 2) -> None:
    console.print(f"[red]error:[/red] {message}")
    raise typer.Exit(code)


@app.command("query")
def query_cmd(
    words: Annotated[
        list[str], typer.Argument(help="Query in the clerk syntax, e.g. 'Bauantrag typ:Bescheid'")
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Print the API's JSON shape")] = False,
    page: Annotated[int, typer.Option(min=1)] = 1,
    page_size: Annotated[int, typer.Option(min=1, max=100)] = 20,
    sort: Annotated[str, typer.Option(help="relevance, date_desc or date_asc")] = "relevance",
    as_user: Annotated[
        str | None, typer.Option("--as-user", help="Search with this user's permissions")
    ] = None,
) -> None:
    """Search the index (default: as admin, every document)."""
    from dms.auth import service as auth
    from dms.domain.principal import SYSTEM
    from dms.ops.context import cli_container
    from dms.search_index import close_backend, search_as

    text = " ".join(words)
    with cli_container(get_settings()) as c, _released(c, close_backend):
        try:
            principal = SYSTEM
            if as_user:
                with c.uow(read_only=True) as uow:
                    principal = auth.principal_of(uow.session, auth.get_user_by_name(uow.session, as_user))
            result = search_as(c, principal, text, page=page, page_size=page_size, sort=sort)
        except (SearchError, DmsError) as exc:
            _fail(str(exc))
            return
    if as_json:
        from dms.web.api.search import _with_int_ids

        print(json.dumps(_with_int_ids(result.to_dict()), ensure_ascii=False, indent=2))
        return
    out = Console()
    if result.notice:
        out.print(f"[yellow]{result.notice}[/yellow]")
    out.print(f"{result.total} Treffer")
    for hit in result.hits:
        meta = " · ".join(x for x in (hit.document_type, hit.akte or "", str(hit.document_date or "")) if x)
        out.print(f"[bold]{hit.id}[/bold]  {hit.title}  [dim]{meta}  ({hit.score:.2f})[/dim]")
        for snippet in hit.highlights:
            out.print(
                "    " + snippet.replace("<mark>", "[reverse]").replace("</mark>", "[/reverse]"),
                highlight=False,
            )


@app.command("check")
def check_cmd(
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable report")] = False,
    fix: Annotated[bool, typer.Option("--fix", help="Queue outbox rows that repair the drift")] = False,
) -> None:
    """Report drift between database and index (missing, stale, orphaned); exit 1 if any."""
    from dms.ops.context import cli_container
    from dms.search_index import check, close_backend, repair

    with cli_container(get_settings(), queue=fix) as c, _released(c, close_backend):
        try:
            report = check(c)
            repaired = repair(c, report) if fix and not report.ok else 0
        except (SearchError, DmsError) as exc:
            _fail(str(exc))
            return
    data: dict[str, Any] = report.to_dict()
    if fix:
        data["repair_queued"] = repaired
    if as_json:
        print(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        print(f"database: {report.database} documents, index: {report.indexed}, in flight: {report.pending}")
        for label in ("missing", "stale", "orphaned"):
            ids = data[label]
            print(
                f"{label}: {len(ids)}"
                + (f" ({', '.join(ids[:20])}{' …' if len(ids) > 20 else ''})" if ids else "")
            )
        print(
            "index is in sync"
            if report.ok
            else "DRIFT found" + (f"; {repaired} repair job(s) queued" if fix else "")
        )
    if not report.ok:
        raise typer.Exit(1)


def reindex(
    batch: Annotated[int, typer.Option(min=1, max=10_000, help="Documents per batch")] = 5_000,
) -> None:
    """Rebuild the search index from the database (no downtime: search keeps working meanwhile)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from dms.ops.context import cli_container
    from dms.search_index import close_backend, count_documents
    from dms.search_index import reindex as run

    with cli_container(get_settings(), queue=True) as c, _released(c, close_backend):
        try:
            total = count_documents(c)
            with Progress(
                TextColumn("[bold]reindex"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeRemainingColumn(),
                console=console,
            ) as progress:
                task = progress.add_task("", total=total)
                report = run(c, batch=batch, progress=lambda n: progress.update(task, advance=n))
        except (SearchError, DmsError) as exc:
            _fail(str(exc), 1)
            return
    print(
        f"reindexed {report.documents} document(s) in {report.seconds:.1f}s"
        + (f" into {report.generation}" if report.generation else "")
        + (f"; {report.requeued} change(s) made meanwhile re-queued" if report.requeued else "")
        + (f"; search analysis stored for {report.analysed} text(s)" if report.analysed else "")
    )
