"""Routing rules (admin-editable) and per-unit approval chains.

A rule matches when every criterion it sets matches the invoice: Leitweg-ID / buyer reference (BT-10),
purchase order reference prefix (BT-13), supplier. The most specific matching rule wins (more criteria),
then the lower priority number, then the older rule. No match: the finance inbox (no unit).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from dms import audit
from dms.db.tables import User
from dms.domain.principal import Principal
from dms.errors import NotFound, PermissionDenied, ValidationFailed
from dms.invoices.tables import ApprovalChainConfig, Deputyship, RoutingRule, Supplier
from einvoice.domain import approval

ADMIN_ROLES = frozenset({"admin"})
DEFAULT_CHAIN_KEY = "*"


@dataclass(frozen=True, slots=True)
class RouteFacts:
    leitweg_id: str | None
    order_reference: str | None
    supplier_id: int | None


@dataclass(frozen=True, slots=True)
class Route:
    department: str | None
    assignee_id: int | None
    rule_id: int | None


def _criteria(rule: RoutingRule) -> int:
    return sum(
        x is not None and x != ""
        for x in (rule.leitweg_id or rule.buyer_reference, rule.order_reference_prefix, rule.supplier_id)
    )


def rule_matches(rule: RoutingRule, facts: RouteFacts) -> bool:
    ref = (facts.leitweg_id or "").strip().upper()
    for wanted in (rule.leitweg_id, rule.buyer_reference):
        if wanted and wanted.strip().upper() != ref:
            return False
    if rule.order_reference_prefix and not (facts.order_reference or "").startswith(
        rule.order_reference_prefix
    ):
        return False
    return not (rule.supplier_id is not None and rule.supplier_id != facts.supplier_id)


def choose_route(rules: list[RoutingRule], facts: RouteFacts) -> Route:
    matching = [r for r in rules if _criteria(r) > 0 and rule_matches(r, facts)]
    if not matching:
        return Route(None, None, None)
    best = min(matching, key=lambda r: (-_criteria(r), r.priority, r.id or 0))
    return Route(best.department, best.assignee_id, best.id)


def route(session: Session, facts: RouteFacts) -> Route:
    return choose_route(list(session.execute(select(RoutingRule)).scalars()), facts)


def _admin(actor: Principal) -> None:
    if actor.role not in ADMIN_ROLES:
        raise PermissionDenied("Nur die Administration darf Routing-Regeln und Freigabeketten ändern.")


def create_rule(session: Session, actor: Principal, data: dict[str, Any]) -> RoutingRule:
    _admin(actor)
    department = str(data.get("department") or "").strip()
    if not department:
        raise ValidationFailed("Eine Routing-Regel braucht eine Organisationseinheit (department).")
    rule = RoutingRule(
        priority=int(data.get("priority", 100)),
        leitweg_id=(data.get("leitweg_id") or None),
        buyer_reference=(data.get("buyer_reference") or None),
        order_reference_prefix=(data.get("order_reference_prefix") or None),
        supplier_id=data.get("supplier_id"),
        department=department,
        assignee_id=data.get("assignee_id"),
    )
    if _criteria(rule) == 0:
        raise ValidationFailed(
            "Eine Routing-Regel braucht mindestens ein Kriterium (Leitweg-ID, Bestellnummer, Lieferant)."
        )
    _check_references(session, rule.supplier_id, rule.assignee_id)
    session.add(rule)
    session.flush()
    audit.record(session, actor, "invoice.routing_rule.create", "routing_rule", rule.id, dict(data))
    return rule


RULE_FIELDS = ("priority", "leitweg_id", "buyer_reference", "order_reference_prefix", "supplier_id",
               "department", "assignee_id")


def _clean(data: dict[str, Any]) -> dict[str, Any]:
    """Normalise editable rule fields: blank text → None, numbers parsed, refusals as sentences."""
    out: dict[str, Any] = {}
    for key, raw in data.items():
        if key not in RULE_FIELDS:
            raise ValidationFailed(f"Unbekanntes Feld einer Routing-Regel: {key!r}.")
        value = (raw.strip() or None) if isinstance(raw, str) else raw
        if key in {"priority", "supplier_id", "assignee_id"} and value is not None:
            try:
                value = int(value)
            except (TypeError, ValueError) as exc:
                raise ValidationFailed(f"{key} muss eine ganze Zahl sein, nicht {raw!r}.") from exc
            if value < 0 or value > 2_000_000_000:
                raise ValidationFailed(f"{key} liegt außerhalb des erlaubten Bereichs.")
        out[key] = value
    return out


def get_rule(session: Session, rule_id: int) -> RoutingRule:
    rule = session.get(RoutingRule, rule_id)
    if rule is None:
        raise NotFound(f"Routing-Regel {rule_id} nicht gefunden.")
    return rule


def _check_references(session: Session, supplier_id: Any, *user_ids: Any) -> None:
    """Ids an admin typed must name existing records (they used to be stored dangling: 201 for user 9999)."""
    if supplier_id is not None and session.get(Supplier, supplier_id) is None:
        raise ValidationFailed(f"Lieferant {supplier_id} existiert nicht.")
    for user_id in user_ids:
        if user_id is not None and session.get(User, user_id) is None:
            raise ValidationFailed(f"Benutzer {user_id} existiert nicht.")


def update_rule(session: Session, actor: Principal, rule_id: int, data: dict[str, Any]) -> RoutingRule:
    """Change a rule's criteria, unit, responsible clerk or priority (audited with before/after)."""
    _admin(actor)
    rule = get_rule(session, rule_id)
    changes = _clean(data)
    before = {k: getattr(rule, k) for k in changes}
    for key, value in changes.items():
        if key == "priority" and value is None:
            continue
        setattr(rule, key, value)
    if not (rule.department or "").strip():
        raise ValidationFailed("Eine Routing-Regel braucht eine Organisationseinheit (department).")
    if _criteria(rule) == 0:
        raise ValidationFailed(
            "Eine Routing-Regel braucht mindestens ein Kriterium (Leitweg-ID, Bestellnummer, Lieferant)."
        )
    _check_references(session, rule.supplier_id, rule.assignee_id)
    session.add(rule)
    session.flush()
    after = {k: getattr(rule, k) for k in changes}
    audit.record(session, actor, "invoice.routing_rule.update", "routing_rule", rule_id,
                 {"before": before, "after": after})
    return rule


