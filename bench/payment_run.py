"""Payment run over N approved invoices: claim, Skonto, pain.001.001.09 generation + XSD validation, commit.

    .venv/bin/python bench/payment_run.py [--invoices 10000] [--db sqlite|postgres]

Invoices are inserted directly in status ``approved`` (intake and approval are measured elsewhere); a
third of them are still inside a Skonto period. The timed part is exactly what
``POST /api/v1/payment-runs`` does.
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
import random
import tempfile
import time
import uuid
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import create_engine, text

from dms.bootstrap import build_container
from dms.db.migrate import upgrade
from dms.db.types import utcnow
from dms.db.uow import RecordingDispatcher
from dms.domain.principal import Principal
from dms.invoices import facade, suppliers
from dms.invoices.settings import InvoiceSettings
from dms.invoices.tables import Invoice
from dms.settings import Settings
from einvoice.payment.sepa import summarize_pain001

PG_BASE = "postgresql+psycopg://postgres@127.0.0.1:5432"
IBANS = ["DE79000000001234567890", "DE02120300000000202051", "DE89370400440532013000", "AT611904300234573201"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--invoices", type=int, default=10_000)
    ap.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="aw-bench-pay-"))
    pg_name = None
    if args.db == "postgres":
        pg_name = f"aw_bench_{uuid.uuid4().hex[:8]}"
        admin = create_engine(f"{PG_BASE}/test", isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{pg_name}"'))
        settings = Settings(data_dir=tmp, database_url=f"{PG_BASE}/{pg_name}")
    else:
        settings = Settings(data_dir=tmp)
    upgrade(settings.db_url)
    c = build_container(settings, dispatcher=RecordingDispatcher())
    c.invoice_settings = InvoiceSettings(
        debtor_name="Stadt Musterstadt", debtor_iban="DE89370400440532013000"
    )  # type: ignore[attr-defined]
    rng = random.Random(1)
    today = date.today()
    now = utcnow()
    with c.uow() as uow:
        sup_ids = [
            int(
                suppliers.create_supplier(uow.session, None, f"Lieferant {i} GmbH", ibans=[IBANS[i % 4]]).id
                or 0
            )
            for i in range(50)
        ]
        rows = []
        for i in range(args.invoices):
            amount = Decimal(rng.randint(100, 5_000_000)) / 100
            skonto = i % 3 == 0
            rows.append(
                {
                    "status": "approved",
                    "version": 4,
                    "channel": "api",
                    "supplier_id": sup_ids[i % 50],
                    "filename": "r.xml",
                    "sha256": f"{i:064x}",
                    "file_key": f"{i:064x}",
                    "valid": True,
                    "validation": {},
                    "invoice_number": f"B-{i}",
                    "issue_date": today - timedelta(days=3),
                    "currency": "EUR",
                    "seller_name": f"Lieferant {i % 50} GmbH",
                    "gross_total": amount,
                    "amount_due": amount,
                    "iban": IBANS[i % 4],
                    "due_date": today + timedelta(days=27),
                    "skonto_terms": [
                        {"days": 14, "percent": "2.00", "base_amount": None, "source": "structured"}
                    ]
                    if skonto
                    else [],
                    "alerts": [],
                    "archive": {},
                    "received_at": now,
                    "updated_at": now,
                }
            )
        uow.session.execute(Invoice.__table__.insert(), rows)  # type: ignore[attr-defined]
        uow.commit()
    finance = Principal(user_id=0, username="bench", role="finance")
    t0 = time.perf_counter()
    with c.uow() as uow:
        run = facade.create_payment_run(c, uow, finance)
    elapsed = time.perf_counter() - t0
    summary = summarize_pain001((run.pain001 or "").encode())
    print(
        f"db={args.db} invoices={args.invoices} run_count={run.count} total={run.total} skonto={run.skonto_total}"
    )
    print(
        f"pain.001 bytes={len(run.pain001 or '')} NbOfTxs={summary.declared_count} CtrlSum={summary.control_sum}"
    )
    print(f"payment run (claim + Skonto + pain.001 + XSD + commit): {elapsed:.2f}s")
    c.close()
    if pg_name:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)'))


if __name__ == "__main__":
    main()
