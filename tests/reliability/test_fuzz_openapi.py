"""Property-based fuzzing of the whole OpenAPI (schemathesis) with an authenticated admin token: no 5xx,
no response that violates the schema. Bounded examples per operation to fit the CI budget; the data dir
is seeded with a document, an Akte and an invoice so id-taking routes also meet existing objects."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.integration.test_invoices_postgres import invoice_xml

pytestmark = pytest.mark.slow

EXAMPLES = 8
#: the brief: no server error; status code, content type and body conform to the schema. (Schemathesis'
#: positive-data check is left out: business rules rightly refuse some schema-valid input with 4xx.)
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture
def fuzz_schema(container, make_user, pdf_bytes):
    from fastapi.testclient import TestClient

    from dms.invoices import suppliers
    from dms.web.app import create_app

    app = create_app(container.settings, container=container)
    _, token = make_user("admin", department="63", username="fuzz-admin")
    with container.uow() as uow:
        s = suppliers.create_supplier(uow.session, None, "Fuzz GmbH", vat_id="DE123456789",
                                      ibans=["DE79000000001234567890"])
        uow.commit()
        sup_id = int(s.id)
    _, sup_token = make_user("supplier", supplier_id=sup_id, username="fuzz-sup")
    with TestClient(app) as c:
        c.post("/api/v1/documents", headers={"Authorization": f"Bearer {token}"},
               files={"file": ("a.pdf", pdf_bytes("Fuzz"), "application/pdf")})
        c.post("/api/v1/invoices", headers={"Authorization": f"Bearer {sup_token}"},
               files={"file": ("r.xml", invoice_xml("FUZZ-1"), "application/xml")})
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    schema.fuzz_token = token  # type: ignore[attr-defined]
    schema.fuzz_app = app  # type: ignore[attr-defined]
    # the fuzzer may revoke its own token or deactivate its own user (admin routes): start afresh then
    schema.fuzz_new_token = lambda: make_user("admin", department="63")[1]  # type: ignore[attr-defined]
    return schema


def _token_works(app, token: str) -> bool:
    from fastapi.testclient import TestClient

    with TestClient(app) as c:
        return c.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200


SHARDS = 4


def _fuzz(operation, token: str) -> None:
    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy())
    def run(case) -> None:
        case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)

    run()


@pytest.mark.parametrize("shard", range(SHARDS))
def test_openapi_fuzz_no_5xx_and_schema_conformance(fuzz_schema, shard):
    operations = [r.ok() for r in fuzz_schema.get_all_operations()]
    assert len(operations) > 100  # the whole API, not a subset
    failures = []
    token = fuzz_schema.fuzz_token
    for i, op in enumerate(sorted(operations, key=lambda o: o.label)):
        if i % SHARDS != shard:
            continue
        if not _token_works(fuzz_schema.fuzz_app, token):  # so every operation is fuzzed authenticated
            token = fuzz_schema.fuzz_new_token()
        try:
            _fuzz(op, token)
        except Exception as exc:
            failures.append(f"{op.label}: {str(exc)[:600]}")
    assert not failures, f"{len(failures)} operation(s) failed:\n" + "\n\n".join(failures)
