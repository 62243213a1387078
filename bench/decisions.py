"""Latency of ``POST /api/v1/invoices/{id}/decisions`` (in-process ASGI client, real database and store).

    .venv/bin/python bench/decisions.py [--invoices 200] [--db sqlite|postgres]

Each invoice gets three decisions by different people (factual, arithmetic, payment order); every
decision locks the invoice, applies the policy, writes the trail, audits and versions the archived
approval trail. Background jobs are only recorded (they run in the worker in production).
"""
# ruff: noqa: E402  -- the sys.path guard must run before the project imports

from __future__ import annotations

import sys
from pathlib import Path

# bench/ holds scripts named like packages (e.g. bench/einvoice.py): keep it off the import path
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
sys.path.insert(0, str(_HERE.parent))

import argparse
import statistics
import tempfile
import time
import uuid
from datetime import date

from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from dms.auth import service as auth
from dms.bootstrap import build_container
from dms.db.migrate import upgrade
from dms.db.uow import RecordingDispatcher
from dms.invoices import facade, suppliers
from dms.settings import Settings
from dms.web.app import create_app

PG_BASE = "postgresql+psycopg://postgres@127.0.0.1:5432"
CORPUS = _HERE.parent.parent / "shared" / "corpus" / "einvoice"
SAMPLE = CORPUS / "xrechnung-ubl" / "kosit-testsuite" / "business-cases-standard" / "01.10a-INVOICE_ubl.xml"


def pct(values: list[float], p: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, round(p / 100 * (len(s) - 1)))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--invoices", type=int, default=200)
    ap.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="aw-bench-dec-"))
    pg_name = None
    if args.db == "postgres":
        pg_name = f"aw_bench_{uuid.uuid4().hex[:8]}"
        admin = create_engine(f"{PG_BASE}/test", isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{pg_name}"'))
        settings = Settings(data_dir=tmp, database_url=f"{PG_BASE}/{pg_name}", secret_key="bench")
    else:
        settings = Settings(data_dir=tmp, secret_key="bench")
    upgrade(settings.db_url)
    c = build_container(settings, dispatcher=RecordingDispatcher())
    template = SAMPLE.read_text(encoding="utf-8").replace("2016-06-27", date.today().isoformat())
    tokens = {}
    with c.uow() as uow:
        s = suppliers.create_supplier(
            uow.session, None, "Bench GmbH", vat_id="DE123456789", ibans=["DE79000000001234567890"]
        )
        for name, role, kw in (
            ("sup", "supplier", {"supplier_id": s.id}),
            ("clerk", "clerk", {"department": "63"}),
            ("fa", "finance", {"amount_limit": "50000"}),
            ("fb", "finance", {"amount_limit": "50000"}),
        ):
            u = auth.create_user(uow.session, None, name, role, **kw)
            tokens[name] = auth.create_token(uow.session, None, int(u.id or 0), "bench")[1]
        uow.commit()
        sup = auth.principal_of(uow.session, auth.get_user_by_name(uow.session, "sup"))
    ids = []
    t0 = time.perf_counter()
    for i in range(args.invoices):
        data = template.replace("<cbc:ID>Rechnungsnummer</cbc:ID>", f"<cbc:ID>BENCH-{i}</cbc:ID>", 1).encode()
        with c.uow() as uow:
            ids.append(int(facade.submit(c, uow, sup, data, "r.xml").invoice.id or 0))
    intake_s = time.perf_counter() - t0
    app = create_app(settings, container=c)
    lat: dict[str, list[float]] = {"factual": [], "arithmetic": [], "payment_order": []}
    cpu: list[float] = []
    with TestClient(app) as client:
        for step, who in (("factual", "clerk"), ("arithmetic", "fa"), ("payment_order", "fb")):
            headers = {"Authorization": f"Bearer {tokens[who]}"}
            for inv_id in ids:
                t, c0 = time.perf_counter(), time.process_time()
                r = client.post(
                    f"/api/v1/invoices/{inv_id}/decisions",
                    headers=headers,
                    json={"step": step, "decision": "approve"},
                )
                lat[step].append((time.perf_counter() - t) * 1000)
                cpu.append((time.process_time() - c0) * 1000)
                assert r.status_code == 201, r.text
        refused = []
        headers = {"Authorization": f"Bearer {tokens['fa']}"}
        for inv_id in ids[: min(50, len(ids))]:  # a refused decision (not open any more) costs about the same
            t = time.perf_counter()
            r = client.post(
                f"/api/v1/invoices/{inv_id}/decisions",
                headers=headers,
                json={"step": "payment_order", "decision": "approve"},
            )
            refused.append((time.perf_counter() - t) * 1000)
            assert r.status_code == 409
    everything = [v for vs in lat.values() for v in vs]
    print(
        f"db={args.db} invoices={args.invoices} (intake incl. validation + archive: {intake_s / args.invoices * 1000:.1f} ms each)"
    )
    for step, vs in lat.items():
        print(
            f"  {step:<14} n={len(vs):4d} p50={statistics.median(vs):6.1f} ms  p95={pct(vs, 95):6.1f} ms  p99={pct(vs, 99):6.1f} ms"
        )
    print(
        f"  {'all approvals':<14} n={len(everything):4d} p50={statistics.median(everything):6.1f} ms  p95={pct(everything, 95):6.1f} ms"
    )
    print(
        f"  {'CPU/approval':<14} n={len(cpu):4d} p50={statistics.median(cpu):6.1f} ms  p95={pct(cpu, 95):6.1f} ms"
        "  (process CPU time, independent of other load)"
    )
    print(
        f"  {'refused (409)':<14} n={len(refused):4d} p50={statistics.median(refused):6.1f} ms  p95={pct(refused, 95):6.1f} ms"
    )
    c.close()
    if pg_name:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)'))


if __name__ == "__main__":
    main()
