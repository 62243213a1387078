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
from sqlmodel import Session

from dms import audit
from dms.domain.principal import Principal
from dms.errors import NotFound, PermissionDenied, ValidationFailed
from dms.invoices.tables import ApprovalChainConfig, Deputyship, RoutingRule
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
    session.add(rule)
    session.flush()
    audit.record(session, actor, "invoice.routing_rule.create", "routing_rule", rule.id, dict(data))
    return rule


def delete_rule(session: Session, actor: Principal, rule_id: int) -> None:
    _admin(actor)
    rule = session.get(RoutingRule, rule_id)
    if rule is None:
        raise NotFound(f"Routing-Regel {rule_id} nicht gefunden.")
    session.delete(rule)
    audit.record(session, actor, "invoice.routing_rule.delete", "routing_rule", rule_id, {})


def list_rules(session: Session) -> list[RoutingRule]:
    return list(session.execute(select(RoutingRule).order_by(RoutingRule.priority, RoutingRule.id)).scalars())


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
    rows = session.execute(select(Deputyship).where(Deputyship.deputy_id == deputy_id)).scalars()
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
