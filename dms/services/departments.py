"""Departments (Organisationseinheiten) as records: create, rename, deactivate/reactivate, list, get.

The ``code`` ("63", "20", "63.2") is the key every other table stores (``users.department``, file plan
nodes, Akten, documents and their ACL tokens ``dept:<code>``, routing rules, approval chains); it never
changes. The ``name`` is the readable label ("Bauordnung") and may be renamed. A deactivated unit keeps
all its references working; it is only no longer offered for new assignments.

Codes that are used before anyone created a record for them (an API call, a form, an import) are
registered automatically with ``name = code`` in the same transaction (:func:`ensure_registered`, run by
a ``before_flush`` hook for every ORM row that carries a department). Nothing that worked before this
table existed starts failing because of it.
"""
# ruff: noqa: PLC0415  -- dialect-specific insert constructs are imported where the dialect is known

from __future__ import annotations

import re
import weakref
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy import Engine, event, func, select
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session, col

from dms import audit
from dms.db.tables import Akte, Department, Document, FilePlanNode, User, core_table
from dms.db.types import utcnow
from dms.domain.principal import Principal
from dms.errors import Conflict, NotFound, ValidationFailed
from dms.invoices.tables import ApprovalChainConfig, Invoice, RoutingRule

MAX_CODE: Final = 64
MAX_NAME: Final = 200
#: letters (umlauts included), digits, then letters/digits/dots/hyphens/underscores: "63", "63.2", "FB-20",
#: "Amt_10". No spaces (ACL tokens are space separated), no slashes (the code is a URL path segment).
CODE_PATTERN: Final = re.compile(r"^[0-9A-Za-zÄÖÜäöüß][0-9A-Za-zÄÖÜäöüß._-]*$")
#: ``inv_approval_chains.department`` of the default chain: not a unit
DEFAULT_CHAIN_KEY: Final = "*"

#: ORM rows whose ``department`` attribute holds a department code (auto-registration watches these)
MODELS_WITH_DEPARTMENT: Final[tuple[type[Any], ...]] = (
    User,
    FilePlanNode,
    Akte,
    Document,
    RoutingRule,
    ApprovalChainConfig,
    Invoice,
)


@dataclass(frozen=True)
class Usage:
    """Where a department code is referenced (counts of rows)."""

    users: int = 0
    nodes: int = 0
    akten: int = 0
    documents: int = 0
    rules: int = 0
    chain: bool = False

    @property
    def total(self) -> int:
        return self.users + self.nodes + self.akten + self.documents + self.rules + int(self.chain)


# ------------------------------------------------------------------------------------------ validation
def validate_code(code: str | None) -> str:
    """The code, stripped; ValidationFailed with a sentence when it is empty, too long or malformed."""
    value = (code or "").strip()
    if not value:
        raise ValidationFailed("Der Code der Organisationseinheit darf nicht leer sein.")
    if len(value) > MAX_CODE:
        raise ValidationFailed(f"Der Code der Organisationseinheit darf höchstens {MAX_CODE} Zeichen haben.")
    if not CODE_PATTERN.match(value):
        raise ValidationFailed(
            f"Ungültiger Code „{value}“: erlaubt sind Buchstaben, Ziffern, Punkt, Bindestrich und Unterstrich "
            "(beginnend mit Buchstabe oder Ziffer), z. B. 63 oder 63.2."
        )
    return value


def validate_name(name: str | None) -> str:
    value = " ".join((name or "").split())
    if not value:
        raise ValidationFailed("Der Name der Organisationseinheit darf nicht leer sein.")
    if len(value) > MAX_NAME:
        raise ValidationFailed(f"Der Name der Organisationseinheit darf höchstens {MAX_NAME} Zeichen haben.")
    return value


# ------------------------------------------------------------------------------------------ reading
def list_departments(session: Session, *, include_inactive: bool = True) -> list[Department]:
    q = select(Department).order_by(col(Department.code))
    if not include_inactive:
        q = q.where(col(Department.active).is_(True))
    return list(session.scalars(q))


def find(session: Session, code: str) -> Department | None:
    return session.scalars(select(Department).where(col(Department.code) == code)).first()


def get(session: Session, code: str) -> Department:
    found = find(session, code)
    if found is None:
        raise NotFound(f"Organisationseinheit „{code}“ gibt es nicht.")
    return found


def usage(session: Session, codes: Iterable[str] | None = None) -> dict[str, Usage]:
    """Reference counts per code (every code in use, or only ``codes``), one grouped query per table."""
    wanted = None if codes is None else set(codes)
    counts: dict[str, dict[str, Any]] = {}

    def count(column: Any, field: str) -> None:
        q = select(column, func.count()).where(column.is_not(None)).group_by(column)
        if wanted is not None:
            q = q.where(column.in_(wanted))
        for code, n in session.execute(q):
            if code and code != DEFAULT_CHAIN_KEY:
                counts.setdefault(str(code), {})[field] = int(n)

    count(col(User.department), "users")
    count(col(FilePlanNode.department), "nodes")
    count(col(Akte.department), "akten")
    count(col(Document.department), "documents")
    count(col(RoutingRule.department), "rules")
    count(col(ApprovalChainConfig.department), "chain")
    return {code: Usage(**{**c, "chain": bool(c.get("chain"))}) for code, c in counts.items()}