def move_rule(session: Session, actor: Principal, rule_id: int, direction: int) -> list[RoutingRule]:
    """Move a rule one place up (``-1``) or down (``+1``) in the priority order; priorities are renumbered
    10, 20, 30 … so the order shown is the order of evaluation among equally specific rules."""
    _admin(actor)
    if direction not in (-1, 1):
        raise ValidationFailed("direction must be -1 (up) or 1 (down)")
    rules = list_rules(session)
    index = next((i for i, r in enumerate(rules) if r.id == rule_id), None)
    if index is None:
        raise NotFound(f"Routing-Regel {rule_id} nicht gefunden.")
    other = index + direction
    if 0 <= other < len(rules):
        rules[index], rules[other] = rules[other], rules[index]
    before = {int(r.id or 0): r.priority for r in rules}
    for pos, rule in enumerate(rules, start=1):
        rule.priority = pos * 10
        session.add(rule)
    session.flush()
    audit.record(session, actor, "invoice.routing_rule.reorder", "routing_rule", rule_id,
                 {"direction": direction, "before": before, "after": {int(r.id or 0): r.priority for r in rules}})
    return rules


def delete_rule(session: Session, actor: Principal, rule_id: int) -> None:
    _admin(actor)
    rule = session.get(RoutingRule, rule_id)
    if rule is None:
        raise NotFound(f"Routing-Regel {rule_id} nicht gefunden.")
    session.delete(rule)
    audit.record(session, actor, "invoice.routing_rule.delete", "routing_rule", rule_id, {})


