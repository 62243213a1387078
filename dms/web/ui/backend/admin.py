"""Admin pages over the dms auth and file-plan services and the health report the API serves."""

from __future__ import annotations

import csv
import io
from typing import Any

from fastapi import Request
from sqlalchemy import select
from sqlmodel import col

from dms.auth import service as auth
from dms.db.tables import User
from dms.services import fileplan as fileplan_svc
from dms.web.api.system import health_report
from dms.web.ui.backend.base import UserError, container, uow, user_errors

MAX_FILEPLAN_ROWS = 20_000
FILEPLAN_COLUMNS = ("code", "title", "parent_code", "retention_class", "department")


def users(request: Request, user: Any) -> list[dict[str, Any]]:
    with uow(request, read_only=True) as unit:
        rows = list(unit.session.execute(select(User).order_by(col(User.id)).limit(1000)).scalars())
        return [
            {
                "username": u.username,
                "role": u.role,
                "department": u.department,
                "amount_limit": u.amount_limit,
                "supplier_id": u.supplier_id,
                "active": u.active,
            }
            for u in rows
        ]


def create_user(request: Request, user: Any, fields: dict[str, Any]) -> None:
    supplier = fields.get("supplier_id")
    if supplier is not None and not str(supplier).isdigit():
        raise UserError("error.invalid_text", "supplier_id")
    with uow(request) as unit, user_errors():
        auth.create_user(
            unit.session,
            user,
            fields["username"],
            fields["role"],
            password=fields["password"],
            department=fields.get("department"),
            supplier_id=int(supplier) if supplier is not None else None,
            amount_limit=fields.get("amount_limit"),
        )
        unit.commit()


def fileplan(request: Request, user: Any) -> list[dict[str, Any]]:
    with uow(request, read_only=True) as unit:
        nodes = fileplan_svc.list_nodes(unit.session)
        return [
            {"code": n.code, "title": n.title, "retention_class": n.retention_class, "department": n.department}
            for n in nodes[:5000]
        ]


def parse_fileplan_csv(data: bytes) -> list[dict[str, str]]:
    """Rows of a file-plan CSV (UTF-8, with or without BOM; comma or semicolon); clear errors."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UserError("admin.csv_encoding", str(exc)) from exc
    if not text.strip():
        raise UserError("upload.empty")
    dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;") if ";" in text[:4096] else csv.excel
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    header = [h.strip().lower() for h in reader.fieldnames or []]
    if "code" not in header or "title" not in header:
        raise UserError("admin.csv_header", ", ".join(header))
    rows = []
    for n, raw in enumerate(reader, start=2):
        if n > MAX_FILEPLAN_ROWS + 1:
            raise UserError("admin.csv_too_many", str(MAX_FILEPLAN_ROWS))
        row = {k.strip().lower(): (v or "").strip() for k, v in raw.items() if k}
        if not row.get("code") or not row.get("title"):
            raise UserError("admin.csv_row", str(n))
        rows.append({c: row.get(c, "") for c in FILEPLAN_COLUMNS})
    return rows


def import_fileplan(request: Request, user: Any, data: bytes) -> dict[str, int]:
    """Create or update nodes through the file-plan service (versioned, audited), all in one transaction."""
    rows = parse_fileplan_csv(data)
    created = updated = 0
    with uow(request) as unit, user_errors():
        by_code = {n.code: n for n in fileplan_svc.list_nodes(unit.session)}
        for row in rows:
            parent = by_code.get(row["parent_code"]) if row["parent_code"] else None
            if row["parent_code"] and parent is None:
                raise UserError("admin.csv_parent", f"{row['code']} → {row['parent_code']}")
            parent_id = parent.id if parent else None
            retention_class = row["retention_class"] or None
            department = row["department"] or None
            values: dict[str, Any] = {"title": row["title"], "parent_id": parent_id,
                                      "retention_class": retention_class, "department": department}
            existing = by_code.get(row["code"])
            if existing is None:
                by_code[row["code"]] = fileplan_svc.create_node(
                    unit.session, user, row["code"], row["title"], parent_id=parent_id,
                    retention_class=retention_class, department=department,
                )
                created += 1
            else:
                before = existing.version
                node = fileplan_svc.update_node(unit.session, user, int(existing.id or 0), values)
                updated += 1 if node.version != before else 0
        unit.commit()
    return {"created": created, "updated": updated}


def health(request: Request, user: Any) -> dict[str, Any]:
    report = health_report(container(request))
    components = [
        {"name": name, "ok": not str(value).startswith("error"), "detail": value}
        for name, value in report["checks"].items()
    ]
    return {"ok": report["status"] == "ok", "components": components}
