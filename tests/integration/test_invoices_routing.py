"""Routing rules: the most specific matching rule wins, then priority; fallback is the finance inbox."""

from __future__ import annotations

import pytest

from dms.invoices.routing import Route, RouteFacts, choose_route
from dms.invoices.tables import RoutingRule

RULES = [
    RoutingRule(id=1, priority=100, leitweg_id="05315000-63-47", department="63"),
    RoutingRule(
        id=2,
        priority=100,
        leitweg_id="05315000-63-47",
        order_reference_prefix="BA-",
        department="63.2",
        assignee_id=7,
    ),
    RoutingRule(id=3, priority=50, supplier_id=9, department="32"),
    RoutingRule(id=4, priority=10, supplier_id=9, department="37"),
    RoutingRule(id=5, priority=100, buyer_reference="AMT-51", department="51"),
    RoutingRule(id=6, priority=1, department="99"),  # no criterion: never matches
]


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        (RouteFacts("05315000-63-47", None, None), Route("63", None, 1)),
        (RouteFacts("05315000-63-47", "BA-2026-17", None), Route("63.2", 7, 2)),  # more specific wins
        (RouteFacts("05315000-63-47", "XY-1", None), Route("63", None, 1)),
        (RouteFacts("05315000-63-47 ".lower(), None, None), Route("63", None, 1)),  # case/blank tolerant
        (RouteFacts(None, None, 9), Route("37", None, 4)),  # equal specificity: lower priority number
        (RouteFacts("AMT-51", None, None), Route("51", None, 5)),
        (RouteFacts("04011000-1234512345-06", None, 3), Route(None, None, None)),  # finance inbox
        (RouteFacts(None, None, None), Route(None, None, None)),
    ],
)
def test_choose_route(facts: RouteFacts, expected: Route) -> None:
    assert choose_route(RULES, facts) == expected


# ------------------------------------------------------------------ editing (service, in SQLite)
@pytest.fixture
def db_session(tmp_path):
    from sqlmodel import Session, SQLModel, create_engine

    from dms.bootstrap import import_table_modules

    import_table_modules()
    engine = create_engine(f"sqlite:///{tmp_path / 'r.sqlite3'}")
    SQLModel.metadata.create_all(engine)
    with Session(engine) as session:
        yield session
    engine.dispose()


def _admin():
    from dms.domain.principal import Principal

    return Principal(user_id=1, username="root", role="admin")


def test_update_move_delete_rules_change_the_route_and_are_audited(db_session) -> None:
    from sqlalchemy import select

    from dms.db.tables import AuditEntry
    from dms.domain.principal import Principal
    from dms.errors import NotFound, PermissionDenied, ValidationFailed
    from dms.invoices import routing, suppliers

    admin = _admin()
    sid = int(suppliers.create_supplier(db_session, None, "Routing GmbH").id or 0)  # rules name real suppliers
    a = routing.create_rule(db_session, admin, {"leitweg_id": "L-1", "department": "63"})
    b = routing.create_rule(db_session, admin, {"supplier_id": sid, "department": "32"})
    facts = RouteFacts("L-1", None, sid)
    assert routing.route(db_session, facts).department == "63"  # equal specificity, older rule
    routing.move_rule(db_session, admin, int(b.id or 0), -1)
    assert [r.id for r in routing.list_rules(db_session)] == [b.id, a.id]
    assert routing.route(db_session, facts).department == "32"  # now first
    routing.update_rule(db_session, admin, int(a.id or 0), {"order_reference_prefix": "BA-", "department": "63.2"})
    assert routing.route(db_session, RouteFacts("L-1", "BA-7", sid)).department == "63.2"  # more specific
    with pytest.raises(ValidationFailed, match="mindestens ein Kriterium"):
        routing.update_rule(db_session, admin, int(b.id or 0), {"supplier_id": ""})
    with pytest.raises(ValidationFailed, match="ganze Zahl"):
        routing.update_rule(db_session, admin, int(b.id or 0), {"priority": "erst"})
    with pytest.raises(ValidationFailed, match="Unbekanntes Feld"):
        routing.update_rule(db_session, admin, int(b.id or 0), {"colour": "blau"})
    with pytest.raises(PermissionDenied):
        routing.update_rule(db_session, Principal(user_id=2, username="f", role="finance"), int(b.id or 0),
                            {"department": "x"})
    routing.delete_rule(db_session, admin, int(b.id or 0))
    with pytest.raises(NotFound):
        routing.move_rule(db_session, admin, int(b.id or 0), 1)
    actions = list(db_session.execute(select(AuditEntry.action).order_by(AuditEntry.id)).scalars())
    assert actions == ["supplier.create", "invoice.routing_rule.create", "invoice.routing_rule.create", "invoice.routing_rule.reorder",
                       "invoice.routing_rule.update", "invoice.routing_rule.delete"]
