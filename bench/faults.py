"""Fault campaign at scale: kill -9 of the API and of workers during a large ingest, then the checks
(bit-exact, processed, searchable, no duplicates/orphans/stuck, fixity + audit verify + search check).

    .venv/bin/python bench/faults.py --mode embedded --docs 1000 --faults 40
    .venv/bin/python bench/faults.py --mode postgres --docs 1000 --faults 40 --workers 2
    .venv/bin/python bench/faults.py --hostile          # count hostile inputs tried and refused
    .venv/bin/python bench/faults.py --fuzz 100         # schemathesis, 100 requests per OpenAPI operation

Prints one JSON line; figures go to docs/reliability.md.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Container
from pathlib import Path
from typing import Any

sys.path[0] = str(Path(__file__).resolve().parents[1])  # the repo, not bench/ (bench/search.py shadows `search`)

from tests.reliability.benchenv import drop_db, make_env  # noqa: E402


def crash(args: argparse.Namespace) -> dict[str, object]:
    from tests.reliability.crash import run_ingest_under_faults

    with tempfile.TemporaryDirectory(prefix="akw-faults-") as tmp:
        settings, container, token, db = make_env(Path(tmp), args.mode)
        try:
            report = run_ingest_under_faults(settings, container, token, Path(tmp), documents=args.docs,
                                             workers=args.workers, faults=args.faults, seed=args.seed,
                                             settle_timeout=args.docs * 2.0)
        finally:
            container.close()
            drop_db(db)
    return {"mode": args.mode, "workers": args.workers} | report.as_dict()


def hostile() -> dict[str, object]:
    """Every hostile input against an in-process app; counts tried, refused (4xx / fatal report), 5xx."""
    from fastapi.testclient import TestClient

    from dms.pipeline.runner import process_document
    from dms.web.app import create_app
    from tests.reliability.hostile import (
        HOSTILE_NAMES,
        XML_ATTACKS,
        malformed_multipart,
        many_member_zip,
        pdf_bomb,
        zip_bomb,
    )

    tried = refused = server_errors = 0
    accepted: list[str] = []
    with tempfile.TemporaryDirectory(prefix="akw-hostile-") as tmp:
        settings, container, token, _ = make_env(Path(tmp), "embedded", eager_tasks=True, search_backend="memory")
        client = TestClient(create_app(settings, container=container), headers={"Authorization": f"Bearer {token}"},
                            raise_server_exceptions=False)

        def count(r: Any, ok_codes: Container[int] = range(400, 500)) -> None:
            nonlocal tried, refused, server_errors
            tried += 1
            refused += r.status_code in ok_codes
            if r.status_code not in ok_codes:
                accepted.append(f"{r.request.method} {r.request.url.path} -> {r.status_code}")
            server_errors += r.status_code >= 500

        for data in XML_ATTACKS.values():
            count(client.post("/api/v1/invoices", files={"file": ("r.xml", data, "application/xml")}))
            count(client.post("/api/v1/archive/messages", content=data, headers={"Content-Type": "application/xml"}))
            pre = client.post("/api/v1/einvoice/validate", files={"file": ("r.xml", data, "application/xml")})
            count(pre, ok_codes={200} if pre.status_code == 200 and not pre.json()["valid"] else range(400, 500))
        for _name, body, ctype in malformed_multipart():
            for url in ("/api/v1/documents", "/api/v1/invoices", "/api/v1/einvoice/validate",
                        "/paperless/api/documents/post_document/"):
                count(client.post(url, content=body, headers={"Content-Type": ctype}))
        for bomb, name in ((pdf_bomb(256), "b.pdf"), (zip_bomb(256), "b.docx")):
            r = client.post("/api/v1/documents", files={"file": (name, bomb, "application/octet-stream")})
            if r.status_code == 202:  # the bench container queues jobs: run the pipeline here, timed
                process_document(container, int(r.json()["id"]))
            state = client.get(f"/api/v1/documents/{r.json()['id']}").json()["status"] if r.status_code == 202 else ""
            count(r, ok_codes={202} if state in ("failed", "ready") else range(400, 500))
        for data in (zip_bomb(256, name="12345678-1234-1234-1234-123456789abc_Aussonderung.Bewertung.0502.xml"),
                     many_member_zip()):
            count(client.post("/api/v1/archive/messages", content=data, headers={"Content-Type": "application/zip"}))
        for name in HOSTILE_NAMES:
            r = client.post("/api/v1/documents", files={"file": (name, b"%PDF-1.4 x", "application/pdf")})
            safe = r.status_code == 202 and "/" not in client.get(f"/api/v1/documents/{r.json()['id']}").json()["filename"]
            count(r, ok_codes={202} if safe else range(400, 500))
        client.close()
        container.close()
    return {"hostile_inputs_tried": tried, "refused_or_neutralised": refused, "server_errors": server_errors,
            "not_refused": accepted}


def fuzz(examples: int) -> dict[str, object]:
    """Schemathesis over every operation of the OpenAPI with ``examples`` generated requests each (admin
    token, seeded document/invoice): counts requests, 5xx and schema violations (the CI test uses 8)."""
    import schemathesis
    from fastapi.testclient import TestClient
    from hypothesis import HealthCheck, given
    from hypothesis import settings as hsettings
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        response_schema_conformance,
        status_code_conformance,
    )

    from dms.auth import service as auth
    from dms.invoices import suppliers
    from dms.web.app import create_app
    from tests.integration.test_invoices_postgres import invoice_xml
    from tests.reliability.loadgen import pdf

    checks = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
    requests = 0
    failures: list[str] = []
    with tempfile.TemporaryDirectory(prefix="akw-fuzz-") as tmp:
        settings, container, token, _ = make_env(Path(tmp), "embedded", eager_tasks=True, search_backend="memory")
        app = create_app(settings, container=container)
        with container.uow() as uow:
            sup = suppliers.create_supplier(uow.session, None, "Fuzz GmbH", vat_id="DE123456789",
                                            ibans=["DE79000000001234567890"])
            uow.session.flush()
            user = auth.create_user(uow.session, None, "fuzz-sup", "supplier", supplier_id=int(sup.id or 0))
            _, sup_token = auth.create_token(uow.session, None, int(user.id or 0), "fuzz")
            uow.commit()
        with TestClient(app) as c:
            c.post("/api/v1/documents", headers={"Authorization": f"Bearer {token}"},
                   files={"file": ("a.pdf", pdf("Fuzz"), "application/pdf")})
            c.post("/api/v1/invoices", headers={"Authorization": f"Bearer {sup_token}"},
                   files={"file": ("r.xml", invoice_xml("FUZZ-1"), "application/xml")})
        schema = schemathesis.openapi.from_asgi("/openapi.json", app)
        results: list[Any] = list(schema.get_all_operations())  # Ok(...) each; an Err raises on .ok()
        operations = sorted((r.ok() for r in results), key=lambda o: o.label)
        for op in operations:
            @hsettings(max_examples=examples, deadline=None, derandomize=True, database=None,
                       suppress_health_check=list(HealthCheck))
            @given(case=op.as_strategy())
            def run(case: Any) -> None:
                nonlocal requests
                requests += 1
                case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=checks)

            try:
                run()
            except Exception as exc:
                failures.append(f"{op.label}: {str(exc)[:300]}")
        container.close()
    return {"operations": len(operations), "examples_per_operation": examples, "requests": requests,
            "failing_operations": len(failures), "failures": failures[:10]}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--mode", choices=["embedded", "postgres"], default="embedded")
    p.add_argument("--docs", type=int, default=1000)
    p.add_argument("--faults", type=int, default=40)
    p.add_argument("--workers", type=int, default=1)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--hostile", action="store_true")
    p.add_argument("--fuzz", type=int, metavar="EXAMPLES", help="schemathesis with EXAMPLES requests per operation")
    args = p.parse_args()
    t0 = time.monotonic()
    out = fuzz(args.fuzz) if args.fuzz else hostile() if args.hostile else crash(args)
    out["wall_seconds"] = round(time.monotonic() - t0, 1)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
