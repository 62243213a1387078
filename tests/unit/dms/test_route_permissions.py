"""Every route declares a permission that matches the one table, and role × route outcomes follow it."""

from __future__ import annotations

import re

import pytest

from dms.domain.principal import ROLES
from dms.web.deps import declared_permissions
from dms.web.permissions import FRAMEWORK_ROUTES, PUBLIC, ROUTE_PERMISSIONS, iter_app_routes, role_has

_PARAM = re.compile(r"\{[^}]+\}")


def _routes(app):
    return [(m, p, d) for m, p, d in iter_app_routes(app) if p not in FRAMEWORK_ROUTES]


def test_every_route_has_exactly_one_matching_rule(app):
    missing, mismatched, undeclared = [], [], []
    for method, path, dependant in _routes(app):
        rule = ROUTE_PERMISSIONS.get((method, path))
        if rule is None:
            missing.append(f"{method} {path}")
            continue
        declared = declared_permissions(dependant) if dependant is not None else set()
        if not declared:
            undeclared.append(f"{method} {path}")
        elif declared != {rule}:
            mismatched.append(f"{method} {path}: table says {rule}, route declares {sorted(declared)}")
    assert not missing, "routes without a rule in dms/web/permissions.py ROUTE_PERMISSIONS:\n" + "\n".join(missing)
    assert not undeclared, "routes without require(...)/public():\n" + "\n".join(undeclared)
    assert not mismatched, "\n".join(mismatched)


def test_table_has_no_stale_rules(app):
    live = {(m, p) for m, p, _ in _routes(app)}
    stale = [f"{m} {p}" for (m, p) in ROUTE_PERMISSIONS if (m, p) not in live]
    assert not stale, "rules for routes that do not exist:\n" + "\n".join(stale)


def _call(client, method, path):
    url = _PARAM.sub("999999", path)
    if method in {"POST", "PUT", "PATCH"}:
        return client.request(method, url, json={}, follow_redirects=False)
    return client.request(method, url, follow_redirects=False)


def test_unauthenticated_requests_are_refused(app, client):
    for method, path, _ in _routes(app):
        if ROUTE_PERMISSIONS.get((method, path)) == PUBLIC:
            continue
        r = _call(client, method, path)
        # UI pages may redirect to the login page, or refuse a form post without a CSRF token
        allowed = {401} if path.startswith("/api/") else {401, 403, 302, 303, 307}
        assert r.status_code in allowed, f"{method} {path} without auth gave {r.status_code}"


@pytest.mark.parametrize("role", ROLES)
def test_role_route_matrix(app, client_as, role):
    # a 500 from a route's own bug is not an authorisation outcome: this test only judges 401/403
    c = client_as(role, department="63", raise_server_exceptions=False)
    problems = []
    for method, path, _ in _routes(app):
        perm = ROUTE_PERMISSIONS[(method, path)]
        if perm == PUBLIC or (method, path) == ("POST", "/api/v1/auth/logout"):
            continue
        r = _call(c, method, path)
        if role_has(role, perm):
            if r.status_code in (401, 403):
                problems.append(f"{role} should reach {method} {path} ({perm}) but got {r.status_code}: {r.text[:120]}")
        elif r.status_code != 403:
            problems.append(f"{role} must be refused {method} {path} ({perm}) but got {r.status_code}")
    assert not problems, "\n".join(problems)
