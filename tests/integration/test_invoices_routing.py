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