# ------------------------------------------------------------------------------------------ writing
def create(session: Session, actor: Principal | None, code: str, name: str | None = None) -> Department:
    """A new unit; ``name`` defaults to the code. Conflict if the code exists, ValidationFailed if malformed."""
    code = validate_code(code)
    label = validate_name(name) if (name or "").strip() else code
    if find(session, code) is not None:
        raise Conflict(
            f"Die Organisationseinheit „{code}“ gibt es bereits; ihren Namen ändern Sie auf ihrer Seite."
        )
    row = Department(code=code, name=label, active=True)
    session.add(row)
    session.flush()
    audit.record(session, actor, "department.create", "department", code, {"name": label})
    return row


def update(
    session: Session,
    actor: Principal | None,
    code: str,
    *,
    name: str | None = None,
    active: bool | None = None,
) -> Department:
    """Rename (the code stays: it is the key inside ACL tokens and every reference) and/or
    deactivate/reactivate. Unchanged values write nothing."""
    row = get(session, code)
    changes: dict[str, Any] = {}
    if name is not None:
        label = validate_name(name)
        if label != row.name:
            changes["name"] = {"from": row.name, "to": label}
            row.name = label
    if active is not None and active != row.active:
        changes["active"] = active
        row.active = active
    if not changes:
        return row
    row.updated_at = utcnow()
    session.add(row)
    session.flush()
    if "name" in changes:
        audit.record(session, actor, "department.rename", "department", code, changes["name"])
    if "active" in changes:
        action = "department.reactivate" if active else "department.deactivate"
        audit.record(session, actor, action, "department", code, {})
    return row


def rename(session: Session, actor: Principal | None, code: str, name: str) -> Department:
    return update(session, actor, code, name=name)


def set_active(session: Session, actor: Principal | None, code: str, active: bool) -> Department:
    return update(session, actor, code, active=active)


# ------------------------------------------------------------------------------------ auto-registration
#: codes known to exist per database (engine), filled only with committed knowledge; rows are never deleted
_known: weakref.WeakKeyDictionary[Engine, set[str]] = weakref.WeakKeyDictionary()
_PENDING: Final = "aktenwerk.departments.pending"
_REGISTERING: Final = "aktenwerk.departments.registering"


def _engine(session: OrmSession) -> Engine | None:
    bind = session.get_bind()
    return bind if isinstance(bind, Engine) else getattr(bind, "engine", None)


def _table_present(session: OrmSession, engine: Engine) -> bool:
    if engine in _known:
        return True
    if not sa_inspect(session.connection()).has_table(Department.__tablename__):
        return False  # database not migrated to 0800 (yet): nothing to register into
    _known[engine] = set()
    return True


def ensure_registered(
    session: Session, codes: Iterable[str | None], actor: Principal | None = None, *, audited: bool = False
) -> list[str]:
    """Create a record (``name = code``) for each code that has none; returns the codes registered now.

    Race-safe (``INSERT … ON CONFLICT DO NOTHING``); never validates the format: codes that existing
    data uses stay usable. ``audited``: record each registration as ``department.register`` (an admin
    saving a unit that had no record). The automatic registration of a first use is not audited on its
    own: the change that used the code (user, rule, node, document) is audited with the code, and the
    record carries ``created_at``."""
    wanted = {c for c in codes if c and c.strip() and c != DEFAULT_CHAIN_KEY and len(c) <= MAX_CODE}
    engine = _engine(session)
    if not wanted or engine is None:
        return []
    known = _known.get(engine, set())
    missing = wanted - known - set(session.info.get(_PENDING, ()))
    if not missing or not _table_present(session, engine):
        return []
    missing -= {obj.code for obj in session.new if isinstance(obj, Department)}
    table = core_table(Department)
    existing = set(session.execute(select(table.c.code).where(table.c.code.in_(missing))).scalars())
    to_insert = sorted(missing - existing)
    inserted: list[str] = []
    if to_insert:
        now = utcnow()
        rows = [
            {"code": c, "name": c, "active": True, "created_at": now, "updated_at": now} for c in to_insert
        ]
        if engine.dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import insert as pg_insert

            stmt: Any = pg_insert(table).values(rows).on_conflict_do_nothing(index_elements=["code"])
        else:
            from sqlalchemy.dialects.sqlite import insert as sqlite_insert

            stmt = sqlite_insert(table).values(rows).on_conflict_do_nothing(index_elements=["code"])
        inserted = sorted(session.execute(stmt.returning(table.c.code)).scalars())
        for code in inserted if audited else ():
            audit.record(session, actor, "department.register", "department", code, {"name": code})
    session.info.setdefault(_PENDING, set()).update(missing)
    return inserted


@event.listens_for(OrmSession, "before_flush")
def _register_unknown_codes(session: OrmSession, _context: Any, _instances: Any) -> None:
    if session.info.get(_REGISTERING):
        return
    codes = {
        getattr(obj, "department", None)
        for group in (session.new, session.dirty)
        for obj in group
        if isinstance(obj, MODELS_WITH_DEPARTMENT)
    }
    codes.discard(None)
    if not codes:
        return
    session.info[_REGISTERING] = True
    try:
        ensure_registered(session, codes)  # type: ignore[arg-type]  # an ORM session of a sqlmodel app
    finally:
        session.info.pop(_REGISTERING, None)


@event.listens_for(OrmSession, "after_commit")
def _remember_committed(session: OrmSession) -> None:
    pending = session.info.pop(_PENDING, None)
    if pending:
        engine = _engine(session)
        if engine is not None and engine in _known:
            _known[engine].update(pending)


@event.listens_for(OrmSession, "after_soft_rollback")
def _forget_rolled_back(session: OrmSession, _previous_transaction: object) -> None:
    session.info.pop(_PENDING, None)
