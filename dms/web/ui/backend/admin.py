"""Admin pages over the dms auth and file-plan services and the health report the API serves."""

from __future__ import annotations

import csv
import io
from typing import Any

from fastapi import Request
from sqlalchemy import select
from sqlmodel import col

from dms.auth import service as auth
from dms.db.tables import FilePlanNode, User
from dms.invoices import routing
from dms.invoices.suppliers import supplier_exists
from dms.invoices.tables import ApprovalChainConfig, RoutingRule
from dms.services import departments as departments_svc
from dms.services import fileplan as fileplan_svc
from dms.web.api.system import health_report
from dms.web.ui.backend.base import NotFound, UserError, container, uow, user_errors
from einvoice.domain import approval

MAX_FILEPLAN_ROWS = 20_000
FILEPLAN_COLUMNS = ("code", "title", "parent_code", "retention_class", "department")


def users(request: Request, user: Any) -> list[dict[str, Any]]:
    with uow(request, read_only=True) as unit:
        rows = list(unit.session.execute(select(User).order_by(col(User.id)).limit(1000)).scalars())
        return [
            {
                "id": u.id,
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
            {"id": n.id, "code": n.code, "title": n.title, "retention_class": n.retention_class,
             "department": n.department, "deprecated": n.deprecated}
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


# ------------------------------------------------------------------------------------- user editor
def _supplier_id(session: Any, value: str | None) -> int | None:
    if value is None or value == "":
        return None
    if not str(value).isdigit():
        raise UserError("admin.supplier_invalid", str(value))
    if not supplier_exists(session, int(value)):
        raise UserError("admin.supplier_unknown", str(value))
    return int(value)


def user_detail(request: Request, user: Any, user_id: int) -> dict[str, Any]:
    """One user with their API tokens and the number of open browser sessions."""
    with uow(request, read_only=True) as unit, user_errors():
        u = auth.get_user(unit.session, user_id)
        tokens = [
            {"id": t.id, "name": t.name, "prefix": t.prefix, "created_at": t.created_at,
             "expires_at": t.expires_at, "revoked": t.revoked}
            for t in auth.list_tokens(unit.session, user_id)
        ]
        return {
            "id": u.id, "username": u.username, "role": u.role, "department": u.department,
            "amount_limit": u.amount_limit, "supplier_id": u.supplier_id, "active": u.active,
            "tokens": tokens, "sessions": auth.active_session_count(unit.session, user_id),
            "is_self": int(user.user_id) == user_id,
        }


def update_user(request: Request, user: Any, user_id: int, fields: dict[str, Any]) -> None:
    """Role, department, amount limit, supplier link, active flag, new password (through the auth service).

    Sessions are resolved from the database on every request, so role and active changes apply to the
    user's very next request; the bearer-token cache of this process is cleared as the API does."""
    with uow(request) as unit, user_errors():
        supplier = _supplier_id(unit.session, fields.get("supplier_id"))
        changes: dict[str, Any] = {
            "role": fields["role"],
            "department": fields.get("department") or "",
            "amount_limit": fields.get("amount_limit") or "",
            "supplier_id": supplier if supplier is not None else "",
            "active": bool(fields["active"]),
        }
        if fields.get("password"):
            changes["password"] = fields["password"]
        auth.update_user(unit.session, user, user_id, **changes)
        unit.commit()


def revoke_token(request: Request, user: Any, user_id: int, token_id: int) -> None:
    with uow(request) as unit, user_errors():
        auth.revoke_token(unit.session, user, token_id, owner_id=user_id)
        unit.commit()


def revoke_tokens(request: Request, user: Any, user_id: int) -> int:
    with uow(request) as unit, user_errors():
        count = auth.revoke_tokens(unit.session, user, user_id)
        unit.commit()
    return count


def revoke_sessions(request: Request, user: Any, user_id: int) -> int:
    with uow(request) as unit, user_errors():
        count = auth.revoke_sessions(unit.session, user, user_id)
        unit.commit()
    return count


def amount_limits(request: Request, user: Any) -> list[dict[str, Any]]:
    """Users who can take a limit-checked approval step (finance), with their limits."""
    with uow(request, read_only=True) as unit:
        rows = unit.session.execute(
            select(User).where(col(User.role).in_(("finance", "admin"))).order_by(col(User.username))
        ).scalars()
        return [
            {"id": u.id, "username": u.username, "role": u.role, "department": u.department,
             "amount_limit": u.amount_limit, "active": u.active}
            for u in rows
        ]


def set_amount_limit(request: Request, user: Any, user_id: int, value: str) -> None:
    with uow(request) as unit, user_errors():
        auth.update_user(unit.session, user, user_id, amount_limit=value or "")
        unit.commit()


# ---------------------------------------------------------------------------------- file plan entry
def fileplan_node(request: Request, user: Any, node_id: int) -> dict[str, Any]:
    with uow(request, read_only=True) as unit, user_errors():
        n = fileplan_svc.get_node(unit.session, node_id)
        history = [
            {"version": v.version, "title": v.title, "retention_class": v.retention_class,
             "department": v.department, "deprecated": v.deprecated, "changed_at": v.changed_at}
            for v in fileplan_svc.node_history(unit.session, node_id)
        ]
        parent = fileplan_svc.get_node(unit.session, n.parent_id).code if n.parent_id else ""
        return {"id": n.id, "code": n.code, "title": n.title, "parent_code": parent,
                "retention_class": n.retention_class, "department": n.department,
                "deprecated": n.deprecated, "version": n.version, "history": history[::-1]}


def update_fileplan_node(request: Request, user: Any, node_id: int, fields: dict[str, Any]) -> None:
    """Rename, reclassify, move or deprecate a node (a new version; the file-plan service audits it)."""
    from dms.retention_service import validate_retention_class  # noqa: PLC0415 - retention is optional here
    from dms.retention_settings import RetentionSettings  # noqa: PLC0415

    title = str(fields.get("title") or "").strip()
    if not title:
        raise UserError("admin.title_required")
    with uow(request) as unit, user_errors():
        parent_id = None
        if fields.get("parent_code"):
            parent = unit.session.execute(
                select(FilePlanNode).where(col(FilePlanNode.code) == fields["parent_code"])
            ).scalar_one_or_none()
            if parent is None:
                raise UserError("admin.csv_parent", str(fields["parent_code"]))
            parent_id = parent.id
        retention_class = fields.get("retention_class") or None
        validate_retention_class(RetentionSettings(), retention_class)
        fileplan_svc.update_node(unit.session, user, node_id, {
            "title": title, "parent_id": parent_id, "retention_class": retention_class,
            "department": fields.get("department") or None, "deprecated": bool(fields.get("deprecated")),
        })
        unit.commit()


# ------------------------------------------------------------------------------------ routing rules
#: rule attribute → catalog key of its label (translated in the templates)
_RULE_CRITERIA = (("leitweg_id", "admin.leitweg_id"), ("buyer_reference", "admin.buyer_reference"),
                  ("order_reference_prefix", "admin.order_prefix"), ("supplier_id", "admin.supplier"))


def _rule_dict(r: RoutingRule, names: dict[int, str]) -> dict[str, Any]:
    return {
        "id": r.id, "priority": r.priority, "leitweg_id": r.leitweg_id or "",
        "buyer_reference": r.buyer_reference or "", "order_reference_prefix": r.order_reference_prefix or "",
        "supplier_id": r.supplier_id, "department": r.department, "assignee_id": r.assignee_id,
        "assignee": names.get(r.assignee_id or 0, ""),
        "criteria": [(label, getattr(r, attr)) for attr, label in _RULE_CRITERIA if getattr(r, attr)],
    }


def _names(session: Any) -> dict[int, str]:
    return {int(i): n for i, n in session.execute(select(col(User.id), col(User.username)))}


def rules(request: Request, user: Any) -> list[dict[str, Any]]:
    with uow(request, read_only=True) as unit:
        names = _names(unit.session)
        return [_rule_dict(r, names) for r in routing.list_rules(unit.session)]


def rule(request: Request, user: Any, rule_id: int) -> dict[str, Any]:
    with uow(request, read_only=True) as unit, user_errors():
        return _rule_dict(routing.get_rule(unit.session, rule_id), _names(unit.session))


def _assignee(session: Any, name: str | None) -> int | None:
    if not name:
        return None
    found = session.execute(select(col(User.id)).where(col(User.username) == name)).scalar_one_or_none()
    if found is None:
        raise UserError("admin.assignee_unknown", name)
    return int(found)


def _rule_data(session: Any, fields: dict[str, Any]) -> dict[str, Any]:
    data = {k: (fields.get(k) or "").strip() or None
            for k in ("leitweg_id", "buyer_reference", "order_reference_prefix", "department")}
    data["supplier_id"] = _supplier_id(session, (fields.get("supplier_id") or "").strip() or None)
    data["assignee_id"] = _assignee(session, (fields.get("assignee") or "").strip() or None)
    priority = (fields.get("priority") or "").strip()
    if priority:
        if not priority.isdigit():
            raise UserError("admin.priority_invalid", priority)
        data["priority"] = int(priority)
    return data


def create_rule(request: Request, user: Any, fields: dict[str, Any]) -> int:
    with uow(request) as unit, user_errors():
        data = _rule_data(unit.session, fields)
        data.setdefault("priority", 100)
        row = routing.create_rule(unit.session, user, data)
        unit.commit()
        return int(row.id or 0)


def update_rule(request: Request, user: Any, rule_id: int, fields: dict[str, Any]) -> None:
    with uow(request) as unit, user_errors():
        routing.update_rule(unit.session, user, rule_id, _rule_data(unit.session, fields))
        unit.commit()


def move_rule(request: Request, user: Any, rule_id: int, direction: int) -> None:
    with uow(request) as unit, user_errors():
        routing.move_rule(unit.session, user, rule_id, direction)
        unit.commit()


def delete_rule(request: Request, user: Any, rule_id: int) -> None:
    with uow(request) as unit, user_errors():
        routing.delete_rule(unit.session, user, rule_id)
        unit.commit()


# ------------------------------------------------------------------------ departments and chains
STEPS: tuple[str, ...] = tuple(s.value for s in approval.Step)


def departments(request: Request, user: Any) -> list[dict[str, Any]]:
    """Every organisation unit: the records (code, name, active) and codes in use without one (shown with
    ``registered = False``; they get a record the next time they are saved), with usage counts."""
    with uow(request, read_only=True) as unit:
        s = unit.session
        counts = departments_svc.usage(s)
        found: dict[str, dict[str, Any]] = {}
        for d in departments_svc.list_departments(s):
            found[d.code] = {"code": d.code, "name": d.name, "active": d.active, "registered": True}
        for code in counts:
            found.setdefault(code, {"code": code, "name": code, "active": True, "registered": False})
        for code, e in found.items():
            u = counts.get(code, departments_svc.Usage())
            e.update(users=u.users, nodes=u.nodes, akten=u.akten, documents=u.documents, rules=u.rules,
                     chain=u.chain)
        return sorted(found.values(), key=lambda e: e["code"])


def department_labels(request: Request) -> dict[str, str]:
    """Code → "code – name" of every recorded unit (lists show the readable name next to the code)."""
    with uow(request, read_only=True) as unit:
        return {d.code: d.code if d.name == d.code else f"{d.code} – {d.name}"
                for d in departments_svc.list_departments(unit.session)}


def department_options(request: Request) -> list[dict[str, str]]:
    """Active units for the department fields of the admin forms (``<datalist>``: value code, label
    "code – name")."""
    with uow(request, read_only=True) as unit:
        return [
            {"code": d.code, "label": d.code if d.name == d.code else f"{d.code} – {d.name}"}
            for d in departments_svc.list_departments(unit.session, include_inactive=False)
        ]


def department(request: Request, user: Any, code: str) -> dict[str, Any]:
    """One unit: its record (name, active), members, routing rules and approval chain (its own or the
    default one)."""
    with uow(request, read_only=True) as unit:
        s = unit.session
        members = [
            {"id": u.id, "username": u.username, "role": u.role, "amount_limit": u.amount_limit, "active": u.active}
            for u in s.execute(select(User).where(col(User.department) == code).order_by(col(User.username))).scalars()
        ]
        own = s.get(ApprovalChainConfig, code)
        policy = routing.load_policy(s)
        chain = policy.chains.get(code, policy.default)
        steps = {r.step.value: {"roles": sorted(r.roles), "department_bound": r.department_bound,
                                "limit_checked": r.limit_checked} for r in chain.rules}
        names = _names(s)
        rules_ = [_rule_dict(r, names) for r in routing.list_rules(s) if r.department == code]
        record = departments_svc.find(s, code) if code != routing.DEFAULT_CHAIN_KEY else None
        used = departments_svc.usage(s, [code]).get(code, departments_svc.Usage())
    if record is None and used.total == 0 and code != routing.DEFAULT_CHAIN_KEY:
        raise NotFound(code)
    return {"code": code, "name": record.name if record else code, "active": record.active if record else True,
            "registered": record is not None, "usage": used, "members": members, "own_chain": own is not None,
            "steps": steps, "rules": rules_}


class DepartmentFieldError(UserError):
    """A refusal of the department forms that belongs to one field (``code`` or ``name``)."""

    def __init__(self, field: str, error: UserError) -> None:
        super().__init__(error.key, error.detail, error.status)
        self.field = field


def _check_department_field(field: str, check: Any, value: str) -> None:
    try:
        with user_errors():
            check(value)
    except UserError as exc:
        raise DepartmentFieldError(field, exc) from exc


def create_department(request: Request, user: Any, code: str, name: str) -> str:
    """A new unit (admin form); a refusal names the field it belongs to."""
    _check_department_field("code", departments_svc.validate_code, code)
    if name.strip():
        _check_department_field("name", departments_svc.validate_name, name)
    try:
        with uow(request) as unit, user_errors():
            row = departments_svc.create(unit.session, user, code, name or None)
            unit.commit()
            return row.code
    except UserError as exc:
        raise DepartmentFieldError("code", exc) from exc  # the one refusal left: the code exists (409)


def update_department(request: Request, user: Any, code: str, name: str, active: bool) -> None:
    """Rename / deactivate / reactivate; a code in use without a record is registered first."""
    _check_department_field("name", departments_svc.validate_name, name)
    with uow(request) as unit, user_errors():
        if departments_svc.find(unit.session, code) is None:
            if departments_svc.usage(unit.session, [code]).get(code) is None:
                raise NotFound(code)
            departments_svc.ensure_registered(unit.session, [code], user, audited=True)
        departments_svc.update(unit.session, user, code, name=name, active=active)
        unit.commit()


def set_department_chain(request: Request, user: Any, code: str, steps: list[dict[str, Any]]) -> None:
    with uow(request) as unit, user_errors():
        routing.set_chain(unit.session, user, code, steps)
        unit.commit()
