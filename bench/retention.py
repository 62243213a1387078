"""Benchmark: retention plan over N synthetic records (default 1,000,000).

    .venv/bin/python bench/retention.py [--records 1000000] [--as-of 2035-01-01]

Records get a document date in 2000–2026, one to three classes (explicit / node / type), some without
date or class, a few Akten under hold. Generation is streamed and not timed separately from planning
(the figure is end-to-end: facts in, plan out).
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

# this script is named like the package: run it with the repository root first on sys.path
_ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [str(_ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != _ROOT / "bench"]

from retention import Hold, HoldIndex, HoldScope, RecordFacts, RetentionCalculator, plan  # noqa: E402

CLASSES = ("ao147-belege", "ao147-buecher", "ao147-briefe", "ustg14b-rechnungen")


def records(n: int, seed: int = 7) -> Iterator[RecordFacts]:
    rng = random.Random(seed)
    dates = [date(2000 + y, m, 15) for y in range(27) for m in range(1, 13)]
    for i in range(n):
        r = rng.random()
        yield RecordFacts(
            record_id=f"doc-{i}",
            document_date=None if r < 0.01 else dates[i % len(dates)],
            explicit_classes=(CLASSES[i % 4],) if r > 0.02 else (),
            type_classes=(CLASSES[(i // 4) % 4],) if r > 0.5 else (),
            node_classes=("komhvo59-belege",) if r > 0.97 else (),
            akte_id=f"akte-{i // 50}",
        )


def db_bench(n: int, as_of: date, url: str | None) -> None:
    """End to end through the database: documents table (SQLite file by default) → facts → plan."""
    import tempfile
    from datetime import UTC, datetime

    from sqlalchemy import insert

    from dms.bootstrap import build_container
    from dms.db.migrate import upgrade
    from dms.db.tables import Document
    from dms.db.uow import RecordingDispatcher
    from dms.retention_service import compute_plan
    from dms.retention_settings import RetentionSettings
    from dms.settings import Settings

    tmp = tempfile.mkdtemp(prefix="retention-bench-")
    settings = Settings(data_dir=Path(tmp), database_url=url)
    upgrade(settings.db_url)
    container = build_container(settings, dispatcher=RecordingDispatcher(), pool=False)
    now = datetime.now(UTC)
    started = time.perf_counter()
    batch: list[dict[str, object]] = []
    with container.db.write.begin() as conn:
        for f in records(n):
            batch.append(
                {
                    "title": f"Dokument {f.record_id}",
                    "tags": [],
                    "custom_fields": {},
                    "channel": "import",
                    "received_at": now,
                    "current_version": 1,
                    "filename": "x.pdf",
                    "size": 1,
                    "sha256": "0" * 64,
                    "status": "ready",
                    "processing_attempts": 0,
                    "finalised": False,
                    "metadata_version": 1,
                    "deleted": False,
                    "acl_tokens": " ",
                    "updated_at": now,
                    "document_date": f.document_date,
                    "retention_class": f.explicit_classes[0] if f.explicit_classes else None,
                }
            )
            if len(batch) == 20_000:
                conn.execute(insert(Document), batch)
                batch.clear()
        if batch:
            conn.execute(insert(Document), batch)
    loaded = time.perf_counter() - started
    started, cpu = time.perf_counter(), time.process_time()
    with container.uow(read_only=True) as uow:
        p, _titles = compute_plan(uow.session, RetentionSettings(), as_of)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    print(f"db={container.db.dialect} loaded {n:,} rows in {loaded:.1f} s")
    print(
        f"plan from the database: {elapsed:.2f} s wall, {cpu:.2f} s CPU ({p.total / elapsed:,.0f} records/s wall); "
        f"load average {os.getloadavg()[0]:.1f}; due={len(p.items):,} counts={dict(p.counts)}"
    )
    container.close()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", type=int, default=1_000_000)
    ap.add_argument("--as-of", type=date.fromisoformat, default=date(2035, 1, 1))
    ap.add_argument(
        "--db", action="store_true", help="plan through the database (documents table) instead of in memory"
    )
    ap.add_argument(
        "--db-url", default=None, help="with --db: SQLAlchemy URL (default: SQLite file in a temp dir)"
    )
    args = ap.parse_args()
    if args.db:
        db_bench(args.records, args.as_of, args.db_url)
        return
    holds = HoldIndex(Hold(f"h{k}", HoldScope.AKTE, f"akte-{k * 97}", "Rechtsstreit") for k in range(200))
    calc = RetentionCalculator()
    started, cpu = time.perf_counter(), time.process_time()
    p = plan(records(args.records), calc, holds, args.as_of)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    reasons_started = time.perf_counter()
    sample = [i.reason() for i in p.items[:10_000]]
    reasons = time.perf_counter() - reasons_started
    print(f"records={p.total:,} due={len(p.items):,} blocked={len(p.blocked):,} counts={dict(p.counts)}")
    print(
        f"plan: {elapsed:.2f} s wall, {cpu:.2f} s CPU ({p.total / elapsed:,.0f} records/s wall); "
        f"10k reasons rendered in {reasons:.2f} s; load average {os.getloadavg()[0]:.1f}"
    )
    print(f"example: {sample[0] if sample else '-'}")


if __name__ == "__main__":
    main()