def list_rules(session: Session) -> list[RoutingRule]:
    return list(session.execute(select(RoutingRule).order_by(col(RoutingRule.priority), col(RoutingRule.id))).scalars())


# ------------------------------------------------------------------------------- chains and deputies


def load_policy(session: Session) -> approval.ApprovalPolicy:
    """The approval policy from the stored chains (the built-in default when none is stored)."""
    default = approval.DEFAULT_CHAIN
    chains: dict[str, approval.ApprovalChain] = {}
    for row in session.execute(select(ApprovalChainConfig)).scalars():
        chain = approval.ApprovalChain.from_config(row.steps)
        if row.department == DEFAULT_CHAIN_KEY:
            default = chain
        else:
            chains[row.department] = chain
    return approval.ApprovalPolicy(default=default, chains=chains)


def set_chain(
    session: Session, actor: Principal, department: str, steps: list[dict[str, Any]]
) -> ApprovalChainConfig:
    _admin(actor)
    try:
        chain = approval.ApprovalChain.from_config(steps)
    except approval.ApprovalConfigError as exc:
        raise ValidationFailed(str(exc)) from exc
    row = session.get(ApprovalChainConfig, department)
    if row is None:
        row = ApprovalChainConfig(department=department, steps=chain.to_config())
        session.add(row)
    else:
        row.steps = chain.to_config()
    session.flush()
    audit.record(
        session, actor, "invoice.chain.set", "approval_chain", department, {"steps": chain.to_config()}
    )
    return row


def deputyships_for(session: Session, deputy_id: int) -> list[approval.Deputyship]:
    rows = session.execute(select(Deputyship).where(col(Deputyship.deputy_id) == deputy_id)).scalars()
    return [approval.Deputyship(str(r.absent_id), str(r.deputy_id), r.start, r.end) for r in rows]


def add_deputyship(session: Session, actor: Principal, data: dict[str, Any]) -> Deputyship:
    if actor.role not in ADMIN_ROLES | {"finance"}:
        raise PermissionDenied("Vertretungen tragen Administration oder Finanzen ein.")
    try:
        row = Deputyship(
            absent_id=int(data["absent_id"]),
            deputy_id=int(data["deputy_id"]),
            start=date.fromisoformat(str(data["start"])),
            end=date.fromisoformat(str(data["end"])),
            created_by=actor.user_id,
        )
    except (KeyError, ValueError, TypeError) as exc:
        raise ValidationFailed("Vertretung braucht absent_id, deputy_id, start, end (ISO-Datum).") from exc
    if row.end < row.start or row.absent_id == row.deputy_id:
        raise ValidationFailed("Vertretung: Ende vor Beginn oder Person vertritt sich selbst.")
    _check_references(session, None, row.absent_id, row.deputy_id)
    session.add(row)
    session.flush()
    audit.record(session, actor, "invoice.deputyship.add", "deputyship", row.id, dict(data))
    return row


def list_deputyships(session: Session) -> list[Deputyship]:
    return list(session.execute(select(Deputyship).order_by(Deputyship.start, Deputyship.id)).scalars())  # type: ignore[arg-type]


def delete_deputyship(session: Session, actor: Principal, deputyship_id: int) -> None:
    if actor.role not in ADMIN_ROLES | {"finance"}:
        raise PermissionDenied("Vertretungen tragen Administration oder Finanzen aus.")
    row = session.get(Deputyship, deputyship_id)
    if row is None:
        raise NotFound(f"Vertretung {deputyship_id} nicht gefunden.")
    session.delete(row)
    audit.record(
        session,
        actor,
        "invoice.deputyship.delete",
        "deputyship",
        deputyship_id,
        {"absent_id": row.absent_id, "deputy_id": row.deputy_id},
    )
